"""The gradient checker flags wrong gradients and passes right ones, including at saturation and
near kinks."""

import numpy as np
import pytest
import torch

from utils.activations import ACTIVATIONS
from utils.gradcheck import (
    autograd_gradients,
    compare_gradients,
    format_three_way,
    numerical_derivative,
    numerical_gradient,
    relative_error,
    three_way,
)

rng = np.random.default_rng(0)
ACTIVE = rng.uniform(-3.0, 3.0, size=50)  # where the derivatives are of order 1
ACTIVE = ACTIVE[
    np.abs(ACTIVE) > 1e-2
]  # and clear of ReLU's kink by far more than the step h = 1e-6


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding():
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=(4, 1))
    f = lambda v: (v.T @ A @ v).item()  # noqa: E731
    np.testing.assert_allclose(numerical_gradient(f, x.copy()), (A + A.T) @ x, rtol=1e-7)


def test_numerical_gradient_restores_its_input():
    x = rng.normal(size=(3, 2))
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_array_equal(x, before)


def test_relative_error_basics():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        relative_error(a, a[:2])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_right_derivative_passes_in_the_active_region(name):
    act = ACTIVATIONS[name]
    check = compare_gradients(act.derivative(ACTIVE), numerical_derivative(act.value, ACTIVE))
    assert check.passed and check.relative_error < 1e-8


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "silu"])
def test_right_derivative_passes_in_saturation(name):
    """Deep in saturation f′ is ~1e-13 or less; the difference quotient keeps no digits there, only
    the absolute tolerance (far above its round-off) makes the comparison fair."""
    act = ACTIVATIONS[name]
    x = np.array([-30.0, -15.0, 15.0, 30.0])
    assert compare_gradients(act.derivative(x), numerical_derivative(act.value, x)).passed


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_right_derivative_passes_just_beside_the_kink(name):
    act = ACTIVATIONS[name]
    x = np.array([-1e-3, 1e-3, -1e-4, 1e-4])  # 100× the step h away from the kink
    assert compare_gradients(act.derivative(x), numerical_derivative(act.value, x)).passed


def test_at_the_kink_itself_the_methods_disagree_honestly():
    relu = ACTIVATIONS["relu"]
    assert numerical_derivative(relu.value, np.array([0.0]))[0] == pytest.approx(0.5)
    assert not compare_gradients(
        relu.derivative(np.array([0.0])), numerical_derivative(relu.value, np.array([0.0]))
    ).passed


WRONG_DERIVATIVES = {
    "sigmoid with a wrong sign inside": lambda x: (
        ACTIVATIONS["sigmoid"].value(x) * (1 + ACTIVATIONS["sigmoid"].value(x))
    ),
    "tanh derivative missing the square": lambda x: 1 - np.tanh(x),
    "sigmoid derivative off by a factor of 2": lambda x: 2 * ACTIVATIONS["sigmoid"].derivative(x),
    "relu derivative of the wrong side": lambda x: (x < 0).astype(float),
    "gelu derivative without the x·φ(x) term": lambda x: ACTIVATIONS["gelu"].value(x) / x,
    "negated silu derivative": lambda x: -ACTIVATIONS["silu"].derivative(x),
}
TRUE_FUNCTION = {
    "sigmoid with a wrong sign inside": "sigmoid",
    "tanh derivative missing the square": "tanh",
    "sigmoid derivative off by a factor of 2": "sigmoid",
    "relu derivative of the wrong side": "relu",
    "gelu derivative without the x·φ(x) term": "gelu",
    "negated silu derivative": "silu",
}


@pytest.mark.parametrize("case", list(WRONG_DERIVATIVES))
def test_wrong_derivative_is_flagged(case):
    act = ACTIVATIONS[TRUE_FUNCTION[case]]
    check = compare_gradients(
        WRONG_DERIVATIVES[case](ACTIVE), numerical_derivative(act.value, ACTIVE)
    )
    assert not check.passed and check.relative_error > 1e-3


def test_a_wrong_matrix_gradient_is_flagged_and_a_right_one_passes():
    W, x = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    f = lambda v: float(np.sum(np.tanh(v @ x)))  # noqa: E731
    right = (1 - np.tanh(W @ x) ** 2) @ x.T
    numeric = numerical_gradient(f, W.copy())
    assert compare_gradients(right, numeric).passed
    assert not compare_gradients(right * 1.001, numeric).passed  # even a 0.1% error is caught
    assert not compare_gradients(right.T.reshape(3, 4), numeric).passed
    assert not compare_gradients(right[:, :3], numeric).passed  # wrong shape
    assert not compare_gradients(np.full_like(right, np.nan), numeric).passed


def test_autograd_gradients_match_hand_formulas_and_need_a_scalar():
    W, x = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    gW, gx = autograd_gradients(lambda W_, x_: torch.tanh(W_ @ x_).sum(), W, x)
    s = 1 - np.tanh(W @ x) ** 2
    np.testing.assert_allclose(gW, s @ x.T, rtol=1e-13)
    np.testing.assert_allclose(gx, W.T @ s, rtol=1e-13)
    assert gW.dtype == np.float64
    with pytest.raises(ValueError, match="scalar"):
        autograd_gradients(lambda W_: W_ * 2, W)


def test_three_way_and_its_table():
    g = rng.normal(size=5)
    good = three_way("good", g, g * (1 + 1e-10), g)
    bad = three_way("bad", g, -g, g)
    assert good.passed and not bad.passed
    assert bad.worst == pytest.approx(2.0)
    table = format_three_way([good, bad])
    assert "good" in table and "✓" in table and "✗" in table
