"""What "large" means in numbers: exact parameter counts of transformers by formula, published
configurations written out from their papers, memory by number format, and training compute (≈
6·N·D)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

NORMS = ("layernorm", "rmsnorm")
MLPS = ("gelu", "swiglu")
POSITIONS = ("learned", "rotary")
HEADS = ("tied", "untied", "none")
FAMILIES = ("gpt2", "bert", "llama", "mistral")


@dataclass(frozen=True)
class TransformerConfig:
    """The shape of a transformer, enough to count its parameters exactly.

    `n_kv_heads` below `n_heads` is grouped-query attention; `head` is the output layer ("tied"
    reuses the token embedding); `token_types`, `embedding_norm` and `pooler` are BERT's extras.
    `family` names the `transformers` class used as the cross-check.
    """

    name: str
    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int
    context: int
    n_kv_heads: int | None = None
    positions: str = "learned"
    norm: str = "layernorm"
    mlp: str = "gelu"
    bias: bool = True
    head: str = "tied"
    final_norm: bool = True
    token_types: int = 0
    embedding_norm: bool = False
    pooler: bool = False
    family: str = "gpt2"
    stated: str = ""  # the size the paper states, e.g. "117M"
    source: str = ""

    def __post_init__(self):
        for field in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff"):
            value = getattr(self, field)
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{self.name}: {field} must be a positive whole number, got {value!r}."
                )
        if not isinstance(self.context, int) or self.context < 1:
            raise ValueError(
                f"{self.name}: the context must be at least 1 token, got {self.context!r}."
            )
        if self.d_model % self.n_heads:
            raise ValueError(
                f"{self.name}: n_heads = {self.n_heads} does not divide d_model = {self.d_model}. "
                "Each head gets "
                "d_model / n_heads dimensions; choose a number of heads that divides "
                f"{self.d_model}, "
                f"for example {nearest_divisor(self.d_model, self.n_heads)}."
            )
        kv = self.kv_heads
        if not isinstance(kv, int) or kv < 1 or self.n_heads % kv:
            raise ValueError(
                f"{self.name}: n_kv_heads = {kv!r} must divide n_heads = {self.n_heads} "
                "(each key/value head serves a group of query heads)."
            )
        for field, allowed in (
            ("norm", NORMS),
            ("mlp", MLPS),
            ("positions", POSITIONS),
            ("head", HEADS),
            ("family", FAMILIES),
        ):
            if getattr(self, field) not in allowed:
                raise ValueError(
                    f"{self.name}: {field} must be one of {allowed}, got {getattr(self, field)!r}."
                )

    @property
    def kv_heads(self) -> int:
        return self.n_heads if self.n_kv_heads is None else self.n_kv_heads

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads


def nearest_divisor(n: int, near: int) -> int:
    """The divisor of n closest to `near` (the smaller one on a tie)."""
    return min((d for d in range(1, n + 1) if n % d == 0), key=lambda d: (abs(d - near), d))


# ---------------------------------------------------------------- counting


def dense_parameters(n_in: int, n_out: int, bias: bool = True) -> int:
    """A fully connected layer: an (n_out × n_in) weight matrix, plus n_out biases."""
    return n_in * n_out + (n_out if bias else 0)


def mlp_parameters(sizes, bias: bool = True) -> int:
    """A stack of dense layers with the given widths, input first: (3, 4, 2) is the guide's 3-4-2
    network."""
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"An MLP needs at least an input and an output width, got {sizes}.")
    return sum(dense_parameters(a, b, bias) for a, b in zip(sizes[:-1], sizes[1:]))


def norm_parameters(cfg: TransformerConfig) -> int:
    """LayerNorm learns a scale and a shift per feature; RMSNorm only a scale."""
    return (2 if cfg.norm == "layernorm" else 1) * cfg.d_model


def attention_parameters(cfg: TransformerConfig) -> int:
    """Query and output projections (d × d), keys and values (d × kv_heads·head_dim each), with
    biases if any."""
    d, kv = cfg.d_model, cfg.kv_heads * cfg.head_dim
    return (
        dense_parameters(d, d, cfg.bias)
        + 2 * dense_parameters(d, kv, cfg.bias)
        + dense_parameters(d, d, cfg.bias)
    )


def feed_forward_parameters(cfg: TransformerConfig) -> int:
    """GELU: up (d → d_ff) and down (d_ff → d). SwiGLU: a gate and an up projection, then down."""
    up = dense_parameters(cfg.d_model, cfg.d_ff, cfg.bias)
    down = dense_parameters(cfg.d_ff, cfg.d_model, cfg.bias)
    return (2 if cfg.mlp == "swiglu" else 1) * up + down


def block_parameters(cfg: TransformerConfig) -> dict[str, int]:
    """One transformer block: attention, feed-forward, and its two norms."""
    return {
        "attention": attention_parameters(cfg),
        "feed-forward": feed_forward_parameters(cfg),
        "norms": 2 * norm_parameters(cfg),
    }


def parameter_breakdown(cfg: TransformerConfig) -> dict[str, int]:
    """Every parameter of the model, by part; the values add up to the total."""
    d, L = cfg.d_model, cfg.n_layers
    block = block_parameters(cfg)
    parts = {
        "token embedding": cfg.vocab_size * d,
        "position embedding": cfg.context * d if cfg.positions == "learned" else 0,
        "token-type embedding": cfg.token_types * d,
        "embedding norm": norm_parameters(cfg) if cfg.embedding_norm else 0,
        "attention (all layers)": L * block["attention"],
        "feed-forward (all layers)": L * block["feed-forward"],
        "block norms (all layers)": L * block["norms"],
        "final norm": norm_parameters(cfg) if cfg.final_norm else 0,
        "pooler": dense_parameters(d, d) if cfg.pooler else 0,
        "output head": cfg.vocab_size * d
        if cfg.head == "untied"
        else 0,  # tied: the token embedding again
    }
    return parts


def total_parameters(cfg: TransformerConfig) -> int:
    """The exact number of parameters of the model `cfg` describes."""
    return sum(parameter_breakdown(cfg).values())


def gpt2_style(
    vocab_size: int,
    d_model: int,
    n_layers: int,
    n_heads: int,
    context: int,
    d_ff: int | None = None,
    name: str = "GPT-2-style",
) -> TransformerConfig:
    """A GPT-2-shaped decoder: learned positions, LayerNorm, a GELU MLP (d_ff = 4·d_model unless
    given), biases, and an output head tied to the token embedding."""
    return TransformerConfig(
        name, vocab_size, d_model, n_layers, n_heads, 4 * d_model if d_ff is None else d_ff, context
    )


# ---------------------------------------------------------------- published configurations

_GPT2 = (
    "Radford et al. (2019), Language Models are Unsupervised Multitask Learners, Table 2 (layers, "
    "d_model) and §2.3 "
    "(vocabulary 50,257, context 1024); d_ff = 4·d_model as in GPT-1; heads from the released "
    "hyper-parameters"
)
_BERT = (
    "Devlin et al. (2019), BERT: Pre-training of Deep Bidirectional Transformers, §3 (L, H, A, "
    "d_ff = 4H, 512 positions, "
    "two segments); the released WordPiece vocabulary has 30,522 entries"
)
PUBLISHED: dict[str, TransformerConfig] = {
    cfg.name: cfg
    for cfg in (
        TransformerConfig(
            "GPT-2 small", 50257, 768, 12, 12, 3072, 1024, stated="117M", source=_GPT2
        ),
        TransformerConfig(
            "GPT-2 medium", 50257, 1024, 24, 16, 4096, 1024, stated="345M", source=_GPT2
        ),
        TransformerConfig(
            "GPT-2 large", 50257, 1280, 36, 20, 5120, 1024, stated="762M", source=_GPT2
        ),
        TransformerConfig(
            "GPT-2 XL", 50257, 1600, 48, 25, 6400, 1024, stated="1542M", source=_GPT2
        ),
        TransformerConfig(
            "BERT-base",
            30522,
            768,
            12,
            12,
            3072,
            512,
            head="none",
            final_norm=False,
            token_types=2,
            embedding_norm=True,
            pooler=True,
            family="bert",
            stated="110M",
            source=_BERT,
        ),
        TransformerConfig(
            "BERT-large",
            30522,
            1024,
            24,
            16,
            4096,
            512,
            head="none",
            final_norm=False,
            token_types=2,
            embedding_norm=True,
            pooler=True,
            family="bert",
            stated="340M",
            source=_BERT,
        ),
        TransformerConfig(
            "LLaMA-7B",
            32000,
            4096,
            32,
            32,
            11008,
            2048,
            positions="rotary",
            norm="rmsnorm",
            mlp="swiglu",
            bias=False,
            head="untied",
            family="llama",
            stated="6.7B",
            source=(
                "Touvron et al. (2023), LLaMA: Open and Efficient Foundation Language Models, "
                "Table 2 and §2.2 "
                "(RMSNorm, SwiGLU of width 2/3·4d rounded up to a multiple of 256 = 11008, rotary "
                "positions); "
                "32,000-token vocabulary"
            ),
        ),
        TransformerConfig(
            "Mistral-7B",
            32000,
            4096,
            32,
            32,
            14336,
            8192,
            n_kv_heads=8,
            positions="rotary",
            norm="rmsnorm",
            mlp="swiglu",
            bias=False,
            head="untied",
            family="mistral",
            stated="7B",
            source=(
                "Jiang et al. (2023), Mistral 7B, Table 1 (dim 4096, 32 layers, head_dim 128, "
                "hidden_dim 14336, "
                "32 heads, 8 key/value heads, context 8192, vocabulary 32000)"
            ),
        ),
    )
}


# An exact size that a released checkpoint states, independent of the configurations above: the
# `total_size` in bytes of the checkpoint's weight index, its bytes per parameter, and the source.
CHECKPOINT_BYTES = {
    "Mistral-7B": (
        14_483_464_192,
        2,
        "mistralai/Mistral-7B-v0.1, model.safetensors.index.json, metadata.total_size (bf16)",
    ),
}


# ---------------------------------------------------------------- the cross-check with
# `transformers`


def transformers_config(cfg: TransformerConfig):
    """The `transformers` configuration object for cfg (no download), with the model class to build
    from it."""
    import transformers as hf

    if cfg.family == "gpt2":
        if (cfg.positions, cfg.norm, cfg.mlp, cfg.bias, cfg.head) != (
            "learned",
            "layernorm",
            "gelu",
            True,
            "tied",
        ) or cfg.n_kv_heads not in (None, cfg.n_heads):
            raise ValueError(
                f"{cfg.name}: GPT-2 in transformers has learned positions, LayerNorm, a GELU MLP, "
                "biases, a tied head."
            )
        return hf.GPT2Config(
            vocab_size=cfg.vocab_size,
            n_positions=cfg.context,
            n_embd=cfg.d_model,
            n_layer=cfg.n_layers,
            n_head=cfg.n_heads,
            n_inner=cfg.d_ff,
        ), hf.GPT2LMHeadModel
    if cfg.family == "bert":
        return hf.BertConfig(
            vocab_size=cfg.vocab_size,
            hidden_size=cfg.d_model,
            num_hidden_layers=cfg.n_layers,
            num_attention_heads=cfg.n_heads,
            intermediate_size=cfg.d_ff,
            max_position_embeddings=cfg.context,
            type_vocab_size=cfg.token_types,
        ), hf.BertModel
    config_class, model_class = (
        (hf.LlamaConfig, hf.LlamaForCausalLM)
        if cfg.family == "llama"
        else (hf.MistralConfig, hf.MistralForCausalLM)
    )
    return config_class(
        vocab_size=cfg.vocab_size,
        hidden_size=cfg.d_model,
        intermediate_size=cfg.d_ff,
        num_hidden_layers=cfg.n_layers,
        num_attention_heads=cfg.n_heads,
        num_key_value_heads=cfg.kv_heads,
        max_position_embeddings=cfg.context,
        tie_word_embeddings=cfg.head == "tied",
    ), model_class


def build_on_meta(cfg: TransformerConfig):
    """The `transformers` model for cfg with every tensor on the `meta` device: shapes only, no
    memory, no download."""
    config, model_class = transformers_config(cfg)
    with torch.device("meta"):
        return model_class(config)


def count_module_parameters(module: torch.nn.Module) -> int:
    """Parameters of a module, each shared tensor (a tied head) counted once."""
    return sum(p.numel() for p in module.parameters())


def transformers_parameters(cfg: TransformerConfig) -> int:
    """The parameter count of the `transformers` model built from cfg on the meta device."""
    return count_module_parameters(build_on_meta(cfg))


# ---------------------------------------------------------------- memory

BYTES_PER_PARAMETER = {"fp32": 4.0, "bf16": 2.0, "int8": 1.0, "int4": 0.5}
GiB = 2**30  # the unit nvidia-smi (in MiB) and torch.cuda report memory in
# Memory of each card as nvidia-smi reports it (memory.total, MiB). The "GB" in a card's name is
# close to GiB: an "80 GB" H100 holds 79.6 GiB, which is 85.5 decimal GB.
GPU_MEMORY_MIB = {
    "RTX 4090 (24 GB)": 24_564,
    "A100 80GB": 81_920,
    "H100 80GB": 81_559,
    "H200 (141 GB)": 143_771,
}


def gpu_memory_gib() -> dict[str, float]:
    """Each card's memory in GiB, from nvidia-smi's MiB."""
    return {name: mib / 1024 for name, mib in GPU_MEMORY_MIB.items()}


def weight_bytes(n_params: int, dtype: str) -> float:
    """Memory of the weights alone, stored in `dtype` (fp32, bf16, int8 or int4)."""
    if dtype not in BYTES_PER_PARAMETER:
        raise ValueError(f"dtype must be one of {tuple(BYTES_PER_PARAMETER)}, got {dtype!r}.")
    return n_params * BYTES_PER_PARAMETER[dtype]


def adam_training_bytes(n_params: int, mixed_precision: bool = True) -> dict[str, float]:
    """Training state with Adam: weights, gradients, fp32 master weights, two fp32 moments.

    mixed_precision=True is the layout of Megatron-LM and the ZeRO paper (Rajbhandari et al., 2020):
    16-bit weights and gradients, an fp32 master copy for the update. False is plain fp32, which is
    also what torch.autocast keeps: fp32 weights and gradients, no master copy. Both are 16 bytes.
    """
    low = 2.0 if mixed_precision else 4.0
    return {
        "weights": low * n_params,
        "gradients": low * n_params,
        "master weights": 4.0 * n_params if mixed_precision else 0.0,
        "Adam moments": 8.0 * n_params,
    }


def activation_bytes(
    cfg: TransformerConfig, batch: int, seq: int, attention_scores: bool = True
) -> float:
    """Activations kept for the backward pass, 16-bit, no recomputation: s·b·h·(34 + 5·a·s/h) per
    layer (Korthikanti et al., 2022, for a GPT-style block with dropout and a 4h GELU MLP; an
    estimate for other blocks). attention_scores=False drops the 5·a·s²·b bytes of the attention
    matrices, which FlashAttention and selective recomputation do not keep."""
    if seq < 1 or batch < 1:
        raise ValueError(
            f"batch and sequence length must be at least 1, got batch={batch}, seq={seq}."
        )
    s, b, h, a = seq, batch, cfg.d_model, cfg.n_heads
    scores = 5.0 * a * s / h if attention_scores else 0.0
    return cfg.n_layers * s * b * h * (34.0 + scores)


# ---------------------------------------------------------------- compute


# Peak dense bf16 tensor-core throughput from NVIDIA's data sheets (without structured sparsity).
PEAK_BF16_FLOPS = {"A100": 312e12, "H100 SXM": 989e12}


def training_flops(n_params: float, n_tokens: float) -> float:
    """≈ 6·N·D (Kaplan et al., 2020): each parameter costs a multiply and an add (2 FLOPs) per token
    forward, and twice that backward."""
    if n_params <= 0 or n_tokens <= 0:
        raise ValueError(
            f"n_params and n_tokens must be positive; got {n_params!r} and {n_tokens!r}."
        )
    return 6.0 * n_params * n_tokens


def matmul_parameters(cfg: TransformerConfig) -> int:
    """Parameters that multiply every token's activations: the blocks' and pooler's weight matrices
    and the output head (a tied head is the token embedding reused). Lookup tables, biases and norms
    do no matrix product."""
    d, L = cfg.d_model, cfg.n_layers
    weights = lambda n_in, n_out: n_in * n_out
    kv = cfg.kv_heads * cfg.head_dim
    attention = 2 * weights(d, d) + 2 * weights(d, kv)
    feed_forward = (3 if cfg.mlp == "swiglu" else 2) * weights(d, cfg.d_ff)
    head = 0 if cfg.head == "none" else cfg.vocab_size * d
    return L * (attention + feed_forward) + head + (weights(d, d) if cfg.pooler else 0)


def transformer_training_flops(cfg: TransformerConfig, batch: int, seq: int) -> float:
    """FLOPs of one forward and backward pass over `batch` sequences of `seq` tokens, counting
    matrix products only: 6 per matmul parameter per token, plus attention's QKᵀ and weights·V
    (4·seq·d per token per layer forward, ×3)."""
    tokens = batch * seq
    return (
        6.0 * matmul_parameters(cfg) * tokens
        + 3.0 * 4.0 * cfg.n_layers * seq * cfg.d_model * tokens
    )


def training_seconds(flops: float, n_gpus: int, peak_flops: float, utilisation: float) -> float:
    """Wall-clock time when `n_gpus` each sustain `utilisation` × their peak FLOP/s."""
    if not 0 < utilisation <= 1:
        raise ValueError(f"utilisation is a fraction of the peak, in (0, 1]; got {utilisation}.")
    if n_gpus < 1 or peak_flops <= 0:
        raise ValueError(
            f"need at least one GPU and a positive peak FLOP/s, got n_gpus={n_gpus}, "
            f"peak_flops={peak_flops}."
        )
    return flops / (n_gpus * peak_flops * utilisation)


def with_overrides(cfg: TransformerConfig, **changes) -> TransformerConfig:
    """A copy of cfg with some fields changed (validated again)."""
    return replace(cfg, **changes)


def human(n: float, unit: str = "") -> str:
    """1234567 → '1.23 M': three significant digits and an SI prefix."""
    for prefix, scale in (("T", 1e12), ("G" if unit else "B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.3g} {prefix}{unit}"
    return f"{n:.3g} {unit}".rstrip()
