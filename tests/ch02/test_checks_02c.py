"""Notebook 2c's checks: each catalogued wrong answer is named, slips written the way a learner
writes them get the right name, right answers written other ways pass (a loop, complex numbers,
torch in float32, NumPy in float64, in place), answers that call `transformers`' own implementation
or the course's reference are told so, bad return values get a clear message, and a stub is
reported as not attempted and falls back to the reference."""

import math

import numpy as np
import pytest
import torch
from transformers import TopPLogitsWarper
from transformers.models.llama.modeling_llama import apply_rotary_pos_emb


from tests.checks.contract import (
    WrongAnswer,
    assert_named,
    catalogue_rows as catalogue,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch02 import checks_02c as checks
from utils.ch02 import generation as gen
from utils.checks import choose_implementation

CHECKS = {
    "rope": checks.check_rope,
    "top_p": checks.check_top_p,
    "cached_step": checks.check_cached_step,
    "cache_bytes": checks.check_cache_bytes,
}
test_rope_not_attempted = not_attempted(checks.check_rope)
test_top_p_not_attempted = not_attempted(checks.check_top_p)
test_cached_step_not_attempted = not_attempted(checks.check_cached_step)
test_cache_bytes_not_attempted = not_attempted(checks.check_cache_bytes)


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_returning_none_is_caught(check):
    assert_named(check(lambda *args: None, strict=False), "none", "return")


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks.check_rope, gen.rope),
        (checks.check_top_p, gen.top_p_probs),
        (checks.check_cached_step, gen.cached_attention_step),
        (checks.check_cache_bytes, checks.cache_bytes_reference),
    ],
    ids=CHECKS.keys(),
)
def test_unsolved_exercises_fall_back_to_the_plain_reference(check, reference, capsys):
    assert choose_implementation(check(stub, strict=False), stub) is reference
    assert "reference implementation" in capsys.readouterr().out


# ---------------------------------------------------------------- 2.7 RoPE


def rope_numpy(q, k, positions, base):
    """Float64 NumPy: the two halves, turned."""

    def turn(x):
        half = x.shape[1] // 2
        theta = base ** (-2.0 * np.arange(half) / x.shape[1])
        angles = np.outer(positions, theta)
        a, b = x[:, :half], x[:, half:]
        return np.hstack(
            [a * np.cos(angles) - b * np.sin(angles), b * np.cos(angles) + a * np.sin(angles)]
        )

    return turn(q), turn(k)


def rope_complex(q, k, positions, base):
    """Each pair (x_i, x_{i+d/2}) as a complex number, multiplied by e^{i·m·θ}."""

    def turn(x):
        half = x.shape[-1] // 2
        theta = base ** (-2.0 * np.arange(half) / x.shape[-1])
        z = (x[:, :half] + 1j * x[:, half:]) * np.exp(1j * np.outer(positions, theta))
        return np.concatenate([z.real, z.imag], axis=1)

    return turn(q), turn(k)


def rope_in_place_float32(q, k, positions, base):
    out = []
    for x in (q, k):
        x = x.astype(np.float32)
        half = x.shape[1] // 2
        angles = np.asarray(positions, np.float32)[:, None] * np.float32(base) ** (
            -np.arange(0, x.shape[1], 2, dtype=np.float32) / np.float32(x.shape[1])
        )
        c, s = np.cos(angles), np.sin(angles)
        a, b = x[:, :half].copy(), x[:, half:].copy()
        x[:, :half] = a * c - b * s
        x[:, half:] = b * c + a * s
        out.append(x)
    return tuple(out)


