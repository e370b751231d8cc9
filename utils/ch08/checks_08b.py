"""Answer check for notebook 8b: per-example clipping as DP-SGD does it (Exercise 8.1). The
expected answer carries the catalogued wrong answers computed on the same inputs, so a wrong answer
that matches one is named in words."""

from __future__ import annotations

from typing import Callable

import torch

from utils.ch08.privacy import NORM_EPSILON, clip_and_sum, per_example_norms
from utils.checks.diagnose import Verdict, compare_named, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


def clip_case(
    shapes: tuple[tuple[int, ...], ...],
    batch: int,
    max_norm: float,
    norms: tuple[float, float],
    seed: int,
):
    """Per-example gradients (one (B × shape) float32 tensor per parameter) whose whole-gradient
    norms are spread between norms[0] and norms[1], and the clipping norm: the arguments
    (grad_samples, max_norm)."""
    generator = torch.Generator().manual_seed(seed)
    grads = [torch.randn(batch, *shape, generator=generator) for shape in shapes]
    target = torch.linspace(norms[0], norms[1], batch)
    scale = target / per_example_norms(grads)
    return ([g * scale.reshape(-1, *[1] * (g.ndim - 1)) for g in grads], max_norm)


def _scaled_sums(grad_samples, factor):
    """Each example's tensors multiplied by its factor, then summed over the examples."""
    return [torch.tensordot(factor, g, dims=1) for g in grad_samples]


def _per_tensor_norms(grad_samples):
    """(B × parameters): the norm of each example's gradient for each parameter tensor."""
    return torch.stack([g.reshape(len(g), -1).norm(dim=1) for g in grad_samples], dim=1)


def _per_parameter_clipping(grad_samples, max_norm):
    out = []
    for g in grad_samples:
        norms = g.reshape(len(g), -1).norm(dim=1)
        factor = (max_norm / (norms + NORM_EPSILON)).clamp(max=1.0)
        out.append(torch.tensordot(factor, g, dims=1))
    return out


def _summed_tensor_norms(grad_samples, max_norm):
    norm = _per_tensor_norms(grad_samples).sum(dim=1)
    return _scaled_sums(grad_samples, (max_norm / (norm + NORM_EPSILON)).clamp(max=1.0))


def _clip_after_summing(grad_samples, max_norm):
    sums = [g.sum(dim=0) for g in grad_samples]
    norm = torch.sqrt(sum((s**2).sum() for s in sums))
    return [s * min(1.0, max_norm / float(norm)) for s in sums]


def _always_rescaled(grad_samples, max_norm):
    factor = max_norm / (per_example_norms(grad_samples) + NORM_EPSILON)
    return _scaled_sums(grad_samples, factor)


def _squared_norm(grad_samples, max_norm):
    factor = (max_norm / (per_example_norms(grad_samples) ** 2 + NORM_EPSILON)).clamp(max=1.0)
    return _scaled_sums(grad_samples, factor)


def _mean_not_sum(grad_samples, max_norm):
    return [s / len(grad_samples[0]) for s in clip_and_sum(grad_samples, max_norm)]


def _not_clipped(grad_samples, max_norm):
    return [g.sum(dim=0) for g in grad_samples]


def _clamped_elements(grad_samples, max_norm):
    return [g.clamp(-max_norm, max_norm).sum(dim=0) for g in grad_samples]


