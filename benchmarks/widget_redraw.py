"""Median redraw time per control move for every widget of the course, measured in-process (as in a
kernel): chapter 4's activation and loss widgets, chapter 2's calculator (2a) and serving calculator
(2c).

    .venv/bin/python benchmarks/widget_redraw.py [--moves 20] [--widget calculator ...]

Each control is moved through about `moves` distinct values; each move re-renders the one figure
synchronously into the image widget (blitted: only the moving artists drawn over the cached
background, or, where the widget's update asks for it, a full redraw), and the time of the
assignment is recorded: wall-clock time, and this process's CPU time, which other work on the
machine inflates less. `full` counts the moves that drew everything. Moves to settings that make no
model (heads that do not divide the width, a context longer than the model's) draw the reason
instead, and count like any other move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from utils.notebook import start
from utils.widgets.activation import activation_widget
from utils.widgets.calculator import calculator_widget
from utils.widgets.loss import loss_widget
from utils.widgets.serving import serving_widget

TARGET_MS = 50.0
WIDGETS = {
    "activation": activation_widget,
    "loss": loss_widget,
    "calculator": calculator_widget,
    "serving": serving_widget,
}


def values_for(control, moves: int) -> list:
    """About `moves` values that each differ from the one before, across the control's range."""
    if hasattr(control, "options") and control.options:
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [options[i % len(options)] for i in range(1, moves + 1)]
    if isinstance(control.value, tuple):  # a range slider: slide the window
        width = control.value[1] - control.value[0]
        starts = np.linspace(control.min, control.max - width, moves)
        return [
            (
                round(float(s) / control.step) * control.step,
                round(float(s) / control.step) * control.step + width,
            )
            for s in starts
        ]
    values = np.linspace(control.min, control.max, moves)
    if isinstance(control.value, int):
        values = np.unique(np.round(values).astype(int))
    return [v.item() if hasattr(v, "item") else v for v in values]


def measure(plot, moves: int) -> dict[str, tuple[list[float], list[float], int]]:
    """Per control: (wall ms, CPU ms) of each move, and how many of the moves were full redraws."""
    times = {}
    for name, control in plot.controls.items():
        start_value, wall, cpu, full_before = control.value, [], [], plot.full_redraws
        for value in values_for(control, moves):
            if value == control.value:
                continue
            w0, c0 = time.perf_counter(), time.process_time()
            control.value = value
            cpu.append((time.process_time() - c0) * 1000.0)
            wall.append((time.perf_counter() - w0) * 1000.0)
        full = plot.full_redraws - full_before
        control.value = start_value
        times[name] = (wall, cpu, full)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--widget", nargs="+", choices=list(WIDGETS), default=list(WIDGETS))
    args = parser.parse_args()
    start(seed=0)  # the notebooks' set-up: one torch thread, the course's plot style (grid on)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} "
        "CPUs"
    )
    print(
        f"{'widget':<11} {'control':<20} {'moves':>5} {'median ms':>10} {'CPU median':>11} "
        f"{'max ms':>8} {'full':>5}  target < {TARGET_MS:.0f} ms"
    )
    for widget_name in args.widget:
        plot = WIDGETS[widget_name]()
        plot.redraw(full=True)  # warm caches (fonts, glyphs)
        medians = []
        for control, (wall, cpu, full) in measure(plot, args.moves).items():
            median = statistics.median(wall)
            medians.append(median)
            flag = "ok" if median < TARGET_MS else "SLOW"
            print(
                f"{widget_name:<11} {control:<20} {len(wall):>5} {median:>10.1f} "
                f"{statistics.median(cpu):>11.1f} {max(wall):>8.1f} {full:>5}  {flag}"
            )
        print(
            f"{widget_name}: slowest median {max(medians):.1f} ms, median over controls "
            f"{statistics.median(medians):.1f} ms"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
