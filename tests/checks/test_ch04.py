"""Chapter 4's exercise checks, each run against the catalogue of wrong answers it must name.

Every exercise: the reference passes, an untouched stub is "not attempted", and each catalogued mistake that can
occur in that exercise gets status "failed" (or "error" where NumPy itself refuses the shapes), the right
verdict.kind and a phrase a learner can act on. The cases mirror the notebooks' (same shapes and batch sizes).
"""

import numpy as np
import pytest

from utils import losses
from utils.activations import sigmoid
from utils.backprop import (
    PARAMETER_NAMES, gradient_descent_step, initial_parameters, linear_backward, net_backward, relu_backward,
    sigmoid_backward,
)
from utils.checks import compare_named
from utils.checks.ch04 import step_taken
from utils.checks import Case, check_function

rng = np.random.default_rng(0)


def naive_sigmoid(Z):
    return np.exp(Z) / (1.0 + np.exp(Z))  # inf/inf = NaN for large Z


def first_nan(fn):
    """The answer of fn with its first element replaced by NaN (as from an unfilled np.empty or a 0/0)."""
    def wrapped(*args):
        out = fn(*args)
        parts = out if isinstance(out, tuple) else (out,)
        first = np.array(parts[0], dtype=float)
        first.flat[0] = np.nan
        return (first, *parts[1:]) if isinstance(out, tuple) else first
    return wrapped


def stub(*args):
    raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")


# ---- the exercises: (label, reference, cases, compare) ----------------------------------------------------------

def one_hot(K, m, scale=1.0):
    labels = rng.integers(0, K, size=m)
    return rng.normal(0.0, scale, size=(K, m)), np.eye(K)[:, labels]


def net_case(m, input_scale=1.0):
    return (rng.normal(0.0, input_scale, size=(3, m)), rng.normal(size=(2, m)), *initial_parameters(rng).values())


def step_of(step_fn):
    return lambda p, g, lr: step_taken(step_fn, p, g, lr)


_params = initial_parameters(rng)
_grads = dict(zip(PARAMETER_NAMES, net_backward(*net_case(8))))

EXERCISES = {
    "linear": ("Exercise 4.1 (linear layer backward)", linear_backward, [
        Case((rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(3, 4))), "n=3, n_prev=4, m=5", batch_size=5),
        Case((rng.normal(size=(4, 7)), rng.normal(size=(4, 7)), rng.normal(size=(4, 4))), "square W, m=7", batch_size=7),
    ], compare_named(("dW", "db", "dA_prev"))),
    "mse": ("Exercise 4.2 (MSE gradient)", losses.mse_gradient, [
        Case((rng.normal(size=(1, 8)), rng.normal(size=(1, 8))), "N = 8", batch_size=8),
        Case((rng.normal(size=(2, 4)), rng.normal(size=(2, 4))), "2 × 4", batch_size=8),
    ], None),
    "bce": ("Exercise 4.3 (BCE gradient w.r.t. the logit)", losses.bce_logit_gradient, [
        Case((rng.normal(0.0, 2.0, size=(1, 6)), rng.integers(0, 2, size=(1, 6)).astype(float)), "6 examples", batch_size=6),
        Case((np.array([[800.0, -800.0, 35.0, -35.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])), "logits up to ±800", batch_size=4),
    ], None),
    "softmax": ("Exercise 4.4 (softmax cross-entropy gradient)", losses.categorical_cross_entropy_gradient, [
        Case(one_hot(4, 6), "K = 4, m = 6", batch_size=6),
        Case(one_hot(5, 4, scale=1000.0), "logits of size 1000", batch_size=4),
    ], None),
    "sigmoid": ("Exercise 4.5 (sigmoid backward)", sigmoid_backward, [
        Case((rng.normal(size=(4, 5)), rng.normal(0.0, 2.0, size=(4, 5))), "4 × 5"),
        Case((np.ones((1, 4)), np.array([[-800.0, -30.0, 30.0, 800.0]])), "saturated"),
    ], None),
    "relu": ("Exercise 4.6 (ReLU backward)", relu_backward, [
        Case((rng.normal(size=(4, 5)), rng.normal(size=(4, 5))), "4 × 5"),
        Case((rng.normal(size=(2, 6)), np.array([[0.0, 1.0, -1.0, 0.0, 2.0, -3.0], [0.5, 0.0, -0.5, 4.0, 0.0, -2.0]])), "exact zeros"),
    ], None),
    "net": ("Exercise 4.7 (3-4-2 backward pass)", net_backward, [
        Case(net_case(1), "one example", batch_size=1),
        Case(net_case(8), "m = 8", batch_size=8),
        Case(net_case(4, input_scale=1000.0), "saturated", batch_size=4),
    ], compare_named(("dW1", "db1", "dW2", "db2"))),
    "step": ("Exercise 4.8 (one gradient-descent step)", step_of(gradient_descent_step), [
        Case((_params, _grads, 0.1), "lr = 0.1"),
    ], compare_named(tuple(f"{name} step" for name in PARAMETER_NAMES))),
}


