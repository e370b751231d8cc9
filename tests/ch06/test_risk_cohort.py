"""The simulated cohort: its risk is the stated logistic function, and outcomes follow it."""

import numpy as np
import pytest

from utils.ch06.risk_cohort import FEATURES, simulate_patients


def test_cohort_shapes_seed_and_event_rate():
    X, risk, y = simulate_patients(n=20_000, seed=0)
    X2, _, _ = simulate_patients(n=20_000, seed=0)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (20_000, len(FEATURES)) and risk.shape == y.shape == (20_000,)
    assert 0.05 < y.mean() < 0.12
    assert abs(y.mean() - risk.mean()) < 0.01  # the outcomes follow the true risk


def test_true_risk_rises_with_age_and_smoking():
    X, risk, _ = simulate_patients(n=20_000, seed=1)
    old, smoker = X[:, 0] > 65, X[:, 4] == 1
    assert risk[old].mean() > risk[~old].mean()
    assert risk[smoker].mean() > risk[~smoker].mean()


def test_cohort_size_is_checked():
    with pytest.raises(ValueError, match="at least 1"):
        simulate_patients(n=0)
