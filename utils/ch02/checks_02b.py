"""Answer checks for chapter 2: a parameter-count formula (2.1), Adam's memory in mixed precision
(2.2), training time from 6·N·D (2.3), causal attention forward (2.4) and backward (2.5), next-token
batches (2.6).

Each check builds seeded cases, knows the catalogued wrong answers, and calls `check_function`; the
notebooks call `check_...(learner_fn)` and hand the result to `choose_implementation`."""

from __future__ import annotations


import numpy as np

from utils.ch02 import attention as att
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, to_numpy
from utils.checks.mistakes import naming_mistakes, with_mistakes
from utils.checks.runner import Case, CheckResult, check_function
from utils.ch02.gpt import next_token_batch
from utils.ch02.checks_02a import _falling_back_to


# ---------------------------------------------------------------- 2.4 causal attention forward


def _scores(Q, K, scale=None):
    return Q @ K.T / (np.sqrt(Q.shape[-1]) if scale is None else scale)


def _masked(S, allowed, fill=-np.inf):
    return np.where(allowed, S, fill)


def _lower(T):
    return att.causal_mask(T)


ATTENTION_MISTAKES = (
    (
        "no mask",
        lambda Q, K, V: att.attention(Q, K, V, causal=False),
        "Every position also attends to LATER positions: the causal mask is missing. Before the "
        "softmax, set the scores "
        "of key j > query i (above the diagonal) to −inf, so that those weights come out exactly "
        "0.",
    ),
    (
        "mask flipped",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q)).T)) @ V,
        "The mask is the wrong way round: each position sees the future and not the past. Query i "
        "(row i) may attend to "
        "keys j ≤ i: keep the LOWER triangle, diagonal included (np.tril).",
    ),
    (
        "softmax over queries",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q))), axis=0) @ V,
        "The softmax normalises each COLUMN (over the queries). Each query's weights over the keys "
        "must sum to 1: take the "
        "softmax along the last axis (axis=-1), across each row.",
    ),
    (
        "no scale",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K, 1.0), _lower(len(Q)))) @ V,
        "The scores are not scaled. Divide Q·Kᵀ by √d_k, where d_k = Q.shape[-1], before the mask "
        "and the softmax.",
    ),
    (
        "scale by d_k",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K, Q.shape[-1]), _lower(len(Q)))) @ V,
        "You divided the scores by d_k. Divide by its square root, √d_k: that keeps their standard "
        "deviation near 1.",
    ),
    (
        "mask after softmax",
        lambda Q, K, V: (att.softmax(_scores(Q, K)) * _lower(len(Q))) @ V,
        "You zeroed the future weights AFTER the softmax, so each row no longer sums to 1. Mask "
        "the scores with −inf "
        "BEFORE the softmax; then the remaining weights are normalised among themselves.",
    ),
    (
        "masked with zero",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q)), fill=0.0)) @ V,
        "The future scores were set to 0, but e⁰ = 1, so the future still gets weight. Set them to "
        "−inf (or a very "
        "negative number such as −1e9) before the softmax.",
    ),
    (
        "K·Qᵀ",
        lambda Q, K, V: att.softmax(_masked(_scores(K, Q), _lower(len(Q)))) @ V,
        "Your score matrix is transposed: row i must hold query i against every key, S = Q·Kᵀ (not "
        "K·Qᵀ).",
    ),
)


