"""Gradient checking: centred finite differences, autograd in float64, and the relative error
between gradients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

DEFAULT_EPS = (
    1e-6  # step h for (f(x+h) − f(x−h)) / 2h in float64: truncation ~h², round-off ~1e-16/h
)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = DEFAULT_EPS
) -> np.ndarray:
    """∂f/∂x of a scalar function f by centred differences, one element of x at a time (x is
    restored)."""
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        plus = float(f(x))
        flat[i] = keep - eps
        minus = float(f(x))
        flat[i] = keep
        out[i] = (plus - minus) / (2.0 * eps)
    return grad


def numerical_derivative(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, eps: float = DEFAULT_EPS
) -> np.ndarray:
    """f′(x) of an elementwise function by centred differences, for every element at once."""
    x = np.asarray(x, dtype=np.float64)
    return (np.asarray(f(x + eps)) - np.asarray(f(x - eps))) / (2.0 * eps)


def autograd_gradients(
    torch_fn: Callable[..., torch.Tensor], *arrays: np.ndarray
) -> list[np.ndarray]:
    """Gradients of the scalar torch_fn(*tensors) with respect to each array, by torch.autograd in
    float64 on the CPU."""
    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = torch_fn(*tensors)
    if out.ndim != 0:
        raise ValueError(f"torch_fn must return a scalar, got shape {tuple(out.shape)}")
    grads = torch.autograd.grad(out, tensors, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g.detach().numpy() for g, t in zip(grads, tensors)]


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖) over the whole array; 0 when both are zero. For a right float64
    gradient: about 1e-16 against autograd, 1e-9 to 1e-11 against centred differences."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)))
    return 0.0 if scale == 0.0 else float(np.linalg.norm(a - b)) / scale


@dataclass(frozen=True)
class GradCheck:
    """One comparison of an analytic gradient with a reference gradient."""

    relative_error: float
    max_abs_error: float
    passed: bool


def compare_gradients(
    analytic: np.ndarray, reference: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8
) -> GradCheck:
    """Pass when every element satisfies |analytic − reference| ≤ atol + rtol·|reference|.

    atol absorbs the finite-difference round-off (~1e-16·|f| / h) where the gradient itself is tiny,
    e.g. in saturation.
    """
    a, r = np.asarray(analytic, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if a.shape != r.shape:
        return GradCheck(float("inf"), float("inf"), False)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(r))):
        return GradCheck(float("nan"), float("nan"), False)
    diff = np.abs(a - r)
    passed = bool(np.all(diff <= atol + rtol * np.abs(r)))
    return GradCheck(relative_error(a, r), float(diff.max(initial=0.0)), passed)


@dataclass(frozen=True)
class ThreeWay:
    """The hand formula compared with centred differences and with autograd."""

    name: str
    vs_finite_differences: GradCheck
    vs_autograd: GradCheck

    @property
    def passed(self) -> bool:
        return self.vs_finite_differences.passed and self.vs_autograd.passed

    @property
    def worst(self) -> float:
        return max(self.vs_finite_differences.relative_error, self.vs_autograd.relative_error)


def three_way(
    name: str,
    hand: np.ndarray,
    numeric: np.ndarray,
    autograd: np.ndarray,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> ThreeWay:
    """Compare the hand-derived gradient with finite differences and with torch.autograd."""
    return ThreeWay(
        name,
        compare_gradients(hand, numeric, rtol, atol),
        compare_gradients(hand, autograd, rtol, atol),
    )


def format_three_way(rows: Sequence[ThreeWay]) -> str:
    """A plain-text table: one line per gradient, both relative errors and ✓/✗."""
    width = max([len(r.name) for r in rows] + [8])
    lines = [f"{'gradient':<{width}}  {'hand vs finite diff.':>20}  {'hand vs autograd':>16}  ok"]
    for r in rows:
        mark = "✓" if r.passed else "✗"
        lines.append(
            f"{r.name:<{width}}  {r.vs_finite_differences.relative_error:>20.1e}  "
            f"{r.vs_autograd.relative_error:>16.1e}  {mark}"
        )
    return "\n".join(lines)
