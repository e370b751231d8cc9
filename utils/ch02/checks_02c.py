"""Answer checks for notebook 2c: rotary position embeddings (2.7), the top-p filter (2.8), one
cached decoding step (2.9) and the key/value cache's bytes per token (2.10).

Each check builds seeded cases, names the catalogued wrong answers, and falls back to the reference
in `utils.ch02.generation`; the notebook calls `check_...(learner_fn)` and hands the result to
`choose_implementation`. The RoPE and top-p checks also name an answer that calls `transformers`'
own rotation or filter, since the notebook compares the learner's function with those next."""

from __future__ import annotations

import math

import numpy as np

from utils.ch02 import generation as gen
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

# ---------------------------------------------------------------- 2.7 rotary position embeddings


def _rotate(
    x,
    positions,
    base,
    *,
    exponent=-2.0,
    sign=1.0,
    pairs="halves",
    shift=0,
    moving=True,
    trig_swapped=False,
    second_half=True,
    output_swapped=False,
):
    """A rotation like RoPE's, with one thing changed, for the catalogue of mistakes."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[-1]
    theta = float(base) ** (exponent * np.arange(d // 2) / d)
    where = np.asarray(positions) + shift if moving else np.ones(len(positions))
    angles = where[:, None] * theta[None, :]
    cos, sin = np.cos(angles), sign * np.sin(angles)
    if trig_swapped:
        cos, sin = sin, cos
    if pairs == "neighbours":
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
        return out
    if pairs == "mirrored":  # dimension i with dimension d − 1 − i
        a, b = x[..., : d // 2], x[..., ::-1][..., : d // 2]
        out = np.empty_like(x)
        out[..., : d // 2] = a * cos - b * sin
        out[..., ::-1][..., : d // 2] = b * cos + a * sin
        return out
    a, b = x[..., : d // 2], x[..., d // 2 :]
    first, second = a * cos - b * sin, (b * cos + a * sin) if second_half else b
    return np.concatenate([second, first] if output_swapped else [first, second], axis=-1)


def _both(**change):
    def wrong(q, k, positions, base):
        return _rotate(q, positions, base, **change), _rotate(k, positions, base, **change)

    return wrong


ROPE_MISTAKES = (
    Mistake(
        "neighbour pairs",
        _both(pairs="neighbours"),
        N_(
            "You rotated neighbouring dimensions (2i, 2i+1) together, the layout of the RoFormer "
            "paper. This exercise uses LLaMA's layout in transformers: dimension i pairs with "
            "dimension i + d/2 (the first half with the second half). Both are rotations, but a "
            "model's weights are trained for one layout."
        ),
    ),
    Mistake(
        "mirrored pairs",
        _both(pairs="mirrored"),
        N_(
            "You paired dimension i with dimension d − 1 − i (the second half read backwards). "
            "Pair dimension i with dimension i + d/2: x[:, :d//2] with x[:, d//2:], in the same "
            "order."
        ),
    ),
    Mistake(
        "exponent i/d",
        _both(exponent=-1.0),
        N_(
            "Your angles fall off too slowly: θ_i = base^(−2i/d), with a 2 in the exponent, for i "
            "= 0 … d/2 − 1. With base^(−i/d) the slowest pair turns about √base times too fast."
        ),
    ),
    Mistake(
        "exponent 4i/d",
        _both(exponent=-4.0),
        N_(
            "Your angles fall off twice as fast as they should: your exponent is −4i/d. With "
            "np.arange(0, d, 2), which already holds 2i, divide by d, not by d/2: θ_i = "
            "base^(−2i/d)."
        ),
    ),
    Mistake(
        "exponent sign",
        _both(exponent=2.0),
        N_(
            "Your frequencies grow with i: the exponent must be negative, θ_i = base^(−2i/d) = 1 "
            "/ base^(2i/d). The first pair turns fastest (θ_0 = 1 radian per position) and the "
            "last slowest."
        ),
    ),
    Mistake(
        "base fixed",
        lambda q, k, positions, base: _both()(q, k, positions, 10000.0),
        N_(
            "Your code uses a base of 10,000 whatever the `base` argument says. Use the argument: "
            "the test cases include base = 500."
        ),
    ),
    Mistake(
        "turned backwards",
        _both(sign=-1.0),
        N_(
            "Your rotation turns the wrong way (the sign of sin is flipped): the first half "
            "becomes x₁·cos − x₂·sin and the second half x₂·cos + x₁·sin, with x₁ the first half "
            "and x₂ the second."
        ),
    ),
    Mistake(
        "sin and cos swapped",
        _both(trig_swapped=True),
        N_(
            "You swapped sin and cos: at position 0 nothing may move (cos 0 = 1, sin 0 = 0), but "
            "yours does. The first half becomes x₁·cos − x₂·sin and the second half x₂·cos + "
            "x₁·sin."
        ),
    ),
    Mistake(
        "second half not rotated",
        _both(second_half=False),
        N_(
            "Only the first half was rotated; the second half came back unchanged. A rotation "
            "moves both numbers of a pair: the second half becomes x₂·cos + x₁·sin, computed from "
            "the ORIGINAL first half x₁ (keep a copy before you overwrite it)."
        ),
    ),
    Mistake(
        "halves swapped",
        _both(output_swapped=True),
        N_(
            "The two halves of your output are in the wrong order: you put the rotated second "
            "half first. Return [x₁·cos − x₂·sin, x₂·cos + x₁·sin], first half first."
        ),
    ),
    Mistake(
        "position off by one",
        _both(shift=1),
        N_(
            "Each row is turned by one position too many: row t's angle is positions[t]·θ_i, so "
            "the row at position 0 is not rotated at all. Do not add 1 to the positions."
        ),
    ),
    Mistake(
        "same angle for every row",
        _both(moving=False),
        N_(
            "Every row was turned by the same angles θ_i, whatever its position. The angle of a "
            "row is its position times θ_i: an outer product, positions[:, None] * theta[None, :]."
        ),
    ),
    Mistake(
        "row index as position",
        lambda q, k, positions, base: _both()(q, k, np.arange(len(q)), base),
        N_(
            "You rotated row t by angle t·θ_i. Use the `positions` argument: row t sits at "
            "position positions[t] (the test cases include positions that do not start at 0 or "
            "that skip)."
        ),
    ),
    Mistake(
        "k not rotated",
        lambda q, k, positions, base: (_both()(q, k, positions, base)[0], np.asarray(k, float)),
        N_(
            "k came back unchanged. RoPE rotates the keys as well as the queries, each by its own "
            "position: that is what makes q_m · k_n depend on m − n."
        ),
    ),
    Mistake(
        "q and k swapped",
        lambda q, k, positions, base: _both()(q, k, positions, base)[::-1],
        N_(
            "Your rotated q and k came back in the wrong order: return (q_rotated, k_rotated), "
            "queries first."
        ),
    ),
    Mistake(
        "not rotated",
        lambda q, k, positions, base: (np.asarray(q, float), np.asarray(k, float)),
        N_(
            "q and k came back unchanged: nothing was rotated. Turn each pair by the angle "
            "position · θ_i."
        ),
    ),
)


def rope_cases(seed: int = 7) -> list[Case]:
    rng = np.random.default_rng(seed)
    qk = lambda T, d: (rng.normal(size=(T, d)), rng.normal(size=(T, d)))
    return [
        Case((*qk(6, 8), np.arange(6), 10000.0), N_("6 positions 0…5, d = 8, base 10,000")),
        Case(
            (*qk(5, 4), np.array([3, 10, 11, 40, 100]), 10000.0),
            N_("positions 3, 10, 11, 40, 100, d = 4"),
        ),
        Case((*qk(4, 16), np.array([7, 8, 9, 10]), 500.0), N_("positions 7…10, d = 16, base 500")),
        Case((*qk(1, 6), np.array([0]), 10000.0), N_("one position, 0: no rotation at all")),
    ]


def transformers_rotation() -> tuple:
    """transformers' LLaMA rotation, which the notebook compares the learner's function with: an
    answer that calls it (even with angles of its own) would check it against itself, so the check
    names it as an answer key rather than passing it."""
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb, rotate_half

    return apply_rotary_pos_emb, rotate_half


def check_rope(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.7: queries and keys rotated by their positions (LLaMA's halves layout)."""
    return catalogued_check(
        N_("Exercise 2.7 (rotary position embedding)"),
        learner_fn,
        gen.rope,
        rope_cases(),
        mistakes=ROPE_MISTAKES,
        compare=compare_named(("q", "k")),
        rtol=1e-5,
        atol=1e-5,
        strict=strict,
        answer_keys=(
            gen.apply_rope,
            gen.rope_interleaved,
            gen.transformers_rope,
            *transformers_rotation(),
        ),
    )


