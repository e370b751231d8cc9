"""Notebook 05c's checks name each catalogued wrong convolution or output size, pass several right
answers, and report a stub as not attempted."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.checks.contract import (
    assert_answer_key,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch05 import checks_05c as ch
from utils.ch05.convolution import conv2d, conv_output_size, correlate2d

# ---------------------------------------------------------------- Exercise 5.4: a convolution


def correlate_loops(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def correlate_by_kernel_offsets(image, kernel):
    """Another order: one shifted copy of the image per kernel weight."""
    kh, kw = kernel.shape
    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    return sum(kernel[u, v] * image[u : u + h, v : v + w] for u in range(kh) for v in range(kw))


def correlate_torch(image, kernel):
    return F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None])[
        0, 0
    ].numpy()


def correlate_float32(image, kernel):
    return correlate_loops(image.astype(np.float32), kernel.astype(np.float32))


test_right_convolutions_pass = right_answers_pass(
    ch.check_correlate2d,
    [correlate_loops, correlate_by_kernel_offsets, correlate_torch, correlate_float32, correlate2d],
)


def correlate_one_short(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out


def correlate_zero_padded(image, kernel):
    kh, kw = kernel.shape
    return correlate_loops(
        np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2))), kernel
    )


def correlate_transposed(image, kernel):
    if kernel.shape[0] == kernel.shape[1]:
        return correlate_loops(image, kernel.T)
    return correlate_loops(image, kernel.T.reshape(kernel.shape))


test_wrong_convolutions_are_named = wrong_answers_named(
    ch.check_correlate2d,
    [
        (
            "flipped",
            lambda image, kernel: correlate_loops(image, kernel[::-1, ::-1]),
            "flipped kernel",
            "cross-correlation",
        ),
        ("zero-padded", correlate_zero_padded, "zero-padded", "no padding"),
        ("one short", correlate_one_short, "last position missing", "range(H − kh + 1)"),
        ("transposed", correlate_transposed, "transposed kernel", "transposed"),
        ("returns None", lambda image, kernel: None, "none", "return"),
    ],
)


# ---------------------------------------------------------------- Exercise 5.5: the output size


test_right_output_sizes_pass = right_answers_pass(
    ch.check_output_size,
    [
        lambda n, k, s, p: (n + 2 * p - k) // s + 1,
        lambda n, k, s, p: math.floor((n + 2 * p - k) / s) + 1,
        lambda n, k, s, p: int(np.int64((n + 2 * p - k) // s + 1)),
        lambda n, k, s, p: len(range(0, n + 2 * p - k + 1, s)),
        lambda n, k, s, p: np.int64(n + 2 * p - k) // s + 1,
        lambda n, k, s, p: int(np.floor((n + 2 * p - k) / s) + 1),
        conv_output_size,
    ],
)

test_wrong_output_sizes_are_named = wrong_answers_named(
    ch.check_output_size,
    [
        ("no +1", lambda n, k, s, p: (n + 2 * p - k) // s, "no +1", "add 1"),
        ("padding once", lambda n, k, s, p: (n + p - k) // s + 1, "padding once", "BOTH sides"),
        ("stride ignored", lambda n, k, s, p: n + 2 * p - k + 1, "stride ignored", "stride"),
        (
            "rounded up",
            lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1,
            "rounded up",
            "round down",
        ),
        (
            "round()",
            lambda n, k, s, p: round((n + 2 * p - k) / s) + 1,
            "rounded to nearest",
            "nearest whole number",
        ),
        (
            "np.round",
            lambda n, k, s, p: int(np.round((n + 2 * p - k) / s)) + 1,
            "rounded to nearest",
            "instead of rounding down",
        ),
        (
            "np.floor float",
            lambda n, k, s, p: np.floor((n + 2 * p - k) / s) + 1,
            "not an int",
            "return an int",
        ),
        ("float()", lambda n, k, s, p: float((n + 2 * p - k) // s + 1), "not an int", "//"),
        (
            "true division",
            lambda n, k, s, p: (n + 2 * p - k) / s + 1,
            "true division",
            "floor division",
        ),
        (
            "+1 inside",
            lambda n, k, s, p: (n + 2 * p - k + 1) // s,
            "stride divides everything",
            "outside the division",
        ),
        ("None", lambda n, k, s, p: None, "none", "return"),
        ("a string", lambda n, k, s, p: "8", "type", "whole number"),
        ("a constant", lambda n, k, s, p: 8, "values", "n = 32"),
    ],
)


# ---------------------------------------------------------------- common behaviour


test_convolution_stub_is_not_attempted = not_attempted(ch.check_correlate2d)
test_output_size_stub_is_not_attempted = not_attempted(ch.check_output_size)


@pytest.mark.parametrize(
    "check, reference",
    [(ch.check_correlate2d, correlate2d), (ch.check_output_size, conv_output_size)],
)
def test_a_stub_falls_back_to_the_reference(check, reference):
    assert check(stub, strict=False).reference is reference


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "check, learner, name",
    [
        (ch.check_correlate2d, lambda image, kernel: correlate2d(image, kernel), "correlate2d"),
        (
            ch.check_correlate2d,
            lambda image, kernel: conv2d(image[None, None], kernel[None, None])[0, 0],
            "conv2d",
        ),
        (ch.check_output_size, lambda n, k, s, p: conv_output_size(n, k, s, p), "conv_output_size"),
    ],
)
def test_calling_the_reference_is_named_as_the_answer_key(check, learner, name):
    assert_answer_key(check(learner, strict=False), name)


@pytest.mark.answer_key_watch
def test_a_right_answer_is_not_mistaken_for_the_answer_key():
    assert ch.check_correlate2d(correlate_loops, strict=False).passed
    assert ch.check_output_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1, strict=False).passed


def test_a_right_answer_quotes_no_tolerance():
    result = ch.check_output_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = ch.check_output_size(lambda n, k, s, p: (n + 2 * p - k) // s, strict=False)
    assert result.message.startswith("✗ 练习 5.5（输出尺寸）"), result.message
    assert result.verdict.kind == "no +1"
    assert "测试用例 1（步幅为 2 和 3，除法除不尽的情况）" in result.message
    assert "少了 1：卷积核在位置 0 也能放下" in result.message
