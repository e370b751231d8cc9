"""Attribution helpers: the input gradient against autograd and Captum, target errors, Integrated
Gradients' completeness on a model where it is exact, permutation importance through scikit-learn,
the rank similarity of two maps, and the deletion curve on a model whose answer is known."""

import numpy as np
import pytest
import torch

from utils.ch08.attribution import (
    TorchBinaryClassifier,
    completeness_gap,
    deletion_curve,
    input_gradient,
    permutation_importance_torch,
    rank_similarity,
)
from utils.models import guide_mlp


def test_input_gradient_is_per_example_and_matches_captum():
    from captum.attr import Saliency

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 4))
    X, target = torch.randn(6, 5), torch.tensor([0, 1, 2, 3, 0, 1])
    ours = input_gradient(model, X, target, absolute=False)
    for i in range(6):
        x = X[i : i + 1].clone().requires_grad_(True)
        model(x)[0, target[i]].backward()
        assert torch.allclose(ours[i], x.grad[0], atol=1e-7)
    captum = Saliency(model).attribute(X.clone().requires_grad_(True), target=target)
    assert torch.allclose(input_gradient(model, X, target), captum)
    assert torch.equal(input_gradient(model, X, 2), input_gradient(model, X, torch.full((6,), 2)))


@pytest.mark.parametrize(
    "target, phrase", [(torch.tensor([0, 1]), "one target per example"), (9, "0 … 3")]
)
def test_bad_targets_are_refused(target, phrase):
    model = torch.nn.Linear(5, 4)
    with pytest.raises(ValueError, match=phrase):
        input_gradient(model, torch.randn(3, 5), target)


def test_integrated_gradients_are_complete_on_a_linear_model():
    from captum.attr import IntegratedGradients

    torch.manual_seed(0)
    model = torch.nn.Linear(8, 3)
    X, baseline, target = torch.randn(4, 8), torch.zeros(4, 8), torch.tensor([0, 2, 1, 1])
    attributions = IntegratedGradients(model).attribute(
        X, baselines=baseline, target=target, n_steps=4
    )
    assert completeness_gap(attributions, model, X, baseline, target).abs().max() < 1e-5
    assert completeness_gap(attributions * 2, model, X, baseline, target).abs().max() > 1e-2


def test_permutation_importance_finds_the_one_feature_that_matters():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(200, 30, generator=generator).numpy()
    y = (X[:, 3] > 0).astype(float)
    model = torch.nn.Linear(30, 1)
    with torch.no_grad():
        model.weight.zero_()
        model.weight[0, 3] = 5.0
        model.bias.zero_()
    result = permutation_importance_torch(model, X, y, metric="accuracy", n_repeats=3, seed=0)
    assert int(np.argmax(result.importances_mean)) == 3 and result.importances_mean.shape == (30,)
    assert np.allclose(np.delete(result.importances_mean, 3), 0.0)
    with pytest.raises(ValueError, match="metric"):
        permutation_importance_torch(model, X, y, metric="f1")


def test_torch_binary_classifier():
    model = guide_mlp(4)
    wrapped = TorchBinaryClassifier(model).fit(None, None)
    X = np.random.default_rng(0).normal(size=(5, 4))
    p = wrapped.predict_proba(X)
    assert p.shape == (5,) and np.all((0 < p) & (p < 1))
    assert np.array_equal(wrapped.predict(X), (p > 0.5).astype(float))


def test_rank_similarity_is_spearman_per_example():
    a = torch.tensor([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
    b = torch.tensor([[10.0, 20.0, 30.0, 40.0], [1.0, 2.0, 3.0, 4.0]])
    assert np.allclose(rank_similarity(a, b), [1.0, -1.0])
    with pytest.raises(ValueError, match="same shape"):
        rank_similarity(a, b[:1])


def test_deletion_curve_hides_the_top_scored_inputs_first():
    model = torch.nn.Linear(4, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[3.0, 2.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]))
    X = torch.ones(1, 4)
    right = deletion_curve(model, X, 0, model.weight[:1].detach(), [0, 0.25, 0.5, 1])
    wrong = deletion_curve(model, X, 0, -model.weight[:1].detach(), [0, 0.25, 0.5, 1])
    logits = torch.tensor([[6.0, 3.0, 1.0, 0.0]])  # class 0's logit after 0, 1, 2, 4 deletions
    assert torch.allclose(right, torch.sigmoid(logits), atol=1e-6)
    assert right[0, 0] == wrong[0, 0] and (right[0, 1:3] < wrong[0, 1:3]).all()
    assert torch.allclose(right[0, -1], torch.tensor(0.5))
    with pytest.raises(ValueError, match="shape"):
        deletion_curve(model, X, 0, torch.ones(2, 4), [0.5])
    with pytest.raises(ValueError, match="fraction"):
        deletion_curve(model, X, 0, torch.ones(1, 4), [1.5])
