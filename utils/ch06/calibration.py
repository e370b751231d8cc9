"""Calibration of predicted risks: Platt scaling (a logistic regression on the model's logit, fitted
on held-out data), the reliability diagram's bins, and the class-balanced training sample that
spoils calibration."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def platt_fit(z, y, iterations: int = 50) -> tuple[float, float]:
    """(a, b) maximising the likelihood of labels y under p = σ(a·z + b), by Newton's method (no
    regularisation)."""
    z, y = np.asarray(z, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if len(z) != len(y) or len(z) == 0:
        raise ValueError(f"z and y must be non-empty and of one length; got {len(z)} and {len(y)}")
    if y.min() == y.max():
        raise ValueError(
            "the calibration labels are all one class; Platt scaling needs both 0s and 1s"
        )
    A = np.column_stack([z, np.ones_like(z)])
    theta = np.zeros(2)
    for _ in range(iterations):
        p = expit(A @ theta)
        gradient = A.T @ (p - y)
        hessian = (A * (p * (1 - p))[:, None]).T @ A + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.max(np.abs(step)) < 1e-12:
            break
    return float(theta[0]), float(theta[1])


def platt_scale(z_calibration, y_calibration, z_new) -> np.ndarray:
    """Calibrated probabilities σ(a·z_new + b), with (a, b) fitted on the held-out (z_calibration,
    y_calibration)."""
    a, b = platt_fit(z_calibration, y_calibration)
    return expit(a * np.asarray(z_new, dtype=np.float64) + b)


def reliability_bins(p, y, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean predicted risk, observed event rate, count) in each of `n_bins` equal-width bins of p;
    empty bins are left out. The reliability diagram plots the second against the first."""
    p, y = np.asarray(p, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    keep = count > 0
    mean_p = np.bincount(which, weights=p, minlength=n_bins)[keep] / count[keep]
    rate = np.bincount(which, weights=y, minlength=n_bins)[keep] / count[keep]
    return mean_p, rate, count[keep]


def balanced_sample(y, seed: int = 0) -> np.ndarray:
    """Sorted row indices: every positive and as many randomly chosen negatives (the common fix for
    rare outcomes, which shifts every predicted risk upwards)."""
    y = np.asarray(y).ravel()
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(negatives) < len(positives):
        raise ValueError("fewer negatives than positives: nothing to balance")
    chosen = np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False)
    return np.sort(np.concatenate([positives, chosen]))