def run(exercise, learner):
    label, reference, cases, compare = EXERCISES[exercise]
    kwargs = {} if compare is None else {"compare": compare}
    return check_function(label, learner, reference, cases, strict=False, **kwargs)


# ---- the catalogue of wrong answers -----------------------------------------------------------------------------

def _net_parts(x, y, W1, b1, W2, b2, *, sign=1.0, mean=True, half=True, sig=sigmoid, transpose_dW2=False, sum_db1=True):
    m = x.shape[1]
    A1 = sig(W1 @ x + b1)
    d = sign * (W2 @ A1 + b2 - y) * (1.0 / m if mean else 1.0) * (1.0 if half else 2.0)
    dW2 = A1 @ d.T if transpose_dW2 else d @ A1.T
    dZ1 = (W2.T @ d) * A1 * (1 - A1)
    db1 = dZ1.sum(axis=1, keepdims=True) if sum_db1 else dZ1
    return dZ1 @ x.T, db1, dW2, d.sum(axis=1, keepdims=True)


CATALOGUE = [
    # exercise, wrong answer, learner function, status, kind, phrase
    ("linear", "wrong sign", lambda dZ, A, W: tuple(-g for g in linear_backward(dZ, A, W)), "failed", "sign", "In dW: Wrong sign"),
    ("linear", "dW transposed (A_prev·dZᵀ)", lambda dZ, A, W: (A @ dZ.T, dZ.sum(1, keepdims=True), W.T @ dZ), "failed", "transposed", "In dW: Your answer is transposed"),
    ("linear", "W not transposed in dA_prev", lambda dZ, A, W: (dZ @ A.T, dZ.sum(1, keepdims=True), W @ dZ), "error", None, "matmul"),
    ("linear", "an extra 1/m on dW (the mean is already in dZ)", lambda dZ, A, W: (dZ @ A.T / dZ.shape[1], dZ.sum(1, keepdims=True), W.T @ dZ), "failed", "batch-mean", "divided by n once too often"),
    ("linear", "db as a mean, not a sum", lambda dZ, A, W: (dZ @ A.T, dZ.mean(1, keepdims=True), W.T @ dZ), "failed", "batch-mean", "In db: 5× too small"),
    ("linear", "db keeps the batch axis", lambda dZ, A, W: (dZ @ A.T, dZ, W.T @ dZ), "failed", "broadcast", "you kept the batch axis"),
    ("linear", "factor of 2", lambda dZ, A, W: (2 * dZ @ A.T, dZ.sum(1, keepdims=True), W.T @ dZ), "failed", "factor", "factor of 2"),
    ("linear", "NaN", first_nan(linear_backward), "failed", "nan", "NaN"),

    ("mse", "wrong sign (y − ŷ)", lambda yh, y: 2 * (y - yh) / yh.size, "failed", "sign", "Wrong sign"),
    ("mse", "missing 1/N", lambda yh, y: 2 * (yh - y), "failed", "batch-mean", "mean over the batch is missing"),
    ("mse", "divided by the number of rows, not of elements", lambda yh, y: 2 * (yh - y) / yh.shape[0], "failed", "batch-mean", "Divide by n = 8"),
    ("mse", "factor of 2 (the 2 dropped)", lambda yh, y: (yh - y) / yh.size, "failed", "factor", "factor of 2"),
    ("mse", "transposed", lambda yh, y: (2 * (yh - y) / yh.size).T, "failed", "transposed", "transposed"),
    ("mse", "broadcast: targets as a column", lambda yh, y: 2 * (yh - y.reshape(-1, 1)) / yh.size, "failed", "broadcast", "broadcast"),
    ("mse", "NaN", first_nan(losses.mse_gradient), "failed", "nan", "NaN"),

    ("bce", "wrong sign (y − σ(z))", lambda z, y: (y - sigmoid(z)) / z.size, "failed", "sign", "Wrong sign"),
    ("bce", "missing 1/N", lambda z, y: sigmoid(z) - y, "failed", "batch-mean", "mean over the batch is missing"),
    ("bce", "factor of 2 (the MSE habit)", lambda z, y: 2 * (sigmoid(z) - y) / z.size, "failed", "factor", "factor of 2"),
    ("bce", "transposed", lambda z, y: ((sigmoid(z) - y) / z.size).T, "failed", "transposed", "transposed"),
    ("bce", "broadcast: y transposed", lambda z, y: (sigmoid(z) - y.T) / z.size, "failed", "broadcast", "broadcast"),
    ("bce", "NaN: chain rule through p, which rounds to 1", lambda z, y: (-y / naive_sigmoid(z) + (1 - y) / (1 - naive_sigmoid(z))) * naive_sigmoid(z) * (1 - naive_sigmoid(z)) / z.size, "failed", "nan", "NaN"),

    ("softmax", "wrong sign", lambda Z, Y: (Y - losses.softmax(Z)) / Z.shape[1], "failed", "sign", "Wrong sign"),
    ("softmax", "missing 1/m", lambda Z, Y: losses.softmax(Z) - Y, "failed", "batch-mean", "mean over the batch is missing"),
    ("softmax", "factor of 2", lambda Z, Y: 2 * (losses.softmax(Z) - Y) / Z.shape[1], "failed", "factor", "factor of 2"),
    ("softmax", "transposed", lambda Z, Y: ((losses.softmax(Z) - Y) / Z.shape[1]).T, "failed", "transposed", "transposed"),
    ("softmax", "softmax over the wrong axis", lambda Z, Y: (losses.softmax(Z, axis=1) - Y) / Z.shape[1], "failed", "values", "The values are wrong"),
    ("softmax", "broadcast: sum over classes without keepdims", lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=1) - Y) / Z.shape[1], "error", None, "broadcast"),
    ("softmax", "NaN: no max subtracted before exp", lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True) - Y) / Z.shape[1], "failed", "nan", "NaN"),

    ("sigmoid", "wrong sign", lambda dA, Z: dA * sigmoid(Z) * (sigmoid(Z) - 1), "failed", "sign", "Wrong sign"),
    ("sigmoid", "factor of 2", lambda dA, Z: 2 * dA * sigmoid(Z) * (1 - sigmoid(Z)), "failed", "factor", "factor of 2"),
    ("sigmoid", "dA forgotten", lambda dA, Z: sigmoid(Z) * (1 - sigmoid(Z)), "failed", "values", "relative error"),
    ("sigmoid", "transposed", lambda dA, Z: (dA * sigmoid(Z) * (1 - sigmoid(Z))).T, "failed", "transposed", "transposed"),
    ("sigmoid", "broadcast: dA summed over the batch", lambda dA, Z: dA.sum(axis=1, keepdims=True) * sigmoid(Z) * (1 - sigmoid(Z)), "failed", "values", "relative error"),
    ("sigmoid", "NaN: e^Z/(1+e^Z) at Z = 800", lambda dA, Z: dA * naive_sigmoid(Z) * (1 - naive_sigmoid(Z)), "failed", "nan", "NaN"),

    ("relu", "wrong sign", lambda dA, Z: -dA * (Z > 0), "failed", "sign", "Wrong sign"),
    ("relu", "slope 1 at the kink (Z >= 0)", lambda dA, Z: dA * (Z >= 0), "failed", "values", "worst element at index"),
    ("relu", "mask taken from dA, not Z", lambda dA, Z: dA * (dA > 0), "failed", "values", "relative error"),
    ("relu", "transposed", lambda dA, Z: (dA * (Z > 0)).T, "failed", "transposed", "transposed"),
    ("relu", "NaN: slope as (Z/|Z| + 1)/2", lambda dA, Z: dA * (Z / np.abs(Z) + 1) / 2, "failed", "nan", "NaN"),

    ("net", "the guide's sign (y − ŷ)", lambda *a: _net_parts(*a, sign=-1.0), "failed", "sign", "In dW1: Wrong sign"),
    ("net", "missing 1/m", lambda *a: _net_parts(*a, mean=False), "failed", "batch-mean", "8× too large"),
    ("net", "factor of 2 (the ½ dropped)", lambda *a: _net_parts(*a, half=False), "failed", "factor", "factor of 2"),
    ("net", "dW2 transposed", lambda *a: _net_parts(*a, transpose_dW2=True), "failed", "transposed", "In dW2: Your answer is transposed"),
    ("net", "db1 keeps the batch axis", lambda *a: _net_parts(*a, sum_db1=False), "failed", "broadcast", "In db1"),
    ("net", "NaN: naive sigmoid on saturated inputs", lambda *a: _net_parts(*a, sig=naive_sigmoid), "failed", "nan", "NaN"),

    ("step", "ascent: θ + lr·g", lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}, "failed", "sign", "In W1 step: Wrong sign"),
    ("step", "factor of 2 in the step", lambda p, g, lr: {k: p[k] - 2 * lr * g[k] for k in p}, "failed", "factor", "factor of 2"),
    ("step", "broadcast: squeezed bias gradient", lambda p, g, lr: {k: p[k] - lr * np.squeeze(g[k]) for k in p}, "failed", "broadcast", "In b1 step"),
    ("step", "gradient transposed", lambda p, g, lr: {k: p[k] - lr * g[k].T for k in p}, "error", None, "could not be broadcast"),
    ("step", "NaN", lambda p, g, lr: {k: p[k] - lr * (g[k] * np.nan if k == "W1" else g[k]) for k in p}, "failed", "nan", "NaN"),
]
# Where a catalogue item cannot occur, it is absent: the sigmoid and ReLU backward passes and the step have
# no mean over the batch (so no "missing 1/n"); the linear layer's 1/m lives in dZ (so its mistake is an extra 1/m).


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_reference_passes(exercise):
    label, reference, cases, compare = EXERCISES[exercise]
    learner = step_of(gradient_descent_step) if exercise == "step" else reference
    result = run(exercise, learner)
    assert result.status == "passed", result.message
    assert result.message.startswith("✓")


