"""Answer checks for notebook 03b: 3.3 one epoch of mini-batch SGD, 3.4 early stopping. Each
`check_<name>(learner_fn)` builds its seeded cases and calls `catalogued_check`, so a wrong answer
that matches a catalogued mistake is named in words."""

from __future__ import annotations

from typing import Callable

import numpy as np

from utils.ch03 import numpy_mlp
from utils.ch03.checks_03a import in_float64
from utils.ch03.early_stopping import early_stopping
from utils.checks.diagnose import Verdict, compare_named, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.data import breast_cancer_arrays, standardise_splits
from utils.i18n import N_, _


# ---------------------------------------------------------------- one epoch of mini-batch SGD


def _epoch_variant(
    params, X, y, order, batch_size, lr, *, sign=-1.0, batches=None, scale_by_batch=False
):
    params = {k: v.copy() for k, v in params.items()}
    for rows in (
        batches
        if batches is not None
        else [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    ):
        _loss, grads = numpy_mlp.loss_and_grads(params, X[rows], y[rows])
        step = lr * (len(rows) if scale_by_batch else 1)
        params = {k: params[k] + sign * step * grads[k] for k in params}
    return params


def _batches_in_file_order(params, X, y, order, batch_size, lr):
    rows = np.arange(len(order))
    return _epoch_variant(
        params,
        X,
        y,
        order,
        batch_size,
        lr,
        batches=[rows[s : s + batch_size] for s in range(0, len(rows), batch_size)],
    )


EPOCH_MISTAKES = (
    Mistake(
        "sign",
        lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, sign=+1.0),
        N_(
            "Your steps go UP the gradient (params + lr·grad), so the loss grows. Subtract: "
            "params − lr·grad."
        ),
    ),
    Mistake(
        "order ignored",
        _batches_in_file_order,
        N_(
            "Your batches take the rows in file order and ignore `order`. Batch k is "
            "X[order[k·b:(k+1)·b]]."
        ),
    ),
    Mistake(
        "last batch dropped",
        lambda p, X, y, o, bs, lr: _epoch_variant(
            p, X, y, o, bs, lr, batches=[o[s : s + bs] for s in range(0, len(o) - bs + 1, bs)]
        ),
        N_(
            "The last, smaller batch was skipped. range(0, len(order), batch_size) reaches it; "
            "the slice simply comes out shorter."
        ),
    ),
    Mistake(
        "one batch",
        lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, batches=[o[:bs]]),
        N_("Only the first batch was used. Is the `return` indented inside the loop?"),
    ),
    Mistake(
        "full batch",
        lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, batches=[o]),
        N_(
            "You took one step on all the rows at once (full-batch gradient descent). Take one "
            "step per mini-batch."
        ),
    ),
    Mistake(
        "batch sum",
        lambda p, X, y, o, bs, lr: _epoch_variant(p, X, y, o, bs, lr, scale_by_batch=True),
        N_(
            "Each step is batch_size times too large: loss_and_grads already averages over the "
            "batch, so do not multiply by its size."
        ),
    ),
    Mistake(
        "no update",
        lambda p, X, y, o, bs, lr: {k: v.copy() for k, v in p.items()},
        N_(
            "The parameters did not change. Assign the updated values: params = {k: params[k] − "
            "lr·grads[k] ...}."
        ),
    ),
)


