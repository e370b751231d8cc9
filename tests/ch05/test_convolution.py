"""NumPy convolution, its backward pass and pooling agree with torch in float64; the output-size and
parameter formulas match what torch builds, and ResNet's bias-free first layer what transformers
builds."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from utils.gradcheck import numerical_gradient, relative_error

from utils.ch05.convolution import (
    conv2d,
    conv2d_backward,
    conv_output_size,
    conv_parameters,
    correlate2d,
    dense_parameters,
    max_pool2d,
)

rng = np.random.default_rng(0)


@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding",
    [
        ((2, 1, 8, 8), (4, 1, 3, 3), 1, 1),
        ((2, 3, 9, 7), (5, 3, 3, 3), 1, 0),
        ((1, 3, 12, 12), (2, 3, 5, 5), 2, 2),
        ((3, 2, 10, 11), (6, 2, 4, 2), 3, 1),
        ((1, 4, 5, 5), (8, 4, 1, 1), 1, 0),
        ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0),
    ],
)
def test_conv2d_matches_f_conv2d(x_shape, w_shape, stride, padding):
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    expected = F.conv2d(
        torch.from_numpy(x),
        torch.from_numpy(w),
        torch.from_numpy(b),
        stride=stride,
        padding=padding,
    ).numpy()
    np.testing.assert_allclose(conv2d(x, w, b, stride, padding), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        conv2d(x, w, None, stride, padding),
        expected - b[None, :, None, None],
        rtol=1e-12,
        atol=1e-12,
    )


def test_correlate2d_is_the_definition_and_does_not_flip():
    image, kernel = rng.normal(size=(6, 5)), rng.normal(size=(3, 2))
    by_hand = np.array(
        [[np.sum(image[i : i + 3, j : j + 2] * kernel) for j in range(4)] for i in range(4)]
    )
    np.testing.assert_allclose(correlate2d(image, kernel), by_hand, rtol=1e-13)
    assert not np.allclose(correlate2d(image, kernel[::-1, ::-1]), by_hand)


@pytest.mark.parametrize(
    "n, k, s, p",
    [
        (28, 3, 1, 0),
        (8, 3, 1, 1),
        (32, 5, 2, 2),
        (7, 3, 2, 0),
        (10, 4, 3, 1),
        (224, 7, 2, 3),
        (5, 5, 1, 0),
    ],
)
def test_output_size_matches_torch(n, k, s, p):
    out = nn.Conv2d(1, 1, k, stride=s, padding=p)(torch.zeros(1, 1, n, n))
    assert conv_output_size(n, k, s, p) == out.shape[-1]


def test_output_size_with_dilation_matches_torch():
    out = nn.Conv2d(1, 1, 3, stride=2, padding=1, dilation=2)(torch.zeros(1, 1, 17, 17))
    assert conv_output_size(17, 3, 2, 1, dilation=2) == out.shape[-1]


@pytest.mark.parametrize(
    "shape, kernel, stride",
    [((2, 3, 8, 8), 2, None), ((1, 2, 9, 7), 3, 2), ((1, 1, 4, 4), 4, None)],
)
def test_max_pool_matches_torch(shape, kernel, stride):
    x = rng.normal(size=shape)
    expected = F.max_pool2d(torch.from_numpy(x), kernel, stride=stride).numpy()
    np.testing.assert_array_equal(max_pool2d(x, kernel, stride), expected)


@pytest.mark.parametrize("c_in, c_out, k", [(1, 32, 3), (32, 64, 3), (3, 64, 7)])
def test_parameter_counts_match_torch(c_in, c_out, k):
    assert conv_parameters(c_in, c_out, k) == sum(
        p.numel() for p in nn.Conv2d(c_in, c_out, k).parameters()
    )
    assert conv_parameters(c_in, c_out, k, bias=False) == sum(
        p.numel() for p in nn.Conv2d(c_in, c_out, k, bias=False).parameters()
    )
    assert dense_parameters(c_in * 8, c_out) == sum(
        p.numel() for p in nn.Linear(c_in * 8, c_out).parameters()
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: conv2d(np.ones((1, 8, 8)), np.ones((1, 1, 3, 3))), "N × C × H × W"),
        (lambda: conv2d(np.ones((1, 2, 8, 8)), np.ones((1, 3, 3, 3))), "2 channels"),
        (lambda: conv2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))), "does not fit"),
        (lambda: conv_output_size(8, 3, stride=0), "stride ≥ 1"),
        (lambda: correlate2d(np.ones(5), np.ones((2, 2))), "2-D"),
        (lambda: max_pool2d(np.ones((8, 8)), 2), "N × C × H × W"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "x_shape, w_shape, stride, padding",
    [
        ((2, 1, 8, 8), (4, 1, 3, 3), 1, 1),
        ((2, 3, 9, 7), (5, 3, 3, 3), 1, 0),
        ((1, 3, 12, 12), (2, 3, 5, 5), 2, 2),
        ((3, 2, 10, 11), (6, 2, 4, 2), 3, 1),  # the last row and column start no window
        ((1, 4, 7, 7), (8, 4, 1, 1), 2, 0),
        ((1, 1, 3, 3), (1, 1, 3, 3), 1, 0),
    ],
)
def test_conv2d_backward_matches_autograd(x_shape, w_shape, stride, padding):
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    d_out = rng.normal(size=conv2d(x, w, b, stride=stride, padding=padding).shape)
    dx, dw, db = conv2d_backward(x, w, d_out, stride=stride, padding=padding)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    (
        F.conv2d(xt, wt, bt, stride=stride, padding=padding) * torch.from_numpy(d_out)
    ).sum().backward()
    for ours, theirs in ((dx, xt.grad), (dw, wt.grad), (db, bt.grad)):
        assert ours.shape == theirs.shape
        assert relative_error(ours, theirs.numpy()) < 1e-13


def test_conv2d_backward_matches_finite_differences():
    x, w, b = rng.normal(size=(1, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    d_out = rng.normal(size=conv2d(x, w, b, stride=2, padding=1).shape)
    loss = lambda x, w, b: float(np.sum(conv2d(x, w, b, stride=2, padding=1) * d_out))
    dx, dw, db = conv2d_backward(x, w, d_out, stride=2, padding=1)
    assert relative_error(dx, numerical_gradient(lambda v: loss(v, w, b), x.copy())) < 1e-7
    assert relative_error(dw, numerical_gradient(lambda v: loss(x, v, b), w.copy())) < 1e-7
    assert relative_error(db, numerical_gradient(lambda v: loss(x, w, v), b.copy())) < 1e-7


def test_one_channel_backward_is_a_correlation_and_a_full_convolution():
    """The two formulas the notebook teaches: dK = correlate(image, G), dI = correlate(G padded by
    k − 1, the kernel flipped)."""
    image, kernel = rng.normal(size=(8, 7)), rng.normal(size=(3, 2))
    G = rng.normal(size=(6, 6))
    dx, dw, _ = conv2d_backward(image[None, None], kernel[None, None], G[None, None])
    assert np.allclose(dw[0, 0], correlate2d(image, G), rtol=1e-13, atol=1e-13)
    full = correlate2d(np.pad(G, ((2, 2), (1, 1))), kernel[::-1, ::-1])
    assert np.allclose(dx[0, 0], full, rtol=1e-13, atol=1e-13)


def test_resnets_first_layer_has_no_bias_and_9408_parameters():
    """The notebook's row for ResNet's first layer, against Hugging Face's ResNet (built on the meta
    device: shapes only)."""
    transformers = pytest.importorskip("transformers")
    with torch.device("meta"):
        resnet = transformers.ResNetModel(transformers.ResNetConfig())
    first = resnet.embedder.embedder.convolution
    assert (first.in_channels, first.out_channels, first.kernel_size, first.stride) == (
        3,
        64,
        (7, 7),
        (2, 2),
    )
    assert first.padding == (3, 3) and first.bias is None
    assert sum(p.numel() for p in first.parameters()) == conv_parameters(3, 64, 7, bias=False)
    assert conv_parameters(3, 64, 7, bias=False) == 9408
