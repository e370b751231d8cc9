"""Notebook 04a's checks: alternative right answers pass (in place, einsum, float32, torch, another
order), an untouched stub is "not attempted", each catalogued wrong answer gets its diagnosis, and
the fallback is the plain reference."""

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

from tests.checks.contract import (
    assert_answer_key,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from tests.ch04.answers import f32, naive_sigmoid, named, quiet
from utils import losses
from utils.activations import ACTIVATIONS, sigmoid
from utils.ch04 import checks_04a
from utils.ch04.backprop import linear_backward, relu_backward, sigmoid_backward
from utils.checks import choose_implementation


CHECKS = {
    "linear": quiet(checks_04a.check_linear_backward),
    "mse": quiet(checks_04a.check_mse_gradient),
    "bce": quiet(checks_04a.check_bce_logit_gradient),
    "softmax": quiet(checks_04a.check_softmax_ce_gradient),
    "sigmoid": quiet(checks_04a.check_sigmoid_backward),
    "relu": quiet(checks_04a.check_relu_backward),
}
REFERENCES = {
    "linear": linear_backward,
    "mse": losses.mse_gradient,
    "bce": losses.bce_logit_gradient,
    "softmax": losses.categorical_cross_entropy_gradient,
    "sigmoid": sigmoid_backward,
    "relu": relu_backward,
}


def first_nan(fn):
    """The answer of fn with its first element replaced by NaN (as from an unfilled np.empty or a
    0/0)."""

    def wrapped(*args):
        out = fn(*args)
        parts = out if isinstance(out, tuple) else (out,)
        first = np.array(parts[0], dtype=float)
        first.flat[0] = np.nan
        return (first, *parts[1:]) if isinstance(out, tuple) else first

    return wrapped


def autograd(torch_loss, *arrays, wrt=0):
    """∂ torch_loss(*tensors) / ∂ arrays[wrt] by autograd, in float64."""
    tensors = [
        torch.tensor(a, dtype=torch.float64, requires_grad=(i == wrt)) for i, a in enumerate(arrays)
    ]
    torch_loss(*tensors).backward()
    return tensors[wrt].grad.numpy()


# ---- right answers, written as different learners would, and the catalogue of wrong ones


def linear_loop_in_place(dZ, A_prev, W):
    dW, db = np.zeros_like(W), np.zeros((dZ.shape[0], 1))
    for j in range(dZ.shape[1]):  # one example at a time, accumulated in place
        dW += np.outer(dZ[:, j], A_prev[:, j])
        db[:, 0] += dZ[:, j]
    dA_prev = np.empty_like(A_prev)
    np.matmul(W.T, dZ, out=dA_prev)
    return dW, db, dA_prev


def mse_in_place(y_hat, y):
    y_hat -= y
    y_hat *= 2 / y_hat.size
    return y_hat


def bce_in_place(z, y):
    np.negative(z, out=z)
    np.exp(z, out=z)  # e^800 overflows to inf, and 1/(1 + inf) = 0 is still right
    z += 1.0
    np.reciprocal(z, out=z)
    z -= y
    z /= z.size
    return z


def softmax_in_place(Z, Y):
    Z -= Z.max(axis=0, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=0, keepdims=True)
    Z -= Y
    Z /= Z.shape[1]
    return Z


def softmax_log_sum_exp(Z, Y):
    return (np.exp(Z - scipy.special.logsumexp(Z, axis=0, keepdims=True)) - Y) / Z.shape[1]


def sigmoid_in_place(dA, Z):
    s = sigmoid(Z)
    dA *= s * (1 - s)
    return dA


def relu_in_place(dA, Z):
    dA[Z <= 0] = 0.0
    return dA


def softmax_axis_1(Z, Y):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return (np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True) - Y) / Z.shape[1]