# ---------------------------------------------------------------- 2.8 the top-p filter


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _nucleus(
    logits,
    p,
    *,
    keep,
    renormalise=True,
    softmax_again=False,
    probabilities=_softmax,
    mapped_back=True,
):
    """A top-p distribution with a chosen rule for which sorted tokens stay, for the catalogue of
    mistakes."""
    logits = np.asarray(logits, dtype=np.float64)
    probs = probabilities(logits)
    order, kept = keep(probs, p)
    if not mapped_back:  # the kept sorted probabilities, left in sorted order
        out = np.zeros(len(probs))
        out[: kept.sum()] = probs[order[kept]]
        return out / out.sum()
    mask = np.zeros(len(probs), dtype=bool)
    mask[order[kept]] = True
    if softmax_again:
        return _softmax(np.where(mask, probs, -np.inf))
    out = np.where(mask, probs, 0.0)
    total = out.sum()
    return out / total if renormalise and total != 0 else out


def _descending(probs, p, *, rule="before < p"):
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    before = cumulative - probs[order]
    kept = {
        "before < p": before < p,
        "cumulative <= p": cumulative <= p,
        "before <= p": before <= p,
        "one past": np.concatenate([[True], (before < p)[:-1]]),
    }[rule]
    return order, kept


def _unsorted(probs, p):
    order = np.arange(len(probs))
    return order, np.cumsum(probs) - probs < p