def rope_torch_float32(q, k, positions, base):
    """Torch in float32, with rotate_half written out: x·cos + rotate_half(x)·sin."""
    q, k = (torch.as_tensor(x, dtype=torch.float32) for x in (q, k))
    d = q.shape[-1]
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
    angles = torch.as_tensor(positions, dtype=torch.float32)[:, None] * theta
    cos, sin = torch.cat([angles, angles], -1).cos(), torch.cat([angles, angles], -1).sin()
    half = lambda x: torch.cat([-x[..., d // 2 :], x[..., : d // 2]], -1)  # noqa: E731
    return q * cos + half(q) * sin, k * cos + half(k) * sin


def rope_loops(q, k, positions, base):
    d = q.shape[1]
    out = []
    for x in (q, k):
        y = np.empty_like(x)
        for t, m in enumerate(positions):
            for i in range(d // 2):
                angle = m * base ** (-2 * i / d)
                y[t, i] = x[t, i] * math.cos(angle) - x[t, i + d // 2] * math.sin(angle)
                y[t, i + d // 2] = x[t, i + d // 2] * math.cos(angle) + x[t, i] * math.sin(angle)
        out.append(y)
    return tuple(out)


test_rope_right = right_answers_pass(
    checks.check_rope,
    [rope_numpy, rope_complex, rope_in_place_float32, rope_torch_float32, rope_loops],
)


def rope_with(change):
    """rope_numpy with one slip, written as a learner writes it."""

    def wrong(q, k, positions, base):
        def turn(x):
            d = x.shape[1]
            half = d // 2
            theta = change.get("theta", lambda d, base: base ** (-2.0 * np.arange(half) / d))(
                d, base
            )
            where = change.get("where", lambda positions: np.asarray(positions))(positions)
            angles = np.outer(where, theta) if where.ndim == 1 else where * theta
            c, s = np.cos(angles), np.sin(angles)
            return (
                change["rotate"](x, half, c, s)
                if "rotate" in change
                else np.hstack(
                    [x[:, :half] * c - x[:, half:] * s, x[:, half:] * c + x[:, :half] * s]
                )
            )

        out = (turn(q), turn(k))
        return out[::-1] if change.get("swap") else out

    return wrong


def mirrored(x, half, c, s):
    a, b = x[:, :half], x[:, ::-1][:, :half]
    out = np.empty_like(x)
    out[:, :half], out[:, ::-1][:, :half] = a * c - b * s, b * c + a * s
    return out


def rope_apply_rotary_pos_emb(q, k, positions, base):
    """Its own angles, transformers' rotation."""
    d = q.shape[-1]
    angles = np.outer(positions, base ** (-np.arange(0, d, 2) / d))
    cos, sin = (torch.from_numpy(np.hstack([f(angles)] * 2))[None] for f in (np.cos, np.sin))
    q_out, k_out = apply_rotary_pos_emb(
        torch.tensor(q)[None, None], torch.tensor(k)[None, None], cos, sin
    )
    return q_out[0, 0], k_out[0, 0]


test_rope_mistakes = wrong_answers_named(
    checks.check_rope,
    [
        *catalogue(checks.ROPE_MISTAKES),
        WrongAnswer(
            "sin and cos swapped, as written",
            rope_with(
                {
                    "rotate": lambda x, h, c, s: np.hstack(
                        [x[:, :h] * s - x[:, h:] * c, x[:, h:] * s + x[:, :h] * c]
                    )
                }
            ),
            "sin and cos swapped",
            "swapped sin and cos",
        ),
        WrongAnswer(
            "angles without the position",
            rope_with({"where": lambda positions: np.ones((len(positions), 1))}),
            "same angle for every row",
            "outer product",
        ),
        WrongAnswer(
            "positions + 1",
            rope_with({"where": lambda positions: np.asarray(positions) + 1}),
            "position off by one",
            "one position too many",
        ),
        WrongAnswer(
            "only the first half",
            rope_with(
                {"rotate": lambda x, h, c, s: np.hstack([x[:, :h] * c - x[:, h:] * s, x[:, h:]])}
            ),
            "second half not rotated",
            "ORIGINAL first half",
        ),
        WrongAnswer(
            "second half first",
            rope_with(
                {
                    "rotate": lambda x, h, c, s: np.hstack(
                        [x[:, h:] * c + x[:, :h] * s, x[:, :h] * c - x[:, h:] * s]
                    )
                }
            ),
            "halves swapped",
            "wrong order",
        ),
        WrongAnswer(
            "i with d − 1 − i", rope_with({"rotate": mirrored}), "mirrored pairs", "d − 1 − i"
        ),
        WrongAnswer("(k, q)", rope_with({"swap": True}), "q and k swapped", "queries first"),
        WrongAnswer(
            "arange(0, d, 2) / (d / 2)",
            rope_with({"theta": lambda d, base: base ** (-np.arange(0, d, 2) / (d / 2))}),
            "exponent 4i/d",
            "divide by d, not by d/2",
        ),
    ],
)


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "answer",
    [
        lambda q, k, positions, base: gen.rope(q, k, positions, base),
        lambda q, k, positions, base: (
            gen.apply_rope(q, positions, base),
            gen.apply_rope(k, positions, base),
        ),
        lambda q, k, positions, base: tuple(
            a[0] for a in gen.transformers_rope(q[None], k[None], positions, base)[:2]
        ),
        rope_apply_rotary_pos_emb,
    ],
    ids=["rope", "apply_rope", "transformers_rope", "transformers' apply_rotary_pos_emb"],
)
def test_rope_calling_a_reference_is_called_the_answer_key(answer):
    """The course's rotation, or transformers' (which the notebook compares with), even given
    angles of the learner's own."""
    result = checks.check_rope(answer, strict=False)
    assert result.status == "failed" and "reference answer" in result.message, result.message
    if answer is rope_apply_rotary_pos_emb:
        assert "apply_rotary_pos_emb" in result.message


# ---------------------------------------------------------------- 2.8 top-p


def top_p_numpy(logits, p):
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = np.argsort(-probs)
    before = np.cumsum(probs[order]) - probs[order]
    out = np.zeros_like(probs)
    out[order[before < p]] = probs[order[before < p]]
    return out / out.sum()


def top_p_searchsorted_float32(logits, p):
    logits = logits.astype(np.float32)
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = np.argsort(probs)[::-1]
    n = min(int(np.searchsorted(np.cumsum(probs[order]), np.float32(p) - 1e-6)) + 1, len(probs))
    out = np.zeros_like(probs)
    out[order[:n]] = probs[order[:n]]
    return out / out.sum()


def top_p_torch_float32(logits, p):
    z = torch.as_tensor(logits, dtype=torch.float32)
    sorted_probs, order = z.softmax(-1).sort(descending=True)
    keep = sorted_probs.cumsum(-1) - sorted_probs < p
    masked = torch.full_like(z, float("-inf"))
    masked[order[keep]] = z[order[keep]]
    return masked.softmax(-1)


def top_p_loop(logits, p):
    exps = [math.exp(z - max(logits)) for z in logits]
    probs = [e / sum(exps) for e in exps]
    kept, total = [], 0.0
    for i in sorted(range(len(probs)), key=lambda i: -probs[i]):
        if total >= p:
            break
        kept.append(i)
        total += probs[i]
    return np.array([probs[i] / total if i in kept else 0.0 for i in range(len(probs))])


def top_p_drop_the_tail(logits, p):
    """transformers' way round: drop the least likely tokens while they hold at most 1 − p."""
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = np.argsort(probs, kind="stable")
    drop = np.cumsum(probs[order]) <= 1 - p
    drop[-1] = False
    out = probs.copy()
    out[order[drop]] = 0.0
    return out / out.sum()


test_top_p_right = right_answers_pass(
    checks.check_top_p,
    [top_p_numpy, top_p_searchsorted_float32, top_p_torch_float32, top_p_loop, top_p_drop_the_tail],
)


def top_p_keeping(rule, probabilities=None, mapped_back=True):
    """A learner's top-p with one slip: `rule(cumulative, sorted_probs, p)` says which stay."""

    def wrong(logits, p):
        z = np.asarray(logits, dtype=np.float64)
        probs = (
            probabilities(z) if probabilities else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        )
        order = np.argsort(-probs)
        sorted_probs = probs[order]
        keep = rule(np.cumsum(sorted_probs), sorted_probs, p)
        out = np.zeros_like(probs)
        if mapped_back:
            out[order[keep]] = sorted_probs[keep]
        else:
            out[: keep.sum()] = sorted_probs[keep]
        return out / out.sum()

    return wrong


def top_p_warper(logits, p):
    return TopPLogitsWarper(p)(None, torch.tensor(logits)[None])[0].softmax(-1)


def top_p_mask(logits, p):
    return top_p_numpy(logits, p) > 0


within = lambda c, s, p: c - s < p  # noqa: E731 - the right rule
test_top_p_mistakes = wrong_answers_named(
    checks.check_top_p,
    [
        *catalogue(checks.TOP_P_MISTAKES),
        WrongAnswer(
            "before <= p", top_p_keeping(lambda c, s, p: c - s <= p), "boundary kept", "exactly p"
        ),
        WrongAnswer(
            "one past the crossing",
            top_p_keeping(lambda c, s, p: np.concatenate([[True], (c - s < p)[:-1]])),
            "one token too many",
            "one token past",
        ),
        WrongAnswer(
            "logits as probabilities",
            top_p_keeping(within, probabilities=lambda z: z),
            "no softmax",
            "as if they were probabilities",
        ),
        WrongAnswer(
            "exp(z), not normalised",
            top_p_keeping(within, probabilities=np.exp),
            "no softmax",
            "as if they were probabilities",
        ),
        WrongAnswer(
            "sorted, not mapped back",
            top_p_keeping(within, mapped_back=False),
            "not mapped back",
            "SORTED order",
        ),
        WrongAnswer("the keep-mask", top_p_mask, "keep mask", "which tokens are kept"),
    ],
)


def test_top_p_returning_filtered_logits_is_told_to_return_probabilities():
    def logits_out(z, p):
        keep = top_p_numpy(z, p) > 0
        return np.where(keep, z, -np.inf)

    assert_named(checks.check_top_p(logits_out, strict=False), "logits", "probabilities")


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "answer",
    [
        lambda z, p: gen.top_p_logits(torch.as_tensor(z), p).softmax(-1),
        lambda z, p: gen.sampling_probs(z, top_p=p),
        lambda z, p: gen.top_p_probs(z, p),
        top_p_warper,
    ],
    ids=["top_p_logits", "sampling_probs", "top_p_probs", "TopPLogitsWarper"],
)
def test_top_p_calling_a_reference_is_called_the_answer_key(answer):
    result = checks.check_top_p(answer, strict=False)
    assert result.status == "failed" and "reference answer" in result.message, result.message
    if answer is top_p_warper:
        assert "TopPLogitsWarper" in result.message


def test_the_tie_case_has_one_answer_whatever_the_order_of_ties():
    logits, p = checks.top_p_cases()[2].args
    forward = top_p_numpy(logits, p)
    reverse = top_p_numpy(logits[::-1].copy(), p)[::-1]
    np.testing.assert_allclose(forward, reverse, rtol=0, atol=1e-15)


def test_the_boundary_case_is_exact_in_float32_and_float64():
    logits, p = checks.top_p_cases()[-1].args
    for dtype in (torch.float32, torch.float64):
        probs = torch.as_tensor(logits, dtype=dtype).softmax(-1).sort(descending=True).values
        assert probs[:2].sum().item() == p
    np.testing.assert_array_equal(gen.top_p_probs(logits, p) > 0, [False, True, True, False])


# ---------------------------------------------------------------- 2.9 cached step


def step_loop(q, k, v, cache_k, cache_v):
    keys = np.concatenate([cache_k, k[:, None]], axis=1)
    values = np.concatenate([cache_v, v[:, None]], axis=1)
    out = np.zeros_like(q)
    for h in range(q.shape[0]):
        s = keys[h] @ q[h] / np.sqrt(q.shape[1])
        w = np.exp(s - s.max())
        out[h] = (w / w.sum()) @ values[h]
    return out, keys, values


def step_torch_sdpa(q, k, v, cache_k, cache_v):
    keys = torch.cat([torch.as_tensor(cache_k), torch.as_tensor(k)[:, None]], dim=1)
    values = torch.cat([torch.as_tensor(cache_v), torch.as_tensor(v)[:, None]], dim=1)
    out = torch.nn.functional.scaled_dot_product_attention(
        torch.as_tensor(q)[:, None], keys, values
    )[:, 0]
    return out, keys, values


def step_torch_float32(q, k, v, cache_k, cache_v):
    q, k, v, cache_k, cache_v = (
        torch.as_tensor(a, dtype=torch.float32) for a in (q, k, v, cache_k, cache_v)
    )
    keys, values = torch.cat([cache_k, k[:, None]], 1), torch.cat([cache_v, v[:, None]], 1)
    weights = ((keys @ q[:, :, None])[..., 0] / q.shape[-1] ** 0.5).softmax(-1)
    return (weights[:, None] @ values)[:, 0], keys, values


def step_float32_preallocated(q, k, v, cache_k, cache_v):
    h, t, d = cache_k.shape
    keys, values = np.empty((h, t + 1, d), np.float32), np.empty((h, t + 1, d), np.float32)
    keys[:, :t], keys[:, t] = cache_k, k
    values[:, :t], values[:, t] = cache_v, v
    scores = np.einsum("hd,htd->ht", q.astype(np.float32), keys) / np.float32(np.sqrt(d))
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return np.einsum("ht,htd->hd", w / w.sum(-1, keepdims=True), values), keys, values


test_cached_step_right = right_answers_pass(
    checks.check_cached_step,
    [step_loop, step_torch_sdpa, step_torch_float32, step_float32_preallocated],
)


def step_with(divisor=None, only_new=False, drop_oldest=False, keys_as_values=False):
    """step_loop with one slip, written as a learner writes it."""

    def wrong(q, k, v, cache_k, cache_v):
        keys = np.concatenate([cache_k, k[:, None]], axis=1)
        values = np.concatenate([cache_v, v[:, None]], axis=1)
        if drop_oldest:
            keys, values = keys[:, 1:], values[:, 1:]
        seen_k, seen_v = (k[:, None], v[:, None]) if only_new else (keys, values)
        scale = np.sqrt(q.shape[-1]) if divisor is None else divisor(q.shape[-1], keys.shape[1])
        s = np.einsum("hd,htd->ht", q, seen_k) / scale
        w = np.exp(s - s.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        return np.einsum("ht,htd->hd", w, seen_k if keys_as_values else seen_v), keys, values

    return wrong


test_cached_step_mistakes = wrong_answers_named(
    checks.check_cached_step,
    [
        *catalogue(checks.CACHE_STEP_MISTAKES),
        WrongAnswer(
            "only the new token", step_with(only_new=True), "only the new token", "new value v"
        ),
        WrongAnswer("÷ d", step_with(divisor=lambda d, t: d), "divided by d", "square root"),
        WrongAnswer(
            "÷ √(t + 1)",
            step_with(divisor=lambda d, t: np.sqrt(t)),
            "divided by the positions",
            "number of cached positions",
        ),
        WrongAnswer("oldest dropped", step_with(drop_oldest=True), "oldest dropped", "OLDEST"),
        WrongAnswer("keys as values", step_with(keys_as_values=True), "keys as values", "KEYS"),
    ],
)


def test_the_notebook_can_use_a_float32_torch_step_on_the_model():
    """The cell after the check casts the output to float64 before the model's float64 layer."""
    h, t, d = 4, 11, 16
    q, k, v = (np.random.default_rng(0).normal(size=(h, d)) for _ in range(3))
    cache = np.random.default_rng(1).normal(size=(h, t, d))
    out, _, _ = step_torch_float32(q, k, v, cache, cache)
    proj = torch.nn.Linear(h * d, h * d).double()
    assert (
        proj(torch.as_tensor(np.asarray(out, dtype=np.float64)).reshape(-1)).dtype == torch.float64
    )


# ---------------------------------------------------------------- 2.10 cache bytes


def bytes_int(L, h, kv, d, b):
    return 2 * L * kv * d * b


def bytes_float(L, h, kv, d, b):
    return float(L) * 2.0 * kv * d * b


def bytes_numpy_product(L, h, kv, d, b):
    return np.prod([2, L, kv, d, b], dtype=np.float64)


def bytes_keys_plus_values(L, h, kv, d, b):
    return L * (kv * d * b + kv * d * b)


def bytes_from_a_torch_tensor(L, h, kv, d, b):
    dtype = {1: torch.int8, 2: torch.bfloat16, 4: torch.float32, 8: torch.float64}[b]
    cache = torch.empty(L, 2, kv, d, dtype=dtype)
    return cache.numel() * cache.element_size()


def bytes_torch_scalar(L, h, kv, d, b):
    return torch.tensor(2.0) * L * kv * d * b


test_cache_bytes_right = right_answers_pass(
    checks.check_cache_bytes,
    [
        bytes_int,
        bytes_float,
        bytes_numpy_product,
        bytes_keys_plus_values,
        bytes_from_a_torch_tensor,
        bytes_torch_scalar,
    ],
)


def test_an_exact_check_quotes_no_tolerance():
    assert "rtol" not in checks.check_cache_bytes(bytes_int, strict=False).message


test_cache_bytes_mistakes = wrong_answers_named(
    checks.check_cache_bytes,
    [
        *catalogue(checks.CACHE_BYTES_MISTAKES),
        WrongAnswer("no 2", lambda L, h, kv, d, b: L * kv * d * b, "keys only", "hence the 2"),
        WrongAnswer(
            "h / kv", lambda L, h, kv, d, b: 2 * L * (h // kv) * d * b, "group size", "group size"
        ),
        WrongAnswer(
            "b fixed at 2", lambda L, h, kv, d, b: 2 * L * kv * d * 2, "two bytes fixed", "2 bytes"
        ),
        WrongAnswer(
            "n_heads", lambda L, h, kv, d, b: 2 * L * h * d * b, "query heads", "QUERY head"
        ),
        WrongAnswer(
            "bits ÷ 8", lambda L, h, kv, d, b: 2 * L * kv * d * b / 8, "bytes as bits", "bits"
        ),
        WrongAnswer(
            "GB",
            lambda L, h, kv, d, b: 2 * L * kv * d * b / 1000 / 1000 / 1000,
            "GB",
            "You returned GB",
        ),
        WrongAnswer(
            "GiB", lambda L, h, kv, d, b: 2 * L * kv * d * b / 1024**3, "GiB", "You returned GiB"
        ),
        WrongAnswer(
            "KB", lambda L, h, kv, d, b: 2 * L * kv * d * b / 1000, "KB", "You returned KB"
        ),
        WrongAnswer("elements", lambda L, h, kv, d, b: 2 * L * kv * d, "elements", "not bytes"),
        WrongAnswer(
            "off by one byte",
            lambda L, h, kv, d, b: 2 * L * kv * d * b + 1,
            "values",
            "2 (a key and a value)",
        ),
    ],
)


@pytest.mark.parametrize(
    "answer, kind, phrase",
    [
        (lambda L, h, kv, d, b: f"{2 * L * kv * d * b}", "string", "not a string"),
        (lambda L, h, kv, d, b: f"{2 * L * kv * d * b:,} bytes", "string", "not a string"),
        (lambda L, h, kv, d, b: "512 KiB", "string", "the number itself"),
        (lambda L, h, kv, d, b: (L * kv * d * b, L * kv * d * b), "type", "one number"),
        (lambda L, h, kv, d, b: [2 * L * kv * d * b], "type", "one number"),
        (lambda L, h, kv, d, b: np.full((L, 2), kv * d * b), "type", "shape"),
        (lambda L, h, kv, d, b: True, "type", "a number of bytes"),
        (lambda L, h, kv, d, b: {"bytes": 2 * L * kv * d * b}, "type", "one number"),
    ],
    ids=["digits", "with commas", "text", "tuple", "list", "array", "bool", "dict"],
)
def test_cache_bytes_must_be_a_number(answer, kind, phrase):
    assert_named(checks.check_cache_bytes(answer, strict=False), kind, phrase)


@pytest.mark.answer_key_watch
def test_cache_bytes_calling_the_course_is_called_the_answer_key():
    for answer in (
        lambda L, h, kv, d, b: gen.kv_cache_bytes_per_token(L, kv, d, b),
        lambda *a: checks.cache_bytes_reference(*a),
    ):
        result = checks.check_cache_bytes(answer, strict=False)
        assert result.status == "failed" and "reference answer" in result.message


def test_the_first_bytes_case_tells_the_slips_apart():
    """On the first case every catalogued slip but one (bytes left out, 1-byte cache) gives its own
    number, so the first failure names the right slip."""
    args = checks.cache_bytes_cases()[0].args
    right = checks.cache_bytes_reference(*args)
    wrong = {m.kind: m.wrong(*args) for m in checks.CACHE_BYTES_MISTAKES}
    assert [kind for kind, value in wrong.items() if value == right] == ["elements"]
    assert len(set(wrong.values())) == len(wrong)


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    keys_only = lambda L, h, kv, d, b: L * kv * d * b  # noqa: E731
    result = checks.check_cache_bytes(keys_only, strict=False)
    assert_named(
        result, "keys only", "缓存少算了一半：每个位置在每个键值头上都要保存一个键和一个值"
    )
    assert result.message.startswith("✗ 练习 2.10（每个词元的缓存字节数）"), result.message
    text = checks.compare_bytes("524288", 524288.0)
    assert text.kind == "string" and "你的函数返回了文本 '524288'" in text.message
