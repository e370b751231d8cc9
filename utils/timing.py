"""Timing shared by the chapters that measure speed (7 and 9): the median of repeated calls after a
warm-up, and the clock that suits the device."""

from __future__ import annotations

import statistics
import time
from typing import Callable

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
    """The clock to time work with: on a CPU, `time.process_time` (CPU seconds of this process only,
    so other programs on a shared machine do not inflate it); on a GPU, whose work is not CPU time,
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
