"""Batch norm, layer norm and RMSNorm by hand agree with torch in float64, forward and backward; the
running statistics follow nn.BatchNorm1d."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.ch03 import normalisation as N
from utils.gradcheck import autograd_gradients, numerical_gradient

rng = np.random.default_rng(0)
EPS = 1e-5


def _problem(n=7, d=4):
    X = rng.normal(size=(n, d)) * rng.uniform(0.3, 3.0, size=d) + rng.normal(size=d)
    return X, rng.uniform(0.5, 1.5, size=d), rng.normal(size=d), rng.normal(size=(n, d))


TORCH = {
    "batch": lambda X, g, b: F.batch_norm(X, None, None, g, b, training=True, eps=EPS),
    "layer": lambda X, g, b: F.layer_norm(X, (X.shape[1],), g, b, eps=EPS),
    "rms": lambda X, g, b: F.rms_norm(X, (X.shape[1],), g, eps=EPS),
}
OURS = {
    "batch": (
        lambda X, g, b: N.batchnorm_forward(X, g, b, EPS),
        lambda dY, X, g: N.batchnorm_backward(dY, X, g, EPS),
    ),
    "layer": (
        lambda X, g, b: N.layernorm_forward(X, g, b, EPS),
        lambda dY, X, g: N.layernorm_backward(dY, X, g, EPS),
    ),
    "rms": (
        lambda X, g, b: N.rmsnorm_forward(X, g, EPS),
        lambda dY, X, g: N.rmsnorm_backward(dY, X, g, EPS),
    ),
}


@pytest.mark.parametrize("kind", OURS)
@pytest.mark.parametrize("shape", [(7, 4), (2, 6), (32, 3)])
def test_forward_and_backward_match_torch(kind, shape):
    X, gamma, beta, G = _problem(*shape)
    forward, backward = OURS[kind]
    expected = TORCH[kind](*map(torch.from_numpy, (X, gamma, beta))).numpy()
    np.testing.assert_allclose(forward(X, gamma, beta), expected, rtol=1e-12, atol=1e-13)
    auto = autograd_gradients(
        lambda X_, g_, b_: (torch.from_numpy(G) * TORCH[kind](X_, g_, b_)).sum(), X, gamma, beta
    )
    for hand, reference in zip(backward(G, X, gamma), auto):
        np.testing.assert_allclose(hand, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", OURS)
def test_backward_matches_finite_differences(kind):
    X, gamma, beta, G = _problem()
    forward, backward = OURS[kind]
    dX = backward(G, X, gamma)[0]
    np.testing.assert_allclose(
        dX,
        numerical_gradient(lambda v: np.sum(G * forward(v, gamma, beta)), X.copy()),
        rtol=1e-6,
        atol=1e-8,
    )


def test_batchnorm_backward_mean_terms_matter():
    X, gamma, _, G = _problem()
    dX = N.batchnorm_backward(G, X, gamma)[0]
    naive = G * gamma / np.sqrt(X.var(axis=0) + EPS)
    assert np.abs(dX - naive).max() > 0.1
    np.testing.assert_allclose(
        dX.sum(axis=0), 0.0, atol=1e-10
    )  # the mean path: shifting a column changes nothing


def test_running_statistics_follow_nn_batchnorm1d():
    ours, theirs = N.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float64)
    theirs.train()
    for _ in range(10):
        batch = 2.0 + 3.0 * rng.normal(size=(8, 3))
        np.testing.assert_allclose(
            ours(batch, training=True),
            theirs(torch.from_numpy(batch)).detach().numpy(),
            rtol=1e-12,
            atol=1e-13,
        )
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-13)
    theirs.eval()
    single = rng.normal(size=(1, 3))
    np.testing.assert_allclose(
        ours(single, training=False), theirs(torch.from_numpy(single)).detach().numpy(), rtol=1e-12
    )
    with pytest.raises(ValueError, match="at least 2 examples"):
        ours(single, training=True)


def test_layer_norm_of_one_example_does_not_depend_on_the_batch():
    token = rng.normal(size=(1, 5))
    ones, zeros = np.ones(5), np.zeros(5)
    a = N.layernorm_forward(np.vstack([token, rng.normal(size=(3, 5))]), ones, zeros)[0]
    b = N.layernorm_forward(np.vstack([token, 9 + rng.normal(size=(6, 5))]), ones, zeros)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "X, gamma, message",
    [
        (np.ones((2, 3, 4)), np.ones(4), "2-D"),
        (np.ones((4, 3)), np.ones(4), "one scale per feature"),
    ],
)
def test_bad_shapes_are_refused(X, gamma, message):
    with pytest.raises(ValueError, match=message):
        N.batchnorm_forward(X, gamma, np.zeros(X.shape[-1]))
