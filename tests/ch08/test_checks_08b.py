"""Notebook 8b's check (Exercise 8.1, clip per example, then sum): right answers written other ways
pass (einsum, a loop in place, float64), each catalogued wrong answer is named, a stub is not
attempted, and a call to the reference is named as the answer key."""

import pytest
import torch

from tests.checks.contract import (
    WrongAnswer,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch08 import checks_08b
from utils.ch08.privacy import clip_and_sum, per_example_norms
from utils.checks import choose_implementation

check = checks_08b.check_clip_and_sum


def clip_with_einsum(grad_samples, max_norm):
    norms = torch.sqrt(sum(g.reshape(len(g), -1).pow(2).sum(dim=1) for g in grad_samples))
    factor = torch.clamp(max_norm / (norms + 1e-6), max=1.0)
    return [torch.einsum("i,i...->...", factor, g) for g in grad_samples]


def clip_in_place_with_loop(grad_samples, max_norm):
    out = []
    for i in range(len(grad_samples[0])):
        norm = float(torch.cat([g[i].flatten() for g in grad_samples]).norm())
        if norm > max_norm:
            for g in grad_samples:
                g[i] *= max_norm / norm  # in place, and without Opacus' 1e-6
    for g in grad_samples:
        out.append(g.sum(dim=0))
    return out


def clip_in_float64(grad_samples, max_norm):
    return tuple(g.float() for g in clip_with_einsum([g.double() for g in grad_samples], max_norm))


def clip_with_the_norm_helper(grad_samples, max_norm):
    """A partial helper that the notebook itself uses later is allowed."""
    factor = (max_norm / (per_example_norms(grad_samples) + 1e-6)).clamp(max=1.0)
    return [(factor.reshape(-1, *[1] * (g.ndim - 1)) * g).sum(dim=0) for g in grad_samples]


test_right_answers_pass = right_answers_pass(
    check,
    [
        clip_and_sum,
        clip_with_einsum,
        clip_in_place_with_loop,
        clip_in_float64,
        clip_with_the_norm_helper,
    ],
)
test_catalogued_mistakes_are_named = wrong_answers_named(
    check, [WrongAnswer(m.kind, m.wrong, m.kind, m.message) for m in checks_08b.CLIP_MISTAKES]
)


def summed_norms_written_by_hand(grad_samples, max_norm):
    """Issue 18's wrong answer: the sum of the per-tensor norms instead of √(Σ g²)."""
    norm = sum(g.reshape(len(g), -1).norm(dim=1) for g in grad_samples)
    factor = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    return [torch.einsum("i,i...->...", factor, g) for g in grad_samples]


test_other_wrong_answers_are_named = wrong_answers_named(
    check,
    [
        WrongAnswer(
            "sum of per-tensor norms, by hand",
            summed_norms_written_by_hand,
            "summed-norms",
            "√(‖g₁‖² + ‖g₂‖² + …)",
        ),
        WrongAnswer("no return", lambda g, c: None, "none", "return"),
        WrongAnswer(
            "one flat vector",
            lambda g, c: torch.cat([s.flatten() for s in clip_and_sum(g, c)]),
            "structure",
            "one summed gradient per parameter",
        ),
        WrongAnswer(
            "NumPy arrays",
            lambda g, c: [s.numpy() for s in clip_and_sum(g, c)],
            "type",
            "torch tensors",
        ),
    ],
)
test_stub_is_not_attempted = not_attempted(check)


def test_the_fallback_is_the_plain_reference(capsys):
    assert choose_implementation(check(stub, strict=False), stub) is clip_and_sum
    assert "reference implementation" in capsys.readouterr().out


@pytest.mark.answer_key_watch
def test_calling_the_reference_is_named_as_the_answer_key():
    result = check(lambda g, c: clip_and_sum(g, c), strict=False)
    assert result.status == "failed" and "utils.ch08.privacy.clip_and_sum" in result.message


@pytest.mark.answer_key_watch
def test_the_norm_helper_is_allowed_with_watching_on():
    assert check(clip_with_the_norm_helper, strict=False).passed


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = check(
        lambda grad_samples, max_norm: [g.sum(dim=0) for g in grad_samples], strict=False
    )
    assert result.message.startswith("✗ 练习 8.1（先逐样本裁剪，再求和）"), result.message
    assert result.verdict.kind == "not-clipped"
    assert "什么都没有裁剪" in result.message
