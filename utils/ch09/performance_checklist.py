"""The guide's performance checklist (§9.3), measured on the guide's classifier: a mixed-precision
training step, one setup of the trainer per row, each compared with the best setup so far in
alternating paired runs, and the compression steps (chapter 8's pruning and int8 quantisation) on
the trained model."""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import torch
from torch import nn

from utils.ch08.compression import dynamic_int8, prune_magnitude, serialized_bytes, weight_sparsity
from utils.data import standardise_splits
from utils.models import count_parameters, guide_mlp, predict_proba
from utils.timing import alternating_times, median_time, ratio_spread, speed_verdict, work_clock
from utils.training import KERAS_ADAM_EPS, batch_loss, keras_validation_split, train

KEEP_AT = 1.1  # a change is kept when every pair of runs is at least 10% faster with it


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


def prepare(data: dict, standardise: bool) -> dict[str, np.ndarray]:
    """The rows the checklist uses: the last fifth of the training rows for validation (as Keras'
    validation_split=0.2), the rest for fitting, and the test rows. Features are standardised with
    the fitting rows' statistics, or left raw."""
    X_fit, y_fit, X_val, y_val = keras_validation_split(data["X_train"], data["y_train"], 0.2)
    X_test = data["X_test"]
    if standardise:
        X_fit, X_val, X_test = standardise_splits(X_fit, X_val, X_test)
    return {
        "X_fit": X_fit,
        "y_fit": y_fit,
        "X_val": X_val,
        "y_val": y_val,
        "X_test": X_test,
        "y_test": data["y_test"],
    }


def accuracy(model: nn.Module, X, y) -> float:
    """Fraction of rows whose predicted class (p > 0.5) equals the label."""
    # a quantised model has no parameters: it runs on the CPU
    device = next(model.parameters(), torch.zeros(0)).device
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32, device=device)
    p = predict_proba(model, X).cpu().numpy()
    return float(np.mean((p > 0.5) == np.asarray(y)))


def trainer(
    setup: Setup, rows: dict, *, seed: int = 0, device="cpu"
) -> tuple[nn.Module, Callable[[], object]]:
    """A fresh model for `setup` from `seed`, and the call that trains it on the fitting rows (not
    run yet, so that only the training is timed)."""
    torch.manual_seed(seed)
    model = guide_mlp(rows["X_fit"].shape[1], setup.hidden).to(device)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=setup.lr, eps=KERAS_ADAM_EPS, fused=setup.fused
    )

    def run() -> None:
        threads = torch.get_num_threads()
        torch.set_num_threads(setup.threads)
        try:
            train(
                model,
                rows["X_fit"],
                rows["y_fit"],
                epochs=setup.epochs,
                batch_size=setup.batch_size,
                optimizer=optimizer,
                amp=setup.amp,
                step=setup.step,
                device=device,
                seed=seed,
                progress=False,
            )
        finally:
            torch.set_num_threads(threads)

    return model, run


class Trained(NamedTuple):
    model: nn.Module
    validation: float  # accuracy on the validation rows
    test: float  # accuracy on the test rows


def train_setup(setup: Setup, data: dict, *, seed: int = 0, device="cpu") -> Trained:
    """Train one model as `setup` says; its validation and test accuracy."""
    rows = prepare(data, setup.standardise)
    model, run = trainer(setup, rows, seed=seed, device=device)
    run()
    return Trained(
        model,
        accuracy(model, rows["X_val"], rows["y_val"]),
        accuracy(model, rows["X_test"], rows["y_test"]),
    )


def compare_setups(
    setups: dict[str, Setup], data: dict, *, seeds=range(7), warmup: int = 1, device="cpu"
) -> dict[str, dict]:
    """Train every setup once per seed, the setups taking turns (`utils.timing.alternating_times`),
    after `warmup` untimed rounds. Round r of every setup starts from seed r, so the i-th runs of
    two setups form a pair. Returns, per setup: the training times in seed order, the median
    validation and test accuracies, the parameter count and the first seed's model."""
    seeds = list(seeds)
    rows = {name: prepare(data, setup.standardise) for name, setup in setups.items()}
    models: dict[str, dict[int, nn.Module]] = {name: {} for name in setups}

    def preparer(name: str) -> Callable[[int], Callable[[], object]]:
        def prepare_round(round_: int) -> Callable[[], object]:
            model, run = trainer(setups[name], rows[name], seed=seeds[round_], device=device)
            models[name][round_] = model  # a timed round replaces its warm-up round's model
            return run

        return prepare_round

    times = alternating_times(
        {name: preparer(name) for name in setups},
        repeats=len(seeds),
        warmup=warmup,
        device=device,
    )
    results = {}
    for name in setups:
        trained = [models[name][r] for r in range(len(seeds))]
        rows_ = rows[name]
        results[name] = {
            "times": times[name],
            "seconds": statistics.median(times[name]),
            "validation": statistics.median(
                accuracy(m, rows_["X_val"], rows_["y_val"]) for m in trained
            ),
            "test": statistics.median(
                accuracy(m, rows_["X_test"], rows_["y_test"]) for m in trained
            ),
            "parameters": count_parameters(trained[0]),
            "model": trained[0],
        }
    return results


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
        "one kernel updates every parameter (fused=True)",
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
        "mixed precision: the forward pass under bfloat16 autocast",
        "bfloat16 autocast",
        {"step": "amp step"},
    ),
]


