"""The NumPy reference passes agree with torch.autograd on an independent torch implementation."""

import numpy as np
import pytest
import torch

from utils.ch04.backprop import (
    LAYER_SIZES,
    PARAMETER_NAMES,
    gradient_descent_step,
    half_squared_error,
    initial_parameters,
    linear_backward,
    linear_forward,
    net_backward,
    net_forward,
    net_loss,
    relu_backward,
    sigmoid_backward,
)

rng = np.random.default_rng(1)


def t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def test_linear_forward_matches_nn_linear_with_examples_in_columns():
    W, b, A = rng.normal(size=(4, 3)), rng.normal(size=(4, 1)), rng.normal(size=(3, 6))
    layer = torch.nn.Linear(3, 4).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W))
        layer.bias.copy_(torch.from_numpy(b.ravel()))
        expected = layer(torch.from_numpy(A.T)).numpy().T
    np.testing.assert_allclose(linear_forward(W, A, b), expected, rtol=1e-13)


@pytest.mark.parametrize("n, n_prev, m", [(3, 4, 5), (4, 4, 1), (1, 6, 9)])
def test_linear_backward_matches_autograd(n, n_prev, m):
    W, b, A, G = (
        rng.normal(size=(n, n_prev)),
        rng.normal(size=(n, 1)),
        rng.normal(size=(n_prev, m)),
        rng.normal(size=(n, m)),
    )
    Wt, bt, At = t(W), t(b), t(A)
    (torch.from_numpy(G) * (Wt @ At + bt)).sum().backward()
    dW, db, dA = linear_backward(G, A, W)
    assert dW.shape == W.shape and db.shape == b.shape and dA.shape == A.shape
    np.testing.assert_allclose(dW, Wt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(dA, At.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "backward, torch_fn", [(sigmoid_backward, torch.sigmoid), (relu_backward, torch.relu)]
)
def test_activation_backward_matches_autograd(backward, torch_fn):
    Z, dA = rng.normal(0, 3, size=(4, 7)), rng.normal(size=(4, 7))
    Zt = t(Z)
    (torch.from_numpy(dA) * torch_fn(Zt)).sum().backward()
    np.testing.assert_allclose(backward(dA, Z), Zt.grad.numpy(), rtol=1e-12, atol=1e-15)


def torch_net_loss(x, y, W1, b1, W2, b2):
    A1 = torch.sigmoid(W1 @ torch.from_numpy(x) + b1)
    return 0.5 * ((W2 @ A1 + b2 - torch.from_numpy(y)) ** 2).sum() / x.shape[1]


@pytest.mark.parametrize("m", [1, 8])
def test_net_forward_loss_and_backward_match_torch(m):
    params = initial_parameters(rng)
    x, y = rng.normal(size=(3, m)), rng.normal(size=(2, m))
    tensors = [t(params[name]) for name in PARAMETER_NAMES]
    loss = torch_net_loss(x, y, *tensors)
    loss.backward()
    assert net_loss(x, y, **params) == pytest.approx(loss.item(), rel=1e-13)
    for name, grad, tensor in zip(PARAMETER_NAMES, net_backward(x, y, **params), tensors):
        assert grad.shape == params[name].shape, name
        np.testing.assert_allclose(grad, tensor.grad.numpy(), rtol=1e-11, atol=1e-15, err_msg=name)


def test_net_forward_shapes_and_saturated_inputs_stay_finite():
    params = initial_parameters(rng)
    cache = net_forward(rng.normal(0, 1000, size=(3, 4)), **params)
    assert (
        cache["Z1"].shape == (4, 4)
        and cache["A1"].shape == (4, 4)
        and cache["y_hat"].shape == (2, 4)
    )
    grads = net_backward(rng.normal(0, 1000, size=(3, 4)), rng.normal(size=(2, 4)), **params)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_initial_parameters_shapes():
    params = initial_parameters(np.random.default_rng(0))
    n0, n1, n2 = LAYER_SIZES
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (n1, n0),
        "b1": (n1, 1),
        "W2": (n2, n1),
        "b2": (n2, 1),
    }
    assert sum(v.size for v in params.values()) == 26


def test_half_squared_error_is_mean_over_columns():
    y_hat, y = np.array([[1.0, 3.0], [0.0, 0.0]]), np.zeros((2, 2))
    assert half_squared_error(y_hat, y) == pytest.approx((0.5 * 1 + 0.5 * 9) / 2)


def test_a_gradient_descent_step_descends_and_leaves_inputs_alone():
    params = initial_parameters(rng)
    x, y = rng.normal(size=(3, 8)), rng.normal(size=(2, 8))
    grads = dict(zip(PARAMETER_NAMES, net_backward(x, y, **params)))
    before = {k: v.copy() for k, v in params.items()}
    new = gradient_descent_step(params, grads, 0.1)
    assert net_loss(x, y, **new) < net_loss(x, y, **params)
    ascent = gradient_descent_step(params, {k: -g for k, g in grads.items()}, 0.1)
    assert net_loss(x, y, **ascent) > net_loss(x, y, **params)
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(params[name], before[name])
