"""Answer checks for chapter 3's exercises: 3.1 stratified split, 3.2 leak-free standardisation, 3.3 one epoch of
mini-batch SGD, 3.4 early stopping. Each `check_<name>(learner_fn)` builds its seeded cases and calls
`check_function`; each expected answer carries the catalogued wrong answers computed on the same inputs, so a
wrong answer that matches one is named in words."""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from utils import numpy_mlp
from utils.checks.diagnose import Verdict, compare_named, returned_none
from utils.checks.mistakes import naming_mistakes, with_mistakes
from utils.checks.runner import Case, CheckResult, check_function
from utils.data import breast_cancer_arrays, standardise_splits
from utils.early_stopping import early_stopping
from utils.preprocessing import stratified_split


# ---------------------------------------------------------------- the split


@dataclass(frozen=True)
class SplitExpected:
    y: np.ndarray
    sizes: tuple[int, int, int]


def expected_split(y, val_fraction: float, test_fraction: float, seed: int = 0) -> SplitExpected:
    """What a right split must satisfy: the labels (for the class proportions) and the reference sizes."""
    return SplitExpected(np.asarray(y), tuple(len(part) for part in stratified_split(y, val_fraction, test_fraction, seed)))


def compare_split(got, expected: SplitExpected, *, batch_size=None, rtol=None, atol=None, tolerance: float = 2.0) -> Verdict:
    """Three disjoint index arrays covering every row, of the right sizes (± one row per class, since a split
    made class by class rounds once per class), each with each class's count within `tolerance` rows of its share."""
    names = ("train", "val", "test")
    if isinstance(got, Unrepeatable):
        return Verdict(False, "seed", (
            "Called twice with the same seed, your function gave two different splits, so results cannot be "
            "reproduced. Pass the seed on: random_state=seed in train_test_split, or np.random.default_rng(seed)."
        ))
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Verdict(False, "structure", "Return a tuple of three index arrays, in this order: train, val, test.")
    parts = []
    n = len(expected.y)
    for name, part in zip(names, got):
        part = np.asarray(part)
        if part.dtype == bool:
            return Verdict(False, "type", f"The {name} part is a boolean mask; return row indices instead (np.flatnonzero(mask)).")
        if part.ndim != 1 or not np.issubdtype(part.dtype, np.integer):
            return Verdict(False, "type", f"The {name} part should be a 1-D array of integer row indices; it has dtype {part.dtype} and shape {part.shape}.")
        if part.size and (part.min() < 0 or part.max() >= n):
            return Verdict(False, "range", f"The {name} part holds indices outside 0 … {n - 1}.")
        parts.append(part)
    for (a, pa), (b, pb) in (((0, parts[0]), (1, parts[1])), ((0, parts[0]), (2, parts[2])), ((1, parts[1]), (2, parts[2]))):
        shared = np.intersect1d(pa, pb)
        if shared.size:
            return Verdict(False, "overlap", f"{shared.size} rows are in both {names[a]} and {names[b]} (for example row {shared[0]}): the splits must not overlap, or the model is tested on rows it trained on.")
    for name, part in zip(names, parts):
        if len(np.unique(part)) != len(part):
            return Verdict(False, "duplicates", f"The {name} part lists some rows twice.")
    covered = sum(len(p) for p in parts)
    if covered != n:
        return Verdict(False, "coverage", f"The three parts hold {covered} rows, but there are {n}: every row must go to exactly one split.")
    slack = max(1, len(np.unique(expected.y)))
    for name, part, size in zip(names, parts, expected.sizes):
        if abs(len(part) - size) > slack:
            return Verdict(False, "sizes", f"The {name} part has {len(part)} rows; expected about {size}. Note that val_fraction and test_fraction are fractions of ALL rows.")
    for name, part in zip(names, parts):
        for label in np.unique(expected.y):
            share = np.mean(expected.y == label)
            count = int(np.sum(expected.y[part] == label))
            if abs(count - share * len(part)) > tolerance:
                unshuffled = np.array_equal(np.sort(np.concatenate(parts[:2])), np.arange(covered - len(parts[2]))) or np.all(np.diff(np.concatenate(parts)) > 0)
                hint = " The rows were taken in file order: shuffle them (stratified) first." if unshuffled else ""
                return Verdict(False, "stratification", (
                    f"Not stratified: the {name} part has {count} rows of class {label:g} out of {len(part)}, "
                    f"but the whole set's share would give about {share * len(part):.1f}.{hint} "
                    "Pass stratify=y (and for the second split, stratify=y[rest]) to train_test_split."
                ))
    return Verdict(True, "ok", "disjoint, complete, right sizes, stratified", 0.0)


compare_split.exact = True  # a structural check: no tolerance to quote


# ---------------------------------------------------------------- leak-free standardisation


