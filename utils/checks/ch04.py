"""Answer checks for chapter 4: the linear layer (4.1), loss gradients (4.2–4.4), activation backward passes (4.5, 4.6),
the 3-4-2 network's backward pass (4.7) and one gradient-descent step (4.8).

The references are reached through private module names (`_backprop.sigmoid_backward`), so that a notebook which
imports this module offers no answer under an inviting name. Each `check_*` builds its own seeded cases (examples are columns, as in the notebooks) and names the catalogued
mistakes that the generic diagnoses (sign, factor, transpose, missing mean, NaN) cannot tell apart by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from utils import activations as _activations, backprop as _backprop, losses as _losses
from utils.activations import sigmoid
from utils.backprop import PARAMETER_NAMES, initial_parameters, net_forward
from utils.checks.mistakes import catalogued_check
from utils.checks.diagnose import Verdict, compare_named, to_numpy
from utils.checks.runner import Case, CheckResult


def _f64(*arrays):
    return tuple(np.asarray(a, dtype=np.float64) for a in arrays)


# ---------------------------------------------------------------- Exercise 4.1, the linear layer


def _linear_cases() -> list[Case]:
    rng = np.random.default_rng(401)
    return [
        Case((rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(3, 4))), "n=3, n_prev=4, m=5", batch_size=5),
        Case((rng.normal(size=(4, 7)), rng.normal(size=(4, 7)), rng.normal(size=(4, 4))), "square W, m=7", batch_size=7),
        Case((rng.normal(size=(2, 1)), rng.normal(size=(6, 1)), rng.normal(size=(2, 6))), "one example", batch_size=1),
    ]


def _linear_db_over_units(dZ, A_prev, W):
    dZ, A_prev, W = _f64(dZ, A_prev, W)
    return dZ @ A_prev.T, dZ.sum(axis=0, keepdims=True), W.T @ dZ


LINEAR_MISTAKES = (
    ("db axis", _linear_db_over_units,
     "In db: you summed over axis 0, the units. The bias is shared by every example, so its gradient sums over the "
     "examples, the columns: dZ.sum(axis=1, keepdims=True), shape (n × 1)."),
)


def check_linear_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.1: (dW, db, dA_prev) of Z = W·A_prev + b, given dZ."""
    return catalogued_check(
        "Exercise 4.1 (linear layer backward)", learner_fn, _backprop.linear_backward, _linear_cases(),
        mistakes=LINEAR_MISTAKES, compare=compare_named(("dW", "db", "dA_prev")), strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.2, the MSE gradient


def _mse_cases() -> list[Case]:
    rng = np.random.default_rng(402)
    return [
        Case((rng.normal(size=(1, 8)), rng.normal(size=(1, 8))), "1 output × 8 examples (N = 8)", batch_size=8),
        Case((rng.normal(size=(1, 5)), rng.normal(size=(1, 5))), "1 output × 5 examples (N = 5)", batch_size=5),
        Case((rng.normal(size=(2, 4)), rng.normal(size=(2, 4))), "2 outputs × 4 examples (N = 8)", batch_size=8),
    ]


MSE_MISTAKES = (
    ("per example", lambda y_hat, y: 2.0 * np.subtract(*_f64(y_hat, y)) / np.shape(y_hat)[1],
     "You divided by m, the number of examples (columns). The loss averages over all N elements of ŷ, here "
     "outputs × examples: divide by y_hat.size."),
)


def check_mse_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.2: ∂/∂ŷ of the mean over all N elements of (ŷ − y)²."""
    return catalogued_check(
        "Exercise 4.2 (MSE gradient)", learner_fn, _losses.mse_gradient, _mse_cases(), mistakes=MSE_MISTAKES, strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.3, the BCE gradient w.r.t. the logit


def _bce_cases() -> list[Case]:
    rng = np.random.default_rng(403)

    def binary(m, scale):
        return rng.normal(0.0, scale, size=(1, m)), rng.integers(0, 2, size=(1, m)).astype(float)

    return [
        Case(binary(6, 2.0), "6 examples", batch_size=6),
        Case(binary(9, 1.0), "9 examples", batch_size=9),
        Case((np.array([[800.0, -800.0, 35.0, -35.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])), "logits up to ±800", batch_size=4),
    ]


def _gradient_on_p(z, y):
    z, y = _f64(z, y)
    with np.errstate(all="ignore"):
        p = sigmoid(z)
        return (p - y) / (p * (1.0 - p)) / z.size


BCE_MISTAKES = (
    ("on p", _gradient_on_p,
     "That is ∂L/∂p, the gradient with respect to the probability p = σ(z). The exercise asks for ∂L/∂z: multiply "
     "by dp/dz = σ(z)(1 − σ(z)), and the product simplifies to (σ(z) − y) / N."),
)


def check_bce_logit_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.3: ∂/∂z of the mean binary cross-entropy of σ(z), finite for logits up to ±800."""
    return catalogued_check(
        "Exercise 4.3 (BCE gradient w.r.t. the logit)", learner_fn, _losses.bce_logit_gradient, _bce_cases(),
        mistakes=BCE_MISTAKES, strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.4, the softmax cross-entropy gradient


def _softmax_cases() -> list[Case]:
    rng = np.random.default_rng(404)

    def one_hot(K, m, scale=1.0):
        return rng.normal(0.0, scale, size=(K, m)), np.eye(K)[:, rng.integers(0, K, size=m)]

    return [
        Case(one_hot(4, 6), "K = 4 classes, m = 6", batch_size=6),
        Case(one_hot(3, 3), "K = 3, m = 3 (square)", batch_size=3),
        Case(one_hot(5, 4, scale=1000.0), "logits of size 1000", batch_size=4),
    ]


SOFTMAX_MISTAKES = (
    ("softmax axis", lambda Z, Y: (_losses.softmax(Z, axis=1) - np.asarray(Y, dtype=np.float64)) / np.shape(Z)[1],
     "Your softmax normalises along axis 1, across the examples. Here examples are COLUMNS, so each column holds one "
     "example's K logits: take the max and the sum along axis 0 (Z.max(axis=0, keepdims=True), "
     "….sum(axis=0, keepdims=True)), so that every column of P sums to 1."),
    ("elements", lambda Z, Y: (_losses.softmax(Z) - np.asarray(Y, dtype=np.float64)) / np.size(Z),
     "You divided by K·m, the number of elements. The loss averages over the m examples (columns) only; the sum over "
     "the K classes stays a sum. Divide by Z.shape[1]."),
)


def check_softmax_ce_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.4: ∂/∂Z of the mean over the m columns of −Σ_k Y log softmax(Z), finite for logits of size 1000."""
    return catalogued_check(
        "Exercise 4.4 (softmax cross-entropy gradient)", learner_fn, _losses.categorical_cross_entropy_gradient,
        _softmax_cases(), mistakes=SOFTMAX_MISTAKES, strict=strict,
    )


# ---------------------------------------------------------------- Exercises 4.5 and 4.6, activation backward passes


def _sigmoid_cases() -> list[Case]:
    rng = np.random.default_rng(405)
    return [
        Case((rng.normal(size=(4, 5)), rng.normal(0.0, 2.0, size=(4, 5))), "4 × 5"),
        Case((rng.normal(size=(3, 3)), rng.normal(0.0, 2.0, size=(3, 3))), "3 × 3"),
        Case((np.ones((1, 4)), np.array([[-800.0, -30.0, 30.0, 800.0]])), "saturated, |Z| up to 800"),
    ]


SIGMOID_MISTAKES = (
    ("Z for σ(Z)", lambda dA, Z: np.multiply(*_f64(dA, Z)) * (1.0 - np.asarray(Z, dtype=np.float64)),
     "You multiplied by Z(1 − Z). The derivative is σ(Z)(1 − σ(Z)): compute s = sigmoid(Z) first, then dA·s·(1 − s)."),
    ("dA forgotten", lambda dA, Z: _activations.sigmoid_derivative(Z),
     "You returned σ′(Z) alone. The backward pass multiplies it by the gradient arriving from above: dZ = dA ⊙ σ′(Z)."),
    ("σ′ twice", lambda dA, Z: _backprop.sigmoid_backward(_backprop.sigmoid_backward(dA, Z), Z),
     "Your answer carries σ′(Z) twice (dA·σ′(Z)·σ′(Z)). If you wrote `dA *= s * (1 - s)`, return dA as it is now; "
     "do not multiply by s·(1 − s) again."),
)


def check_sigmoid_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.5: dZ = dA ⊙ σ(Z)(1 − σ(Z)), finite for |Z| up to 800."""
    return catalogued_check(
        "Exercise 4.5 (sigmoid backward)", learner_fn, _backprop.sigmoid_backward, _sigmoid_cases(),
        mistakes=SIGMOID_MISTAKES, answer_keys=(_activations.sigmoid_derivative,), strict=strict,
    )


def _relu_cases() -> list[Case]:
    rng = np.random.default_rng(406)
    return [
        Case((rng.normal(size=(4, 5)), rng.normal(size=(4, 5))), "4 × 5"),
        Case((rng.normal(size=(2, 6)), np.array([[0.0, 1.0, -1.0, 0.0, 2.0, -3.0], [0.5, 0.0, -0.5, 4.0, 0.0, -2.0]])), "with exact zeros (slope 0 there)"),
    ]


RELU_MISTAKES = (
    ("kink", lambda dA, Z: np.asarray(dA, dtype=np.float64) * (np.asarray(Z) >= 0),
     "At Z = 0 your slope is 1. Use slope 0 there, as PyTorch does: the mask is Z > 0, not Z >= 0."),
    ("mask from dA", lambda dA, Z: np.asarray(dA, dtype=np.float64) * (np.asarray(dA) > 0),
     "Your mask comes from dA. Which units let the gradient through depends on the forward pass: use Z > 0."),
    ("dA forgotten", lambda dA, Z: _activations.relu_derivative(Z),
     "You returned ReLU's slope alone. The backward pass multiplies it by the gradient arriving from above: "
     "dZ = dA ⊙ 1[Z > 0]."),
)


def check_relu_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.6: dZ = dA where Z > 0, else 0 (slope 0 at the kink)."""
    return catalogued_check(
        "Exercise 4.6 (ReLU backward)", learner_fn, _backprop.relu_backward, _relu_cases(),
        mistakes=RELU_MISTAKES, answer_keys=(_activations.relu_derivative,), strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.7, the 3-4-2 network


def _net_cases(x=None, y=None, params=None) -> list[Case]:
    """The notebook's single example (x, y, params) when given, then a batch of 8 and a saturated batch of 4."""
    rng = np.random.default_rng(407)

    def batch(m, input_scale=1.0):
        return (rng.normal(0.0, input_scale, size=(3, m)), rng.normal(size=(2, m)), *initial_parameters(rng).values())

    first = Case(batch(1), "one example", batch_size=1)  # drawn either way, so the later cases never change
    if x is not None:
        first = Case((x, y, *(params[name] for name in PARAMETER_NAMES)), "the single example above", batch_size=1)
    return [
        first,
        Case(batch(8), "a batch of m = 8", batch_size=8),
        Case(batch(4, input_scale=1000.0), "m = 4, inputs of size 1000 (saturated hidden units)", batch_size=4),
    ]


def _net_variant(x, y, W1, b1, W2, b2, *, hidden):
    cache = net_forward(x, W1, b1, W2, b2)
    x, y = _f64(x, y)
    d = (cache["y_hat"] - y) / x.shape[1]
    dW2, db2, dA1 = _backprop.linear_backward(d, cache["A1"], W2)
    if hidden == "none":
        return np.zeros_like(np.asarray(W1, dtype=np.float64)), np.zeros_like(np.asarray(b1, dtype=np.float64)), dW2, db2
    slope = {"no σ′": 1.0, "σ′ of Z": cache["Z1"] * (1.0 - cache["Z1"])}.get(hidden)
    dZ1 = dA1 * slope
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), dW2, db2


NET_MISTAKES = (
    ("output layer only", lambda *a: _net_variant(*a, hidden="none"),
     "dW1 and db1 are zero, while dW2 and db2 are right: like the guide's §4.2, your backward pass stops at the "
     "output layer, so the hidden layer would never learn. Carry the gradient on: dA1 = W2ᵀ·dŷ, "
     "dZ1 = dA1 ⊙ A1(1 − A1), then dW1 = dZ1·xᵀ and db1 = Σ_columns dZ1."),
    ("no σ′", lambda *a: _net_variant(*a, hidden="no σ′"),
     "In dW1 and db1: the sigmoid's derivative is missing. Between dA1 = W2ᵀ·dŷ and dW1, multiply by "
     "σ′(Z1) = A1(1 − A1)."),
    ("σ′ of Z", lambda *a: _net_variant(*a, hidden="σ′ of Z"),
     "In dW1 and db1: you multiplied by Z1(1 − Z1). The sigmoid's derivative is A1(1 − A1), with A1 = σ(Z1)."),
)


def check_net_backward(learner_fn: Callable, x=None, y=None, params=None, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.7: (dW1, db1, dW2, db2) of L = (1/m) Σ_columns ½‖ŷ − y‖² for the 3-4-2 sigmoid network.

    The notebook passes its own example (x, y, params) so that the first case is the one it printed.
    """
    return catalogued_check(
        "Exercise 4.7 (3-4-2 backward pass)", learner_fn, _backprop.net_backward, _net_cases(x, y, params),
        mistakes=NET_MISTAKES, compare=compare_named(("dW1", "db1", "dW2", "db2")), strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.8, one gradient-descent step


@dataclass(frozen=True)
class NotADict:
    """What step_fn returned in place of a dict of parameters."""

    type_name: str


def step_taken(step_fn, params: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float):
    """The change new − old that step_fn makes to each parameter, in PARAMETER_NAMES order (None where a key is
    missing); the inputs are passed as copies. None if step_fn returned None, a `NotADict` if it returned another type."""
    before = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    new = step_fn({k: v.copy() for k, v in before.items()}, {k: np.array(v, dtype=np.float64) for k, v in grads.items()}, lr)
    if new is None:
        return None
    if not isinstance(new, dict):
        return NotADict(type(new).__name__)
    return tuple(None if name not in new else to_numpy(new[name]) - before[name] for name in PARAMETER_NAMES)


def compare_steps(got, expected, **options) -> Verdict:
    """The step of each parameter by `compare_named`, after saying what is missing from the dict, if anything."""
    keys = ", ".join(f'"{name}"' for name in PARAMETER_NAMES)
    if isinstance(got, NotADict):
        return Verdict(False, "structure", f"Return a dict with the keys {keys}; yours returned a {got.type_name}.")
    if isinstance(got, tuple) and any(part is None for part in got):
        missing = ", ".join(f'"{name}"' for name, part in zip(PARAMETER_NAMES, got) if part is None)
        return Verdict(False, "structure", f"Return a dict with the keys {keys}; yours has no {missing}.")
    return compare_named(tuple(f"{name} step" for name in PARAMETER_NAMES))(got, expected, **options)


def _reference_step(params, grads, lr):
    return step_taken(_backprop.gradient_descent_step, params, grads, lr)


def _step_cases(params=None, grads=None) -> list[Case]:
    rng = np.random.default_rng(408)
    x, y = rng.normal(size=(3, 8)), rng.normal(size=(2, 8))
    batch_params = initial_parameters(rng)
    cases = [Case((batch_params, dict(zip(PARAMETER_NAMES, _backprop.net_backward(x, y, **batch_params))), 0.05), "a batch of 8, lr = 0.05")]
    if params is not None:
        cases.insert(0, Case((params, grads, 0.1), "the gradients above, lr = 0.1"))
    return cases


STEP_MISTAKES = (
    ("lr forgotten", lambda p, g, lr: step_taken(lambda p, g, lr: {k: p[k] - g[k] for k in p}, p, g, lr),
     "Your step ignores the learning rate: θ − ∂L/∂θ. Scale the gradient: θ − lr·∂L/∂θ."),
)


STEP_ATOL = 1e-6  # steps are compared, but a float32 answer rounds the parameters themselves (≈6e-8·|θ|)


def check_gradient_descent_step(learner_fn: Callable, params=None, grads=None, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.8: new parameters θ − lr·∂L/∂θ. What is compared is the step new − old of each parameter, so a
    wrong sign or factor shows up as exactly that; the notebook's own (params, grads) are the first case when given."""

    def learner_step(params, grads, lr):
        return step_taken(learner_fn, params, grads, lr)

    return catalogued_check(
        "Exercise 4.8 (one gradient-descent step)", learner_step, _backprop.gradient_descent_step, _step_cases(params, grads),
        mistakes=STEP_MISTAKES, expected_from=_reference_step,
        compare=compare_steps, answer_keys=(_backprop.gradient_descent_step,), atol=STEP_ATOL, strict=strict,
    )