def keep_or_not(ratio, accuracy_drop: float, one_row: float) -> str:
    """The rule, fixed before measuring: kept when every pair is at least `KEEP_AT` times faster
    and the validation accuracy falls by at most one validation row; otherwise say why not, and
    give no speed verdict where the pairs disagree."""
    if accuracy_drop > one_row + 1e-12:
        return "not kept: validation accuracy falls"
    if ratio.low >= KEEP_AT:
        return "kept"
    verdict = speed_verdict(ratio)
    if verdict == "slower":
        return "not kept: slower"
    if verdict == "faster":
        return f"not kept: faster, but not {KEEP_AT:.1f}× in every pair"
    return "not kept: no verdict, within the noise"


def run_training_checklist(
    data: dict,
    *,
    device="cpu",
    seeds=range(7),
    amp_step_fn: Callable = amp_step,
    steps=TRAINING_CHECKLIST,
) -> tuple[list[dict], Setup]:
    """Measure each change against the best setup so far, in alternating paired runs. The first
    row only shows what skipping a step costs, and is never kept. Returns the rows (the baseline
    first) and the final setup."""
    one_row = 1 / len(prepare(data, True)["y_val"])
    current = Setup()
    rows: list[dict] = []
    for number, (item, change, label, fields) in enumerate(steps):
        fields = {k: (amp_step_fn if v == "amp step" else v) for k, v in fields.items()}
        candidate = replace(current, **fields)
        result = compare_setups(
            {"current": current, "candidate": candidate}, data, seeds=seeds, device=device
        )
        before, after = result["current"], result["candidate"]
        if number == 0:
            rows.append(
                {
                    "item": "—",
                    "change": "baseline: the guide's model, plain Adam, batch 32, float32",
                    "label": "baseline",
                    **before,
                    "speed-up": None,
                    "verdict": "baseline",
                }
            )
        ratio = ratio_spread(before["times"], after["times"])
        if number == 0:
            verdict = "not kept (shows the cost)"
        else:
            verdict = keep_or_not(ratio, before["validation"] - after["validation"], one_row)
        rows.append(
            {
                "item": item,
                "change": change,
                "label": label,
                **after,
                "speed-up": ratio,
                "verdict": verdict,
            }
        )
        if verdict == "kept":
            current = candidate
    return rows, current


def serialized_kib(model: nn.Module) -> float:
    """Size of the model's state dict as torch.save writes it, in KiB (chapter 8's
    `serialized_bytes`)."""
    return serialized_bytes(model) / 1024


def forward_pass(model: nn.Module, X: torch.Tensor, passes: int = 1) -> Callable[[], None]:
    """`passes` forward passes over X in eval mode without autograd (synchronised on CUDA), as one
    call to time."""
    model.eval()
    sync = torch.cuda.synchronize if X.device.type == "cuda" else (lambda: None)

    def forward() -> None:
        with torch.no_grad():
            for _ in range(passes):
                model(X)
        sync()

    return forward


def inference_ms(model: nn.Module, X: torch.Tensor, repeats: int = 20, timer=median_time) -> float:
    """Median milliseconds of one forward pass over X, on `work_clock`; `timer` is a function like
    `median_time`."""
    return 1000 * timer(
        forward_pass(model, X), repeats=repeats, warmup=2, clock=work_clock(X.device)
    )