def compare_attention(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """As naming_mistakes(compare_arrays), and first: NaN in row 0 only means the diagonal was
    masked too."""
    if got is not None:
        try:
            array = to_numpy(got)
        except (TypeError, ValueError):
            array = None
        right = to_numpy(expected.right)
        if (
            array is not None
            and array.shape == right.shape
            and array.ndim == 2
            and len(array) > 1
            and np.isnan(array[0]).all()
            and np.isfinite(array[1:]).all()
        ):
            return Verdict(
                False,
                "diagonal",
                (
                    "Row 0 is NaN and the other rows are finite: position 0 could attend to "
                    "nothing, so its softmax divided "
                    "0 by 0. Your mask hides the diagonal too. A position may attend to ITSELF: "
                    "allow j ≤ i (np.tril, k=0)."
                ),
            )
    return naming_mistakes(compare_arrays)(
        got, expected, batch_size=batch_size, rtol=rtol, atol=atol
    )


def _qkv(rng, T, d_k, d_v, scale=1.0):
    return (
        rng.normal(0, scale, size=(T, d_k)),
        rng.normal(0, scale, size=(T, d_k)),
        rng.normal(size=(T, d_v)),
    )


def attention_cases(seed: int = 0) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(_qkv(rng, 5, 4, 4), "T = 5 positions, d_k = d_v = 4"),
        Case(_qkv(rng, 6, 3, 5), "T = 6, d_k = 3, d_v = 5"),
        Case(_qkv(rng, 1, 2, 3), "a single position"),
        Case(
            _qkv(rng, 8, 16, 4, scale=25.0),
            "scores over 1000, where e^score overflows: the softmax must subtract the row maximum",
        ),
    ]