def _fit_apply(fit_on, parts, axis=0, ddof=0, scale=True):
    mu = fit_on.mean(axis=axis, keepdims=True)
    sigma = fit_on.std(axis=axis, ddof=ddof, keepdims=True) if scale else 1.0
    return tuple((X - mu) / sigma for X in parts)


STANDARDISE_MISTAKES = (
    ("leak", lambda a, b, c: _fit_apply(np.vstack([a, b, c]), (a, b, c)),
     "You fitted the mean and std on ALL the rows, validation and test included: that is the leak. "
     "Compute them from X_train only, then apply those same numbers to X_val and X_test."),
    ("per-split", lambda a, b, c: tuple(_fit_apply(X, (X,))[0] for X in (a, b, c)),
     "Each split was standardised with its own mean and std. Validation and test must be scaled with the "
     "TRAINING statistics, the same transformation the model was trained on."),
    ("axis", lambda a, b, c: (_fit_apply(a, (a,), axis=1)[0], _fit_apply(b, (b,), axis=1)[0], _fit_apply(c, (c,), axis=1)[0]),
     "You took the mean and std of each ROW (axis=1). Features are the columns: use axis=0 on X_train."),
    ("ddof", lambda a, b, c: _fit_apply(a, (a, b, c), ddof=1),
     "You used the sample std (ddof=1). Use the population std (ddof=0), as StandardScaler does."),
    ("not scaled", lambda a, b, c: _fit_apply(a, (a, b, c), scale=False),
     "The columns are centred but not scaled: divide by the training std as well."),
)

def _low_precision(got) -> str | None:
    """The dtype of the first float32/float16 array in an answer (a tuple or dict of arrays), if any."""
    parts = got.values() if isinstance(got, dict) else got if isinstance(got, (tuple, list)) else (got,)
    for part in parts:
        dtype = getattr(part, "dtype", None)
        if dtype is not None and np.dtype(dtype) in (np.float32, np.float16):
            return str(np.dtype(dtype))
    return None


def in_float64(compare):
    """`compare`, except that a wrong answer held in float32 is told that this float64 exercise's tolerance needs float64."""

    def checked(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        verdict = compare(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)
        dtype = None if verdict.passed else _low_precision(got)
        if dtype is None:
            return verdict
        return Verdict(False, "precision", (
            f"Your answer is {dtype}, which keeps about 7 significant digits, and this check works in float64 "
            f"(rtol={rtol:g}). Keep the inputs' float64: drop the .astype(np.float32) or dtype=np.float32. "
            f"({verdict.message})"
        ), verdict.relative_error)

    return checked


expected_standardisation = with_mistakes(standardise_splits, STANDARDISE_MISTAKES)
compare_standardisation = in_float64(naming_mistakes(compare_named(("Z_train", "Z_val", "Z_test"))))


# ---------------------------------------------------------------- one epoch of mini-batch SGD


def _epoch_variant(params, X, y, order, batch_size, lr, *, sign=-1.0, batches=None, scale_by_batch=False):
    params = {k: v.copy() for k, v in params.items()}
    for rows in batches if batches is not None else [order[s : s + batch_size] for s in range(0, len(order), batch_size)]:
        _, grads = numpy_mlp.loss_and_grads(params, X[rows], y[rows])
        step = lr * (len(rows) if scale_by_batch else 1)
        params = {k: params[k] + sign * step * grads[k] for k in params}
    return params


def _batches_in_file_order(params, X, y, order, batch_size, lr):
    rows = np.arange(len(order))
    return _epoch_variant(params, X, y, order, batch_size, lr, batches=[rows[s : s + batch_size] for s in range(0, len(rows), batch_size)])


EPOCH_MISTAKES = (
    ("sign", lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, sign=+1.0),
     "Your steps go UP the gradient (params + lr·grad), so the loss grows. Subtract: params − lr·grad."),
    ("order ignored", _batches_in_file_order,
     "Your batches take the rows in file order and ignore `order`. Batch k is X[order[k·b:(k+1)·b]]."),
    ("last batch dropped", lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, batches=[o[s : s + bs] for s in range(0, len(o) - bs + 1, bs)]),
     "The last, smaller batch was skipped. range(0, len(order), batch_size) reaches it; the slice simply comes out shorter."),
    ("one batch", lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, batches=[o[:bs]]),
     "Only the first batch was used. Is the `return` indented inside the loop?"),
    ("full batch", lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, batches=[o]),
     "You took one step on all the rows at once (full-batch gradient descent). Take one step per mini-batch."),
    ("batch sum", lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, scale_by_batch=True),
     "Each step is batch_size times too large: loss_and_grads already averages over the batch, so do not multiply by its size."),
    ("no update", lambda p, X, y, o, bs, lr: {k: v.copy() for k, v in p.items()},
     "The parameters did not change. Assign the updated values: params = {k: params[k] − lr·grads[k] ...}."),
)


