"""The transaction simulator, the time-ordered split, and the cost-minimising threshold."""

import numpy as np
import pytest

from utils.ch06.fraud import (
    FEATURES,
    cost_threshold,
    simulate_transactions,
    time_ordered_split,
    total_cost,
)


def test_simulated_transactions_have_the_stated_fraud_rate_and_overlapping_features():
    X, y = simulate_transactions(n=50_000, fraud_rate=0.01, seed=0)
    assert X.shape == (50_000, len(FEATURES))
    assert abs(y.mean() - 0.01) < 0.002
    assert np.all(X[y == 0].std(axis=0) > 0)  # every feature varies within the legitimate class
    assert X[y == 1, 0].mean() > X[y == 0, 0].mean()


def test_fraud_rate_is_checked():
    with pytest.raises(ValueError, match="fraud_rate"):
        simulate_transactions(n=10, fraud_rate=0.0)


def test_time_ordered_split_keeps_order_and_covers_every_row():
    train, val, test = time_ordered_split(10, (0.6, 0.2, 0.2))
    assert train.tolist() == list(range(6)) and val.tolist() == [6, 7] and test.tolist() == [8, 9]
    with pytest.raises(ValueError, match="add up to 1"):
        time_ordered_split(10, (0.5, 0.2, 0.2))


def test_total_cost_counts_false_alarms_and_missed_frauds():
    p = np.array([0.9, 0.6, 0.4, 0.1])
    y = np.array([1, 0, 1, 0])
    assert total_cost(p, y, 0.5, 5.0, 100.0) == 5.0 + 100.0
    assert total_cost(p, y, np.inf, 5.0, 100.0) == 200.0


def test_cost_threshold_matches_a_brute_force_search_including_ties():
    rng = np.random.default_rng(0)
    for costs in [(5.0, 200.0), (1.0, 1.0), (50.0, 10.0)]:
        y = (rng.random(400) < 0.05).astype(int)
        p = np.round(rng.beta(1 + 3 * y, 6), 2)
        candidates = np.r_[np.unique(p), np.inf]
        best = min(total_cost(p, y, t, *costs) for t in candidates)
        assert total_cost(p, y, cost_threshold(p, y, *costs), *costs) == best


def test_fraud_signals_weaken_over_the_period():
    """Fraudsters adapt: late frauds look more like legitimate use than early ones."""
    X, y = simulate_transactions(n=200_000, fraud_rate=0.01, seed=1)
    early, late = np.arange(len(y)) < 40_000, np.arange(len(y)) >= 160_000
    for column in (0, 2, 5):  # amount, distance from home, recent transactions
        gap_early = X[early & (y == 1), column].mean() - X[early & (y == 0), column].mean()
        gap_late = X[late & (y == 1), column].mean() - X[late & (y == 0), column].mean()
        assert 0 < gap_late < 0.75 * gap_early