@pytest.mark.parametrize("exercise", list(EXERCISES))
def test_untouched_stub_is_not_attempted(exercise):
    learner = step_of(stub) if exercise == "step" else stub
    result = run(exercise, learner)
    assert result.status == "not attempted"
    assert "not attempted yet" in result.message


@pytest.mark.parametrize(
    "exercise, name, learner, status, kind, phrase", CATALOGUE, ids=[f"{c[0]}: {c[1]}" for c in CATALOGUE],
)
def test_catalogued_wrong_answer_is_named(exercise, name, learner, status, kind, phrase):
    if exercise == "step":
        learner = step_of(learner)
    with np.errstate(all="ignore"):
        result = run(exercise, learner)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message, result.message
    assert result.message.startswith("✗")


def test_every_exercise_has_sign_and_nan_in_its_catalogue():
    for exercise in EXERCISES:
        kinds = {c[4] for c in CATALOGUE if c[0] == exercise}
        assert {"sign", "nan"} <= kinds, exercise


def test_step_taken_reports_new_minus_old_and_protects_the_inputs():
    params = initial_parameters(rng)
    grads = {k: np.ones_like(v) for k, v in params.items()}

    def in_place(p, g, lr):
        for name in p:
            p[name] -= lr * g[name]
        return p

    before = {k: v.copy() for k, v in params.items()}
    steps = step_taken(in_place, params, grads, 0.5)
    assert len(steps) == 4
    for step, name in zip(steps, PARAMETER_NAMES):
        np.testing.assert_allclose(step, -0.5 * np.ones_like(params[name]))
        np.testing.assert_array_equal(params[name], before[name])
    assert step_taken(lambda p, g, lr: None, params, grads, 0.5) is None
