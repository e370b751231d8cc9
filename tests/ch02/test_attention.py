"""NumPy attention against torch, its hand backward three ways, and the errors on bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.ch02 import attention as att
from utils.gradcheck import autograd_gradients, numerical_gradient, three_way

rng = np.random.default_rng(0)


@pytest.mark.parametrize("causal", [True, False])
def test_forward_matches_torch_sdpa(causal):
    Q, K, V = (
        rng.normal(size=(2, 3, 6, 4)),
        rng.normal(size=(2, 3, 6, 4)),
        rng.normal(size=(2, 3, 6, 5)),
    )
    expected = F.scaled_dot_product_attention(
        *(torch.from_numpy(x) for x in (Q, K, V)), is_causal=causal
    ).numpy()
    np.testing.assert_allclose(
        att.attention(Q, K, V, causal=causal), expected, rtol=1e-12, atol=1e-12
    )


def test_weights_are_causal_rows_summing_to_one():
    P = att.attention_weights(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
    assert np.all(P[np.triu_indices(5, 1)] == 0)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)
    assert P[0, 0] == 1.0


def test_softmax_is_stable():
    p = att.softmax(np.array([[1000.0, 999.0, -np.inf]]))
    assert np.all(np.isfinite(p)) and p[0, 2] == 0.0


@pytest.mark.parametrize("causal", [True, False])
def test_backward_three_ways(causal):
    T, d_k, d_v = 5, 3, 4
    Q, K, V, G = (
        rng.normal(size=(T, d_k)),
        rng.normal(size=(T, d_k)),
        rng.normal(size=(T, d_v)),
        rng.normal(size=(T, d_v)),
    )
    hand = att.attention_backward(G, Q, K, V, causal=causal)
    loss = lambda Q_, K_, V_: float(np.sum(G * att.attention(Q_, K_, V_, causal=causal)))
    finite = [
        numerical_gradient(lambda x: loss(x, K, V), Q.copy()),
        numerical_gradient(lambda x: loss(Q, x, V), K.copy()),
        numerical_gradient(lambda x: loss(Q, K, x), V.copy()),
    ]
    auto = autograd_gradients(
        lambda q, k, v: (
            torch.from_numpy(G) * F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        ).sum(),
        Q,
        K,
        V,
    )
    for name, h, f, a in zip(("dQ", "dK", "dV"), hand, finite, auto):
        row = three_way(name, h, f, a)
        assert row.passed, (name, row)
        assert row.vs_autograd.relative_error < 1e-12


@pytest.mark.parametrize(
    "shapes, message",
    [
        (((0, 4), (0, 4), (0, 4)), "at least 1 token"),
        (((3, 4), (3, 5), (3, 2)), "same feature size"),
        (((3, 4), (3, 4), (2, 4)), "one row per key"),
        (((3, 4), (5, 4), (5, 4)), "as many queries as keys"),
        (((4,), (4,), (4,)), "at least 2 axes"),
    ],
)
def test_bad_shapes_raise_clear_errors(shapes, message):
    with pytest.raises(ValueError, match=message):
        att.attention(*(np.ones(s) for s in shapes))


def test_nan_and_zero_context_raise():
    Q = np.ones((3, 2))
    Q[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        att.attention(Q, np.ones((3, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="at least 1 position"):
        att.causal_mask(0)
    with pytest.raises(ValueError, match="shape of the output"):
        att.attention_backward(np.ones((3, 3)), np.ones((3, 2)), np.ones((3, 2)), np.ones((3, 2)))


def test_scaling_keeps_the_softmax_alive():
    unscaled = att.softmax_saturation(1024, scaled=False)
    scaled = att.softmax_saturation(1024, scaled=True)
    assert unscaled["score std"] == pytest.approx(32.0, rel=0.1)
    assert scaled["score std"] == pytest.approx(1.0, rel=0.1)
    assert unscaled["saturated rows"] > 0.5 and scaled["saturated rows"] == 0.0
    assert unscaled["softmax gradient"] < 0.01 * scaled["softmax gradient"]
