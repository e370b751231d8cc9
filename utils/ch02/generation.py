"""How a GPT generates and what serving it costs: positions (sinusoidal, rotary), sampling filters
(temperature, top-k, top-p), decoding with a key/value cache, the cache's bytes, and the
memory-bandwidth bound of decoding.

Positions and the cache step work on NumPy float64 arrays (rows are positions); the sampling filters
and the cached model work on torch tensors, as `transformers` does, so the two can be compared on
the same inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from utils.param_count import (
    BYTES_PER_PARAMETER,
    GPU_MEMORY_MIB,
    GiB,
    TransformerConfig,
    matmul_parameters,
    total_parameters,
)
from utils.timing import measure

KiB, MiB = 2**10, 2**20

# The datacentre GPU of the worked example: NVIDIA's H100 Tensor Core GPU data sheet, H100 SXM
# column, and its memory as nvidia-smi reports it (utils.param_count.GPU_MEMORY_MIB).
H100_SXM = {
    "name": "NVIDIA H100 SXM",
    "memory_label": "80GB",  # the data sheet's "GPU memory 80GB"
    "memory_bytes": GPU_MEMORY_MIB["H100 80GB"] * MiB,  # 81,559 MiB = 79.6 GiB
    "bandwidth": 3.35e12,  # "GPU memory bandwidth 3.35TB/s"
    # "BF16 Tensor Core 1,979 teraFLOPS", shown with sparsity; "1/2 lower without sparsity".
    "peak_bf16_sparse": 1979e12,
    "peak_bf16": 1979e12 / 2,
    "source": "NVIDIA H100 Tensor Core GPU data sheet, H100 SXM column",
}


# ---------------------------------------------------------------- positions


def sinusoidal_positions(n_positions: int, d_model: int, base: float = 10000.0) -> np.ndarray:
    """(n_positions × d_model): PE[m, 2i] = sin(m / base^(2i/d)), PE[m, 2i+1] = cos(m / base^(2i/d))
    (Vaswani et al., 2017, §3.5)."""
    if n_positions < 1 or d_model < 2 or d_model % 2:
        raise ValueError(
            f"Need at least 1 position and an even width d_model ≥ 2, got {n_positions} and "
            f"{d_model}."
        )
    angles = np.arange(n_positions)[:, None] * rope_frequencies(d_model, base)[None, :]
    table = np.empty((n_positions, d_model))
    table[:, 0::2], table[:, 1::2] = np.sin(angles), np.cos(angles)
    return table


def sinusoidal_shift(d_model: int, offset: int, base: float = 10000.0) -> np.ndarray:
    """The (d × d) matrix M with PE[m + offset] = PE[m] @ M for every m: each (sin, cos) pair turned
    by offset·θ_i. A fixed offset is a fixed linear map, whatever the position."""
    angles = offset * rope_frequencies(d_model, base)
    M = np.zeros((d_model, d_model))
    M[0::2, 0::2] = np.diag(np.cos(angles))
    M[1::2, 0::2] = np.diag(np.sin(angles))
    M[0::2, 1::2] = np.diag(-np.sin(angles))
    M[1::2, 1::2] = np.diag(np.cos(angles))
    return M


def rope_frequencies(head_dim: int, base: float = 10000.0) -> np.ndarray:
    """θ_i = base^(−2i/d) for i = 0 … d/2 − 1: one rotation speed per pair of dimensions, fast to
    slow."""
    if head_dim < 2 or head_dim % 2:
        raise ValueError(
            f"Rotary embeddings rotate pairs of dimensions: head_dim must be even, got {head_dim}."
        )
    if not base > 1:
        raise ValueError(f"The base must be a number above 1 (RoPE uses 10,000), got {base!r}.")
    return float(base) ** (-np.arange(0, head_dim, 2) / head_dim)


def _positions(positions, length: int) -> np.ndarray:
    positions = np.asarray(positions)
    if positions.ndim != 1 or len(positions) != length:
        raise ValueError(
            f"Give one position per row: {length} rows, but positions has shape {positions.shape}."
        )
    if positions.size and (not np.issubdtype(positions.dtype, np.integer) or positions.min() < 0):
        raise ValueError(
            "Positions are whole numbers ≥ 0 (the index of each token in the sequence)."
        )
    return positions


def apply_rope(x, positions, base: float = 10000.0) -> np.ndarray:
    """Rotate each row of x (… × T × d) by its position m: dimension i and i + d/2 form a pair,
    turned by the angle m·θ_i. This is the layout of LLaMA in `transformers` (its rotate_half)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(
            f"x must have at least 2 axes (positions × features), got shape {x.shape}."
        )
    half = x.shape[-1] // 2
    angles = (
        _positions(positions, x.shape[-2])[:, None] * rope_frequencies(x.shape[-1], base)[None, :]
    )
    cos, sin = np.cos(angles), np.sin(angles)
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * cos - second * sin, second * cos + first * sin], axis=-1)


