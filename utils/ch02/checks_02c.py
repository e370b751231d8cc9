"""Answer checks for notebook 2c: rotary position embeddings (2.7), the top-p filter (2.8), one
cached decoding step (2.9) and the key/value cache's bytes per token (2.10).

Each check builds seeded cases, names the catalogued wrong answers, and falls back to the reference
in `utils.ch02.generation`; the notebook calls `check_...(learner_fn)` and hands the result to
`choose_implementation`."""

from __future__ import annotations

import numpy as np

from utils.ch02 import generation as gen
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult

# ---------------------------------------------------------------- 2.7 rotary position embeddings


def _rotate(x, positions, base, *, exponent=-2.0, sign=1.0, pairs="halves"):
    """A rotation like RoPE's, with one thing changed, for the catalogue of mistakes."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[-1]
    theta = float(base) ** (exponent * np.arange(d // 2) / d)
    angles = np.asarray(positions)[:, None] * theta[None, :]
    cos, sin = np.cos(angles), sign * np.sin(angles)
    if pairs == "neighbours":
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
        return out
    a, b = x[..., : d // 2], x[..., d // 2 :]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


def _both(**change):
    def wrong(q, k, positions, base):
        return _rotate(q, positions, base, **change), _rotate(k, positions, base, **change)

    return wrong


ROPE_MISTAKES = (
    Mistake(
        "neighbour pairs",
        _both(pairs="neighbours"),
        "You rotated neighbouring dimensions (2i, 2i+1) together, the layout of the RoFormer "
        "paper. This exercise uses LLaMA's layout in transformers: dimension i pairs with "
        "dimension i + d/2 (the first half with the second half). Both are rotations, but a "
        "model's weights are trained for one layout.",
    ),
    Mistake(
        "exponent i/d",
        _both(exponent=-1.0),
        "Your angles fall off too slowly: θ_i = base^(−2i/d), with a 2 in the exponent, for i = 0 "
        "… d/2 − 1. With base^(−i/d) the slowest pair turns about √base times too fast.",
    ),
    Mistake(
        "exponent sign",
        _both(exponent=2.0),
        "Your frequencies grow with i: the exponent must be negative, θ_i = base^(−2i/d) = 1 / "
        "base^(2i/d). The first pair turns fastest (θ_0 = 1 radian per position) and the last "
        "slowest.",
    ),
    Mistake(
        "base fixed",
        lambda q, k, positions, base: _both()(q, k, positions, 10000.0),
        "Your code uses a base of 10,000 whatever the `base` argument says. Use the argument: the "
        "test cases include base = 500.",
    ),
    Mistake(
        "turned backwards",
        _both(sign=-1.0),
        "Your rotation turns the wrong way (the sign of sin is flipped): the first half becomes "
        "x₁·cos − x₂·sin and the second half x₂·cos + x₁·sin, with x₁ the first half and x₂ the "
        "second.",
    ),
    Mistake(
        "row index as position",
        lambda q, k, positions, base: _both()(q, k, np.arange(len(q)), base),
        "You rotated row t by angle t·θ_i. Use the `positions` argument: row t sits at position "
        "positions[t] (the test cases include positions that do not start at 0 or that skip).",
    ),
    Mistake(
        "k not rotated",
        lambda q, k, positions, base: (_both()(q, k, positions, base)[0], np.asarray(k, float)),
        "k came back unchanged. RoPE rotates the keys as well as the queries, each by its own "
        "position: that is what makes q_m · k_n depend on m − n.",
    ),
    Mistake(
        "not rotated",
        lambda q, k, positions, base: (np.asarray(q, float), np.asarray(k, float)),
        "q and k came back unchanged: nothing was rotated. Turn each pair by the angle position · "
        "θ_i.",
    ),
)


def rope_cases(seed: int = 7) -> list[Case]:
    rng = np.random.default_rng(seed)
    qk = lambda T, d: (rng.normal(size=(T, d)), rng.normal(size=(T, d)))
    return [
        Case((*qk(6, 8), np.arange(6), 10000.0), "6 positions 0…5, d = 8, base 10,000"),
        Case(
            (*qk(5, 4), np.array([3, 10, 11, 40, 100]), 10000.0),
            "positions 3, 10, 11, 40, 100, d = 4",
        ),
        Case((*qk(4, 16), np.array([7, 8, 9, 10]), 500.0), "positions 7…10, d = 16, base 500"),
        Case((*qk(1, 6), np.array([0]), 10000.0), "one position, 0: no rotation at all"),
    ]


def check_rope(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.7: queries and keys rotated by their positions (LLaMA's halves layout)."""
    return catalogued_check(
        "Exercise 2.7 (rotary position embedding)",
        learner_fn,
        gen.rope,
        rope_cases(),
        mistakes=ROPE_MISTAKES,
        compare=compare_named(("q", "k")),
        rtol=1e-5,
        atol=1e-5,
        strict=strict,
        answer_keys=(gen.apply_rope, gen.rope_interleaved),
    )