def compare_params(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Two dicts of parameter arrays compared key by key (W1, b1, W2, ...)."""
    if got is None:
        return returned_none()
    if not isinstance(got, dict) or set(got) != set(expected):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        return Verdict(False, "structure", f"Return a dict with the keys {sorted(expected)}; yours has {keys}.")
    names = tuple(expected)
    return compare_named(names)(tuple(got[k] for k in names), tuple(expected[k] for k in names), batch_size=batch_size, rtol=rtol, atol=atol)


expected_epoch = with_mistakes(numpy_mlp.sgd_epoch, EPOCH_MISTAKES)
compare_epoch = in_float64(naming_mistakes(compare_params))


# ---------------------------------------------------------------- early stopping


def _ties_improve(losses, patience):
    best, best_loss = 0, float("inf")
    for epoch, loss in enumerate(losses):
        if loss <= best_loss:
            best, best_loss = epoch, loss
        elif epoch - best >= patience:
            return best, epoch
    return best, len(losses) - 1


EARLY_STOPPING_MISTAKES = (
    ("one-based", lambda losses, p: tuple(e + 1 for e in early_stopping(losses, p)),
     "Your epochs are counted from 1. Count from 0: epoch e is val_losses[e]."),
    ("too late", lambda losses, p: early_stopping(losses, p + 1),
     "You stop one epoch too late. With patience p, training stops at the p-th epoch in a row without improvement: epoch best + p."),
    ("too early", lambda losses, p: early_stopping(losses, p - 1),
     "You stop one epoch too early. With patience p, training stops at the p-th epoch in a row without improvement: epoch best + p."),
    ("look-ahead", lambda losses, p: (int(np.argmin(losses)), early_stopping(losses, p)[1]),
     "Your best epoch is the lowest loss of the WHOLE list, including epochs after training would have stopped. "
     "Only the losses up to the stop are known when you stop."),
    ("last as best", lambda losses, p: (early_stopping(losses, p)[1],) * 2,
     "You returned the stopping epoch as the best one. The best epoch is the one with the lowest validation loss; its weights are the ones to keep."),
    ("ties improve", _ties_improve,
     "A loss EQUAL to the best so far counted as an improvement. Only a strictly lower loss (<) resets the patience."),
    ("never stops", lambda losses, p: (int(np.argmin(losses)), len(losses) - 1),
     "You never stop early: the stop epoch is the last one although the patience ran out earlier."),
)


def compare_epochs(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A (best_epoch, stop_epoch) pair of integers, compared exactly."""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Verdict(False, "structure", "Return a pair (best_epoch, stop_epoch).")
    try:
        if any(float(g) != int(g) for g in got):
            raise ValueError
        got = tuple(int(g) for g in got)
    except (TypeError, ValueError, OverflowError):
        return Verdict(False, "type", "Both epochs must be whole numbers (list indices).")
    if got == tuple(expected):
        return Verdict(True, "ok", "exact", 0.0)
    parts = [f"{name}: yours {g}, expected {e}" for name, g, e in zip(("best epoch", "stop epoch"), got, expected) if g != e]
    return Verdict(False, "values", "Wrong epoch — " + "; ".join(parts) + ".")


expected_early_stopping = with_mistakes(early_stopping, EARLY_STOPPING_MISTAKES)
compare_epochs.exact = True  # whole epochs, compared exactly
compare_early_stopping = naming_mistakes(compare_epochs)


# ---------------------------------------------------------------- the checks the notebooks call


def _falling_back_to(result: CheckResult, reference: Callable) -> CheckResult:
    """The result, with `reference` as what `choose_implementation` falls back to (not the expected-answer builder)."""
    return dataclasses.replace(result, reference=reference)


class Unrepeatable(tuple):
    """A split that came out differently when called again with the same arguments (the seed was ignored)."""


def _called_twice(learner_fn: Callable) -> Callable:
    """`learner_fn` run twice on its own copies of the arguments; an `Unrepeatable` result if the two differ."""

    @functools.wraps(learner_fn)
    def run(*args, **kwargs):
        kept = copy.deepcopy((args, kwargs))  # the second call gets the inputs as they were before the first
        first = learner_fn(*args, **kwargs)
        again = learner_fn(*kept[0], **kept[1])
        try:
            same = len(first) == len(again) and all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again))
        except TypeError:
            return first  # not a sequence of parts: compare_split says what is wrong with it
        return first if same else Unrepeatable(first)

    return run


