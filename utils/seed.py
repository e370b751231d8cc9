"""Fixed seeds, so that a re-run on the same machine prints the same numbers."""

from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and torch (all devices); return a NumPy Generator to pass around
    explicitly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS generators
    return np.random.default_rng(seed)
