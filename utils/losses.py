"""Loss functions in NumPy, the reference implementations the exercises are checked against."""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def mse(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error: the mean over every element of (ŷ − y)²."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.mean((y_hat - y) ** 2))


def mse_gradient(y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂ŷ of `mse`: 2(ŷ − y) / N, N the number of elements."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return 2.0 * (y_hat - y) / y_hat.size


def bce(p: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy on probabilities p in (0, 1), mean over every element."""
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def bce_gradient(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂p of `bce`: (p − y) / (p(1 − p)) / N."""
    p, y = np.asarray(p, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (p - y) / (p * (1.0 - p)) / p.size


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of σ(z), computed from the logit z without overflow: max(z,0) − z·y +
    log(1 + e^−|z|)."""
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def bce_logit_gradient(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂/∂z of `bce_with_logits`: (σ(z) − y) / N."""
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return (expit(z) - y) / z.size


def softmax(Z: np.ndarray, axis: int = 0) -> np.ndarray:
    """Softmax along `axis` (classes; axis 0 when examples are columns), shifted by the max so exp
    cannot overflow."""
    Z = np.asarray(Z, dtype=np.float64)
    e = np.exp(Z - Z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(Z: np.ndarray, axis: int = 0) -> np.ndarray:
    Z = np.asarray(Z, dtype=np.float64)
    shifted = Z - Z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def categorical_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> float:
    """−(1/m) Σ Y·log softmax(Z) for logits Z and one-hot targets Y, both (K classes × m
    examples)."""
    Z, Y = np.asarray(Z, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    return float(-np.sum(Y * log_softmax(Z, axis=0)) / Z.shape[1])


def categorical_cross_entropy_gradient(Z: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """∂/∂Z of `categorical_cross_entropy`: (softmax(Z) − Y) / m."""
    Z, Y = np.asarray(Z, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    return (softmax(Z, axis=0) - Y) / Z.shape[1]
