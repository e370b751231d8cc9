"""NumPy convolution and pooling agree with torch in float64; the output-size and parameter formulas
match what torch builds."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from utils.ch05.convolution import (
    conv2d,
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
