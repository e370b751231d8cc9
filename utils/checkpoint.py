"""Save and restore a training state (weights, optimiser moments, epoch) in a form `torch.load(weights_only=True)` accepts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from utils.models import guide_mlp
from utils.training import KERAS_ADAM_EPS


def save_checkpoint(path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int) -> None:
    """Write a dict of tensors and numbers only (no pickled classes), so it loads with weights_only=True."""
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Restore `model` and `optimizer` in place from `path`; return the epoch it was saved at."""
    state = torch.load(path, weights_only=True, map_location=next(model.parameters()).device)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


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
