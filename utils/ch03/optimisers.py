"""Optimisers written out in NumPy, in torch.optim's order of operations so that float64 runs agree
with it: SGD (with momentum), RMSProp, Adam with bias correction, Adam with L2 and AdamW; a warm-up
+ cosine learning-rate schedule; clipping by the global gradient norm.

Each optimiser's `step(params, grads)` takes and returns dicts name → array and leaves its inputs
unchanged.
"""

from __future__ import annotations

import math

import numpy as np

CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_ divides by (norm + 1e-6)


def _check_lr(lr: float) -> None:
    if not (np.isfinite(lr) and lr >= 0):
        raise ValueError(f"the learning rate must be a finite number ≥ 0, got {lr}")


class SGD:
    """p ← p − lr·d with d = g + wd·p; with momentum μ, d is the buffer u ← μ·u + d (u = d at the
    first step)."""

    def __init__(self, params: dict, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        _check_lr(lr)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.buffer: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> dict:
        new = {}
        for name, p in params.items():
            d = grads[name] + self.weight_decay * p if self.weight_decay else grads[name]
            if self.momentum:
                d = d.copy() if name not in self.buffer else self.momentum * self.buffer[name] + d
                self.buffer[name] = d
            new[name] = p - self.lr * d
        return new


class RMSProp:
    """s ← α·s + (1 − α)·g², p ← p − lr·g / (√s + eps): each parameter's step divided by its recent
    gradient size."""

    def __init__(self, params: dict, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8):
        _check_lr(lr)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = {name: np.zeros_like(p) for name, p in params.items()}

    def step(self, params: dict, grads: dict) -> dict:
        new = {}
        for name, p in params.items():
            g = grads[name]
            self.square_avg[name] = self.alpha * self.square_avg[name] + (1 - self.alpha) * g * g
            new[name] = p - self.lr * g / (np.sqrt(self.square_avg[name]) + self.eps)
        return new


def adam_update(
    p,
    g,
    m,
    v,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
):
    """One Adam step at step number t (1, 2, ...): returns (p, m, v) updated. m and v are running
    means of g and g²; dividing by 1 − βᵗ removes their bias towards the zeros they start from."""
    if t < 1:
        raise ValueError(f"the step number t counts from 1 (the first step is t = 1), got {t}")
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat_scale = 1 - beta1**t  # m̂ = m / (1 − β1ᵗ)
    v_hat_scale = 1 - beta2**t  # v̂ = v / (1 − β2ᵗ)
    denominator = np.sqrt(v) / math.sqrt(v_hat_scale) + eps  # √v̂ + eps
    return p - (lr / m_hat_scale) * m / denominator, m, v


class Adam:
    """Adam (Kingma & Ba, 2015). weight_decay > 0 adds an L2 term wd·p to the gradient BEFORE the
    moments, as torch.optim.Adam does, so Adam then rescales the decay like any other gradient."""

    def __init__(
        self,
        params: dict,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        _check_lr(lr)
        self.lr, (self.beta1, self.beta2), self.eps, self.weight_decay = (
            lr,
            betas,
            eps,
            weight_decay,
        )
        self.m = {name: np.zeros_like(p) for name, p in params.items()}
        self.v = {name: np.zeros_like(p) for name, p in params.items()}
        self.t = 0

    def _decay(self, p, g):
        return p, g + self.weight_decay * p if self.weight_decay else g

    def step(self, params: dict, grads: dict) -> dict:
        self.t += 1
        new = {}
        for name, p in params.items():
            p, g = self._decay(p, grads[name])
            new[name], self.m[name], self.v[name] = adam_update(
                p, g, self.m[name], self.v[name], self.t, self.lr, self.beta1, self.beta2, self.eps
            )
        return new


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): the decay is decoupled, p ← p·(1 − lr·wd), then a plain
    Adam step."""

    def __init__(
        self,
        params: dict,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ):
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, p, g):
        return p * (1 - self.lr * self.weight_decay), g


def warmup_cosine(
    step: int, total_steps: int, warmup_steps: int, peak_lr: float, final_lr: float = 0.0
) -> float:
    """The learning rate at `step` (0-based): a linear rise to peak_lr over warmup_steps
    (peak·(step+1)/warmup), then half a cosine down to final_lr at step total_steps."""
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"need 0 ≤ warmup_steps < total_steps, got {warmup_steps} and {total_steps}"
        )
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return final_lr + (peak_lr - final_lr) * (1 + math.cos(math.pi * progress)) / 2


def global_norm(grads) -> float:
    """√(Σ over every array of Σ g²): the length of all gradients taken as one vector."""
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    return float(math.sqrt(sum(float(np.sum(np.square(g))) for g in arrays)))


def clip_by_global_norm(grads, max_norm: float):
    """Scale all gradients by one factor min(1, max_norm / (norm + 1e-6)), as torch's
    clip_grad_norm_ does; a list in, a list out (a dict in, a dict out)."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    scale = min(1.0, max_norm / (global_norm(grads) + CLIP_EPS))
    if isinstance(grads, dict):
        return {name: g * scale for name, g in grads.items()}
    return [np.asarray(g, dtype=np.float64) * scale for g in grads]