# ---------------------------------------------------------------- 2.8 the top-p filter


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _nucleus(logits, p, *, keep, renormalise=True, softmax_again=False):
    """A top-p distribution with a chosen rule for which sorted tokens stay, for the catalogue of
    mistakes."""
    probs = _softmax(np.asarray(logits, dtype=np.float64))
    order, kept = keep(probs, p)
    mask = np.zeros(len(probs), dtype=bool)
    mask[order[kept]] = True
    if softmax_again:
        return _softmax(np.where(mask, probs, -np.inf))
    out = np.where(mask, probs, 0.0)
    return out / out.sum() if renormalise and out.sum() > 0 else out


def _descending(probs, p, *, include_crossing=True):
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    before = cumulative - probs[order]
    return order, (before < p) if include_crossing else (cumulative <= p)


def _unsorted(probs, p):
    order = np.arange(len(probs))
    return order, np.cumsum(probs) - probs < p


def _ascending(probs, p):
    order = np.argsort(probs, kind="stable")
    return order, np.cumsum(probs[order]) - probs[order] < p


TOP_P_MISTAKES = (
    Mistake(
        "crossing token dropped",
        lambda z, p: _nucleus(z, p, keep=lambda q, p: _descending(q, p, include_crossing=False)),
        "You stopped BEFORE the token that crosses p: your kept tokens hold less than p. The "
        "nucleus is the smallest set of most likely tokens whose probability reaches p, so keep "
        "the token whose cumulative sum first reaches p (keep a token while the mass BEFORE it is "
        "still below p).",
    ),
    Mistake(
        "not sorted",
        lambda z, p: _nucleus(z, p, keep=_unsorted),
        "You summed the probabilities in vocabulary order. Sort them from most to least likely "
        "first (np.argsort of −probs), take the cumulative sum in that order, then map the kept "
        "tokens back to their indices.",
    ),
    Mistake(
        "least likely kept",
        lambda z, p: _nucleus(z, p, keep=_ascending),
        "You kept the LEAST likely tokens: the sort runs from small to large. Sort from the most "
        "likely down (descending), so the nucleus starts at the top token.",
    ),
    Mistake(
        "not renormalised",
        lambda z, p: _nucleus(z, p, keep=_descending, renormalise=False),
        "Your probabilities do not sum to 1: they were normalised before the filter (the softmax) "
        "and not again after it. Divide the kept probabilities by their sum, so the filtered "
        "distribution sums to 1.",
    ),
    Mistake(
        "softmax of probabilities",
        lambda z, p: _nucleus(z, p, keep=_descending, softmax_again=True),
        "You renormalised with a softmax of the kept PROBABILITIES, which treats them as logits "
        "and flattens them. Divide the kept probabilities by their sum instead (or take the "
        "softmax of the kept LOGITS).",
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
            (
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
    return [
        Case((2.0 * rng.normal(size=20), 0.6), "20 logits of spread 2, p = 0.6"),
        Case((rng.normal(size=10), 0.9), "10 random logits, p = 0.9"),
        Case((tied, 0.8), "three tied logits, all inside the nucleus"),
        Case(
            (np.array([6.0, 1.0, 0.5, 0.0, -1.0]), 0.3),
            "the top token alone holds more than p = 0.3",
        ),
        Case((rng.normal(size=12), 1.0), "p = 1: every token stays"),
    ]


def check_top_p(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.8: the nucleus (top-p) distribution of a vector of logits."""
    return catalogued_check(
        "Exercise 2.8 (top-p filter)",
        learner_fn,
        gen.top_p_probs,
        top_p_cases(),
        mistakes=TOP_P_MISTAKES,
        compare=compare_distribution,
        rtol=1e-5,
        atol=1e-8,
        strict=strict,
        answer_keys=(gen.top_p_logits, gen.sampling_probs),
    )


# ---------------------------------------------------------------- 2.9 one cached decoding step


def _attend(q, keys, values, scale=True, axis=-1, allowed=None):
    scores = np.einsum("hd,htd->ht", q, keys) / (np.sqrt(q.shape[-1]) if scale else 1.0)
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


def _step(q, k, v, cache_k, cache_v, *, before=False, front=False, keep_old=False, **attend):
    q, k, v, cache_k, cache_v = (
        np.asarray(a, dtype=np.float64) for a in (q, k, v, cache_k, cache_v)
    )
    keys, values = _appended(k, v, cache_k, cache_v, front=front)
    if before and cache_k.shape[1] == 0:  # nothing to attend to yet
        out = np.full(q.shape, np.nan)
    else:
        out = (
            _attend(q, cache_k, cache_v, **attend) if before else _attend(q, keys, values, **attend)
        )
    return (out, cache_k, cache_v) if keep_old else (out, keys, values)


def _first_key_only(q, k, v, cache_k, cache_v):
    t = np.shape(cache_k)[1] + 1
    return _step(q, k, v, cache_k, cache_v, allowed=np.tril(np.ones((1, t), dtype=bool)))


CACHE_STEP_MISTAKES = (
    Mistake(
        "attended before appending",
        lambda *a: _step(*a, before=True),
        "The new token did not attend to itself: you attended over the OLD cache and appended "
        "afterwards. Append the new key and value first, then attend from the new query over all "
        "t + 1 positions.",
    ),
    Mistake(
        "cache not updated",
        lambda *a: _step(*a, keep_old=True),
        "The output is right but the caches you returned are the old ones: the next step would "
        "not see this token. Return the caches with the new key and value appended (t + 1 "
        "positions).",
    ),
    Mistake(
        "prepended",
        lambda *a: _step(*a, front=True),
        "The new key and value went to the FRONT of the cache. The output does not change "
        "(attention does not care about the order of the keys), but the cache's position t must "
        "hold token t: append at the end.",
    ),
    Mistake(
        "no scale",
        lambda *a: _step(*a, scale=False),
        "The scores are not scaled: divide q·k by √d_h (d_h = q.shape[-1]), as in Exercise 2.4.",
    ),
    Mistake(
        "softmax over heads",
        lambda *a: _step(*a, axis=0),
        "Your softmax runs across the heads. Each head's weights over the t + 1 cached positions "
        "sum to 1: normalise along the positions axis.",
    ),
    Mistake(
        "causal mask of a prompt",
        _first_key_only,
        "Only the first cached position got any weight: a causal mask built for a square prompt "
        "(np.tril of a 1 × (t+1) block) hides everything but key 0. The new token is the LATEST "
        "position, so it may see every key in the cache: no mask is needed in a decoding step.",
    ),
    Mistake(
        "caches swapped",
        lambda *a: (lambda r: (r[0], r[2], r[1]))(_step(*a)),
        "The two caches came back swapped: return (output, cache_k, cache_v), keys before values.",
    ),
)


def cache_step_cases(seed: int = 9) -> list[Case]:
    rng = np.random.default_rng(seed)

    def case(h, d, t, scale=1.0):
        q, k, v = (rng.normal(0, scale, size=(h, d)) for _ in range(3))
        return q, k, v, rng.normal(0, scale, size=(h, t, d)), rng.normal(size=(h, t, d))

    return [
        Case(case(2, 4, 5), "2 heads, d_h = 4, 5 cached positions"),
        Case(case(3, 8, 9), "3 heads, d_h = 8, 9 cached positions"),
        Case(case(1, 6, 0), "the first token: an empty cache (1 head × 0 positions × 6)"),
        Case(
            case(4, 16, 7, scale=20.0), "scores near a thousand: subtract the maximum before np.exp"
        ),
    ]


def check_cached_step(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.9: append the new key and value, then attend from the new query."""
    return catalogued_check(
        "Exercise 2.9 (one cached decoding step)",
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


def _bytes(L, h, kv, d, b, *, factor=2, heads=None, layers=True, unit=1.0):
    return factor * (L if layers else 1) * (kv if heads is None else heads) * d * b / unit


CACHE_BYTES_MISTAKES = (
    Mistake(
        "keys only",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, factor=1),
        "Half the cache is missing: each position keeps a key AND a value per key/value head, "
        "hence the 2.",
    ),
    Mistake(
        "queries too",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, factor=3),
        "You counted queries too. A query is used once, at its own step, and never again; the "
        "cache keeps only keys and values: 2 · layers · kv heads · head_dim · bytes.",
    ),
    Mistake(
        "query heads",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, heads=h),
        "You counted one key and value per QUERY head. With grouped-query attention several query "
        "heads share one key/value head: use n_kv_heads (8 for Mistral-7B, against 32 query "
        "heads).",
    ),
    Mistake(
        "one layer",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, layers=False),
        "That is one layer's cache. Every block keeps its own keys and values: multiply by "
        "n_layers.",
    ),
    Mistake(
        "bits",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b) * 8,
        "You counted bits. bytes_per_element is already in bytes (2 for bf16): do not multiply by "
        "8.",
    ),
    Mistake(
        "kibibytes",
        lambda L, h, kv, d, b: _bytes(L, h, kv, d, b, unit=1024.0),
        "You returned KiB. Return bytes; the notebook converts (LLaMA-7B: 524,288 bytes = 512 "
        "KiB).",
    ),
)


