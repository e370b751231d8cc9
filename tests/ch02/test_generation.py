"""utils.ch02.generation against independent implementations: positions against their formulas and
`transformers`' LLaMA rotary code, the sampling filters against `transformers`' logits processors,
the cached GPT against the uncached one and `transformers`' cached GPT-2, and the serving arithmetic
against numbers worked out by hand. Bad input gets a clear ValueError."""

import math

import numpy as np
import pytest
import torch
from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper
from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

from utils import param_count as pc
from utils.ch02 import attention as att
from utils.ch02 import generation as gen
from utils.ch02 import gpt

rng = np.random.default_rng(0)


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    model = gpt.GPT(gpt.tiny_config(97, 24, 32, 2, 4)).double().eval()
    return model


# ---------------------------------------------------------------- positions


def test_sinusoidal_table_follows_the_paper():
    PE = gen.sinusoidal_positions(10, 8)
    m, i = 7, 2
    assert PE[m, 2 * i] == pytest.approx(math.sin(m / 10000 ** (2 * i / 8)))
    assert PE[m, 2 * i + 1] == pytest.approx(math.cos(m / 10000 ** (2 * i / 8)))
    for k in (1, 3):
        np.testing.assert_allclose(PE[k:], PE[:-k] @ gen.sinusoidal_shift(8, k), atol=1e-12)


@pytest.mark.parametrize("args", [(0, 8), (4, 7), (4, 0)])
def test_sinusoidal_table_rejects_bad_sizes(args):
    with pytest.raises(ValueError, match="even width"):
        gen.sinusoidal_positions(*args)


def test_rope_is_transformers_rotation_with_the_same_angles():
    q, k = rng.normal(size=(3, 50, 16)), rng.normal(size=(3, 50, 16))
    positions = np.arange(50) * 3
    ours_q, ours_k = gen.rope(q, k, positions)
    angles = np.concatenate([positions[:, None] * gen.rope_frequencies(16)[None]] * 2, axis=1)
    cos, sin = (torch.from_numpy(f(angles))[None] for f in (np.cos, np.sin))
    theirs_q, theirs_k = apply_rotary_pos_emb(
        torch.from_numpy(q)[None], torch.from_numpy(k)[None], cos, sin
    )
    np.testing.assert_allclose(ours_q, theirs_q[0].numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours_k, theirs_k[0].numpy(), rtol=0, atol=1e-14)


def test_rope_matches_transformers_own_table_to_float32_angles():
    q, k = rng.normal(size=(2, 64, 8)), rng.normal(size=(2, 64, 8))
    ours_q, _ = gen.rope(q, k, np.arange(64))
    theirs_q, _, _ = gen.transformers_rope(q, k, np.arange(64))
    np.testing.assert_allclose(ours_q, theirs_q, rtol=0, atol=1e-5)


def test_rope_scores_depend_only_on_the_offset():
    q, k = rng.normal(size=(1, 32)), rng.normal(size=(1, 32))
    score = lambda m, n: (gen.apply_rope(q, [m]) @ gen.apply_rope(k, [n]).T).item()
    assert score(9, 4) == pytest.approx(score(105, 100), abs=1e-10)
    assert score(9, 4) != pytest.approx(score(9, 3), abs=1e-3)


def test_the_papers_layout_is_a_reordering_of_the_halves_layout():
    x = rng.normal(size=(5, 12))
    order = gen.halves_order(12)
    positions = np.array([0, 2, 4, 8, 16])
    np.testing.assert_allclose(
        gen.apply_rope(x[:, order], positions),
        gen.rope_interleaved(x, positions)[:, order],
        atol=1e-14,
    )


@pytest.mark.parametrize(
    "x, positions, message",
    [
        (np.ones((3, 5)), np.arange(3), "must be even"),
        (np.ones((3, 4)), np.arange(2), "one position per row"),
        (np.ones((3, 4)), np.array([0, -1, 2]), "whole numbers ≥ 0"),
        (np.ones((2, 4)), np.array([0.5, 1.0]), "whole numbers ≥ 0"),
    ],
)
def test_rope_rejects_bad_input(x, positions, message):
    with pytest.raises(ValueError, match=message):
        gen.apply_rope(x, positions)


