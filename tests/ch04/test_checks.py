"""Chapter 4's checks: alternative right answers pass (in place, einsum, float32, torch, another
order), an untouched stub is "not attempted", each catalogued wrong answer gets its diagnosis, and
the fallback is the plain reference.

Exercise 4.8 is given plain step functions, as a learner writes them; the check compares the step
each one takes.
"""

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

from utils import losses
from utils.activations import ACTIVATIONS, sigmoid
from utils.ch04.backprop import (
    PARAMETER_NAMES,
    gradient_descent_step,
    initial_parameters,
    linear_backward,
    net_backward,
    relu_backward,
    sigmoid_backward,
)
from utils.checks import choose_implementation
from utils.ch04 import checks_04a
from utils.ch04 import checks_04b
from utils.ch04.checks_04b import step_taken

CHECKS = {
    "linear": checks_04a.check_linear_backward,
    "mse": checks_04a.check_mse_gradient,
    "bce": checks_04a.check_bce_logit_gradient,
    "softmax": checks_04a.check_softmax_ce_gradient,
    "sigmoid": checks_04a.check_sigmoid_backward,
    "relu": checks_04a.check_relu_backward,
    "net": checks_04b.check_net_backward,
    "step": checks_04b.check_gradient_descent_step,
}
REFERENCES = {
    "linear": linear_backward,
    "mse": losses.mse_gradient,
    "bce": losses.bce_logit_gradient,
    "softmax": losses.categorical_cross_entropy_gradient,
    "sigmoid": sigmoid_backward,
    "relu": relu_backward,
    "net": net_backward,
    "step": gradient_descent_step,
}


def run(exercise, learner):
    with np.errstate(all="ignore"):
        return CHECKS[exercise](learner, strict=False)


def stub(*args):
    raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")


def naive_sigmoid(Z):
    return np.exp(Z) / (1.0 + np.exp(Z))  # inf/inf = NaN for large Z


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


def f32(*arrays):
    return tuple(np.asarray(a, dtype=np.float32) for a in arrays)


def autograd(torch_loss, *arrays, wrt=0):
    """∂ torch_loss(*tensors) / ∂ arrays[wrt] by autograd, in float64."""
    tensors = [
        torch.tensor(a, dtype=torch.float64, requires_grad=(i == wrt)) for i, a in enumerate(arrays)
    ]
    torch_loss(*tensors).backward()
    return tensors[wrt].grad.numpy()


# ---- right answers, written as different learners would
# ---------------------------------------------------------


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


def net_formulas(x, y, W1, b1, W2, b2):
    A1 = sigmoid(W1 @ x + b1)
    d = (W2 @ A1 + b2 - y) / x.shape[1]
    dZ1 = (W2.T @ d) * A1 * (1 - A1)
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), d @ A1.T, d.sum(axis=1, keepdims=True)


def net_in_place(x, y, W1, b1, W2, b2):
    m = x.shape[1]
    A1 = sigmoid(W1 @ x + b1)
    d = W2 @ A1
    d += b2
    d -= y
    d /= m
    dZ1 = W2.T @ d
    dZ1 *= A1 * (1 - A1)
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), d @ A1.T, d.sum(axis=1, keepdims=True)


def net_einsum(x, y, W1, b1, W2, b2):
    A1 = sigmoid(np.einsum("ij,jm->im", W1, x) + b1)
    d = (np.einsum("ij,jm->im", W2, A1) + b2 - y) / x.shape[1]
    dZ1 = np.einsum("ji,jm->im", W2, d) * A1 * (1 - A1)
    return (
        np.einsum("im,jm->ij", dZ1, x),
        dZ1.sum(axis=1, keepdims=True),
        np.einsum("im,jm->ij", d, A1),
        d.sum(axis=1, keepdims=True),
    )


