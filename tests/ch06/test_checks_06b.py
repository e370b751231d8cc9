"""Notebook 06b's checks: each catalogued wrong precision@k or cost threshold is named, several
right answers pass (some in place, one in float32), a stub is reported as not attempted, and the
fallback is the teaching reference."""

import numpy as np
import torch

from tests.checks.contract import (
    assert_named,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch06 import checks_06b
from utils.ch06.fraud import cost_threshold, total_cost
from utils.ch06.recommendation import precision_at_k

# ---------------------------------------------------------------- Exercise 6.3: precision@k


def precision_with_a_loop(scores, seen, relevant, k=10):
    shares = []
    for s, already, liked in zip(scores, seen, relevant):
        candidates = [i for i in np.argsort(-s) if not already[i]][:k]
        shares.append(sum(liked[i] for i in candidates) / k)
    return sum(shares) / len(shares)


def precision_with_torch_topk_in_place(scores, seen, relevant, k=10):
    """Overwrites the caller's scores in place (allowed, noted) and uses torch.topk."""
    scores[seen] = -np.inf
    top = torch.topk(torch.from_numpy(scores), k, dim=1).indices.numpy()
    return np.take_along_axis(relevant, top, axis=1).mean()


def precision_in_float32(scores, seen, relevant, k=10):
    """float32 throughout: its mean differs from the float64 one by about 3e-8, relatively."""
    s = torch.tensor(scores, dtype=torch.float32).masked_fill(torch.tensor(seen), float("-inf"))
    top = s.topk(k, 1).indices
    return torch.tensor(relevant).gather(1, top).float().mean().item()


def precision_masked_by_the_lowest_score(scores, seen, relevant, k=10):
    """Masks seen items with a number below every score rather than −inf: right too."""
    ranked = np.where(seen, scores.min() - 1.0, scores)
    top = np.argsort(-ranked, axis=1)[:, :k]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).sum(axis=1) / k))


test_right_precisions_pass = right_answers_pass(
    checks_06b.check_precision_at_k,
    [
        precision_at_k,
        precision_with_a_loop,
        precision_with_torch_topk_in_place,
        precision_in_float32,
        precision_masked_by_the_lowest_score,
    ],
)

PRECISION_CATALOGUE = [
    (f"{kind}: {message[:20]}", fn, kind, message.split(".")[0][:30])
    for kind, fn, message in checks_06b.PRECISION_MISTAKES
]
test_precision_check_names_the_catalogue = wrong_answers_named(
    checks_06b.check_precision_at_k, PRECISION_CATALOGUE
)


def masked_by_zero(scores, seen, relevant, k=10):
    ranked = np.where(seen, 0.0, scores)
    top = np.argsort(-ranked, axis=1)[:, :k]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).sum(axis=1) / k))


def one_short(scores, seen, relevant, k=10):
    top = np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, : k - 1]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).sum(axis=1) / k))


def best_item_skipped(scores, seen, relevant, k=10):
    top = np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, 1:k]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).sum(axis=1) / k))


def precision_at_k_minus_one(scores, seen, relevant, k=10):
    top = np.argsort(-np.where(seen, -np.inf, scores), axis=1)[:, : k - 1]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).mean(axis=1)))


test_precision_check_names_learners_slips = wrong_answers_named(
    checks_06b.check_precision_at_k,
    [
        ("seen masked by 0", masked_by_zero, "seen masked by 0", "Use -np.inf"),
        ("top k-1, divided by k", one_short, "top k−1", "[:, :k-1]"),
        ("best item skipped", best_item_skipped, "top k−1", "[:, 1:k]"),
        ("precision@(k-1)", precision_at_k_minus_one, "top k−1", "precision@(k−1)"),
    ],
)


def test_masking_by_zero_is_caught_by_the_negative_scores():
    """Masking with 0 is right whenever enough unseen scores are positive; the case of all-negative
    scores (log-probabilities) is the one that tells it apart (issue 18)."""
    result = checks_06b.check_precision_at_k(masked_by_zero, strict=False)
    assert "log-probabilities" in result.message, result.message


def test_precision_check_fails_one_wrong_item():
    """The tolerance (rtol 1e-6) still catches the smallest wrong answer: one item swapped in one
    user's top k."""

    def one_item_off(scores, seen, relevant, k):
        ranked = np.where(seen, -np.inf, scores)
        top = np.argsort(-ranked, axis=1)[:, :k]
        hits = np.take_along_axis(relevant, top, axis=1).sum(axis=1).astype(float)
        hits[0] += 1 if hits[0] < k else -1
        return float(np.mean(hits / k))

    result = checks_06b.check_precision_at_k(one_item_off, strict=False)
    assert result.status == "failed" and result.verdict.kind == "values", result.message


test_precision_stub_is_not_attempted = not_attempted(checks_06b.check_precision_at_k)


def test_precision_none_is_named():
    assert_named(checks_06b.check_precision_at_k(lambda *a: None, strict=False), "none", "return")


# ---------------------------------------------------------------- Exercise 6.4: threshold by cost


def threshold_by_brute_force(p, y, cost_false_alarm, cost_missed_fraud):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [
        np.sum((p >= t) & (y == 0)) * cost_false_alarm
        + np.sum((p < t) & (y == 1)) * cost_missed_fraud
        for t in candidates
    ]
    # the HIGHEST threshold of equal cost, unlike the reference
    return candidates[int(np.argmin(costs))]


