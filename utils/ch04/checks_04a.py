"""Answer checks for notebook 04a: the linear layer (4.1), loss gradients (4.2–4.4) and the
activation backward passes (4.5, 4.6).

The references are reached through private module names (`_backprop.sigmoid_backward`), so that a
notebook which imports this module offers no answer under an inviting name. Each `check_*` builds
its own seeded cases (examples are columns, as in the notebooks) and names the catalogued mistakes
that the generic diagnoses (sign, factor, transpose, missing mean, NaN) cannot tell apart by
themselves.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from utils import activations as _activations, losses as _losses
from utils.ch04 import backprop as _backprop
from utils.activations import sigmoid
from utils.checks.diagnose import compare_named
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_


def _f64(*arrays):
    return tuple(np.asarray(a, dtype=np.float64) for a in arrays)


# ---------------------------------------------------------------- Exercise 4.1, the linear layer


def _linear_cases() -> list[Case]:
    rng = np.random.default_rng(401)
    return [
        Case(
            (rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(3, 4))),
            "n=3, n_prev=4, m=5",
            batch_size=5,
        ),
        Case(
            (rng.normal(size=(4, 7)), rng.normal(size=(4, 7)), rng.normal(size=(4, 4))),
            N_("square W, m=7"),
            batch_size=7,
        ),
        Case(
            (rng.normal(size=(2, 1)), rng.normal(size=(6, 1)), rng.normal(size=(2, 6))),
            N_("one example"),
            batch_size=1,
        ),
    ]


def _linear_db_over_units(dZ, A_prev, W):
    dZ, A_prev, W = _f64(dZ, A_prev, W)
    return dZ @ A_prev.T, dZ.sum(axis=0, keepdims=True), W.T @ dZ


LINEAR_MISTAKES = (
    Mistake(
        "db axis",
        _linear_db_over_units,
        N_(
            "In db: you summed over axis 0, the units. The bias is shared by every example, so its "
            "gradient sums over the examples, the columns: dZ.sum(axis=1, keepdims=True), shape "
            "(n × 1)."
        ),
    ),
)


def check_linear_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.1: (dW, db, dA_prev) of Z = W·A_prev + b, given dZ."""
    return catalogued_check(
        N_("Exercise 4.1 (linear layer backward)"),
        learner_fn,
        _backprop.linear_backward,
        _linear_cases(),
        mistakes=LINEAR_MISTAKES,
        compare=compare_named(("dW", "db", "dA_prev")),
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.2, the MSE gradient


def _mse_cases() -> list[Case]:
    rng = np.random.default_rng(402)
    return [
        Case(
            (rng.normal(size=(1, 8)), rng.normal(size=(1, 8))),
            N_("1 output × 8 examples (N = 8)"),
            batch_size=8,
        ),
        Case(
            (rng.normal(size=(1, 5)), rng.normal(size=(1, 5))),
            N_("1 output × 5 examples (N = 5)"),
            batch_size=5,
        ),
        Case(
            (rng.normal(size=(2, 4)), rng.normal(size=(2, 4))),
            N_("2 outputs × 4 examples (N = 8)"),
            batch_size=8,
        ),
    ]


MSE_MISTAKES = (
    Mistake(
        "per example",
        lambda y_hat, y: 2.0 * np.subtract(*_f64(y_hat, y)) / np.shape(y_hat)[1],
        N_(
            "You divided by m, the number of examples (columns). The loss averages over all N "
            "elements of ŷ, here outputs × examples: divide by y_hat.size."
        ),
    ),
)


def check_mse_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.2: ∂/∂ŷ of the mean over all N elements of (ŷ − y)²."""
    return catalogued_check(
        N_("Exercise 4.2 (MSE gradient)"),
        learner_fn,
        _losses.mse_gradient,
        _mse_cases(),
        mistakes=MSE_MISTAKES,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.3, the BCE gradient
# w.r.t. the logit


def _bce_cases() -> list[Case]:
    rng = np.random.default_rng(403)

    def binary(m, scale):
        return rng.normal(0.0, scale, size=(1, m)), rng.integers(0, 2, size=(1, m)).astype(float)

    return [
        Case(binary(6, 2.0), N_("6 examples"), batch_size=6),
        Case(binary(9, 1.0), N_("9 examples"), batch_size=9),
        Case(
            (np.array([[800.0, -800.0, 35.0, -35.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])),
            N_("logits up to ±800"),
            batch_size=4,
        ),
    ]


def _gradient_on_p(z, y):
    z, y = _f64(z, y)
    with np.errstate(all="ignore"):
        p = sigmoid(z)
        return (p - y) / (p * (1.0 - p)) / z.size


BCE_MISTAKES = (
    Mistake(
        "on p",
        _gradient_on_p,
        N_(
            "That is ∂L/∂p, the gradient with respect to the probability p = σ(z). The exercise "
            "asks for ∂L/∂z: multiply by dp/dz = σ(z)(1 − σ(z)), and the product simplifies to "
            "(σ(z) − y) / N."
        ),
    ),
)


def check_bce_logit_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.3: ∂/∂z of the mean binary cross-entropy of σ(z), finite for logits up to ±800."""
    return catalogued_check(
        N_("Exercise 4.3 (BCE gradient w.r.t. the logit)"),
        learner_fn,
        _losses.bce_logit_gradient,
        _bce_cases(),
        mistakes=BCE_MISTAKES,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 4.4, the softmax
# cross-entropy gradient


def _softmax_cases() -> list[Case]:
    rng = np.random.default_rng(404)

    def one_hot(K, m, scale=1.0):
        return rng.normal(0.0, scale, size=(K, m)), np.eye(K)[:, rng.integers(0, K, size=m)]

    return [
        Case(one_hot(4, 6), N_("K = 4 classes, m = 6"), batch_size=6),
        Case(one_hot(3, 3), N_("K = 3, m = 3 (square)"), batch_size=3),
        Case(one_hot(5, 4, scale=1000.0), N_("logits of size 1000"), batch_size=4),
    ]


SOFTMAX_MISTAKES = (
    Mistake(
        "softmax axis",
        lambda Z, Y: (
            (_losses.softmax(Z, axis=1) - np.asarray(Y, dtype=np.float64)) / np.shape(Z)[1]
        ),
        N_(
            "Your softmax normalises along axis 1, across the examples. Here examples are COLUMNS, "
            "so each column holds one example's K logits: take the max and the sum along axis 0 "
            "(Z.max(axis=0, keepdims=True), ….sum(axis=0, keepdims=True)), so that every column "
            "of P sums to 1."
        ),
    ),
    Mistake(
        "elements",
        lambda Z, Y: (_losses.softmax(Z) - np.asarray(Y, dtype=np.float64)) / np.size(Z),
        N_(
            "You divided by K·m, the number of elements. The loss averages over the m examples "
            "(columns) only; the sum over the K classes stays a sum. Divide by Z.shape[1]."
        ),
    ),
)


def check_softmax_ce_gradient(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.4: ∂/∂Z of the mean over the m columns of −Σ_k Y log softmax(Z), finite for logits
    of size 1000."""
    return catalogued_check(
        N_("Exercise 4.4 (softmax cross-entropy gradient)"),
        learner_fn,
        _losses.categorical_cross_entropy_gradient,
        _softmax_cases(),
        mistakes=SOFTMAX_MISTAKES,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercises 4.5 and 4.6, activation
# backward passes


def _sigmoid_cases() -> list[Case]:
    rng = np.random.default_rng(405)
    return [
        Case((rng.normal(size=(4, 5)), rng.normal(0.0, 2.0, size=(4, 5))), "4 × 5"),
        Case((rng.normal(size=(3, 3)), rng.normal(0.0, 2.0, size=(3, 3))), "3 × 3"),
        Case(
            (np.ones((1, 4)), np.array([[-800.0, -30.0, 30.0, 800.0]])),
            N_("saturated, |Z| up to 800"),
        ),
    ]


SIGMOID_MISTAKES = (
    Mistake(
        "Z for σ(Z)",
        lambda dA, Z: np.multiply(*_f64(dA, Z)) * (1.0 - np.asarray(Z, dtype=np.float64)),
        N_(
            "You multiplied by Z(1 − Z). The derivative is σ(Z)(1 − σ(Z)): compute s = sigmoid(Z) "
            "first, then dA·s·(1 − s)."
        ),
    ),
    Mistake(
        "dA forgotten",
        lambda dA, Z: _activations.sigmoid_derivative(Z),
        N_(
            "You returned σ′(Z) alone. The backward pass multiplies it by the gradient arriving "
            "from above: dZ = dA ⊙ σ′(Z)."
        ),
    ),
    Mistake(
        "σ′ twice",
        lambda dA, Z: _backprop.sigmoid_backward(_backprop.sigmoid_backward(dA, Z), Z),
        N_(
            "Your answer carries σ′(Z) twice (dA·σ′(Z)·σ′(Z)). If you wrote `dA *= s * (1 - s)`, "
            "return dA as it is now; do not multiply by s·(1 − s) again."
        ),
    ),
)


def check_sigmoid_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.5: dZ = dA ⊙ σ(Z)(1 − σ(Z)), finite for |Z| up to 800."""
    return catalogued_check(
        N_("Exercise 4.5 (sigmoid backward)"),
        learner_fn,
        _backprop.sigmoid_backward,
        _sigmoid_cases(),
        mistakes=SIGMOID_MISTAKES,
        answer_keys=(_activations.sigmoid_derivative,),
        strict=strict,
    )


def _relu_cases() -> list[Case]:
    rng = np.random.default_rng(406)
    return [
        Case((rng.normal(size=(4, 5)), rng.normal(size=(4, 5))), "4 × 5"),
        Case(
            (
                rng.normal(size=(2, 6)),
                np.array([[0.0, 1.0, -1.0, 0.0, 2.0, -3.0], [0.5, 0.0, -0.5, 4.0, 0.0, -2.0]]),
            ),
            N_("with exact zeros (slope 0 there)"),
        ),
    ]


RELU_MISTAKES = (
    Mistake(
        "kink",
        lambda dA, Z: np.asarray(dA, dtype=np.float64) * (np.asarray(Z) >= 0),
        N_(
            "At Z = 0 your slope is 1. Use slope 0 there, as PyTorch does: the mask is Z > 0, not "
            "Z >= 0."
        ),
    ),
    Mistake(
        "mask from dA",
        lambda dA, Z: np.asarray(dA, dtype=np.float64) * (np.asarray(dA) > 0),
        N_(
            "Your mask comes from dA. Which units let the gradient through depends on the forward "
            "pass: use Z > 0."
        ),
    ),
    Mistake(
        "dA forgotten",
        lambda dA, Z: _activations.relu_derivative(Z),
        N_(
            "You returned ReLU's slope alone. The backward pass multiplies it by the gradient "
            "arriving from above: dZ = dA ⊙ 1[Z > 0]."
        ),
    ),
)


def check_relu_backward(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 4.6: dZ = dA where Z > 0, else 0 (slope 0 at the kink)."""
    return catalogued_check(
        N_("Exercise 4.6 (ReLU backward)"),
        learner_fn,
        _backprop.relu_backward,
        _relu_cases(),
        mistakes=RELU_MISTAKES,
        answer_keys=(_activations.relu_derivative,),
        strict=strict,
    )