LINEAR_RIGHT = [
    ("the formulas", lambda dZ, A, W: (dZ @ A.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ)),
    ("loop over examples, accumulated in place", linear_loop_in_place),
    (
        "einsum",
        lambda dZ, A, W: (
            np.einsum("im,km->ik", dZ, A),
            np.einsum("im->i", dZ)[:, None],
            np.einsum("ik,im->km", W, dZ),
        ),
    ),
    (
        "float32",
        lambda dZ, A, W: (lambda dZ, A, W: (dZ @ A.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ))(
            *f32(dZ, A, W)
        ),
    ),
    (
        "transposes taken the other way",
        lambda dZ, A, W: ((A @ dZ.T).T, dZ.sum(axis=1).reshape(-1, 1), (dZ.T @ W).T),
    ),
]
LINEAR_WRONG = [
    (
        "wrong sign",
        lambda dZ, A, W: tuple(-g for g in linear_backward(dZ, A, W)),
        "sign",
        "In dW: Wrong sign",
    ),
    (
        "dW transposed (A_prev·dZᵀ)",
        lambda dZ, A, W: (A @ dZ.T, dZ.sum(1, keepdims=True), W.T @ dZ),
        "transposed",
        "In dW: Your answer is transposed",
    ),
    (
        "an extra 1/m on dW (the mean is already in dZ)",
        lambda dZ, A, W: (dZ @ A.T / dZ.shape[1], dZ.sum(1, keepdims=True), W.T @ dZ),
        "batch-mean",
        "divided by n once too often",
    ),
    (
        "db as a mean, not a sum",
        lambda dZ, A, W: (dZ @ A.T, dZ.mean(1, keepdims=True), W.T @ dZ),
        "batch-mean",
        "In db: 5× too small",
    ),
    (
        "db keeps the batch axis",
        lambda dZ, A, W: (dZ @ A.T, dZ, W.T @ dZ),
        "broadcast",
        "you kept the batch axis",
    ),
    (
        "db summed over the units (axis 0)",
        lambda dZ, A, W: (dZ @ A.T, dZ.sum(0, keepdims=True), W.T @ dZ),
        "db axis",
        "summed over axis 0",
    ),
    (
        "factor of 2",
        lambda dZ, A, W: (2 * dZ @ A.T, dZ.sum(1, keepdims=True), W.T @ dZ),
        "factor",
        "factor of 2",
    ),
    ("NaN", first_nan(linear_backward), "nan", "NaN"),
    ("a list of two arrays", lambda dZ, A, W: [dZ @ A.T, W.T @ dZ], "structure", "dW, db, dA_prev"),
]
LINEAR_RAISES = [
    (
        "W not transposed in dA_prev",
        lambda dZ, A, W: (dZ @ A.T, dZ.sum(1, keepdims=True), W @ dZ),
        "matmul",
    ),
]


MSE_RIGHT = [
    ("the formula", lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.size),
    ("in place (y_hat -= y; y_hat *= 2 / y_hat.size)", mse_in_place),
    ("other order", lambda y_hat, y: -2.0 / y.size * (y - y_hat)),
    ("float32", lambda y_hat, y: (lambda a, b: 2 * (a - b) / a.size)(*f32(y_hat, y))),
    ("torch autograd", lambda y_hat, y: autograd(F.mse_loss, y_hat, y)),
]
MSE_WRONG = [
    ("wrong sign (y − ŷ)", lambda yh, y: 2 * (y - yh) / yh.size, "sign", "Wrong sign"),
    ("missing 1/N", lambda yh, y: 2 * (yh - y), "batch-mean", "mean over the batch is missing"),
    (
        "divided by the number of rows, not of elements",
        lambda yh, y: 2 * (yh - y) / yh.shape[0],
        "batch-mean",
        "Divide by n = 8",
    ),
    (
        "divided by the number of examples m, not of elements N",
        lambda yh, y: 2 * (yh - y) / yh.shape[1],
        "per example",
        "all N elements",
    ),
    ("factor of 2 (the 2 dropped)", lambda yh, y: (yh - y) / yh.size, "factor", "factor of 2"),
    ("transposed", lambda yh, y: (2 * (yh - y) / yh.size).T, "transposed", "transposed"),
    (
        "broadcast: targets as a column",
        lambda yh, y: 2 * (yh - y.reshape(-1, 1)) / yh.size,
        "broadcast",
        "broadcast",
    ),
    ("NaN", first_nan(losses.mse_gradient), "nan", "NaN"),
    ("no return", lambda yh, y: None, "none", "return"),
]


