"""Attribution: which inputs a prediction depends on. The input gradient (saliency) written out, the
completeness gap of Integrated Gradients, two tests of a map (its rank similarity to another map,
and the deletion curve), and permutation importance for a torch classifier through
scikit-learn."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _targets(logits: torch.Tensor, target) -> torch.Tensor:
    """The logit each example is explained for: column `target` (an int or one index per
    example)."""
    if logits.ndim != 2:
        raise ValueError(
            f"The model should return logits of shape (n × classes); got {tuple(logits.shape)}."
        )
    n, classes = logits.shape
    index = (
        torch.as_tensor(target if target is not None else 0, device=logits.device)
        .long()
        .reshape(-1)
    )
    if index.numel() == 1:
        index = index.expand(n)
    if index.numel() != n:
        raise ValueError(
            f"Give one target per example ({n}) or a single int; got {index.numel()} targets."
        )
    if index.min() < 0 or index.max() >= classes:
        raise ValueError(
            f"Targets must lie in 0 … {classes - 1}; got values from {int(index.min())} to "
            f"{int(index.max())}."
        )
    return logits.gather(1, index[:, None]).squeeze(1)


def input_gradient(
    model: nn.Module, X: torch.Tensor, target=None, *, absolute: bool = True
) -> torch.Tensor:
    """Saliency: ∂(logit of `target`)/∂X for every example, same shape as X; its absolute value by
    default, as Captum's `Saliency` returns. Examples do not interact, so one backward pass serves
    the whole batch."""
    X = X.detach().clone().requires_grad_(True)
    selected = _targets(model(X), target)
    (gradient,) = torch.autograd.grad(selected.sum(), X)
    return gradient.abs() if absolute else gradient


@torch.no_grad()
def completeness_gap(
    attributions: torch.Tensor,
    model: nn.Module,
    X: torch.Tensor,
    baseline: torch.Tensor,
    target=None,
) -> torch.Tensor:
    """Per example, Σ attributions − (f(x) − f(baseline)) for the target logit f: zero for exact
    Integrated Gradients, whatever the model."""
    difference = _targets(model(X), target) - _targets(model(baseline), target)
    return attributions.reshape(len(X), -1).sum(dim=1) - difference


def rank_similarity(maps_a, maps_b) -> np.ndarray:
    """Per example, Spearman's rank correlation between two maps (tensors or arrays, first axis the
    examples), flattened."""
    from scipy.stats import spearmanr

    a, b = (
        np.asarray(m.detach().cpu() if isinstance(m, torch.Tensor) else m, dtype=np.float64)
        for m in (maps_a, maps_b)
    )
    if a.shape != b.shape:
        raise ValueError(f"The maps must have the same shape; got {a.shape} and {b.shape}.")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.array([spearmanr(x, y).statistic for x, y in zip(a, b)])


@torch.no_grad()
def deletion_curve(
    model: nn.Module, X: torch.Tensor, target, scores: torch.Tensor, fractions, baseline=0.0
) -> torch.Tensor:
    """Per example (rows) and fraction (columns): the softmax probability of `target` after the
    highest-scoring `fraction` of X's inputs are set to `baseline`. A map that finds what the model
    uses makes the probability fall fast (Petsiuk et al., 2018)."""
    if scores.shape != X.shape:
        raise ValueError(f"scores must have X's shape {tuple(X.shape)}; got {tuple(scores.shape)}.")
    n = len(X)
    flat = X.detach().reshape(n, -1)
    order = torch.argsort(scores.detach().reshape(n, -1), dim=1, descending=True, stable=True)
    probabilities = []
    for fraction in fractions:
        if not 0 <= fraction <= 1:
            raise ValueError(f"Each fraction must lie in [0, 1]; got {fraction}.")
        hidden = flat.clone()
        k = round(fraction * flat.shape[1])
        hidden.scatter_(1, order[:, :k], baseline)
        logits = model(hidden.reshape(X.shape))
        probabilities.append(torch.softmax(logits, dim=1).gather(1, _index(logits, target)))
    return torch.cat(probabilities, dim=1).cpu()


def _index(logits: torch.Tensor, target) -> torch.Tensor:
    """The target column for each row, as an (n × 1) index for `gather`."""
    index = torch.as_tensor(target, device=logits.device).long().reshape(-1, 1)
    return index.expand(len(logits), 1) if index.numel() == 1 else index


class TorchBinaryClassifier:
    """A trained binary torch model (returning one logit per row) seen by scikit-learn:
    predict_proba and predict on NumPy arrays. `fit` does nothing: the model is already trained."""

    def __init__(self, model: nn.Module):
        self.model = model

    def fit(self, X, y):
        return self

    @torch.no_grad()
    def predict_proba(self, X) -> np.ndarray:
        """P(class 1) for each row, as a NumPy vector."""
        parameter = next(self.model.parameters())
        logits = self.model(
            torch.as_tensor(np.asarray(X), dtype=parameter.dtype, device=parameter.device)
        )
        return torch.sigmoid(logits.float()).reshape(-1).cpu().numpy()

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) > 0.5).astype(np.float64)


def permutation_importance_torch(
    model: nn.Module, X, y, *, metric: str = "roc_auc", n_repeats: int = 10, seed: int = 0
):
    """scikit-learn's permutation importance for a binary torch model: the drop in `metric`
    ("roc_auc" or "accuracy") when one column of X is shuffled, `n_repeats` times per column."""
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import accuracy_score, roc_auc_score

    scorers = {
        "roc_auc": lambda estimator, X, y: roc_auc_score(y, estimator.predict_proba(X)),
        "accuracy": lambda estimator, X, y: accuracy_score(y, estimator.predict(X)),
    }
    if metric not in scorers:
        raise ValueError(f"metric must be one of {sorted(scorers)}; got {metric!r}.")
    return permutation_importance(
        TorchBinaryClassifier(model),
        np.asarray(X),
        np.asarray(y),
        scoring=scorers[metric],
        n_repeats=n_repeats,
        random_state=seed,
    )
