"""Chapter 2's checks: each catalogued wrong answer is named, right answers written other ways pass
(in place, einsum, float32, another order), and a stub is reported as not attempted."""

import numpy as np
import pytest
import torch

from utils.checks import choose_implementation
from utils.ch02 import checks_02a
from utils.ch02 import checks_02b
from utils.ch02 import attention as att
from utils.ch02.gpt import next_token_batch

rng = np.random.default_rng(0)


def stub(*args):
    raise NotImplementedError


def assert_named(result, kind, phrase=""):
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def assert_passes(result):
    assert result.status == "passed", result.message


# ---------------------------------------------------------------- 2.1 parameter count

CHECKS_AND_MISTAKES = [
    (checks_02a.check_parameter_formula, checks_02a.PARAMETER_MISTAKES),
    (checks_02a.check_adam_memory, checks_02a.MEMORY_MISTAKES),
    (checks_02a.check_training_days, checks_02a.DAYS_MISTAKES),
    (checks_02b.check_causal_attention, checks_02b.ATTENTION_MISTAKES),
    (checks_02b.check_attention_backward, checks_02b.BACKWARD_MISTAKES),
    (checks_02b.check_next_token_batch, checks_02b.BATCH_MISTAKES),
]
CATALOGUE = [
    (check, kind, fn) for check, mistakes in CHECKS_AND_MISTAKES for kind, fn, _ in mistakes
]


@pytest.mark.parametrize(
    "check, kind, fn", CATALOGUE, ids=[f"{c.__name__}-{k}" for c, k, _ in CATALOGUE]
)
def test_every_catalogued_mistake_is_named(check, kind, fn):
    assert_named(check(fn, strict=False), kind)


@pytest.mark.parametrize("check", [c for c, _ in CHECKS_AND_MISTAKES], ids=lambda c: c.__name__)
def test_stub_is_not_attempted_and_none_is_caught(check):
    assert check(stub, strict=False).status == "not attempted"
    assert check(lambda *args: None, strict=False).status == "failed"


def parameters_by_parts(V, d, L, T, ff):
    embeddings = V * d + T * d
    attention = 4 * (d * d + d)
    mlp = d * ff + ff + ff * d + d
    norms = 2 * (2 * d)
    return embeddings + L * (attention + mlp + norms) + 2 * d


def parameters_with_torch(V, d, L, T, ff):
    """Another right answer: build the layers on the meta device and count."""
    with torch.device("meta"):
        block = torch.nn.ModuleList(
            [
                torch.nn.Linear(d, 3 * d),
                torch.nn.Linear(d, d),
                torch.nn.Linear(d, ff),
                torch.nn.Linear(ff, d),
                torch.nn.LayerNorm(d),
                torch.nn.LayerNorm(d),
            ]
        )
        rest = torch.nn.ModuleList(
            [torch.nn.Embedding(V, d), torch.nn.Embedding(T, d), torch.nn.LayerNorm(d)]
        )
    count = lambda m: sum(p.numel() for p in m.parameters())
    return np.int64(L * count(block) + count(rest))


@pytest.mark.parametrize(
    "fn", [parameters_by_parts, parameters_with_torch, lambda *a: float(parameters_by_parts(*a))]
)
def test_parameter_formula_right_answers_pass(fn):
    assert_passes(checks_02a.check_parameter_formula(fn, strict=False))


def test_parameter_formula_unknown_error_gives_the_difference_and_a_checklist():
    result = checks_02a.check_parameter_formula(
        lambda *a: parameters_by_parts(*a) + 1, strict=False
    )
    assert_named(result, "values", "off by +1")
    assert "one by one" in result.message
    assert_named(
        checks_02a.check_parameter_formula(lambda *a: parameters_by_parts(*a) + 0.5, strict=False),
        "type",
        "whole number",
    )


# ---------------------------------------------------------------- 2.2 Adam memory


@pytest.mark.parametrize(
    "fn",
    [
        lambda n: (2 * n, 2 * n, 4 * n, 8 * n),
        lambda n: [n * 2.0, n * 2.0, n * 4.0, n * 4.0 + n * 4.0],  # a list, the moments as m + v
        lambda n: tuple(np.array([2, 2, 4, 8], dtype=np.int64) * n),
    ],
)
def test_adam_memory_right_answers_pass(fn):
    assert_passes(checks_02a.check_adam_memory(fn, strict=False))


