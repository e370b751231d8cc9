"""Answer checks for chapter 5: a training step (Exercise 5.1), threshold metrics (5.2) and a checkpoint round trip (5.3).
Each runs the learner's function on a small seeded problem and returns plain arrays to compare."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none
from utils.models import guide_mlp
from utils.training import KERAS_ADAM_EPS


def step_outcome(step_fn: Callable, optimizer: str = "sgd", steps: int = 1, batch_size: int = 8, seed: int = 0):
    """Run `step_fn(model, optimizer, X, y)` `steps` times on a small seeded problem, as an exercise check.

    Returns (change of all parameters, flattened; the losses it returned), or (change, None) if a loss was None.
    """
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = guide_mlp(5, hidden=(8, 4))
    X = torch.randn(steps, batch_size, 5, generator=generator)
    y = (torch.rand(steps, batch_size, 1, generator=generator) < 0.5).float()
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-2, eps=KERAS_ADAM_EPS)
    before = torch.cat([p.detach().flatten() for p in model.parameters()]).clone()
    losses = [step_fn(model, opt, X[i], y[i]) for i in range(steps)]
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    change = (after - before).numpy().astype(np.float64)
    if any(loss is None for loss in losses):
        return change, None
    return change, np.array([float(loss) for loss in losses])


def compare_step(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8):
    """Diagnose a training step's outcome: parameters that never moved, then each part by `compare_named`."""
    if isinstance(got, tuple) and len(got) == 2 and not np.any(got[0]):
        return Verdict(False, "unchanged", (
            "The parameters did not change at all. Call loss.backward() to compute the gradients, "
            "then optimizer.step() to apply them, in that order."
        ))
    return compare_named(("parameter change", "loss"))(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)


def _small_problem(seed: int):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(16, 5, generator=generator)
    y = (torch.rand(16, 1, generator=generator) < 0.5).float()
    torch.manual_seed(seed)
    model = guide_mlp(5, hidden=(8, 4))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2, eps=KERAS_ADAM_EPS), X, y


def _adam_step(model, optimizer, X, y):
    optimizer.zero_grad()
    torch.nn.functional.binary_cross_entropy_with_logits(model(X), y).backward()
    optimizer.step()


def checkpoint_outcome(save_fn: Callable, load_fn: Callable, seed: int = 0, epoch: int = 3):
    """Exercise check: train a model `epoch` steps, save it with `save_fn`, restore it into a fresh model
    and optimiser with `load_fn`, take one more step. Returns (predictions after loading,
    parameters after the extra step, the epoch `load_fn` returned)."""
    model, optimizer, X, y = _small_problem(seed)
    for _ in range(epoch):
        _adam_step(model, optimizer, X, y)
    fresh, fresh_optimizer, _, _ = _small_problem(seed + 1000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        save_fn(path, model, optimizer, epoch)
        del model, optimizer  # only the file may carry the state across
        loaded_epoch = load_fn(path, fresh, fresh_optimizer)
    with torch.no_grad():
        predictions = torch.sigmoid(fresh(X)).numpy().astype(np.float64)
    _adam_step(fresh, fresh_optimizer, X, y)
    parameters = torch.cat([p.detach().flatten() for p in fresh.parameters()]).numpy().astype(np.float64)
    return predictions, parameters, (None if loaded_epoch is None else np.float64(loaded_epoch))


METRIC_NAMES = ("accuracy", "precision", "recall")


def compare_metrics(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8):
    """Diagnose an (accuracy, precision, recall) answer: a count for a fraction, precision and recall swapped,
    or which metric is wrong. (A plain scalar comparison would call every wrong number 'a constant factor'.)"""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Verdict(False, "structure", "Return a tuple of 3 numbers, in this order: accuracy, precision, recall.")
    for name, value in zip(METRIC_NAMES, got):
        verdict = compare_arrays(value, 0.0)
        if verdict.kind in ("nan", "type", "none"):
            return Verdict(False, verdict.kind, f"In {name}: {verdict.message}")
    g = [float(np.asarray(v, dtype=float)) for v in got]
    e = [float(v) for v in expected]
    close = lambda a, b: bool(np.isclose(a, b, rtol=rtol, atol=atol))
    if all(close(a, b) for a, b in zip(g, e)):
        return Verdict(True, "ok", "all three metrics match", 0.0)
    if close(g[1], e[2]) and close(g[2], e[1]):
        return Verdict(False, "swapped", (
            f"Precision and recall are swapped (yours {g[1]:.4g} and {g[2]:.4g}, expected {e[1]:.4g} and {e[2]:.4g}). "
            "Precision divides the true positives by the number PREDICTED 1; recall by the number LABELLED 1."
        ))
    for name, a, b in zip(METRIC_NAMES, g, e):
        if close(a, b):
            continue
        if batch_size and name == "accuracy" and close(a, b * batch_size):
            return Verdict(False, "batch-mean", (
                f"In accuracy: {batch_size}× too large, and {batch_size} is the number of predictions: you returned "
                f"the count of correct predictions ({a:.4g}). Divide by n = {batch_size} (or use np.mean)."
            ))
        return Verdict(False, "values", (
            f"In {name}: yours {a:.4g}, expected {b:.4g} (relative error {abs(a - b) / max(abs(b), 1e-12):.2e}). "
            "Check which rows count as predicted 1 (p > threshold, strictly, with the threshold passed in) "
            f"and what the {name} divides by."
        ))
    raise AssertionError("unreachable")
