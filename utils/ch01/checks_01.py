"""Answer checks for chapter 1's warm-up exercises: column-wise standardisation (1.1) and the mean
squared error (1.2).

Each check builds its own seeded cases, so a notebook's random state never changes what is checked.
The expected answer carries the catalogued wrong answers computed on the same inputs, so a wrong
answer that matches one is named in words.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.data import standardise_columns
from utils.i18n import N_
from utils.losses import mse

# ---------------------------------------------------------------- 1.1 standardise the columns


def _standardise_cases() -> list[Case]:
    rng = np.random.default_rng(101)
    return [
        Case((rng.normal(3.0, 2.0, size=(6, 3)),), "6 × 3"),
        Case((rng.uniform(-1.0, 5.0, size=(10, 2)),), "10 × 2"),
        Case(
            (rng.normal(size=(4, 4)) * [1.0, 10.0, 100.0, 1000.0],),
            N_("4 × 4, columns on very different scales"),
        ),
    ]


def _scaled(X, *, axis=0, ddof=0, centre=True, scale=True, by_variance=False):
    X = np.asarray(X, dtype=np.float64)
    keep = axis is not None
    mu = X.mean(axis=axis, keepdims=keep) if centre else 0.0
    spread = (
        X.var(axis=axis, ddof=ddof, keepdims=keep)
        if by_variance
        else X.std(axis=axis, ddof=ddof, keepdims=keep)
    )
    return (X - mu) / (spread if scale else 1.0)


STANDARDISE_MISTAKES = (
    Mistake(
        "rows",
        lambda X: _scaled(X, axis=1),
        N_(
            "You standardised each ROW (axis=1). Rows are examples and columns are features: take "
            "the mean and the standard deviation of each column, with axis=0 (and keepdims=True)."
        ),
    ),
    Mistake(
        "whole array",
        lambda X: _scaled(X, axis=None),
        N_(
            "You used one mean and one standard deviation for the whole array. Each column needs "
            "its own: X.mean(axis=0, keepdims=True) and X.std(axis=0, keepdims=True)."
        ),
    ),
    Mistake(
        "ddof",
        lambda X: _scaled(X, ddof=1),
        N_(
            "You used the sample standard deviation (ddof=1). The exercise asks for the "
            "population one: ddof=0, NumPy's default for X.std."
        ),
    ),
    Mistake(
        "not scaled",
        lambda X: _scaled(X, scale=False),
        N_(
            "The columns are centred but not scaled: divide by each column's standard deviation "
            "as well."
        ),
    ),
    Mistake(
        "not centred",
        lambda X: _scaled(X, centre=False),
        N_("The columns are scaled but not centred: subtract each column's mean before dividing."),
    ),
    Mistake(
        "variance",
        lambda X: _scaled(X, by_variance=True),
        N_("You divided by the variance. Divide by the standard deviation, its square root."),
    ),
)


def check_standardise(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 1.1: each column of X (n × d) to mean 0 and population standard deviation 1."""
    return catalogued_check(
        N_("Exercise 1.1 (standardise)"),
        learner_fn,
        standardise_columns,
        _standardise_cases(),
        mistakes=STANDARDISE_MISTAKES,
        strict=strict,
    )


# ---------------------------------------------------------------- 1.2 the mean squared error


def _mse_cases() -> list[Case]:
    rng = np.random.default_rng(102)
    return [
        Case(
            (rng.normal(size=(8, 1)), rng.normal(size=(8, 1))),
            N_("a batch of 8, one output"),
            batch_size=8,
        ),
        Case(
            (rng.normal(size=(5, 3)), rng.normal(size=(5, 3))),
            N_("5 examples × 3 outputs (15 elements)"),
            batch_size=15,
        ),
    ]


def _difference(y_hat, y):
    return np.asarray(y_hat, dtype=np.float64) - np.asarray(y, dtype=np.float64)


MSE_MISTAKES = (
    Mistake(
        "root",
        lambda y_hat, y: float(np.sqrt(np.mean(_difference(y_hat, y) ** 2))),
        N_(
            "You returned the square root of the mean squared error (the RMSE). Leave the square "
            "root out."
        ),
    ),
    Mistake(
        "absolute",
        lambda y_hat, y: float(np.mean(np.abs(_difference(y_hat, y)))),
        N_("You averaged |ŷ − y|, the mean absolute error. Square each difference instead."),
    ),
    Mistake(
        "square of the mean",
        lambda y_hat, y: float(np.mean(_difference(y_hat, y)) ** 2),
        N_(
            "You squared the mean of the differences. Square each difference first, then take the "
            "mean of the squares."
        ),
    ),
    Mistake(
        "axis 0 only",
        lambda y_hat, y: np.mean(_difference(y_hat, y) ** 2, axis=0),
        N_(
            "You averaged over axis 0 only, which leaves one number per output column. The MSE is "
            "one number: the mean over every element, np.mean(...) with no axis."
        ),
    ),
)


def check_mean_squared_error(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 1.2: the mean over every element of (ŷ − y)², one number."""
    return catalogued_check(
        N_("Exercise 1.2 (mean squared error)"),
        learner_fn,
        mse,
        _mse_cases(),
        mistakes=MSE_MISTAKES,
        strict=strict,
    )
