"""Back-of-the-envelope scaling: a LLaMA-style model's parameter count from its configuration, training compute
(≈ 6·N·D), and the per-GPU memory of mixed-precision Adam training under ZeRO/FSDP sharding."""

from __future__ import annotations

# LLaMA-7B's published configuration (Touvron et al., 2023, Table 2 and the released config).
LLAMA_7B = {"vocab": 32_000, "d_model": 4096, "n_layers": 32, "d_ff": 11_008}

# Bytes per parameter in mixed-precision Adam training (the accounting of the ZeRO paper, Rajbhandari et al., 2020):
# bf16 weights and gradients for the forward and backward passes; fp32 master weights and Adam's two moments.
BYTES_PER_PARAMETER = {"weights (bf16)": 2, "gradients (bf16)": 2, "optimiser (fp32 copy, m, v)": 12}

ZERO_STAGES = {
    0: "DDP: everything replicated",
    1: "ZeRO-1: optimiser state sharded",
    2: "ZeRO-2: + gradients sharded",
    3: "ZeRO-3 / FSDP full shard: + weights sharded",
}


def llama_parameters(vocab: int, d_model: int, n_layers: int, d_ff: int) -> int:
    """Parameters of a LLaMA-style decoder: untied input and output embeddings, per layer four d×d attention
    projections, a SwiGLU MLP of three d×d_ff matrices and two RMSNorm scales, plus the final RMSNorm."""
    for name, value in (("vocab", vocab), ("d_model", d_model), ("n_layers", n_layers), ("d_ff", d_ff)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    embeddings = 2 * vocab * d_model
    per_layer = 4 * d_model * d_model + 3 * d_model * d_ff + 2 * d_model
    return embeddings + n_layers * per_layer + d_model


def training_flops(n_parameters: float, n_tokens: float) -> float:
    """Approximate training compute: 2·N multiply-adds per token forward, twice that backward, so ≈ 6·N·D."""
    if n_parameters <= 0 or n_tokens <= 0:
        raise ValueError("n_parameters and n_tokens must be positive.")
    return 6.0 * n_parameters * n_tokens


def sharded_memory_per_gpu(n_parameters: float, n_gpus: int, stage: int) -> dict[str, float]:
    """Bytes per GPU for weights, gradients and optimiser state (and their total) under ZeRO `stage` 0–3 over
    `n_gpus` GPUs. Activations, buffers and fragmentation come on top."""
    if stage not in ZERO_STAGES:
        raise ValueError(f"stage must be one of {sorted(ZERO_STAGES)}; got {stage!r}.")
    if not isinstance(n_gpus, int) or n_gpus < 1:
        raise ValueError(f"n_gpus must be a positive integer; got {n_gpus!r}.")
    sharded = {"weights (bf16)": stage >= 3, "gradients (bf16)": stage >= 2, "optimiser (fp32 copy, m, v)": stage >= 1}
    memory = {part: n_parameters * size / (n_gpus if sharded[part] else 1) for part, size in BYTES_PER_PARAMETER.items()}
    memory["total"] = sum(memory.values())
    return memory
