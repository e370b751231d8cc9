"""Training at scale, on paper: a LLaMA-style model's size and compute (from `utils.param_count`,
chapter 2's checked formulas) and the per-GPU memory of mixed-precision Adam training under
ZeRO/FSDP sharding."""

from __future__ import annotations

from utils import param_count

_LLAMA_7B = param_count.PUBLISHED["LLaMA-7B"]
# LLaMA-7B's published shape (Touvron et al., 2023, Table 2), as keyword arguments of
# `llama_parameters`.
LLAMA_7B = {
    "vocab": _LLAMA_7B.vocab_size,
    "d_model": _LLAMA_7B.d_model,
    "n_layers": _LLAMA_7B.n_layers,
    "d_ff": _LLAMA_7B.d_ff,
}

# Bytes per parameter in mixed-precision Adam training (the ZeRO paper's accounting, Rajbhandari et
# al., 2020), from
# chapter 2's `adam_training_bytes`: bf16 weights and gradients; fp32 master weights and Adam's two
# moments.
_STATE = param_count.adam_training_bytes(1, mixed_precision=True)
BYTES_PER_PARAMETER = {
    "weights (bf16)": int(_STATE["weights"]),
    "gradients (bf16)": int(_STATE["gradients"]),
    "optimiser (fp32 copy, m, v)": int(_STATE["master weights"] + _STATE["Adam moments"]),
}

ZERO_STAGES = {
    0: "DDP: everything replicated",
    1: "ZeRO-1: optimiser state sharded",
    2: "ZeRO-2: + gradients sharded",
    3: "ZeRO-3 / FSDP full shard: + weights sharded",
}


def llama_parameters(vocab: int, d_model: int, n_layers: int, d_ff: int) -> int:
    """Parameters of a LLaMA-style decoder of this shape (untied embeddings, SwiGLU, RMSNorm), by
    chapter 2's formula."""
    for name, value in (
        ("vocab", vocab),
        ("d_model", d_model),
        ("n_layers", n_layers),
        ("d_ff", d_ff),
    ):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    heads = param_count.nearest_divisor(
        d_model, _LLAMA_7B.n_heads
    )  # the count does not depend on the head count
    shape = param_count.with_overrides(
        _LLAMA_7B, vocab_size=vocab, d_model=d_model, n_layers=n_layers, d_ff=d_ff, n_heads=heads
    )
    return param_count.total_parameters(shape)


def sharded_memory_per_gpu(n_parameters: float, n_gpus: int, stage: int) -> dict[str, float]:
    """Bytes per GPU for weights, gradients and optimiser state (and their total) under ZeRO `stage`
    0–3 over `n_gpus` GPUs. Activations, buffers and fragmentation come on top."""
    if stage not in ZERO_STAGES:
        raise ValueError(f"stage must be one of {sorted(ZERO_STAGES)}; got {stage!r}.")
    if not isinstance(n_gpus, int) or n_gpus < 1:
        raise ValueError(f"n_gpus must be a positive integer; got {n_gpus!r}.")
    sharded = {
        "weights (bf16)": stage >= 3,
        "gradients (bf16)": stage >= 2,
        "optimiser (fp32 copy, m, v)": stage >= 1,
    }
    memory = {
        part: n_parameters * size / (n_gpus if sharded[part] else 1)
        for part, size in BYTES_PER_PARAMETER.items()
    }
    memory["total"] = sum(memory.values())
    return memory
