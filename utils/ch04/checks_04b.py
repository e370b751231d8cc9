"""Answer checks for notebook 04b: the 3-4-2 network's backward pass (4.7) and one
gradient-descent step (4.8).

The references are reached through a private module name (`_backprop.net_backward`), so that a
notebook which imports this module offers no answer under an inviting name. Each `check_*` builds
its own seeded cases (examples are columns, as in the notebooks) and names the catalogued mistakes
that the generic diagnoses (sign, factor, transpose, missing mean, NaN) cannot tell apart by
themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from utils.ch04 import backprop as _backprop
from utils.ch04.backprop import PARAMETER_NAMES, initial_parameters, net_forward
from utils.checks.diagnose import Verdict, compare_named, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


# ---------------------------------------------------------------- Exercise 4.7, the 3-4-2 network


def _net_cases(x=None, y=None, params=None) -> list[Case]:
    """The notebook's single example (x, y, params) when given, then a batch of 8 and a saturated
    batch of 4."""
    rng = np.random.default_rng(407)

    def batch(m, input_scale=1.0):
        return (
            rng.normal(0.0, input_scale, size=(3, m)),
            rng.normal(size=(2, m)),
            *initial_parameters(rng).values(),
        )

    first = Case(
        batch(1), N_("one example"), batch_size=1
    )  # drawn either way, so the later cases never change
    if x is not None:
        first = Case(
            (x, y, *(params[name] for name in PARAMETER_NAMES)),
            N_("the single example above"),
            batch_size=1,
        )
    return [
        first,
        Case(batch(8), N_("a batch of m = 8"), batch_size=8),
        Case(
            batch(4, input_scale=1000.0),
            N_("m = 4, inputs of size 1000 (saturated hidden units)"),
            batch_size=4,
        ),
    ]


def _net_variant(x, y, W1, b1, W2, b2, *, hidden):
    cache = net_forward(x, W1, b1, W2, b2)
    x, y = (np.asarray(a, dtype=np.float64) for a in (x, y))
    d = (cache["y_hat"] - y) / x.shape[1]
    dW2, db2, dA1 = _backprop.linear_backward(d, cache["A1"], W2)
    if hidden == "none":
        return (
            np.zeros_like(np.asarray(W1, dtype=np.float64)),
            np.zeros_like(np.asarray(b1, dtype=np.float64)),
            dW2,
            db2,
        )
    slope = {"no σ′": 1.0, "σ′ of Z": cache["Z1"] * (1.0 - cache["Z1"])}.get(hidden)
    dZ1 = dA1 * slope
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), dW2, db2


NET_MISTAKES = (
    Mistake(
        "output layer only",
        lambda *a: _net_variant(*a, hidden="none"),
        N_(
            "dW1 and db1 are zero, while dW2 and db2 are right: like the guide's §4.2, your "
            "backward pass stops at the output layer, so the hidden layer would never learn. "
            "Carry the gradient on: dA1 = W2ᵀ·dŷ, dZ1 = dA1 ⊙ A1(1 − A1), then dW1 = dZ1·xᵀ and "
            "db1 = Σ_columns dZ1."
        ),
    ),
    Mistake(
        "no σ′",
        lambda *a: _net_variant(*a, hidden="no σ′"),
        N_(
            "In dW1 and db1: the sigmoid's derivative is missing. Between dA1 = W2ᵀ·dŷ and dW1, "
            "multiply by σ′(Z1) = A1(1 − A1)."
        ),
    ),
    Mistake(
        "σ′ of Z",
        lambda *a: _net_variant(*a, hidden="σ′ of Z"),
        N_(
            "In dW1 and db1: you multiplied by Z1(1 − Z1). The sigmoid's derivative is A1(1 − "
            "A1), with A1 = σ(Z1)."
        ),
    ),
)


def check_net_backward(
    learner_fn: Callable, x=None, y=None, params=None, *, strict: bool | None = None
) -> CheckResult:
    """Exercise 4.7: (dW1, db1, dW2, db2) of L = (1/m) Σ_columns ½‖ŷ − y‖² for the 3-4-2 sigmoid
    network.

    The notebook passes its own example (x, y, params) so that the first case is the one it printed.
    """
    return catalogued_check(
        N_("Exercise 4.7 (3-4-2 backward pass)"),
        learner_fn,
        _backprop.net_backward,
        _net_cases(x, y, params),
        mistakes=NET_MISTAKES,
        compare=compare_named(("dW1", "db1", "dW2", "db2")),
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.8, one
# gradient-descent step


@dataclass(frozen=True)
class NotADict:
    """What step_fn returned in place of a dict of parameters."""

    type_name: str


def step_taken(step_fn, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float):
    """The change new − old that step_fn makes to each parameter, in PARAMETER_NAMES order (None
    where a key is missing); the inputs are passed as copies. None if step_fn returned None, a
    `NotADict` if it returned another type."""
    before = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    new = step_fn(
        {k: v.copy() for k, v in before.items()},
        {k: np.array(v, dtype=np.float64) for k, v in grads.items()},
        lr,
    )
    if new is None:
        return None
    if not isinstance(new, dict):
        return NotADict(type(new).__name__)
    return tuple(
        None if name not in new else to_numpy(new[name]) - before[name] for name in PARAMETER_NAMES
    )


def compare_steps(got, expected, **options) -> Verdict:
    """The step of each parameter by `compare_named`, after saying what is missing from the dict, if
    anything."""
    keys = ", ".join(f'"{name}"' for name in PARAMETER_NAMES)
    if isinstance(got, NotADict):
        return Verdict(
            False,
            "structure",
            _("Return a dict with the keys {keys}; yours returned a {type}.").format(
                keys=keys, type=got.type_name
            ),
        )
    if isinstance(got, tuple) and any(part is None for part in got):
        missing = ", ".join(f'"{name}"' for name, part in zip(PARAMETER_NAMES, got) if part is None)
        message = _("Return a dict with the keys {keys}; yours has no {missing}.")
        return Verdict(False, "structure", message.format(keys=keys, missing=missing))
    names = tuple(_("{name} step").format(name=name) for name in PARAMETER_NAMES)
    return compare_named(names)(got, expected, **options)


def _reference_step(params, grads, lr):
    return step_taken(_backprop.gradient_descent_step, params, grads, lr)


def _step_cases(params=None, grads=None) -> list[Case]:
    rng = np.random.default_rng(408)
    x, y = rng.normal(size=(3, 8)), rng.normal(size=(2, 8))
    batch_params = initial_parameters(rng)
    cases = [
        Case(
            (
                batch_params,
                dict(zip(PARAMETER_NAMES, _backprop.net_backward(x, y, **batch_params))),
                0.05,
            ),
            N_("a batch of 8, lr = 0.05"),
        )
    ]
    if params is not None:
        cases.insert(0, Case((params, grads, 0.1), N_("the gradients above, lr = 0.1")))
    return cases


STEP_MISTAKES = (
    Mistake(
        "lr forgotten",
        lambda p, g, lr: step_taken(lambda p, g, lr: {k: p[k] - g[k] for k in p}, p, g, lr),
        N_("Your step ignores the learning rate: θ − ∂L/∂θ. Scale the gradient: θ − lr·∂L/∂θ."),
    ),
)


STEP_ATOL = (
    1e-6  # steps are compared, but a float32 answer rounds the parameters themselves (≈6e-8·|θ|)
)


def check_gradient_descent_step(
    learner_fn: Callable, params=None, grads=None, *, strict: bool | None = None
) -> CheckResult:
    """Exercise 4.8: new parameters θ − lr·∂L/∂θ. What is compared is the step new − old of each
    parameter, so a wrong sign or factor shows up as exactly that; the notebook's own (params,
    grads) are the first case when given."""

    def learner_step(params, grads, lr):
        return step_taken(learner_fn, params, grads, lr)

    return catalogued_check(
        N_("Exercise 4.8 (one gradient-descent step)"),
        learner_step,
        _backprop.gradient_descent_step,
        _step_cases(params, grads),
        mistakes=STEP_MISTAKES,
        expected_from=_reference_step,
        compare=compare_steps,
        answer_keys=(_backprop.gradient_descent_step,),
        atol=STEP_ATOL,
        strict=strict,
    )
