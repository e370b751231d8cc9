"""Compression side by side: a dense digits classifier in float32, bfloat16, pruned (dense, and CSR
storage with int32 indices), int8 per-channel (dequantised on the fly) and PyTorch's dynamic int8
(per-tensor and per-channel scales). Prints size, test accuracy and CPU latency for several batch
sizes, as the median and the quartiles of the repeats, the models taking turns so that background
load slows all of them alike.

    python benchmarks/compression.py [--repeats 50] [--threads 1] [--sparsity 0.9]
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from utils.ch08 import compression as cz  # noqa: E402
from utils.training import train  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sparsity", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args(argv)
    cz.check_sparsity(args.sparsity)
    torch.set_num_threads(args.threads)

    digits = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        (digits.data / 16.0).astype(np.float32),
        digits.target,
        test_size=0.2,
        stratify=digits.target,
        random_state=0,
    )
    torch.manual_seed(0)
    model = cz.dense_classifier(64, (512, 512), 10)
    train(
        model,
        X_train,
        y_train,
        classes=10,
        epochs=args.epochs,
        batch_size=64,
        device="cpu",
        seed=0,
        progress=False,
    )
    model.eval()
    pruned = cz.prune_magnitude(model, args.sparsity, permanent=False)
    train(
        pruned,
        X_train,
        y_train,
        classes=10,
        epochs=3,
        batch_size=64,
        device="cpu",
        seed=1,
        progress=False,
    )
    pruned = cz.make_pruning_permanent(pruned).eval()

    X = torch.tensor(X_test)
    label = f"{args.sparsity:.0%}"
    variants = {
        "float32 (dense)": (model, torch.float32),
        "bfloat16 weights": (copy.deepcopy(model).to(torch.bfloat16), torch.bfloat16),
        f"pruned {label} + fine-tuned, dense": (pruned, torch.float32),
        f"pruned {label} + fine-tuned, CSR": (
            cz.replace_linear(pruned, cz.SparseLinear),
            torch.float32,
        ),
        "int8 per-channel, dequantised": (
            cz.replace_linear(model, cz.Int8Linear.from_linear),
            torch.float32,
        ),
        "int8 dynamic, per-tensor (PyTorch)": (cz.dynamic_int8(model), torch.float32),
        "int8 dynamic, per-channel (PyTorch)": (
            cz.dynamic_int8(model, per_channel=True),
            torch.float32,
        ),
    }
    batches = (1, 32, 360)
    latency = {
        b: cz.latency_quartiles_ms(
            {n: (m, X[:b].to(dtype)) for n, (m, dtype) in variants.items()}, repeats=args.repeats
        )
        for b in batches
    }
    base = cz.serialized_bytes(model)
    print(
        f"torch {torch.__version__}, {args.threads} thread(s); latency: median [quartiles] of "
        f"{args.repeats} forward passes per cell"
    )
    header = (
        "| variant | size KiB | × smaller | test accuracy | "
        + " | ".join(f"batch {b} ms" for b in batches)
        + " |"
    )
    print(header)
    print("|" + "---|" * (4 + len(batches)))
    for name, (m, dtype) in variants.items():
        size = cz.serialized_bytes(m)
        cells = [
            f"{size / 1024:.0f}",
            f"{base / size:.1f}",
            f"{cz.accuracy(m, X.to(dtype), y_test):.3f}",
        ]
        cells += [
            f"{latency[b][name][1]:.3f} [{latency[b][name][0]:.3f}–{latency[b][name][2]:.3f}]"
            for b in batches
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    last = latency[batches[-1]]
    fastest = min(variants, key=lambda n: last[n][1])
    beyond = last[fastest][2] < last["float32 (dense)"][0]
    print(
        f"fastest at batch {batches[-1]}: {fastest}, "
        f"{last['float32 (dense)'][1] / last[fastest][1]:.1f}× float32's median"
        + ("" if beyond else " (the quartile ranges overlap: no verdict)")
    )


if __name__ == "__main__":
    main()
