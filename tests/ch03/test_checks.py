"""Chapter 3's checks: each catalogued wrong answer is named, several right answers pass (one of
them in place), a stub is reported as not attempted, and the fallback is the teaching reference."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedShuffleSplit, train_test_split
from sklearn.preprocessing import StandardScaler

from utils.ch03 import numpy_mlp
from utils.ch03 import checks_03a
from utils.ch03 import checks_03b
from utils.data import standardise_splits
from utils.ch03.early_stopping import early_stopping
from utils.ch03.preprocessing import stratified_split


def stub(*args):
    raise NotImplementedError


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
]


def assert_mistake_named(result, kind, phrase):
    """A catalogued wrong answer fails, with the expected diagnosis and words a learner can act
    on."""
    assert result.status == "failed"
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def check_split(fn):
    return checks_03a.check_split(fn, strict=False)


@pytest.mark.parametrize(
    "name, fn, kind, phrase", SPLIT_MISTAKES, ids=[m[0] for m in SPLIT_MISTAKES]
)
def test_split_mistakes_are_named(name, fn, kind, phrase):
    result = check_split(fn)
    assert_mistake_named(result, kind, phrase)


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


@pytest.mark.parametrize(
    "fn",
    [
        split_notebook_solution,
        split_validation_first,
        split_stratified_shuffle_split,
        split_by_hand_marking_labels_in_place,
    ],
)
def test_other_valid_stratified_splits_pass(fn):
    result = check_split(fn)
    assert result.passed, result.message


def test_an_answer_that_edits_its_labels_is_noted_not_failed():
    result = check_split(split_by_hand_marking_labels_in_place)
    assert result.passed and "changed its input `y`" in result.message


def test_split_stub_is_not_attempted_and_the_fallback_is_the_reference():
    result = check_split(stub)
    assert result.status == "not attempted" and result.reference is stratified_split


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
]


def check_standardise(fn):
    return checks_03a.check_standardise_splits(fn, strict=False)


@pytest.mark.parametrize(
    "name, fn, kind, phrase", STANDARDISE_MISTAKES, ids=[m[0] for m in STANDARDISE_MISTAKES]
)
def test_standardise_mistakes_are_named(name, fn, kind, phrase):
    result = check_standardise(fn)
    assert_mistake_named(result, kind, phrase)


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


@pytest.mark.parametrize(
    "fn",
    [
        standardise_notebook_solution,
        standardise_with_scikit_learn,
        standardise_in_another_order,
        edits_inputs_in_place,
    ],
)
def test_right_standardisations_pass(fn):
    result = check_standardise(fn)
    assert result.passed, result.message


def test_a_float32_answer_is_told_that_the_check_works_in_float64():
    def in_float32(X_train, X_val, X_test):
        return standardise_notebook_solution(
            *(X.astype(np.float32) for X in (X_train, X_val, X_test))
        )

    result = check_standardise(in_float32)
    assert (
        result.verdict.kind == "precision"
        and "float32" in result.message
        and "rtol=1e-09" in result.message
    )


def test_standardise_notes_an_in_place_answer_and_falls_back_to_the_reference():
    assert "changed its input" in check_standardise(edits_inputs_in_place).message
    result = check_standardise(stub)
    assert result.status == "not attempted" and result.reference is standardise_splits


# ---------------------------------------------------------------- Exercise 3.3, one epoch of
# mini-batch SGD


def _epoch(params, X, y, batches, lr, sign=-1.0):
    for rows in batches:
        _, grads = numpy_mlp.loss_and_grads(params, X[rows], y[rows])
        params = {k: params[k] + sign * lr * grads[k] for k in params}
    return params


def _slices(order, bs):
    return [order[s : s + bs] for s in range(0, len(order), bs)]


def epoch_ascent(p, X, y, order, bs, lr):
    return _epoch(p, X, y, _slices(order, bs), lr, sign=+1.0)


def epoch_file_order(p, X, y, order, bs, lr):
    return _epoch(p, X, y, _slices(np.arange(len(order)), bs), lr)


def epoch_drops_last(p, X, y, order, bs, lr):
    return _epoch(p, X, y, [order[s : s + bs] for s in range(0, len(order) - bs + 1, bs)], lr)


def epoch_return_in_loop(p, X, y, order, bs, lr):
    for start in range(0, len(order), bs):
        rows = order[start : start + bs]
        _, grads = numpy_mlp.loss_and_grads(p, X[rows], y[rows])
        p = {k: p[k] - lr * grads[k] for k in p}
        return p


def epoch_full_batch(p, X, y, order, bs, lr):
    return _epoch(p, X, y, [order], lr)


def epoch_no_assignment(p, X, y, order, bs, lr):
    for rows in _slices(order, bs):
        _, grads = numpy_mlp.loss_and_grads(p, X[rows], y[rows])
        {k: p[k] - lr * grads[k] for k in p}
    return p


def epoch_sum_not_mean(p, X, y, order, bs, lr):
    for rows in _slices(order, bs):
        _, grads = numpy_mlp.loss_and_grads(p, X[rows], y[rows])
        p = {k: p[k] - lr * len(rows) * grads[k] for k in p}
    return p


def epoch_list_not_dict(p, X, y, order, bs, lr):
    return list(numpy_mlp.sgd_epoch(p, X, y, order, bs, lr).values())


def epoch_in_place(p, X, y, order, bs, lr):
    for rows in _slices(order, bs):
        _, grads = numpy_mlp.loss_and_grads(p, X[rows], y[rows])
        for k in p:
            p[k] -= lr * grads[k]
    return p


EPOCH_MISTAKES = [
    ("gradient ascent", epoch_ascent, "sign", "UP the gradient"),
    ("order ignored", epoch_file_order, "order ignored", "ignore `order`"),
    ("last batch dropped", epoch_drops_last, "last batch dropped", "last, smaller batch"),
    (
        "return inside the loop",
        epoch_return_in_loop,
        "one batch",
        "`return` indented inside the loop",
    ),
    ("one full-batch step", epoch_full_batch, "full batch", "full-batch"),
    ("update never assigned", epoch_no_assignment, "no update", "did not change"),
    ("sum over the batch instead of mean", epoch_sum_not_mean, "batch sum", "already averages"),
    (
        "learning rate scaled by 0.9",
        lambda p, X, y, o, bs, lr: numpy_mlp.sgd_epoch(p, X, y, o, bs, 0.9 * lr),
        "values",
        "In W",
    ),
    ("a list instead of a dict", epoch_list_not_dict, "structure", "Return a dict"),
]


def check_epoch(fn):
    return checks_03b.check_sgd_epoch(fn, strict=False)


@pytest.mark.parametrize(
    "name, fn, kind, phrase", EPOCH_MISTAKES, ids=[m[0] for m in EPOCH_MISTAKES]
)
def test_epoch_mistakes_are_named(name, fn, kind, phrase):
    result = check_epoch(fn)
    assert_mistake_named(result, kind, phrase)


def epoch_notebook_solution(params, X, y, order, batch_size, lr):
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        loss, grads = numpy_mlp.loss_and_grads(params, X[rows], y[rows])
        params = {key: params[key] - lr * grads[key] for key in params}
    return params


def epoch_with_array_split(params, X, y, order, batch_size, lr):
    """Batches cut by np.array_split at multiples of batch_size; a new dict built key by key."""
    for rows in np.array_split(order, range(batch_size, len(order), batch_size)):
        _, grads = numpy_mlp.loss_and_grads(params, X[rows], y[rows])
        new = {}
        for key, value in params.items():
            new[key] = value + (-lr) * grads[key]
        params = new
    return params


@pytest.mark.parametrize("fn", [epoch_notebook_solution, epoch_with_array_split, epoch_in_place])
def test_right_epochs_pass(fn):
    result = check_epoch(fn)
    assert result.passed, result.message


def test_epoch_in_place_is_noted_and_stub_falls_back_to_the_reference():
    assert "changed its input `p` in place" in check_epoch(epoch_in_place).message
    result = check_epoch(stub)
    assert result.status == "not attempted" and result.reference is numpy_mlp.sgd_epoch


# ---------------------------------------------------------------- Exercise 3.4, early stopping


def stop_one_based(losses, patience):
    best, stop = early_stopping(losses, patience)
    return best + 1, stop + 1


def stop_with_greater(losses, patience):  # `>` where `>=` was meant: one epoch late
    best, best_loss = 0, float("inf")
    for epoch, loss in enumerate(losses):
        if loss < best_loss:
            best, best_loss = epoch, loss
        elif epoch - best > patience:
            return best, epoch
    return best, len(losses) - 1


def stop_counter_off_by_one(
    losses, patience
):  # counter starts at 1 after the best: one epoch early
    best, best_loss, waited = 0, float("inf"), 0
    for epoch, loss in enumerate(losses):
        if loss < best_loss:
            best, best_loss, waited = epoch, loss, 1
        else:
            waited += 1
            if waited >= patience:
                return best, epoch
    return best, len(losses) - 1


def stop_with_hindsight(losses, patience):
    return int(np.argmin(losses)), early_stopping(losses, patience)[1]


def stop_returns_stop_twice(losses, patience):
    stop = early_stopping(losses, patience)[1]
    return stop, stop


def stop_ties_reset(losses, patience):
    best, best_loss = 0, float("inf")
    for epoch, loss in enumerate(losses):
        if loss <= best_loss:
            best, best_loss = epoch, loss
        elif epoch - best >= patience:
            return best, epoch
    return best, len(losses) - 1


STOPPING_MISTAKES = [
    ("epochs counted from 1", stop_one_based, "one-based", "counted from 1"),
    ("one epoch late (> for >=)", stop_with_greater, "too late", "one epoch too late"),
    (
        "one epoch early (counter off by one)",
        stop_counter_off_by_one,
        "too early",
        "one epoch too early",
    ),
    ("best chosen with hindsight", stop_with_hindsight, "look-ahead", "WHOLE list"),
    (
        "stop epoch returned as best",
        stop_returns_stop_twice,
        "last as best",
        "stopping epoch as the best",
    ),
    ("a tie resets the patience", stop_ties_reset, "ties improve", "strictly lower"),
    (
        "never stops",
        lambda losses, p: (int(np.argmin(losses)), len(losses) - 1),
        "never stops",
        "never stop early",
    ),
    ("a single number", lambda losses, p: early_stopping(losses, p)[0], "structure", "pair"),
    ("not whole numbers", lambda losses, p: (1.5, 2.5), "type", "whole numbers"),
    ("just wrong", lambda losses, p: (0, 0), "values", "best epoch: yours 0"),
]


def check_stopping(fn):
    return checks_03b.check_early_stopping(fn, strict=False)


@pytest.mark.parametrize(
    "name, fn, kind, phrase", STOPPING_MISTAKES, ids=[m[0] for m in STOPPING_MISTAKES]
)
def test_stopping_mistakes_are_named(name, fn, kind, phrase):
    result = check_stopping(fn)
    assert_mistake_named(result, kind, phrase)


def stop_notebook_solution(val_losses, patience):
    best_epoch, best_loss = 0, float("inf")
    for epoch, loss in enumerate(val_losses):
        if loss < best_loss:
            best_epoch, best_loss = epoch, loss
        elif epoch - best_epoch >= patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


def stop_with_a_counter_and_numpy_ints(val_losses, patience):
    """A `waited` counter instead of epoch arithmetic; returns NumPy integers."""
    best, best_loss, waited = 0, np.inf, 0
    for epoch in range(len(val_losses)):
        if val_losses[epoch] < best_loss:
            best, best_loss, waited = epoch, val_losses[epoch], 0
        else:
            waited += 1
            if waited == patience:
                return np.int64(best), np.int64(epoch)
    return np.int64(best), np.int64(len(val_losses) - 1)


def stop_consuming_the_list_in_place(val_losses, patience):
    """Pops the losses off a reversed list: the caller's list is emptied (an in-place edit)."""
    val_losses.reverse()
    best, best_loss, epoch = 0, float("inf"), -1
    while val_losses:
        loss, epoch = val_losses.pop(), epoch + 1
        if loss < best_loss:
            best, best_loss = epoch, loss
        elif epoch - best >= patience:
            return [best, epoch]
    return [best, epoch]


@pytest.mark.parametrize(
    "fn",
    [stop_notebook_solution, stop_with_a_counter_and_numpy_ints, stop_consuming_the_list_in_place],
)
def test_right_early_stoppings_pass(fn):
    result = check_stopping(fn)
    assert result.passed, result.message


def test_stopping_stub_is_not_attempted_and_falls_back_to_the_reference():
    result = check_stopping(stub)
    assert result.status == "not attempted" and result.reference is early_stopping


def test_a_split_that_ignores_its_seed_is_told_to_pass_it_on():
    from sklearn.model_selection import train_test_split as split

    def unseeded(y, val_fraction, test_fraction, seed):
        rows = np.arange(len(y))
        rest, test = split(rows, test_size=test_fraction, stratify=y)
        train, val = split(rest, test_size=val_fraction / (1 - test_fraction), stratify=y[rest])
        return train, val, test

    result = checks_03a.check_split(unseeded, strict=False)
    assert (
        result.status == "failed"
        and result.verdict.kind == "seed"
        and "random_state=seed" in result.message
    )