def threshold_midway(p, y, cost_false_alarm, cost_missed_fraud):
    """A threshold between two scores (any value in that gap flags the same rows), sorting p in
    place."""
    best = threshold_by_brute_force(p, y, cost_false_alarm, cost_missed_fraud)
    p.sort()
    below = p[p < best]
    return (best + below.max()) / 2 if below.size and np.isfinite(best) else best


def threshold_by_sorting(p, y, cost_false_alarm, cost_missed_fraud):
    """Sort once, then cumulative counts of false alarms and catches (the notebook's solution)."""
    order = np.argsort(-np.asarray(p, float), kind="stable")
    p_sorted, fraud = np.asarray(p, float)[order], np.asarray(y)[order].astype(bool)
    last = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    costs = np.r_[
        fraud.sum() * cost_missed_fraud,
        np.cumsum(~fraud)[last] * cost_false_alarm
        + (fraud.sum() - np.cumsum(fraud)[last]) * cost_missed_fraud,
    ]
    return float(np.r_[np.inf, p_sorted[last]][np.argmin(costs)])


test_right_thresholds_pass = right_answers_pass(
    checks_06b.check_cost_threshold,
    [cost_threshold, threshold_by_brute_force, threshold_midway, threshold_by_sorting],
)


def threshold_strictly_above(p, y, cfa, cmf):
    candidates = np.r_[-np.inf, np.unique(p)]
    costs = [
        np.sum((p > t) & (y == 0)) * cfa + np.sum((p <= t) & (y == 1)) * cmf for t in candidates
    ]
    return candidates[int(np.argmin(costs))]


def threshold_among_scores_only(p, y, cfa, cmf):
    """Forgets the candidate np.inf, so it can never flag nothing."""
    candidates = np.unique(p)
    costs = [
        np.sum((p >= t) & (y == 0)) * cfa + np.sum((p < t) & (y == 1)) * cmf for t in candidates
    ]
    return candidates[int(np.argmin(costs))]


def missed_term_dropped(p, y, cfa, cmf):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [np.sum((p >= t) & (y == 0)) * cfa for t in candidates]
    return candidates[int(np.argmin(costs))]


def missed_term_dropped_last_tie(p, y, cfa, cmf):
    """The same slip, keeping the highest of the tied thresholds (here np.inf: flag nothing)."""
    candidates = np.r_[np.unique(p), np.inf]
    costs = np.array([np.sum((p >= t) & (y == 0)) * cfa for t in candidates])
    return candidates[np.flatnonzero(costs == costs.min())[-1]]


def alarm_term_dropped(p, y, cfa, cmf):
    candidates = np.r_[np.unique(p), np.inf]
    costs = [np.sum((p < t) & (y == 1)) * cmf for t in candidates]
    return candidates[int(np.argmin(costs))]


COST_CATALOGUE = [
    ("np.inf missing", threshold_among_scores_only, "flag nothing", "np.inf"),
    (
        "missed-fraud term dropped",
        missed_term_dropped,
        "missed-fraud term missing",
        "cost_missed_fraud term is missing",
    ),
    (
        "missed-fraud term dropped, last tie",
        missed_term_dropped_last_tie,
        "missed-fraud term missing",
        "cost_missed_fraud term is missing",
    ),
    (
        "false-alarm term dropped",
        alarm_term_dropped,
        "false-alarm term missing",
        "cost_false_alarm term is missing",
    ),
    ("swapped costs", lambda p, y, a, m: cost_threshold(p, y, m, a), "swapped costs", "swapped"),
    (
        "accuracy",
        lambda p, y, a, m: cost_threshold(p, y, 1.0, 1.0),
        "accuracy",
        "NUMBER of mistakes",
    ),
    ("default 0.5", lambda p, y, a, m: 0.5, "default 0.5", "default threshold"),
    ("p > t rule", threshold_strictly_above, "rule", "p ≥ threshold"),
    (
        "cost returned",
        lambda p, y, a, m: total_cost(p, y, cost_threshold(p, y, a, m), a, m),
        "cost returned",
        "lowest cost",
    ),
    ("an array", lambda p, y, a, m: np.array([0.1, 0.2]), "type", "one number"),
    ("nothing returned", lambda p, y, a, m: None, "none", "return"),
]
test_cost_threshold_check_names_the_mistake = wrong_answers_named(
    checks_06b.check_cost_threshold, COST_CATALOGUE
)


def test_cost_threshold_cases_include_one_where_flagging_nothing_is_cheapest():
    thresholds = []

    def recording(p, y, a, m):
        thresholds.append(threshold_by_brute_force(p, y, a, m))
        return thresholds[-1]

    assert checks_06b.check_cost_threshold(recording, strict=False).passed
    assert np.isinf(thresholds[-1]) and np.isfinite(thresholds[:-1]).all()


def test_cost_threshold_passes_with_no_tolerance_quoted():
    """A threshold is judged by the cost it achieves, exactly: the ✓ line quotes no rtol."""
    result = checks_06b.check_cost_threshold(threshold_by_brute_force, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


test_cost_threshold_stub_is_not_attempted = not_attempted(checks_06b.check_cost_threshold)


def test_cost_threshold_falls_back_to_the_reference():
    assert checks_06b.check_cost_threshold(stub, strict=False).reference is cost_threshold


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    result = checks_06b.check_cost_threshold(lambda p, y, alarm, missed: 0.5, strict=False)
    assert result.message.startswith("✗ 练习 6.4（按代价选择阈值）"), result.message
    assert result.verdict.kind == "default 0.5"
    assert "0.5 是默认阈值" in result.message and "（你的代价是" in result.message