def check_split(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.1: any disjoint, complete, stratified split of the right sizes passes, not only the reference's."""
    rng = np.random.default_rng(31)
    _, biopsy_labels, _ = breast_cancer_arrays()
    cases = [
        Case((biopsy_labels, 0.2, 0.2, 0), "the 569 biopsy labels, 60/20/20"),
        Case((np.r_[np.zeros(60), np.ones(140)], 0.15, 0.25, 1), "200 labels sorted by class, 60/15/25"),
        Case((rng.choice(3, size=300, p=[0.6, 0.3, 0.1]), 0.2, 0.2, 2), "300 labels of 3 classes, shares 0.6/0.3/0.1"),
    ]
    result = check_function("Exercise 3.1 (stratified split)", _called_twice(learner_fn), expected_split, cases, compare=compare_split,
                            strict=strict, answer_keys=(stratified_split,))
    return _falling_back_to(result, stratified_split)


def _scaled_splits(rng: np.random.Generator, n_rows: tuple[int, ...], scales: list[float], shift: float) -> tuple:
    X_all = rng.normal(size=(sum(n_rows), len(scales))) * scales + shift
    return tuple(np.split(X_all, np.cumsum(n_rows)[:-1]))


def check_standardise_splits(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.2: three seeded sets of splits against StandardScaler fitted on the training split, to rtol 1e-9."""
    rng = np.random.default_rng(32)
    X, _, _ = breast_cancer_arrays()
    cases = [
        Case(_scaled_splits(rng, (12, 4, 5), [1.0, 10.0, 100.0], 3.0), "12/4/5 rows, 3 columns of different scales"),
        Case((X[:50], X[50:70], X[70:90] + 2.0), "50/20/20 raw biopsy rows, test rows shifted"),
        Case(_scaled_splits(rng, (30, 30, 30), [0.01, 1.0, 5.0, 1000.0], -7.0), "30/30/30 rows, 4 columns"),
    ]
    result = check_function("Exercise 3.2 (leak-free standardisation)", learner_fn, expected_standardisation, cases,
                            compare=compare_standardisation, rtol=1e-9, atol=1e-12, strict=strict)
    return _falling_back_to(result, standardise_splits)


def check_sgd_epoch(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.3: three seeded networks and row orders against `numpy_mlp.sgd_epoch`, to rtol 1e-9."""
    rng = np.random.default_rng(33)

    def problem(sizes, n):
        X = rng.normal(size=(n, sizes[0]))
        return numpy_mlp.init_params(sizes, rng), X, (X[:, 0] > 0).astype(float)

    X_biopsy, y_biopsy, _ = breast_cancer_arrays()
    (Z_biopsy,) = standardise_splits(X_biopsy[:50])
    cases = [
        Case((*problem([4, 5, 1], 10), rng.permutation(10), 3, 0.1), "4-5-1 net, 10 rows, batches of 3 (last one 1 row)"),
        Case((*problem([6, 8, 4, 1], 24), rng.permutation(24), 8, 0.5), "6-8-4-1 net, 24 rows, batches of 8"),
        Case((numpy_mlp.init_params([30, 32, 16, 1], rng), Z_biopsy, y_biopsy[:50], rng.permutation(50), 16, 0.05),
             "the course's 30-32-16-1 net, 50 biopsy rows"),
    ]
    result = check_function("Exercise 3.3 (one epoch of mini-batch SGD)", learner_fn, expected_epoch, cases,
                            compare=compare_epoch, rtol=1e-9, atol=1e-12, strict=strict)
    return _falling_back_to(result, numpy_mlp.sgd_epoch)


def _over_fitting_curve(rng: np.random.Generator, epochs: int = 300) -> list[float]:
    """A seeded validation-loss curve that falls, bottoms out and climbs, with noise (as an over-fitting run's does)."""
    t = np.arange(epochs)
    return list(0.6 * np.exp(-t / 12) + 0.15 + 0.15 * (t / epochs) ** 1.5 + rng.normal(0.0, 0.004, size=epochs))


def check_early_stopping(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.4: five loss curves (a dip, a tie, always improving, a noisy over-fitting curve); epochs compared exactly."""
    rng = np.random.default_rng(34)
    dip = [1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.75, 0.8, 0.9]
    cases = [
        Case((dip, 2), "a dip, then a late improvement, patience 2"),
        Case((dip, 4), "the same losses, patience 4"),
        Case(([0.5, 0.4, 0.4, 0.45, 0.3, 0.35, 0.36, 0.37], 2), "a tie with the best, patience 2"),
        Case(([0.9, 0.8, 0.7, 0.6, 0.5], 3), "always improving, patience 3"),
        Case((_over_fitting_curve(rng), 20), "a noisy over-fitting curve of 300 epochs, patience 20"),
    ]
    result = check_function("Exercise 3.4 (early stopping)", learner_fn, expected_early_stopping, cases,
                            compare=compare_early_stopping, strict=strict)
    return _falling_back_to(result, early_stopping)