def rope(q, k, positions, base: float = 10000.0) -> tuple[np.ndarray, np.ndarray]:
    """Queries and keys, both rotated by their positions (the reference for the RoPE exercise)."""
    q, k = np.asarray(q, dtype=np.float64), np.asarray(k, dtype=np.float64)
    if q.shape[-1] != k.shape[-1] or q.shape[-2] != k.shape[-2]:
        raise ValueError(f"q and k need the same positions and width: {q.shape} vs {k.shape}.")
    return apply_rope(q, positions, base), apply_rope(k, positions, base)


def rope_interleaved(x, positions, base: float = 10000.0) -> np.ndarray:
    """The RoFormer paper's layout (Su et al., 2021, eq. 34): neighbours (2i, 2i+1) form a pair,
    turned by m·θ_i."""
    x = np.asarray(x, dtype=np.float64)
    angles = (
        _positions(positions, x.shape[-2])[:, None] * rope_frequencies(x.shape[-1], base)[None, :]
    )
    cos, sin = np.cos(angles), np.sin(angles)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2], out[..., 1::2] = even * cos - odd * sin, odd * cos + even * sin
    return out


def halves_order(d: int) -> np.ndarray:
    """The permutation of dimensions that turns the paper's neighbour pairs into the halves layout:
    apply_rope(x[..., order]) == rope_interleaved(x)[..., order]."""
    return np.concatenate([np.arange(0, d, 2), np.arange(1, d, 2)])


def transformers_rope(
    q: np.ndarray, k: np.ndarray, positions, base: float = 10000.0, dtype=torch.float64
):
    """The same rotation done by `transformers`' LLaMA code (LlamaRotaryEmbedding for cos and sin,
    then apply_rotary_pos_emb), on q and k of shape (heads × T × head_dim). Returns (q, k, cos) as
    NumPy arrays."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    heads, _, head_dim = q.shape
    config = LlamaConfig(
        hidden_size=heads * head_dim,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        rope_parameters={"rope_type": "default", "rope_theta": float(base)},
    )
    rotary = LlamaRotaryEmbedding(config)
    qt, kt = (torch.tensor(a, dtype=dtype)[None] for a in (q, k))  # (1, heads, T, head_dim)
    cos, sin = rotary(qt, torch.as_tensor(np.asarray(positions))[None])
    q_out, k_out = apply_rotary_pos_emb(qt, kt, cos, sin)
    return q_out[0].double().numpy(), k_out[0].double().numpy(), cos[0].double().numpy()


# ---------------------------------------------------------------- the course's GPT, changed to test


def without_positions(model):
    """A copy of a course GPT whose learned position embedding is zero: it no longer knows where a
    token is."""
    import copy

    clone = copy.deepcopy(model)
    with torch.no_grad():
        clone.pos.weight.zero_()
    return clone


def bidirectional(model):
    """A copy of a course GPT without the causal mask: every position sees every other."""
    import copy

    clone = copy.deepcopy(model)
    for block in clone.blocks:
        block.allowed.fill_(True)
    return clone


# ---------------------------------------------------------------- sampling


def check_temperature(temperature: float) -> float:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            f"The temperature must be a positive number, got {temperature!r}. Dividing by T ≤ 0 "
            "makes no distribution; for the most likely token every time, use greedy decoding "
            "(the limit T → 0)."
        )
    return float(temperature)


def check_top_p(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1:
        raise ValueError(
            f"top-p is a probability mass in (0, 1], got {p!r}: p = 1 keeps every token, a small p "
            "keeps only the most likely few (the most likely token always stays)."
        )
    return float(p)


def check_top_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(
            f"top-k keeps the k most likely tokens: k must be a whole number ≥ 1, got {k!r}."
        )
    return int(k)


def temperature_logits(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / T: T < 1 sharpens the distribution, T > 1 flattens it."""
    return logits / check_temperature(temperature)