def test_removing_positions_and_mask_makes_the_gpt_permutation_equivariant(small):
    tokens = torch.randint(0, 97, (1, 10))
    order = torch.randperm(10)
    bag = gen.bidirectional(gen.without_positions(small))
    with torch.no_grad():
        torch.testing.assert_close(
            bag(tokens[:, order])[0], bag(tokens)[0][order], rtol=0, atol=1e-12
        )
        assert (small(tokens[:, order])[0] - small(tokens)[0][order]).abs().max() > 1e-3
    assert (
        small.pos.weight.abs().sum() > 0 and small.blocks[0].allowed[0, 1].item() is False
    )  # copies


# ---------------------------------------------------------------- sampling


def logits_with_ties():
    rows = torch.randn(16, 200) * 2
    return torch.cat([rows, (rows * 2).round() / 2])


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda z: gen.temperature_logits(z, 0.7), TemperatureLogitsWarper(0.7)),
        (lambda z: gen.temperature_logits(z, 1.3), TemperatureLogitsWarper(1.3)),
        (lambda z: gen.top_k_logits(z, 1), TopKLogitsWarper(1)),
        (lambda z: gen.top_k_logits(z, 7), TopKLogitsWarper(7)),
        (lambda z: gen.top_k_logits(z, 500), TopKLogitsWarper(500)),
        (lambda z: gen.top_p_logits(z, 0.05), TopPLogitsWarper(0.05)),
        (lambda z: gen.top_p_logits(z, 0.5), TopPLogitsWarper(0.5)),
        (lambda z: gen.top_p_logits(z, 0.95), TopPLogitsWarper(0.95)),
        (lambda z: gen.top_p_logits(z, 1.0), TopPLogitsWarper(1.0)),
    ],
)
def test_filters_equal_transformers_processors_ties_included(ours, theirs):
    torch.manual_seed(3)
    z = logits_with_ties()
    assert torch.equal(ours(z), theirs(None, z.clone()))


def test_top_k_keeps_every_tie_with_the_kth():
    z = torch.tensor([3.0, 1.0, 2.0, 2.0, 2.0, 0.0])
    assert (gen.top_k_logits(z, 2) > float("-inf")).sum() == 4


def test_top_p_distribution_keeps_the_crossing_token_and_sums_to_one():
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    np.testing.assert_allclose(
        gen.top_p_probs(logits, 0.6), [0.5 / 0.8, 0.3 / 0.8, 0, 0], atol=1e-12
    )
    np.testing.assert_allclose(gen.top_p_probs(logits, 0.4), [1, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(gen.top_p_probs(logits, 1.0), np.exp(logits), atol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: gen.temperature_logits(torch.zeros(3), 0), "positive number"),
        (lambda: gen.temperature_logits(torch.zeros(3), -1.0), "positive number"),
        (lambda: gen.temperature_logits(torch.zeros(3), float("nan")), "positive number"),
        (lambda: gen.top_p_logits(torch.zeros(3), 0.0), r"in \(0, 1\]"),
        (lambda: gen.top_p_logits(torch.zeros(3), 1.5), r"in \(0, 1\]"),
        (lambda: gen.top_k_logits(torch.zeros(3), 0), "whole number ≥ 1"),
        (lambda: gen.top_k_logits(torch.zeros(3), 2.5), "whole number ≥ 1"),
        (lambda: gen.top_p_probs(np.zeros((2, 3)), 0.5), "one vector"),
    ],
)
def test_bad_sampling_settings_get_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_distinct_ngrams():
    assert gen.distinct_ngrams([1, 2, 3, 4, 5], 3) == 1.0
    assert gen.distinct_ngrams([7] * 12, 3) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="no 3-grams"):
        gen.distinct_ngrams([1, 2], 3)


# ---------------------------------------------------------------- the cache


