"""Answer checks for chapter 9: a timer that reports the median (Exercise 9.1), run against a fake
clock so the answer is exact, and a mixed-precision training step (Exercise 9.2), run on a small
seeded problem on the CPU."""

from __future__ import annotations

import statistics
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F

from utils.ch09.performance_checklist import amp_step
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _
from utils.checks.step_harness import step_outcome
from utils.timing import median_time
from utils.training import batch_loss

# ---------------------------------------------------------------- Exercise 9.1: the median of timed
# calls


class FakeClock:
    """A clock that moves only when the timed function runs: call i takes durations[i] seconds."""

    def __init__(self, durations):
        self.durations, self.now, self.calls = list(durations), 0.0, 0

    def read(self) -> float:
        return self.now

    def work(self) -> None:
        self.now += self.durations[min(self.calls, len(self.durations) - 1)]
        self.calls += 1


def timing_outcome(timer: Callable, durations, repeats: int, warmup: int) -> tuple[float, float]:
    """Run `timer(fn, repeats=..., warmup=..., clock=...)` against a fake clock; returns (its
    answer, calls of fn)."""
    clock = FakeClock(durations)
    seconds = timer(clock.work, repeats=repeats, warmup=warmup, clock=clock.read)
    return (None if seconds is None else float(seconds)), float(clock.calls)