def test_adam_memory_wrong_part_is_named_by_part():
    result = checks_02a.check_adam_memory(lambda n: (2 * n, 2 * n, 4 * n, 8 * n + 1), strict=False)
    assert result.status == "failed" and "Adam moments" in result.message


# ---------------------------------------------------------------- 2.3 days of training


@pytest.mark.parametrize(
    "fn",
    [
        lambda N, D, g, p, u: 6 * N * D / (g * p * u) / 86400,
        lambda N, D, g, p, u: (6 * N * D / g) / (p * u) / 3600 / 24,
        lambda N, D, g, p, u: np.float32(6 * N * D / (g * p * u * 86400)),
    ],
)
def test_training_days_right_answers_pass(fn):
    assert_passes(checks_02a.check_training_days(fn, strict=False))


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


@pytest.mark.parametrize(
    "fn", [attention_loop, attention_einsum_in_place, attention_float32, attention_torch]
)
def test_causal_attention_right_answers_pass(fn):
    assert_passes(checks_02b.check_causal_attention(fn, strict=False))


def test_causal_attention_masked_diagonal_and_overflow_are_diagnosed():
    def diagonal_masked(Q, K, V):
        S = Q @ K.T / np.sqrt(Q.shape[-1])
        S = np.where(np.tril(np.ones(S.shape, bool), k=-1), S, -np.inf)
        with np.errstate(invalid="ignore"):
            P = np.exp(S - S.max(-1, keepdims=True))
            return (P / P.sum(-1, keepdims=True)) @ V

    assert_named(
        checks_02b.check_causal_attention(diagonal_masked, strict=False), "diagonal", "ITSELF"
    )

    def naive_softmax(Q, K, V):
        S = np.where(
            np.tril(np.ones((len(Q), len(K)), bool)), Q @ K.T / np.sqrt(Q.shape[-1]), -np.inf
        )
        with np.errstate(over="ignore", invalid="ignore"):
            return (np.exp(S) / np.exp(S).sum(-1, keepdims=True)) @ V

    result = checks_02b.check_causal_attention(naive_softmax, strict=False)
    assert_named(result, "nan", "stable")
    assert "test case 4" in result.message


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


@pytest.mark.parametrize("fn", [backward_by_hand, backward_autograd, backward_float32])
def test_attention_backward_right_answers_pass(fn):
    assert_passes(checks_02b.check_attention_backward(fn, strict=False))


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


@pytest.mark.parametrize("fn", [batch_loop, batch_torch])
def test_next_token_batch_right_answers_pass(fn):
    assert_passes(checks_02b.check_next_token_batch(fn, strict=False))


# ---------------------------------------------------------------- fallbacks and the answer key


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks_02a.check_parameter_formula, checks_02a.gpt_parameters),
        (checks_02a.check_adam_memory, checks_02a.adam_mixed_precision_bytes),
        (checks_02a.check_training_days, checks_02a.training_days),
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


@pytest.mark.answer_key_watch
def test_calling_the_course_functions_is_called_the_answer_key():
    from utils.ch02 import attention
    from utils import param_count

    result = checks_02b.check_causal_attention(
        lambda Q, K, V: attention.attention(Q, K, V), strict=False
    )
    assert result.status == "failed" and "answer" in result.message
    result = checks_02a.check_parameter_formula(
        lambda V, d, L, T, ff: param_count.total_parameters(
            param_count.gpt2_style(V, d, L, 1, T, ff)
        ),
        strict=False,
    )
    assert result.status == "failed" and "answer" in result.message


def test_master_weights_and_moments_swapped_are_named_as_an_order_slip():
    result = checks_02a.check_adam_memory(lambda n: (2 * n, 2 * n, 8 * n, 4 * n), strict=False)
    assert result.verdict.kind == "order" and "wrong order" in result.message


def test_a_numpy_array_of_four_values_is_told_what_to_return():
    result = checks_02a.check_adam_memory(lambda n: np.array([2, 2, 4, 8]) * n, strict=False)
    assert result.status == "failed" and "yours is a ndarray of length 4" in result.message
