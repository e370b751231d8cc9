"""Notebook 2b's checks: each catalogued wrong answer is named, right answers written other ways
pass (a loop, einsum in place, float32, torch, autograd), shortcuts through the course's own
attention are called the answer key, and a stub is reported as not attempted and falls back."""

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
from tests.checks.contract import catalogue_rows as catalogue
from utils.ch02 import attention as att
from utils.ch02 import checks_02b
from utils.ch02.gpt import next_token_batch
from utils.checks import choose_implementation


# ---------------------------------------------------------------- 2.4 causal attention forward


def attention_loop(Q, K, V):
    out = np.zeros((Q.shape[0], V.shape[1]))
    for i in range(Q.shape[0]):
        s = Q[i] @ K[: i + 1].T / np.sqrt(Q.shape[1])
        w = np.exp(s - s.max())
        out[i] = (w / w.sum()) @ V[: i + 1]
    return out


def attention_einsum_in_place(Q, K, V):
    S = np.einsum("id,jd->ij", Q, K)
    S /= np.sqrt(Q.shape[-1])
    S[np.triu_indices(len(S), k=1)] = -1e30
    S -= S.max(axis=1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=1, keepdims=True)
    return S @ V


def attention_float32(Q, K, V):
    Q, K, V = (x.astype(np.float32) for x in (Q, K, V))
    S = Q @ K.T / np.float32(np.sqrt(Q.shape[-1]))
    S = np.where(np.tril(np.ones(S.shape, bool)), S, -np.inf)
    P = np.exp(S - S.max(-1, keepdims=True))
    return (P / P.sum(-1, keepdims=True)) @ V


def attention_torch(Q, K, V):
    q, k, v = (torch.from_numpy(x) for x in (Q, K, V))
    return torch.nn.functional.scaled_dot_product_attention(
        q[None], k[None], v[None], is_causal=True
    )[0]


def diagonal_masked(Q, K, V):
    S = Q @ K.T / np.sqrt(Q.shape[-1])
    S = np.where(np.tril(np.ones(S.shape, bool), k=-1), S, -np.inf)
    with np.errstate(invalid="ignore"):
        P = np.exp(S - S.max(-1, keepdims=True))
        return (P / P.sum(-1, keepdims=True)) @ V


def naive_softmax(Q, K, V):
    S = np.where(np.tril(np.ones((len(Q), len(K)), bool)), Q @ K.T / np.sqrt(Q.shape[-1]), -np.inf)
    with np.errstate(over="ignore", invalid="ignore"):
        return (np.exp(S) / np.exp(S).sum(-1, keepdims=True)) @ V


ATTENTION_RIGHT = [attention_loop, attention_einsum_in_place, attention_float32, attention_torch]
test_causal_attention_mistakes = wrong_answers_named(
    checks_02b.check_causal_attention,
    [
        *catalogue(checks_02b.ATTENTION_MISTAKES),
        WrongAnswer("diagonal masked", diagonal_masked, "diagonal", "ITSELF"),
        WrongAnswer("softmax without the row maximum", naive_softmax, "nan", "stable"),
    ],
)
test_causal_attention_right = right_answers_pass(checks_02b.check_causal_attention, ATTENTION_RIGHT)


def test_an_overflowing_softmax_fails_on_the_case_with_large_scores():
    result = checks_02b.check_causal_attention(naive_softmax, strict=False)
    assert "test case 4" in result.message


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "shortcut, name",
    [
        (lambda Q, K, V: att.attention(Q, K, V), "attention.attention"),
        (lambda Q, K, V: att.attention_weights(Q, K, causal=True) @ V, "attention_weights"),
        (
            lambda Q, K, V: (
                att.softmax(
                    np.where(att.causal_mask(len(Q)), Q @ K.T / np.sqrt(Q.shape[1]), -np.inf)
                )
                @ V
            ),
            "attention.softmax",
        ),
    ],
    ids=["attention", "attention_weights", "softmax"],
)
def test_the_course_attention_is_called_the_answer_key(shortcut, name):
    result = checks_02b.check_causal_attention(shortcut, strict=False)
    assert result.status == "failed" and name in result.message and "answer" in result.message


# ---------------------------------------------------------------- 2.5 attention backward


def backward_by_hand(dO, Q, K, V):
    d = Q.shape[-1]
    S = np.where(np.tril(np.ones((len(Q), len(K)), bool)), Q @ K.T / np.sqrt(d), -np.inf)
    P = np.exp(S - S.max(-1, keepdims=True))
    P /= P.sum(-1, keepdims=True)
    dP = dO @ V.T
    dS = P * dP - P * np.einsum("ij,ij->i", P, dP)[:, None]
    return dS @ K / np.sqrt(d), dS.T @ Q / np.sqrt(d), P.T @ dO


