"""Answer check for notebook 8d: a symmetric per-channel int8 quantiser (Exercise 8.3). The
expected answer carries the catalogued wrong answers computed on the same inputs, so a wrong answer
that matches one is named in words."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from utils.ch08.compression import INT8_MAX, quantize_per_channel
from utils.checks.diagnose import Verdict, compare_arrays, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


def quantization_case(out_features: int, in_features: int, seed: int, outliers: bool = False):
    """A seeded float32 weight matrix (out × in); with outliers, one large weight per row, as
    trained layers have."""
    generator = torch.Generator().manual_seed(seed)
    W = torch.randn(out_features, in_features, generator=generator) * 0.1
    W = W * torch.linspace(0.2, 3.0, out_features).reshape(-1, 1)  # rows of very different ranges
    if outliers:
        columns = torch.randint(0, in_features, (out_features,), generator=generator)
        W[torch.arange(out_features), columns] *= 8.0
    return (W,)


def reference_quantization(W):
    """The expected answer with the weights kept alongside, to recognise rounding ties: (q, scale,
    W)."""
    q, scale = quantize_per_channel(W)
    return q, scale, W


def _per_tensor(W):
    scale = (W.abs().max() / INT8_MAX).expand(W.shape[0], 1).clone()
    return torch.round(W / scale).clamp(-INT8_MAX, INT8_MAX).to(torch.int8), scale, W


def _divided_by(levels):
    def wrong(W):
        scale = W.abs().amax(dim=1, keepdim=True) / levels
        return torch.round(W / scale).clamp(-128, 127).to(torch.int8), scale, W

    return wrong


def _truncated(W):
    scale = W.abs().amax(dim=1, keepdim=True) / INT8_MAX
    return (W / scale).to(torch.int8), scale, W


def _floored(W):
    scale = W.abs().amax(dim=1, keepdim=True) / INT8_MAX
    return torch.floor(W / scale).clamp(-INT8_MAX, INT8_MAX).to(torch.int8), scale, W


def _signed_max(clamped: bool):
    def wrong(W):
        scale = W.amax(dim=1, keepdim=True) / INT8_MAX
        q = torch.round(W / scale)
        return (q.clamp(-INT8_MAX, INT8_MAX) if clamped else q).to(torch.int8), scale, W

    return wrong


def _inverse_scale(W):
    scale = INT8_MAX / W.abs().amax(dim=1, keepdim=True)
    return torch.round(W * scale).clamp(-INT8_MAX, INT8_MAX).to(torch.int8), scale, W


QUANTIZATION_MISTAKES = (
    Mistake(
        "per-tensor",
        _per_tensor,
        N_(
            "You used one scale for the whole matrix (per-tensor). Per-channel gives every output "
            "row its own scale: max|W| over dim=1, with keepdim=True, divided by 127."
        ),
    ),
    Mistake(
        "signed-max",
        _signed_max(clamped=True),
        N_(
            "Your scale is max(W) / 127, the largest SIGNED weight of each row. A row whose most "
            "negative weight is larger in size then overflows the grid, and its q is clamped or "
            "wraps around. Use the largest ABSOLUTE value: W.abs().amax(dim=1, keepdim=True) / 127."
        ),
    ),
    Mistake(
        "signed-max",
        _signed_max(clamped=False),
        N_(
            "Your scale is max(W) / 127, the largest SIGNED weight of each row. A row whose most "
            "negative weight is larger in size then overflows the grid, and its q is clamped or "
            "wraps around. Use the largest ABSOLUTE value: W.abs().amax(dim=1, keepdim=True) / 127."
        ),
    ),
    Mistake(
        "127.5-levels",
        _divided_by(127.5),
        N_(
            "You divided by 127.5, spreading max|W| over all 255 steps of int8 (PyTorch's own "
            "observers do this, and clamp at −128 … 127). This exercise uses the symmetric range "
            "−127 … 127: divide by 127."
        ),
    ),
    Mistake(
        "128-levels",
        _divided_by(128.0),
        N_(
            "You divided by 128. Then the largest weight rounds to 128, which int8 cannot hold. "
            "Use 127, so that the range −127 … 127 is symmetric."
        ),
    ),
    Mistake(
        "truncated",
        _truncated,
        N_(
            "q was truncated toward zero (.to(torch.int8) on a float drops the fraction). Round "
            "first: torch.round(W / scale)."
        ),
    ),
    Mistake(
        "floored",
        _floored,
        N_(
            "q was rounded down (floor). Round to the nearest integer with torch.round, so the "
            "error is at most half a step."
        ),
    ),
    Mistake(
        "inverse-scale",
        _inverse_scale,
        N_(
            "Your scale is 127 / max|W|, the inverse of the step size. Return scale = max|W| / "
            "127, so that W ≈ q · scale."
        ),
    ),
)


def compare_quantization(
    got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8, tie_tolerance: float = 1e-3
) -> Verdict:
    """(q, scale) against the expected (q, scale, W): the scale within rtol, q exactly, except that
    q may differ by one where W / scale falls within `tie_tolerance` of a half-integer (a rounding
    tie)."""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) not in (2, 3):
        return Verdict(
            False,
            "structure",
            _("Return a tuple (q, scale): the int8 matrix and the per-row scales."),
        )
    q, scale = got[0], got[1]
    q_ref, scale_ref, W = expected
    if q is None or scale is None:
        return returned_none()
    if (
        isinstance(q, torch.Tensor)
        and isinstance(scale, torch.Tensor)
        and scale.dtype == torch.int8
        and q.dtype != torch.int8
    ):
        return Verdict(
            False,
            "order",
            _(
                "You returned (scale, q). Return them in the order (q, scale): the int8 matrix "
                "first."
            ),
        )
    if not (isinstance(q, torch.Tensor) and isinstance(scale, torch.Tensor)):
        return Verdict(
            False,
            "type",
            _(
                "Return torch tensors (q, scale); yours are a {q_type} and a {scale_type}. The "
                "dequantising layer below multiplies them as tensors."
            ).format(q_type=type(q).__name__, scale_type=type(scale).__name__),
        )
    if (
        isinstance(q, torch.Tensor)
        and q.dtype != torch.int8
        or isinstance(q, np.ndarray)
        and q.dtype != np.int8
    ):
        return Verdict(
            False,
            "dtype",
            _(
                "q has dtype {dtype}; store it as int8 (q.to(torch.int8)). One byte per weight "
                "is the point of int8."
            ).format(dtype=q.dtype),
        )
    if not isinstance(q, (torch.Tensor, np.ndarray)):
        return Verdict(
            False,
            "type",
            _("q should be a tensor of dtype int8; got a {type}.").format(type=type(q).__name__),
        )
    scale_array, expected_scale = to_numpy(scale), to_numpy(scale_ref)
    rows, columns = tuple(W.shape)
    if scale_array.size == 1 and rows > 1:
        return Verdict(
            False,
            "per-tensor",
            _(
                "There is one scale for the whole matrix (per-tensor). Per-channel gives every "
                "output row its own scale: max|W| over dim=1, with keepdim=True, divided by 127."
            ),
        )
    if scale_array.shape in ((1, columns), (columns,)) and columns != rows:
        return Verdict(
            False,
            "per-column",
            _(
                "Your scale has shape {shape}: one per COLUMN (dim=0). The output channels are "
                "the rows of W ({rows} × {columns}): take max|W| over dim=1 with keepdim=True."
            ).format(shape=scale_array.shape, rows=rows, columns=columns),
        )
    verdict = compare_arrays(scale_array, expected_scale, rtol=rtol, atol=0.0)
    if not verdict.passed:
        return Verdict(
            False,
            verdict.kind,
            _("In {name}: {diagnosis}").format(name="scale", diagnosis=verdict.message),
            verdict.relative_error,
        )
    q_array, q_expected = to_numpy(q), to_numpy(q_ref)
    if q_array.shape != q_expected.shape:
        return Verdict(
            False,
            "shape",
            _("q has shape {shape}; expected {expected}, the shape of W.").format(
                shape=q_array.shape, expected=q_expected.shape
            ),
        )
    ratio = np.abs(to_numpy(W) / expected_scale)
    tie = np.abs(ratio - np.floor(ratio) - 0.5) < tie_tolerance
    difference = np.abs(q_array - q_expected)
    wrong = (difference > 1) | ((difference == 1) & ~tie)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return Verdict(
            False,
            "values",
            _(
                "In q: {wrong} of {size} values differ; first at index {index}: yours "
                "{yours:.0f}, expected {expected:.0f} (W / scale = {ratio:.4f}). q is "
                "round(W / scale), clamped to −127 … 127."
            ).format(
                wrong=int(wrong.sum()),
                size=q_array.size,
                index=index,
                yours=q_array[index],
                expected=q_expected[index],
                ratio=to_numpy(W)[index] / expected_scale[index[0], 0],
            ),
            float(np.abs(q_array - q_expected).max()),
        )
    return Verdict(True, "ok", "scales and int8 values match", verdict.relative_error)


def quantization_cases() -> list[Case]:
    """Three float32 weight matrices, rows of different ranges, one with an outlier per row."""
    return [
        Case(quantization_case(6, 10, 0), N_("a 6 × 10 matrix, rows of different ranges")),
        Case(
            quantization_case(16, 32, 1, outliers=True),
            N_("a 16 × 32 matrix with one large weight per row"),
        ),
        Case(quantization_case(10, 4, 2), N_("a 10 × 4 matrix (more rows than columns)")),
    ]


def check_quantizer(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.3: the scales to rtol 1e-5 and q exactly, except on rounding ties. Calling
    `compression.quantize_per_channel` (the notebook's `cz`) is named as the answer key."""
    return catalogued_check(
        N_("Exercise 8.3 (symmetric per-channel int8)"),
        learner_fn,
        quantize_per_channel,
        quantization_cases(),
        mistakes=QUANTIZATION_MISTAKES,
        compare=compare_quantization,
        expected_from=reference_quantization,
        rtol=1e-5,
        atol=0.0,
        strict=strict,
    )
