"""Inverted dropout and the L2 penalty: the definitions, torch's behaviour, and clear errors."""

import numpy as np
import pytest
import torch

from utils.gradcheck import numerical_gradient
from utils.ch03.optimisers import SGD
from utils.ch03.regularisation import dropout, l2_gradient, l2_penalty

rng = np.random.default_rng(0)


def test_dropout_zeroes_where_u_below_p_and_scales_the_rest():
    A, U = rng.normal(size=(4, 5)), rng.random(size=(4, 5))
    out = dropout(A, 0.3, U, training=True)
    np.testing.assert_array_equal(out[U < 0.3], 0.0)
    np.testing.assert_allclose(out[U >= 0.3], A[U >= 0.3] / 0.7)


def test_dropout_keeps_the_expected_value_and_is_the_identity_in_evaluation():
    A = rng.normal(size=(3, 4))
    mean = np.mean([dropout(A, 0.5, rng.random(A.shape)) for _ in range(20000)], axis=0)
    np.testing.assert_allclose(mean, A, atol=0.05)
    out = dropout(A, 0.5, rng.random(A.shape), training=False)
    np.testing.assert_array_equal(out, A)
    assert out is not A


def test_dropout_matches_torch_given_torchs_mask():
    A = torch.randn(50, 40, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    layer = torch.nn.Dropout(0.25).train()
    out = layer(A)
    U = np.where(out.numpy() == 0, 0.0, 0.9)  # a draw that reproduces torch's mask: dropped ⇔ U < p
    np.testing.assert_allclose(dropout(A.numpy(), 0.25, U), out.numpy(), rtol=1e-15)
    assert torch.equal(layer.eval()(A), A)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_refuses_a_bad_probability(p):
    with pytest.raises(ValueError, match="drop probability"):
        dropout(np.ones(3), p, np.zeros(3))


def test_dropout_refuses_u_of_another_shape():
    with pytest.raises(ValueError, match="one uniform draw per unit"):
        dropout(np.ones((2, 3)), 0.5, np.zeros(3))


def test_l2_gradient_is_the_derivative_of_the_penalty():
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = l2_gradient(params, 0.3)
    for name in params:

        def penalty_of(v, name=name):
            return l2_penalty({**params, name: v}, 0.3)

        np.testing.assert_allclose(
            grads[name], numerical_gradient(penalty_of, params[name].copy()), rtol=1e-7
        )


def test_l2_in_the_loss_equals_torchs_sgd_weight_decay():
    params = {"w": rng.normal(size=6)}
    grads = [rng.normal(size=6) for _ in range(5)]
    mine, optimiser = dict(params), SGD(params, lr=0.1)
    tensor = torch.tensor(params["w"])
    torch_optimiser = torch.optim.SGD([tensor], lr=0.1, weight_decay=0.2)
    for g in grads:
        mine = optimiser.step(mine, {"w": g + l2_gradient(mine, 0.2)["w"]})
        tensor.grad = torch.from_numpy(g)
        torch_optimiser.step()
    np.testing.assert_allclose(mine["w"], tensor.numpy(), rtol=0, atol=1e-15)
