"""Batch normalisation, layer normalisation and RMSNorm in NumPy, forward and backward by hand, for
inputs X of shape (N × D): N examples in rows, D features in columns (torch's BatchNorm1d /
LayerNorm layout).

Batch norm normalises each feature (column) over the batch; layer norm and RMSNorm normalise each
example (row) over its features. γ and β have shape (D,).
"""

from __future__ import annotations

import numpy as np

BATCH, FEATURES = 0, 1  # the axis each normalisation averages over


def _inputs(X, gamma):
    X, gamma = np.asarray(X, dtype=np.float64), np.asarray(gamma, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (N examples × D features), got shape {X.shape}")
    if gamma.shape != (X.shape[1],):
        raise ValueError(
            f"γ must have shape ({X.shape[1]},), one scale per feature; got {gamma.shape}"
        )
    return X, gamma


def _standardise(X, axis: int, eps: float, centre: bool = True):
    """x̂ and 1/√(var + eps), the statistics taken along `axis`; without centring, var is the mean
    of x²."""
    mean = X.mean(axis=axis, keepdims=True) if centre else 0.0
    inv_std = 1.0 / np.sqrt(np.mean((X - mean) ** 2, axis=axis, keepdims=True) + eps)
    return (X - mean) * inv_std, inv_std


def _standardise_backward(dx_hat, x_hat, inv_std, axis: int, centre: bool = True):
    """dX from dx̂ = ∂L/∂x̂: the direct term, minus the mean path, minus the variance path."""
    mean_path = dx_hat.mean(axis=axis, keepdims=True) if centre else 0.0
    variance_path = x_hat * np.mean(dx_hat * x_hat, axis=axis, keepdims=True)
    return inv_std * (dx_hat - mean_path - variance_path)


def batchnorm_forward(X, gamma, beta, eps: float = 1e-5) -> np.ndarray:
    """Y = γ·x̂ + β with x̂ = (X − μ)/√(σ² + eps), μ and σ² (biased) of each column over the
    batch."""
    X, gamma = _inputs(X, gamma)
    return gamma * _standardise(X, BATCH, eps)[0] + beta


def batchnorm_backward(dY, X, gamma, eps: float = 1e-5):
    """(dX, dγ, dβ) of `batchnorm_forward` in training mode, given dY = ∂L/∂Y."""
    X, gamma = _inputs(X, gamma)
    x_hat, inv_std = _standardise(X, BATCH, eps)
    dY = np.asarray(dY, dtype=np.float64)
    return (
        _standardise_backward(dY * gamma, x_hat, inv_std, BATCH),
        (dY * x_hat).sum(axis=0),
        dY.sum(axis=0),
    )


def layernorm_forward(X, gamma, beta, eps: float = 1e-5) -> np.ndarray:
    """Y = γ·x̂ + β with x̂ = (X − μ)/√(σ² + eps), μ and σ² of each row over its features."""
    X, gamma = _inputs(X, gamma)
    return gamma * _standardise(X, FEATURES, eps)[0] + beta


def layernorm_backward(dY, X, gamma, eps: float = 1e-5):
    """(dX, dγ, dβ) of `layernorm_forward`: the batch-norm formula with the mean taken over the
    features."""
    X, gamma = _inputs(X, gamma)
    x_hat, inv_std = _standardise(X, FEATURES, eps)
    dY = np.asarray(dY, dtype=np.float64)
    return (
        _standardise_backward(dY * gamma, x_hat, inv_std, FEATURES),
        (dY * x_hat).sum(axis=0),
        dY.sum(axis=0),
    )


def rmsnorm_forward(X, gamma, eps: float = 1e-6) -> np.ndarray:
    """Y = γ·X / √(mean of X² over the features + eps): layer norm without the centring and without
    β."""
    X, gamma = _inputs(X, gamma)
    return gamma * _standardise(X, FEATURES, eps, centre=False)[0]


def rmsnorm_backward(dY, X, gamma, eps: float = 1e-6):
    """(dX, dγ) of `rmsnorm_forward`: layer norm's backward without the mean path."""
    X, gamma = _inputs(X, gamma)
    x_hat, inv_rms = _standardise(X, FEATURES, eps, centre=False)
    dY = np.asarray(dY, dtype=np.float64)
    return _standardise_backward(dY * gamma, x_hat, inv_rms, FEATURES, centre=False), (
        dY * x_hat
    ).sum(axis=0)


class BatchNorm1d:
    """Batch norm with running statistics, as torch.nn.BatchNorm1d: training normalises with the
    batch's own mean and variance and updates r ← (1 − momentum)·r + momentum·(batch statistic), the
    variance unbiased; evaluation normalises with the running statistics, so one example's output no
    longer depends on the others."""

    def __init__(self, n_features: int, momentum: float = 0.1, eps: float = 1e-5):
        self.gamma, self.beta = np.ones(n_features), np.zeros(n_features)
        self.running_mean, self.running_var = np.zeros(n_features), np.ones(n_features)
        self.momentum, self.eps = momentum, eps

    def __call__(self, X, training: bool) -> np.ndarray:
        X, _ = _inputs(X, self.gamma)
        if not training:
            return (
                self.gamma * (X - self.running_mean) / np.sqrt(self.running_var + self.eps)
                + self.beta
            )
        n = X.shape[0]
        if n < 2:
            raise ValueError(
                "batch norm in training mode needs at least 2 examples per batch to estimate a "
                "variance"
            )
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * X.mean(axis=0)
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * X.var(
            axis=0, ddof=1
        )
        return batchnorm_forward(X, self.gamma, self.beta, self.eps)
