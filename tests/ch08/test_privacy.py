"""Per-example clipping against a plain loop and against Opacus, its argument errors, and DP-SGD's
ε."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F

from utils.models import guide_mlp
from utils.ch08.privacy import (
    clip_and_sum,
    make_private,
    per_example_norms,
    train_private,
    train_sgd,
)


def loop_clip_and_sum(grad_samples, max_norm):
    total = [torch.zeros_like(g[0]) for g in grad_samples]
    for i in range(len(grad_samples[0])):
        norm = math.sqrt(sum(float((g[i] ** 2).sum()) for g in grad_samples))
        factor = min(1.0, max_norm / (norm + 1e-6))
        for t, g in zip(total, grad_samples):
            t += factor * g[i]
    return total


def test_clip_and_sum_matches_a_loop_and_bounds_each_example():
    generator = torch.Generator().manual_seed(0)
    grads = [
        torch.randn(9, 4, 3, generator=generator, dtype=torch.float64),
        torch.randn(9, 4, generator=generator, dtype=torch.float64),
    ]
    for c in (0.1, 1.0, 100.0):
        ours, loop = clip_and_sum(grads, c), loop_clip_and_sum(grads, c)
        assert all(torch.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(ours, loop))
    assert per_example_norms(grads).shape == (9,)
    clipped_one = clip_and_sum([g[:1] for g in grads], 0.5)
    assert float(torch.sqrt(sum((t**2).sum() for t in clipped_one))) <= 0.5 + 1e-9


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "1"])
def test_a_bad_clipping_norm_is_refused(bad):
    with pytest.raises(ValueError, match="clipping norm"):
        clip_and_sum([torch.ones(2, 3)], bad)


def test_mismatched_batches_are_refused():
    with pytest.raises(ValueError, match="same batch size"):
        per_example_norms([torch.ones(2, 3), torch.ones(3, 3)])
    with pytest.raises(ValueError, match="empty"):
        per_example_norms([])


def _data(n=96, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 30, generator=generator)
    y = (X[:, :1] > 0).float()
    return X, y


def test_clip_and_sum_matches_opacus():
    X, y = _data()
    torch.manual_seed(0)
    _, model, optimizer, _ = make_private(
        guide_mlp(30), X, y, noise_multiplier=1.0, max_grad_norm=0.7, batch_size=16, lr=0.1
    )
    optimizer.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Opacus' backward-hook notice
        F.binary_cross_entropy_with_logits(model(X[:12]), y[:12]).backward()
    grads = [p.grad_sample for p in optimizer.params]
    optimizer.clip_and_accumulate()
    ours = clip_and_sum(grads, 0.7)
    assert all(
        torch.allclose(a, p.summed_grad, rtol=1e-5, atol=1e-6)
        for a, p in zip(ours, optimizer.params)
    )


def test_train_private_spends_less_epsilon_with_more_noise_and_still_learns():
    X, y = _data(200)
    epsilons = []
    for sigma in (0.8, 3.0):
        torch.manual_seed(0)
        model, epsilon = train_private(
            guide_mlp(30),
            X,
            y,
            noise_multiplier=sigma,
            max_grad_norm=1.0,
            epochs=3,
            batch_size=32,
            lr=0.5,
            seed=0,
        )
        epsilons.append(epsilon)
    assert math.isfinite(epsilons[0]) and epsilons[0] > epsilons[1] > 0
    _, no_noise = train_private(
        guide_mlp(30),
        X,
        y,
        noise_multiplier=0.0,
        max_grad_norm=1.0,
        epochs=1,
        batch_size=32,
        lr=0.5,
    )
    assert no_noise == math.inf
    torch.manual_seed(0)
    trained = train_sgd(guide_mlp(30), X, y, epochs=5, batch_size=32, lr=0.5)
    with torch.no_grad():
        assert ((trained(X) > 0).float() == y).float().mean() > 0.9
    with pytest.raises(ValueError, match="δ"):
        train_private(
            guide_mlp(30),
            X,
            y,
            noise_multiplier=1.0,
            max_grad_norm=1.0,
            epochs=1,
            batch_size=32,
            lr=0.5,
            delta=0,
        )
    with pytest.raises(ValueError, match="clipping norm"):
        train_private(
            guide_mlp(30),
            X,
            y,
            noise_multiplier=1.0,
            max_grad_norm=0.0,
            epochs=1,
            batch_size=32,
            lr=0.5,
        )
