"""The course's trainer: data resident on the device, index batching from a seeded generator, fused
Adam, optional bf16 autocast (forward pass and loss only), one host sync per epoch. The same code
runs on CPU, CUDA and MPS; with no device given it uses `utils.device.pick_device()`."""

from __future__ import annotations

import contextlib
import time
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from utils.device import pick_device
from utils.i18n import N_, _

KERAS_ADAM_EPS = 1e-7  # Keras' Adam epsilon; torch's default is 1e-8


def keras_validation_split(X, y, fraction: float = 0.2):
    """Split as Keras' `fit(validation_split=...)` does: the LAST `fraction` of the rows,
    unshuffled.

    Returns (X_fit, y_fit, X_val, y_val); the split index is floor(n · (1 − fraction)), as in Keras.
    """
    n = len(X)
    split_at = int(np.floor(n * (1.0 - fraction)))
    if split_at in (0, n):
        raise ValueError(f"{n} rows cannot be split with validation fraction {fraction}")
    return X[:split_at], y[:split_at], X[split_at:], y[split_at:]


def as_tensors(X, y, device, *, classes: int = 2):
    """Float32 features and targets on `device`: targets (n × 1) float for binary, (n,) int64 for
    several classes."""
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    if classes == 2:
        y = torch.as_tensor(y, dtype=torch.float32, device=device).reshape(-1, 1)
    else:
        y = torch.as_tensor(y, dtype=torch.int64, device=device).reshape(-1)
    return X, y


def make_optimizer(model: nn.Module, lr: float = 1e-3) -> torch.optim.Adam:
    """Adam with Keras' epsilon; the fused kernel (one launch for all parameters) where torch has
    one."""
    params = list(model.parameters())
    try:
        return torch.optim.Adam(params, lr=lr, eps=KERAS_ADAM_EPS, fused=True)
    except (RuntimeError, ValueError):  # an older torch or a device without the fused kernel
        return torch.optim.Adam(params, lr=lr, eps=KERAS_ADAM_EPS)


def batch_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean loss over the batch: binary cross-entropy on logits for float targets, cross-entropy for
    class indices."""
    if y.dtype.is_floating_point:
        return F.binary_cross_entropy_with_logits(logits.float(), y)
    return F.cross_entropy(logits.float(), y)


def training_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """One optimisation step on one batch; returns the batch's mean loss, detached (no host
    sync)."""
    optimizer.zero_grad(set_to_none=True)
    loss = batch_loss(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def _fast_step(model: nn.Module, cast: Callable) -> Callable:
    """`training_step` with the same arithmetic and less Python per step (gradients dropped
    directly); only the forward pass and the loss run under `cast()`; backward and the update run
    outside it, as PyTorch advises."""
    params = [p for p in model.parameters() if p.requires_grad]

    def step(model, optimizer, X, y):
        for p in params:
            p.grad = None
        with cast():
            loss = batch_loss(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


class _AutocastForward(nn.Module):
    """`model` whose forward pass runs under `cast()` and returns float32 outputs, handed to a
    custom training step: its loss is then computed in float32 (as autocast computes losses), and
    its backward and update run outside autocast."""

    def __init__(self, model: nn.Module, cast: Callable):
        super().__init__()
        self.model = model
        self._cast = cast

    def forward(self, *args, **kwargs):
        with self._cast():
            return self.model(*args, **kwargs).float()


def _correct(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if y.dtype.is_floating_point:
        return ((logits > 0).float() == y).sum()
    return (logits.argmax(dim=1) == y).sum()


def autocast_dtype(device: torch.device, amp: bool | str = "auto") -> torch.dtype | None:
    """The autocast dtype; None means plain float32. amp=True: bf16. amp="auto": bf16 on a CUDA GPU
    whose tensor cores compute in bf16 (compute capability 8.0, Ampere, or newer), else float32.
    `is_bf16_supported()` alone also counts bf16 that an older GPU only emulates; float16 there
    would need a GradScaler around backward and step, which a learner's own step does not call."""
    if amp == "auto":
        if torch.device(device).type != "cuda":
            return None
        native = torch.cuda.is_bf16_supported(including_emulation=False)
        return torch.bfloat16 if native else None
    return torch.bfloat16 if amp else None


def train(
    model: nn.Module,
    X,
    y,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    lr: float = 1e-3,
    validation: tuple | None = None,
    device: torch.device | str | None = None,
    seed: int = 0,
    amp: bool | str = "auto",
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    step: Callable | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    classes: int = 2,
    progress: bool = True,
    desc: str = N_("training"),
) -> dict:
    """Train `model` with mini-batches of shuffled rows (reshuffled every epoch, as Keras does).

    Data go to `device` once; batches are index slices of a permutation drawn from a generator
    seeded with `seed`; losses accumulate on the device and reach the host once per epoch.
    `augment(xb, gen)` transforms each training batch on the device. `step(model, optimizer, xb,
    yb)` replaces the built-in step (same arithmetic as `training_step`); under autocast it receives
    the model wrapped so that only the forward pass is cast. `device=None` means `pick_device()`.
    Returns a history dict (per-epoch lists and timings).
    """
    device = pick_device() if device is None else torch.device(device)
    model.to(device)
    X, y = as_tensors(X, y, device, classes=classes)
    if validation is not None:
        X_val, y_val = as_tensors(*validation, device, classes=classes)
    optimizer = optimizer or make_optimizer(model, lr)
    dtype = autocast_dtype(device, amp)
    cast = (lambda: torch.autocast(device.type, dtype=dtype)) if dtype else contextlib.nullcontext
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)

    n = len(X)
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    weights = (
        torch.tensor(sizes, dtype=torch.float32, device=device) / n
    )  # batch means → epoch mean
    if step is None:
        step, step_model = _fast_step(model, cast), model
    # a custom step: autocast reaches its forward pass (and so its loss's inputs), never its
    # backward
    else:
        step_model = _AutocastForward(model, cast) if dtype is not None else model
    history: dict = {
        "loss": [],
        "val_loss": [],
        "val_accuracy": [],
        "device": device.type,
        "dtype": str(dtype or torch.float32).removeprefix("torch."),
        "steps": epochs * len(sizes),
    }
    started = time.perf_counter()
    bar = tqdm(range(epochs), desc=_(desc), unit="epoch", disable=not progress)
    for _epoch in bar:
        model.train()
        order = torch.randperm(n, generator=generator, device=device)
        losses = []
        for index in order.split(batch_size):
            xb, yb = X[index], y[index]
            if augment is not None:
                xb = augment(xb, generator)
            losses.append(step(step_model, optimizer, xb, yb))
        stats = [torch.stack(losses).float() @ weights]
        if validation is not None:
            model.eval()
            with torch.no_grad(), cast():
                logits = model(X_val)
                stats += [batch_loss(logits, y_val), _correct(logits, y_val) / len(X_val)]
        values = torch.stack([s.float() for s in stats]).tolist()  # the one host sync of the epoch
        history["loss"].append(values[0])
        if validation is not None:
            history["val_loss"].append(values[1])
            history["val_accuracy"].append(values[2])
            bar.set_postfix(
                loss=f"{values[0]:.4f}", val_loss=f"{values[1]:.4f}", val_acc=f"{values[2]:.3f}"
            )
        else:
            bar.set_postfix(loss=f"{values[0]:.4f}")
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    history["seconds"] = time.perf_counter() - started
    model.eval()
    return history