def net_float32(x, y, W1, b1, W2, b2):
    x, y, W1, b1, W2, b2 = f32(x, y, W1, b1, W2, b2)
    A1 = scipy.special.expit(W1 @ x + b1)  # float32 in, float32 out
    d = (W2 @ A1 + b2 - y) / x.shape[1]
    dZ1 = (W2.T @ d) * A1 * (1 - A1)
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), d @ A1.T, d.sum(axis=1, keepdims=True)


def net_tanh(x, y, W1, b1, W2, b2):
    A1 = 0.5 * (1 + np.tanh(0.5 * (W1 @ x + b1)))  # σ(z) = (1 + tanh(z/2)) / 2
    d = (W2 @ A1 + b2 - y) / x.shape[1]
    dZ1 = (W2.T @ d) * A1 * (1 - A1)
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), d @ A1.T, d.sum(axis=1, keepdims=True)


def net_autograd(x, y, W1, b1, W2, b2):
    tensors = [torch.tensor(p, requires_grad=True) for p in (W1, b1, W2, b2)]
    A1 = torch.sigmoid(tensors[0] @ torch.from_numpy(x) + tensors[1])
    loss = 0.5 * ((tensors[2] @ A1 + tensors[3] - torch.from_numpy(y)) ** 2).sum() / x.shape[1]
    loss.backward()
    return tuple(t.grad for t in tensors)


def step_in_place(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return params


RIGHT = {
    "linear": [
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
    ],
    "mse": [
        ("the formula", lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.size),
        ("in place (y_hat -= y; y_hat *= 2 / y_hat.size)", mse_in_place),
        ("other order", lambda y_hat, y: -2.0 / y.size * (y - y_hat)),
        ("float32", lambda y_hat, y: (lambda a, b: 2 * (a - b) / a.size)(*f32(y_hat, y))),
        ("torch autograd", lambda y_hat, y: autograd(F.mse_loss, y_hat, y)),
    ],
    "bce": [
        ("the formula", lambda z, y: (sigmoid(z) - y) / z.size),
        ("in place, with e^800 overflowing harmlessly", bce_in_place),
        ("σ through tanh", lambda z, y: (0.5 * (1 + np.tanh(z / 2)) - y) / np.size(z)),
        ("float32", lambda z, y: (lambda z, y: (scipy.special.expit(z) - y) / z.size)(*f32(z, y))),
        ("torch autograd", lambda z, y: autograd(F.binary_cross_entropy_with_logits, z, y)),
    ],
    "softmax": [
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
    ],
    "sigmoid": [
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
    ],
    "relu": [
        ("the formula", lambda dA, Z: dA * (Z > 0)),
        ("in place (dA[Z <= 0] = 0)", relu_in_place),
        ("np.where", lambda dA, Z: np.where(Z > 0, dA, 0.0)),
        ("np.heaviside with 0 at the kink", lambda dA, Z: dA * np.heaviside(Z, 0.0)),
        ("float32", lambda dA, Z: relu_in_place(*f32(dA, Z))),
    ],
    "net": [
        ("the formulas", net_formulas),
        ("in place", net_in_place),
        ("einsum", net_einsum),
        ("float32", net_float32),
        ("σ through tanh", net_tanh),
        ("torch autograd", net_autograd),
    ],
    "step": [
        ("dict comprehension", lambda p, g, lr: {k: p[k] - lr * g[k] for k in p}),
        ("in place, returning the same dict", step_in_place),
        ("other order", lambda p, g, lr: {k: -lr * g[k] + p[k] for k in g}),
        (
            "float32",
            lambda p, g, lr: {
                k: p[k].astype(np.float32) - np.float32(lr) * g[k].astype(np.float32) for k in p
            },
        ),
        (
            "torch tensors",
            lambda p, g, lr: {
                k: torch.from_numpy(p[k]).sub(torch.from_numpy(g[k]), alpha=lr) for k in p
            },
        ),
    ],
}


@pytest.mark.parametrize(
    "exercise, name, fn",
    [(e, n, f) for e, answers in RIGHT.items() for n, f in answers],
    ids=[f"{e}: {n}" for e, answers in RIGHT.items() for n, _ in answers],
)
def test_right_answer_passes(exercise, name, fn):
    result = run(exercise, fn)
    assert result.passed, result.message
    assert result.message.startswith("✓")


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
    result = run(exercise, fn)
    assert result.passed and f"changed its input {argument} in place" in result.message, (
        result.message
    )


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_untouched_stub_is_not_attempted(exercise):
    result = run(exercise, stub)
    assert result.status == "not attempted"
    assert "not attempted yet" in result.message


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_fallback_is_the_plain_reference(exercise):
    assert choose_implementation(run(exercise, stub), stub) is REFERENCES[exercise]


def test_the_notebooks_own_example_is_the_first_case():
    rng = np.random.default_rng(5)
    params = initial_parameters(rng)
    x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))
    result = checks_04b.check_net_backward(
        lambda *a: tuple(-g for g in net_backward(*a)), x, y, params, strict=False
    )
    assert "test case 1 (the single example above)" in result.message
    grads = dict(zip(PARAMETER_NAMES, net_backward(x, y, **params)))
    result = checks_04b.check_gradient_descent_step(
        lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}, params, grads, strict=False
    )
    assert "test case 1 (the gradients above, lr = 0.1)" in result.message


