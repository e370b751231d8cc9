"""Chapter 5's checks must name each catalogued wrong answer, pass the reference, and report a stub as not attempted."""

from functools import partial

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.checkpoint import load_checkpoint, save_checkpoint
from utils.checks.ch05 import checkpoint_outcome, compare_metrics, compare_step, step_outcome
from utils.checks import compare_named
from utils.evaluation import threshold_metrics
from utils.checks import Case, check_function
from utils.training import training_step

# ---------------------------------------------------------------- Exercise 5.1: the training step

STEP_CASES = [
    Case(("sgd", 1, 8, 0), "one SGD step on a batch of 8", batch_size=8),
    Case(("adam", 3, 8, 1), "three Adam steps: are the gradients cleared before each step?", batch_size=8),
    Case(("sgd", 1, 32, 2), "one SGD step on a batch of 32", batch_size=32),
]


def check_step(step):
    return check_function("5.1", partial(step_outcome, step), partial(step_outcome, training_step), STEP_CASES,
                          compare=compare_step, rtol=1e-4, atol=1e-7, strict=False)


def no_zero_grad(model, optimizer, X, y):
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def no_optimizer_step(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    return loss.detach()


def gradient_ascent(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    (-loss).backward()
    optimizer.step()
    return loss.detach()


def summed_loss(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y, reduction="sum")
    loss.backward()
    optimizer.step()
    return loss.detach() / len(y)


def returns_nothing(model, optimizer, X, y):
    optimizer.zero_grad()
    F.binary_cross_entropy_with_logits(model(X), y).backward()
    optimizer.step()


def step_before_backward(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    optimizer.step()
    loss.backward()
    return loss.detach()


def sigmoid_twice(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(torch.sigmoid(model(X)), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def bce_on_logits(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def squeezed_labels(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y.squeeze())
    loss.backward()
    optimizer.step()
    return loss.detach()


def returns_item(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


# (wrong answer, status, verdict kind or None, a phrase the message must contain)
STEP_CATALOGUE = [
    (no_zero_grad, "failed", "values", "are the gradients cleared"),
    (no_optimizer_step, "failed", "unchanged", "did not change"),
    (gradient_ascent, "failed", "sign", "Wrong sign"),
    (summed_loss, "failed", "batch-mean", "mean over the batch is missing"),
    (returns_nothing, "failed", "none", "return"),
    (step_before_backward, "failed", "unchanged", "optimizer.step()"),
    (sigmoid_twice, "failed", "values", "In parameter change"),
    (bce_on_logits, "error", None, "raised an error"),
    (squeezed_labels, "error", None, "ValueError"),
]


@pytest.mark.parametrize("wrong, status, kind, phrase", STEP_CATALOGUE, ids=[c[0].__name__ for c in STEP_CATALOGUE])
def test_training_step_check_names_the_mistake(wrong, status, kind, phrase):
    result = check_step(wrong)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_training_step_reference_and_item_pass_and_stub_is_not_attempted():
    assert check_step(training_step).status == "passed"
    assert check_step(returns_item).status == "passed"

    def stub(model, optimizer, X, y):
        raise NotImplementedError

    assert check_step(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 5.2: threshold metrics

rng = np.random.default_rng(0)


def metric_case(n, threshold, ties=False):
    p = rng.uniform(size=n)
    if ties:
        p[: n // 4] = threshold
    return (p, (rng.uniform(size=n) < p).astype(float), threshold)


METRIC_CASES = [
    Case(metric_case(20, 0.5), "20 predictions, threshold 0.5", batch_size=20),
    Case(metric_case(30, 0.3), "30 predictions, threshold 0.3", batch_size=30),
    Case(metric_case(24, 0.5, ties=True), "24 predictions, 6 exactly at the threshold", batch_size=24),
]


def check_metrics(fn):
    return check_function("5.2", fn, threshold_metrics, METRIC_CASES,
                          compare=compare_metrics, strict=False)


def _parts(p, y, threshold, rule=lambda p, t: p > t):
    predicted, positive = rule(p, threshold), y == 1
    tp = np.sum(predicted & positive)
    return predicted, positive, tp


def accuracy_as_count(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold)
    return float(np.sum(predicted == positive)), tp / np.sum(predicted), tp / np.sum(positive)


def precision_recall_swapped(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold)
    return float(np.mean(predicted == positive)), tp / np.sum(positive), tp / np.sum(predicted)


def threshold_ignored(p, y, threshold=0.5):
    return threshold_metrics(p, y, 0.5)


def ties_to_class_one(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold, rule=lambda p, t: p >= t)
    return float(np.mean(predicted == positive)), tp / np.sum(predicted), tp / np.sum(positive)


def classes_flipped(p, y, threshold=0.5):
    return threshold_metrics(1 - np.asarray(p), y, 1 - threshold)


def precision_over_all_rows(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold)
    return float(np.mean(predicted == positive)), tp / len(p), tp / np.sum(positive)


def metrics_return_nothing(p, y, threshold=0.5):
    threshold_metrics(p, y, threshold)


def only_two_metrics(p, y, threshold=0.5):
    return threshold_metrics(p, y, threshold)[:2]


METRIC_CATALOGUE = [
    (accuracy_as_count, "batch-mean", "In accuracy: 20× too large"),
    (precision_recall_swapped, "swapped", "Precision and recall are swapped"),
    (threshold_ignored, "values", "threshold 0.3"),
    (ties_to_class_one, "values", "exactly at the threshold"),
    (classes_flipped, "values", "In accuracy: yours"),
    (precision_over_all_rows, "values", "what the precision divides by"),
    (metrics_return_nothing, "none", "return"),
    (only_two_metrics, "structure", "accuracy, precision, recall"),
]


@pytest.mark.parametrize("wrong, kind, phrase", METRIC_CATALOGUE, ids=[c[0].__name__ for c in METRIC_CATALOGUE])
def test_metrics_check_names_the_mistake(wrong, kind, phrase):
    result = check_metrics(wrong)
    assert result.status == "failed", result.message
    assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_metrics_reference_passes_and_stub_is_not_attempted():
    assert check_metrics(threshold_metrics).status == "passed"

    def stub(p, y, threshold=0.5):
        raise NotImplementedError

    assert check_metrics(stub).status == "not attempted"


# ---------------------------------------------------------------- Exercise 5.3: save and load a checkpoint

CHECKPOINT_CASES = [Case((0, 3), "3 steps, then save and restore"), Case((1, 5), "5 steps, another seed")]


def check_checkpoint(save, load):
    return check_function(
        "5.3", partial(checkpoint_outcome, save, load), partial(checkpoint_outcome, save_checkpoint, load_checkpoint),
        CHECKPOINT_CASES, compare=compare_named(("predictions", "parameters after one more Adam step", "epoch")),
        strict=False,
    )


def save_model_only(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_model_only(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    return state["epoch"]


def save_whole_model(path, model, optimizer, epoch):
    torch.save({"model": model, "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_without_returning(path, model, optimizer):
    load_checkpoint(path, model, optimizer)


def load_forgets_the_model(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


def load_epoch_off_by_one(path, model, optimizer):
    return load_checkpoint(path, model, optimizer) + 1


# (save, load, status, kind or None, phrase)
CHECKPOINT_CATALOGUE = [
    ("optimizer state not saved", save_model_only, load_model_only, "failed", "values", "In parameters after one more Adam step"),
    ("whole model pickled", save_whole_model, load_checkpoint, "error", None, "UnpicklingError"),
    ("epoch not returned", save_checkpoint, load_without_returning, "failed", "none", "In epoch"),
    ("model state not restored", save_checkpoint, load_forgets_the_model, "failed", "values", "In predictions"),
    ("epoch off by one", save_checkpoint, load_epoch_off_by_one, "failed", "values", "yours 4 vs expected 3"),
]


@pytest.mark.parametrize("name, save, load, status, kind, phrase", CHECKPOINT_CATALOGUE, ids=[c[0] for c in CHECKPOINT_CATALOGUE])
def test_checkpoint_check_names_the_mistake(name, save, load, status, kind, phrase):
    result = check_checkpoint(save, load)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message


def test_checkpoint_reference_passes_and_stub_is_not_attempted():
    assert check_checkpoint(save_checkpoint, load_checkpoint).status == "passed"

    def stub(*args):
        raise NotImplementedError

    assert check_checkpoint(stub, load_checkpoint).status == "not attempted"
    assert check_checkpoint(save_checkpoint, stub).status == "not attempted"


def test_step_outcome_reports_parameter_change_and_losses():
    change, losses = step_outcome(training_step, "adam", steps=3, batch_size=8, seed=0)
    assert change.ndim == 1 and np.any(change) and losses.shape == (3,)
    again = step_outcome(training_step, "adam", steps=3, batch_size=8, seed=0)
    assert np.array_equal(change, again[0])


def test_checkpoint_outcome_is_deterministic():
    a = checkpoint_outcome(save_checkpoint, load_checkpoint, seed=0)
    b = checkpoint_outcome(save_checkpoint, load_checkpoint, seed=0)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert a[2] == 3


def test_compare_metrics():
    assert compare_metrics((0.5, 0.25, 1.0), (0.5, 0.25, 1.0)).passed
    assert compare_metrics((0.5, 1.0, 0.25), (0.5, 0.25, 1.0)).kind == "swapped"
    assert compare_metrics((10.0, 0.25, 1.0), (0.5, 0.25, 1.0), batch_size=20).kind == "batch-mean"
    assert compare_metrics((0.5, 0.3, 1.0), (0.5, 0.25, 1.0)).message.startswith("In precision")
    assert compare_metrics((0.5, float("nan"), 1.0), (0.5, 0.25, 1.0)).kind == "nan"
    assert compare_metrics((0.5, 0.25), (0.5, 0.25, 1.0)).kind == "structure"
