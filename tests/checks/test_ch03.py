"""Chapter 3's checks must name each catalogued wrong answer, pass the reference, and report a stub as not attempted."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from utils import numpy_mlp
from utils.data import breast_cancer_arrays
from utils.early_stopping import early_stopping
from utils.checks import Case, check_function
from utils.checks.ch03 import (
    compare_early_stopping,
    compare_epoch,
    compare_split,
    compare_standardisation,
    expected_early_stopping,
    expected_epoch,
    expected_split,
    expected_standardisation,
)
from utils.preprocessing import standardise_splits, stratified_split

rng = np.random.default_rng(0)


def stub(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- Exercise 3.1, the split

_, Y_BIOPSY, _ = breast_cancer_arrays()
SPLIT_CASES = [
    Case((Y_BIOPSY, 0.2, 0.2, 0), "biopsy labels"),
    Case((np.r_[np.zeros(60), np.ones(140)], 0.15, 0.25, 1), "sorted labels"),
    Case((rng.choice(3, size=300, p=[0.6, 0.3, 0.1]), 0.2, 0.2, 2), "three classes"),
]


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
    ("val fraction taken of the rest", split_val_fraction_of_rest, "sizes", "fractions of ALL rows"),
    ("overlapping parts", split_overlapping, "overlap", "must not overlap"),
    ("rows dropped", split_missing_rows, "coverage", "exactly one split"),
    ("boolean masks", split_masks, "type", "boolean mask"),
    ("two parts only", lambda y, vf, tf, s: stratified_split(y, vf, tf, s)[:2], "structure", "three index arrays"),
    ("None", lambda y, vf, tf, s: None, "none", "return"),
]


def assert_mistake_named(result, kind, phrase):
    """A catalogued wrong answer fails, with the expected diagnosis and words a learner can act on."""
    assert result.status == "failed"
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def check_split(fn):
    return check_function("split", fn, expected_split, SPLIT_CASES, compare=compare_split, strict=False)


@pytest.mark.parametrize("name, fn, kind, phrase", SPLIT_MISTAKES, ids=[m[0] for m in SPLIT_MISTAKES])
def test_split_mistakes_are_named(name, fn, kind, phrase):
    result = check_split(fn)
    assert_mistake_named(result, kind, phrase)


def test_split_reference_passes_and_stub_is_not_attempted():
    assert check_split(stratified_split).status == "passed"
    assert check_split(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 3.2, leak-free standardisation


def _splits(n_rows, scales, shift):
    X = rng.normal(size=(sum(n_rows), len(scales))) * scales + shift
    return tuple(np.split(X, np.cumsum(n_rows)[:-1]))


STANDARDISE_CASES = [
    Case(_splits((12, 4, 5), [1.0, 10.0, 100.0], 3.0), "12/4/5"),
    Case(_splits((30, 30, 30), [0.01, 1.0, 5.0, 1000.0], -7.0), "30/30/30"),
]


def leak(a, b, c):
    X = np.vstack([a, b, c])
    mu, sigma = X.mean(axis=0), X.std(axis=0)
    return (a - mu) / sigma, (b - mu) / sigma, (c - mu) / sigma


def per_split(a, b, c):
    return tuple((X - X.mean(axis=0)) / X.std(axis=0) for X in (a, b, c))


def rows_not_columns(a, b, c):
    return tuple((X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True) for X in (a, b, c))


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
    ("two arrays returned", lambda a, b, c: standardise_splits(a, b, c)[:2], "structure", "Z_train, Z_val, Z_test"),
]


def check_standardise(fn):
    return check_function("standardise", fn, expected_standardisation, STANDARDISE_CASES,
                          compare=compare_standardisation, rtol=1e-9, atol=1e-12, strict=False)


@pytest.mark.parametrize("name, fn, kind, phrase", STANDARDISE_MISTAKES, ids=[m[0] for m in STANDARDISE_MISTAKES])
def test_standardise_mistakes_are_named(name, fn, kind, phrase):
    result = check_standardise(fn)
    assert_mistake_named(result, kind, phrase)


def test_standardise_reference_passes_even_when_the_answer_edits_its_inputs():
    assert check_standardise(standardise_splits).status == "passed"
    assert check_standardise(edits_inputs_in_place).status == "passed"
    assert check_standardise(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 3.3, one epoch of mini-batch SGD


def _problem(sizes, n, batch_size, lr):
    X = rng.normal(size=(n, sizes[0]))
    return numpy_mlp.init_params(sizes, rng), X, (X[:, 0] > 0).astype(float), rng.permutation(n), batch_size, lr


EPOCH_CASES = [Case(_problem([4, 5, 1], 10, 3, 0.1), "10 rows, batches of 3"), Case(_problem([6, 8, 4, 1], 24, 8, 0.5), "24 rows, batches of 8")]


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
    ("return inside the loop", epoch_return_in_loop, "one batch", "`return` indented inside the loop"),
    ("one full-batch step", epoch_full_batch, "full batch", "full-batch"),
    ("update never assigned", epoch_no_assignment, "no update", "did not change"),
    ("sum over the batch instead of mean", epoch_sum_not_mean, "batch sum", "already averages"),
    ("learning rate scaled by 0.9", lambda p, X, y, o, bs, lr: numpy_mlp.sgd_epoch(p, X, y, o, bs, 0.9 * lr), "values", "In W"),
    ("a list instead of a dict", epoch_list_not_dict, "structure", "Return a dict"),
]


def check_epoch(fn):
    return check_function("epoch", fn, expected_epoch, EPOCH_CASES, compare=compare_epoch, rtol=1e-9, atol=1e-12, strict=False)


@pytest.mark.parametrize("name, fn, kind, phrase", EPOCH_MISTAKES, ids=[m[0] for m in EPOCH_MISTAKES])
def test_epoch_mistakes_are_named(name, fn, kind, phrase):
    result = check_epoch(fn)
    assert_mistake_named(result, kind, phrase)


def test_epoch_reference_and_in_place_answer_pass_and_stub_is_not_attempted():
    assert check_epoch(numpy_mlp.sgd_epoch).status == "passed"
    assert check_epoch(epoch_in_place).status == "passed"
    assert check_epoch(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 3.4, early stopping

STOPPING_CASES = [
    Case(([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.75, 0.8, 0.9], 2), "dip, patience 2"),
    Case(([1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.75, 0.8, 0.9], 4), "dip, patience 4"),
    Case(([0.5, 0.4, 0.4, 0.45, 0.3, 0.35, 0.36, 0.37], 2), "tie, patience 2"),
    Case(([0.9, 0.8, 0.7, 0.6, 0.5], 3), "always improving"),
]


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


def stop_counter_off_by_one(losses, patience):  # counter starts at 1 after the best: one epoch early
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
    ("one epoch early (counter off by one)", stop_counter_off_by_one, "too early", "one epoch too early"),
    ("best chosen with hindsight", stop_with_hindsight, "look-ahead", "WHOLE list"),
    ("stop epoch returned as best", stop_returns_stop_twice, "last as best", "stopping epoch as the best"),
    ("a tie resets the patience", stop_ties_reset, "ties improve", "strictly lower"),
    ("never stops", lambda losses, p: (int(np.argmin(losses)), len(losses) - 1), "never stops", "never stop early"),
    ("a single number", lambda losses, p: early_stopping(losses, p)[0], "structure", "pair"),
    ("not whole numbers", lambda losses, p: (1.5, 2.5), "type", "whole numbers"),
    ("just wrong", lambda losses, p: (0, 0), "values", "best epoch: yours 0"),
]


def check_stopping(fn):
    return check_function("stopping", fn, expected_early_stopping, STOPPING_CASES, compare=compare_early_stopping, strict=False)


@pytest.mark.parametrize("name, fn, kind, phrase", STOPPING_MISTAKES, ids=[m[0] for m in STOPPING_MISTAKES])
def test_stopping_mistakes_are_named(name, fn, kind, phrase):
    result = check_stopping(fn)
    assert_mistake_named(result, kind, phrase)


def test_stopping_reference_passes_and_stub_is_not_attempted():
    assert check_stopping(early_stopping).status == "passed"
    assert check_stopping(stub).status == "not attempted"
