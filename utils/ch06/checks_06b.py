"""Answer checks for notebook 06b: precision@k (6.3) and the threshold chosen by cost (6.4). Each
check carries its catalogue of wrong answers, so an answer that matches one is named in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit, log_softmax

from utils.ch06.fraud import cost_threshold, total_cost
from utils.ch06.recommendation import precision_at_k
from utils.checks.diagnose import Verdict, compare_arrays, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

# ---------------------------------------------------------------- Exercise 6.3: precision@k


def _precision(
    scores, seen, relevant, k, *, mask=-np.inf, first=0, take=None, divide=None, lowest=False
):
    """precision@k written with one slip at a time: seen items masked with `mask` (None: not
    masked), the ranked items first … take − 1 kept (best first, or worst first with `lowest`),
    the hits divided by `divide`."""
    take = k if take is None else take
    divide = k if divide is None else divide
    ranked = np.asarray(scores, dtype=np.float64)
    if mask is not None:
        ranked = np.where(seen, -mask if lowest else mask, ranked)
    order = np.argsort(ranked if lowest else -ranked, axis=1, kind="stable")[:, first:take]
    return np.take_along_axis(np.asarray(relevant, bool), order, axis=1).sum(axis=1) / divide


PRECISION_MISTAKES = (
    Mistake(
        "seen items ranked",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, mask=None))),
        N_(
            "Items the user has already rated are in your top k. Rank only unseen items: set their "
            "scores to −inf first (np.where(seen, -np.inf, scores)). An item the user already has "
            "is no recommendation, and counting it inflates the score."
        ),
    ),
    Mistake(
        "seen masked by 0",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, mask=0.0))),
        N_(
            "You set the seen items' scores to 0. Scores can be negative (log-probabilities are), "
            "and then 0 ranks a seen item above every unseen one. Use -np.inf, which is below any "
            "score."
        ),
    ),
    Mistake(
        "top k−1",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, take=k - 1))),
        N_(
            "You counted the hits among the top k−1 items, not the top k: the slice [:, :k-1] "
            "stops one item short. Take [:, :k]."
        ),
    ),
    Mistake(
        "top k−1",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, first=1))),
        N_(
            "You left out the best-scored item: the slice [:, 1:k] keeps only items 2 … k, the top "
            "k−1 after the first. Python counts from 0, so take [:, :k]."
        ),
    ),
    Mistake(
        "top k−1",
        lambda s, seen, rel, k: float(
            np.mean(_precision(s, seen, rel, k, take=k - 1, divide=k - 1))
        ),
        N_(
            "You computed precision@(k−1): the top k−1 items, divided by k−1. Take the top k items "
            "([:, :k]) and divide by k."
        ),
    ),
    Mistake(
        "recall",
        lambda s, seen, rel, k: float(
            np.mean(_precision(s, seen, rel, k, divide=np.maximum(np.asarray(rel).sum(1), 1)))
        ),
        N_(
            "You divided the hits by the number of relevant items: that is recall@k. Precision@k "
            "divides by k."
        ),
    ),
    Mistake(
        "lowest scores",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, lowest=True))),
        N_(
            "Your top k are the k LOWEST scores. Sort in decreasing order (np.argsort(-scores, "
            "axis=1))."
        ),
    ),
    Mistake(
        "summed over users",
        lambda s, seen, rel, k: float(np.sum(_precision(s, seen, rel, k))),
        N_("You summed the users' precisions. Average them over the users (np.mean)."),
    ),
    Mistake(
        "hits not divided",
        lambda s, seen, rel, k: float(np.mean(_precision(s, seen, rel, k, divide=1))),
        N_("You returned the mean NUMBER of hits in the top k. Divide it by k to get a share."),
    ),
)


def _ranking_case(rng, n_users, n_items, k, seen_share=0.3, relevant_share=0.25, log_probs=False):
    """Scores (users × items), seen, relevant, k. With `log_probs` the scores are each row's
    log-softmax: the same order, every score negative."""
    scores = rng.normal(size=(n_users, n_items))
    seen = rng.random((n_users, n_items)) < seen_share
    # relevant items are more likely where the score is high, so a right ranking scores above chance
    relevant = (rng.random((n_users, n_items)) < relevant_share * 2 * expit(2 * scores)) & ~seen
    seen[:, :k] = False  # every user keeps at least k unseen items
    if log_probs:
        scores = log_softmax(scores, axis=1)
    return scores, seen, relevant, k


def check_precision_at_k(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.3: four seeded rankings (continuous scores, so no ties; the last all negative)
    against `precision_at_k`, to rtol 1e-6: float32 arithmetic passes, while one wrong item in one
    user's top k moves the answer by 1/(k · users) ≥ 1/200."""
    rng = np.random.default_rng(63)
    cases = [
        Case(_ranking_case(rng, 5, 12, 3), N_("5 users, 12 items, k = 3")),
        Case(
            _ranking_case(rng, 40, 60, 5, seen_share=0.6),
            N_("40 users, 60 items, most of them seen, k = 5"),
        ),
        Case(_ranking_case(rng, 8, 30, 10), N_("8 users, 30 items, k = 10")),
        Case(
            _ranking_case(rng, 20, 25, 4, log_probs=True),
            N_("20 users, 25 items, k = 4, scores that are log-probabilities (all negative)"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 6.3 (precision@k)"),
        learner_fn,
        precision_at_k,
        cases,
        mistakes=PRECISION_MISTAKES,
        compare=compare_arrays,
        rtol=1e-6,
        atol=1e-9,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 6.4: threshold by cost


@dataclass(frozen=True)
class CostExpected:
    """What a threshold is judged on: the scores, labels and costs, the lowest cost, and catalogued
    thresholds."""

    p: np.ndarray
    y: np.ndarray
    cost_false_alarm: float
    cost_missed_fraud: float
    best_cost: float
    mistakes: tuple  # (kind, threshold, message)


MISSED_TERM_MESSAGE = N_(
    "Your threshold raises no false alarm at all, as if a missed fraud cost nothing: the "
    "cost_missed_fraud term is missing from your total. Total cost = false alarms × "
    "cost_false_alarm + missed frauds × cost_missed_fraud."
)
ALARM_TERM_MESSAGE = N_(
    "Your threshold flags every transaction, as if a false alarm cost nothing: the "
    "cost_false_alarm term is missing from your total. Total cost = false alarms × "
    "cost_false_alarm + missed frauds × cost_missed_fraud."
)
FLAG_NOTHING_MESSAGE = N_(
    "Here flagging nothing is cheapest: every threshold among the scores flags at least one "
    "transaction, and costs more. Add a candidate above every score, np.inf, as the statement says "
    "(np.r_[np.unique(p), np.inf])."
)


def expected_cost_threshold(p, y, cost_false_alarm, cost_missed_fraud) -> CostExpected:
    """The lowest achievable cost on (p, y) and the thresholds of catalogued mistakes."""
    best = cost_threshold(p, y, cost_false_alarm, cost_missed_fraud)
    mistakes = (
        (
            "missed-fraud term missing",
            cost_threshold(p, y, cost_false_alarm, 0.0),
            MISSED_TERM_MESSAGE,
        ),
        (
            "false-alarm term missing",
            cost_threshold(p, y, 0.0, cost_missed_fraud),
            ALARM_TERM_MESSAGE,
        ),
        (
            "swapped costs",
            cost_threshold(p, y, cost_missed_fraud, cost_false_alarm),
            N_(
                "Your threshold minimises the cost with the two costs swapped: a false alarm "
                "costs cost_false_alarm, a missed fraud (a fraud not flagged) costs "
                "cost_missed_fraud."
            ),
        ),
        (
            "accuracy",
            cost_threshold(p, y, 1.0, 1.0),
            N_(
                "Your threshold minimises the NUMBER of mistakes (best accuracy), as if both kinds "
                "cost the same. Weigh each false alarm by cost_false_alarm and each missed fraud "
                "by cost_missed_fraud."
            ),
        ),
        (
            "default 0.5",
            0.5,
            N_(
                "0.5 is the default threshold, not the cheapest one. Try every distinct score as "
                "a threshold (and one above them all, to flag nothing) and keep the one with the "
                "lowest total cost."
            ),
        ),
    )
    return CostExpected(
        np.asarray(p, float),
        np.asarray(y),
        float(cost_false_alarm),
        float(cost_missed_fraud),
        total_cost(p, y, best, cost_false_alarm, cost_missed_fraud),
        mistakes,
    )


def compare_cost_threshold(
    got, expected: CostExpected, *, batch_size=None, rtol=None, atol=None
) -> Verdict:
    """A threshold passes when flagging p ≥ threshold costs as little as the best threshold does."""
    if got is None:
        return returned_none()
    try:
        threshold = float(np.asarray(to_numpy(got)).reshape(()))
    except (TypeError, ValueError):
        return Verdict(
            False,
            "type",
            _("Return one number, the threshold; yours is {type} {shape}.").format(
                type=type(got).__name__, shape=np.shape(got)
            ),
        )
    if np.isnan(threshold):
        return Verdict(False, "nan", _("Your threshold is NaN."))
    p, fraud = expected.p, expected.y.astype(bool)
    costs = (p, fraud, threshold, expected.cost_false_alarm, expected.cost_missed_fraud)
    cost = total_cost(*costs)
    if np.isclose(cost, expected.best_cost, rtol=1e-12, atol=1e-9):
        return Verdict(True, "ok", f"cost {cost:g}, the lowest possible", 0.0)
    lowest = _(" (Your cost {cost:g}, the lowest {lowest:g}.)").format(
        cost=cost, lowest=expected.best_cost
    )
    if np.isclose(threshold, expected.best_cost) and threshold > 1:
        return Verdict(
            False,
            "cost returned",
            _(
                "You returned the lowest cost ({cost:g}), not the threshold that achieves it."
            ).format(cost=threshold),
        )
    nothing_cost = float(fraud.sum() * expected.cost_missed_fraud)
    if np.isclose(nothing_cost, expected.best_cost) and np.any(p >= threshold):
        return Verdict(False, "flag nothing", _(FLAG_NOTHING_MESSAGE) + lowest)
    strictly_above = float(
        np.sum((p > threshold) & ~fraud) * expected.cost_false_alarm
        + np.sum((p <= threshold) & fraud) * expected.cost_missed_fraud
    )
    if np.isclose(strictly_above, expected.best_cost):
        return Verdict(
            False,
            "rule",
            _(
                "Your threshold would be right if rows were flagged where p > threshold, but the "
                "rule is p ≥ threshold: the rows whose score equals your threshold are flagged "
                "too. Return the lowest score you flag."
            ),
        )
    for kind, wrong, message in expected.mistakes:
        wrong_cost = total_cost(
            p, fraud, wrong, expected.cost_false_alarm, expected.cost_missed_fraud
        )
        if not np.isclose(wrong_cost, expected.best_cost) and np.isclose(cost, wrong_cost):
            return Verdict(False, kind, _(message) + lowest)
    flagged = p >= threshold
    if not np.any(
        flagged & ~fraud
    ):  # no false alarm, at a price: the missed frauds were not counted
        return Verdict(False, "missed-fraud term missing", _(MISSED_TERM_MESSAGE) + lowest)
    if np.all(flagged):
        return Verdict(False, "false-alarm term missing", _(ALARM_TERM_MESSAGE) + lowest)
    return Verdict(
        False,
        "values",
        _(
            "Flagging p ≥ {threshold:.4g} costs {cost:g}, but the lowest possible cost is "
            "{lowest:g}. Total cost = false alarms × cost_false_alarm + missed frauds × "
            "cost_missed_fraud; try every distinct score."
        ).format(threshold=threshold, cost=cost, lowest=expected.best_cost),
    )


def _fraud_scores(rng, n, rate, ties=False, separation=3.0):
    """Scores p and labels y: frauds' logits are `separation` higher on average (3: a good model, 1:
    a weak one)."""
    y = (rng.random(n) < rate).astype(int)
    y[:2] = 1  # at least two frauds
    p = expit(rng.normal(-4.0 + separation * y, 1.2))
    return (np.round(p, 2) if ties else p), y


def check_cost_threshold(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.4: six scored sets; a threshold passes when its total cost is the lowest possible.
    The first tells the usual slips apart (each gives another cost); in the last, flagging nothing
    is cheapest."""
    rng = np.random.default_rng(64)
    good = [
        Case(
            (*_fraud_scores(rng, 400, 0.03), 5.0, 200.0),
            N_("400 transactions, 3% fraud, alarm €5, missed fraud €200"),
        ),
        Case(
            (*_fraud_scores(rng, 1000, 0.01), 20.0, 100.0),
            N_("1000 transactions, 1% fraud, alarm €20, missed fraud €100"),
        ),
        Case(
            (*_fraud_scores(rng, 300, 0.05, ties=True), 5.0, 200.0),
            N_("300 transactions, scores rounded to 2 decimals (ties)"),
        ),
        Case(
            (*_fraud_scores(rng, 500, 0.02), 1.0, 1.0),
            N_("500 transactions, both mistakes cost the same"),
        ),
    ]
    telling_apart = Case(
        (*_fraud_scores(rng, 300, 0.08), 10.0, 40.0),
        N_("300 transactions, 8% fraud, alarm €10, missed fraud €40"),
    )
    nothing = Case(
        (*_fraud_scores(rng, 300, 0.03, separation=1.0), 50.0, 10.0),
        N_(
            "300 transactions scored by a weak model, alarm €50, missed fraud €10: flagging "
            "nothing is cheapest"
        ),
    )
    cases = [telling_apart, *good, nothing]
    return catalogued_check(
        N_("Exercise 6.4 (threshold chosen by cost)"),
        learner_fn,
        cost_threshold,
        cases,
        expected_from=expected_cost_threshold,
        compare=compare_cost_threshold,
        exact=True,  # judged by the cost achieved, to 1e-12: no tolerance to quote
        strict=strict,
    )
