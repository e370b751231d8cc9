"""Answer checks for chapter 8: per-example clipping as DP-SGD does it (Exercise 8.1), a saliency map as the input
gradient (8.2), and a symmetric per-channel int8 quantiser (8.3). Each expected answer carries the catalogued wrong
answers computed on the same inputs, so a wrong answer that matches one is named in words."""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from utils.attribution import input_gradient
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import naming_mistakes, with_mistakes
from utils.checks.runner import Case, CheckResult, check_function
from utils.compression import INT8_MAX, quantize_per_channel
from utils.models import digits_cnn
from utils.privacy import NORM_EPSILON, clip_and_sum, per_example_norms

# ---------------------------------------------------------------- Exercise 8.1: clip per example, then sum


def clip_case(shapes: tuple[tuple[int, ...], ...], batch: int, max_norm: float, norms: tuple[float, float], seed: int):
    """Per-example gradients (one (B × shape) float32 tensor per parameter) whose whole-gradient norms are spread
    between norms[0] and norms[1], and the clipping norm: the arguments (grad_samples, max_norm)."""
    generator = torch.Generator().manual_seed(seed)
    grads = [torch.randn(batch, *shape, generator=generator) for shape in shapes]
    target = torch.linspace(norms[0], norms[1], batch)
    scale = target / per_example_norms(grads)
    return ([g * scale.reshape(-1, *[1] * (g.ndim - 1)) for g in grads], max_norm)


def _factors(grad_samples, max_norm):
    return (max_norm / (per_example_norms(grad_samples) + NORM_EPSILON)).clamp(max=1.0)


def _per_parameter_clipping(grad_samples, max_norm):
    out = []
    for g in grad_samples:
        norms = g.reshape(len(g), -1).norm(dim=1)
        factor = (max_norm / (norms + NORM_EPSILON)).clamp(max=1.0)
        out.append(torch.tensordot(factor, g, dims=1))
    return out


def _clip_after_summing(grad_samples, max_norm):
    sums = [g.sum(dim=0) for g in grad_samples]
    norm = torch.sqrt(sum((s**2).sum() for s in sums))
    return [s * min(1.0, max_norm / float(norm)) for s in sums]


def _always_rescaled(grad_samples, max_norm):
    factor = max_norm / (per_example_norms(grad_samples) + NORM_EPSILON)
    return [torch.tensordot(factor, g, dims=1) for g in grad_samples]


def _squared_norm(grad_samples, max_norm):
    factor = (max_norm / (per_example_norms(grad_samples) ** 2 + NORM_EPSILON)).clamp(max=1.0)
    return [torch.tensordot(factor, g, dims=1) for g in grad_samples]


def _mean_not_sum(grad_samples, max_norm):
    return [s / len(grad_samples[0]) for s in clip_and_sum(grad_samples, max_norm)]


def _not_clipped(grad_samples, max_norm):
    return [g.sum(dim=0) for g in grad_samples]


def _clamped_elements(grad_samples, max_norm):
    return [g.clamp(-max_norm, max_norm).sum(dim=0) for g in grad_samples]


CLIP_MISTAKES = (
    ("per-parameter", _per_parameter_clipping,
     "You clipped each parameter tensor on its own. DP-SGD bounds the norm of one example's WHOLE gradient: "
     "take the norm over all parameters of that example together (the square root of the sum of the squared "
     "per-tensor norms), and scale all of its tensors by the same factor."),
    ("clipped-after-sum", _clip_after_summing,
     "You clipped the summed gradient. The privacy guarantee needs each EXAMPLE's influence bounded: clip every "
     "example's gradient first, then sum."),
    ("always-rescaled", _always_rescaled,
     "Every example was rescaled to norm C, including those already smaller. The factor is min(1, C / norm): "
     "small gradients stay as they are."),
    ("squared-norm", _squared_norm,
     "The clipping factor used the squared norm. Use the Euclidean norm, the square root of the sum of squares."),
    ("mean", _mean_not_sum,
     "You averaged over the examples. Opacus' clipped gradient is a SUM over the batch; it divides by the batch size "
     "only later, after adding the noise."),
    ("not-clipped", _not_clipped,
     "Nothing was clipped: this is the plain sum of the per-example gradients. Scale each example by min(1, C / norm)."),
    ("clamped-elements", _clamped_elements,
     "You clamped each number to [−C, C]. Clipping rescales an example's whole gradient vector to norm at most C, "
     "keeping its direction."),
)

