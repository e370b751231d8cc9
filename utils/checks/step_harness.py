"""A harness for checks of a training step: a seeded small network, its batches, and a watch for
host syncs; step_outcome runs a learner's step and reports what it did."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from utils.checks.diagnose import Verdict, compare_named
from utils.i18n import N_, _
from utils.models import guide_mlp
from utils.training import KERAS_ADAM_EPS

N_FEATURES = 5


def small_network(seed: int) -> torch.nn.Sequential:
    """The checks' seeded test network: the guide's MLP shrunk to 5 → 8 → 4 → 1 (on the CPU,
    float32)."""
    torch.manual_seed(seed)
    return guide_mlp(N_FEATURES, hidden=(8, 4))


def _batches(seed: int, steps: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`steps` batches of standard-normal rows (steps × batch_size × 5) with random 0/1 labels
    (steps × batch_size × 1)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(steps, batch_size, N_FEATURES, generator=generator)
    y = (torch.rand(steps, batch_size, 1, generator=generator) < 0.5).float()
    return X, y


def _parameters(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().float().flatten() for p in model.parameters()]).clone()


# ---------------------------------------------------------------- Exercise 5.1: a training step

# Tensor methods that copy a value to the host; on a GPU each one makes the CPU wait for the GPU.
HOST_SYNCS = frozenset(
    {
        "item",
        "tolist",
        "numpy",
        "cpu",
        "__float__",
        "__int__",
        "__bool__",
        "__index__",
        "__repr__",
        "__str__",
        "__format__",
    }
)
_TORCH = str(Path(torch.__file__).resolve().parent)
_UTILS = str(Path(__file__).resolve().parent.parent)
_TENSOR_PLUMBING = (
    "_tensor.py",
    "overrides.py",
)  # torch's Python dunders, between a learner's call and the mode


class _HostSyncWatch(TorchFunctionMode):
    """Records the host-sync tensor methods that the learner's own code calls (not those torch calls
    internally, such as Adam reading its step count)."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in HOST_SYNCS and self._called_by_learner():
            self.calls.append(name)
        return func(*args, **(kwargs or {}))

    @staticmethod
    def _called_by_learner() -> bool:
        frame = sys._getframe(2)
        while frame is not None:
            path = (
                str(Path(frame.f_code.co_filename).resolve())
                if not frame.f_code.co_filename.startswith("<")
                else frame.f_code.co_filename
            )
            if path.startswith(_TORCH) and path.endswith(_TENSOR_PLUMBING):
                frame = frame.f_back
                continue
            return not (path.startswith(_TORCH) or path.startswith(_UTILS))
        return False


@dataclass(frozen=True)
class StepOutcome:
    """What a training step did over a few steps: how far every parameter moved, the losses it
    returned (None if one was None) and the host syncs its own code made."""

    change: np.ndarray
    losses: np.ndarray | None
    syncs: tuple[str, ...] = ()
    attached: bool = False  # a returned loss still carried its graph (not detached)
    float32: bool = (
        True  # every parameter is still float32 afterwards (mixed precision casts no weights)
    )


def step_outcome(
    step_fn: Callable, optimizer: str = "sgd", steps: int = 1, batch_size: int = 8, seed: int = 0
) -> StepOutcome:
    """Run `step_fn(model, optimizer, X, y)` `steps` times on the seeded small network (SGD lr 0.1
    or Adam lr 1e-2)."""
    model = small_network(seed)
    X, y = _batches(seed, steps, batch_size)
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-2, eps=KERAS_ADAM_EPS)
    before = _parameters(model)
    watch = _HostSyncWatch()
    with watch:
        losses = [step_fn(model, opt, X[i], y[i]) for i in range(steps)]
    change = (_parameters(model) - before).numpy().astype(np.float64)
    readable = [
        loss.detach() if isinstance(loss, torch.Tensor) else loss for loss in losses
    ]  # no warning for an attached loss
    returned = (
        None
        if any(loss is None for loss in losses)
        else np.array([float(loss) for loss in readable])
    )
    attached = any(isinstance(loss, torch.Tensor) and loss.requires_grad for loss in losses)
    float32 = all(p.dtype == torch.float32 for p in model.parameters())
    return StepOutcome(change, returned, tuple(dict.fromkeys(watch.calls)), attached, float32)


_SYNC_WORDS = {
    "item": "`.item()`",
    "tolist": "`.tolist()`",
    "numpy": "`.numpy()`",
    "cpu": "`.cpu()`",
    "__float__": "`float(tensor)`",
    "__int__": "`int(tensor)`",
    "__bool__": N_("a tensor in an `if` or `bool(...)`"),
    "__index__": N_("a tensor used as an index"),
    "__repr__": N_("printing a tensor"),
    "__str__": N_("printing a tensor"),
    "__format__": N_("formatting a tensor into a string"),
}


def _sync_message(calls: tuple[str, ...]) -> str:
    shown = ", ".join(dict.fromkeys(_(_SYNC_WORDS[name]) for name in calls))
    return _(
        "Your step reads a tensor's value on the CPU ({shown}) at every step. On a GPU each such "
        "read makes the CPU wait until the GPU has finished (a host sync), which the exercise "
        "forbids: no `loss.item()` inside the step. Return `loss.detach()`; the trainer reads the "
        "losses once per epoch."
    ).format(shown=shown)


def compare_step(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Diagnose a training step's outcome: a host sync, parameters that never moved, then the change
    and the losses."""
    if got.syncs:
        return Verdict(False, "host sync", _sync_message(got.syncs))
    if got.attached:
        return Verdict(
            False,
            "attached",
            _(
                "Your step returns the loss with its autograd graph still attached. The trainer "
                "keeps every step's loss, so each would keep its whole graph alive in memory. "
                "Return loss.detach()."
            ),
        )
    if not np.any(got.change):
        return Verdict(
            False,
            "unchanged",
            _(
                "The parameters did not change at all. Call loss.backward() to compute the "
                "gradients, then optimizer.step() to apply them, in that order."
            ),
        )
    return compare_named((_("parameter change"), _("loss")))(
        (got.change, got.losses),
        (expected.change, expected.losses),
        batch_size=batch_size,
        rtol=rtol,
        atol=atol,
    )