def compare_bytes(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A number of bytes, compared exactly (every right formula gives the same product)."""
    if got is None:
        return returned_none()
    try:
        value = float(to_numpy(got))
    except (TypeError, ValueError):
        return Verdict(
            False, "type", f"Return one number of bytes; yours is a {type(got).__name__}."
        )
    if value == float(expected):
        return Verdict(True, "ok", "exact", 0.0)
    ratio = f" (× {value / expected:.4g} the expected)" if expected and np.isfinite(value) else ""
    return Verdict(
        False,
        "values",
        (
            f"Yours is {value:,.6g} bytes{ratio}. The cache keeps, per token: 2 (a key and a "
            "value) × layers × key/value heads × head_dim × bytes per element."
        ),
        abs(value - expected) / abs(expected),
    )


def cache_bytes_cases() -> list[Case]:
    return [
        Case(
            (32, 32, 32, 128, 2), "LLaMA-7B in bf16: 32 layers, 32 heads, 32 kv heads, head_dim 128"
        ),
        Case((32, 32, 8, 128, 2), "Mistral-7B in bf16: 8 kv heads for 32 query heads"),
        Case((12, 12, 12, 64, 4), "GPT-2 small in fp32"),
        Case((4, 8, 2, 16, 1), "a small model with an int8 cache"),
    ]


def cache_bytes_reference(n_layers, n_heads, n_kv_heads, head_dim, bytes_per_element):
    """Bytes of cache per token; the number of query heads (n_heads) does not enter it."""
    return gen.kv_cache_bytes_per_token(n_layers, n_kv_heads, head_dim, bytes_per_element)


def check_cache_bytes(learner_fn, strict: bool | None = None) -> CheckResult:
    """Exercise 2.10: bytes of key/value cache per token."""
    return catalogued_check(
        "Exercise 2.10 (cache bytes per token)",
        learner_fn,
        cache_bytes_reference,
        cache_bytes_cases(),
        mistakes=CACHE_BYTES_MISTAKES,
        compare=compare_bytes,
        exact=True,
        strict=strict,
        answer_keys=(gen.kv_cache_bytes_per_token, gen.cache_bytes_per_token),
    )