# ---- the catalogue of wrong answers
# -----------------------------------------------------------------------------


def _net_parts(
    x,
    y,
    W1,
    b1,
    W2,
    b2,
    *,
    sign=1.0,
    mean=True,
    half=True,
    sig=sigmoid,
    transpose_dW2=False,
    sum_db1=True,
):
    m = x.shape[1]
    A1 = sig(W1 @ x + b1)
    d = sign * (W2 @ A1 + b2 - y) * (1.0 / m if mean else 1.0) * (1.0 if half else 2.0)
    dW2 = A1 @ d.T if transpose_dW2 else d @ A1.T
    dZ1 = (W2.T @ d) * A1 * (1 - A1)
    db1 = dZ1.sum(axis=1, keepdims=True) if sum_db1 else dZ1
    return dZ1 @ x.T, db1, dW2, d.sum(axis=1, keepdims=True)


def _net_hidden(x, y, W1, b1, W2, b2, slope):
    Z1 = W1 @ x + b1
    A1 = sigmoid(Z1)
    d = (W2 @ A1 + b2 - y) / x.shape[1]
    dZ1 = (W2.T @ d) * slope(Z1, A1)
    return dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), d @ A1.T, d.sum(axis=1, keepdims=True)


def softmax_axis_1(Z, Y):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return (np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True) - Y) / Z.shape[1]


