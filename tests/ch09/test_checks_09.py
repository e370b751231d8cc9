"""Chapter 9's checks name each catalogued wrong answer, pass right answers written other ways, and
report a stub as not attempted."""

import statistics
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.ch09 import checks_09

# ---------------------------------------------------------------- Exercise 9.1: the median of timed
# calls


def check_timer(fn):
    return checks_09.check_median_time(fn, strict=False)


def with_numpy(fn, repeats=5, warmup=1, clock=time.perf_counter):
    [fn() for _ in range(warmup)]
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return float(np.median(timings))


def middle_by_hand(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    timings.sort()
    half = len(timings) // 2
    return timings[half] if len(timings) % 2 else (timings[half - 1] + timings[half]) / 2


def mean_of_timings(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return sum(timings) / len(timings)


def warm_up_timed(fn, repeats=5, warmup=1, clock=time.perf_counter):
    timings = []
    for _ in range(repeats + warmup):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return statistics.median(timings)


def total_time(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    t0 = clock()
    for _ in range(repeats):
        fn()
    return clock() - t0


def upper_middle(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return sorted(timings)[len(timings) // 2]


def torch_median(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return torch.tensor(timings).median().item()


def torch_quantile_float32(fn, repeats=5, warmup=1, clock=time.perf_counter):
    """A right answer in float32: torch.tensor makes float32, and quantile(0.5) averages the two
    middles."""
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return torch.tensor(timings).quantile(0.5).item()


def in_milliseconds(fn, repeats=5, warmup=1, clock=time.perf_counter):
    return 1000 * with_numpy(fn, repeats, warmup, clock)


def wall_clock_instead(fn, repeats=5, warmup=1, clock=time.perf_counter):
    return with_numpy(fn, repeats, warmup, time.perf_counter)


def no_warm_up(fn, repeats=5, warmup=1, clock=time.perf_counter):
    return with_numpy(fn, repeats, 0, clock)


def forgets_return(fn, repeats=5, warmup=1, clock=time.perf_counter):
    with_numpy(fn, repeats, warmup, clock)


TIMING_CATALOGUE = [
    (mean_of_timings, "mean", "the mean"),
    (warm_up_timed, "warmup", "warm-up calls are among your timings"),
    (total_time, "total", "total time"),
    (upper_middle, "upper-middle", "even number"),
    (torch_median, "lower-middle", "torch.median"),
    (in_milliseconds, "milliseconds", "not milliseconds"),
    (wall_clock_instead, "clock", "`clock` argument"),
    (no_warm_up, "calls", "fn was called"),
    (forgets_return, "none", "return"),
]


@pytest.mark.parametrize(
    "wrong, kind, phrase", TIMING_CATALOGUE, ids=[c[0].__name__ for c in TIMING_CATALOGUE]
)
def test_timing_check_names_the_mistake(wrong, kind, phrase):
    result = check_timer(wrong)
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_timing_check_passes_right_answers_and_reports_a_stub():
    from utils.timing import median_time

    for right in (median_time, with_numpy, middle_by_hand, torch_quantile_float32):
        assert check_timer(right).status == "passed", right.__name__

    def stub(fn, repeats=5, warmup=1, clock=time.perf_counter):
        raise NotImplementedError

    assert check_timer(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 9.2: a mixed-precision
# step


def check_amp(fn):
    return checks_09.check_amp_step(fn, strict=False)


def whole_step_in_autocast(model, optimizer, X, y):
    with torch.autocast(X.device.type, dtype=torch.bfloat16):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(X), y)
        loss.backward()
        optimizer.step()
    return loss.detach()


def default_cpu_dtype_and_float_logits(model, optimizer, X, y):
    optimizer.zero_grad(set_to_none=True)
    with torch.amp.autocast("cpu"):
        logits = model(X)
    loss = F.binary_cross_entropy_with_logits(logits.float(), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def float32_step(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def float16_step(model, optimizer, X, y):
    optimizer.zero_grad()
    with torch.autocast(X.device.type, dtype=torch.float16):
        loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def model_cast_to_bfloat16(model, optimizer, X, y):
    model.to(torch.bfloat16)
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X.bfloat16()).float(), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def no_zero_grad(model, optimizer, X, y):
    with torch.autocast(X.device.type, dtype=torch.bfloat16):
        loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def summed_loss(model, optimizer, X, y):
    optimizer.zero_grad()
    with torch.autocast(X.device.type, dtype=torch.bfloat16):
        loss = F.binary_cross_entropy_with_logits(model(X), y, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss.detach()


def attached_loss(model, optimizer, X, y):
    optimizer.zero_grad()
    with torch.autocast(X.device.type, dtype=torch.bfloat16):
        loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


def amp_returns_nothing(model, optimizer, X, y):
    whole_step_in_autocast(model, optimizer, X, y)


AMP_CATALOGUE = [
    (float32_step, "float32", "computed in float32"),
    (float16_step, "float16", "bfloat16"),
    (model_cast_to_bfloat16, "weights-cast", "weights' dtype"),
    (no_zero_grad, "no zero_grad", "zero_grad()"),
    (summed_loss, "summed loss", "reduction"),
    (attached_loss, "not detached", "loss.detach()"),
    (amp_returns_nothing, "none", "return"),
]


@pytest.mark.parametrize(
    "wrong, kind, phrase", AMP_CATALOGUE, ids=[c[0].__name__ for c in AMP_CATALOGUE]
)
def test_amp_check_names_the_mistake(wrong, kind, phrase):
    result = check_amp(wrong)
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_amp_check_passes_right_answers_and_reports_a_stub():
    from utils.ch09.performance_checklist import amp_step

    for right in (amp_step, whole_step_in_autocast, default_cpu_dtype_and_float_logits):
        assert check_amp(right).status == "passed", right.__name__

    def stub(model, optimizer, X, y):
        raise NotImplementedError

    assert check_amp(stub).status == "not attempted"


def test_the_notebook_states_the_tolerance_the_check_uses():
    from tools import ROOT

    text = " ".join((ROOT / "solutions" / "09_faq.md").read_text().split())
    assert checks_09.TIMING_RTOL == 1e-6 and "relative error of 1e-6" in text
