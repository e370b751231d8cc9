"""torch.profiler on the course's trainer: a training step whose phases carry names, the operators
that run in each phase, and the time of each phase on a clock that other programs on a shared
machine affect less than the wall clock."""

from __future__ import annotations

import contextlib
import io
import os
import time

import torch
from torch.profiler import ProfilerActivity, profile, record_function

from utils.training import batch_loss

PHASES = ("forward + loss", "backward", "optimizer step")


def labelled_step(model, optimizer, X, y):
    """The trainer's step (same arithmetic as `utils.training.training_step`), each phase inside a
    `record_function` block named after it, so the profiler reports the phases by name."""
    with record_function(PHASES[0]):
        optimizer.zero_grad(set_to_none=True)
        loss = batch_loss(model(X), y)
    with record_function(PHASES[1]):
        loss.backward()
    with record_function(PHASES[2]):
        optimizer.step()
    return loss.detach()


class PhaseTimer:
    """A training step for the trainer (`train(step=timer.step)`) that adds up the time of each
    phase: this process's CPU time on a CPU (all its threads added together, so it suits
    single-threaded work); the wall clock after a synchronise on a GPU."""

    def __init__(self, device: torch.device | str = "cpu"):
        device = torch.device(device)
        self.clock = time.process_time if device.type == "cpu" else time.perf_counter
        self.sync = (
            (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
        )
        self.reset()

    def reset(self) -> None:
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.steps = 0

    def step(self, model, optimizer, X, y):
        marks = [self.clock()]
        optimizer.zero_grad(set_to_none=True)
        loss = batch_loss(model(X), y)
        self.sync()
        marks.append(self.clock())
        loss.backward()
        self.sync()
        marks.append(self.clock())
        optimizer.step()
        self.sync()
        marks.append(self.clock())
        for phase, start, end in zip(PHASES, marks, marks[1:]):
            self.seconds[phase] += end - start
        self.steps += 1
        return loss.detach()

    def per_step(self) -> dict[str, float]:
        """Seconds per step in each phase, averaged over the steps since the last reset."""
        if not self.steps:
            raise ValueError("no step was timed: pass timer.step to the trainer first")
        return {phase: total / self.steps for phase, total in self.seconds.items()}


@contextlib.contextmanager
def quiet_profile(device: torch.device | str = "cpu"):
    """`torch.profiler.profile` over the CPU (and CUDA when `device` is CUDA), with the profiler's
    start/stop lines on stderr silenced."""
    activities = [ProfilerActivity.CPU]
    if torch.device(device).type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    saved = os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            with profile(activities=activities) as prof:
                os.dup2(saved, 2)
                yield prof
                os.dup2(null.fileno(), 2)
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def phase_times(prof, phases=PHASES) -> dict[str, float]:
    """Total CPU time (milliseconds) spent inside each named phase, over the whole profile."""
    totals = {event.key: event.cpu_time_total / 1000 for event in prof.key_averages()}
    missing = [p for p in phases if p not in totals]
    if missing:
        raise ValueError(
            f"the profile has no events named {missing}: was the step wrapped in record_function?"
        )
    return {p: totals[p] for p in phases}


def operators_in(prof, phase: str) -> int:
    """How many `aten::` operators ran inside the named phase (nested calls included), over the
    whole profile."""
    count = 0
    for event in prof.events():
        if not event.name.startswith("aten::"):
            continue
        parent = event.cpu_parent
        while parent is not None and parent.name != phase:
            parent = parent.cpu_parent
        count += parent is not None
    return count


def top_operators(prof, n: int = 8, exclude=PHASES) -> list[tuple[str, float, int]]:
    """The `n` operators with the most self CPU time: (name, milliseconds, calls), largest first."""
    rows = [
        (e.key, e.self_cpu_time_total / 1000, e.count)
        for e in prof.key_averages()
        if e.key not in exclude
    ]
    return sorted(rows, key=lambda row: row[1], reverse=True)[:n]


def profile_table(prof, rows: int = 12) -> str:
    """The profiler's own summary table, sorted by self CPU time."""
    with contextlib.redirect_stderr(io.StringIO()):
        return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows)