CATALOGUE = [
    # exercise, wrong answer, learner function, status, kind, phrase
    (
        "linear",
        "wrong sign",
        lambda dZ, A, W: tuple(-g for g in linear_backward(dZ, A, W)),
        "failed",
        "sign",
        "In dW: Wrong sign",
    ),
    (
        "linear",
        "dW transposed (A_prev·dZᵀ)",
        lambda dZ, A, W: (A @ dZ.T, dZ.sum(1, keepdims=True), W.T @ dZ),
        "failed",
        "transposed",
        "In dW: Your answer is transposed",
    ),
    (
        "linear",
        "W not transposed in dA_prev",
        lambda dZ, A, W: (dZ @ A.T, dZ.sum(1, keepdims=True), W @ dZ),
        "error",
        None,
        "matmul",
    ),
    (
        "linear",
        "an extra 1/m on dW (the mean is already in dZ)",
        lambda dZ, A, W: (dZ @ A.T / dZ.shape[1], dZ.sum(1, keepdims=True), W.T @ dZ),
        "failed",
        "batch-mean",
        "divided by n once too often",
    ),
    (
        "linear",
        "db as a mean, not a sum",
        lambda dZ, A, W: (dZ @ A.T, dZ.mean(1, keepdims=True), W.T @ dZ),
        "failed",
        "batch-mean",
        "In db: 5× too small",
    ),
    (
        "linear",
        "db keeps the batch axis",
        lambda dZ, A, W: (dZ @ A.T, dZ, W.T @ dZ),
        "failed",
        "broadcast",
        "you kept the batch axis",
    ),
    (
        "linear",
        "db summed over the units (axis 0)",
        lambda dZ, A, W: (dZ @ A.T, dZ.sum(0, keepdims=True), W.T @ dZ),
        "failed",
        "db axis",
        "summed over axis 0",
    ),
    (
        "linear",
        "factor of 2",
        lambda dZ, A, W: (2 * dZ @ A.T, dZ.sum(1, keepdims=True), W.T @ dZ),
        "failed",
        "factor",
        "factor of 2",
    ),
    ("linear", "NaN", first_nan(linear_backward), "failed", "nan", "NaN"),
    (
        "linear",
        "a list of two arrays",
        lambda dZ, A, W: [dZ @ A.T, W.T @ dZ],
        "failed",
        "structure",
        "dW, db, dA_prev",
    ),
    (
        "mse",
        "wrong sign (y − ŷ)",
        lambda yh, y: 2 * (y - yh) / yh.size,
        "failed",
        "sign",
        "Wrong sign",
    ),
    (
        "mse",
        "missing 1/N",
        lambda yh, y: 2 * (yh - y),
        "failed",
        "batch-mean",
        "mean over the batch is missing",
    ),
    (
        "mse",
        "divided by the number of rows, not of elements",
        lambda yh, y: 2 * (yh - y) / yh.shape[0],
        "failed",
        "batch-mean",
        "Divide by n = 8",
    ),
    (
        "mse",
        "divided by the number of examples m, not of elements N",
        lambda yh, y: 2 * (yh - y) / yh.shape[1],
        "failed",
        "per example",
        "all N elements",
    ),
    (
        "mse",
        "factor of 2 (the 2 dropped)",
        lambda yh, y: (yh - y) / yh.size,
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "mse",
        "transposed",
        lambda yh, y: (2 * (yh - y) / yh.size).T,
        "failed",
        "transposed",
        "transposed",
    ),
    (
        "mse",
        "broadcast: targets as a column",
        lambda yh, y: 2 * (yh - y.reshape(-1, 1)) / yh.size,
        "failed",
        "broadcast",
        "broadcast",
    ),
    ("mse", "NaN", first_nan(losses.mse_gradient), "failed", "nan", "NaN"),
    ("mse", "no return", lambda yh, y: None, "failed", "none", "return"),
    (
        "bce",
        "wrong sign (y − σ(z))",
        lambda z, y: (y - sigmoid(z)) / z.size,
        "failed",
        "sign",
        "Wrong sign",
    ),
    (
        "bce",
        "missing 1/N",
        lambda z, y: sigmoid(z) - y,
        "failed",
        "batch-mean",
        "mean over the batch is missing",
    ),
    (
        "bce",
        "factor of 2 (the MSE habit)",
        lambda z, y: 2 * (sigmoid(z) - y) / z.size,
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "bce",
        "transposed",
        lambda z, y: ((sigmoid(z) - y) / z.size).T,
        "failed",
        "transposed",
        "transposed",
    ),
    (
        "bce",
        "broadcast: y transposed",
        lambda z, y: (sigmoid(z) - y.T) / z.size,
        "failed",
        "broadcast",
        "broadcast",
    ),
    (
        "bce",
        "∂L/∂p, not ∂L/∂z",
        lambda z, y: (sigmoid(z) - y) / (sigmoid(z) * (1 - sigmoid(z))) / z.size,
        "failed",
        "on p",
        "∂L/∂p",
    ),
    (
        "bce",
        "NaN: chain rule through p, which rounds to 1",
        lambda z, y: (
            (-y / naive_sigmoid(z) + (1 - y) / (1 - naive_sigmoid(z)))
            * naive_sigmoid(z)
            * (1 - naive_sigmoid(z))
            / z.size
        ),
        "failed",
        "nan",
        "NaN",
    ),
    (
        "softmax",
        "wrong sign",
        lambda Z, Y: (Y - losses.softmax(Z)) / Z.shape[1],
        "failed",
        "sign",
        "Wrong sign",
    ),
    (
        "softmax",
        "missing 1/m",
        lambda Z, Y: losses.softmax(Z) - Y,
        "failed",
        "batch-mean",
        "mean over the batch is missing",
    ),
    (
        "softmax",
        "factor of 2",
        lambda Z, Y: 2 * (losses.softmax(Z) - Y) / Z.shape[1],
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "softmax",
        "divided by K·m, the number of elements",
        lambda Z, Y: (losses.softmax(Z) - Y) / Z.size,
        "failed",
        "elements",
        "K·m",
    ),
    (
        "softmax",
        "transposed",
        lambda Z, Y: ((losses.softmax(Z) - Y) / Z.shape[1]).T,
        "failed",
        "transposed",
        "transposed",
    ),
    (
        "softmax",
        "softmax over the wrong axis (examples)",
        softmax_axis_1,
        "failed",
        "softmax axis",
        "along axis 1, across the examples",
    ),
    (
        "softmax",
        "softmax over the wrong axis, torch dim=1",
        lambda Z, Y: (torch.softmax(torch.from_numpy(Z), dim=1).numpy() - Y) / Z.shape[1],
        "failed",
        "softmax axis",
        "examples are COLUMNS",
    ),
    (
        "softmax",
        "broadcast: sum over classes without keepdims",
        lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=1) - Y) / Z.shape[1],
        "error",
        None,
        "broadcast",
    ),
    (
        "softmax",
        "NaN: no max subtracted before exp",
        lambda Z, Y: (np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True) - Y) / Z.shape[1],
        "failed",
        "nan",
        "NaN",
    ),
    (
        "sigmoid",
        "wrong sign",
        lambda dA, Z: dA * sigmoid(Z) * (sigmoid(Z) - 1),
        "failed",
        "sign",
        "Wrong sign",
    ),
    (
        "sigmoid",
        "factor of 2",
        lambda dA, Z: 2 * dA * sigmoid(Z) * (1 - sigmoid(Z)),
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "sigmoid",
        "dA forgotten",
        lambda dA, Z: sigmoid(Z) * (1 - sigmoid(Z)),
        "failed",
        "dA forgotten",
        "σ′(Z) alone",
    ),
    (
        "sigmoid",
        "Z(1 − Z) for σ′",
        lambda dA, Z: dA * Z * (1 - Z),
        "failed",
        "Z for σ(Z)",
        "Z(1 − Z)",
    ),
    (
        "sigmoid",
        "σ′ applied twice (in place, then again)",
        lambda dA, Z: sigmoid_in_place(dA, Z) * sigmoid(Z) * (1 - sigmoid(Z)),
        "failed",
        "σ′ twice",
        "twice",
    ),
    (
        "sigmoid",
        "transposed",
        lambda dA, Z: (dA * sigmoid(Z) * (1 - sigmoid(Z))).T,
        "failed",
        "transposed",
        "transposed",
    ),
    (
        "sigmoid",
        "broadcast: dA summed over the batch",
        lambda dA, Z: dA.sum(axis=1, keepdims=True) * sigmoid(Z) * (1 - sigmoid(Z)),
        "failed",
        "values",
        "relative error",
    ),
    (
        "sigmoid",
        "NaN: e^Z/(1+e^Z) at Z = 800",
        lambda dA, Z: dA * naive_sigmoid(Z) * (1 - naive_sigmoid(Z)),
        "failed",
        "nan",
        "NaN",
    ),
    ("relu", "wrong sign", lambda dA, Z: -dA * (Z > 0), "failed", "sign", "Wrong sign"),
    (
        "relu",
        "slope 1 at the kink (Z >= 0)",
        lambda dA, Z: dA * (Z >= 0),
        "failed",
        "kink",
        "Z >= 0",
    ),
    (
        "relu",
        "mask taken from dA, not Z",
        lambda dA, Z: dA * (dA > 0),
        "failed",
        "mask from dA",
        "comes from dA",
    ),
    (
        "relu",
        "dA forgotten",
        lambda dA, Z: (Z > 0).astype(float),
        "failed",
        "dA forgotten",
        "slope alone",
    ),
    (
        "relu",
        "the forward pass, not the backward",
        lambda dA, Z: np.maximum(Z, 0),
        "failed",
        "values",
        "relative error",
    ),
    ("relu", "transposed", lambda dA, Z: (dA * (Z > 0)).T, "failed", "transposed", "transposed"),
    (
        "relu",
        "NaN: slope as (Z/|Z| + 1)/2",
        lambda dA, Z: dA * (Z / np.abs(Z) + 1) / 2,
        "failed",
        "nan",
        "NaN",
    ),
    (
        "net",
        "the guide's sign (y − ŷ)",
        lambda *a: _net_parts(*a, sign=-1.0),
        "failed",
        "sign",
        "In dW1: Wrong sign",
    ),
    (
        "net",
        "missing 1/m",
        lambda *a: _net_parts(*a, mean=False),
        "failed",
        "batch-mean",
        "8× too large",
    ),
    (
        "net",
        "factor of 2 (the ½ dropped)",
        lambda *a: _net_parts(*a, half=False),
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "net",
        "dW2 transposed",
        lambda *a: _net_parts(*a, transpose_dW2=True),
        "failed",
        "transposed",
        "In dW2: Your answer is transposed",
    ),
    (
        "net",
        "db1 keeps the batch axis",
        lambda *a: _net_parts(*a, sum_db1=False),
        "failed",
        "broadcast",
        "In db1",
    ),
    (
        "net",
        "the guide's §4.2: output layer only",
        lambda x, y, W1, b1, W2, b2: (
            np.zeros_like(W1),
            np.zeros_like(b1),
            *_net_parts(x, y, W1, b1, W2, b2)[2:],
        ),
        "failed",
        "output layer only",
        "stops at the output layer",
    ),
    (
        "net",
        "σ′ missing in the hidden layer",
        lambda *a: _net_hidden(*a, slope=lambda Z1, A1: 1.0),
        "failed",
        "no σ′",
        "derivative is missing",
    ),
    (
        "net",
        "σ′ taken as Z1(1 − Z1)",
        lambda *a: _net_hidden(*a, slope=lambda Z1, A1: Z1 * (1 - Z1)),
        "failed",
        "σ′ of Z",
        "Z1(1 − Z1)",
    ),
    (
        "net",
        "NaN: naive sigmoid on saturated inputs",
        lambda *a: _net_parts(*a, sig=naive_sigmoid),
        "failed",
        "nan",
        "NaN",
    ),
    (
        "step",
        "ascent: θ + lr·g",
        lambda p, g, lr: {k: p[k] + lr * g[k] for k in p},
        "failed",
        "sign",
        "In W1 step: Wrong sign",
    ),
    (
        "step",
        "factor of 2 in the step",
        lambda p, g, lr: {k: p[k] - 2 * lr * g[k] for k in p},
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "step",
        "learning rate forgotten",
        lambda p, g, lr: {k: p[k] - g[k] for k in p},
        "failed",
        "lr forgotten",
        "ignores the learning rate",
    ),
    (
        "step",
        "broadcast: squeezed bias gradient",
        lambda p, g, lr: {k: p[k] - lr * np.squeeze(g[k]) for k in p},
        "failed",
        "broadcast",
        "In b1 step",
    ),
    (
        "step",
        "gradient transposed",
        lambda p, g, lr: {k: p[k] - lr * g[k].T for k in p},
        "error",
        None,
        "could not be broadcast",
    ),
    (
        "step",
        "a key missing",
        lambda p, g, lr: {k: p[k] - lr * g[k] for k in ("W1", "W2")},
        "failed",
        "structure",
        'yours has no "b1", "b2"',
    ),
    (
        "step",
        "a tuple returned",
        lambda p, g, lr: tuple(p[k] - lr * g[k] for k in p),
        "failed",
        "structure",
        "returned a tuple",
    ),
    ("step", "the gradients returned", lambda p, g, lr: g, "failed", "values", "In W1 step"),
    (
        "step",
        "NaN",
        lambda p, g, lr: {k: p[k] - lr * (g[k] * np.nan if k == "W1" else g[k]) for k in p},
        "failed",
        "nan",
        "NaN",
    ),
]
# Where a catalogue item cannot occur, it is absent: the sigmoid and ReLU backward passes and the
# step have
# no mean over the batch (so no "missing 1/n"); the linear layer's 1/m lives in dZ (so its mistake
# is an extra 1/m).


