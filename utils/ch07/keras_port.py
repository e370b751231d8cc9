"""The guide's Keras model next to the course's PyTorch port: Keras 3 loaded on the torch backend,
weights carried across, Keras' own Adam update written out, and a training loop that visits the rows
in order."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def keras_backends() -> list[str]:
    """The backends the installed Keras ships (its `keras/src/backend/<name>/core.py` folders);
    Keras is not imported."""
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        return []
    backend_dir = Path(next(iter(spec.submodule_search_locations))) / "src" / "backend"
    return sorted(p.name for p in backend_dir.iterdir() if (p / "core.py").is_file())


def load_keras(backend: str = "torch"):
    """Import Keras 3 on `backend`. KERAS_BACKEND is read once, at the first import, so it is set
    here first.

    Raises RuntimeError if Keras was already imported on another backend (restart the kernel to
    switch).
    """
    if backend not in keras_backends():
        raise ValueError(
            f"Keras here ships the backends {keras_backends()}; {backend!r} is not one of them."
        )
    if "keras" in sys.modules:
        keras = sys.modules["keras"]
        if keras.backend.backend() != backend:
            raise RuntimeError(
                f"Keras is already imported on the {keras.backend.backend()!r} backend; the "
                "backend is fixed at the "
                f"first import. Restart the kernel and call load_keras({backend!r}) before "
                "anything imports keras."
            )
        return keras
    os.environ["KERAS_BACKEND"] = backend
    import keras

    return keras


def guide_keras_model(keras, n_features: int):
    """The guide's §5.2 model: Dense 64 ReLU → Dense 32 ReLU → Dense 1 sigmoid, compiled with Adam
    and binary cross-entropy (an explicit Input layer, which Keras 3 prefers to `input_shape=`)."""
    from keras.layers import Activation, Dense
    from keras.models import Sequential

    model = Sequential(
        [
            keras.Input(shape=(n_features,)),
            Dense(64),
            Activation("relu"),
            Dense(32),
            Activation("relu"),
            Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def fit_guide_keras(
    keras,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    seed: int = 0,
    epochs: int = 10,
    batch_size: int = 32,
    clock=time.perf_counter,
) -> dict:
    """Train the guide's Keras model with `fit(validation_split=0.2)` and evaluate it on the test
    set.

    Returns seconds (fit only, on `clock`), test loss and accuracy, and the Keras history dict.
    """
    keras.utils.set_random_seed(seed)
    model = guide_keras_model(keras, X_train.shape[1])
    started = clock()
    history = model.fit(
        X_train, y_train, epochs=epochs, batch_size=batch_size, validation_split=0.2, verbose=0
    )
    seconds = clock() - started
    loss, accuracy = model.evaluate(X_test, y_test, verbose=0)
    return {
        "seconds": seconds,
        "test_loss": float(loss),
        "test_accuracy": float(accuracy),
        "history": history.history,
    }


def torch_state_from_keras(weights) -> dict[str, torch.Tensor]:
    """A state dict for `utils.models.guide_mlp` from Keras' `get_weights()` list [kernel, bias,
    kernel, bias, ...].

    A Keras Dense kernel is (inputs × outputs); an nn.Linear weight is (outputs × inputs), so each
    kernel is transposed.
    """
    weights = list(weights)
    if len(weights) % 2:
        raise ValueError(f"expected kernel, bias pairs; got {len(weights)} arrays")
    state = {}
    for layer, (kernel, bias) in enumerate(zip(weights[0::2], weights[1::2])):
        # guide_mlp puts a ReLU between the Linear layers: the Linear modules are 0, 2, 4, ...
        index = 2 * layer
        state[f"{index}.weight"] = torch.as_tensor(
            np.asarray(kernel, dtype=np.float32)
        ).T.contiguous()
        state[f"{index}.bias"] = torch.as_tensor(np.asarray(bias, dtype=np.float32))
    return state


class KerasAdam(torch.optim.Optimizer):
    """Adam as Keras computes it: θ ← θ − α_t·m / (√v + ε) with α_t = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ).

    torch.optim.Adam computes θ ← θ − lr·m̂ / (√v̂ + ε): the same except where ε sits (Kingma & Ba
    give both forms).
    """

    def __init__(
        self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-7
    ):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"], state["m"], state["v"] = (
                        0,
                        torch.zeros_like(p),
                        torch.zeros_like(p),
                    )
                state["step"] += 1
                t = state["step"]
                state["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
                state["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                alpha = group["lr"] * (1 - beta2**t) ** 0.5 / (1 - beta1**t)
                p.sub_(alpha * state["m"] / (state["v"].sqrt() + group["eps"]))


def train_in_order(
    model: nn.Module,
    X,
    y,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int = 10,
    batch_size: int = 32,
) -> list[float]:
    """Mini-batch training that visits the rows in their given order (Keras' `fit(shuffle=False)`).

    Returns the mean training loss of each epoch, weighted by batch size (as Keras reports it).
    """
    X = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(X), batch_size):
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            optimizer.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        losses.append(total / len(X))
    return losses
