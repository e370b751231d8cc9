"""Notebook 8c's check (Exercise 8.2, saliency as the input gradient): right answers written other
ways pass (backward, in place on the caller's tensor, one example at a time), each catalogued wrong
answer is named, Captum's Saliency is named as a shortcut, and a call to the reference is named as
the answer key."""

import pytest
import torch

from tests.checks.contract import (
    assert_answer_key,
    WrongAnswer,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch08 import checks_08c
from utils.ch08.attribution import input_gradient
from utils.checks import choose_implementation

check = checks_08c.check_saliency


def saliency_with_backward(model, X, target):
    X = X.clone().requires_grad_()
    logits = model(X)
    logits[torch.arange(len(X)), target].sum().backward()
    return X.grad.abs()


def saliency_in_place(model, X, target):
    X.requires_grad_(True)  # on the caller's tensor
    out = model(X).gather(1, target[:, None]).sum()
    (g,) = torch.autograd.grad(out, X)
    return torch.abs(g)


def saliency_one_at_a_time(model, X, target):
    maps = []
    for i in range(len(X)):
        x = X[i : i + 1].clone().requires_grad_(True)
        model(x)[0, target[i]].backward()
        maps.append(x.grad.abs())
    return torch.cat(maps)


test_right_answers_pass = right_answers_pass(
    check, [input_gradient, saliency_with_backward, saliency_in_place, saliency_one_at_a_time]
)
test_catalogued_mistakes_are_named = wrong_answers_named(
    check, [WrongAnswer(m.kind, m.wrong, m.kind, m.message) for m in checks_08c.SALIENCY_MISTAKES]
)


def captum_saliency(model, X, target):
    from captum.attr import Saliency

    return Saliency(model).attribute(X, target=target)


def captum_saliency_in_a_helper(model, X, target):
    def explain(x):
        import captum.attr

        return captum.attr.Saliency(model).attribute(x, target=target)

    return explain(X.clone())


def saliency_of_the_training_loss(model, X, target):
    X = X.clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(model(X), target).backward()
    return X.grad.abs()


test_other_wrong_answers_are_named = wrong_answers_named(
    check,
    [
        WrongAnswer("the training loss", saliency_of_the_training_loss, "loss", "as in training"),
        WrongAnswer(
            "flattened",
            lambda m, X, t: input_gradient(m, X, t).reshape(len(X), -1),
            "squeezed",
            "shape",
        ),
        WrongAnswer(
            "NumPy array",
            lambda m, X, t: input_gradient(m, X, t).numpy(),
            "type",
            "no .numpy()",
        ),
    ],
)
test_stub_is_not_attempted = not_attempted(check)


@pytest.mark.answer_key_watch
@pytest.mark.parametrize("shortcut", [captum_saliency, captum_saliency_in_a_helper])
def test_captums_saliency_is_named_as_an_answer_key(shortcut):
    assert_answer_key(check(shortcut, strict=False), "captum.attr._core.saliency.Saliency")


@pytest.mark.answer_key_watch
def test_a_function_that_only_mentions_saliency_in_a_comment_is_run():
    def saliency_by_hand(model, X, target):  # the same map as Captum's Saliency
        return saliency_with_backward(model, X, target)

    result = check(saliency_by_hand, strict=False)
    assert result.passed, result.message


def test_the_fallback_is_the_plain_reference(capsys):
    assert choose_implementation(check(stub, strict=False), stub) is input_gradient
    assert "reference implementation" in capsys.readouterr().out


@pytest.mark.answer_key_watch
def test_calling_the_reference_is_named_as_the_answer_key():
    result = check(lambda m, X, t: input_gradient(m, X, t), strict=False)
    assert result.status == "failed" and "attribution.input_gradient" in result.message


def test_the_reference_matches_captum():
    from captum.attr import Saliency

    model, X, target = checks_08c.saliency_case("cnn", 4, 5)
    ours = input_gradient(model, X, target)
    theirs = Saliency(model).attribute(X.clone().requires_grad_(True), target=target)
    assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def signed(model, X, target):
        X = X.detach().clone().requires_grad_(True)
        (gradient,) = torch.autograd.grad(model(X)[torch.arange(len(X)), target].sum(), X)
        return gradient

    result = check(signed, strict=False)
    assert result.message.startswith("✗ 练习 8.2（把显著图当作输入梯度）"), result.message
    assert result.verdict.kind == "signed"
    assert "这些是带符号的梯度" in result.message