def check_causal_attention(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.4: softmax(Q·Kᵀ/√d_k + causal mask)·V."""
    result = check_function(
        "Exercise 2.4 (causal attention forward)",
        learner_fn,
        with_mistakes(att.causal_attention, ATTENTION_MISTAKES),
        attention_cases(),
        compare=compare_attention,
        rtol=1e-5,
        atol=1e-6,
        strict=strict,
        answer_keys=(att.attention,),
    )
    return _falling_back_to(result, att.causal_attention)


# ---------------------------------------------------------------- 2.5 attention backward


def _backward_parts(dO, Q, K, V, *, causal=True, coupling=True, scale=True, sum_axis=-1):
    s = 1.0 / np.sqrt(Q.shape[-1]) if scale else 1.0
    P = att.attention_weights(Q, K, causal)
    dV = P.T @ dO
    dP = dO @ V.T
    dS = P * (dP - np.sum(dP * P, axis=sum_axis, keepdims=True)) if coupling else P * dP
    return dS, P, dV, s


def _backward_variant(dO, Q, K, V, **kwargs):
    dS, P, dV, s = _backward_parts(dO, Q, K, V, **kwargs)
    return dS @ K * s, dS.T @ Q * s, dV


def _dv_untransposed(dO, Q, K, V):
    dQ, dK, _ = att.causal_attention_backward(dO, Q, K, V)
    return dQ, dK, att.attention_weights(Q, K) @ dO


def _dk_untransposed(dO, Q, K, V):
    dS, P, dV, s = _backward_parts(dO, Q, K, V)
    return dS @ K * s, dS @ Q * s, dV


BACKWARD_MISTAKES = (
    (
        "no coupling term",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, coupling=False),
        "dS is missing the softmax's coupling term. The weights of a row share one denominator, so "
        "each score moves all "
        "of them: dS = P ⊙ (dP − rowsum(P ⊙ dP)), with the row sum kept as a column "
        "(keepdims=True).",
    ),
    (
        "row sum over queries",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, sum_axis=0),
        "The row sum in dS = P ⊙ (dP − Σ_j P_ij dP_ij) runs over the KEYS j of each query i: sum "
        "along axis=-1, not axis 0.",
    ),
    (
        "no scale",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, scale=False),
        "dQ and dK are √d_k too large: the forward divided the scores by √d_k, so the chain rule "
        "multiplies dQ and dK by 1/√d_k.",
    ),
    (
        "dV untransposed",
        _dv_untransposed,
        "dV is wrong: O = P·V, so dV = Pᵀ·dO. Each key's value gets gradient from every query that "
        "attended to it: a "
        "column of P, hence the transpose.",
    ),
    (
        "dK untransposed",
        _dk_untransposed,
        "dK is wrong: S = Q·Kᵀ/√d_k gives dK = dSᵀ·Q/√d_k (the transpose of dS), while dQ = "
        "dS·K/√d_k.",
    ),
    (
        "no mask",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, causal=False),
        "You recomputed the attention weights without the causal mask. The backward pass must use "
        "the same P as the "
        "forward: future keys masked, so that they get zero gradient.",
    ),
    (
        "dQ and dK swapped",
        lambda dO, Q, K, V: (lambda g: (g[1], g[0], g[2]))(
            att.causal_attention_backward(dO, Q, K, V)
        ),
        "dQ and dK are swapped: return them in the order (dQ, dK, dV).",
    ),
)


def backward_cases(seed: int = 1) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for T, d_k, d_v, label in (
        (4, 3, 3, "T = 4, d_k = d_v = 3"),
        (6, 4, 2, "T = 6, d_k = 4, d_v = 2"),
        (5, 8, 5, "T = 5, d_k = 8, d_v = 5"),
    ):
        Q, K, V = _qkv(rng, T, d_k, d_v)
        cases.append(Case((rng.normal(size=(T, d_v)), Q, K, V), label))
    return cases


def check_attention_backward(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.5: (dQ, dK, dV) of causal attention."""
    result = check_function(
        "Exercise 2.5 (attention backward)",
        learner_fn,
        with_mistakes(att.causal_attention_backward, BACKWARD_MISTAKES),
        backward_cases(),
        compare=naming_mistakes(compare_named(("dQ", "dK", "dV"))),
        rtol=1e-5,
        atol=1e-7,
        strict=strict,
        answer_keys=(att.attention_backward,),
    )
    return _falling_back_to(result, att.causal_attention_backward)


# ---------------------------------------------------------------- 2.6 next-token batches


def _windows(tokens, starts, length, offset=0):
    return np.asarray(tokens)[np.asarray(starts)[:, None] + offset + np.arange(length)[None, :]]


BATCH_MISTAKES = (
    (
        "not shifted",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, T)),
        "Y equals X: each position would be trained to predict ITSELF, which needs no model. The "
        "target at position t is "
        "the NEXT token: Y[i] = tokens[s+1 : s+T+1].",
    ),
    (
        "shifted backwards",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, T, offset=-1)),
        "Y is shifted the wrong way: it holds the PREVIOUS token. The target is the next one: Y[i] "
        "= tokens[s+1 : s+T+1].",
    ),
    (
        "swapped",
        lambda t, s, T: (_windows(t, s, T, offset=1), _windows(t, s, T)),
        "X and Y are swapped: return (X, Y), inputs first, with Y one token ahead of X.",
    ),
    (
        "window too long",
        lambda t, s, T: (_windows(t, s, T + 1), _windows(t, s, T + 1, offset=1)),
        "Each window holds context + 1 tokens. X and Y hold `context` tokens each: X = tokens[s : "
        "s+T], Y = tokens[s+1 : s+T+1].",
    ),
    (
        "last token only",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, 1, offset=T)[:, 0]),
        "Y holds one token per window (the one after it). A GPT predicts the next token at EVERY "
        "position, so Y has the "
        "shape of X: Y = tokens[s+1 : s+T+1].",
    ),
)


def batch_cases(seed: int = 2) -> list[Case]:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 500, size=200)
    return [
        Case((tokens, np.array([3, 50, 120, 7]), 8), "4 windows of 8 tokens"),
        Case((tokens, np.array([1]), 1), "one window of 1 token"),
        Case(
            (np.arange(100, 140), np.array([5, 28]), 9), "tokens 100…139, so Y − X = 1 everywhere"
        ),
    ]


def check_next_token_batch(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.6: (X, Y) windows with Y one token ahead of X."""
    result = check_function(
        "Exercise 2.6 (next-token batches)",
        learner_fn,
        with_mistakes(next_token_batch, BATCH_MISTAKES),
        batch_cases(),
        compare=naming_mistakes(compare_named(("X", "Y"))),
        rtol=0.0,
        atol=0.0,
        strict=strict,
    )
    return _falling_back_to(result, next_token_batch)