def test_cached_step_is_the_last_row_of_causal_attention():
    h, T, d = 3, 7, 5
    Q, K, V = (rng.normal(size=(h, T, d)) for _ in range(3))
    out, keys, values = gen.cached_attention_step(
        Q[:, -1], K[:, -1], V[:, -1], K[:, :-1], V[:, :-1]
    )
    np.testing.assert_allclose(out, att.attention(Q, K, V, causal=True)[:, -1], atol=1e-14)
    np.testing.assert_array_equal(keys, K)
    np.testing.assert_array_equal(values, V)


def test_cached_step_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="heads × t × d_h"):
        gen.cached_attention_step(
            np.ones((2, 4)),
            np.ones((2, 4)),
            np.ones((2, 4)),
            np.ones((3, 1, 4)),
            np.ones((3, 1, 4)),
        )


def test_cached_logits_equal_the_uncached_model_and_transformers(small):
    tokens = torch.randint(0, 97, (2, 24))
    with torch.no_grad():
        full = small(tokens)
    cached = gen.cached_logits(small, tokens, prefill=5)
    torch.testing.assert_close(cached, full, rtol=0, atol=1e-12)
    theirs = gen.transformers_cached_logits(gpt.as_transformers_gpt2(small), tokens, prefill=5)
    torch.testing.assert_close(cached, theirs, rtol=0, atol=1e-12)


def test_a_cache_longer_than_the_context_is_refused(small):
    cache = gen.KVCache.for_model(small, batch=1)
    gen.forward_cached(small, torch.zeros(1, 20, dtype=torch.long), cache)
    with pytest.raises(ValueError, match="longer than the model's context of 24"):
        gen.forward_cached(small, torch.zeros(1, 5, dtype=torch.long), cache)
    with pytest.raises(ValueError, match="batch of 1"):
        gen.forward_cached(small, torch.zeros(2, 1, dtype=torch.long), cache)
    with pytest.raises(ValueError, match="longer than the model's context"):
        gen.generate_cached(small, [1, 2, 3], 22)
    with pytest.raises(ValueError, match="The prompt alone holds 30 tokens, more than the model's"):
        gen.generate_cached(small, np.arange(30) % 97, 1)


def test_generate_cached_writes_what_gpt_generate_writes():
    torch.manual_seed(1)
    model = gpt.GPT(gpt.tiny_config(61, 32, 32, 2, 2)).eval()
    prompt = np.array([5, 9, 2])
    for options in (dict(), dict(temperature=1.3, top_k=5)):
        assert np.array_equal(
            gpt.generate(model, prompt, 29, seed=4, **options),
            gen.generate_cached(model, prompt, 29, seed=4, **options),
        )
    greedy = gen.generate_cached(model, prompt, 10, greedy=True)
    assert np.array_equal(greedy, gen.generate_cached(model, prompt, 10, greedy=True, seed=99))
    with pytest.raises(ValueError, match="positive number"):
        gen.generate_cached(model, prompt, 3, temperature=0.0)
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        gen.generate_cached(model, prompt, 3, top_p=2.0)


def test_the_cache_holds_the_bytes_the_formula_says(small):
    cache = gen.KVCache.for_model(small, batch=3)
    cfg = small.cfg
    assert cache.nbytes(upto=cfg.context) == 3 * cfg.context * gen.kv_cache_bytes_per_token(
        cfg.n_layers, cfg.kv_heads, cfg.head_dim, 8
    )


def test_timings_return_one_positive_value_per_repeat(small):
    for cached in (False, True):
        times = gen.seconds_per_new_token(small, 8, cached=cached, steps=2, repeats=2)
        assert len(times) == 2 and all(t >= 0 for t in times)
    rates = gen.decode_tokens_per_second(small, 2, context_length=4, steps=2, repeats=2)
    assert len(rates) == 2 and all(r > 0 for r in rates)
    assert gen.flops_per_new_token(small, 16, cached=False) > gen.flops_per_new_token(
        small, 16, cached=True
    )
    with pytest.raises(ValueError, match="must fit in the context"):
        gen.seconds_per_new_token(small, 20, cached=True, steps=8)
    with pytest.raises(ValueError, match="within the model's context"):
        gen.decode_tokens_per_second(small, 1, context_length=20, steps=8)


# ---------------------------------------------------------------- memory and the bound


