"""Model compression: magnitude pruning (torch.nn.utils.prune), a symmetric per-channel int8
quantiser written out, linear layers that store int8 or sparse weights, and the measurements
(serialised size, CPU latency) to compare them."""

from __future__ import annotations

import copy
import io
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

# symmetric int8 uses −127 … 127, so that 0 is exact and the range is the same on both sides
INT8_MAX = 127


def dense_classifier(
    n_in: int = 64, hidden: tuple[int, ...] = (512, 512), n_out: int = 10
) -> nn.Sequential:
    """An MLP on flattened inputs: Linear → ReLU for each hidden width, then a linear layer to the
    logits."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def _weighted(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def check_sparsity(sparsity: float) -> None:
    """Raise a ValueError unless 0 ≤ sparsity < 1 (the fraction of weights set to zero)."""
    if not isinstance(sparsity, (int, float)) or not 0 <= sparsity < 1:
        raise ValueError(
            "sparsity is the fraction of weights removed and must lie in [0, 1); got "
            f"{sparsity!r}. "
            "For 90% of the weights set to zero, pass 0.9."
        )


def prune_magnitude(model: nn.Module, sparsity: float, *, permanent: bool = True) -> nn.Module:
    """A copy of `model` with the `sparsity` fraction of smallest-magnitude weights, ranked across
    all linear and convolution layers together, set to zero. With permanent=False the mask stays
    attached, so fine-tuning keeps the pruned weights at zero."""
    check_sparsity(sparsity)
    pruned = copy.deepcopy(model)
    layers = [(m, "weight") for m in _weighted(pruned)]
    if not layers:
        raise ValueError("The model has no nn.Linear or nn.Conv2d layer to prune.")
    prune.global_unstructured(layers, pruning_method=prune.L1Unstructured, amount=float(sparsity))
    if permanent:
        for module, name in layers:
            prune.remove(module, name)
    return pruned


def make_pruning_permanent(model: nn.Module) -> nn.Module:
    """Fold every pruning mask into its weight (weight = weight_orig · mask) and drop the mask, in
    place."""
    for module in _weighted(model):
        if prune.is_pruned(module) and hasattr(module, "weight_mask"):
            prune.remove(module, "weight")
    return model


def weight_sparsity(model: nn.Module) -> float:
    """The fraction of exactly-zero weights over all linear and convolution layers."""
    weights = [m.weight.detach() for m in _weighted(model)]
    return float(sum((w == 0).sum() for w in weights) / sum(w.numel() for w in weights))


def quantize_per_channel(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric per-output-channel int8: for each row, scale = max|W_row| / 127 (1 for a row of
    zeros) and q = round(W / scale), clamped to −127 … 127. Returns (q int8 (out × in), scale
    float32 (out × 1))."""
    if W.ndim != 2:
        raise ValueError(f"Expected a weight matrix (out × in); got shape {tuple(W.shape)}.")
    if not torch.isfinite(W).all():
        raise ValueError("The weights contain NaN or inf; a scale cannot be computed.")
    W = W.detach().float()
    absmax = W.abs().amax(dim=1, keepdim=True)
    scale = torch.where(absmax > 0, absmax / INT8_MAX, torch.ones_like(absmax))
    q = torch.round(W / scale).clamp(-INT8_MAX, INT8_MAX).to(torch.int8)
    return q, scale


