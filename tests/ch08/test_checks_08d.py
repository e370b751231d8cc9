"""Notebook 8d's check (Exercise 8.3, symmetric per-channel int8): right answers written other ways
pass (NumPy, a reciprocal, in place), each catalogued wrong answer is named, rounding ties are
allowed, a stub is not attempted, and calling the course's quantiser (the notebook's
`cz.quantize_per_channel`) is named as the answer key."""

import numpy as np
import pytest
import torch

from tests.checks.contract import (
    WrongAnswer,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch08 import checks_08d
from utils.ch08 import compression as cz
from utils.ch08.compression import INT8_MAX, quantize_per_channel
from utils.checks import choose_implementation

check = checks_08d.check_quantizer


def quantize_numpy(W):
    W = W.detach().numpy().astype(np.float64)
    scale = np.abs(W).max(axis=1, keepdims=True) / 127.0
    q = np.clip(np.rint(W / scale), -127, 127).astype(np.int8)
    return torch.from_numpy(q), torch.from_numpy(scale.astype(np.float32))


def quantize_with_reciprocal(W):
    scale = W.abs().max(dim=1, keepdim=True).values / 127
    return (W * (1.0 / scale)).round().clamp(-127, 127).to(torch.int8), scale


def quantize_in_place(W):
    scale = W.abs().amax(dim=1, keepdim=True) / 127
    W /= scale  # in place on the caller's copy
    return W.round_().to(torch.int8), scale


test_right_answers_pass = right_answers_pass(
    check, [quantize_per_channel, quantize_numpy, quantize_with_reciprocal, quantize_in_place]
)


def q_and_scale(mistake):
    """The catalogued wrong answer as a learner returns it: (q, scale), without the weights."""

    def answer(W):
        return mistake.wrong(W)[:2]

    return answer


test_catalogued_mistakes_are_named = wrong_answers_named(
    check,
    [
        WrongAnswer(f"{m.kind} ({i})", q_and_scale(m), m.kind, m.message)
        for i, m in enumerate(checks_08d.QUANTIZATION_MISTAKES)
    ],
)


def signed_max(W):
    """Issue 18's wrong answer: max instead of abs-max."""
    scale = W.max(dim=1, keepdim=True).values / 127
    return torch.round(W / scale).clamp(-127, 127).to(torch.int8), scale


def float_q(W):
    q, scale = quantize_per_channel(W)
    return q.float(), scale


def one_scale(W):
    scale = W.abs().max() / INT8_MAX
    return torch.round(W / scale).to(torch.int8), scale


def per_column(W):
    scale = W.abs().amax(dim=0, keepdim=True) / INT8_MAX
    return torch.round(W / scale).clamp(-127, 127).to(torch.int8), scale


def flat_scale(W):
    q, scale = quantize_per_channel(W)
    return q, scale.reshape(-1)


test_other_wrong_answers_are_named = wrong_answers_named(
    check,
    [
        WrongAnswer("max, not abs-max", signed_max, "signed-max", "largest ABSOLUTE value"),
        WrongAnswer("q as float", float_q, "dtype", "int8"),
        WrongAnswer("one scalar scale", one_scale, "per-tensor", "per-tensor"),
        WrongAnswer("per column", per_column, "per-column", "COLUMN"),
        WrongAnswer("scale squeezed", flat_scale, "squeezed", "keepdims"),
        WrongAnswer("q only", lambda W: quantize_per_channel(W)[0], "structure", "(q, scale)"),
        WrongAnswer(
            "NumPy arrays",
            lambda W: tuple(t.numpy() for t in quantize_per_channel(W)),
            "type",
            "torch tensors (q, scale)",
        ),
        WrongAnswer(
            "(scale, q)",
            lambda W: tuple(reversed(quantize_per_channel(W))),
            "order",
            "(q, scale)",
        ),
    ],
)
test_stub_is_not_attempted = not_attempted(check)


def test_the_fallback_is_the_plain_reference(capsys):
    assert choose_implementation(check(stub, strict=False), stub) is quantize_per_channel
    assert "reference implementation" in capsys.readouterr().out


@pytest.mark.answer_key_watch
def test_the_notebooks_cz_quantizer_is_named_as_the_answer_key():
    result = check(lambda W: cz.quantize_per_channel(W), strict=False)
    assert result.status == "failed" and "compression.quantize_per_channel" in result.message


@pytest.mark.answer_key_watch
def test_a_right_answer_passes_with_watching_on():
    assert check(quantize_with_reciprocal, strict=False).passed


def test_quantization_tie_tolerance():
    W = torch.tensor([[127.0, 0.5, -1.5, 2.5]])  # scale 1: W / scale has ties at 0.5, −1.5, 2.5
    q, scale = quantize_per_channel(W)
    expected = (q, scale, W)
    away_from_zero = torch.tensor([[127, 1, -2, 3]], dtype=torch.int8)
    assert checks_08d.compare_quantization((away_from_zero, scale), expected).passed
    off_by_one = torch.tensor([[126, 0, -2, 2]], dtype=torch.int8)
    assert not checks_08d.compare_quantization((off_by_one, scale), expected).passed


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = check(lambda W: "q and scale", strict=False)
    assert result.message.startswith("✗ 练习 8.3（对称逐通道 int8 量化）"), result.message
    assert result.verdict.kind == "structure"
    assert "请返回元组 (q, scale)" in result.message
