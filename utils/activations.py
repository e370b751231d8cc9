"""Activation functions as plain data: each is a pair {value, derivative} in NumPy, plus torch's own
version.

The torch version is independent of the NumPy formulas, so autograd through it checks the hand
derivative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import erf, expit

LEAKY_SLOPE = 0.01  # torch's default negative slope


@dataclass(frozen=True)
class Activation:
    """f and f′ as NumPy functions of a float64 array, and torch's f for autograd."""

    name: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    torch: Callable[[torch.Tensor], torch.Tensor]
    kinks: tuple[float, ...] = ()  # points where f′ jumps (no derivative there)


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), computed without overflow for large |x|."""
    return expit(np.asarray(x, dtype=np.float64))


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def relu(x):
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def relu_derivative(x):
    """1 for x > 0, else 0 (torch's choice at the kink x = 0)."""
    return (np.asarray(x) > 0).astype(np.float64)


def tanh(x):
    return np.tanh(np.asarray(x, dtype=np.float64))


def tanh_derivative(x):
    return 1.0 - np.tanh(np.asarray(x, dtype=np.float64)) ** 2


def leaky_relu(x, slope: float = LEAKY_SLOPE):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, slope * x)


def leaky_relu_derivative(x, slope: float = LEAKY_SLOPE):
    return np.where(np.asarray(x) > 0, 1.0, slope)


def _normal_cdf(x):
    return 0.5 * (1.0 + erf(np.asarray(x, dtype=np.float64) / np.sqrt(2.0)))


def _normal_pdf(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def gelu(x):
    """Exact GELU: x·Φ(x), Φ the standard normal CDF."""
    x = np.asarray(x, dtype=np.float64)
    return x * _normal_cdf(x)


def gelu_derivative(x):
    x = np.asarray(x, dtype=np.float64)
    return _normal_cdf(x) + x * _normal_pdf(x)


def silu(x):
    """SiLU (swish): x·σ(x)."""
    x = np.asarray(x, dtype=np.float64)
    return x * sigmoid(x)


def silu_derivative(x):
    x = np.asarray(x, dtype=np.float64)
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, torch.sigmoid),
    "tanh": Activation("tanh", tanh, tanh_derivative, torch.tanh),
    "relu": Activation("relu", relu, relu_derivative, torch.relu, kinks=(0.0,)),
    "leaky_relu": Activation(
        "leaky_relu",
        leaky_relu,
        leaky_relu_derivative,
        lambda t: F.leaky_relu(t, LEAKY_SLOPE),
        kinks=(0.0,),
    ),
    "gelu": Activation("gelu", gelu, gelu_derivative, F.gelu),
    "silu": Activation("silu", silu, silu_derivative, F.silu),
}