CLIP_MISTAKES = (
    Mistake(
        "per-parameter",
        _per_parameter_clipping,
        N_(
            "You clipped each parameter tensor on its own. DP-SGD bounds the norm of one example's "
            "WHOLE gradient: take the norm over all parameters of that example together (the "
            "square root of the sum of the squared per-tensor norms), and scale all of its tensors "
            "by the same factor."
        ),
    ),
    Mistake(
        "summed-norms",
        _summed_tensor_norms,
        N_(
            "Your example norm is the SUM of its per-tensor norms, ‖g₁‖ + ‖g₂‖ + …, which is "
            "larger than the norm of the whole gradient, so examples are clipped too hard. Square "
            "the entries of every tensor, add them all up, and take one square root: √(‖g₁‖² + "
            "‖g₂‖² + …)."
        ),
    ),
    Mistake(
        "clipped-after-sum",
        _clip_after_summing,
        N_(
            "You clipped the summed gradient. The privacy guarantee needs each EXAMPLE's influence "
            "bounded: clip every example's gradient first, then sum."
        ),
    ),
    Mistake(
        "always-rescaled",
        _always_rescaled,
        N_(
            "Every example was rescaled to norm C, including those already smaller. The factor is "
            "min(1, C / norm): small gradients stay as they are."
        ),
    ),
    Mistake(
        "squared-norm",
        _squared_norm,
        N_(
            "The clipping factor used the squared norm. Use the Euclidean norm, the square root of "
            "the sum of squares."
        ),
    ),
    Mistake(
        "mean",
        _mean_not_sum,
        N_(
            "You averaged over the examples. Opacus' clipped gradient is a SUM over the batch; it "
            "divides by the batch size only later, after adding the noise."
        ),
    ),
    Mistake(
        "not-clipped",
        _not_clipped,
        N_(
            "Nothing was clipped: this is the plain sum of the per-example gradients. Scale each "
            "example by min(1, C / norm)."
        ),
    ),
    Mistake(
        "clamped-elements",
        _clamped_elements,
        N_(
            "You clamped each number to [−C, C]. Clipping rescales an example's whole gradient "
            "vector to norm at most C, keeping its direction."
        ),
    ),
)


def compare_gradient_list(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Compare a list of per-parameter gradients with the expected list, naming the first wrong
    parameter."""
    if got is None:
        return returned_none()
    if (
        isinstance(got, torch.Tensor)
        or not isinstance(got, (list, tuple))
        or len(got) != len(expected)
    ):
        return Verdict(
            False,
            "structure",
            _(
                "Return a list with one summed gradient per parameter ({count} tensors, shapes "
                "{shapes}), in the order of grad_samples."
            ).format(count=len(expected), shapes=[tuple(e.shape) for e in expected]),
        )
    not_tensors = [i + 1 for i, g in enumerate(got) if not isinstance(g, torch.Tensor)]
    if not_tensors:
        return Verdict(
            False,
            "type",
            _(
                "Return torch tensors, as grad_samples are: parameter {number} came back as a "
                "{type}. The cells below subtract your result from Opacus' tensors."
            ).format(number=not_tensors[0], type=type(got[not_tensors[0]]).__name__),
        )
    names = tuple(
        _("parameter {number} of {count} (shape {shape})").format(
            number=i + 1, count=len(expected), shape=tuple(e.shape)
        )
        for i, e in enumerate(expected)
    )
    return compare_named(names)(
        list(got), list(expected), batch_size=batch_size, rtol=rtol, atol=atol
    )


def clip_cases() -> list[Case]:
    """Three sets of per-example float32 gradients: some above the clipping norm and some below,
    all above, and none."""
    return [
        Case(
            clip_case(((4, 3), (4,), (1, 4), (1,)), 6, 1.0, (0.2, 3.0), 0),
            N_("6 examples, norms 0.2 … 3, C = 1"),
            batch_size=6,
        ),
        Case(
            clip_case(((8, 5), (8,), (3, 8), (3,)), 10, 0.5, (0.6, 4.0), 1),
            N_("10 examples, every norm above C = 0.5"),
            batch_size=10,
        ),
        Case(
            clip_case(((2, 7), (2,)), 5, 5.0, (0.5, 2.0), 2),
            N_("5 examples, every norm below C = 5: nothing to clip"),
            batch_size=5,
        ),
    ]


def check_clip_and_sum(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.1: the clipped, summed gradient to float32 rounding (rtol 1e-5, atol 1e-6).
    `privacy.per_example_norms`, which the notebook uses later, is a partial helper and allowed;
    calling `privacy.clip_and_sum` is named as the answer key."""
    return catalogued_check(
        N_("Exercise 8.1 (clip per example, then sum)"),
        learner_fn,
        clip_and_sum,
        clip_cases(),
        mistakes=CLIP_MISTAKES,
        compare=compare_gradient_list,
        rtol=1e-5,
        atol=1e-6,
        strict=strict,
    )