def _mean_time(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    start = clock()
    for _call in range(repeats):
        fn()
    return (clock() - start) / repeats


def _warmup_timed(fn, repeats=5, warmup=1, clock=None):
    times = []
    for _call in range(warmup + repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def _total_time(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    start = clock()
    for _call in range(repeats):
        fn()
    return clock() - start


def _upper_middle(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    times = []
    for _call in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return sorted(times)[len(times) // 2]


def _lower_middle(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    times = []
    for _call in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return sorted(times)[(len(times) - 1) // 2]


def _milliseconds(fn, repeats=5, warmup=1, clock=None):
    return 1000 * median_time(fn, repeats=repeats, warmup=warmup, clock=clock)


def _since_first_call(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    times, start = [], clock()
    for _call in range(repeats):
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def _clock_readings(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    readings = []
    for _call in range(repeats):
        fn()
        readings.append(clock())
    return statistics.median(readings)


def _fastest(fn, repeats=5, warmup=1, clock=None):
    for _call in range(warmup):
        fn()
    times = []
    for _call in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def timed_by(timer: Callable):
    """`timing_outcome` for `timer`, taking a case's (durations, repeats, warmup)."""
    return partial(timing_outcome, timer)


TIMING_MISTAKES = (
    Mistake(
        "mean",
        timed_by(_mean_time),
        N_(
            "That is the mean of the timed calls. The median ignores the odd slow call (another "
            "process, a cache miss): collect each call's time in a list and take statistics.median "
            "(or np.median)."
        ),
    ),
    Mistake(
        "warmup",
        timed_by(_warmup_timed),
        N_(
            "The warm-up calls are among your timings. Call fn `warmup` times first without timing "
            "them: the first calls pay one-off costs (allocation, caches) that a steady state does "
            "not."
        ),
    ),
    Mistake(
        "total",
        timed_by(_total_time),
        N_(
            "That is the total time of all the timed calls; return the time of one call (the "
            "median of the per-call times)."
        ),
    ),
    Mistake(
        "upper-middle",
        timed_by(_upper_middle),
        N_(
            "With an even number of timings the median is the mean of the two middle ones, not the "
            "upper one: use statistics.median."
        ),
    ),
    Mistake(
        "lower-middle",
        timed_by(_lower_middle),
        N_(
            "With an even number of timings the median is the mean of the two middle ones; yours "
            "is the lower one, which is what torch.median returns. Use statistics.median or "
            "np.median."
        ),
    ),
    Mistake(
        "milliseconds",
        timed_by(_milliseconds),
        N_(
            "Your time is 1000 × the expected one: return seconds, not milliseconds. The "
            "difference of two clock() readings is already in seconds."
        ),
    ),
    Mistake(
        "cumulative",
        timed_by(_since_first_call),
        N_(
            "Your timings grow with every call: you read `start = clock()` once, before the loop, "
            "so each one is the time since the first timed call began. Read the clock just before "
            "and just after each call, and keep the difference."
        ),
    ),
    Mistake(
        "clock reading",
        timed_by(_clock_readings),
        N_(
            "You kept the clock's readings, not durations. A reading is a point in time from an "
            "arbitrary origin; a call's duration is the reading after it minus the reading before "
            "it."
        ),
    ),
    Mistake(
        "min",
        timed_by(_fastest),
        N_(
            "That is the fastest timed call (the minimum), not the median. The minimum is a fair "
            "estimate of the best case, but the exercise asks for the median: statistics.median."
        ),
    ),
)


def _compare_timing_core(got, expected, *, batch_size=None, rtol=1e-9, atol=1e-12) -> Verdict:
    """Diagnose (median seconds, calls of fn): nothing returned, the wrong number of calls, a
    different clock, then the number itself."""
    if got is None or got[0] is None:
        return returned_none()
    seconds, calls = got
    expected_seconds, expected_calls = expected
    if calls != expected_calls:
        return Verdict(
            False,
            "calls",
            _(
                "fn was called {calls:.0f} times; expected {expected:.0f} (the warm-up calls, "
                "then the timed ones)."
            ).format(calls=calls, expected=expected_calls),
        )
    if expected_seconds > 0 and abs(seconds) < 1e-3 * expected_seconds:
        return Verdict(
            False,
            "clock",
            _(
                "Your time is {seconds:.3g} s, far below the {expected:.3g} s the calls took on "
                "the clock you were given: read the time with the `clock` argument "
                "(start = clock()), not with time.perf_counter."
            ).format(seconds=seconds, expected=expected_seconds),
        )
    return compare_arrays(seconds, expected_seconds, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- Exercise 9.2: a mixed-precision
# step


def amp_outcome(step_fn: Callable, steps: int = 3, seed: int = 0):
    """Run `step_fn(model, optimizer, X, y)` `steps` times with Adam on chapter 5's seeded small
    network, batches of 16.

    Returns (change of every parameter as float64, the losses returned, 1.0 if every parameter is
    still float32, 1.0 if every loss returned is detached from the graph).
    """
    outcome = step_outcome(step_fn, "adam", steps, 16, seed)
    return outcome.change, outcome.losses, float(outcome.float32), float(not outcome.attached)


def _float32_step(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = batch_loss(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def _float16_step(model, optimizer, X, y):
    return amp_step(model, optimizer, X, y, dtype=torch.float16)


def _no_zero_grad_step(model, optimizer, X, y):
    with torch.autocast(device_type=X.device.type, dtype=torch.bfloat16):
        loss = batch_loss(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def _summed_step(model, optimizer, X, y):
    optimizer.zero_grad()
    with torch.autocast(device_type=X.device.type, dtype=torch.bfloat16):
        loss = F.binary_cross_entropy_with_logits(model(X).float(), y, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss.detach()


def stepped_by(step: Callable):
    """`amp_outcome` for `step`, taking a case's (steps, seed)."""
    return partial(amp_outcome, step)


AMP_MISTAKES = (
    Mistake(
        "float32",
        stepped_by(_float32_step),
        N_(
            "Your step computed in float32: its result equals a step without autocast. Put the "
            "forward pass and the loss inside "
            "`with torch.autocast(device_type=X.device.type, dtype=torch.bfloat16):`."
        ),
    ),
    Mistake(
        "float16",
        stepped_by(_float16_step),
        N_(
            "Your step used float16. Use dtype=torch.bfloat16: it keeps float32's range, so it "
            "needs no loss scaling."
        ),
    ),
    Mistake(
        "no zero_grad",
        stepped_by(_no_zero_grad_step),
        N_(
            "The gradients were not cleared: call optimizer.zero_grad() at the start of the step. "
            "Otherwise backward() adds this batch's gradients to those of all the earlier steps."
        ),
    ),
    Mistake(
        "summed loss",
        stepped_by(_summed_step),
        N_(
            'Your loss is the SUM over the batch (reduction="sum"); the exercise asks for the '
            "mean, the default reduction of F.binary_cross_entropy_with_logits. (Adam's step "
            "hardly depends on the loss's scale, so the parameters move almost the same; the loss "
            "you return is n times too large.)"
        ),
    ),
)


def _compare_amp_core(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Diagnose (parameter change, losses, still float32, detached): nothing returned, weights
    cast, the loss not detached, then the numbers."""
    if got is None:
        return returned_none()
    if got[2] != 1.0:
        return Verdict(
            False,
            "weights-cast",
            _(
                "Your step changed the weights' dtype (for example with model.to(torch.bfloat16) "
                "or .half()). Mixed precision keeps the weights, their gradients and Adam's "
                "moments in float32; only the forward pass runs in bfloat16, under torch.autocast."
            ),
        )
    if got[3] != 1.0:
        return Verdict(
            False,
            "not detached",
            _(
                "Your step returned the loss still attached to the graph (it requires grad). "
                "Return loss.detach(): a caller that keeps or adds up the losses would otherwise "
                "keep each step's graph alive."
            ),
        )
    return compare_named((_("parameter change"), _("loss")))(
        got[:2], expected[:2], rtol=rtol, atol=atol
    )


# ---------------------------------------------------------------- the checks the notebook calls

TIMING_RTOL = (
    1e-6  # a median computed in float32 passes; every catalogued mistake is off by far more
)


def timing_cases() -> list[Case]:
    """Fake durations, the repeats and the warm-up calls: a slow first call, a slow outlier, an even
    number of timed calls."""
    return [
        Case(
            ([3.0, 1.0, 1.2, 0.9, 5.0, 1.1], 5, 1), N_("1 warm-up, 5 timed calls, one of them slow")
        ),
        Case(([10.0, 4.0, 2.0, 2.5, 9.0], 3, 2), N_("2 warm-ups, 3 timed calls")),
        Case(([1.0, 2.0, 3.0, 10.0], 4, 0), N_("no warm-up, an even number of timed calls")),
    ]


def check_median_time(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 9.1: `learner_fn` times a fake function against a fake clock, so the right median is
    known exactly."""
    return catalogued_check(
        N_("Exercise 9.1 (the median of timed calls)"),
        timed_by(learner_fn),
        median_time,
        timing_cases(),
        mistakes=TIMING_MISTAKES,
        compare=_compare_timing_core,
        expected_from=timed_by(median_time),
        rtol=TIMING_RTOL,
        atol=1e-12,
        strict=strict,
    )


def check_amp_step(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 9.2: a few Adam steps of `learner_fn` on a small seeded CPU problem, against
    `amp_step`."""
    return catalogued_check(
        N_("Exercise 9.2 (a mixed-precision training step)"),
        stepped_by(learner_fn),
        amp_step,
        [Case((3, 0), N_("3 Adam steps")), Case((2, 1), N_("2 Adam steps, another seed"))],
        mistakes=AMP_MISTAKES,
        compare=_compare_amp_core,
        expected_from=stepped_by(amp_step),
        strict=strict,
    )
