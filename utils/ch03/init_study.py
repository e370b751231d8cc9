"""How the scale of the initial weights decides whether activations vanish, explode or stay put
through depth."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

SCHEMES = ("normal 0.01", "normal 1", "xavier gain 1", "xavier", "he")


def init_linear_(layer: nn.Linear, scheme: str, activation: str) -> None:
    """Initialise one layer's weights by `scheme` (one of SCHEMES) with torch.nn.init; biases to
    zero."""
    if scheme == "normal 0.01":
        nn.init.normal_(layer.weight, 0.0, 0.01)
    elif scheme == "normal 1":
        nn.init.normal_(layer.weight, 0.0, 1.0)
    elif scheme == "xavier gain 1":  # Glorot & Bengio's original: variance 2 / (fan_in + fan_out)
        nn.init.xavier_normal_(layer.weight)
    elif (
        scheme == "xavier"
    ):  # the same, times torch's recommended gain for the activation (5/3 for tanh, √2 for ReLU)
        nn.init.xavier_normal_(layer.weight, gain=nn.init.calculate_gain(activation))
    elif scheme == "he":
        nn.init.kaiming_normal_(layer.weight, nonlinearity=activation)
    else:
        raise ValueError(f"unknown scheme {scheme!r}; choose from {SCHEMES}")
    nn.init.zeros_(layer.bias)


@torch.no_grad()
def activation_stds(
    scheme: str,
    activation: str = "relu",
    depth: int = 20,
    width: int = 256,
    n: int = 512,
    seed: int = 0,
) -> np.ndarray:
    """Std of the activations A after each of `depth` layers (width × width) for a standard-normal
    batch (n × width). Runs on the CPU in float64 on purpose: the values span 1e-19 to 1e21, and
    float32 (or a GPU) would change the study. The batch and the weights draw from two independent
    seeds derived from `seed`: drawn from one seed, the first layer's weights would repeat the
    batch's own numbers and correlate with it."""
    input_seed, weight_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    generator = torch.Generator().manual_seed(input_seed)
    torch.manual_seed(weight_seed)
    A = torch.randn(n, width, generator=generator, dtype=torch.float64)
    f = {"relu": torch.relu, "tanh": torch.tanh}[activation]
    stds = []
    for _ in range(depth):
        layer = nn.Linear(width, width, dtype=torch.float64)
        init_linear_(layer, scheme, activation)
        A = f(layer(A))
        stds.append(float(A.std()))
    return np.array(stds)


def plot_activation_stds(ax, curves: dict[str, np.ndarray], title: str) -> None:
    """Per-layer activation std on a log scale, one line per initialisation."""
    for label, stds in curves.items():
        ax.semilogy(
            np.arange(1, len(stds) + 1),
            np.maximum(stds, 1e-300),
            marker="o",
            markersize=3,
            label=label,
        )
    ax.set_xlabel("layer l")
    ax.set_ylabel("std of A[l] (log scale)")
    ax.set_title(title)
    ax.legend()
