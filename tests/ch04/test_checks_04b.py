"""Notebook 04b's checks: alternative right answers pass (in place, einsum, float32, torch, another
order), an untouched stub is "not attempted", each catalogued wrong answer gets its diagnosis, and
the fallback is the plain reference.

Exercise 4.8 is given plain step functions, as a learner writes them; the check compares the step
each one takes.
"""

import numpy as np
import pytest
import scipy.special
import torch

from tests.checks.contract import (
    assert_answer_key,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from tests.ch04.answers import f32, naive_sigmoid, named, quiet
from utils.activations import sigmoid
from utils.ch04 import checks_04b
from utils.ch04.backprop import (
    PARAMETER_NAMES,
    gradient_descent_step,
    initial_parameters,
    net_backward,
)
from utils.ch04.checks_04b import step_taken
from utils.checks import choose_implementation


CHECKS = {
    "net": quiet(checks_04b.check_net_backward),
    "step": quiet(checks_04b.check_gradient_descent_step),
}
REFERENCES = {"net": net_backward, "step": gradient_descent_step}


# ---- right answers, written as different learners would, and the catalogue of wrong ones


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


NET_RIGHT = [
    ("the formulas", net_formulas),
    ("in place", net_in_place),
    ("einsum", net_einsum),
    ("float32", net_float32),
    ("σ through tanh", net_tanh),
    ("torch autograd", net_autograd),
]
NET_WRONG = [
    (
        "the guide's sign (y − ŷ)",
        lambda *a: _net_parts(*a, sign=-1.0),
        "sign",
        "In dW1: Wrong sign",
    ),
    ("missing 1/m", lambda *a: _net_parts(*a, mean=False), "batch-mean", "8× too large"),
    ("factor of 2 (the ½ dropped)", lambda *a: _net_parts(*a, half=False), "factor", "factor of 2"),
    (
        "dW2 transposed",
        lambda *a: _net_parts(*a, transpose_dW2=True),
        "transposed",
        "In dW2: Your answer is transposed",
    ),
    ("db1 keeps the batch axis", lambda *a: _net_parts(*a, sum_db1=False), "broadcast", "In db1"),
    (
        "the guide's §4.2: output layer only",
        lambda x, y, W1, b1, W2, b2: (
            np.zeros_like(W1),
            np.zeros_like(b1),
            *_net_parts(x, y, W1, b1, W2, b2)[2:],
        ),
        "output layer only",
        "stops at the output layer",
    ),
    (
        "σ′ missing in the hidden layer",
        lambda *a: _net_hidden(*a, slope=lambda Z1, A1: 1.0),
        "no σ′",
        "derivative is missing",
    ),
    (
        "σ′ taken as Z1(1 − Z1)",
        lambda *a: _net_hidden(*a, slope=lambda Z1, A1: Z1 * (1 - Z1)),
        "σ′ of Z",
        "Z1(1 − Z1)",
    ),
    (
        "NaN: naive sigmoid on saturated inputs",
        lambda *a: _net_parts(*a, sig=naive_sigmoid),
        "nan",
        "NaN",
    ),
]


STEP_RIGHT = [
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
]
STEP_WRONG = [
    (
        "ascent: θ + lr·g",
        lambda p, g, lr: {k: p[k] + lr * g[k] for k in p},
        "sign",
        "In W1 step: Wrong sign",
    ),
    (
        "factor of 2 in the step",
        lambda p, g, lr: {k: p[k] - 2 * lr * g[k] for k in p},
        "factor",
        "factor of 2",
    ),
    (
        "learning rate forgotten",
        lambda p, g, lr: {k: p[k] - g[k] for k in p},
        "lr forgotten",
        "ignores the learning rate",
    ),
    (
        "broadcast: squeezed bias gradient",
        lambda p, g, lr: {k: p[k] - lr * np.squeeze(g[k]) for k in p},
        "broadcast",
        "In b1 step",
    ),
    (
        "a key missing",
        lambda p, g, lr: {k: p[k] - lr * g[k] for k in ("W1", "W2")},
        "structure",
        'yours has no "b1", "b2"',
    ),
    (
        "a tuple returned",
        lambda p, g, lr: tuple(p[k] - lr * g[k] for k in p),
        "structure",
        "returned a tuple",
    ),
    ("the gradients returned", lambda p, g, lr: g, "values", "In W1 step"),
    (
        "NaN",
        lambda p, g, lr: {k: p[k] - lr * (g[k] * np.nan if k == "W1" else g[k]) for k in p},
        "nan",
        "NaN",
    ),
]
STEP_RAISES = [
    (
        "gradient transposed",
        lambda p, g, lr: {k: p[k] - lr * g[k].T for k in p},
        "could not be broadcast",
    ),
]


test_net_right_answers_pass = right_answers_pass(
    CHECKS["net"], [named(label, fn) for label, fn in NET_RIGHT]
)
test_net_mistakes_are_named = wrong_answers_named(CHECKS["net"], NET_WRONG)
test_net_stub_is_not_attempted = not_attempted(CHECKS["net"])
test_step_right_answers_pass = right_answers_pass(
    CHECKS["step"], [named(label, fn) for label, fn in STEP_RIGHT]
)
test_step_mistakes_are_named = wrong_answers_named(CHECKS["step"], STEP_WRONG)
test_step_stub_is_not_attempted = not_attempted(CHECKS["step"])

# The step has no mean over the batch, so no "missing 1/n" in its catalogue.
WRONG = {"net": NET_WRONG, "step": STEP_WRONG}


@pytest.mark.parametrize("name, learner, phrase", STEP_RAISES, ids=[row[0] for row in STEP_RAISES])
def test_a_step_that_raises_is_reported_with_its_error(name, learner, phrase):
    result = CHECKS["step"](learner, strict=False)
    assert result.status == "error" and phrase in result.message, result.message


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_fallback_is_the_plain_reference(exercise):
    assert choose_implementation(CHECKS[exercise](stub, strict=False), stub) is REFERENCES[exercise]


def test_every_exercise_has_sign_and_nan_in_its_catalogue():
    for exercise, rows in WRONG.items():
        assert {"sign", "nan"} <= {row[2] for row in rows}, exercise


def test_every_named_mistake_is_in_the_catalogue():
    named_kinds = {m.kind for m in (*checks_04b.NET_MISTAKES, *checks_04b.STEP_MISTAKES)}
    assert named_kinds <= {row[2] for rows in WRONG.values() for row in rows}


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


def test_the_notebooks_example_replaces_only_the_first_case():
    """The later cases do not depend on whether the notebook passes its own example."""
    rng = np.random.default_rng(6)
    params = initial_parameters(rng)
    x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))
    alone, with_example = checks_04b._net_cases(), checks_04b._net_cases(x, y, params)
    for a, b in zip(alone[1:], with_example[1:]):
        assert all(np.array_equal(u, v) for u, v in zip(a.args, b.args))