@pytest.mark.parametrize(
    "exercise, name, learner, status, kind, phrase",
    CATALOGUE,
    ids=[f"{c[0]}: {c[1]}" for c in CATALOGUE],
)
def test_catalogued_wrong_answer_is_named(exercise, name, learner, status, kind, phrase):
    result = run(exercise, learner)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message, result.message
    assert result.message.startswith("✗")


def test_every_exercise_has_sign_and_nan_in_its_catalogue():
    for exercise in CHECKS:
        kinds = {c[4] for c in CATALOGUE if c[0] == exercise}
        assert {"sign", "nan"} <= kinds, exercise


def test_every_named_mistake_is_in_the_catalogue():
    named = {
        kind
        for mistakes in (
            checks_04a.LINEAR_MISTAKES,
            checks_04a.MSE_MISTAKES,
            checks_04a.BCE_MISTAKES,
            checks_04a.SOFTMAX_MISTAKES,
            checks_04a.SIGMOID_MISTAKES,
            checks_04a.RELU_MISTAKES,
            checks_04b.NET_MISTAKES,
            checks_04b.STEP_MISTAKES,
        )
        for kind, _, _ in mistakes
    }
    assert named <= {c[4] for c in CATALOGUE}


# ---- the answer key
# ------------------------------------------------------------------------------------------------


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
        ("net", lambda *a: net_backward(*a), "utils.ch04.backprop.net_backward"),
        (
            "step",
            lambda p, g, lr: gradient_descent_step(p, g, lr),
            "utils.ch04.backprop.gradient_descent_step",
        ),
    ],
)
def test_calling_the_reference_is_named_as_the_answer_key(exercise, learner, name):
    result = run(exercise, learner)
    assert (
        result.status == "failed"
        and name in result.message
        and "reference answer" in result.message
    ), result.message


