"""Reference forward and backward passes in NumPy: the linear layer, two activations, and the
guide's 3-4-2 network.

Examples are columns: A_prev is (n_prev × m), W is (n × n_prev), b is (n × 1), Z = W·A_prev + b is
(n × m). The network is Z1 = W1·x + b1 (4 × m), A1 = σ(Z1), ŷ = W2·A1 + b2 (2 × m), L = (1/m) Σ ½‖ŷ
− y‖².
"""

from __future__ import annotations

import numpy as np

from utils.activations import relu_derivative, sigmoid, sigmoid_derivative

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")
LAYER_SIZES = (3, 4, 2)


def linear_forward(W: np.ndarray, A_prev: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Z = W·A_prev + b, with b (n × 1) broadcast over the m columns."""
    return np.asarray(W, dtype=np.float64) @ np.asarray(A_prev, dtype=np.float64) + np.asarray(
        b, dtype=np.float64
    )


def linear_backward(
    dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dW, db, dA_prev) from dZ = ∂L/∂Z: dW = dZ·A_prevᵀ, db = Σ_columns dZ, dA_prev = Wᵀ·dZ."""
    dZ = np.asarray(dZ, dtype=np.float64)
    return (
        dZ @ np.asarray(A_prev, dtype=np.float64).T,
        dZ.sum(axis=1, keepdims=True),
        np.asarray(W, dtype=np.float64).T @ dZ,
    )


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA ⊙ σ(Z)(1 − σ(Z))."""
    return np.asarray(dA, dtype=np.float64) * sigmoid_derivative(Z)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0."""
    return np.asarray(dA, dtype=np.float64) * relu_derivative(Z)


def half_squared_error(y_hat: np.ndarray, y: np.ndarray) -> float:
    """The guide's loss ½ Σ_i (ŷ_i − y_i)², averaged over the m columns (examples)."""
    y_hat, y = np.asarray(y_hat, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(0.5 * np.sum((y_hat - y) ** 2) / y_hat.shape[1])


def initial_parameters(
    rng: np.random.Generator, sizes: tuple[int, int, int] = LAYER_SIZES
) -> dict[str, np.ndarray]:
    """Small random weights (std 1/√fan-in) and zero biases for the n0-n1-n2 network."""
    n0, n1, n2 = sizes
    return {
        "W1": rng.normal(0.0, 1.0 / np.sqrt(n0), size=(n1, n0)),
        "b1": np.zeros((n1, 1)),
        "W2": rng.normal(0.0, 1.0 / np.sqrt(n1), size=(n2, n1)),
        "b2": np.zeros((n2, 1)),
    }


def net_forward(x: np.ndarray, W1, b1, W2, b2) -> dict[str, np.ndarray]:
    """The cache of the forward pass: Z1, A1 and ŷ."""
    Z1 = linear_forward(W1, x, b1)
    A1 = sigmoid(Z1)
    return {"Z1": Z1, "A1": A1, "y_hat": linear_forward(W2, A1, b2)}


def net_loss(x: np.ndarray, y: np.ndarray, W1, b1, W2, b2) -> float:
    return half_squared_error(net_forward(x, W1, b1, W2, b2)["y_hat"], y)


def net_backward(
    x: np.ndarray, y: np.ndarray, W1, b1, W2, b2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(dW1, db1, dW2, db2) of `net_loss`, by the chain rule from ∂L/∂ŷ = (ŷ − y) / m."""
    cache = net_forward(x, W1, b1, W2, b2)
    m = np.asarray(x).shape[1]
    d_y_hat = (cache["y_hat"] - np.asarray(y, dtype=np.float64)) / m
    dW2, db2, dA1 = linear_backward(d_y_hat, cache["A1"], W2)
    dZ1 = sigmoid_backward(dA1, cache["Z1"])
    dW1, db1, _ = linear_backward(dZ1, x, W1)
    return dW1, db1, dW2, db2


def gradient_descent_step(
    params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float
) -> dict[str, np.ndarray]:
    """New parameters p − lr·∂L/∂p for every name; the inputs are left unchanged."""
    return {
        name: np.asarray(params[name], dtype=np.float64)
        - lr * np.asarray(grads[name], dtype=np.float64)
        for name in params
    }
