"""Answer checks for notebook 2b: causal attention forward (2.4) and backward (2.5), next-token
batches (2.6).

Each check builds seeded cases and its catalogue of wrong answers, and is built with
`catalogued_check`; the notebook calls `check_...(learner_fn)` and hands the result to
`choose_implementation`."""

from __future__ import annotations

import numpy as np

from utils.ch02 import attention as att
from utils.ch02.gpt import next_token_batch
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


# ---------------------------------------------------------------- 2.4 causal attention forward


def _scores(Q, K, scale=None):
    return Q @ K.T / (np.sqrt(Q.shape[-1]) if scale is None else scale)


def _masked(S, allowed, fill=-np.inf):
    return np.where(allowed, S, fill)


def _lower(T):
    return att.causal_mask(T)


ATTENTION_MISTAKES = (
    Mistake(
        "no mask",
        lambda Q, K, V: att.attention(Q, K, V, causal=False),
        N_(
            "Every position also attends to LATER positions: the causal mask is missing. Before "
            "the softmax, set the scores of key j > query i (above the diagonal) to −inf, so that "
            "those weights come out exactly 0."
        ),
    ),
    Mistake(
        "mask flipped",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q)).T)) @ V,
        N_(
            "The mask is the wrong way round: each position sees the future and not the past. "
            "Query i (row i) may attend to keys j ≤ i: keep the LOWER triangle, diagonal included "
            "(np.tril)."
        ),
    ),
    Mistake(
        "softmax over queries",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q))), axis=0) @ V,
        N_(
            "The softmax normalises each COLUMN (over the queries). Each query's weights over the "
            "keys must sum to 1: take the softmax along the last axis (axis=-1), across each row."
        ),
    ),
    Mistake(
        "no scale",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K, 1.0), _lower(len(Q)))) @ V,
        N_(
            "The scores are not scaled. Divide Q·Kᵀ by √d_k, where d_k = Q.shape[-1], before the "
            "mask and the softmax."
        ),
    ),
    Mistake(
        "scale by d_k",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K, Q.shape[-1]), _lower(len(Q)))) @ V,
        N_(
            "You divided the scores by d_k. Divide by its square root, √d_k: that keeps their "
            "standard deviation near 1."
        ),
    ),
    Mistake(
        "mask after softmax",
        lambda Q, K, V: (att.softmax(_scores(Q, K)) * _lower(len(Q))) @ V,
        N_(
            "You zeroed the future weights AFTER the softmax, so each row no longer sums to 1. "
            "Mask the scores with −inf BEFORE the softmax; then the remaining weights are "
            "normalised among themselves."
        ),
    ),
    Mistake(
        "masked with zero",
        lambda Q, K, V: att.softmax(_masked(_scores(Q, K), _lower(len(Q)), fill=0.0)) @ V,
        N_(
            "The future scores were set to 0, but e⁰ = 1, so the future still gets weight. Set "
            "them to −inf (or a very negative number such as −1e9) before the softmax."
        ),
    ),
    Mistake(
        "K·Qᵀ",
        lambda Q, K, V: att.softmax(_masked(_scores(K, Q), _lower(len(Q)))) @ V,
        N_(
            "Your score matrix is transposed: row i must hold query i against every key, S = Q·Kᵀ "
            "(not K·Qᵀ)."
        ),
    ),
)


def compare_attention(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """As compare_arrays, and first: NaN in row 0 only means the diagonal was masked too."""
    if got is not None:
        try:
            array = to_numpy(got)
        except (TypeError, ValueError):
            array = None
        right = to_numpy(expected)
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
                _(
                    "Row 0 is NaN and the other rows are finite: position 0 could attend to "
                    "nothing, so its softmax divided 0 by 0. Your mask hides the diagonal too. A "
                    "position may attend to ITSELF: allow j ≤ i (np.tril, k=0)."
                ),
            )
    return compare_arrays(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)


def _qkv(rng, T, d_k, d_v, scale=1.0):
    return (
        rng.normal(0, scale, size=(T, d_k)),
        rng.normal(0, scale, size=(T, d_k)),
        rng.normal(size=(T, d_v)),
    )


def attention_cases(seed: int = 0) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(_qkv(rng, 5, 4, 4), N_("T = 5 positions, d_k = d_v = 4")),
        Case(_qkv(rng, 6, 3, 5), "T = 6, d_k = 3, d_v = 5"),
        Case(_qkv(rng, 1, 2, 3), N_("a single position")),
        Case(
            _qkv(rng, 8, 16, 4, scale=25.0),
            N_(
                "scores over 1000, where e^score overflows: the softmax must subtract the row "
                "maximum"
            ),
        ),
    ]


