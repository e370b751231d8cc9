"""Platt scaling, the reliability bins, and the class-balanced sample."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression

from utils.ch06.calibration import balanced_sample, platt_fit, platt_scale, reliability_bins


def test_platt_fit_recovers_the_generating_slope_and_intercept():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 50_000)
    y = (rng.random(len(z)) < expit(0.5 * z - 1.0)).astype(int)
    a, b = platt_fit(z, y)
    assert a == pytest.approx(0.5, abs=0.03) and b == pytest.approx(-1.0, abs=0.05)


def test_platt_scale_agrees_with_an_unregularised_logistic_regression():
    rng = np.random.default_rng(1)
    z = rng.normal(0, 1.5, 2000)
    y = (rng.random(len(z)) < expit(2 * z + 0.5)).astype(int)
    new = np.linspace(-3, 3, 7)
    sklearn = (
        LogisticRegression(C=1e8, tol=1e-12, max_iter=10_000)
        .fit(z[:, None], y)
        .predict_proba(new[:, None])[:, 1]
    )
    np.testing.assert_allclose(platt_scale(z, y, new), sklearn, atol=1e-5)


def test_platt_fit_needs_both_classes():
    with pytest.raises(ValueError, match="both 0s and 1s"):
        platt_fit([0.1, 0.2], [1, 1])


def test_reliability_bins_match_scikit_learn_and_drop_empty_bins():
    rng = np.random.default_rng(2)
    p = rng.beta(1, 4, 3000)
    y = (rng.random(3000) < p).astype(int)
    mean_p, rate, count = reliability_bins(p, y, n_bins=10)
    observed, predicted = calibration_curve(y, p, n_bins=10)
    np.testing.assert_allclose(mean_p, predicted)
    np.testing.assert_allclose(rate, observed)
    assert count.sum() == 3000


def test_balanced_sample_keeps_every_positive_and_as_many_negatives():
    y = np.r_[np.ones(10), np.zeros(90)]
    rows = balanced_sample(y, seed=0)
    assert y[rows].sum() == 10 and len(rows) == 20 and np.all(np.diff(rows) > 0)
    with pytest.raises(ValueError, match="fewer negatives"):
        balanced_sample(np.ones(5))