def _ascending(probs, p):
    order = np.argsort(probs, kind="stable")
    return order, np.cumsum(probs[order]) - probs[order] < p


def _keep_mask(logits, p):
    return (_nucleus(logits, p, keep=_descending) > 0).astype(float)


NO_SOFTMAX = N_(
    "You used the logits (or exp of the logits, not normalised) as if they were probabilities: "
    "their running sum is not a probability mass, so it crosses p at the wrong token. Turn the "
    "logits into probabilities first, probs = exp(z − max z) / sum, then sort and sum those."
)
TOP_P_MISTAKES = (
    Mistake(
        "crossing token dropped",
        lambda z, p: _nucleus(z, p, keep=lambda q, p: _descending(q, p, rule="cumulative <= p")),
        N_(
            "You stopped BEFORE the token that crosses p: your kept tokens hold less than p. The "
            "nucleus is the smallest set of most likely tokens whose probability reaches p, so "
            "keep the token whose cumulative sum first reaches p (keep a token while the mass "
            "BEFORE it is still below p)."
        ),
    ),
    Mistake(
        "boundary kept",
        lambda z, p: _nucleus(z, p, keep=lambda q, p: _descending(q, p, rule="before <= p")),
        N_(
            "A token whose mass BEFORE it is exactly p was kept: the tokens before it already "
            "hold p, and the nucleus is the SMALLEST set whose probability reaches p. Keep a "
            "token while the mass before it is strictly below p (<, not <=). The test case has "
            "probabilities 1/2, 1/4, 1/8, 1/8 and p = 0.75."
        ),
    ),
    Mistake(
        "one token too many",
        lambda z, p: _nucleus(z, p, keep=lambda q, p: _descending(q, p, rule="one past")),
        N_(
            "You kept one token past the one that crosses p. The nucleus stops at the first token "
            "whose cumulative sum reaches p: keep a token while the mass BEFORE it is below p."
        ),
    ),
    Mistake(
        "not sorted",
        lambda z, p: _nucleus(z, p, keep=_unsorted),
        N_(
            "You summed the probabilities in vocabulary order. Sort them from most to least "
            "likely first (np.argsort of −probs), take the cumulative sum in that order, then map "
            "the kept tokens back to their indices."
        ),
    ),
    Mistake(
        "least likely kept",
        lambda z, p: _nucleus(z, p, keep=_ascending),
        N_(
            "You kept the LEAST likely tokens: the sort runs from small to large. Sort from the "
            "most likely down (descending), so the nucleus starts at the top token."
        ),
    ),
    Mistake(
        "not mapped back",
        lambda z, p: _nucleus(z, p, keep=_descending, mapped_back=False),
        N_(
            "Your probabilities are in SORTED order: the most likely first, at index 0. Put each "
            "kept probability back at its token's index: out[order[kept]] = probs[order[kept]]."
        ),
    ),
    Mistake(
        "no softmax",
        lambda z, p: _nucleus(z, p, keep=_descending, probabilities=np.copy),
        NO_SOFTMAX,
    ),
    Mistake(
        "no softmax",
        lambda z, p: _nucleus(z, p, keep=_descending, probabilities=np.exp),
        NO_SOFTMAX,
    ),
    Mistake(
        "not renormalised",
        lambda z, p: _nucleus(z, p, keep=_descending, renormalise=False),
        N_(
            "Your probabilities do not sum to 1: they were normalised before the filter (the "
            "softmax) and not again after it. Divide the kept probabilities by their sum, so the "
            "filtered distribution sums to 1."
        ),
    ),
    Mistake(
        "softmax of probabilities",
        lambda z, p: _nucleus(z, p, keep=_descending, softmax_again=True),
        N_(
            "You renormalised with a softmax of the kept PROBABILITIES, which treats them as "
            "logits and flattens them. Divide the kept probabilities by their sum instead (or "
            "take the softmax of the kept LOGITS)."
        ),
    ),
    Mistake(
        "keep mask",
        _keep_mask,
        N_(
            "You returned which tokens are kept (1 for kept, 0 for dropped). Return their "
            "distribution: each kept token's probability divided by the kept tokens' total, and 0 "
            "elsewhere."
        ),
    ),
)