def check_causal_attention(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.4: softmax(Q·Kᵀ/√d_k + causal mask)·V."""
    return catalogued_check(
        N_("Exercise 2.4 (causal attention forward)"),
        learner_fn,
        att.causal_attention,
        attention_cases(),
        mistakes=ATTENTION_MISTAKES,
        compare=compare_attention,
        rtol=1e-5,
        atol=1e-6,
        strict=strict,
        # the stable, masked softmax is the exercise: the course's own weights would skip it
        answer_keys=(att.attention, att.attention_weights, att.softmax),
    )


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
    Mistake(
        "no coupling term",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, coupling=False),
        N_(
            "dS is missing the softmax's coupling term. The weights of a row share one "
            "denominator, so each score moves all of them: dS = P ⊙ (dP − rowsum(P ⊙ dP)), with "
            "the row sum kept as a column (keepdims=True)."
        ),
    ),
    Mistake(
        "row sum over queries",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, sum_axis=0),
        N_(
            "The row sum in dS = P ⊙ (dP − Σ_j P_ij dP_ij) runs over the KEYS j of each query i: "
            "sum along axis=-1, not axis 0."
        ),
    ),
    Mistake(
        "no scale",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, scale=False),
        N_(
            "dQ and dK are √d_k too large: the forward divided the scores by √d_k, so the chain "
            "rule multiplies dQ and dK by 1/√d_k."
        ),
    ),
    Mistake(
        "dV untransposed",
        _dv_untransposed,
        N_(
            "dV is wrong: O = P·V, so dV = Pᵀ·dO. Each key's value gets gradient from every query "
            "that attended to it: a column of P, hence the transpose."
        ),
    ),
    Mistake(
        "dK untransposed",
        _dk_untransposed,
        N_(
            "dK is wrong: S = Q·Kᵀ/√d_k gives dK = dSᵀ·Q/√d_k (the transpose of dS), while dQ = "
            "dS·K/√d_k."
        ),
    ),
    Mistake(
        "no mask",
        lambda dO, Q, K, V: _backward_variant(dO, Q, K, V, causal=False),
        N_(
            "You recomputed the attention weights without the causal mask. The backward pass must "
            "use the same P as the forward: future keys masked, so that they get zero gradient."
        ),
    ),
    Mistake(
        "reversed order",
        lambda dO, Q, K, V: att.causal_attention_backward(dO, Q, K, V)[::-1],
        N_(
            "Your gradients are in the reverse order, (dV, dK, dQ). Return them as (dQ, dK, dV): "
            "the order of the inputs Q, K, V."
        ),
    ),
    Mistake(
        "dQ and dK swapped",
        lambda dO, Q, K, V: (lambda g: (g[1], g[0], g[2]))(
            att.causal_attention_backward(dO, Q, K, V)
        ),
        N_("dQ and dK are swapped: return them in the order (dQ, dK, dV)."),
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
    return catalogued_check(
        N_("Exercise 2.5 (attention backward)"),
        learner_fn,
        att.causal_attention_backward,
        backward_cases(),
        mistakes=BACKWARD_MISTAKES,
        compare=compare_named(("dQ", "dK", "dV")),
        rtol=1e-5,
        atol=1e-6,  # float32 autograd leaves ~1e-7 on entries of size 1 that cancel to ~1e-4
        strict=strict,
        answer_keys=(att.attention_backward,),
    )


# ---------------------------------------------------------------- 2.6 next-token batches


def _windows(tokens, starts, length, offset=0):
    return np.asarray(tokens)[np.asarray(starts)[:, None] + offset + np.arange(length)[None, :]]


BATCH_MISTAKES = (
    Mistake(
        "not shifted",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, T)),
        N_(
            "Y equals X: each position would be trained to predict ITSELF, which needs no model. "
            "The target at position t is the NEXT token: Y[i] = tokens[s+1 : s+T+1]."
        ),
    ),
    Mistake(
        "shifted backwards",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, T, offset=-1)),
        N_(
            "Y is shifted the wrong way: it holds the PREVIOUS token. The target is the next one: "
            "Y[i] = tokens[s+1 : s+T+1]."
        ),
    ),
    Mistake(
        "swapped",
        lambda t, s, T: (_windows(t, s, T, offset=1), _windows(t, s, T)),
        N_("X and Y are swapped: return (X, Y), inputs first, with Y one token ahead of X."),
    ),
    Mistake(
        "window too long",
        lambda t, s, T: (_windows(t, s, T + 1), _windows(t, s, T + 1, offset=1)),
        N_(
            "Each window holds context + 1 tokens. X and Y hold `context` tokens each: X = "
            "tokens[s : s+T], Y = tokens[s+1 : s+T+1]."
        ),
    ),
    Mistake(
        "last token only",
        lambda t, s, T: (_windows(t, s, T), _windows(t, s, 1, offset=T)[:, 0]),
        N_(
            "Y holds one token per window (the one after it). A GPT predicts the next token at "
            "EVERY position, so Y has the shape of X: Y = tokens[s+1 : s+T+1]."
        ),
    ),
)


def batch_cases(seed: int = 2) -> list[Case]:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 500, size=200)
    return [
        Case((tokens, np.array([3, 50, 120, 7]), 8), N_("4 windows of 8 tokens")),
        Case((tokens, np.array([1]), 1), N_("one window of 1 token")),
        Case(
            (np.arange(100, 140), np.array([5, 28]), 9),
            N_("tokens 100…139, so Y − X = 1 everywhere"),
        ),
    ]


def check_next_token_batch(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.6: (X, Y) windows with Y one token ahead of X."""
    return catalogued_check(
        N_("Exercise 2.6 (next-token batches)"),
        learner_fn,
        next_token_batch,
        batch_cases(),
        mistakes=BATCH_MISTAKES,
        compare=compare_named(("X", "Y")),
        exact=True,
        rtol=0.0,
        atol=0.0,
        strict=strict,
    )