def compare_params(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Two dicts of parameter arrays compared key by key (W1, b1, W2, ...)."""
    if got is None:
        return returned_none()
    if not isinstance(got, dict) or set(got) != set(expected):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        message = _("Return a dict with the keys {keys}; yours has {yours}.")
        return Verdict(False, "structure", message.format(keys=sorted(expected), yours=keys))
    names = tuple(expected)
    return compare_named(names)(
        tuple(got[k] for k in names),
        tuple(expected[k] for k in names),
        batch_size=batch_size,
        rtol=rtol,
        atol=atol,
    )


compare_epoch = in_float64(compare_params)


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
    Mistake(
        "one-based",
        lambda losses, p: tuple(e + 1 for e in early_stopping(losses, p)),
        N_("Your epochs are counted from 1. Count from 0: epoch e is val_losses[e]."),
    ),
    Mistake(
        "too late",
        lambda losses, p: early_stopping(losses, p + 1),
        N_(
            "You stop one epoch too late. With patience p, training stops at the p-th epoch in a "
            "row without improvement: epoch best + p."
        ),
    ),
    Mistake(
        "too early",
        lambda losses, p: early_stopping(losses, p - 1),
        N_(
            "You stop one epoch too early. With patience p, training stops at the p-th epoch in a "
            "row without improvement: epoch best + p."
        ),
    ),
    Mistake(
        "look-ahead",
        lambda losses, p: (int(np.argmin(losses)), early_stopping(losses, p)[1]),
        N_(
            "Your best epoch is the lowest loss of the WHOLE list, including epochs after "
            "training would have stopped. Only the losses up to the stop are known when you stop."
        ),
    ),
    Mistake(
        "last as best",
        lambda losses, p: (early_stopping(losses, p)[1],) * 2,
        N_(
            "You returned the stopping epoch as the best one. The best epoch is the one with the "
            "lowest validation loss; its weights are the ones to keep."
        ),
    ),
    Mistake(
        "ties improve",
        _ties_improve,
        N_(
            "A loss EQUAL to the best so far counted as an improvement. Only a strictly lower "
            "loss (<) resets the patience."
        ),
    ),
    Mistake(
        "never stops",
        lambda losses, p: (int(np.argmin(losses)), len(losses) - 1),
        N_(
            "You never stop early: the stop epoch is the last one although the patience ran out "
            "earlier."
        ),
    ),
)


def compare_epochs(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """A (best_epoch, stop_epoch) pair of integers, compared exactly."""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Verdict(False, "structure", _("Return a pair (best_epoch, stop_epoch)."))
    try:
        if any(float(g) != int(g) for g in got):
            raise ValueError
        got = tuple(int(g) for g in got)
    except (TypeError, ValueError, OverflowError):
        return Verdict(False, "type", _("Both epochs must be whole numbers (list indices)."))
    if got == tuple(expected):
        return Verdict(True, "ok", "exact", 0.0)
    parts = [
        _("{name}: yours {got}, expected {expected}").format(name=_(name), got=g, expected=e)
        for name, g, e in zip((N_("best epoch"), N_("stop epoch")), got, expected)
        if g != e
    ]
    return Verdict(False, "values", _("Wrong epoch — {details}.").format(details="; ".join(parts)))


def check_sgd_epoch(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.3: three seeded networks and row orders against `numpy_mlp.sgd_epoch`, to rtol
    1e-9."""
    rng = np.random.default_rng(33)

    def problem(sizes, n):
        X = rng.normal(size=(n, sizes[0]))
        return numpy_mlp.init_params(sizes, rng), X, (X[:, 0] > 0).astype(float)

    X_biopsy, y_biopsy, _names = breast_cancer_arrays()
    (Z_biopsy,) = standardise_splits(X_biopsy[:50])
    cases = [
        Case(
            (*problem([4, 5, 1], 10), rng.permutation(10), 3, 0.1),
            N_("4-5-1 net, 10 rows, batches of 3 (last one 1 row)"),
        ),
        Case(
            (*problem([6, 8, 4, 1], 24), rng.permutation(24), 8, 0.5),
            N_("6-8-4-1 net, 24 rows, batches of 8"),
        ),
        Case(
            (
                numpy_mlp.init_params([30, 32, 16, 1], rng),
                Z_biopsy,
                y_biopsy[:50],
                rng.permutation(50),
                16,
                0.05,
            ),
            N_("the course's 30-32-16-1 net, 50 biopsy rows"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 3.3 (one epoch of mini-batch SGD)"),
        learner_fn,
        numpy_mlp.sgd_epoch,
        cases,
        mistakes=EPOCH_MISTAKES,
        compare=compare_epoch,
        rtol=1e-9,
        atol=1e-12,
        strict=strict,
    )


def _over_fitting_curve(rng: np.random.Generator, epochs: int = 300) -> list[float]:
    """A seeded validation-loss curve that falls, bottoms out and climbs, with noise (as an
    over-fitting run's does)."""
    t = np.arange(epochs)
    return list(
        0.6 * np.exp(-t / 12)
        + 0.15
        + 0.15 * (t / epochs) ** 1.5
        + rng.normal(0.0, 0.004, size=epochs)
    )


def check_early_stopping(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 3.4: five loss curves (a dip, a tie, always improving, a noisy over-fitting curve);
    epochs compared exactly."""
    rng = np.random.default_rng(34)
    dip = [1.0, 0.8, 0.7, 0.72, 0.71, 0.73, 0.69, 0.75, 0.8, 0.9]
    cases = [
        Case((dip, 2), N_("a dip, then a late improvement, patience 2")),
        Case((dip, 4), N_("the same losses, patience 4")),
        Case(
            ([0.5, 0.4, 0.4, 0.45, 0.3, 0.35, 0.36, 0.37], 2), N_("a tie with the best, patience 2")
        ),
        Case(([0.9, 0.8, 0.7, 0.6, 0.5], 3), N_("always improving, patience 3")),
        Case(
            (_over_fitting_curve(rng), 20),
            N_("a noisy over-fitting curve of 300 epochs, patience 20"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 3.4 (early stopping)"),
        learner_fn,
        early_stopping,
        cases,
        mistakes=EARLY_STOPPING_MISTAKES,
        compare=compare_epochs,
        exact=True,  # whole epochs, compared exactly: no tolerance to quote
        strict=strict,
    )