BCE_RIGHT = [
    ("the formula", lambda z, y: (sigmoid(z) - y) / z.size),
    ("in place, with e^800 overflowing harmlessly", bce_in_place),
    ("σ through tanh", lambda z, y: (0.5 * (1 + np.tanh(z / 2)) - y) / np.size(z)),
    ("float32", lambda z, y: (lambda z, y: (scipy.special.expit(z) - y) / z.size)(*f32(z, y))),
    ("torch autograd", lambda z, y: autograd(F.binary_cross_entropy_with_logits, z, y)),
]
BCE_WRONG = [
    ("wrong sign (y − σ(z))", lambda z, y: (y - sigmoid(z)) / z.size, "sign", "Wrong sign"),
    ("missing 1/N", lambda z, y: sigmoid(z) - y, "batch-mean", "mean over the batch is missing"),
    (
        "factor of 2 (the MSE habit)",
        lambda z, y: 2 * (sigmoid(z) - y) / z.size,
        "factor",
        "factor of 2",
    ),
    ("transposed", lambda z, y: ((sigmoid(z) - y) / z.size).T, "transposed", "transposed"),
    ("broadcast: y transposed", lambda z, y: (sigmoid(z) - y.T) / z.size, "broadcast", "broadcast"),
    (
        "∂L/∂p, not ∂L/∂z",
        lambda z, y: (sigmoid(z) - y) / (sigmoid(z) * (1 - sigmoid(z))) / z.size,
        "on p",
        "∂L/∂p",
    ),
    (
        "NaN: chain rule through p, which rounds to 1",
        lambda z, y: (
            (-y / naive_sigmoid(z) + (1 - y) / (1 - naive_sigmoid(z)))
            * naive_sigmoid(z)
            * (1 - naive_sigmoid(z))
            / z.size
        ),
        "nan",
        "NaN",
    ),
]


SOFTMAX_RIGHT = [
    (
        "the formula",
        lambda Z, Y: (np.exp(Z - Z.max(0)) / np.exp(Z - Z.max(0)).sum(0) - Y) / Z.shape[1],
    ),
    ("in place, stable", softmax_in_place),
    ("log-sum-exp", softmax_log_sum_exp),
    ("scipy softmax", lambda Z, Y: (scipy.special.softmax(Z, axis=0) - Y) / Z.shape[1]),
    ("float32", lambda Z, Y: softmax_in_place(*f32(Z, Y))),
    (
        "torch softmax over dim 0",
        lambda Z, Y: (torch.softmax(torch.from_numpy(Z), dim=0).numpy() - Y) / Z.shape[1],
    ),
    (
        "torch autograd, examples as rows",
        lambda Z, Y: autograd(lambda t, labels: F.cross_entropy(t.T, labels.argmax(0)), Z, Y),
    ),
]
SOFTMAX_WRONG = [
    ("wrong sign", lambda Z, Y: (Y - losses.softmax(Z)) / Z.shape[1], "sign", "Wrong sign"),
    (
        "missing 1/m",
        lambda Z, Y: losses.softmax(Z) - Y,
        "batch-mean",
        "mean over the batch is missing",
    ),
    ("factor of 2", lambda Z, Y: 2 * (losses.softmax(Z) - Y) / Z.shape[1], "factor", "factor of 2"),
    (
        "divided by K·m, the number of elements",
        lambda Z, Y: (losses.softmax(Z) - Y) / Z.size,
        "elements",
        "K·m",
    ),
    (
        "transposed",
        lambda Z, Y: ((losses.softmax(Z) - Y) / Z.shape[1]).T,
        "transposed",
        "transposed",
    ),
    (
        "softmax over the wrong axis (examples)",
        softmax_axis_1,
        "softmax axis",
        "along axis 1, across the examples",
    ),
    (
        "softmax over the wrong axis, torch dim=1",
        lambda Z, Y: (torch.softmax(torch.from_numpy(Z), dim=1).numpy() - Y) / Z.shape[1],
        "softmax axis",
        "examples are COLUMNS",
    ),
    (
        "NaN: no max subtracted before exp",
        lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True) - Y) / Z.shape[1],
        "nan",
        "NaN",
    ),
]
SOFTMAX_RAISES = [
    (
        "broadcast: sum over classes without keepdims",
        lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=1) - Y) / Z.shape[1],
        "broadcast",
    ),
]


