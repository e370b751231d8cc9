"""Each activation's NumPy value and derivative agree with torch (value, and autograd for the
derivative)."""

import numpy as np
import pytest
import torch

from utils.activations import ACTIVATIONS, LEAKY_SLOPE

X = np.concatenate([np.linspace(-8, 8, 161), [-40.0, -20.0, 20.0, 40.0]])
X = X[np.abs(X) > 1e-3]  # away from the kinks at 0, where a derivative does not exist


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_value_matches_torch(name):
    act = ACTIVATIONS[name]
    expected = act.torch(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(act.value(X), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_autograd(name):
    act = ACTIVATIONS[name]
    t = torch.tensor(X, requires_grad=True)
    act.torch(t).sum().backward()
    np.testing.assert_allclose(act.derivative(X), t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_value_and_derivative_keep_shape_and_are_float64(name):
    act = ACTIVATIONS[name]
    Z = np.arange(-6, 6).reshape(3, 4)  # integers in: float64 out
    for out in (act.value(Z), act.derivative(Z)):
        assert out.shape == (3, 4) and out.dtype == np.float64


def test_sigmoid_is_finite_at_extreme_inputs():
    big = np.array([-1000.0, 1000.0])
    assert np.all(np.isfinite(ACTIVATIONS["sigmoid"].value(big)))
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].derivative(big), [0.0, 0.0])


def test_relu_family_uses_torchs_slope_at_the_kink():
    zero = np.array([0.0])
    assert ACTIVATIONS["relu"].derivative(zero)[0] == 0.0
    assert ACTIVATIONS["leaky_relu"].derivative(zero)[0] == LEAKY_SLOPE
    assert ACTIVATIONS["relu"].kinks == (0.0,)


def test_known_values():
    assert ACTIVATIONS["sigmoid"].derivative(np.array([0.0]))[0] == 0.25
    assert ACTIVATIONS["tanh"].derivative(np.array([0.0]))[0] == 1.0
    assert ACTIVATIONS["gelu"].derivative(np.array([0.0]))[0] == 0.5
    assert ACTIVATIONS["silu"].derivative(np.array([0.0]))[0] == 0.5