def test_cache_bytes_of_published_models():
    llama, mistral = pc.PUBLISHED["LLaMA-7B"], pc.PUBLISHED["Mistral-7B"]
    assert gen.cache_bytes_per_token(llama) == 512 * 1024
    assert gen.cache_bytes_per_token(mistral) == 128 * 1024
    assert gen.kv_cache_bytes(mistral, 32, 8192) == pytest.approx(34.36e9, rel=1e-3)
    assert gen.kv_cache_bytes(mistral, 32, 8192, window=4096) == gen.kv_cache_bytes(
        mistral, 32, 4096
    )
    with pytest.raises(ValueError, match="longer than LLaMA-7B's context of 2,048"):
        gen.kv_cache_bytes(llama, 32, 8192)


@pytest.mark.parametrize("window", [0, -4, 2.5, True])
def test_a_window_keeps_at_least_one_position(window):
    with pytest.raises(ValueError, match="W must be a whole number ≥ 1"):
        gen.kv_cache_bytes(pc.PUBLISHED["Mistral-7B"], 1, 10, window=window)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 8, 128, 2), "n_layers must be a whole number"),
        ((32, 8.0, 128, 2), "n_kv_heads must be a whole number"),
        ((32, 8, 128, 0), "bytes_per_element must be positive"),
    ],
)
def test_cache_bytes_reject_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        gen.kv_cache_bytes_per_token(*args)


def test_a_step_reads_one_row_of_each_lookup_table():
    llama, gpt2 = pc.PUBLISHED["LLaMA-7B"], pc.PUBLISHED["GPT-2 small"]
    n = pc.total_parameters(llama)
    embedding = 32000 * 4096  # LLaMA's input table: its output head is a separate matrix
    assert gen.lookup_tables(llama) == {"token embedding": 32000}
    assert gen.weight_bytes_stored(llama, "int4") == n / 2
    assert gen.weight_bytes_read(llama, "bf16") == 2 * (n - embedding + 4096)
    assert gen.weight_bytes_read(llama, "bf16", batch=8) == 2 * (n - embedding + 8 * 4096)
    assert gen.bandwidth_bound(gen.weight_bytes_read(llama), 3.35e12) == pytest.approx(253.5, 1e-3)
    # GPT-2 reads its whole token table as the (tied) head, but one row of its position table
    assert gen.lookup_tables(gpt2) == {"position embedding": 1024}
    rows = pc.total_parameters(gpt2) - 1023 * 768
    assert gen.weight_bytes_read(gpt2, "fp32") == 4 * rows
    assert gen.weight_bytes_read(gpt2, "fp32", batch=5000) == gen.weight_bytes_stored(gpt2, "fp32")
    with pytest.raises(ValueError, match="batch must be a whole number"):
        gen.weight_bytes_read(llama, "bf16", batch=0)


@pytest.mark.parametrize("name", ["LLaMA-7B", "Mistral-7B", "GPT-2 small"])
@pytest.mark.parametrize("context", [0, 128])
def test_compute_bound_batch_is_where_the_roofline_turns(name, context):
    cfg, hw = pc.PUBLISHED[name], dict(bandwidth=3.35e12, peak_flops=989.5e12)
    turn = gen.compute_bound_batch(cfg, context, **hw)
    if turn is None:
        assert gen.decode_step(cfg, 4096, context, **hw)["bound"] == "memory"
    else:
        assert gen.decode_step(cfg, turn, context, **hw)["bound"] == "compute"
        assert gen.decode_step(cfg, turn - 1, context, **hw)["bound"] == "memory"


