"""Answer checks for notebook 06c: Platt scaling (6.5) and the Bayesian knowledge-tracing update
(6.6). Each check carries its catalogue of wrong answers, so an answer that matches one is named in
words."""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit

from utils.ch06.calibration import platt_fit, platt_scale
from utils.ch06.knowledge_tracing import bkt_update
from utils.checks.diagnose import compare_arrays
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _


# ---------------------------------------------------------------- Exercise 6.5: Platt scaling


def _fit_one(z, y, fixed_a=None, fixed_b=None):
    """Maximum likelihood for p = σ(a·z + b) with a or b held fixed (a bounded one-dimensional
    search)."""
    z, y = np.asarray(z, float), np.asarray(y, float)

    def loss(v):
        a, b = (v, fixed_b) if fixed_a is None else (fixed_a, v)
        q = np.clip(expit(a * z + b), 1e-15, 1 - 1e-15)
        return -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))

    v = minimize_scalar(loss, bounds=(-20, 20), method="bounded", options={"xatol": 1e-10}).x
    return (v, fixed_b) if fixed_a is None else (fixed_a, v)


def _fit_l2(z, y, C=1.0):
    """(a, b) maximising the log-likelihood minus a²/(2C), scikit-learn's default penalty (C = 1,
    the intercept not penalised)."""
    z, y = np.asarray(z, float), np.asarray(y, float)

    def loss(theta):
        q = np.clip(expit(theta[0] * z + theta[1]), 1e-15, 1 - 1e-15)
        return -np.sum(y * np.log(q) + (1 - y) * np.log(1 - q)) + theta[0] ** 2 / (2 * C)

    return minimize(loss, [1.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x


def _smoothed_targets(y):
    """Platt's (1999) targets: (N₊ + 1)/(N₊ + 2) for a positive, 1/(N₋ + 2) for a negative."""
    y = np.asarray(y, float)
    positives, negatives = y.sum(), len(y) - y.sum()
    return np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))


