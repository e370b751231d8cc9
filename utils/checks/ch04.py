"""Answer checks for chapter 4: what a learner's gradient-descent step does to each parameter (Exercise 4.7)."""

from __future__ import annotations

import numpy as np

from utils.backprop import PARAMETER_NAMES


def step_taken(step_fn, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> tuple[np.ndarray, ...]:
    """The change new − old that step_fn makes to each parameter, in PARAMETER_NAMES order (inputs passed as copies)."""
    before = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    new = step_fn({k: v.copy() for k, v in before.items()}, {k: np.array(v, dtype=np.float64) for k, v in grads.items()}, lr)
    if not isinstance(new, dict):
        return new  # let the comparison say what came back instead
    return tuple(None if name not in new else np.asarray(new[name], dtype=np.float64) - before[name] for name in PARAMETER_NAMES)
