"""Answer checks for chapter 6, one exercise per application area: de-duplication before a split
(6.1), per-image standardisation (6.2), precision@k (6.3), the cost-minimising threshold (6.4),
Platt scaling (6.5) and the Bayesian knowledge-tracing update (6.6). Each expected answer carries
the catalogued wrong answers, so a wrong answer that matches one is named in words."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import expit

from utils.ch06.calibration import platt_fit, platt_scale
from utils.checks.diagnose import compare_arrays
from utils.checks.mistakes import naming_mistakes, with_mistakes
from utils.checks.runner import Case, CheckResult, check_function
from utils.ch06.knowledge_tracing import bkt_update
from utils.ch06.checks_06a import _falling_back_to


# ---------------------------------------------------------------- Exercise 6.5: Platt scaling


def _fit_one(z, y, fixed_a=None, fixed_b=None):
    """Maximum likelihood for p = σ(a·z + b) with a or b held fixed (a grid, then Newton-free golden
    refinement)."""
    from scipy.optimize import minimize_scalar

    z, y = np.asarray(z, float), np.asarray(y, float)

    def loss(v):
        a, b = (v, fixed_b) if fixed_a is None else (fixed_a, v)
        q = np.clip(expit(a * z + b), 1e-15, 1 - 1e-15)
        return -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))

    v = minimize_scalar(loss, bounds=(-20, 20), method="bounded", options={"xatol": 1e-10}).x
    return (v, fixed_b) if fixed_a is None else (fixed_a, v)


PLATT_MISTAKES = (
    (
        "logits returned",
        lambda zc, yc, zn: (lambda a, b: a * np.asarray(zn) + b)(*platt_fit(zc, yc)),
        "You returned a·z + b, the calibrated LOGIT. Return probabilities: σ(a·z + b) "
        "(scipy.special.expit).",
    ),
    (
        "not fitted",
        lambda zc, yc, zn: expit(np.asarray(zn, float)),
        "These are the model's own probabilities σ(z_new), unchanged. Fit a and b on "
        "(z_calibration, y_calibration) first.",
    ),
    (
        "temperature only",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(
            *_fit_one(zc, yc, fixed_b=0.0)
        ),
        "You fitted only the slope a (b = 0). Platt scaling fits both a and b: σ(a·z + b).",
    ),
    (
        "shift only",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(
            *_fit_one(zc, yc, fixed_a=1.0)
        ),
        "You fitted only the intercept b (a = 1). Platt scaling fits both a and b: σ(a·z + b).",
    ),
    (
        "fitted on probabilities",
        lambda zc, yc, zn: (lambda a, b: expit(a * expit(np.asarray(zn)) + b))(
            *platt_fit(expit(zc), yc)
        ),
        "You fitted σ(a·p + b) on probabilities p = σ(z). Platt scaling fits on the LOGIT z "
        "itself: σ(a·z + b).",
    ),
)


def _scores_and_labels(rng, n, a_true, b_true):
    z = rng.normal(0.0, 2.0, n)
    return z, (rng.random(n) < expit(a_true * z + b_true)).astype(int)


def check_platt_scale(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.5: three calibration sets (over-confident, shifted, under-confident) against the
    maximum-likelihood fit, to 2e-3 in probability (a fit by another solver, or with scikit-learn's
    default C = 1, passes)."""
    rng = np.random.default_rng(65)
    cases = []
    for n, a_true, b_true, label in [
        (3000, 0.5, -1.0, "an over-confident model, 3000 rows"),
        (2000, 1.0, -2.0, "a model whose risks are all too high, 2000 rows"),
        (3000, 2.0, 0.5, "an under-confident model, 3000 rows"),
    ]:
        z, y = _scores_and_labels(rng, n, a_true, b_true)
        cases.append(Case((z, y, np.linspace(-6, 6, 25)), f"{label}; 25 new logits from −6 to 6"))
    result = check_function(
        "Exercise 6.5 (Platt scaling)",
        learner_fn,
        with_mistakes(platt_scale, PLATT_MISTAKES),
        cases,
        compare=naming_mistakes(compare_arrays),
        rtol=0.0,
        atol=2e-3,
        strict=strict,
        answer_keys=(platt_fit,),
    )
    return _falling_back_to(result, platt_scale)


# ---------------------------------------------------------------- Exercise 6.6: the BKT update


def _posterior(p, c, slip, guess):
    p = np.asarray(p, float)
    right = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    wrong = p * slip / (p * slip + (1 - p) * (1 - guess))
    return np.where(np.asarray(c).astype(bool), right, wrong)


BKT_MISTAKES = (
    (
        "no learning",
        lambda p, c, s, g, l: _posterior(p, c, s, g),
        "You returned the posterior P(known | answer) and stopped there. Then add the chance to "
        "learn from the attempt: "
        "posterior + (1 − posterior)·learn.",
    ),
    (
        "learning first",
        lambda p, c, s, g, l: _posterior(np.asarray(p) + (1 - np.asarray(p)) * l, c, s, g),
        "You applied the learning step BEFORE Bayes' rule. The answer was given with the knowledge "
        "the learner had "
        "before it: first condition on the answer, then add the chance to learn.",
    ),
    (
        "slip and guess swapped",
        lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(_posterior(p, c, g, s)),
        "Slip and guess are swapped. A learner who KNOWS the skill answers right with 1 − slip; "
        "one who does not "
        "answers right with probability guess.",
    ),
    (
        "answer ignored",
        lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(
            _posterior(p, np.ones_like(np.asarray(c)), s, g)
        ),
        "Your update treats every answer as right. A wrong answer needs the other posterior: "
        "P(known)·slip / (P(known)·slip + (1 − P(known))·(1 − guess)).",
    ),
    (
        "learn added",
        lambda p, c, s, g, l: _posterior(p, c, s, g) + l,
        "You added learn to the posterior. Only a learner who does not know the skill yet can "
        "learn it: "
        "posterior + (1 − posterior)·learn.",
    ),
    (
        "prediction",
        lambda p, c, s, g, l: np.asarray(p) * (1 - s) + (1 - np.asarray(p)) * g,
        "You returned P(right answer), the prediction before the answer. Return P(known) at the "
        "next attempt.",
    ),
)


def check_bkt_update(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.6: one learner, then arrays of learners with scalar and per-element parameters, to
    rtol 1e-6 (float32 arithmetic passes)."""
    rng = np.random.default_rng(66)
    n = 50
    cases = [
        Case((0.3, 1, 0.1, 0.2, 0.15), "one learner, P(known) 0.3, a right answer"),
        Case(
            (rng.uniform(0.01, 0.99, n), rng.integers(0, 2, n), 0.1, 0.25, 0.2),
            f"{n} learners, answers mixed, one set of parameters",
        ),
        Case(
            (
                rng.uniform(0.01, 0.99, n),
                rng.integers(0, 2, n),
                rng.uniform(0.02, 0.2, n),
                rng.uniform(0.1, 0.35, n),
                rng.uniform(0.05, 0.3, n),
            ),
            f"{n} learners, each with its own skill's parameters",
        ),
    ]
    result = check_function(
        "Exercise 6.6 (knowledge-tracing update)",
        learner_fn,
        with_mistakes(bkt_update, BKT_MISTAKES),
        cases,
        compare=naming_mistakes(compare_arrays),
        rtol=1e-6,
        atol=1e-9,
        strict=strict,
    )
    return _falling_back_to(result, bkt_update)