def top_k_logits(logits: torch.Tensor, k: int) -> torch.Tensor:
    """Every logit below the k-th largest becomes −inf; logits tied with the k-th all stay."""
    k = min(check_top_k(k), logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_logits(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Nucleus filtering (Holtzman et al., 2020): keep the most likely tokens until their
    probability reaches p, the token that crosses p included. A token is dropped when it and every
    less likely token together hold at most 1 − p. The top token always stays. Tied logits are
    ordered as torch.sort leaves them, as in `transformers`: when ties straddle the cut, which of
    them stay is arbitrary."""
    p = check_top_p(p)
    order = torch.sort(logits, dim=-1).indices  # least likely first
    ascending = torch.gather(logits, -1, order)
    at_or_below = ascending.softmax(dim=-1).cumsum(dim=-1)
    drop_sorted = at_or_below <= 1 - p
    drop_sorted[..., -1] = False
    drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def filtered_logits(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> torch.Tensor:
    """Temperature, then top-k, then top-p: the order `transformers`' generate applies them in."""
    out = temperature_logits(logits, temperature)
    if top_k is not None:
        out = top_k_logits(out, top_k)
    if top_p is not None:
        out = top_p_logits(out, top_p)
    return out


def sampling_probs(
    logits, temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None
):
    """The distribution the next token is drawn from, after the filters (a NumPy array for NumPy
    input)."""
    as_numpy = not isinstance(logits, torch.Tensor)
    tensor = torch.as_tensor(np.asarray(logits, dtype=np.float64)) if as_numpy else logits
    probs = filtered_logits(tensor, temperature, top_k, top_p).softmax(dim=-1)
    return probs.numpy() if as_numpy else probs


def top_p_probs(logits, p: float) -> np.ndarray:
    """The nucleus distribution of a vector of logits: kept tokens renormalised to sum to 1, zeros
    elsewhere (the reference for the top-p exercise)."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1 or logits.size == 0:
        raise ValueError(
            f"Give one vector of logits (one per vocabulary entry), got shape {logits.shape}."
        )
    return sampling_probs(logits, top_p=p)


def distinct_ngrams(tokens, n: int = 3) -> float:
    """Share of a sequence's n-grams that are distinct: 1 means no repeat, near 0 a loop."""
    tokens = [int(t) for t in tokens]
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if not grams:
        raise ValueError(f"A sequence of {len(tokens)} tokens has no {n}-grams.")
    return len(set(grams)) / len(grams)


# ---------------------------------------------------------------- the key/value cache


def cached_attention_step(q, k, v, cache_k, cache_v):
    """One decoding step of attention for one new token: append its key and value to the cache, then
    attend from its query to every cached position (itself included). q, k, v are (heads × d_h); the
    caches (heads × t × d_h). Returns (output (heads × d_h), new cache_k, new cache_v)."""
    q, k, v, cache_k, cache_v = (
        np.asarray(a, dtype=np.float64) for a in (q, k, v, cache_k, cache_v)
    )
    if q.ndim != 2 or k.shape != q.shape or v.shape[0] != q.shape[0]:
        raise ValueError(
            f"q, k, v are (heads × d_h) for the one new token; got {q.shape}, {k.shape}, {v.shape}."
        )
    if (
        cache_k.ndim != 3
        or cache_k.shape[0] != q.shape[0]
        or cache_k.shape[2] != q.shape[1]
        or cache_v.shape[:2] != cache_k.shape[:2]
    ):
        raise ValueError(
            f"The caches are (heads × t × d_h): got {cache_k.shape} and {cache_v.shape} for q "
            f"{q.shape}."
        )
    keys = np.concatenate([cache_k, k[:, None, :]], axis=1)
    values = np.concatenate([cache_v, v[:, None, :]], axis=1)
    scores = np.einsum("hd,htd->ht", q, keys) / np.sqrt(q.shape[-1])
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.einsum("ht,htd->hd", weights, values), keys, values


@dataclass
class KVCache:
    """Keys and values of every block for the positions decoded so far, allocated once for the whole
    context: keys[layer] and values[layer] are (batch × heads × context × d_h), filled up to
    `length`."""

    keys: list
    values: list
    length: int = 0

    @classmethod
    def for_model(cls, model, batch: int = 1, dtype=None, device=None) -> "KVCache":
        cfg = model.cfg
        weight = model.tok.weight
        shape = (batch, cfg.n_heads, cfg.context, cfg.d_model // cfg.n_heads)
        make = lambda: torch.zeros(
            shape, dtype=dtype or weight.dtype, device=device or weight.device
        )
        return cls([make() for _ in model.blocks], [make() for _ in model.blocks])

    @property
    def context(self) -> int:
        return self.keys[0].shape[2]

    @property
    def batch(self) -> int:
        return self.keys[0].shape[0]

    def nbytes(self, upto: int | None = None) -> int:
        """Bytes the cache holds for `upto` positions (default: those filled)."""
        n = self.length if upto is None else upto
        return sum(t[:, :, :n].numel() * t.element_size() for t in (*self.keys, *self.values))


@torch.no_grad()
def forward_cached(model, idx: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """Run the course's GPT on the new tokens `idx` (batch × n), which follow the `cache.length`
    positions already in the cache: their keys and values are written into the cache, each attends
    to every earlier position and to itself, and the logits of the n new positions come back (batch
    × n × vocab). The same arithmetic as GPT.forward, without recomputing the past."""
    if idx.ndim != 2:
        raise ValueError(
            f"Expected token ids of shape (batch × new positions), got {tuple(idx.shape)}."
        )
    B, n = idx.shape
    start, context = cache.length, cache.context
    if B != cache.batch:
        raise ValueError(f"The cache was made for a batch of {cache.batch} sequences, got {B}.")
    if n < 1 or start + n > context:
        raise ValueError(
            f"The cache holds {start} tokens and {n} new ones were given: a cache of {start + n} "
            f"tokens is longer than the model's context of {context} tokens (it has no position "
            "embedding beyond it). Start a new cache with a shorter prompt, or generate fewer "
            "tokens."
        )
    heads = model.cfg.n_heads
    d = model.cfg.d_model
    positions = torch.arange(start, start + n, device=idx.device)
    x = model.tok(idx) + model.pos(positions)
    allowed = torch.ones(n, start + n, dtype=torch.bool, device=idx.device).tril(diagonal=start)
    for layer, block in enumerate(model.blocks):
        q, k, v = block.qkv(block.ln1(x)).view(B, n, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
        cache.keys[layer][:, :, start : start + n] = k
        cache.values[layer][:, :, start : start + n] = v
        keys, values = cache.keys[layer][:, :, : start + n], cache.values[layer][:, :, : start + n]
        scores = q @ keys.transpose(-2, -1) / math.sqrt(d // heads)
        weights = scores.masked_fill(~allowed, float("-inf")).softmax(dim=-1)
        x = x + block.proj((weights @ values).transpose(1, 2).reshape(B, n, d))
        x = x + block.out(F.gelu(block.fc(block.ln2(x)), approximate="tanh"))
    cache.length = start + n
    return model.ln_f(x) @ model.tok.weight.T


@torch.no_grad()
def cached_logits(model, tokens: torch.Tensor, prefill: int) -> torch.Tensor:
    """Logits at every position of `tokens` (batch × T), computed as a generator does: the first
    `prefill` tokens in one pass, then one token at a time from the cache."""
    if not 1 <= prefill <= tokens.shape[1]:
        raise ValueError(
            f"prefill must be between 1 and the {tokens.shape[1]} tokens given, got {prefill}."
        )
    cache = KVCache.for_model(model, batch=tokens.shape[0])
    pieces = [forward_cached(model, tokens[:, :prefill], cache)]
    for t in range(prefill, tokens.shape[1]):
        pieces.append(forward_cached(model, tokens[:, t : t + 1], cache))
    return torch.cat(pieces, dim=1)


@torch.no_grad()
def transformers_cached_logits(hf_model, tokens: torch.Tensor, prefill: int) -> torch.Tensor:
    """The same with `transformers` (GPT2LMHeadModel): the prompt once, then one token at a time
    with `past_key_values`."""
    out = hf_model(tokens[:, :prefill], use_cache=True)
    pieces, past = [out.logits], out.past_key_values
    for t in range(prefill, tokens.shape[1]):
        out = hf_model(tokens[:, t : t + 1], past_key_values=past, use_cache=True)
        pieces.append(out.logits)
        past = out.past_key_values
    return torch.cat(pieces, dim=1)


@torch.no_grad()
def generate_cached(
    model,
    prompt,
    n_new: int,
    *,
    temperature: float = 0.8,
    top_k: int | None = 40,
    top_p: float | None = None,
    greedy: bool = False,
    seed: int = 0,
) -> np.ndarray:
    """Continue `prompt` by `n_new` tokens with a key/value cache: the prompt in one pass, then one
    token per step. Sampling as in `gpt.generate` (on the CPU, with its own seeded generator);
    `greedy` takes the most likely token. The whole text must fit in the model's context."""
    prompt = [int(t) for t in prompt]
    if not prompt:
        raise ValueError("The prompt must hold at least one token.")
    if n_new < 0:
        raise ValueError(f"n_new must be ≥ 0, got {n_new}.")
    if len(prompt) > model.cfg.context:
        raise ValueError(
            f"The prompt alone holds {len(prompt)} tokens, more than the model's context of "
            f"{model.cfg.context} tokens: shorten the prompt (keep its last {model.cfg.context} "
            "tokens at most, fewer to leave room for new ones)."
        )
    if not greedy:
        check_temperature(temperature)
        if top_k is not None:
            check_top_k(top_k)
        if top_p is not None:
            check_top_p(top_p)
    if len(prompt) + n_new > model.cfg.context:
        raise ValueError(
            f"{len(prompt)} prompt tokens + {n_new} new ones = {len(prompt) + n_new}: a cache "
            f"longer than the model's context of {model.cfg.context} tokens. Generate at most "
            f"{model.cfg.context - len(prompt)} new tokens."
        )
    device = model.tok.weight.device
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    cache = KVCache.for_model(model)
    tokens = list(prompt)
    logits = forward_cached(model, torch.tensor([prompt], device=device), cache)[0, -1]
    for step in range(n_new):
        scores = logits.float().cpu()
        if greedy:
            token = int(scores.argmax())
        else:
            probs = filtered_logits(scores, temperature, top_k, top_p).softmax(dim=-1)
            token = int(torch.multinomial(probs, 1, generator=generator))
        tokens.append(token)
        if step + 1 < n_new:
            logits = forward_cached(model, torch.tensor([[token]], device=device), cache)[0, -1]
    model.train(was_training)
    return np.array(tokens, dtype=np.int64)


# ---------------------------------------------------------------- measuring the cache and the batch


def _random_tokens(model, batch: int, length: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, model.cfg.vocab_size, (batch, length), generator=generator).to(
        model.tok.weight.device
    )


@torch.no_grad()
def seconds_per_new_token(
    model,
    context_length: int,
    *,
    cached: bool,
    steps: int = 8,
    repeats: int = 3,
    batch: int = 1,
    seed: int = 0,
) -> list[float]:
    """Seconds per new token when the context already holds `context_length` tokens, one value per
    repeat (each the mean of `steps` steps): with the cache one step is one token's forward pass;
    without it, the whole window again."""
    if context_length < 1 or context_length + steps > model.cfg.context:
        raise ValueError(
            f"context_length + steps = {context_length + steps} must fit in the context of "
            f"{model.cfg.context} tokens (and context_length ≥ 1)."
        )
    tokens = _random_tokens(model, batch, context_length + steps, seed)
    model.eval()
    if cached:
        cache = KVCache.for_model(model, batch=batch)
        forward_cached(model, tokens[:, :context_length], cache)  # the prompt, once: not timed

    def decode():
        if cached:
            cache.length = context_length  # rewind: the prompt's keys and values stay valid
        for s in range(steps):
            end = context_length + s + 1
            if cached:
                forward_cached(model, tokens[:, end - 1 : end], cache)
            else:
                model(tokens[:, :end])[:, -1]

    times = [measure(decode, tokens.device) / steps for _ in range(repeats + 1)]
    return times[1:]  # the first run warms up


def flops_per_new_token(model, context_length: int, *, cached: bool) -> int:
    """FLOPs that torch's FlopCounterMode counts for one new token after `context_length`."""
    return flop_breakdown_per_new_token(model, context_length, cached=cached)["total"]


def flop_breakdown_per_new_token(model, context_length: int, *, cached: bool) -> dict:
    """FLOPs of one new token after `context_length`, as torch's FlopCounterMode counts them: the
    total, and attention's share (the batched products QKᵀ and weights·V; the linear layers are
    plain matrix products)."""
    from torch.utils.flop_counter import FlopCounterMode

    tokens = _random_tokens(model, 1, context_length + 1, seed=0)
    model.eval()
    with torch.no_grad():
        if cached:
            cache = KVCache.for_model(model)
            forward_cached(model, tokens[:, :context_length], cache)
            with FlopCounterMode(display=False) as counter:
                forward_cached(model, tokens[:, context_length:], cache)
        else:
            with FlopCounterMode(display=False) as counter:
                model(tokens)
    by_op = counter.get_flop_counts()["Global"]
    attention = sum(n for op, n in by_op.items() if "bmm" in str(op))
    total = counter.get_total_flops()
    return {"total": total, "attention": attention, "attention_share": attention / total}


@torch.no_grad()
def decode_tokens_per_second(
    model, batch: int, *, context_length: int = 32, steps: int = 4, repeats: int = 3, seed: int = 0
) -> list[float]:
    """Tokens per second of cached decoding for `batch` sequences at once (batch × steps tokens per
    timing), one value per repeat."""
    if batch < 1 or context_length < 1 or context_length + steps > model.cfg.context:
        raise ValueError(
            f"Need batch ≥ 1, and context_length + steps = {context_length + steps} within the "
            f"model's context of {model.cfg.context} tokens (context_length ≥ 1)."
        )
    tokens = _random_tokens(model, batch, context_length + steps, seed)
    model.eval()
    cache = KVCache.for_model(model, batch=batch)
    forward_cached(model, tokens[:, :context_length], cache)  # the prompt, once: not timed

    def decode():
        cache.length = context_length  # rewind: the prompt's keys and values stay valid
        for s in range(context_length, context_length + steps):
            forward_cached(model, tokens[:, s : s + 1], cache)

    seconds = [measure(decode, tokens.device) for _ in range(repeats + 1)]
    return [batch * steps / t for t in seconds[1:]]  # the first run warms up


def read_bandwidth(n_bytes: int = 256 * MiB, repeats: int = 5, device="cpu") -> list[float]:
    """Bytes per second this machine reads from memory: the time to sum a float32 array of
    `n_bytes`, far larger than any cache, one value per repeat."""
    data = torch.ones(n_bytes // 4, dtype=torch.float32, device=device)
    data.sum()  # touch every page once before timing
    return [n_bytes / measure(data.sum, device) for _ in range(repeats)]


def matmul_flops_per_second(
    n: int = 1024, repeats: int = 5, device="cpu", dtype=torch.float32
) -> list[float]:
    """FLOP/s of one n × n matrix product (2·n³ FLOPs), one value per repeat."""
    a, b = (torch.randn(n, n, device=device).to(dtype) for _ in range(2))
    a @ b
    return [2 * n**3 / measure(lambda: a @ b, device) for _ in range(repeats)]


# ---------------------------------------------------------------- what the cache costs in memory


def kv_cache_bytes_per_token(
    n_layers: int, n_kv_heads: int, head_dim: int, bytes_per_element: float = 2
) -> float:
    """2 (a key and a value) · layers · key/value heads · head_dim · bytes per element."""
    for name, value in (("n_layers", n_layers), ("n_kv_heads", n_kv_heads), ("head_dim", head_dim)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number ≥ 1, got {value!r}.")
    if not bytes_per_element > 0:
        raise ValueError(
            "bytes_per_element must be positive (2 for bf16, 1 for int8), got "
            f"{bytes_per_element!r}."
        )
    return 2 * n_layers * n_kv_heads * head_dim * bytes_per_element


def cache_bytes_per_token(cfg: TransformerConfig, bytes_per_element: float = 2) -> float:
    """Cache bytes per token of a published configuration."""
    return kv_cache_bytes_per_token(cfg.n_layers, cfg.kv_heads, cfg.head_dim, bytes_per_element)


def kv_cache_bytes(
    cfg: TransformerConfig,
    batch: int,
    tokens: int,
    bytes_per_element: float = 2,
    window: int | None = None,
) -> float:
    """Cache bytes of `batch` sequences of `tokens` tokens each. With a sliding window of W tokens
    (Mistral), each sequence keeps at most W positions per layer."""
    if batch < 1 or tokens < 1:
        raise ValueError(
            f"batch and tokens must be at least 1, got batch={batch}, tokens={tokens}."
        )
    if tokens > cfg.context:
        raise ValueError(
            f"A cache of {tokens:,} tokens is longer than {cfg.name}'s context of {cfg.context:,} "
            "tokens."
        )
    if window is not None and (
        isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1
    ):
        raise ValueError(
            f"A sliding window keeps the last W positions: W must be a whole number ≥ 1 (Mistral "
            f"uses 4,096), or None for no window; got {window!r}."
        )
    kept = tokens if window is None else min(tokens, window)
    return batch * kept * cache_bytes_per_token(cfg, bytes_per_element)


# ---------------------------------------------------------------- the bound on decoding, and what a


def _bytes_per_parameter(weight_format: str) -> float:
    if weight_format not in BYTES_PER_PARAMETER:
        raise ValueError(
            f"weight_format must be one of {tuple(BYTES_PER_PARAMETER)}, got {weight_format!r}."
        )
    return BYTES_PER_PARAMETER[weight_format]


def weight_bytes_stored(cfg: TransformerConfig, weight_format: str = "bf16") -> float:
    """Bytes the weights take in memory: every parameter, in `weight_format` (fp32, bf16, int8,
    int4; the quantisation scales are left out)."""
    return total_parameters(cfg) * _bytes_per_parameter(weight_format)


def lookup_tables(cfg: TransformerConfig) -> dict[str, int]:
    """The tables a decoding step only looks rows up in, by name: their number of rows. The token
    embedding counts only when the output head is separate; a tied head multiplies by the whole
    table, so every row of it is read anyway."""
    tables = {}
    if cfg.head != "tied":
        tables["token embedding"] = cfg.vocab_size
    if cfg.positions == "learned":
        tables["position embedding"] = cfg.context
    if cfg.token_types:
        tables["token-type embedding"] = cfg.token_types
    return tables


def weight_bytes_read(cfg: TransformerConfig, weight_format: str = "bf16", batch: int = 1) -> float:
    """Bytes of weights one decoding step of `batch` sequences reads: every matrix, norm and bias
    once, and from each lookup table (`lookup_tables`) one row per sequence (at most the table)."""
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be a whole number ≥ 1, got {batch!r}.")
    tables = lookup_tables(cfg)
    unread_rows = sum(rows - min(rows, batch) for rows in tables.values())
    return (total_parameters(cfg) - unread_rows * cfg.d_model) * _bytes_per_parameter(weight_format)


def bandwidth_bound(bytes_per_step: float, bandwidth: float) -> float:
    """Tokens/s at batch 1 if memory were the only limit: bandwidth ÷ bytes read per token."""
    if not bytes_per_step > 0 or not bandwidth > 0:
        raise ValueError(
            f"bytes per step and bandwidth must be positive, got {bytes_per_step!r} and "
            f"{bandwidth!r}."
        )
    return bandwidth / bytes_per_step


def ridge_point(peak_flops: float, bandwidth: float) -> float:
    """FLOPs per byte at which a kernel stops being limited by memory and becomes limited by
    arithmetic."""
    if not peak_flops > 0 or not bandwidth > 0:
        raise ValueError(
            f"peak FLOP/s and bandwidth must be positive, got {peak_flops!r} and {bandwidth!r}."
        )
    return peak_flops / bandwidth


def decode_step(
    cfg: TransformerConfig,
    batch: int,
    context: int,
    *,
    bandwidth: float,
    peak_flops: float,
    weight_format: str = "bf16",
    kv_bytes: float = 2,
) -> dict:
    """One decoding step for `batch` sequences whose caches hold `context` tokens: the bytes it must
    read (every weight once, each sequence's cache), the FLOPs it must do (2 per matmul weight per
    token, and attention's 4·context·d per layer per token), and the time each takes at the GPU's
    bandwidth and peak; the step takes the longer of the two (a roofline)."""
    if batch < 1 or context < 0:
        raise ValueError(
            f"batch must be ≥ 1 and context ≥ 0, got batch={batch}, context={context}."
        )
    weights = weight_bytes_read(cfg, weight_format, batch)
    cache = batch * context * cache_bytes_per_token(cfg, kv_bytes)
    flops = batch * (2.0 * matmul_parameters(cfg) + 4.0 * cfg.n_layers * context * cfg.d_model)
    memory_s, compute_s = (weights + cache) / bandwidth, flops / peak_flops
    step = max(memory_s, compute_s)
    return {
        "weight_bytes": weights,
        "cache_bytes": cache,
        "bytes": weights + cache,
        "flops": flops,
        "intensity": flops / (weights + cache),
        "memory_s": memory_s,
        "compute_s": compute_s,
        "step_s": step,
        "tokens_per_s": batch / step,
        "bound": "compute" if compute_s > memory_s else "memory",
    }


def compute_bound_batch(
    cfg: TransformerConfig,
    context: int,
    *,
    bandwidth: float,
    peak_flops: float,
    weight_format: str = "bf16",
    kv_bytes: float = 2,
) -> int | None:
    """The smallest batch at which a decoding step takes longer to compute than to read; None if it
    never does (each sequence's cache adds bytes as fast as its tokens add FLOPs)."""
    per_sequence_flops = 2.0 * matmul_parameters(cfg) + 4.0 * cfg.n_layers * context * cfg.d_model
    row = weight_bytes_read(cfg, weight_format, 2) - weight_bytes_read(cfg, weight_format, 1)
    per_sequence_bytes = context * cache_bytes_per_token(cfg, kv_bytes) + row
    gain = per_sequence_flops / peak_flops - per_sequence_bytes / bandwidth
    if gain <= 0:
        return None
    fixed = weight_bytes_read(cfg, weight_format, 1) - row  # the bytes every step reads
    batch = math.floor(fixed / bandwidth / gain) + 1

    def bound(b: int) -> str:  # settles the rounding, and tables with fewer rows than the batch
        return decode_step(
            cfg,
            b,
            context,
            bandwidth=bandwidth,
            peak_flops=peak_flops,
            weight_format=weight_format,
            kv_bytes=kv_bytes,
        )["bound"]

    while batch > 1 and bound(batch - 1) == "compute":
        batch -= 1
    while bound(batch) != "compute":
        batch += 1
    return batch


def max_batch(
    cfg: TransformerConfig,
    context: int,
    memory_bytes: float,
    *,
    weight_format: str = "bf16",
    kv_bytes: float = 2,
) -> int:
    """The most sequences of `context` tokens whose caches fit beside the weights in `memory_bytes`
    (activations and the allocator's overhead left out); 0 when the weights alone do not fit."""
    free = memory_bytes - weight_bytes_stored(cfg, weight_format)
    if free <= 0:
        return 0
    return int(free // (context * cache_bytes_per_token(cfg, kv_bytes)))


def cost_per_million_tokens(price_per_gpu_hour: float, tokens_per_second: float) -> float:
    """What a million tokens cost at the price you pay for one GPU-hour and the tokens per second it
    sustains."""
    if not price_per_gpu_hour >= 0:
        raise ValueError(f"The price per GPU-hour must be ≥ 0, got {price_per_gpu_hour!r}.")
    if not tokens_per_second > 0:
        raise ValueError(f"tokens per second must be positive, got {tokens_per_second!r}.")
    return price_per_gpu_hour * 1e6 / (tokens_per_second * 3600.0)


def serving_numbers(
    cfg: TransformerConfig,
    *,
    weight_format: str,
    batch: int,
    context: int,
    memory_gib: float,
    bandwidth_tb_s: float,
    peak_tflops: float,
    price_per_gpu_hour: float = 0.0,
) -> dict:
    """Everything the serving calculator shows, from the functions above: memory in GiB, the largest
    batch that fits, the decoding bound at this batch, and the GPU-hours and cost of a million
    tokens (cost None without a price)."""
    if context > cfg.context:
        raise ValueError(
            f"{cfg.name} reads at most {cfg.context:,} tokens; a cache of {context:,} is longer "
            "than its context."
        )
    if not memory_gib > 0 or not bandwidth_tb_s > 0 or not peak_tflops > 0:
        raise ValueError("GPU memory, bandwidth and peak FLOP/s must all be positive.")
    bandwidth, peak, memory = bandwidth_tb_s * 1e12, peak_tflops * 1e12, memory_gib * GiB
    step = decode_step(
        cfg, batch, context, bandwidth=bandwidth, peak_flops=peak, weight_format=weight_format
    )
    fits = max_batch(cfg, context, memory, weight_format=weight_format)
    gpu_hours = 1e6 / (step["tokens_per_s"] * 3600.0)
    return {
        "weights_gib": weight_bytes_stored(cfg, weight_format) / GiB,
        "cache_gib": step["cache_bytes"] / GiB,
        "memory_gib": memory_gib,
        "fits": batch <= fits,
        "max_batch": fits,
        "step": step,
        "tokens_per_s": step["tokens_per_s"],
        "gpu_hours_per_million": gpu_hours,
        "cost_per_million": cost_per_million_tokens(price_per_gpu_hour, step["tokens_per_s"])
        if price_per_gpu_hour
        else None,
        "compute_bound_batch": compute_bound_batch(
            cfg, context, bandwidth=bandwidth, peak_flops=peak, weight_format=weight_format
        ),
        "ridge": ridge_point(peak, bandwidth),
    }
