"""Answer check for notebook 8c: a saliency map as the input gradient (Exercise 8.2). The expected
answer carries the catalogued wrong answers computed on the same inputs, so a wrong answer that
matches one is named in words. A function that calls Captum's `Saliency` is named too: the notebook
compares the learner's map with Captum's next, and that comparison must not be Captum against
itself."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from utils.ch08.attribution import input_gradient
from utils.checks.diagnose import Verdict, compare_arrays
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _
from utils.models import digits_cnn


def saliency_case(kind: str, n: int, seed: int):
    """(model, X, target) for a seeded small model: "cnn" (digits CNN on n × 1 × 8 × 8) or "mlp" (10
    classes)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    if kind == "cnn":
        model, X = digits_cnn(width=4), torch.rand(n, 1, 8, 8, generator=generator)
    else:
        model = torch.nn.Sequential(
            torch.nn.Linear(12, 16), torch.nn.Tanh(), torch.nn.Linear(16, 10)
        )
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


def _of_loss(model, X, target, reduction="sum"):
    X = X.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(X), target, reduction=reduction), X)
    return g.abs()


def _of_mean_loss(model, X, target):
    """The loss as training computes it, averaged over the batch (F.cross_entropy's default)."""
    return _of_loss(model, X, target, reduction="mean")


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
    Mistake(
        "signed",
        _signed,
        N_(
            "These are the signed gradients. Captum's Saliency (abs=True, its default) returns "
            "their absolute value: how strongly each input moves the output, whichever the "
            "direction."
        ),
    ),
    Mistake(
        "probability",
        _of_probability,
        N_(
            "You differentiated the softmax probability. Saliency differentiates the model's "
            "output as it is, the target's LOGIT (model(X)[i, target[i]])."
        ),
    ),
    Mistake(
        "loss",
        _of_loss,
        N_(
            "You differentiated the cross-entropy loss. Saliency differentiates the target's "
            "logit, not a loss."
        ),
    ),
    Mistake(
        "loss",
        _of_mean_loss,
        N_(
            "You differentiated the cross-entropy loss (averaged over the batch, as in training). "
            "Saliency differentiates the target's logit, not a loss: "
            "model(X)[torch.arange(n), target]."
        ),
    ),
    Mistake(
        "all-logits",
        _all_logits,
        N_(
            "You differentiated the sum of all logits. Select each example's target logit first: "
            "model(X)[torch.arange(n), target]."
        ),
    ),
    Mistake(
        "predicted-class",
        _predicted_class,
        N_("You explained the predicted class (argmax). Explain the class given in `target`."),
    ),
    Mistake(
        "batch-mean",
        _mean_over_batch,
        N_(
            "You averaged the selected logits over the batch before backward(), so every map is n× "
            "too small. Sum them: the examples do not interact, so the gradient of the sum gives "
            "each example its own gradient."
        ),
    ),
)


def _saliency_tensor(got, expected, **options) -> Verdict:
    """A torch tensor (the Captum comparison below subtracts tensors), then compared as arrays."""
    if got is not None and not isinstance(got, torch.Tensor):
        return Verdict(
            False,
            "type",
            _(
                "Return a torch tensor shaped like X; yours is a {type}. Keep the result in torch "
                "(no .numpy()): the cell below compares it with Captum's tensor."
            ).format(type=type(got).__name__),
        )
    return compare_arrays(got, expected, **options)


def saliency_cases() -> list[Case]:
    """A small digits CNN and a small MLP, each with one target class per example."""
    return [
        Case(
            saliency_case("cnn", 5, 0), N_("a digits CNN, 5 images (5 × 1 × 8 × 8)"), batch_size=5
        ),
        Case(
            saliency_case("mlp", 7, 1),
            N_("an MLP with 10 classes, 7 rows of 12 features"),
            batch_size=7,
        ),
        Case(saliency_case("cnn", 3, 2), N_("another CNN, 3 images"), batch_size=3),
    ]


def check_saliency(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 8.2: |∂ logit[target] / ∂X| to float32 rounding (rtol 1e-4, atol 1e-6). Calling
    `attribution.input_gradient`, or Captum's Saliency (which the cell below compares the map
    with), is named as an answer key."""
    from captum.attr import Saliency  # imported here: only this check needs it

    return catalogued_check(
        N_("Exercise 8.2 (saliency as the input gradient)"),
        learner_fn,
        input_gradient,
        saliency_cases(),
        mistakes=SALIENCY_MISTAKES,
        compare=_saliency_tensor,
        rtol=1e-4,
        atol=1e-6,
        strict=strict,
        answer_keys=(Saliency,),
    )
