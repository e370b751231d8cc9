"""Notebook 03a's checks: each catalogued wrong split or standardisation is named, several right
answers pass (one of them in place), a stub is reported as not attempted, and the fallback is the
teaching reference."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split
from sklearn.preprocessing import StandardScaler

from tests.checks.contract import not_attempted, right_answers_pass, stub, wrong_answers_named
from utils.ch03 import checks_03a
from utils.ch03.preprocessing import stratified_split
from utils.data import standardise_splits

# ---------------------------------------------------------------- Exercise 3.1, the split


def split_in_file_order(y, vf, tf, seed):
    n = len(y)
    n_test, n_val = round(tf * n), round(vf * n)
    rows = np.arange(n)
    return rows[: n - n_val - n_test], rows[n - n_val - n_test : n - n_test], rows[n - n_test :]


def split_shuffled_not_stratified(y, vf, tf, seed):
    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=tf, random_state=seed)
    train, val = train_test_split(rest, test_size=vf / (1 - tf), random_state=seed)
    return train, val, test


def split_val_fraction_of_rest(y, vf, tf, seed):
    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=tf, stratify=y, random_state=seed)
    train, val = train_test_split(rest, test_size=vf, stratify=y[rest], random_state=seed)
    return train, val, test


def split_overlapping(y, vf, tf, seed):
    train, val, test = stratified_split(y, vf, tf, seed)
    return np.concatenate([train, test[:3]]), val, test


def split_missing_rows(y, vf, tf, seed):
    train, val, test = stratified_split(y, vf, tf, seed)
    return train[:-5], val, test


def split_masks(y, vf, tf, seed):
    train, val, test = stratified_split(y, vf, tf, seed)
    return tuple(np.isin(np.arange(len(y)), part) for part in (train, val, test))


def split_unseeded(y, val_fraction, test_fraction, seed):
    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=test_fraction, stratify=y)
    train, val = train_test_split(
        rest, test_size=val_fraction / (1 - test_fraction), stratify=y[rest]
    )
    return train, val, test


SPLIT_MISTAKES = [
    ("rows in file order", split_in_file_order, "stratification", "file order"),
    ("shuffled, not stratified", split_shuffled_not_stratified, "stratification", "Not stratified"),
    (
        "val fraction taken of the rest",
        split_val_fraction_of_rest,
        "sizes",
        "fractions of ALL rows",
    ),
    ("overlapping parts", split_overlapping, "overlap", "must not overlap"),
    ("rows dropped", split_missing_rows, "coverage", "exactly one split"),
    ("boolean masks", split_masks, "type", "boolean mask"),
    (
        "two parts only",
        lambda y, vf, tf, s: stratified_split(y, vf, tf, s)[:2],
        "structure",
        "three index arrays",
    ),
    ("None", lambda y, vf, tf, s: None, "none", "return"),
    ("the seed ignored", split_unseeded, "seed", "random_state=seed"),
]


def split_notebook_solution(y, val_fraction, test_fraction, seed):
    y = np.asarray(y)
    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=test_fraction, stratify=y, random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_fraction / (1 - test_fraction), stratify=y[rest], random_state=seed
    )
    return train, val, test


def split_validation_first(y, vf, tf, seed):
    """Another order: the validation part is cut off first."""
    rows = np.arange(len(y))
    rest, val = train_test_split(rows, test_size=vf, stratify=y, random_state=seed + 7)
    train, test = train_test_split(
        rest, test_size=tf / (1 - vf), stratify=y[rest], random_state=seed + 7
    )
    return train, val, test


def split_stratified_shuffle_split(y, vf, tf, seed):
    rows = np.arange(len(y))
    rest, test = next(StratifiedShuffleSplit(1, test_size=tf, random_state=seed).split(rows, y))
    train, val = next(
        StratifiedShuffleSplit(1, test_size=vf / (1 - tf), random_state=seed).split(rest, y[rest])
    )
    return rest[train], rest[val], test


def split_by_hand_marking_labels_in_place(y, vf, tf, seed):
    """Class by class with NumPy (one rounding per class), then marks the test rows in y itself: an
    in-place edit."""
    generator = np.random.default_rng(seed)
    parts = ([], [], [])
    for label in np.unique(y):
        rows = generator.permutation(np.flatnonzero(y == label))
        n_test, n_val = round(tf * len(rows)), round(vf * len(rows))
        parts[2].append(rows[:n_test])
        parts[1].append(rows[n_test : n_test + n_val])
        parts[0].append(rows[n_test + n_val :])
    train, val, test = (np.concatenate(p) for p in parts)
    y[test] = -1
    return train, val, test


test_split_mistakes_are_named = wrong_answers_named(checks_03a.check_split, SPLIT_MISTAKES)
test_other_valid_stratified_splits_pass = right_answers_pass(
    checks_03a.check_split,
    [
        split_notebook_solution,
        split_validation_first,
        split_stratified_shuffle_split,
        split_by_hand_marking_labels_in_place,
    ],
)
test_split_stub_is_not_attempted = not_attempted(checks_03a.check_split)


def test_an_answer_that_edits_its_labels_is_noted_not_failed():
    result = checks_03a.check_split(split_by_hand_marking_labels_in_place, strict=False)
    assert result.passed and "changed its input `y`" in result.message


def test_a_right_split_quotes_no_tolerance():
    result = checks_03a.check_split(split_notebook_solution, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


# ---------------------------------------------------------------- Exercise 3.2, leak-free
# standardisation


def leak(a, b, c):
    X = np.vstack([a, b, c])
    mu, sigma = X.mean(axis=0), X.std(axis=0)
    return (a - mu) / sigma, (b - mu) / sigma, (c - mu) / sigma


def per_split(a, b, c):
    return tuple((X - X.mean(axis=0)) / X.std(axis=0) for X in (a, b, c))


def rows_not_columns(a, b, c):
    return tuple(
        (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True) for X in (a, b, c)
    )


def sample_std(a, b, c):
    mu, sigma = a.mean(axis=0), a.std(axis=0, ddof=1)
    return (a - mu) / sigma, (b - mu) / sigma, (c - mu) / sigma


def centred_only(a, b, c):
    mu = a.mean(axis=0)
    return a - mu, b - mu, c - mu


def edits_inputs_in_place(a, b, c):
    mu, sigma = a.mean(axis=0), a.std(axis=0)
    for X in (a, b, c):
        X -= mu
        X /= sigma
    return a, b, c


def nan_when_constant(a, b, c):
    mu, sigma = a.mean(axis=0), a.std(axis=0)
    with np.errstate(divide="ignore"):
        return (a - mu) / sigma, (b - mu) / (sigma * 0), (c - mu) / sigma


def in_float32(X_train, X_val, X_test):
    return standardise_notebook_solution(*(X.astype(np.float32) for X in (X_train, X_val, X_test)))


STANDARDISE_MISTAKES = [
    ("statistics from all rows (the leak)", leak, "leak", "that is the leak"),
    ("each split its own statistics", per_split, "per-split", "TRAINING statistics"),
    ("std over the rows, axis=1", rows_not_columns, "axis", "axis=0"),
    ("sample std, ddof=1", sample_std, "ddof", "ddof=0"),
    ("centred, not scaled", centred_only, "not scaled", "divide by the training std"),
    ("division by zero", nan_when_constant, "nan", "In Z_val"),
    (
        "two arrays returned",
        lambda a, b, c: standardise_splits(a, b, c)[:2],
        "structure",
        "Z_train, Z_val, Z_test",
    ),
    ("float32 in a float64 check", in_float32, "precision", "rtol=1e-09"),
]


def standardise_notebook_solution(X_train, X_val, X_test):
    mu = X_train.mean(axis=0, keepdims=True)
    sigma = X_train.std(axis=0, keepdims=True)
    return (X_train - mu) / sigma, (X_val - mu) / sigma, (X_test - mu) / sigma


def standardise_with_scikit_learn(X_train, X_val, X_test):
    scaler = StandardScaler().fit(X_train)
    return tuple(scaler.transform(X) for X in (X_train, X_val, X_test))


def standardise_in_another_order(X_train, X_val, X_test):
    """Scale first, then shift; the std written out as a root mean square."""
    mu = np.einsum("ij->j", X_train) / len(X_train)
    sigma = np.sqrt(np.mean((X_train - mu) ** 2, axis=0))
    return tuple(X / sigma - mu / sigma for X in (X_train, X_val, X_test))


test_standardise_mistakes_are_named = wrong_answers_named(
    checks_03a.check_standardise_splits, STANDARDISE_MISTAKES
)
test_right_standardisations_pass = right_answers_pass(
    checks_03a.check_standardise_splits,
    [
        standardise_notebook_solution,
        standardise_with_scikit_learn,
        standardise_in_another_order,
        edits_inputs_in_place,
    ],
)
test_standardise_stub_is_not_attempted = not_attempted(checks_03a.check_standardise_splits)


def test_a_float32_answer_is_told_that_the_check_works_in_float64():
    result = checks_03a.check_standardise_splits(in_float32, strict=False)
    assert "float32" in result.message and "rtol=1e-09" in result.message


def test_standardise_notes_an_in_place_answer():
    result = checks_03a.check_standardise_splits(edits_inputs_in_place, strict=False)
    assert "changed its input" in result.message


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks_03a.check_split, stratified_split),
        (checks_03a.check_standardise_splits, standardise_splits),
    ],
)
def test_the_fallback_is_the_teaching_reference(check, reference):
    assert check(stub, strict=False).reference is reference


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    from tests.checks.contract import assert_named

    monkeypatch.setenv("COURSE_LANG", "zh")

    def fitted_on_everything(X_train, X_val, X_test):
        everything = np.concatenate([X_train, X_val, X_test])
        mu, sigma = everything.mean(axis=0), everything.std(axis=0)
        return tuple((X - mu) / sigma for X in (X_train, X_val, X_test))

    result = checks_03a.check_standardise_splits(fitted_on_everything, strict=False)
    assert_named(result, "leak", "这就是数据泄露。请只用 X_train 计算它们")
    assert result.message.startswith("✗ 练习 3.2（无泄露的标准化）"), result.message
