"""Notebook 03b's checks: each catalogued wrong epoch of SGD or early stopping is named, several
right answers pass (one of them in place), a stub is reported as not attempted, and the fallback is
the teaching reference."""

import numpy as np
import pytest

from tests.checks.contract import not_attempted, right_answers_pass, stub, wrong_answers_named
from utils.ch03 import checks_03b, numpy_mlp
from utils.ch03.early_stopping import early_stopping

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
    ("return inside the loop", epoch_return_in_loop, "one batch", "`return` indented inside"),
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


test_epoch_mistakes_are_named = wrong_answers_named(checks_03b.check_sgd_epoch, EPOCH_MISTAKES)
test_right_epochs_pass = right_answers_pass(
    checks_03b.check_sgd_epoch, [epoch_notebook_solution, epoch_with_array_split, epoch_in_place]
)
test_epoch_stub_is_not_attempted = not_attempted(checks_03b.check_sgd_epoch)


def test_an_epoch_in_place_is_noted():
    result = checks_03b.check_sgd_epoch(epoch_in_place, strict=False)
    assert "changed its input `p` in place" in result.message


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


def stop_counter_off_by_one(losses, patience):  # the counter starts at 1: one epoch early
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
    ("one epoch early (counter)", stop_counter_off_by_one, "too early", "one epoch too early"),
    ("best chosen with hindsight", stop_with_hindsight, "look-ahead", "WHOLE list"),
    ("stop returned as best", stop_returns_stop_twice, "last as best", "stopping epoch as the"),
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


test_stopping_mistakes_are_named = wrong_answers_named(
    checks_03b.check_early_stopping, STOPPING_MISTAKES
)
test_right_early_stoppings_pass = right_answers_pass(
    checks_03b.check_early_stopping,
    [stop_notebook_solution, stop_with_a_counter_and_numpy_ints, stop_consuming_the_list_in_place],
)
test_stopping_stub_is_not_attempted = not_attempted(checks_03b.check_early_stopping)


def test_early_stopping_compares_whole_epochs_and_quotes_no_tolerance():
    result = checks_03b.check_early_stopping(stop_notebook_solution, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks_03b.check_sgd_epoch, numpy_mlp.sgd_epoch),
        (checks_03b.check_early_stopping, early_stopping),
    ],
)
def test_the_fallback_is_the_teaching_reference(check, reference):
    assert check(stub, strict=False).reference is reference


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def off_by_one(val_losses, patience):
        best, stop = early_stopping(val_losses, patience)
        return best + 1, stop + 1

    result = checks_03b.check_early_stopping(off_by_one, strict=False)
    assert result.status == "failed" and result.message.startswith("✗ 练习 3.4（早停）")
    assert "你的轮次从 1 开始计数" in result.message, result.message
    verdict = checks_03b.compare_epochs((2, 5), (2, 4))
    assert verdict.message == "轮次不对——停止轮次：你的是 5，期望 4。"
