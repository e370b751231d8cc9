"""Per-example clipping against a plain loop and against Opacus, its argument errors, what Opacus
used in a DP-SGD run (sampling rate, steps, expected batch), ε by its two accountants, and the
feature scaling by fixed ranges."""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.ch08.privacy import (
    CANCER_UPPER_BOUNDS,
    PrivateRun,
    clip_and_sum,
    epsilon,
    make_private,
    per_example_norms,
    scale_to_fixed_ranges,
    train_private,
    train_sgd,
)
from utils.data import breast_cancer_arrays
from utils.models import guide_mlp


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


def _private(X, y, sigma, *, batch_size=32, epochs=3, max_grad_norm=1.0):
    torch.manual_seed(0)
    return train_private(
        guide_mlp(30),
        X,
        y,
        noise_multiplier=sigma,
        max_grad_norm=max_grad_norm,
        epochs=epochs,
        batch_size=batch_size,
        lr=0.5,
        seed=0,
    )


def test_train_private_reports_what_opacus_used():
    X, y = _data(200)
    _, run = _private(X, y, 1.0, batch_size=32)  # 200 rows in batches of 32: 7 batches an epoch
    assert run == PrivateRun(1.0, 1 / 7, 3 * 7, 28)  # q = 1/7, not 32/200; batch int(200/7)
    _, exact = _private(X, y, 1.0, batch_size=40)  # 40 divides 200: q = B/n and batch B
    assert (exact.sample_rate, exact.steps, exact.expected_batch_size) == (40 / 200, 15, 40)


def test_more_noise_spends_less_epsilon_and_prv_is_below_rdp():
    X, y = _data(200)
    runs = [_private(X, y, sigma)[1] for sigma in (0.8, 3.0)]
    prv = [epsilon(run, 1e-5) for run in runs]
    rdp = [epsilon(run, 1e-5, accountant="rdp") for run in runs]
    assert math.isfinite(prv[0]) and prv[0] > prv[1] > 0 and rdp[0] > rdp[1] > 0
    assert all(p < r for p, r in zip(prv, rdp))  # PRV is the tighter account
    assert epsilon(PrivateRun(0.0, 0.1, 10, 20), 1e-5) == math.inf


def test_epsilon_refuses_bad_arguments():
    run = PrivateRun(1.0, 0.1, 10, 20)
    with pytest.raises(ValueError, match="δ"):
        epsilon(run, 0)
    with pytest.raises(ValueError, match="accountant"):
        epsilon(run, 1e-5, accountant="gdp")
    X, y = _data(64)
    with pytest.raises(ValueError, match="clipping norm"):
        _private(X, y, 1.0, max_grad_norm=0.0)


def test_the_non_private_baseline_learns():
    X, y = _data(200)
    torch.manual_seed(0)
    trained = train_sgd(guide_mlp(30), X, y, epochs=5, batch_size=32, lr=0.5)
    with torch.no_grad():
        assert ((trained(X) > 0).float() == y).float().mean() > 0.9


def test_the_fixed_ranges_are_powers_of_ten_above_every_record():
    X, _, _ = breast_cancer_arrays()
    exponents = np.log10(CANCER_UPPER_BOUNDS)
    assert CANCER_UPPER_BOUNDS.shape == (30,) and np.allclose(exponents, np.round(exponents))
    assert (X >= 0).all() and (X <= CANCER_UPPER_BOUNDS).all()
    assert (X > CANCER_UPPER_BOUNDS / 10).any(axis=0).all()  # no bound is a decade too high
    Z = scale_to_fixed_ranges(X)
    assert Z.min() >= 0 and Z.max() <= 1
    assert np.array_equal(scale_to_fixed_ranges(X[:5]), Z[:5])  # no statistic of the rows


def test_scaling_clips_and_refuses_bad_shapes():
    assert np.array_equal(
        scale_to_fixed_ranges([[-1.0, 5.0, 30.0]], [10.0, 10.0, 10.0]), [[0, 0.5, 1]]
    )
    with pytest.raises(ValueError, match="columns"):
        scale_to_fixed_ranges(np.ones((2, 3)))
    with pytest.raises(ValueError, match="greater than 0"):
        scale_to_fixed_ranges(np.ones((2, 2)), [1.0, 0.0])
