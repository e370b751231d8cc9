"""Median redraw time per control move for notebook 2c's serving calculator, measured in-process as
in a kernel.

    .venv/bin/python benchmarks/serving_calculator_redraw.py [--moves 20]

Uses the same measurement as benchmarks/widget_redraw.py (imported, not copied): each control is
moved through about `moves` distinct values, and the synchronous re-render into the image widget is
timed (wall and CPU time). Moves to inputs that make no sense (a context longer than the model's)
draw the reason instead, and count like any other move."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_redraw import TARGET_MS, measure  # noqa: E402  (the chapter-4 benchmark's measurement)

from utils.notebook import start  # noqa: E402
from utils.widgets.serving import serving_widget  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    start(seed=0)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} "
        "CPUs"
    )
    print(
        f"{'control':<20} {'moves':>5} {'median ms':>10} {'CPU median':>11} {'max ms':>8} "
        f"{'full':>5}  target < {TARGET_MS:.0f} ms"
    )
    plot = serving_widget()
    plot.redraw(full=True)  # warm caches (fonts, glyphs)
    medians = []
    for control, (wall, cpu, full) in measure(plot, args.moves).items():
        median = statistics.median(wall)
        medians.append(median)
        flag = "ok" if median < TARGET_MS else "SLOW"
        print(
            f"{control:<20} {len(wall):>5} {median:>10.1f} {statistics.median(cpu):>11.1f} "
            f"{max(wall):>8.1f} {full:>5}  {flag}"
        )
    print(
        f"serving calculator: slowest median {max(medians):.1f} ms, median over controls "
        f"{statistics.median(medians):.1f} ms; load average after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
