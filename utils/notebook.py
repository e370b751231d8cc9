"""The set-up every chapter notebook runs first: seed, device (printed once), plot style."""

from __future__ import annotations

import matplotlib
import torch
from threadpoolctl import threadpool_limits

from utils.device import describe, pick_device
from utils.seed import seed_everything

_announced = False


def start(seed: int = 0, threads: int | None = 1):
    """Seed everything, limit CPU threads (1 is fastest and steadiest for this course's small models
    on a 2-core machine), print the device once, and return (device, rng)."""
    global _announced
    if threads is not None:
        torch.set_num_threads(threads)
        # NumPy's BLAS too: on small matrices a second thread mostly waits, and on a busy 2-core
        # machine a
        # full-batch step of chapter 3's network measured 19 ms with two threads against 0.33 ms
        # with one.
        threadpool_limits(threads)
    rng = seed_everything(seed)
    device = pick_device()
    matplotlib.rcParams.update(
        {"figure.figsize": (6.4, 3.6), "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3}
    )
    if not _announced:
        print(f"device: {describe(device)} · torch {torch.__version__} · seed {seed}")
        _announced = True
    return device, rng