def compare_distribution(got, expected, *, batch_size=None, rtol=1e-6, atol=1e-9) -> Verdict:
    """A probability vector: first, say so when the answer still holds −inf (filtered logits, not
    probabilities)."""
    if got is None:
        return returned_none()
    try:
        array = to_numpy(got)
    except (TypeError, ValueError):
        array = None
    if array is not None and np.isneginf(array).any():
        return Verdict(
            False,
            "logits",
            _(
                "Your answer holds −inf: those are filtered logits. Return probabilities: the "
                "kept tokens' probabilities divided by their sum, and 0 (not −inf) for every "
                "token the filter dropped."
            ),
        )
    return compare_arrays(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)


def top_p_cases(seed: int = 8) -> list[Case]:
    rng = np.random.default_rng(seed)
    tied = np.array(
        [0.5, 2.0, -1.0, 2.0, 2.0, 0.0, -3.0, 1.0]
    )  # three tied tokens, all inside a p = 0.8 nucleus
    # probabilities exactly 1/2, 1/4, 1/8, 1/8 (in float32 and float64): the mass before the
    # third token is exactly p = 0.75, so the nucleus is the first two
    boundary = np.log(np.array([1.0, 4.0, 2.0, 1.0]))
    return [
        Case((2.0 * rng.normal(size=20), 0.6), N_("20 logits of spread 2, p = 0.6")),
        Case((rng.normal(size=10), 0.9), N_("10 random logits, p = 0.9")),
        Case((tied, 0.8), N_("three tied logits, all inside the nucleus")),
        Case(
            (np.array([6.0, 1.0, 0.5, 0.0, -1.0]), 0.3),
            N_("the top token alone holds more than p = 0.3"),
        ),
        Case((rng.normal(size=12), 1.0), N_("p = 1: every token stays")),
        Case(
            (boundary, 0.75),
            N_("probabilities 1/8, 1/2, 1/4, 1/8 and p = 0.75: the two most likely hold exactly p"),
        ),
    ]


