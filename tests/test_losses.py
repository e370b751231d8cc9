"""Each loss agrees with torch's, and each hand-derived gradient with torch.autograd."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils import losses

rng = np.random.default_rng(2)


def grad_of(fn, *arrays):
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    value = fn(*tensors)
    value.backward()
    return value.item(), tensors[0].grad.numpy()


def test_mse_and_its_gradient():
    y_hat, y = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    value, grad = grad_of(lambda a: F.mse_loss(a, torch.from_numpy(y)), y_hat)
    assert losses.mse(y_hat, y) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(losses.mse_gradient(y_hat, y), grad, rtol=1e-12)


def test_bce_on_probabilities_and_its_gradient():
    p, y = rng.uniform(0.05, 0.95, size=(1, 7)), rng.integers(0, 2, size=(1, 7)).astype(float)
    value, grad = grad_of(lambda a: F.binary_cross_entropy(a, torch.from_numpy(y)), p)
    assert losses.bce(p, y) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(losses.bce_gradient(p, y), grad, rtol=1e-12)


def test_bce_on_logits_and_its_gradient_even_for_huge_logits():
    z = np.array([[-800.0, -30.0, -1.0, 0.0, 2.0, 30.0, 800.0]])
    y = np.array([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]])
    value, grad = grad_of(lambda a: F.binary_cross_entropy_with_logits(a, torch.from_numpy(y)), z)
    assert losses.bce_with_logits(z, y) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(losses.bce_logit_gradient(z, y), grad, rtol=1e-12)


def test_categorical_cross_entropy_and_its_gradient_with_examples_in_columns():
    Z = rng.normal(0, 3, size=(4, 6))
    labels = rng.integers(0, 4, size=6)
    Y = np.eye(4)[:, labels]
    value, grad = grad_of(lambda a: F.cross_entropy(a.T, torch.from_numpy(labels)), Z)
    assert losses.categorical_cross_entropy(Z, Y) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(
        losses.categorical_cross_entropy_gradient(Z, Y), grad, rtol=1e-12, atol=1e-16
    )


def test_softmax_is_stable_and_sums_to_one_per_column():
    Z = np.array([[1000.0, -1000.0], [999.0, 0.0], [0.0, 1.0]])
    P = losses.softmax(Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(np.exp(losses.log_softmax(Z)), P, atol=1e-300)


def test_two_class_categorical_is_binary():
    z, y = rng.normal(size=(1, 5)), rng.integers(0, 2, size=(1, 5)).astype(float)
    Z, Y = np.vstack([z, np.zeros_like(z)]), np.vstack([y, 1 - y])
    assert losses.categorical_cross_entropy(Z, Y) == pytest.approx(
        losses.bce_with_logits(z, y), rel=1e-13
    )