SIGMOID_RIGHT = [
    ("the formula", lambda dA, Z: dA * sigmoid(Z) * (1 - sigmoid(Z))),
    ("in place (dA *= s * (1 - s))", sigmoid_in_place),
    (
        "1 / (1 + exp(−Z)), which only warns",
        lambda dA, Z: dA / (1 + np.exp(-Z)) * (1 - 1 / (1 + np.exp(-Z))),
    ),
    (
        "e^−Z / (1 + e^−Z)² rewritten stably",
        lambda dA, Z: dA * np.exp(-np.abs(Z)) / (1 + np.exp(-np.abs(Z))) ** 2,
    ),
    ("float32", lambda dA, Z: sigmoid_in_place(*f32(dA, Z))),
    (
        "torch autograd",
        lambda dA, Z: autograd(lambda z, g: (g * torch.sigmoid(z)).sum(), Z, dA),
    ),
]
SIGMOID_WRONG = [
    ("wrong sign", lambda dA, Z: dA * sigmoid(Z) * (sigmoid(Z) - 1), "sign", "Wrong sign"),
    ("factor of 2", lambda dA, Z: 2 * dA * sigmoid(Z) * (1 - sigmoid(Z)), "factor", "factor of 2"),
    ("dA forgotten", lambda dA, Z: sigmoid(Z) * (1 - sigmoid(Z)), "dA forgotten", "σ′(Z) alone"),
    ("Z(1 − Z) for σ′", lambda dA, Z: dA * Z * (1 - Z), "Z for σ(Z)", "Z(1 − Z)"),
    (
        "σ′ applied twice (in place, then again)",
        lambda dA, Z: sigmoid_in_place(dA, Z) * sigmoid(Z) * (1 - sigmoid(Z)),
        "σ′ twice",
        "twice",
    ),
    (
        "transposed",
        lambda dA, Z: (dA * sigmoid(Z) * (1 - sigmoid(Z))).T,
        "transposed",
        "transposed",
    ),
    (
        "broadcast: dA summed over the batch",
        lambda dA, Z: dA.sum(axis=1, keepdims=True) * sigmoid(Z) * (1 - sigmoid(Z)),
        "values",
        "relative error",
    ),
    (
        "NaN: e^Z/(1+e^Z) at Z = 800",
        lambda dA, Z: dA * naive_sigmoid(Z) * (1 - naive_sigmoid(Z)),
        "nan",
        "NaN",
    ),
]


RELU_RIGHT = [
    ("the formula", lambda dA, Z: dA * (Z > 0)),
    ("in place (dA[Z <= 0] = 0)", relu_in_place),
    ("np.where", lambda dA, Z: np.where(Z > 0, dA, 0.0)),
    ("np.heaviside with 0 at the kink", lambda dA, Z: dA * np.heaviside(Z, 0.0)),
    ("float32", lambda dA, Z: relu_in_place(*f32(dA, Z))),
]
RELU_WRONG = [
    ("wrong sign", lambda dA, Z: -dA * (Z > 0), "sign", "Wrong sign"),
    ("slope 1 at the kink (Z >= 0)", lambda dA, Z: dA * (Z >= 0), "kink", "Z >= 0"),
    ("mask taken from dA, not Z", lambda dA, Z: dA * (dA > 0), "mask from dA", "comes from dA"),
    ("dA forgotten", lambda dA, Z: (Z > 0).astype(float), "dA forgotten", "slope alone"),
    (
        "the forward pass, not the backward",
        lambda dA, Z: np.maximum(Z, 0),
        "values",
        "relative error",
    ),
    ("transposed", lambda dA, Z: (dA * (Z > 0)).T, "transposed", "transposed"),
    ("NaN: slope as (Z/|Z| + 1)/2", lambda dA, Z: dA * (Z / np.abs(Z) + 1) / 2, "nan", "NaN"),
]


test_linear_right_answers_pass = right_answers_pass(
    CHECKS["linear"], [named(label, fn) for label, fn in LINEAR_RIGHT]
)
test_linear_mistakes_are_named = wrong_answers_named(CHECKS["linear"], LINEAR_WRONG)
test_linear_stub_is_not_attempted = not_attempted(CHECKS["linear"])
test_mse_right_answers_pass = right_answers_pass(
    CHECKS["mse"], [named(label, fn) for label, fn in MSE_RIGHT]
)
test_mse_mistakes_are_named = wrong_answers_named(CHECKS["mse"], MSE_WRONG)
test_mse_stub_is_not_attempted = not_attempted(CHECKS["mse"])
test_bce_right_answers_pass = right_answers_pass(
    CHECKS["bce"], [named(label, fn) for label, fn in BCE_RIGHT]
)
test_bce_mistakes_are_named = wrong_answers_named(CHECKS["bce"], BCE_WRONG)
test_bce_stub_is_not_attempted = not_attempted(CHECKS["bce"])
test_softmax_right_answers_pass = right_answers_pass(
    CHECKS["softmax"], [named(label, fn) for label, fn in SOFTMAX_RIGHT]
)
test_softmax_mistakes_are_named = wrong_answers_named(CHECKS["softmax"], SOFTMAX_WRONG)
test_softmax_stub_is_not_attempted = not_attempted(CHECKS["softmax"])
test_sigmoid_right_answers_pass = right_answers_pass(
    CHECKS["sigmoid"], [named(label, fn) for label, fn in SIGMOID_RIGHT]
)
test_sigmoid_mistakes_are_named = wrong_answers_named(CHECKS["sigmoid"], SIGMOID_WRONG)
test_sigmoid_stub_is_not_attempted = not_attempted(CHECKS["sigmoid"])
test_relu_right_answers_pass = right_answers_pass(
    CHECKS["relu"], [named(label, fn) for label, fn in RELU_RIGHT]
)
test_relu_mistakes_are_named = wrong_answers_named(CHECKS["relu"], RELU_WRONG)
test_relu_stub_is_not_attempted = not_attempted(CHECKS["relu"])