expected_clip_and_sum = with_mistakes(clip_and_sum, CLIP_MISTAKES)


def compare_gradient_list(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Compare a list of per-parameter gradients with the expected list, naming the first wrong parameter."""
    if got is None:
        return returned_none()
    if isinstance(got, torch.Tensor) or not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return Verdict(False, "structure", (
            f"Return a list with one summed gradient per parameter ({len(expected)} tensors, shapes "
            f"{[tuple(e.shape) for e in expected]}), in the order of grad_samples."
        ))
    not_tensors = [i + 1 for i, g in enumerate(got) if not isinstance(g, torch.Tensor)]
    if not_tensors:
        return Verdict(False, "type", (
            f"Return torch tensors, as grad_samples are: parameter {not_tensors[0]} came back as a "
            f"{type(got[not_tensors[0]]).__name__}. The cells below subtract your result from Opacus' tensors."
        ))
    names = tuple(f"parameter {i + 1} of {len(expected)} (shape {tuple(e.shape)})" for i, e in enumerate(expected))
    return compare_named(names)(list(got), list(expected), batch_size=batch_size, rtol=rtol, atol=atol)


compare_clip_and_sum = naming_mistakes(compare_gradient_list)

# ---------------------------------------------------------------- Exercise 8.2: saliency as the input gradient


def saliency_case(kind: str, n: int, seed: int):
    """(model, X, target) for a seeded small model: "cnn" (digits CNN on n × 1 × 8 × 8) or "mlp" (10 classes)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    if kind == "cnn":
        model, X = digits_cnn(width=4), torch.rand(n, 1, 8, 8, generator=generator)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Tanh(), torch.nn.Linear(16, 10))
        X = torch.randn(n, 12, generator=generator)
    target = torch.randint(0, 10, (n,), generator=generator)
    return (model.eval(), X, target)


def _signed(model, X, target):
    return input_gradient(model, X, target, absolute=False)


def _of_probability(model, X, target):
    X = X.detach().clone().requires_grad_(True)
    p = torch.softmax(model(X), dim=1)
    (g,) = torch.autograd.grad(p[torch.arange(len(X)), target].sum(), X)
    return g.abs()


def _of_loss(model, X, target):
    X = X.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(X), target, reduction="sum"), X)
    return g.abs()


def _all_logits(model, X, target):
    X = X.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(model(X).sum(), X)
    return g.abs()


def _predicted_class(model, X, target):
    with torch.no_grad():
        predicted = model(X).argmax(dim=1)
    return input_gradient(model, X, predicted)


def _mean_over_batch(model, X, target):
    return input_gradient(model, X, target) / len(X)


SALIENCY_MISTAKES = (
    ("signed", _signed,
     "These are the signed gradients. Captum's Saliency (abs=True, its default) returns their absolute value: "
     "how strongly each input moves the output, whichever the direction."),
    ("probability", _of_probability,
     "You differentiated the softmax probability. Saliency differentiates the model's output as it is, the "
     "target's LOGIT (model(X)[i, target[i]])."),
    ("loss", _of_loss,
     "You differentiated the cross-entropy loss. Saliency differentiates the target's logit, not a loss."),
    ("all-logits", _all_logits,
     "You differentiated the sum of all logits. Select each example's target logit first: "
     "model(X)[torch.arange(n), target]."),
    ("predicted-class", _predicted_class,
     "You explained the predicted class (argmax). Explain the class given in `target`."),
    ("batch-mean", _mean_over_batch,
     "You averaged the selected logits over the batch before backward(), so every map is n× too small. Sum them: "
     "the examples do not interact, so the gradient of the sum gives each example its own gradient."),
)

expected_saliency = with_mistakes(input_gradient, SALIENCY_MISTAKES)
def _saliency_tensor(got, expected, **options) -> Verdict:
    """A torch tensor (the Captum comparison below subtracts tensors), then compared as arrays."""
    if got is not None and not isinstance(got, torch.Tensor):
        return Verdict(False, "type", (
            f"Return a torch tensor shaped like X; yours is a {type(got).__name__}. Keep the result in torch "
            "(no .numpy()): the cell below compares it with Captum's tensor."
        ))
    return compare_arrays(got, expected, **options)


compare_saliency = naming_mistakes(_saliency_tensor)

