"""Benchmark: the guide's classifier (64-32-1, Adam 1e-3, BCE, 10 epochs, batch 32, Keras validation
split 0.2) trained side by side by scikit-learn, an idiomatic DataLoader loop, a NumPy loop and the
course's trainer.

    python benchmarks/classifier.py                 # the course's device
    (utils.device.pick_device), 1 torch thread, 5 seeds python benchmarks/classifier.py --device cpu
    # force the CPU (the figures the course quotes for a laptop) python benchmarks/classifier.py
    --device cuda   # torch implementations on the GPU (bf16 autocast in the trainer)

Prints the median over seeds (of the best of --repeats runs per seed) of the wall time of training
(validation every epoch included), test accuracy and ROC-AUC over the seeds, the time ratios against
the course's trainer, and the per-step cost of forward, backward and Adam.step.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from torch.utils.data import DataLoader, TensorDataset

from utils.ch03 import numpy_mlp
from utils.data import breast_cancer_split, standardise_splits
from utils.device import describe, pick_device
from utils.models import guide_mlp, predict_proba
from utils.training import (
    KERAS_ADAM_EPS,
    keras_validation_split,
    make_optimizer,
    train,
    training_step,
)

EPOCHS, BATCH, LR, HIDDEN = 10, 32, 1e-3, (64, 32)


def load():
    """Standardised (on the training rows) Breast Cancer data, split as the chapter does."""
    d = breast_cancer_split(seed=0)
    X_train, X_test = standardise_splits(d["X_train"], d["X_test"])
    X_fit, y_fit, X_val, y_val = keras_validation_split(X_train, d["y_train"], 0.2)
    return X_fit, y_fit, X_val, y_val, X_test, d["y_test"]


# ---------------------------------------------------------------- implementations: each returns
# (seconds, p_test)


def run_sklearn(data, seed, device):
    X_fit, y_fit, _, _, X_test, _ = data
    model = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        activation="relu",
        solver="adam",
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=EPOCHS,
        alpha=0.0,
        epsilon=KERAS_ADAM_EPS,
        shuffle=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        started = time.perf_counter()
        model.fit(X_fit, y_fit)
        seconds = time.perf_counter() - started
    return seconds, model.predict_proba(X_test)[:, 1]


def run_dataloader(data, seed, device):
    """The idiomatic loop from the tutorials: CPU TensorDataset, DataLoader(shuffle=True),
    .to(device) per batch."""
    X_fit, y_fit, X_val, y_val, X_test, _ = data
    torch.manual_seed(seed)
    model = guide_mlp(X_fit.shape[1], HIDDEN).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, eps=KERAS_ADAM_EPS)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    as_t = lambda a: torch.tensor(a, dtype=torch.float32)
    loader = DataLoader(
        TensorDataset(as_t(X_fit), as_t(y_fit).reshape(-1, 1)),
        batch_size=BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    X_val_t, y_val_t = as_t(X_val).to(device), as_t(y_val).reshape(-1, 1).to(device)
    started = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        running = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            logits = model(X_val_t)
            _val_loss = loss_fn(logits, y_val_t).item()
            _val_acc = ((logits > 0).float() == y_val_t).float().mean().item()
    seconds = time.perf_counter() - started
    return seconds, predict_proba(model, as_t(X_test).to(device)).cpu().numpy()


def run_numpy(data, seed, device):
    """The course's NumPy network (utils.ch03.numpy_mlp: forward, backward, Adam in float64), Glorot
    init, reshuffled every epoch."""
    X_fit, y_fit, X_val, y_val, X_test, _ = data
    rng = np.random.default_rng(seed)
    sizes = [X_fit.shape[1], *HIDDEN, 1]
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        limit = np.sqrt(6 / (fan_in + fan_out))
        params[f"W{layer}"] = rng.uniform(
            -limit, limit, size=(fan_out, fan_in)
        )  # (out × in), Keras' Glorot uniform
        params[f"b{layer}"] = np.zeros(fan_out)
    optimiser = numpy_mlp.Adam(params, lr=LR, eps=KERAS_ADAM_EPS)
    y_fit = y_fit.astype(np.float64)
    started = time.perf_counter()
    for _ in range(EPOCHS):
        order = rng.permutation(len(X_fit))
        for start in range(0, len(order), BATCH):
            index = order[start : start + BATCH]
            _, grads = numpy_mlp.loss_and_grads(params, X_fit[index], y_fit[index])
            params = optimiser.step(params, grads)
        z_val, _ = numpy_mlp.forward(params, X_val)
        _val_loss, _val_acc = (
            numpy_mlp.bce_with_logits(z_val, y_val),
            float(np.mean((z_val > 0) == y_val)),
        )
    seconds = time.perf_counter() - started
    return seconds, numpy_mlp.predict_proba(params, X_test)


def run_course(data, seed, device):
    X_fit, y_fit, X_val, y_val, X_test, _ = data
    torch.manual_seed(seed)
    model = guide_mlp(X_fit.shape[1], HIDDEN)
    started = time.perf_counter()  # the whole call: moving the data and building Adam included
    train(
        model,
        X_fit,
        y_fit,
        epochs=EPOCHS,
        batch_size=BATCH,
        lr=LR,
        validation=(X_val, y_val),
        device=device,
        seed=seed,
        progress=False,
    )
    seconds = time.perf_counter() - started
    p = predict_proba(model, torch.tensor(X_test, dtype=torch.float32, device=device)).cpu().numpy()
    return seconds, p


IMPLEMENTATIONS = {
    "scikit-learn MLPClassifier": run_sklearn,
    "PyTorch TensorDataset + DataLoader": run_dataloader,
    "NumPy, hand-written": run_numpy,
    "course trainer (utils.training.train)": run_course,
}


# ---------------------------------------------------------------- per-step cost of the torch step


def _median_us(fn, repeats: int, device) -> float:
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return 1e6 * statistics.median(times)


def step_profile(data, device, repeats: int = 2000) -> dict[str, float]:
    """Median microseconds of each part of one batch-32 step (fp32), with fused and plain Adam."""
    X_fit, y_fit = data[0], data[1]
    X = torch.tensor(X_fit, dtype=torch.float32, device=device)
    y = torch.tensor(y_fit, dtype=torch.float32, device=device).reshape(-1, 1)
    index = torch.arange(BATCH, device=device)
    torch.manual_seed(0)
    model = guide_mlp(X.shape[1], HIDDEN).to(device)
    xb, yb = X[index], y[index]
    results = {}
    results["index a batch (X[idx], y[idx])"] = _median_us(
        lambda: (X[index], y[index]), repeats, device
    )
    loader = DataLoader(TensorDataset(X.cpu(), y.cpu()), batch_size=BATCH, shuffle=True)
    batches = len(loader)
    results["DataLoader: one batch (per-row fetch + collate)"] = (
        _median_us(lambda: list(loader), repeats // 20, device) / batches
    )
    results["forward + loss"] = _median_us(
        lambda: F.binary_cross_entropy_with_logits(model(xb), yb), repeats, device
    )

    def forward_backward():
        model.zero_grad(set_to_none=True)
        F.binary_cross_entropy_with_logits(model(xb), yb).backward()

    results["forward + loss + backward"] = _median_us(forward_backward, repeats, device)
    results["backward (difference)"] = (
        results["forward + loss + backward"] - results["forward + loss"]
    )
    forward_backward()
    for name, optimizer in [
        ("Adam.step, fused", make_optimizer(model, LR)),
        ("Adam.step, default", torch.optim.Adam(model.parameters(), lr=LR, eps=KERAS_ADAM_EPS)),
    ]:
        optimizer.step()
        results[name] = _median_us(optimizer.step, repeats, device)
    optimizer = make_optimizer(model, LR)
    results["whole step (training_step)"] = _median_us(
        lambda: training_step(model, optimizer, xb, yb), repeats, device
    )
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--device",
        default="auto",
        help="auto (the course's pick_device, the default), cpu, cuda or mps",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="runs per seed; the fastest counts (filters noise from other processes)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = pick_device(None if args.device == "auto" else args.device)
    data = load()
    y_test = data[5]
    print(
        f"device for torch: {describe(device)}; torch {torch.__version__}; {args.seeds} seeds, "
        f"best of {args.repeats} runs each"
    )
    print(
        f"rows: {len(data[0])} fit, {len(data[2])} validation (the last 20%, as Keras takes it), "
        f"{len(y_test)} test"
    )

    for run in IMPLEMENTATIONS.values():  # warm-up: first calls pay for lazy initialisation
        run(data, 123, device)
    rows = {name: {"seconds": [], "accuracy": [], "auc": []} for name in IMPLEMENTATIONS}
    for seed in range(args.seeds):
        for (
            name,
            run,
        ) in IMPLEMENTATIONS.items():  # interleaved, so drift in machine load hits all alike
            seconds, p = min(
                (run(data, seed, device) for _ in range(args.repeats)), key=lambda result: result[0]
            )
            rows[name]["seconds"].append(seconds)
            rows[name]["accuracy"].append(float(np.mean((p > 0.5) == y_test)))
            rows[name]["auc"].append(float(roc_auc_score(y_test, p)))

    course = statistics.median(rows["course trainer (utils.training.train)"]["seconds"])
    print()
    print(
        "| implementation | train time, median (min–max) | × course trainer | test accuracy, "
        "median (min–max) | ROC-AUC, median |"
    )
    print("|---|---|---|---|---|")
    summary = {}
    for name, r in rows.items():
        t = statistics.median(r["seconds"])
        acc = statistics.median(r["accuracy"])
        summary[name] = {"seconds": t, "accuracy": acc, "auc": statistics.median(r["auc"])}
        print(
            f"| {name} | {1e3 * t:.1f} ms "
            f"({1e3 * min(r['seconds']):.1f}–{1e3 * max(r['seconds']):.1f}) | "
            f"{t / course:.2f} | {acc:.3f} ({min(r['accuracy']):.3f}–{max(r['accuracy']):.3f}) | "
            f"{statistics.median(r['auc']):.4f} |"
        )

    loader = summary["PyTorch TensorDataset + DataLoader"]
    numpy_ = summary["NumPy, hand-written"]
    mine = summary["course trainer (utils.training.train)"]
    one_sample = 1 / len(y_test) + 1e-12
    print()
    print(
        f"course trainer / DataLoader loop: {course / loader['seconds']:.2f}  (target ≤ 0.5: "
        f"{'met' if course <= 0.5 * loader['seconds'] else 'NOT met'})"
    )
    print(
        f"course trainer / NumPy loop:      {course / numpy_['seconds']:.2f}  (target ≤ 4: "
        f"{'met' if course <= 4 * numpy_['seconds'] else 'NOT met'})"
    )
    same = all(abs(mine["accuracy"] - s["accuracy"]) <= one_sample for s in summary.values())
    print(
        f"median test accuracies within one test sample (1/{len(y_test)}) of the course trainer's: "
        f"{'yes' if same else 'NO'}"
    )
    steps = len(range(0, len(data[0]), BATCH)) * EPOCHS
    print(
        f"course trainer: {steps} steps, {1e6 * course / steps:.0f} µs per step including "
        "validation"
    )

    print("\nper-step cost at batch 32 (median µs, fp32):")
    for part, us in step_profile(data, device).items():
        print(f"  {part:<48} {us:8.1f}")
    return summary


if __name__ == "__main__":
    main()
