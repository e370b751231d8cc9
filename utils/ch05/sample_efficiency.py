"""A controlled comparison of how much data a CNN and a dense network need: both with about the
same number of parameters, trained the same way (full-batch Adam, fixed steps) on the same n digits
for several n and seeds, scored on the same held-out digits. Digits can also be placed at random
in a larger frame, where a pattern may appear anywhere."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from utils.i18n import N_, _


def placed_at_random(images: np.ndarray, side: int, rng: np.random.Generator) -> np.ndarray:
    """Each image (n × h × w) pasted at a random position of a blank side × side frame."""
    images = np.asarray(images)
    n, h, w = images.shape
    if side < max(h, w):
        raise ValueError(f"a frame of side {side} cannot hold images of {h} × {w}")
    framed = np.zeros((n, side, side), dtype=images.dtype)
    rows = rng.integers(0, side - h + 1, size=n)
    cols = rng.integers(0, side - w + 1, size=n)
    for image, frame, r, c in zip(images, framed, rows, cols):
        frame[r : r + h, c : c + w] = image
    return framed


def small_cnn(side: int, n_classes: int = 10) -> nn.Sequential:
    """Two 3 × 3 convolutions (8 and 16 channels, ReLU, each followed by a 2 × 2 max-pool), then a
    linear layer: part 2's design, narrower, for 1 × side × side images (side divisible by 4)."""
    if side % 4:
        raise ValueError(f"side must be divisible by 4 (two 2 × 2 pools), got {side}")
    return nn.Sequential(
        nn.Conv2d(1, 8, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * (side // 4) ** 2, n_classes),
    )


def small_dense(side: int, parameters: int, n_classes: int = 10) -> nn.Sequential:
    """One hidden ReLU layer, as wide as makes the network's parameter count closest to
    `parameters`, for 1 × side × side images."""
    inputs = side * side
    # (inputs + 1)·hidden + (hidden + 1)·n_classes parameters
    hidden = max(1, round((parameters - n_classes) / (inputs + 1 + n_classes)))
    return nn.Sequential(
        nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, n_classes)
    )


def accuracy_after_training(
    make_model: Callable[[], nn.Module],
    X_pool: torch.Tensor,
    y_pool: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    n: int,
    seed: int,
    *,
    steps: int = 150,
    lr: float = 1e-2,
) -> float:
    """Accuracy on (X_test, y_test) of a model from `make_model()` (initialised with `seed`) after
    `steps` full-batch Adam steps on n rows drawn from the pool with `seed`."""
    if not 0 < n <= len(X_pool):
        raise ValueError(f"n must be between 1 and the pool's {len(X_pool)} rows, got {n}")
    rows = torch.randperm(len(X_pool), generator=torch.Generator().manual_seed(seed))[:n]
    X, y = X_pool[rows], y_pool[rows]
    torch.manual_seed(seed)
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _step in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        return float((model(X_test).argmax(dim=1) == y_test).float().mean())


def learning_curves(
    models: dict[str, Callable[[], nn.Module]],
    X_pool: torch.Tensor,
    y_pool: torch.Tensor,
    X_test: torch.Tensor,
    y_test: torch.Tensor,
    sizes: Sequence[int],
    seeds: Sequence[int],
    *,
    desc: str = N_("learning curves"),
    **training,
) -> dict[str, np.ndarray]:
    """Test accuracy of each model (len(sizes) × len(seeds)). At each (n, seed) every model trains
    on the same n rows from the same seed, so the models' differences can be paired."""
    accuracy = {name: np.zeros((len(sizes), len(seeds))) for name in models}
    runs = [(i, n, j, seed) for i, n in enumerate(sizes) for j, seed in enumerate(seeds)]
    for i, n, j, seed in tqdm(runs, desc=_(desc), unit="run"):
        for name, make_model in models.items():
            accuracy[name][i, j] = accuracy_after_training(
                make_model, X_pool, y_pool, X_test, y_test, n, seed, **training
            )
    return accuracy


def paired_verdict(a: np.ndarray, b: np.ndarray, names: tuple[str, str] = ("a", "b")) -> str:
    """Which of two paired samples (one value per seed) is ahead: only when every seed agrees,
    i.e. when the lead is larger than the seeds' spread; else "within the seed spread"."""
    difference = np.asarray(a) - np.asarray(b)
    if np.all(difference > 0):
        return f"{names[0]} ahead"
    if np.all(difference < 0):
        return f"{names[1]} ahead"
    return "within the seed spread"