# Where a catalogue item cannot occur, it is absent: the sigmoid and ReLU backward passes have
# no mean over the batch (so no "missing 1/n"); the linear layer's 1/m lives in dZ (so its mistake
# is an extra 1/m).
WRONG = {
    "linear": LINEAR_WRONG,
    "mse": MSE_WRONG,
    "bce": BCE_WRONG,
    "softmax": SOFTMAX_WRONG,
    "sigmoid": SIGMOID_WRONG,
    "relu": RELU_WRONG,
}


@pytest.mark.parametrize(
    "exercise, name, learner, phrase",
    [("linear", *row) for row in LINEAR_RAISES] + [("softmax", *row) for row in SOFTMAX_RAISES],
    ids=[row[0] for row in LINEAR_RAISES + SOFTMAX_RAISES],
)
def test_an_answer_that_raises_is_reported_with_its_error(exercise, name, learner, phrase):
    result = CHECKS[exercise](learner, strict=False)
    assert result.status == "error" and phrase in result.message, result.message


@pytest.mark.parametrize(
    "exercise, fn, argument",
    [
        ("mse", mse_in_place, "`y_hat`"),
        ("softmax", softmax_in_place, "`Z`"),
        ("sigmoid", sigmoid_in_place, "`dA`"),
        ("relu", relu_in_place, "`dA`"),
        ("bce", bce_in_place, "`z`"),
    ],
)
def test_in_place_answer_passes_with_a_note(exercise, fn, argument):
    result = CHECKS[exercise](fn, strict=False)
    assert result.passed and f"changed its input {argument} in place" in result.message, (
        result.message
    )


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_fallback_is_the_plain_reference(exercise):
    assert choose_implementation(CHECKS[exercise](stub, strict=False), stub) is REFERENCES[exercise]


def test_every_exercise_has_sign_and_nan_in_its_catalogue():
    for exercise, rows in WRONG.items():
        assert {"sign", "nan"} <= {row[2] for row in rows}, exercise


def test_every_named_mistake_is_in_the_catalogue():
    named_kinds = {
        mistake.kind
        for mistakes in (
            checks_04a.LINEAR_MISTAKES,
            checks_04a.MSE_MISTAKES,
            checks_04a.BCE_MISTAKES,
            checks_04a.SOFTMAX_MISTAKES,
            checks_04a.SIGMOID_MISTAKES,
            checks_04a.RELU_MISTAKES,
        )
        for mistake in mistakes
    }
    assert named_kinds <= {row[2] for rows in WRONG.values() for row in rows}


# ---- the answer key


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "exercise, learner, name",
    [
        ("mse", lambda y_hat, y: losses.mse_gradient(y_hat, y), "utils.losses.mse_gradient"),
        (
            "softmax",
            lambda Z, Y: losses.categorical_cross_entropy_gradient(Z, Y),
            "utils.losses.categorical_cross_entropy_gradient",
        ),
        (
            "sigmoid",
            lambda dA, Z: dA * ACTIVATIONS["sigmoid"].derivative(Z),
            "utils.activations.sigmoid_derivative",
        ),
        (
            "relu",
            lambda dA, Z: dA * ACTIVATIONS["relu"].derivative(Z),
            "utils.activations.relu_derivative",
        ),
    ],
)
def test_calling_the_reference_is_named_as_the_answer_key(exercise, learner, name):
    assert_answer_key(CHECKS[exercise](learner, strict=False), name)


@pytest.mark.answer_key_watch
def test_a_right_answer_is_not_mistaken_for_the_answer_key():
    # `sigmoid` itself is allowed: the exercise says to use it
    assert CHECKS["sigmoid"](sigmoid_in_place, strict=False).passed


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    per_example = lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.shape[1]  # noqa: E731
    result = CHECKS["mse"](per_example, strict=False)
    assert result.message.startswith("✗ 练习 4.2（MSE 的梯度）"), result.message
    assert result.verdict.kind == "per example"
    assert "你除以了 m，即样本数（列数）" in result.message and "y_hat.size" in result.message