def _fit_soft(z, targets):
    """(a, b) minimising the cross-entropy of σ(a·z + b) against targets in [0, 1]."""
    z, t = np.asarray(z, float), np.asarray(targets, float)

    def loss(theta):
        q = np.clip(expit(theta[0] * z + theta[1]), 1e-15, 1 - 1e-15)
        return -np.sum(t * np.log(q) + (1 - t) * np.log(1 - q))

    return minimize(loss, [1.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x


PLATT_MISTAKES = (
    Mistake(
        "logits returned",
        lambda zc, yc, zn: (lambda a, b: a * np.asarray(zn) + b)(*platt_fit(zc, yc)),
        N_(
            "You returned a·z + b, the calibrated LOGIT. Return probabilities: σ(a·z + b) "
            "(scipy.special.expit)."
        ),
    ),
    Mistake(
        "not fitted",
        lambda zc, yc, zn: expit(np.asarray(zn, float)),
        N_(
            "These are the model's own probabilities σ(z_new), unchanged. Fit a and b on "
            "(z_calibration, y_calibration) first."
        ),
    ),
    Mistake(
        "temperature only",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(
            *_fit_one(zc, yc, fixed_b=0.0)
        ),
        N_("You fitted only the slope a (b = 0). Platt scaling fits both a and b: σ(a·z + b)."),
    ),
    Mistake(
        "shift only",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(
            *_fit_one(zc, yc, fixed_a=1.0)
        ),
        N_("You fitted only the intercept b (a = 1). Platt scaling fits both a and b: σ(a·z + b)."),
    ),
    Mistake(
        "fitted on probabilities",
        lambda zc, yc, zn: (lambda a, b: expit(a * expit(np.asarray(zn)) + b))(
            *platt_fit(expit(zc), yc)
        ),
        N_(
            "You fitted σ(a·p + b) on probabilities p = σ(z). Platt scaling fits on the LOGIT z "
            "itself: σ(a·z + b)."
        ),
    ),
    Mistake(
        "L2-regularised",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(*_fit_l2(zc, yc)),
        N_(
            "Your fit is pulled towards a = 0: an L2 penalty, as in scikit-learn's "
            "LogisticRegression with its default C = 1. The exercise asks for the "
            "maximum-likelihood fit: pass C=np.inf (penalty=None before scikit-learn 1.8), or a "
            "huge C such as 1e6."
        ),
    ),
    Mistake(
        "smoothed targets",
        lambda zc, yc, zn: (lambda a, b: expit(a * np.asarray(zn) + b))(
            *_fit_soft(zc, _smoothed_targets(yc))
        ),
        N_(
            "You fitted to smoothed targets, (N₊ + 1)/(N₊ + 2) for an event and 1/(N₋ + 2) for a "
            "non-event: Platt's own recipe (Platt, 1999), which guards against over-fitting a "
            "small calibration set. This exercise asks for the plain maximum-likelihood fit on the "
            "0/1 labels themselves."
        ),
    ),
)


def _scores_and_labels(rng, n, a_true, b_true):
    z = rng.normal(0.0, 2.0, n)
    return z, (rng.random(n) < expit(a_true * z + b_true)).astype(int)


def check_platt_scale(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.5: four calibration sets (over-confident, shifted, under-confident, and a small
    one) against the maximum-likelihood fit, to 2e-3 in probability. A fit by another solver, in
    float32, passes; on the 150 rows an L2 penalty (scikit-learn's default C = 1) or Platt's
    smoothed targets move the probabilities by more than that, and are named."""
    rng = np.random.default_rng(65)
    cases = []
    for n, a_true, b_true, label in [
        (3000, 0.5, -1.0, N_("an over-confident model, 3000 rows")),
        (2000, 1.0, -2.0, N_("a model whose risks are all too high, 2000 rows")),
        (3000, 2.0, 0.5, N_("an under-confident model, 3000 rows")),
        (150, 1.5, -0.5, N_("a small calibration set, 150 rows")),
    ]:
        z, y = _scores_and_labels(rng, n, a_true, b_true)
        cases.append(
            Case(
                (z, y, np.linspace(-6, 6, 25)),
                _("{label}; 25 new logits from −6 to 6").format(label=_(label)),
            )
        )
    return catalogued_check(
        N_("Exercise 6.5 (Platt scaling)"),
        learner_fn,
        platt_scale,
        cases,
        mistakes=PLATT_MISTAKES,
        compare=compare_arrays,
        rtol=0.0,
        atol=2e-3,
        strict=strict,
        answer_keys=(platt_fit,),
    )


# ---------------------------------------------------------------- Exercise 6.6: the BKT update


def _posterior(p, c, slip, guess):
    p = np.asarray(p, float)
    right = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    wrong = p * slip / (p * slip + (1 - p) * (1 - guess))
    return np.where(np.asarray(c).astype(bool), right, wrong)


BKT_MISTAKES = (
    Mistake(
        "no learning",
        lambda p, c, s, g, l: _posterior(p, c, s, g),
        N_(
            "You returned the posterior P(known | answer) and stopped there. Then add the chance "
            "to learn from the attempt: posterior + (1 − posterior)·learn."
        ),
    ),
    Mistake(
        "learning first",
        lambda p, c, s, g, l: _posterior(np.asarray(p) + (1 - np.asarray(p)) * l, c, s, g),
        N_(
            "You applied the learning step BEFORE Bayes' rule. The answer was given with the "
            "knowledge the learner had before it: first condition on the answer, then add the "
            "chance to learn."
        ),
    ),
    Mistake(
        "slip and guess swapped",
        lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(_posterior(p, c, g, s)),
        N_(
            "Slip and guess are swapped. A learner who KNOWS the skill answers right with 1 − "
            "slip; one who does not answers right with probability guess."
        ),
    ),
    Mistake(
        "answer ignored",
        lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(
            _posterior(p, np.ones_like(np.asarray(c)), s, g)
        ),
        N_(
            "Your update treats every answer as right. A wrong answer needs the other posterior: "
            "P(known)·slip / (P(known)·slip + (1 − P(known))·(1 − guess))."
        ),
    ),
    Mistake(
        "learn added",
        lambda p, c, s, g, l: _posterior(p, c, s, g) + l,
        N_(
            "You added learn to the posterior. Only a learner who does not know the skill yet can "
            "learn it: posterior + (1 − posterior)·learn."
        ),
    ),
    Mistake(
        "prediction",
        lambda p, c, s, g, l: np.asarray(p) * (1 - s) + (1 - np.asarray(p)) * g,
        N_(
            "You returned P(right answer), the prediction before the answer. Return P(known) at "
            "the next attempt."
        ),
    ),
    Mistake(
        "branches swapped",
        lambda p, c, s, g, l: (lambda q: q + (1 - q) * l)(
            _posterior(p, 1 - np.asarray(c).astype(int), s, g)
        ),
        N_(
            "You used the wrong-answer posterior for a right answer, and the right-answer one for "
            "a wrong answer: the two branches of np.where are swapped. A right answer (correct == "
            "1) takes P(L)(1 − P(S)) / (P(L)(1 − P(S)) + (1 − P(L))P(G))."
        ),
    ),
)


def check_bkt_update(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.6: one learner, then arrays of learners with scalar and per-element parameters, to
    rtol 1e-6 (float32 arithmetic passes)."""
    rng = np.random.default_rng(66)
    n = 50
    cases = [
        Case((0.3, 1, 0.1, 0.2, 0.15), N_("one learner, P(known) 0.3, a right answer")),
        Case(
            (rng.uniform(0.01, 0.99, n), rng.integers(0, 2, n), 0.1, 0.25, 0.2),
            _("{n} learners, answers mixed, one set of parameters").format(n=n),
        ),
        Case(
            (
                rng.uniform(0.01, 0.99, n),
                rng.integers(0, 2, n),
                rng.uniform(0.02, 0.2, n),
                rng.uniform(0.1, 0.35, n),
                rng.uniform(0.05, 0.3, n),
            ),
            _("{n} learners, each with its own skill's parameters").format(n=n),
        ),
    ]
    return catalogued_check(
        N_("Exercise 6.6 (knowledge-tracing update)"),
        learner_fn,
        bkt_update,
        cases,
        mistakes=BKT_MISTAKES,
        compare=compare_arrays,
        rtol=1e-6,
        atol=1e-9,
        strict=strict,
    )