def run_compression_checklist(
    model: nn.Module,
    X_test,
    y_test,
    *,
    rows_for_timing: int = 4096,
    repeats: int = 30,
    passes: int = 10,
) -> list[dict]:
    """Inference-time steps on a trained model, on the CPU: the model as trained (float32), pruned
    by half, and int8-quantised. Each row holds the test accuracy, the saved size and the
    milliseconds of one forward pass over `rows_for_timing` rows. The three take turns for
    `repeats` rounds, each timing `passes` forward passes at once; each speed-up is the ratio to
    the float32 model's time in the same round."""
    X = torch.as_tensor(np.asarray(X_test), dtype=torch.float32)
    X_big = X.repeat(rows_for_timing // len(X) + 1, 1)[:rows_for_timing]
    base = copy.deepcopy(model).cpu().eval()
    half = prune_magnitude(base, 0.5)
    variants = {
        "the trained model, float32 (CPU)": base,
        f"prune half the weights ({weight_sparsity(half):.0%} zeros, stored dense)": half,
        "int8 dynamic quantisation of the Linear layers": dynamic_int8(base),
    }
    times = alternating_times(
        {name: (lambda r, m=m: forward_pass(m, X_big, passes)) for name, m in variants.items()},
        repeats=repeats,
        warmup=3,
        device="cpu",
    )
    base_times = times[next(iter(variants))]
    rows = []
    for number, (name, m) in enumerate(variants.items()):
        rows.append(
            {
                "item": "—" if number == 0 else "5 · compression",
                "change": name,
                "accuracy": accuracy(m, X, y_test),
                "size_kib": serialized_kib(m),
                "infer_ms": 1000 * statistics.median(times[name]) / passes,
                "speed-up": None if number == 0 else ratio_spread(base_times, times[name]),
            }
        )
    return rows


def compile_row(model: nn.Module, X_test, y_test, *, device="cpu", timer=median_time) -> dict:
    """torch.compile on the trained model: the compile time, then the compiled and the eager model
    timed alike (`timer`) on one forward pass over the test rows repeated to 4096."""
    X = torch.as_tensor(np.asarray(X_test), dtype=torch.float32)
    X_big = X.repeat(4096 // len(X) + 1, 1)[:4096].to(device)
    eager = copy.deepcopy(model).to(device).eval()
    compiled = torch.compile(eager)
    started = time.perf_counter()
    with torch.no_grad():
        compiled(X_big)
    compile_s = time.perf_counter() - started
    eager_ms = inference_ms(eager, X_big, timer=timer)
    compiled_ms = inference_ms(compiled, X_big, timer=timer)
    return {
        "item": "4 · hardware",
        "change": f"torch.compile (compiling took {compile_s:.1f} s)",
        "accuracy": accuracy(compiled, X, y_test),
        "size_kib": serialized_kib(eager),
        "infer_ms": compiled_ms,
        "speed-up": eager_ms / compiled_ms,
    }


def _speed_up(value) -> str:
    if value is None:
        return "—"
    return str(value) if not isinstance(value, float) else f"{value:.2f}×"


def training_markdown(rows: list[dict]) -> str:
    """The training rows as one Markdown table: median time, the speed-up over the best setup
    before it (median ratio and its pairs' range), median accuracies and the verdict."""
    lines = [
        "| §9.3 item | change | training, ms | speed-up | validation acc. | test acc. | "
        "parameters | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            r["item"],
            r["label"],
            f"{1000 * r['seconds']:.0f}",
            _speed_up(r["speed-up"]),
            f"{r['validation']:.3f}",
            f"{r['test']:.3f}",
            f"{r['parameters']:,}",
            r["verdict"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def compression_markdown(rows: list[dict]) -> str:
    """The inference rows as one Markdown table: time of a forward pass, speed-up over float32,
    test accuracy and saved size."""
    lines = [
        "| §9.3 item | change | inference, ms | speed-up | test acc. | size, KiB |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            r["item"],
            r["change"],
            f"{r['infer_ms']:.2f}",
            _speed_up(r["speed-up"]),
            f"{r['accuracy']:.3f}",
            f"{r['size_kib']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_flags(path: Path = Path("/proc/cpuinfo")) -> list[str] | None:
    """The CPU's feature flags that concern bfloat16 and int8 matrix arithmetic (`*bf16*`,
    `amx*`, `*vnni*`), read from Linux's /proc/cpuinfo; None where that file does not exist."""
    if not path.is_file():
        return None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("flags"):
            flags = line.split(":", 1)[1].split()
            return sorted(f for f in flags if "bf16" in f or f.startswith("amx") or "vnni" in f)
    return []


def product_times_us(
    rows: int, width: int, n_in: int, *, timer=median_time, repeats: int = 9
) -> dict[str, float]:
    """Microseconds (on `work_clock('cpu')`) of X @ Wᵀ for X (rows × n_in) and W (width × n_in):
    in float32, in bfloat16 with both already cast, and of the two casts alone."""
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(rows, n_in, generator=generator)
    W = torch.randn(width, n_in, generator=generator)
    Xb, Wb = X.bfloat16(), W.bfloat16()
    clock = work_clock("cpu")

    def us(fn) -> float:
        return 1e6 * timer(fn, repeats=repeats, warmup=2, clock=clock)

    return {
        "float32 product": us(lambda: X @ W.T),
        "bfloat16 product": us(lambda: Xb @ Wb.T),
        "casts to bfloat16": us(lambda: (X.bfloat16(), W.bfloat16())),
    }
