"""Timing shared by the chapters that measure speed (7 and 9): the median of repeated calls after a
warm-up, the clock that suits the device, and comparisons of variants that take turns, with the
spread of their speed ratios."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import torch


def median_time(
    fn: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median seconds of one call of `fn`, over `repeats` timed calls after `warmup` untimed
    ones."""
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats ≥ 1 and warmup ≥ 0, got repeats={repeats}, warmup={warmup}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


def work_clock(device: torch.device | str = "cpu") -> Callable[[], float]:
    """The clock to time work with: on a CPU, `time.process_time` (CPU seconds of this process, so
    other programs on a shared machine inflate it less than the wall clock; it adds up all the
    process's threads, so it suits single-threaded work); on a GPU, whose work is not CPU time,
    `time.perf_counter`."""
    return time.process_time if torch.device(device).type == "cpu" else time.perf_counter


def measure(fn: Callable[[], object], device: torch.device | str = "cpu") -> float:
    """Seconds that one call of `fn` takes on `work_clock(device)`, the GPU synchronised before each
    reading."""
    device = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    clock = work_clock(device)
    sync()
    start = clock()
    fn()
    sync()
    return clock() - start


def alternating_times(
    prepare: dict[str, Callable[[int], Callable[[], object]]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    device: torch.device | str = "cpu",
) -> dict[str, list[float]]:
    """Seconds of `repeats` calls of each variant, the variants taking turns.

    `prepare[name](r)` sets up round r's call (untimed: a fresh model, say) and returns it; the call
    is timed with `measure`. `warmup` untimed rounds run first. Within a round the variants run in
    an order that rotates from round to round, so a burst of load from another program, or a
    drift of the machine's speed, falls on all of them alike. Returns each variant's times, in
    round order: the i-th times of two variants form a pair.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats ≥ 1 and warmup ≥ 0, got repeats={repeats}, warmup={warmup}")
    names = list(prepare)
    for round_ in range(warmup):
        for name in names:
            prepare[name](round_)()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            run = prepare[name](round_)
            times[name].append(measure(run, device))
    return times


@dataclass(frozen=True)
class Ratio:
    """A speed ratio (time before / time after, so > 1 means faster) over paired runs: the median
    and the smallest and largest pair."""

    median: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.median:.2f}× (pairs {self.low:.2f}–{self.high:.2f}×)"


def ratio_spread(before: Sequence[float], after: Sequence[float]) -> Ratio:
    """The ratio before[i] / after[i] of each pair of times: its median, minimum and maximum."""
    if len(before) != len(after) or not before:
        raise ValueError(f"need pairs of times, got {len(before)} and {len(after)}")
    ratios = [b / a for b, a in zip(before, after)]
    return Ratio(statistics.median(ratios), min(ratios), max(ratios))


def speed_verdict(ratio: Ratio) -> str:
    """ "faster" when every pair ran faster, "slower" when every pair ran slower, and otherwise
    "within the noise": a verdict only where the spread of the pairs does not straddle 1."""
    if ratio.low > 1.0:
        return "faster"
    if ratio.high < 1.0:
        return "slower"
    return "within the noise"