def backward_autograd(dO, Q, K, V):
    q, k, v = (torch.tensor(x, requires_grad=True) for x in (Q, K, V))
    out = torch.nn.functional.scaled_dot_product_attention(
        q[None], k[None], v[None], is_causal=True
    )[0]
    out.backward(torch.from_numpy(dO))
    return q.grad, k.grad, v.grad


def backward_float32(dO, Q, K, V):
    return tuple(
        g.astype(np.float32)
        for g in backward_by_hand(*(x.astype(np.float32) for x in (dO, Q, K, V)))
    )


def backward_autograd_float32(dO, Q, K, V):
    """torch's fused attention in float32: its rounding differs from a NumPy float32 answer."""
    q, k, v = (torch.tensor(x, dtype=torch.float32, requires_grad=True) for x in (Q, K, V))
    out = torch.nn.functional.scaled_dot_product_attention(
        q[None], k[None], v[None], is_causal=True
    )[0]
    out.backward(torch.as_tensor(dO, dtype=torch.float32))
    return q.grad, k.grad, v.grad


def backward_with_the_course_weights(dO, Q, K, V):
    """The statement allows att.attention_weights for P: a partial helper, not the answer key."""
    P = att.attention_weights(Q, K)
    dP = dO @ V.T
    dS = P * (dP - (P * dP).sum(axis=1, keepdims=True))
    return dS @ K / np.sqrt(Q.shape[1]), dS.T @ Q / np.sqrt(Q.shape[1]), P.T @ dO


test_attention_backward_mistakes = wrong_answers_named(
    checks_02b.check_attention_backward, catalogue(checks_02b.BACKWARD_MISTAKES)
)
test_attention_backward_right = right_answers_pass(
    checks_02b.check_attention_backward,
    [
        backward_by_hand,
        backward_autograd,
        backward_float32,
        backward_autograd_float32,
        backward_with_the_course_weights,
    ],
)


def test_gradients_in_reverse_order_are_named():
    result = checks_02b.check_attention_backward(
        lambda *args: backward_by_hand(*args)[::-1], strict=False
    )
    assert result.verdict.kind == "reversed order" and "(dQ, dK, dV)" in result.message


# ---------------------------------------------------------------- 2.6 next-token batches


def batch_loop(tokens, starts, context):
    X = np.stack([tokens[s : s + context] for s in starts])
    Y = np.stack([tokens[s + 1 : s + context + 1] for s in starts])
    return X, Y


def batch_torch(tokens, starts, context):
    t = torch.as_tensor(tokens)
    index = torch.as_tensor(starts)[:, None] + torch.arange(context + 1)
    window = t[index]
    return window[:, :-1], window[:, 1:]


test_next_token_batch_mistakes = wrong_answers_named(
    checks_02b.check_next_token_batch, catalogue(checks_02b.BATCH_MISTAKES)
)
test_next_token_batch_right = right_answers_pass(
    checks_02b.check_next_token_batch, [batch_loop, batch_torch]
)


def test_an_exact_check_quotes_no_tolerance():
    message = checks_02b.check_next_token_batch(batch_loop, strict=False).message
    assert message.startswith("✓") and "rtol" not in message


# ---------------------------------------------------------------- every check

CHECKS = [
    checks_02b.check_causal_attention,
    checks_02b.check_attention_backward,
    checks_02b.check_next_token_batch,
]
test_causal_attention_not_attempted = not_attempted(checks_02b.check_causal_attention)
test_attention_backward_not_attempted = not_attempted(checks_02b.check_attention_backward)
test_next_token_batch_not_attempted = not_attempted(checks_02b.check_next_token_batch)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_returning_nothing_is_caught(check):
    assert check(lambda *args: None, strict=False).status == "failed"


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks_02b.check_causal_attention, att.causal_attention),
        (checks_02b.check_attention_backward, att.causal_attention_backward),
        (checks_02b.check_next_token_batch, next_token_batch),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_unsolved_exercises_fall_back_to_the_plain_reference(check, reference, capsys):
    result = check(stub, strict=False)
    assert choose_implementation(result, stub) is reference
    assert "reference implementation" in capsys.readouterr().out


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    from tests.checks.contract import assert_named

    monkeypatch.setenv("COURSE_LANG", "zh")

    def not_shifted(tokens, starts, context):
        X = np.stack([tokens[s : s + context] for s in starts])
        return X, X.copy()

    result = checks_02b.check_next_token_batch(not_shifted, strict=False)
    assert_named(result, "not shifted", "Y 等于 X：每个位置都会被训练去预测它自己")
    assert result.message.startswith("✗ 练习 2.6（预测下一个词元的批次）"), result.message