def check_top_p(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.8: the nucleus (top-p) distribution of a vector of logits. transformers'
    TopPLogitsWarper, which the notebook compares the learner's function with, is an answer key."""
    from transformers import TopPLogitsWarper

    return catalogued_check(
        N_("Exercise 2.8 (top-p filter)"),
        learner_fn,
        gen.top_p_probs,
        top_p_cases(),
        mistakes=TOP_P_MISTAKES,
        compare=compare_distribution,
        rtol=1e-5,
        atol=1e-8,
        strict=strict,
        answer_keys=(gen.top_p_logits, gen.sampling_probs, TopPLogitsWarper),
    )


# ---------------------------------------------------------------- 2.9 one cached decoding step


def _attend(q, keys, values, divisor=None, axis=-1, allowed=None):
    d, t = q.shape[-1], keys.shape[1]
    scale = np.sqrt(d) if divisor is None else divisor(d, t)
    scores = np.einsum("hd,htd->ht", q, keys) / scale
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    weights /= weights.sum(axis=axis, keepdims=True)
    return np.einsum("ht,htd->hd", weights, values)


def _appended(k, v, cache_k, cache_v, front=False):
    new_k, new_v = k[:, None, :], v[:, None, :]
    if front:
        return np.concatenate([new_k, cache_k], axis=1), np.concatenate([new_v, cache_v], axis=1)
    return np.concatenate([cache_k, new_k], axis=1), np.concatenate([cache_v, new_v], axis=1)


def _step(
    q,
    k,
    v,
    cache_k,
    cache_v,
    *,
    before=False,
    front=False,
    keep_old=False,
    only_new=False,
    drop_oldest=False,
    keys_as_values=False,
    **attend,
):
    q, k, v, cache_k, cache_v = (
        np.asarray(a, dtype=np.float64) for a in (q, k, v, cache_k, cache_v)
    )
    keys, values = _appended(k, v, cache_k, cache_v, front=front)
    if drop_oldest and keys.shape[1] > 1:  # a window one position too short
        keys, values = keys[:, 1:], values[:, 1:]
    if before and cache_k.shape[1] == 0:  # nothing to attend to yet
        out = np.full(q.shape, np.nan)
    elif before:
        out = _attend(q, cache_k, cache_v, **attend)
    elif only_new:
        out = _attend(q, k[:, None, :], v[:, None, :], **attend)
    else:
        out = _attend(q, keys, keys if keys_as_values else values, **attend)
    return (out, cache_k, cache_v) if keep_old else (out, keys, values)


def _first_key_only(q, k, v, cache_k, cache_v):
    t = np.shape(cache_k)[1] + 1
    return _step(q, k, v, cache_k, cache_v, allowed=np.tril(np.ones((1, t), dtype=bool)))


CACHE_STEP_MISTAKES = (
    Mistake(
        "attended before appending",
        lambda *a: _step(*a, before=True),
        N_(
            "The new token did not attend to itself: you attended over the OLD cache and appended "
            "afterwards. Append the new key and value first, then attend from the new query over "
            "all t + 1 positions."
        ),
    ),
    Mistake(
        "only the new token",
        lambda *a: _step(*a, only_new=True),
        N_(
            "Your output is the new value v: the query attended only to the new token's own key. "
            "It must attend over the whole cache, the t earlier positions and the new one, each "
            "head over its t + 1 keys."
        ),
    ),
    Mistake(
        "cache not updated",
        lambda *a: _step(*a, keep_old=True),
        N_(
            "The output is right but the caches you returned are the old ones: the next step "
            "would not see this token. Return the caches with the new key and value appended (t + "
            "1 positions)."
        ),
    ),
    Mistake(
        "oldest dropped",
        lambda *a: _step(*a, drop_oldest=True),
        N_(
            "Your caches lost their OLDEST position: the new key and value were appended, but the "
            "first cached one is gone (t positions, not t + 1). Keep every earlier position: a "
            "cache only grows."
        ),
    ),
    Mistake(
        "prepended",
        lambda *a: _step(*a, front=True),
        N_(
            "The new key and value went to the FRONT of the cache. The output does not change "
            "(attention does not care about the order of the keys), but the cache's position t "
            "must hold token t: append at the end."
        ),
    ),
    Mistake(
        "no scale",
        lambda *a: _step(*a, divisor=lambda d, t: 1.0),
        N_(
            "The scores are not scaled: divide q·k by √d_h (d_h = q.shape[-1]), as in Exercise 2.4."
        ),
    ),
    Mistake(
        "divided by d",
        lambda *a: _step(*a, divisor=lambda d, t: float(d)),
        N_(
            "You divided the scores by d_h: divide by its square root, √d_h (np.sqrt(q.shape[-1]))."
        ),
    ),
    Mistake(
        "divided by the positions",
        lambda *a: _step(*a, divisor=lambda d, t: np.sqrt(t)),
        N_(
            "You divided the scores by the square root of the number of cached positions (t + 1). "
            "The scale is √d_h, the width of one head, d_h = q.shape[-1], the same at every step."
        ),
    ),
    Mistake(
        "softmax over heads",
        lambda *a: _step(*a, axis=0),
        N_(
            "Your softmax runs across the heads. Each head's weights over the t + 1 cached "
            "positions sum to 1: normalise along the positions axis."
        ),
    ),
    Mistake(
        "causal mask of a prompt",
        _first_key_only,
        N_(
            "Only the first cached position got any weight: a causal mask built for a square "
            "prompt (np.tril of a 1 × (t+1) block) hides everything but key 0. The new token is "
            "the LATEST position, so it may see every key in the cache: no mask is needed in a "
            "decoding step."
        ),
    ),
    Mistake(
        "keys as values",
        lambda *a: _step(*a, keys_as_values=True),
        N_(
            "Your output averages the KEYS. The weights come from the keys, but they average the "
            "VALUES: output = weights @ V, with V the value cache and the new value appended."
        ),
    ),
    Mistake(
        "caches swapped",
        lambda *a: (lambda r: (r[0], r[2], r[1]))(_step(*a)),
        N_(
            "The two caches came back swapped: return (output, cache_k, cache_v), keys before "
            "values."
        ),
    ),
)


def cache_step_cases(seed: int = 9) -> list[Case]:
    rng = np.random.default_rng(seed)

    def case(h, d, t, scale=1.0):
        q, k, v = (rng.normal(0, scale, size=(h, d)) for _ in range(3))
        return q, k, v, rng.normal(0, scale, size=(h, t, d)), rng.normal(size=(h, t, d))

    return [
        Case(case(2, 4, 5), N_("2 heads, d_h = 4, 5 cached positions")),
        Case(case(3, 8, 9), N_("3 heads, d_h = 8, 9 cached positions")),
        Case(case(1, 6, 0), N_("the first token: an empty cache (1 head × 0 positions × 6)")),
        Case(
            case(4, 16, 7, scale=20.0),
            N_("scores near a thousand: subtract the maximum before np.exp"),
        ),
    ]


def check_cached_step(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.9: append the new key and value, then attend from the new query."""
    return catalogued_check(
        N_("Exercise 2.9 (one cached decoding step)"),
        learner_fn,
        gen.cached_attention_step,
        cache_step_cases(),
        mistakes=CACHE_STEP_MISTAKES,
        compare=compare_named(("output", "cache_k", "cache_v")),
        rtol=1e-5,
        atol=1e-7,
        strict=strict,
    )


# ---------------------------------------------------------------- 2.10 the cache's bytes per token


def _bytes(L, h, kv, d, b, *, factor=2, heads=None, layers=True, unit=1.0, element=None):
    per_element = b if element is None else element
    return factor * (L if layers else 1) * (kv if heads is None else heads) * d * per_element / unit


def _unit(name: str, unit: float, message: str) -> Mistake:
    """The mistake of returning the cache's size in `unit` bytes; `message` is marked with N_."""
    return Mistake(name, lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, unit=unit), message)


CACHE_BYTES_MISTAKES = (
    Mistake(
        "keys only",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, factor=1),
        N_(
            "Half the cache is missing: each position keeps a key AND a value per key/value head, "
            "hence the 2."
        ),
    ),
    Mistake(
        "queries too",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, factor=3),
        N_(
            "You counted queries too. A query is used once, at its own step, and never again; the "
            "cache keeps only keys and values: 2 · layers · kv heads · head_dim · bytes."
        ),
    ),
    Mistake(
        "query heads",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, heads=h),
        N_(
            "You counted one key and value per QUERY head. With grouped-query attention several "
            "query heads share one key/value head: use n_kv_heads (8 for Mistral-7B, against 32 "
            "query heads)."
        ),
    ),
    Mistake(
        "both head counts",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, heads=h * kv),
        N_(
            "You multiplied by both n_heads and n_kv_heads. Only the key/value heads are cached: "
            "n_heads does not enter the formula."
        ),
    ),
    Mistake(
        "group size",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, heads=h / kv),
        N_(
            "You used the group size, n_heads / n_kv_heads (how many query heads share one "
            "key/value head), where the number of key/value heads belongs: use n_kv_heads itself."
        ),
    ),
    Mistake(
        "one layer",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, layers=False),
        N_(
            "That is one layer's cache. Every block keeps its own keys and values: multiply by "
            "n_layers."
        ),
    ),
    Mistake(
        "elements",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, element=1),
        N_(
            "You counted numbers, not bytes: multiply by bytes_per_element (2 for bf16, 4 for "
            "fp32)."
        ),
    ),
    Mistake(
        "two bytes fixed",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, element=2),
        N_(
            "Your code uses 2 bytes per number whatever `bytes_per_element` says. Use the "
            "argument: the test cases include int8 (1 byte) and fp32 (4 bytes) caches."
        ),
    ),
    Mistake(
        "bits",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b) * 8,
        N_(
            "You counted bits. bytes_per_element is already in bytes (2 for bf16): do not "
            "multiply by 8."
        ),
    ),
    Mistake(
        "bytes as bits",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, unit=8.0),
        N_(
            "You divided by 8, as if bytes_per_element were in bits. It is already in bytes (2 "
            "for bf16): use it as it is."
        ),
    ),
    _unit(
        "KiB",
        2.0**10,
        N_(
            "You returned KiB. Return bytes, a whole number; the notebook converts "
            "(LLaMA-7B: 524,288 bytes = 512 KiB, with 1 KiB = 1,024 bytes)."
        ),
    ),
    _unit(
        "KB",
        1e3,
        N_(
            "You returned KB. Return bytes, a whole number; the notebook converts "
            "(1 KB = 1,000 bytes)."
        ),
    ),
    _unit(
        "MiB",
        2.0**20,
        N_(
            "You returned MiB. Return bytes, a whole number; the notebook converts "
            "(1 MiB = 2^20 bytes)."
        ),
    ),
    _unit(
        "MB",
        1e6,
        N_(
            "You returned MB. Return bytes, a whole number; the notebook converts "
            "(1 MB = 10^6 bytes)."
        ),
    ),
    _unit(
        "GiB",
        2.0**30,
        N_(
            "You returned GiB. Return bytes, a whole number; the notebook converts "
            "(1 GiB = 2^30 bytes)."
        ),
    ),
    _unit(
        "GB",
        1e9,
        N_(
            "You returned GB. Return bytes, a whole number; the notebook converts "
            "(1 GB = 10^9 bytes)."
        ),
    ),
)