# ---------------------------------------------------------------- Exercise 8.3: symmetric per-channel int8


def quantization_case(out_features: int, in_features: int, seed: int, outliers: bool = False):
    """A seeded float32 weight matrix (out × in); with outliers, one large weight per row, as trained layers have."""
    generator = torch.Generator().manual_seed(seed)
    W = torch.randn(out_features, in_features, generator=generator) * 0.1
    W = W * torch.linspace(0.2, 3.0, out_features).reshape(-1, 1)  # rows of very different ranges
    if outliers:
        columns = torch.randint(0, in_features, (out_features,), generator=generator)
        W[torch.arange(out_features), columns] *= 8.0
    return (W,)


def reference_quantization(W):
    """The expected answer with the weights kept alongside, to recognise rounding ties: (q, scale, W)."""
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


def _inverse_scale(W):
    scale = INT8_MAX / W.abs().amax(dim=1, keepdim=True)
    return torch.round(W * scale).clamp(-INT8_MAX, INT8_MAX).to(torch.int8), scale, W


QUANTIZATION_MISTAKES = (
    ("per-tensor", _per_tensor,
     "You used one scale for the whole matrix (per-tensor). Per-channel gives every output row its own scale: "
     "max|W| over dim=1, with keepdim=True, divided by 127."),
    ("127.5-levels", _divided_by(127.5),
     "You divided by 127.5, spreading max|W| over all 255 steps of int8 (PyTorch's own observers do this, and "
     "clamp at −128 … 127). This exercise uses the symmetric range −127 … 127: divide by 127."),
    ("128-levels", _divided_by(128.0),
     "You divided by 128. Then the largest weight rounds to 128, which int8 cannot hold. Use 127, so that "
     "the range −127 … 127 is symmetric."),
    ("truncated", _truncated,
     "q was truncated toward zero (.to(torch.int8) on a float drops the fraction). Round first: "
     "torch.round(W / scale)."),
    ("floored", _floored,
     "q was rounded down (floor). Round to the nearest integer with torch.round, so the error is at most half a step."),
    ("inverse-scale", _inverse_scale,
     "Your scale is 127 / max|W|, the inverse of the step size. Return scale = max|W| / 127, so that W ≈ q · scale."),
)

expected_quantization = with_mistakes(reference_quantization, QUANTIZATION_MISTAKES)


def compare_quantization(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8, tie_tolerance: float = 1e-3) -> Verdict:
    """(q, scale) against the expected (q, scale, W): the scale within rtol, q exactly, except that q may differ by
    one where W / scale falls within `tie_tolerance` of a half-integer (a rounding tie)."""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) not in (2, 3):
        return Verdict(False, "structure", "Return a tuple (q, scale): the int8 matrix and the per-row scales.")
    q, scale = got[0], got[1]
    q_ref, scale_ref, W = expected
    if q is None or scale is None:
        return returned_none()
    if isinstance(q, torch.Tensor) and isinstance(scale, torch.Tensor) and scale.dtype == torch.int8 and q.dtype != torch.int8:
        return Verdict(False, "order", "You returned (scale, q). Return them in the order (q, scale): the int8 matrix first.")
    if not (isinstance(q, torch.Tensor) and isinstance(scale, torch.Tensor)):
        return Verdict(False, "type", (
            f"Return torch tensors (q, scale); yours are a {type(q).__name__} and a {type(scale).__name__}. "
            "The dequantising layer below multiplies them as tensors."
        ))
    if isinstance(q, torch.Tensor) and q.dtype != torch.int8 or isinstance(q, np.ndarray) and q.dtype != np.int8:
        return Verdict(False, "dtype", (
            f"q has dtype {q.dtype}; store it as int8 (q.to(torch.int8)). One byte per weight is the point of int8."
        ))
    if not isinstance(q, (torch.Tensor, np.ndarray)):
        return Verdict(False, "type", f"q should be a tensor of dtype int8; got a {type(q).__name__}.")
    scale_array, expected_scale = to_numpy(scale), to_numpy(scale_ref)
    rows, columns = tuple(W.shape)
    if scale_array.size == 1 and rows > 1:
        return Verdict(False, "per-tensor", (
            "There is one scale for the whole matrix (per-tensor). Per-channel gives every output row its own scale: "
            "max|W| over dim=1, with keepdim=True, divided by 127."
        ))
    if scale_array.shape in ((1, columns), (columns,)) and columns != rows:
        return Verdict(False, "per-column", (
            f"Your scale has shape {scale_array.shape}: one per COLUMN (dim=0). The output channels are the rows of W "
            f"({rows} × {columns}): take max|W| over dim=1 with keepdim=True."
        ))
    verdict = compare_arrays(scale_array, expected_scale, rtol=rtol, atol=0.0)
    if not verdict.passed:
        return Verdict(False, verdict.kind, f"In scale: {verdict.message}", verdict.relative_error)
    q_array, q_expected = to_numpy(q), to_numpy(q_ref)
    if q_array.shape != q_expected.shape:
        return Verdict(False, "shape", f"q has shape {q_array.shape}; expected {q_expected.shape}, the shape of W.")
    ratio = np.abs(to_numpy(W) / expected_scale)
    tie = np.abs(ratio - np.floor(ratio) - 0.5) < tie_tolerance
    difference = np.abs(q_array - q_expected)
    wrong = (difference > 1) | ((difference == 1) & ~tie)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return Verdict(False, "values", (
            f"In q: {int(wrong.sum())} of {q_array.size} values differ; first at index {index}: yours "
            f"{q_array[index]:.0f}, expected {q_expected[index]:.0f} (W / scale = {to_numpy(W)[index] / expected_scale[index[0], 0]:.4f}). "
            "q is round(W / scale), clamped to −127 … 127."
        ), float(np.abs(q_array - q_expected).max()))
    return Verdict(True, "ok", "scales and int8 values match", verdict.relative_error)


