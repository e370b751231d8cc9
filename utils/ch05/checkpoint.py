"""Save and restore a training state (weights, optimiser moments, epoch) in a form
`torch.load(weights_only=True)` accepts."""

from __future__ import annotations

import torch


def save_checkpoint(
    path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, epoch: int
) -> None:
    """Write a dict of tensors and numbers only (no pickled classes), so it loads with
    weights_only=True."""
    torch.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path
    )


def load_checkpoint(path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Restore `model` and `optimizer` in place from `path`; return the epoch it was saved at."""
    state = torch.load(path, weights_only=True, map_location=next(model.parameters()).device)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]
