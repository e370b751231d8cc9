"""Notebook 2c's checks: each catalogued wrong answer is named, right answers written other ways
pass (in place, einsum, torch, float32, another order), a stub is reported as not attempted, and an
unsolved exercise falls back to the reference."""

import numpy as np
import pytest
import torch

from utils.ch02 import checks_02c as checks
from utils.ch02 import generation as gen
from utils.checks import choose_implementation


def stub(*args):
    raise NotImplementedError


def assert_named(result, kind, phrase=""):
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def assert_passes(result):
    assert result.status == "passed", result.message


CHECKS_AND_MISTAKES = [
    (checks.check_rope, checks.ROPE_MISTAKES),
    (checks.check_top_p, checks.TOP_P_MISTAKES),
    (checks.check_cached_step, checks.CACHE_STEP_MISTAKES),
    (checks.check_cache_bytes, checks.CACHE_BYTES_MISTAKES),
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


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks.check_rope, gen.rope),
        (checks.check_top_p, gen.top_p_probs),
        (checks.check_cached_step, gen.cached_attention_step),
        (checks.check_cache_bytes, checks.cache_bytes_reference),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_unsolved_exercises_fall_back_to_the_plain_reference(check, reference, capsys):
    assert choose_implementation(check(stub, strict=False), stub) is reference
    assert "reference implementation" in capsys.readouterr().out


# ---------------------------------------------------------------- 2.7 RoPE


def rope_complex(q, k, positions, base):
    """Another right answer: each pair (x_i, x_{i+d/2}) as a complex number, multiplied by
    e^{i·m·θ}."""

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


def rope_torch(q, k, positions, base):
    def turn(x):
        x = torch.as_tensor(x)
        half = x.shape[-1] // 2
        angles = torch.as_tensor(positions, dtype=x.dtype)[:, None] * base ** (
            -torch.arange(0, x.shape[-1], 2, dtype=x.dtype) / x.shape[-1]
        )
        rotated = torch.cat([-x[:, half:], x[:, :half]], dim=-1)
        return x * angles.cos().repeat(1, 2) + rotated * angles.sin().repeat(1, 2)

    return turn(q), turn(k)


@pytest.mark.parametrize("fn", [rope_complex, rope_in_place_float32, rope_torch])
def test_rope_right_answers_pass(fn):
    assert_passes(checks.check_rope(fn, strict=False))


# ---------------------------------------------------------------- 2.8 top-p


def top_p_descending(logits, p):
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


def top_p_torch(logits, p):
    z = torch.as_tensor(logits)
    values, order = torch.sort(z, descending=True)
    probs = values.softmax(-1)
    keep = probs.cumsum(-1) - probs < p
    filtered = torch.full_like(z, float("-inf")).scatter(0, order[keep], values[keep])
    return filtered.softmax(-1)


@pytest.mark.parametrize("fn", [top_p_descending, top_p_searchsorted_float32, top_p_torch])
def test_top_p_right_answers_pass(fn):
    assert_passes(checks.check_top_p(fn, strict=False))


def test_top_p_returning_filtered_logits_is_told_to_return_probabilities():
    result = checks.check_top_p(
        lambda z, p: gen.top_p_logits(torch.as_tensor(z), p).numpy(), strict=False
    )
    assert result.status == "failed"
    # calling the course's filter is the answer key, whatever it returns
    assert "reference answer" in result.message or "−inf" in result.message

    def logits_out(z, p):
        order = np.argsort(-z)
        probs = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        before = np.cumsum(probs[order]) - probs[order]
        out = np.full_like(z, -np.inf)
        out[order[before < p]] = z[order[before < p]]
        return out

    assert_named(checks.check_top_p(logits_out, strict=False), "logits", "probabilities")


def test_the_tie_case_has_one_answer_whatever_the_order_of_ties():
    (logits, p), _ = checks.top_p_cases()[2].args, None
    forward = top_p_descending(logits, p)
    reverse = top_p_descending(logits[::-1].copy(), p)[::-1]
    np.testing.assert_allclose(forward, reverse, rtol=0, atol=1e-15)


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


def step_float32_preallocated(q, k, v, cache_k, cache_v):
    h, t, d = cache_k.shape
    keys, values = np.empty((h, t + 1, d), np.float32), np.empty((h, t + 1, d), np.float32)
    keys[:, :t], keys[:, t] = cache_k, k
    values[:, :t], values[:, t] = cache_v, v
    scores = np.einsum("hd,htd->ht", q.astype(np.float32), keys) / np.float32(np.sqrt(d))
    w = np.exp(scores - scores.max(-1, keepdims=True))
    return np.einsum("ht,htd->hd", w / w.sum(-1, keepdims=True), values), keys, values


@pytest.mark.parametrize("fn", [step_loop, step_torch_sdpa])
def test_cached_step_right_answers_pass(fn):
    assert_passes(checks.check_cached_step(fn, strict=False))


def test_a_float32_cached_step_is_close_but_outside_the_float64_tolerance_and_says_so():
    result = checks.check_cached_step(step_float32_preallocated, strict=False)
    assert result.passed or result.verdict.kind == "close", result.message


# ---------------------------------------------------------------- 2.10 cache bytes


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, h, kv, d, b: 2 * L * kv * d * b,
        lambda L, h, kv, d, b: np.prod([2, L, kv, d, b], dtype=np.float64),
        lambda L, h, kv, d, b: L * (kv * d * b + kv * d * b),  # keys plus values, written out
    ],
)
def test_cache_bytes_right_answers_pass(fn):
    result = checks.check_cache_bytes(fn, strict=False)
    assert_passes(result)
    assert "rtol" not in result.message  # an exact check quotes no tolerance


def test_cache_bytes_unknown_error_gives_the_formula():
    result = checks.check_cache_bytes(lambda L, h, kv, d, b: 2 * L * kv * d * b + 1, strict=False)
    assert_named(result, "values", "2 (a key and a value)")
    assert_named(checks.check_cache_bytes(lambda *a: "512 KiB", strict=False), "type", "one number")


@pytest.mark.answer_key_watch
def test_calling_the_course_functions_is_called_the_answer_key():
    result = checks.check_cache_bytes(
        lambda L, h, kv, d, b: gen.kv_cache_bytes_per_token(L, kv, d, b), strict=False
    )
    assert result.status == "failed" and "reference answer" in result.message
    result = checks.check_rope(
        lambda q, k, positions, base: gen.rope(q, k, positions, base), strict=False
    )
    assert result.status == "failed" and "reference answer" in result.message
