"""Fraud detection with heavy class imbalance: a small simulator of card transactions with a stated
fraud rate, and the threshold that minimises the cost of mistakes when a missed fraud costs more
than a false alarm."""

from __future__ import annotations

import numpy as np

FEATURES = (
    "log amount",
    "night (0/1)",
    "log km from home",
    "new device (0/1)",
    "foreign (0/1)",
    "transactions in last hour",
    "merchant risk",
)


def simulate_transactions(
    n: int = 100_000, fraud_rate: float = 0.004, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """X (n × 7, columns `FEATURES`) and y (1 = fraud), in time order. The label is drawn first, at
    `fraud_rate`; each feature then comes from a distribution that differs between the classes but
    overlaps, so no single feature gives fraud away. Fraudsters adapt: every signal of fraud
    weakens over the period, to half its strength at the end."""
    if not 0 < fraud_rate < 0.5:
        raise ValueError(f"fraud_rate must lie between 0 and 0.5, got {fraud_rate}")
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < fraud_rate).astype(np.int64)
    f = y == 1
    t = np.linspace(0.0, 1.0, n)  # time, as a fraction of the period
    signal = 1.0 - 0.5 * t  # how far fraud stands out from legitimate use: 1, falling to ½
    log_amount = np.where(f, rng.normal(3.4 + 0.8 * signal, 1.1), rng.normal(3.4, 1.0, n))
    night = rng.random(n) < np.where(f, 0.15 + 0.30 * signal, 0.15)
    log_km = np.where(f, rng.normal(1.5 + 1.5 * signal, 1.6), rng.normal(1.5, 1.2, n))
    new_device = rng.random(n) < np.where(f, 0.04 + 0.31 * signal, 0.04)
    foreign = rng.random(n) < np.where(f, 0.05 + 0.25 * signal, 0.05)
    recent = rng.poisson(np.where(f, 0.6 + 1.4 * signal, 0.6))
    merchant = np.where(f, rng.beta(3, 4, n), rng.beta(2, 6, n))
    X = np.column_stack([log_amount, night, log_km, new_device, foreign, recent, merchant])
    return X.astype(np.float64), y


def time_ordered_split(
    n: int, fractions=(0.6, 0.2, 0.2)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices (train, validation, test) in time order: the model never trains on the future it
    is tested on."""
    if not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"the fractions must add up to 1, got {fractions}")
    cuts = np.cumsum(np.asarray(fractions[:2]) * n).astype(int)
    rows = np.arange(n)
    return rows[: cuts[0]], rows[cuts[0] : cuts[1]], rows[cuts[1] :]


def total_cost(p, y, threshold: float, cost_false_alarm: float, cost_missed_fraud: float) -> float:
    """Cost of flagging exactly the rows with p ≥ threshold: false alarms × their cost + missed
    frauds × theirs."""
    p, y = np.asarray(p, dtype=np.float64).ravel(), np.asarray(y).ravel().astype(bool)
    flagged = p >= threshold
    return float(np.sum(flagged & ~y) * cost_false_alarm + np.sum(~flagged & y) * cost_missed_fraud)


def cost_threshold(p, y, cost_false_alarm: float, cost_missed_fraud: float) -> float:
    """The threshold (flag p ≥ threshold) with the lowest total cost on (p, y); candidates are every
    distinct score and +inf (flag nothing). The lowest such threshold wins a tie."""
    p, y = np.asarray(p, dtype=np.float64).ravel(), np.asarray(y).ravel().astype(bool)
    order = np.argsort(-p, kind="stable")
    p_sorted, y_sorted = p[order], y[order]
    last_of_value = np.r_[
        p_sorted[1:] != p_sorted[:-1], True
    ]  # flagging every row down to a value boundary
    false_alarms = np.cumsum(~y_sorted)[last_of_value]
    caught = np.cumsum(y_sorted)[last_of_value]
    costs = np.r_[
        y.sum() * cost_missed_fraud,
        false_alarms * cost_false_alarm + (y.sum() - caught) * cost_missed_fraud,
    ]
    thresholds = np.r_[np.inf, p_sorted[last_of_value]]
    best = np.flatnonzero(costs == costs.min())[-1]  # the lowest threshold among equal costs
    return float(thresholds[best])
