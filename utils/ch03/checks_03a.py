"""Answer checks for notebook 03a: 3.1 stratified split, 3.2 leak-free standardisation. Each
`check_<name>(learner_fn)` builds its seeded cases and calls `catalogued_check`, so a wrong answer
that matches a catalogued mistake is named in words."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from utils.checks.diagnose import Verdict, compare_named, returned_none
from utils.ch03.preprocessing import stratified_split
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.data import breast_cancer_arrays, standardise_splits
from utils.i18n import N_, _


# ---------------------------------------------------------------- the split


@dataclass(frozen=True)
class SplitExpected:
    y: np.ndarray
    sizes: tuple[int, int, int]


def expected_split(y, val_fraction: float, test_fraction: float, seed: int = 0) -> SplitExpected:
    """What a right split must satisfy: the labels (for the class proportions) and the reference
    sizes."""
    return SplitExpected(
        np.asarray(y),
        tuple(len(part) for part in stratified_split(y, val_fraction, test_fraction, seed)),
    )


def compare_split(
    got, expected: SplitExpected, *, batch_size=None, rtol=None, atol=None, tolerance: float = 2.0
) -> Verdict:
    """Three disjoint index arrays covering every row, of the right sizes (± one row per class,
    since a split made class by class rounds once per class), each with each class's count within
    `tolerance` rows of its share."""
    names = ("train", "val", "test")
    if isinstance(got, Unrepeatable):
        return Verdict(
            False,
            "seed",
            _(
                "Called twice with the same seed, your function gave two different splits, so "
                "results cannot be reproduced. Pass the seed on: random_state=seed in "
                "train_test_split, or np.random.default_rng(seed)."
            ),
        )
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Verdict(
            False,
            "structure",
            _("Return a tuple of three index arrays, in this order: train, val, test."),
        )
    parts = []
    n = len(expected.y)
    for name, part in zip(names, got):
        part = np.asarray(part)
        if part.dtype == bool:
            return Verdict(
                False,
                "type",
                _(
                    "The {name} part is a boolean mask; return row indices instead "
                    "(np.flatnonzero(mask))."
                ).format(name=name),
            )
        if part.ndim != 1 or not np.issubdtype(part.dtype, np.integer):
            return Verdict(
                False,
                "type",
                _(
                    "The {name} part should be a 1-D array of integer row indices; it has dtype "
                    "{dtype} and shape {shape}."
                ).format(name=name, dtype=part.dtype, shape=part.shape),
            )
        if part.size and (part.min() < 0 or part.max() >= n):
            message = _("The {name} part holds indices outside 0 … {last}.")
            return Verdict(False, "range", message.format(name=name, last=n - 1))
        parts.append(part)
    for (a, pa), (b, pb) in (
        ((0, parts[0]), (1, parts[1])),
        ((0, parts[0]), (2, parts[2])),
        ((1, parts[1]), (2, parts[2])),
    ):
        shared = np.intersect1d(pa, pb)
        if shared.size:
            return Verdict(
                False,
                "overlap",
                _(
                    "{count} rows are in both {first} and {second} (for example row {row}): the "
                    "splits must not overlap, or the model is tested on rows it trained on."
                ).format(count=shared.size, first=names[a], second=names[b], row=shared[0]),
            )
    for name, part in zip(names, parts):
        if len(np.unique(part)) != len(part):
            message = _("The {name} part lists some rows twice.").format(name=name)
            return Verdict(False, "duplicates", message)
    covered = sum(len(p) for p in parts)
    if covered != n:
        return Verdict(
            False,
            "coverage",
            _(
                "The three parts hold {covered} rows, but there are {n}: every row must go to "
                "exactly one split."
            ).format(covered=covered, n=n),
        )
    slack = max(1, len(np.unique(expected.y)))
    for name, part, size in zip(names, parts, expected.sizes):
        if abs(len(part) - size) > slack:
            return Verdict(
                False,
                "sizes",
                _(
                    "The {name} part has {rows} rows; expected about {size}. Note that "
                    "val_fraction and test_fraction are fractions of ALL rows."
                ).format(name=name, rows=len(part), size=size),
            )
    for name, part in zip(names, parts):
        for label in np.unique(expected.y):
            share = np.mean(expected.y == label)
            count = int(np.sum(expected.y[part] == label))
            if abs(count - share * len(part)) > tolerance:
                unshuffled = np.array_equal(
                    np.sort(np.concatenate(parts[:2])), np.arange(covered - len(parts[2]))
                ) or np.all(np.diff(np.concatenate(parts)) > 0)
                hint = (
                    _(" The rows were taken in file order: shuffle them (stratified) first.")
                    if unshuffled
                    else ""
                )
                return Verdict(
                    False,
                    "stratification",
                    _(
                        "Not stratified: the {name} part has {count} rows of class {label:g} out "
                        "of {rows}, but the whole set's share would give about {share:.1f}.{hint} "
                        "Pass stratify=y (and for the second split, stratify=y[rest]) to "
                        "train_test_split."
                    ).format(
                        name=name,
                        count=count,
                        label=label,
                        rows=len(part),
                        share=share * len(part),
                        hint=hint,
                    ),
                )
    return Verdict(True, "ok", "disjoint, complete, right sizes, stratified", 0.0)


# ---------------------------------------------------------------- leak-free standardisation


def _fit_apply(fit_on, parts, axis=0, ddof=0, scale=True):
    mu = fit_on.mean(axis=axis, keepdims=True)
    sigma = fit_on.std(axis=axis, ddof=ddof, keepdims=True) if scale else 1.0
    return tuple((X - mu) / sigma for X in parts)


STANDARDISE_MISTAKES = (
    Mistake(
        "leak",
        lambda a, b, c: _fit_apply(np.vstack([a, b, c]), (a, b, c)),
        N_(
            "You fitted the mean and std on ALL the rows, validation and test included: that is "
            "the leak. Compute them from X_train only, then apply those same numbers to X_val and "
            "X_test."
        ),
    ),
    Mistake(
        "per-split",
        lambda a, b, c: tuple(_fit_apply(X, (X,))[0] for X in (a, b, c)),
        N_(
            "Each split was standardised with its own mean and std. Validation and test must be "
            "scaled with the TRAINING statistics, the same transformation the model was trained "
            "on."
        ),
    ),
    Mistake(
        "axis",
        lambda a, b, c: (
            _fit_apply(a, (a,), axis=1)[0],
            _fit_apply(b, (b,), axis=1)[0],
            _fit_apply(c, (c,), axis=1)[0],
        ),
        N_(
            "You took the mean and std of each ROW (axis=1). Features are the columns: use axis=0 "
            "on X_train."
        ),
    ),
    Mistake(
        "ddof",
        lambda a, b, c: _fit_apply(a, (a, b, c), ddof=1),
        N_(
            "You used the sample std (ddof=1). Use the population std (ddof=0), as StandardScaler "
            "does."
        ),
    ),
    Mistake(
        "not scaled",
        lambda a, b, c: _fit_apply(a, (a, b, c), scale=False),
        N_("The columns are centred but not scaled: divide by the training std as well."),
    ),
)


def _low_precision(got) -> str | None:
    """The dtype of the first float32/float16 array in an answer (a tuple or dict of arrays), if
    any."""
    parts = (
        got.values() if isinstance(got, dict) else got if isinstance(got, (tuple, list)) else (got,)
    )
    for part in parts:
        dtype = getattr(part, "dtype", None)
        if dtype is not None and np.dtype(dtype) in (np.float32, np.float16):
            return str(np.dtype(dtype))
    return None


def in_float64(compare):
    """`compare`, except that a wrong answer held in float32 is told that this float64 exercise's
    tolerance needs float64."""

    def checked(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        verdict = compare(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)
        dtype = None if verdict.passed else _low_precision(got)
        if dtype is None:
            return verdict
        return Verdict(
            False,
            "precision",
            _(
                "Your answer is {dtype}, which keeps about 7 significant digits, and this check "
                "works in float64 (rtol={rtol:g}). Keep the inputs' float64: drop the "
                ".astype(np.float32) or dtype=np.float32. ({diagnosis})"
            ).format(dtype=dtype, rtol=rtol, diagnosis=verdict.message),
            verdict.relative_error,
        )

    return checked


compare_standardisation = in_float64(compare_named(("Z_train", "Z_val", "Z_test")))


# ---------------------------------------------------------------- the checks the notebooks call


class Unrepeatable(tuple):
    """A split that came out differently when called again with the same arguments (the seed was
    ignored)."""


def _called_twice(learner_fn: Callable) -> Callable:
    """`learner_fn` run twice on its own copies of the arguments; an `Unrepeatable` result if the
    two differ."""

    @functools.wraps(learner_fn)
    def run(*args, **kwargs):
        kept = copy.deepcopy(
            (args, kwargs)
        )  # the second call gets the inputs as they were before the first
        first = learner_fn(*args, **kwargs)
        again = learner_fn(*kept[0], **kept[1])
        try:
            same = len(first) == len(again) and all(
                np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again)
            )
        except TypeError:
            return first  # not a sequence of parts: compare_split says what is wrong with it
        return first if same else Unrepeatable(first)

    return run


def check_split(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.1: any disjoint, complete, stratified split of the right sizes passes, not only
    the reference's."""
    rng = np.random.default_rng(31)
    _, biopsy_labels, _ = breast_cancer_arrays()
    cases = [
        Case((biopsy_labels, 0.2, 0.2, 0), N_("the 569 biopsy labels, 60/20/20")),
        Case(
            (np.r_[np.zeros(60), np.ones(140)], 0.15, 0.25, 1),
            N_("200 labels sorted by class, 60/15/25"),
        ),
        Case(
            (rng.choice(3, size=300, p=[0.6, 0.3, 0.1]), 0.2, 0.2, 2),
            N_("300 labels of 3 classes, shares 0.6/0.3/0.1"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 3.1 (stratified split)"),
        _called_twice(learner_fn),
        stratified_split,
        cases,
        expected_from=expected_split,
        compare=compare_split,
        exact=True,  # a structural check: no tolerance to quote
        strict=strict,
    )


def _scaled_splits(
    rng: np.random.Generator, n_rows: tuple[int, ...], scales: list[float], shift: float
) -> tuple:
    X_all = rng.normal(size=(sum(n_rows), len(scales))) * scales + shift
    return tuple(np.split(X_all, np.cumsum(n_rows)[:-1]))


def check_standardise_splits(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.2: three seeded sets of splits against StandardScaler fitted on the training
    split, to rtol 1e-9."""
    rng = np.random.default_rng(32)
    X, _, _ = breast_cancer_arrays()
    cases = [
        Case(
            _scaled_splits(rng, (12, 4, 5), [1.0, 10.0, 100.0], 3.0),
            N_("12/4/5 rows, 3 columns of different scales"),
        ),
        Case((X[:50], X[50:70], X[70:90] + 2.0), N_("50/20/20 raw biopsy rows, test rows shifted")),
        Case(
            _scaled_splits(rng, (30, 30, 30), [0.01, 1.0, 5.0, 1000.0], -7.0),
            N_("30/30/30 rows, 4 columns"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 3.2 (leak-free standardisation)"),
        learner_fn,
        standardise_splits,
        cases,
        mistakes=STANDARDISE_MISTAKES,
        compare=compare_standardisation,
        rtol=1e-9,
        atol=1e-12,
        strict=strict,
    )