@pytest.mark.answer_key_watch
def test_a_right_answer_is_not_mistaken_for_the_answer_key():
    assert run("step", step_in_place).passed
    assert run(
        "sigmoid", sigmoid_in_place
    ).passed  # `sigmoid` itself is allowed: the exercise says to use it


# ---- the step helper
# -------------------------------------------------------------------------------------------------


def test_step_taken_reports_new_minus_old_and_protects_the_inputs():
    params = initial_parameters(np.random.default_rng(0))
    grads = {k: np.ones_like(v) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    steps = step_taken(step_in_place, params, grads, 0.5)
    assert len(steps) == 4
    for step, name in zip(steps, PARAMETER_NAMES):
        np.testing.assert_allclose(step, -0.5 * np.ones_like(params[name]))
        np.testing.assert_array_equal(params[name], before[name])
    assert step_taken(lambda p, g, lr: None, params, grads, 0.5) is None
    assert step_taken(lambda p, g, lr: list(p.values()), params, grads, 0.5) == checks_04b.NotADict(
        "list"
    )


def test_the_notebooks_example_replaces_only_the_first_case():
    """The later cases do not depend on whether the notebook passes its own example."""
    rng = np.random.default_rng(6)
    params = initial_parameters(rng)
    x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))
    alone, with_example = checks_04b._net_cases(), checks_04b._net_cases(x, y, params)
    for a, b in zip(alone[1:], with_example[1:]):
        assert all(np.array_equal(u, v) for u, v in zip(a.args, b.args))