def _as_number(got):
    """A learner's number of bytes as a float, or the Verdict that says why it is not one."""
    if isinstance(got, (str, bytes, np.str_)):
        return Verdict(
            False,
            "string",
            _(
                "Your function returned text, {text}: return the number itself (an int, such as "
                "2 * n_layers * ...), not a string, since the notebook computes with it."
            ).format(text=repr(got)),
        )
    if isinstance(got, (bool, np.bool_)):
        message = _("Your function returned {value}: return a number of bytes.")
        return Verdict(False, "type", message.format(value=repr(got)))
    if isinstance(got, (tuple, list, dict)):
        return Verdict(
            False,
            "type",
            _(
                "Return one number of bytes, the keys and values of every layer together; yours "
                "is a {type}."
            ).format(type=type(got).__name__),
        )
    try:
        array = to_numpy(got)
    except (TypeError, ValueError):
        message = _("Return one number of bytes; yours is a {type}.")
        return Verdict(False, "type", message.format(type=type(got).__name__))
    if array.size != 1 or array.ndim > 0:
        return Verdict(
            False,
            "type",
            _(
                "Return one number of bytes, the keys and values of every layer together; yours "
                "is an array of shape {shape}."
            ).format(shape=array.shape),
        )
    return float(array)


def compare_bytes(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A number of bytes. A right answer is a whole number, and every right formula gives exactly
    it; the relative tolerance of 1e-12 only lets a unit slip computed another way (÷ 1000 three
    times, or ÷ 1e9) be named."""
    if got is None:
        return returned_none()
    value = _as_number(got)
    if isinstance(value, Verdict):
        return value
    if value == float(expected) or (
        np.isfinite(value) and math.isclose(value, float(expected), rel_tol=1e-12)
    ):
        return Verdict(True, "ok", "exact", 0.0)
    ratio = (
        _(" (× {ratio:.4g} the expected)").format(ratio=value / expected)
        if expected and np.isfinite(value)
        else ""
    )
    return Verdict(
        False,
        "values",
        _(
            "Yours is {value:,.6g} bytes{ratio}. The cache keeps, per token: 2 (a key and a "
            "value) × layers × key/value heads × head_dim × bytes per element."
        ).format(value=value, ratio=ratio),
        abs(value - expected) / abs(expected),
    )


def cache_bytes_cases() -> list[Case]:
    return [
        # every number different, and the slips of the catalogue give different answers
        Case(
            (12, 20, 4, 64, 1),
            N_("12 layers, 20 query heads, 4 kv heads, head_dim 64, an int8 cache (1 byte)"),
        ),
        Case((12, 12, 12, 64, 4), N_("GPT-2 small in fp32 (4 bytes)")),
        Case(
            (32, 32, 32, 128, 2),
            N_("LLaMA-7B in bf16: 32 layers, 32 heads, 32 kv heads, head_dim 128"),
        ),
        Case((32, 32, 8, 128, 2), N_("Mistral-7B in bf16: 8 kv heads for 32 query heads")),
    ]


def cache_bytes_reference(n_layers, n_heads, n_kv_heads, head_dim, bytes_per_element):
    """Bytes of cache per token; the number of query heads (n_heads) does not enter it."""
    return gen.kv_cache_bytes_per_token(n_layers, n_kv_heads, head_dim, bytes_per_element)


def check_cache_bytes(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.10: bytes of key/value cache per token."""
    return catalogued_check(
        N_("Exercise 2.10 (cache bytes per token)"),
        learner_fn,
        cache_bytes_reference,
        cache_bytes_cases(),
        mistakes=CACHE_BYTES_MISTAKES,
        compare=compare_bytes,
        exact=True,
        strict=strict,
        answer_keys=(gen.kv_cache_bytes_per_token, gen.cache_bytes_per_token),
    )
