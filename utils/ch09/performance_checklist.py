"""The guide's performance checklist (§9.3), measured on the guide's classifier: a mixed-precision
training step, one setup of the trainer per row, and the compression steps (chapter 8's pruning and
int8 quantisation) on the trained model."""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from utils.ch08.compression import dynamic_int8, prune_magnitude, serialized_bytes, weight_sparsity
from utils.data import standardise_splits
from utils.models import count_parameters, guide_mlp, predict_proba
from utils.timing import measure, median_time, work_clock
from utils.training import KERAS_ADAM_EPS, batch_loss, train


def amp_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    X: torch.Tensor,
    y: torch.Tensor,
    dtype: torch.dtype = torch.bfloat16,
) -> torch.Tensor:
    """One training step in mixed precision: forward pass and loss under `torch.autocast` in
    `dtype`; the weights, their gradients and the optimiser stay in float32. Returns the loss,
    detached."""
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(device_type=X.device.type, dtype=dtype):
        loss = batch_loss(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


@dataclass(frozen=True)
class Setup:
    """One configuration of the guide's classifier and its training (a row of the checklist)."""

    standardise: bool = True
    hidden: tuple[int, ...] = (64, 32)
    batch_size: int = 32
    lr: float = 1e-3
    fused: bool = False  # torch.optim.Adam's default; the course's make_optimizer uses fused=True
    amp: bool = False
    threads: int = 1
    epochs: int = 10
    step: Callable | None = (
        None  # a custom training step for the trainer, e.g. a mixed-precision one
    )


def prepare(data: dict, standardise: bool) -> tuple[np.ndarray, np.ndarray]:
    """Training and test features, standardised with the training rows' statistics, or raw."""
    if not standardise:
        return data["X_train"], data["X_test"]
    return standardise_splits(data["X_train"], data["X_test"])


def train_setup(
    setup: Setup, data: dict, *, seed: int = 0, device="cpu"
) -> tuple[nn.Module, float, float]:
    """Train one model as `setup` says; returns (model, training seconds, test accuracy)."""
    X_train, X_test = prepare(data, setup.standardise)
    torch.manual_seed(seed)
    model = guide_mlp(X_train.shape[1], setup.hidden).to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=setup.lr, eps=KERAS_ADAM_EPS, fused=setup.fused
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(setup.threads)
    try:
        seconds = measure(
            lambda: train(
                model,
                X_train,
                data["y_train"],
                epochs=setup.epochs,
                batch_size=setup.batch_size,
                optimizer=optimizer,
                amp=setup.amp,
                step=setup.step,
                device=device,
                seed=seed,
                progress=False,
            ),
            device,
        )
    finally:
        torch.set_num_threads(threads)
    return model, seconds, accuracy(model, X_test, data["y_test"])


def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of rows whose predicted class (p > 0.5) equals the label."""
    device = next(
        model.parameters(), torch.zeros(0)
    ).device  # a quantised model has no parameters: CPU
    p = (
        predict_proba(model, torch.as_tensor(np.asarray(X), dtype=torch.float32, device=device))
        .cpu()
        .numpy()
    )
    return float(np.mean((p > 0.5) == np.asarray(y)))


def measure_setup(setup: Setup, data: dict, *, seeds=range(5), device="cpu") -> dict:
    """Train once per seed; the median training time, the median test accuracy and the parameter
    count."""
    runs = [train_setup(setup, data, seed=seed, device=device) for seed in seeds]
    return {
        "seconds": statistics.median(r[1] for r in runs),
        "accuracy": statistics.median(r[2] for r in runs),
        "parameters": count_parameters(runs[0][0]),
        "model": runs[0][0],
    }


def serialized_kib(model: nn.Module) -> float:
    """Size of the model's state dict as torch.save writes it, in KiB (chapter 8's
    `serialized_bytes`)."""
    return serialized_bytes(model) / 1024


def inference_ms(model: nn.Module, X: torch.Tensor, repeats: int = 20, timer=median_time) -> float:
    """Median milliseconds of one forward pass over X in eval mode without autograd, on `work_clock`
    (synchronised on CUDA); `timer` is a function like `median_time`."""
    model.eval()
    sync = torch.cuda.synchronize if X.device.type == "cuda" else (lambda: None)

    def forward():
        with torch.no_grad():
            model(X)
        sync()

    return 1000 * timer(forward, repeats=repeats, warmup=2, clock=work_clock(X.device))


# (the guide's §9.3 item, the change, a short label, the Setup fields it changes; "step" is the
# caller's amp step)
TRAINING_CHECKLIST: list[tuple[str, str, str, dict]] = [
    (
        "3 · preprocessing",
        "skip the standardisation (what the step is worth)",
        "no standardisation",
        {"standardise": False},
    ),
    (
        "1 · structure",
        "hidden layers of 16 and 8 units instead of 64 and 32",
        "16-8 hidden units",
        {"hidden": (16, 8)},
    ),
    (
        "2 · algorithm",
        "fused Adam: one kernel updates every parameter",
        "fused Adam",
        {"fused": True},
    ),
    (
        "2 · algorithm",
        "batch 128 instead of 32, learning rate × 4",
        "batch 128, lr × 4",
        {"batch_size": 128, "lr": 4e-3},
    ),
    (
        "4 · hardware",
        "mixed precision: the forward pass in bfloat16",
        "bfloat16 autocast",
        {"step": "amp step"},
    ),
]


def run_training_checklist(
    data: dict,
    *,
    device="cpu",
    seeds=range(5),
    amp_step_fn: Callable = amp_step,
    steps=TRAINING_CHECKLIST,
) -> tuple[list[dict], Setup]:
    """Measure the baseline, then each change on top of the best setup so far. A change is kept when
    it makes training at least 10% faster and costs at most one test row of accuracy; the first row
    only shows what skipping a step costs, and is never kept. Returns the rows and the final
    setup."""
    one_row = 1 / len(data["y_test"])
    current = Setup()
    base = measure_setup(current, data, seeds=seeds, device=device)
    rows = [
        {
            "item": "—",
            "change": "baseline: the guide's model, plain Adam, batch 32, float32",
            "label": "baseline",
            **base,
            "speed-up": 1.0,
            "verdict": "baseline",
        }
    ]
    for number, (item, change, label, fields) in enumerate(steps):
        fields = {k: (amp_step_fn if v == "amp step" else v) for k, v in fields.items()}
        candidate = replace(current, **fields)
        result = measure_setup(candidate, data, seeds=seeds, device=device)
        speed_up = base["seconds"] / result["seconds"]
        if number == 0:
            verdict = "not kept (shows the cost)"
        elif result["accuracy"] >= base["accuracy"] - one_row and speed_up >= 1.1:
            verdict, current, base = "kept", candidate, result
        else:
            verdict = "not kept"
        rows.append(
            {
                "item": item,
                "change": change,
                "label": label,
                **result,
                "speed-up": speed_up,
                "verdict": verdict,
            }
        )
    return rows, current


def run_compression_checklist(
    model: nn.Module,
    X_test,
    y_test,
    *,
    device="cpu",
    timer=median_time,
    rows_for_timing: int = 4096,
    measure_compile: bool = False,
) -> list[dict]:
    """Inference-time steps on a trained model: the model as trained, pruned by half, int8-quantised
    (both on the CPU, compared with the float32 model on the CPU), and torch.compile'd when
    `measure_compile`. Each row holds the test accuracy, the saved size and the milliseconds for one
    forward pass over `rows_for_timing` rows."""
    device = torch.device(device)
    X = torch.as_tensor(np.asarray(X_test), dtype=torch.float32)
    X_big = X.repeat(rows_for_timing // len(X) + 1, 1)[:rows_for_timing]
    model = copy.deepcopy(model).to(device).eval()
    base_ms = inference_ms(model, X_big.to(device), timer=timer)
    rows = [
        {
            "item": "—",
            "change": f"the trained model, float32, on {device.type}",
            "accuracy": accuracy(model, X, y_test),
            "size_kib": serialized_kib(model),
            "infer_ms": base_ms,
            "speed-up": 1.0,
            "verdict": "baseline",
        }
    ]
    cpu_model = copy.deepcopy(model).cpu()
    cpu_ms = base_ms if device.type == "cpu" else inference_ms(cpu_model, X_big, timer=timer)
    half = prune_magnitude(cpu_model, 0.5)
    int8 = dynamic_int8(cpu_model)
    for change, smaller in (
        (f"prune half the weights (CPU; {weight_sparsity(half):.0%} zeros, stored dense)", half),
        ("int8 dynamic quantisation of the Linear layers (CPU)", int8),
    ):
        ms = inference_ms(smaller, X_big, timer=timer)
        rows.append(
            {
                "item": "5 · compression",
                "change": change,
                "accuracy": accuracy(smaller, X, y_test),
                "size_kib": serialized_kib(smaller),
                "infer_ms": ms,
                "speed-up": cpu_ms / ms,
                "verdict": "measured",
            }
        )
    if measure_compile:
        compiled = torch.compile(model)
        started = time.perf_counter()
        with torch.no_grad():
            compiled(X_big.to(device))
        compile_s = time.perf_counter() - started
        ms = inference_ms(compiled, X_big.to(device), timer=timer)
        rows.append(
            {
                "item": "4 · hardware",
                "change": f"torch.compile (compiling took {compile_s:.1f} s)",
                "accuracy": accuracy(compiled, X, y_test),
                "size_kib": serialized_kib(model),
                "infer_ms": ms,
                "speed-up": base_ms / ms,
                "verdict": "measured",
            }
        )
    return rows


def checklist_markdown(rows: list[dict]) -> str:
    """The rows as one Markdown table; '—' where a column does not apply to a step."""

    def number(row, key, scale, fmt):
        return fmt.format(scale * row[key]) if row.get(key) is not None else "—"

    lines = [
        "| §9.3 item | change | training, ms | inference, ms | speed-up | test accuracy | "
        "parameters | size, KiB | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            r["item"],
            r["change"],
            number(r, "seconds", 1000, "{:.0f}"),
            number(r, "infer_ms", 1, "{:.2f}"),
            f"{r['speed-up']:.2f}×",
            f"{r['accuracy']:.3f}",
            number(r, "parameters", 1, "{:,}"),
            number(r, "size_kib", 1, "{:.1f}"),
            r["verdict"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
