"""A binary-classification MLP in NumPy: ReLU hidden layers, one logit out, binary cross-entropy on
the logit, hand-written forward and backward, mini-batch SGD and Adam. Weights are (out × in), as in
torch's nn.Linear, so the same numbers can be loaded into torch and the two compared."""

from __future__ import annotations

import numpy as np

from utils.activations import sigmoid  # overflow-free σ, shared with chapter 4
from utils.losses import (
    bce_logit_gradient,
    bce_with_logits,
)  # the loss and its gradient, shared with chapter 4


def init_params(sizes: list[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """He-normal weights W{l} (sizes[l] × sizes[l-1]) with std √(2 / fan_in), zero biases b{l}
    (sizes[l],)."""
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_out, fan_in))
        params[f"b{layer}"] = np.zeros(fan_out)
    return params


def n_layers(params: dict) -> int:
    return sum(1 for key in params if key.startswith("W"))


def forward(params: dict, X: np.ndarray) -> tuple[np.ndarray, list]:
    """Logits z (n,) for rows X (n × d), and the cache backward needs: Z{l} = A{l-1}·W{l}ᵀ + b{l},
    A{l} = ReLU(Z{l})."""
    A = np.asarray(X, dtype=np.float64)
    cache = []
    L = n_layers(params)
    for layer in range(1, L + 1):
        Z = A @ params[f"W{layer}"].T + params[f"b{layer}"]
        cache.append((A, Z))
        A = np.maximum(Z, 0.0) if layer < L else Z
    return A[:, 0], cache


def backward(params: dict, cache: list, z: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of `bce_with_logits(z, y)` with respect to every W{l}, b{l}: ∂L/∂z = (sigmoid(z) −
    y) / n."""
    dZ = bce_logit_gradient(z, y)[:, None]
    grads = {}
    for layer in range(n_layers(params), 0, -1):
        A_prev, Z = cache[layer - 1]
        if layer < n_layers(params):
            dZ = dZ * (Z > 0)
        grads[f"W{layer}"] = dZ.T @ A_prev
        grads[f"b{layer}"] = dZ.sum(axis=0)
        dZ = dZ @ params[f"W{layer}"]
    return grads


def loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Forward, loss and backward on one batch."""
    z, cache = forward(params, X)
    return bce_with_logits(z, y), backward(params, cache, z, y)


def sgd_epoch(params: dict, X, y, order, batch_size: int, lr: float) -> dict:
    """One pass of mini-batch SGD over the rows in `order` (the last batch may be smaller); returns
    new params."""
    params = {key: value.copy() for key, value in params.items()}
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        _, grads = loss_and_grads(params, X[rows], y[rows])
        params = {key: params[key] - lr * grads[key] for key in params}
    return params


class Adam:
    """Adam (Kingma & Ba) with torch's defaults and update order, so float64 runs agree with
    torch.optim.Adam."""

    def __init__(self, params: dict, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, betas[0], betas[1], eps, 0
        self.m = {key: np.zeros_like(value) for key, value in params.items()}
        self.v = {key: np.zeros_like(value) for key, value in params.items()}

    def step(self, params: dict, grads: dict) -> dict:
        self.t += 1
        correction1, correction2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        new = {}
        for key in params:
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grads[key]
            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * grads[key] ** 2
            denominator = np.sqrt(self.v[key]) / np.sqrt(correction2) + self.eps
            new[key] = params[key] - (self.lr / correction1) * self.m[key] / denominator
        return new


def batch_orders(n: int, epochs: int, seed: int) -> list[np.ndarray]:
    """One shuffled row order per epoch, from a seeded generator (shared with the torch run)."""
    rng = np.random.default_rng(seed)
    return [rng.permutation(n) for _ in range(epochs)]


def train_adam(
    params: dict, X, y, orders: list[np.ndarray], batch_size: int = 32, lr: float = 1e-3
) -> tuple[dict, list[float]]:
    """Mini-batch Adam over the given epoch orders; returns the final params and the loss of every
    step."""
    optimiser, losses = Adam(params, lr=lr), []
    for order in orders:
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            loss, grads = loss_and_grads(params, X[rows], y[rows])
            params = optimiser.step(params, grads)
            losses.append(loss)
    return params, losses


def predict_proba(params: dict, X) -> np.ndarray:
    """sigmoid of the logits: the predicted probability of class 1 for each row."""
    z, _ = forward(params, X)
    return sigmoid(z)