def test_bandwidth_bound_and_roofline_by_hand():
    llama = pc.PUBLISHED["LLaMA-7B"]
    hw = dict(bandwidth=3.35e12, peak_flops=989e12)
    n = pc.total_parameters(llama)
    read = gen.weight_bytes_read(llama, "bf16")
    assert gen.bandwidth_bound(read, 3.35e12) == pytest.approx(3.35e12 / read)
    step = gen.decode_step(llama, 1, 0, **hw)
    assert step["bound"] == "memory" and step["intensity"] == pytest.approx(
        2 * pc.matmul_parameters(llama) / read
    )
    assert gen.compute_bound_batch(llama, 2048, **hw) is None
    assert gen.ridge_point(989e12, 3.35e12) == pytest.approx(295.2, abs=0.1)
    assert gen.max_batch(llama, 2048, 80e9) == int((80e9 - 2 * n) // (2048 * 512 * 1024))
    assert gen.max_batch(llama, 2048, 10e9) == 0


def test_the_h100_is_its_data_sheet_and_nvidia_smi():
    assert gen.H100_SXM["memory_bytes"] == pc.GPU_MEMORY_MIB["H100 80GB"] * 2**20
    assert gen.H100_SXM["memory_bytes"] / pc.GiB == pytest.approx(79.6, abs=0.05)
    assert gen.H100_SXM["peak_bf16"] == gen.H100_SXM["peak_bf16_sparse"] / 2 == 989.5e12


def test_cost_per_million_tokens():
    assert gen.cost_per_million_tokens(2.0, 1000.0) == pytest.approx(2.0 * 1e6 / 3.6e6)
    with pytest.raises(ValueError, match="price per GPU-hour"):
        gen.cost_per_million_tokens(-1.0, 1000.0)
    with pytest.raises(ValueError, match="tokens per second"):
        gen.cost_per_million_tokens(1.0, 0.0)


def test_serving_numbers_are_the_formulas():
    mistral = pc.PUBLISHED["Mistral-7B"]
    numbers = gen.serving_numbers(
        mistral,
        weight_format="int8",
        batch=8,
        context=4096,
        memory_gib=80.0,
        bandwidth_tb_s=3.35,
        peak_tflops=989.0,
        price_per_gpu_hour=3.0,
    )
    step = gen.decode_step(
        mistral, 8, 4096, bandwidth=3.35e12, peak_flops=989e12, weight_format="int8"
    )
    assert numbers["tokens_per_s"] == step["tokens_per_s"]
    assert numbers["cost_per_million"] == pytest.approx(3.0 * 1e6 / (step["tokens_per_s"] * 3600))
    assert numbers["max_batch"] == gen.max_batch(mistral, 4096, 80 * gen.GiB, weight_format="int8")
    assert numbers["weights_gib"] == pc.total_parameters(mistral) / gen.GiB  # stored, 1 byte each
    assert (
        gen.serving_numbers(
            mistral,
            weight_format="bf16",
            batch=1,
            context=128,
            memory_gib=80.0,
            bandwidth_tb_s=3.35,
            peak_tflops=989.0,
        )["cost_per_million"]
        is None
    )
    with pytest.raises(ValueError, match="longer than its context"):
        gen.serving_numbers(
            mistral,
            weight_format="bf16",
            batch=1,
            context=9000,
            memory_gib=80.0,
            bandwidth_tb_s=3.35,
            peak_tflops=989.0,
        )
    with pytest.raises(ValueError, match="weight_format"):
        gen.weight_bytes_read(mistral, "fp8")


def test_attention_share_of_the_flops_is_its_two_products(small):
    cfg = small.cfg
    for T in (4, 16):
        parts = gen.flop_breakdown_per_new_token(small, T, cached=False)
        n = T + 1  # the whole window again: QKᵀ and weights·V over n × n, 2·n·n·d FLOPs each
        assert parts["attention"] == 4 * cfg.n_layers * n * n * cfg.d_model
        assert parts["total"] == gen.flops_per_new_token(small, T, cached=False)
        cached = gen.flop_breakdown_per_new_token(small, T, cached=True)
        assert cached["attention"] == 4 * cfg.n_layers * n * cfg.d_model
    assert (
        gen.flop_breakdown_per_new_token(small, 16, cached=False)["attention_share"]
        > gen.flop_breakdown_per_new_token(small, 4, cached=False)["attention_share"]
    )


def test_measured_bandwidth_and_flops_are_positive():
    assert all(b > 0 for b in gen.read_bandwidth(4 * gen.MiB, repeats=2))
    assert all(f > 0 for f in gen.matmul_flops_per_second(64, repeats=2))
