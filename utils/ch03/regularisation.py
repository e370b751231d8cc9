"""Regularisers in NumPy: inverted dropout with an explicit train/eval switch, and the L2 penalty
with its gradient."""

from __future__ import annotations

import numpy as np


def dropout(A, p: float, U, training: bool = True) -> np.ndarray:
    """Inverted dropout: in training, zero each unit where U < p and divide the kept ones by 1 − p,
    so each unit's expected output equals its input; in evaluation, return A unchanged. U holds
    uniform [0, 1) draws."""
    A = np.asarray(A, dtype=np.float64)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"the drop probability p must be in [0, 1), got {p}")
    if not training:
        return A.copy()
    U = np.asarray(U, dtype=np.float64)
    if U.shape != A.shape:
        raise ValueError(
            f"U must have A's shape {A.shape}, got {U.shape}: one uniform draw per unit"
        )
    return A * (U >= p) / (1.0 - p)


def l2_penalty(params: dict, weight_decay: float) -> float:
    """½·wd·Σ‖p‖² over every array in params: the term whose gradient is wd·p."""
    return 0.5 * weight_decay * float(sum(np.sum(np.square(p)) for p in params.values()))


def l2_gradient(params: dict, weight_decay: float) -> dict:
    """∂/∂p of `l2_penalty`: wd·p for each array."""
    return {name: weight_decay * p for name, p in params.items()}