# ---- the answer key


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "exercise, learner, name",
    [
        ("net", lambda *a: net_backward(*a), "utils.ch04.backprop.net_backward"),
        (
            "step",
            lambda p, g, lr: gradient_descent_step(p, g, lr),
            "utils.ch04.backprop.gradient_descent_step",
        ),
    ],
)
def test_calling_the_reference_is_named_as_the_answer_key(exercise, learner, name):
    assert_answer_key(CHECKS[exercise](learner, strict=False), name)


@pytest.mark.answer_key_watch
def test_a_right_step_is_not_mistaken_for_the_answer_key():
    assert CHECKS["step"](step_in_place, strict=False).passed


# ---- the step helper


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
    not_a_dict = step_taken(lambda p, g, lr: list(p.values()), params, grads, 0.5)
    assert not_a_dict == checks_04b.NotADict("list")


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    from tests.checks.contract import assert_named

    monkeypatch.setenv("COURSE_LANG", "zh")
    no_lr = lambda params, grads, lr: {k: params[k] - grads[k] for k in params}  # noqa: E731
    result = CHECKS["step"](no_lr, strict=False)
    assert_named(result, "lr forgotten", "你的这一步忽略了学习率")
    assert result.message.startswith("✗ 练习 4.8（一步梯度下降）"), result.message
    missing = checks_04b.compare_steps((None, None, None, None), None)
    assert "你的字典里没有" in missing.message, missing.message
