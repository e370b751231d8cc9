"""Chapter 9's checks name each catalogued wrong answer, pass right answers written other ways, and
report a stub as not attempted."""

import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from tests.checks.contract import not_attempted, right_answers_pass, wrong_answers_named
from utils.ch09 import checks_09
from utils.ch09.performance_checklist import amp_step
from utils.timing import median_time

# ---------------------------------------------------------------- Exercise 9.1: the median of timed
# calls


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


def cumulative_timings(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    t0 = clock()
    timings = []
    for _ in range(repeats):
        fn()
        timings.append(clock() - t0)
    return float(np.median(timings))


def clock_readings(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    readings = []
    for _ in range(repeats):
        fn()
        readings.append(clock())
    return statistics.median(readings)


def fastest_call(fn, repeats=5, warmup=1, clock=time.perf_counter):
    for _ in range(warmup):
        fn()
    timings = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        timings.append(clock() - t0)
    return min(timings)


check_timer = checks_09.check_median_time

test_timing_mistakes_are_named = wrong_answers_named(
    check_timer,
    [
        ("mean_of_timings", mean_of_timings, "mean", "the mean"),
        ("warm_up_timed", warm_up_timed, "warmup", "warm-up calls are among your timings"),
        ("total_time", total_time, "total", "total time"),
        ("upper_middle", upper_middle, "upper-middle", "even number"),
        ("torch_median", torch_median, "lower-middle", "torch.median"),
        ("in_milliseconds", in_milliseconds, "milliseconds", "not milliseconds"),
        ("wall_clock_instead", wall_clock_instead, "clock", "`clock` argument"),
        ("no_warm_up", no_warm_up, "calls", "fn was called"),
        ("forgets_return", forgets_return, "none", "return"),
        ("cumulative_timings", cumulative_timings, "cumulative", "once, before the loop"),
        ("clock_readings", clock_readings, "clock reading", "not durations"),
        ("fastest_call", fastest_call, "min", "the minimum"),
    ],
)
test_timing_right_answers_pass = right_answers_pass(
    check_timer, [median_time, with_numpy, middle_by_hand, torch_quantile_float32]
)
test_timing_not_attempted = not_attempted(check_timer)


# ---------------------------------------------------------------- Exercise 9.2: a mixed-precision
# step


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


check_amp = checks_09.check_amp_step

test_amp_mistakes_are_named = wrong_answers_named(
    check_amp,
    [
        ("float32_step", float32_step, "float32", "computed in float32"),
        ("float16_step", float16_step, "float16", "bfloat16"),
        ("model_cast_to_bfloat16", model_cast_to_bfloat16, "weights-cast", "weights' dtype"),
        ("no_zero_grad", no_zero_grad, "no zero_grad", "zero_grad()"),
        ("summed_loss", summed_loss, "summed loss", "reduction"),
        ("attached_loss", attached_loss, "not detached", "loss.detach()"),
        ("amp_returns_nothing", amp_returns_nothing, "none", "return"),
    ],
)
test_amp_right_answers_pass = right_answers_pass(
    check_amp, [amp_step, whole_step_in_autocast, default_cpu_dtype_and_float_logits]
)
test_amp_not_attempted = not_attempted(check_amp)


def test_the_notebook_states_the_tolerance_the_check_uses():
    from tools import ROOT

    text = " ".join((ROOT / "solutions" / "09_faq.md").read_text().split())
    assert checks_09.TIMING_RTOL == 1e-6 and "relative error of 1e-6" in text


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = checks_09.check_median_time(checks_09._mean_time, strict=False)
    assert result.message.startswith("✗ 练习 9.1（多次计时调用的中位数）"), result.message
    assert result.verdict.kind == "mean"
    assert "这是计时调用的平均值" in result.message