compare_quantization_named = naming_mistakes(compare_quantization)


# ---------------------------------------------------------------- the checks the notebooks call


def _falling_back_to(result: CheckResult, reference: Callable) -> CheckResult:
    """The result, with `reference` as what `choose_implementation` falls back to (not the expected-answer builder)."""
    return dataclasses.replace(result, reference=reference)


def check_clip_and_sum(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.1: three sets of per-example float32 gradients, some above the clipping norm and some below."""
    cases = [
        Case(clip_case(((4, 3), (4,), (1, 4), (1,)), 6, 1.0, (0.2, 3.0), 0), "6 examples, norms 0.2 … 3, C = 1", batch_size=6),
        Case(clip_case(((8, 5), (8,), (3, 8), (3,)), 10, 0.5, (0.6, 4.0), 1), "10 examples, every norm above C = 0.5", batch_size=10),
        Case(clip_case(((2, 7), (2,)), 5, 5.0, (0.5, 2.0), 2), "5 examples, every norm below C = 5: nothing to clip", batch_size=5),
    ]
    result = check_function("Exercise 8.1 (clip per example, then sum)", learner_fn, expected_clip_and_sum, cases,
                            compare=compare_clip_and_sum, rtol=1e-5, atol=1e-6, strict=strict)
    return _falling_back_to(result, clip_and_sum)


def check_saliency(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.2: a small digits CNN and a small MLP, each with one target class per example."""
    cases = [
        Case(saliency_case("cnn", 5, 0), "a digits CNN, 5 images (5 × 1 × 8 × 8)", batch_size=5),
        Case(saliency_case("mlp", 7, 1), "an MLP with 10 classes, 7 rows of 12 features", batch_size=7),
        Case(saliency_case("cnn", 3, 2), "another CNN, 3 images", batch_size=3),
    ]
    result = check_function("Exercise 8.2 (saliency as the input gradient)", learner_fn, expected_saliency, cases,
                            compare=compare_saliency, rtol=1e-4, atol=1e-6, strict=strict)
    return _falling_back_to(result, input_gradient)


def check_quantizer(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.3: three float32 weight matrices, rows of different ranges, one with an outlier per row."""
    cases = [
        Case(quantization_case(6, 10, 0), "a 6 × 10 matrix, rows of different ranges"),
        Case(quantization_case(16, 32, 1, outliers=True), "a 16 × 32 matrix with one large weight per row"),
        Case(quantization_case(10, 4, 2), "a 10 × 4 matrix (more rows than columns)"),
    ]
    result = check_function("Exercise 8.3 (symmetric per-channel int8)", learner_fn, expected_quantization, cases,
                            compare=compare_quantization_named, rtol=1e-5, atol=0.0, strict=strict)
    return _falling_back_to(result, quantize_per_channel)
