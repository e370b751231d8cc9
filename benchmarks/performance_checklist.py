"""Benchmark: chapter 9's performance checklist (the guide's §9.3) on the guide's classifier, with
more seeds than the notebook and, on request, torch.compile (which the notebook skips on the CPU:
compiling takes tens of seconds).

    python benchmarks/performance_checklist.py                  # the course's device, 9 seeds
    python benchmarks/performance_checklist.py --compile        # also compile the trained model
    python benchmarks/performance_checklist.py --device cpu --seeds 3

Prints two Markdown tables. Training: each change against the best setup before it, in alternating
paired runs on utils.timing.work_clock (median time, median speed-up and the range over the pairs,
validation and test accuracy, verdict). Inference: time, size and accuracy of each compression
step, on the CPU, and torch.compile on the chosen device when asked.
"""

from __future__ import annotations

import argparse

import torch

from utils.ch09.performance_checklist import (
    compile_row,
    compression_markdown,
    prepare,
    run_compression_checklist,
    run_training_checklist,
    train_setup,
    training_markdown,
)
from utils.data import breast_cancer_split
from utils.device import describe, pick_device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", default=None, help="cpu, cuda or mps (default: the course's choice)"
    )
    parser.add_argument("--seeds", type=int, default=9)
    parser.add_argument(
        "--compile", action="store_true", help="also measure torch.compile on the trained model"
    )
    args = parser.parse_args()

    torch.set_num_threads(1)
    device = pick_device(args.device)
    data = breast_cancer_split(test_size=0.2, seed=0)
    rows, final = run_training_checklist(data, device=device, seeds=range(args.seeds))
    model = train_setup(final, data, seed=0, device=device).model
    X_test = prepare(data, final.standardise)["X_test"]
    inference = run_compression_checklist(model, X_test, data["y_test"])
    if args.compile:
        inference.append(compile_row(model, X_test, data["y_test"], device=device))
    print(f"device: {describe(device)} · torch {torch.__version__} · {args.seeds} seeds")
    print(training_markdown(rows))
    print("kept:", ", ".join(r["label"] for r in rows if r["verdict"] == "kept") or "nothing")
    print()
    print(compression_markdown(inference))


if __name__ == "__main__":
    main()