def dequantize(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The float32 weights that int8 `q` and its per-row `scale` stand for."""
    return q.float() * scale


class Int8Linear(nn.Module):
    """A linear layer that stores its weight as int8 plus one float32 scale per output channel
    (about 4× smaller), and dequantises it to compute; the bias stays float32."""

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        self.register_buffer("q", q)
        self.register_buffer("scale", scale)
        self.register_buffer("bias", None if bias is None else bias.detach().clone())

    @classmethod
    def from_linear(cls, linear: nn.Linear, quantizer=quantize_per_channel) -> "Int8Linear":
        q, scale = quantizer(linear.weight.detach().clone())  # a quantiser may work in place
        return cls(
            torch.as_tensor(q, dtype=torch.int8),
            torch.as_tensor(scale, dtype=torch.float32).reshape(-1, 1),
            linear.bias,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.q.to(x.dtype) * self.scale.to(x.dtype), self.bias)


def to_compact_csr(weight: torch.Tensor, index_dtype: torch.dtype = torch.int32) -> torch.Tensor:
    """`weight` in compressed sparse row (CSR) form with index arrays of their own, in
    `index_dtype`. `to_sparse_csr()` alone leaves the column indices as a view into a 2 × nnz int64
    array, all of which torch.save writes."""
    if index_dtype not in (torch.int32, torch.int64):
        raise ValueError(f"CSR indices are torch.int32 or torch.int64; got {index_dtype}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sparse CSR support is in beta"
        csr = weight.detach().to_sparse_csr()
        return torch.sparse_csr_tensor(
            csr.crow_indices().to(index_dtype, copy=True),
            csr.col_indices().to(index_dtype, copy=True),
            csr.values().clone(),
            size=csr.shape,
        )


class SparseLinear(nn.Module):
    """A linear layer whose weight is kept in compressed sparse row (CSR) form: only the non-zeros
    and their positions (int32 indices by default: 4 bytes each instead of 8)."""

    def __init__(self, linear: nn.Linear, index_dtype: torch.dtype = torch.int32):
        super().__init__()
        self.register_buffer("weight", to_compact_csr(linear.weight, index_dtype))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = (self.weight @ x.T).T
        return out if self.bias is None else out + self.bias


def replace_linear(model: nn.Module, make) -> nn.Module:
    """A copy of `model` with every nn.Linear replaced by make(linear)."""
    model = copy.deepcopy(model)
    for name, child in list(model.named_children()):
        if isinstance(child, nn.Linear):
            setattr(model, name, make(child))
        else:
            setattr(model, name, replace_linear(child, make))
    return model


def dynamic_int8(model: nn.Module, *, per_channel: bool = False) -> nn.Module:
    """PyTorch's dynamic quantisation of every nn.Linear to int8 (fbgemm kernels; activations
    quantised on the fly): one weight scale per matrix (`default_dynamic_qconfig`), or with
    per_channel=True one per output row (`per_channel_dynamic_qconfig`). Its deprecation warnings,
    which point to the torchao package, are silenced here."""
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(model).eval(), {nn.Linear: qconfig}, dtype=torch.qint8
        )


def serialized_bytes(model: nn.Module) -> int:
    """Bytes that torch.save takes for the model's state dict: the size on disk, or on the wire."""
    return tensor_bytes(model.state_dict())


def tensor_bytes(obj) -> int:
    """Bytes that torch.save writes for a tensor (or a dict of them), whole storages included."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(obj, buffer)
    return buffer.tell()


@torch.no_grad()
def latency_quartiles_ms(
    candidates: dict[str, tuple[nn.Module, torch.Tensor]], repeats: int = 30, warmup: int = 3
) -> dict[str, tuple[float, float, float]]:
    """Wall time of one forward pass, in milliseconds, for each name → (model, input): the lower
    quartile, the median and the upper quartile of `repeats` passes. The models take turns, one
    pass each per round, so a burst of load from another program slows all of them alike."""
    for model, X in candidates.values():
        model.eval()
        for _ in range(warmup):
            model(X)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, (model, X) in candidates.items():
            started = time.perf_counter()
            model(X)
            times[name].append(time.perf_counter() - started)
    return {
        name: tuple(1e3 * float(q) for q in np.percentile(t, [25, 50, 75]))
        for name, t in times.items()
    }


def latencies_ms(
    candidates: dict[str, tuple[nn.Module, torch.Tensor]], repeats: int = 30, warmup: int = 3
) -> dict[str, float]:
    """Median wall time of one forward pass, in milliseconds, for each name → (model, input), the
    models taking turns (see `latency_quartiles_ms`)."""
    quartiles = latency_quartiles_ms(candidates, repeats, warmup)
    return {name: median for name, (_, median, _) in quartiles.items()}


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y) -> float:
    """Fraction of rows whose largest logit is the label."""
    model.eval()
    return float((model(X).argmax(dim=1).cpu().numpy() == np.asarray(y)).mean())
