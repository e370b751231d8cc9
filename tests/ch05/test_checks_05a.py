"""Notebook 05a's checks: each catalogued wrong answer gets its message, several right answers pass
(one of them in place), a stub is reported as not attempted and falls back to the teaching
reference, and the checkpoint check's own trap files print no warning."""

import pickle
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from tests.checks.contract import (
    assert_named,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch05 import checks_05a
from utils.ch05.checkpoint import load_checkpoint, save_checkpoint
from utils.ch05.checks_05a import checkpoint_outcome, compare_metrics
from utils.ch05.evaluation import threshold_metrics
from utils.checks.step_harness import small_network, step_outcome
from utils.training import training_step

# ---------------------------------------------------------------- Exercise 5.1: the training step


def check_step(step):
    return checks_05a.check_training_step(step, strict=False)


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


def logs_the_loss_with_float(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    logs_the_loss_with_float.history.append(float(loss.detach()))
    return loss.detach()


logs_the_loss_with_float.history = []


def prints_the_loss(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    print(f"loss {loss:.3f}")
    return loss.detach()


test_training_step_mistakes_are_named = wrong_answers_named(
    checks_05a.check_training_step,
    [
        ("no_zero_grad", no_zero_grad, "no zero_grad", "without optimizer.zero_grad()"),
        ("no_optimizer_step", no_optimizer_step, "unchanged", "did not change"),
        ("gradient_ascent", gradient_ascent, "sign", "Wrong sign"),
        ("summed_loss", summed_loss, "batch-mean", "mean over the batch is missing"),
        ("returns_nothing", returns_nothing, "none", "return"),
        ("step_before_backward", step_before_backward, "unchanged", "optimizer.step()"),
        ("sigmoid_twice", sigmoid_twice, "values", "In parameter change"),
        ("returns_item", returns_item, "host sync", "no `loss.item()` inside the step"),
        ("logs_the_loss_with_float", logs_the_loss_with_float, "host sync", "`float(tensor)`"),
        ("prints_the_loss", prints_the_loss, "host sync", "formatting a tensor"),
    ],
)


@pytest.mark.parametrize(
    "wrong, phrase",
    [(bce_on_logits, "raised an error"), (squeezed_labels, "ValueError")],
    ids=["bce_on_logits", "squeezed_labels"],
)
def test_a_training_step_that_raises_is_told_where(wrong, phrase):
    result = check_step(wrong)
    assert result.status == "error" and phrase in result.message, result.message


def step_notebook_solution(model, optimizer, X, y):
    optimizer.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def step_zeroing_gradients_in_place(model, optimizer, X, y):
    """Clears each gradient in place (p.grad.zero_()) and uses the loss module."""
    for p in model.parameters():
        if p.grad is not None:
            p.grad.zero_()
    loss = torch.nn.BCEWithLogitsLoss()(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


def step_clearing_afterwards_from_probabilities(model, optimizer, X, y):
    """Another order: zero_grad after the update (the gradients start empty); the loss from σ(z),
    not from z."""
    loss = F.binary_cross_entropy(torch.sigmoid(model(X)), y)
    loss.backward()
    optimizer.step()
    model.zero_grad()
    return loss.detach()


def step_returning_the_attached_loss(model, optimizer, X, y):
    optimizer.zero_grad(set_to_none=False)
    logits = model(X)
    loss = torch.mean(
        torch.clamp(logits, min=0) - logits * y + torch.log1p(torch.exp(-logits.abs()))
    )
    loss.backward()
    optimizer.step()
    return loss.detach()


test_right_training_steps_pass = right_answers_pass(
    checks_05a.check_training_step,
    [
        step_notebook_solution,
        step_zeroing_gradients_in_place,
        step_clearing_afterwards_from_probabilities,
        step_returning_the_attached_loss,
    ],
)

test_training_step_stub_is_not_attempted = not_attempted(checks_05a.check_training_step)


def test_training_step_stub_falls_back_to_the_course_step():
    assert check_step(stub).reference is training_step


def test_adam_reading_its_step_count_is_not_blamed_on_the_learner():
    """torch's own Adam calls .item() internally; only the learner's own code counts as a host
    sync."""
    outcome = step_outcome(step_notebook_solution, "adam", steps=3)
    assert outcome.syncs == ()
    assert step_outcome(returns_item, "adam", steps=2).syncs == ("item",)


@pytest.mark.answer_key_watch
def test_calling_the_course_step_is_named_as_the_answer_key():
    result = check_step(lambda model, optimizer, X, y: training_step(model, optimizer, X, y))
    assert result.status == "failed" and "utils.training.training_step" in result.message


# ---------------------------------------------------------------- Exercise 5.2: threshold metrics


def check_metrics(fn):
    return checks_05a.check_threshold_metrics(fn, strict=False)


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
    predicted, positive, tp = _parts(p, y, 0.5)
    return float(np.mean(predicted == positive)), tp / np.sum(predicted), tp / np.sum(positive)


def ties_to_class_one(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold, rule=lambda p, t: p >= t)
    return float(np.mean(predicted == positive)), tp / np.sum(predicted), tp / np.sum(positive)


def classes_flipped(p, y, threshold=0.5):
    predicted, positive, tp = _parts(1 - np.asarray(p), y, 1 - threshold)
    return float(np.mean(predicted == positive)), tp / np.sum(predicted), tp / np.sum(positive)


def precision_over_all_rows(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold)
    return float(np.mean(predicted == positive)), tp / len(p), tp / np.sum(positive)


def metrics_return_nothing(p, y, threshold=0.5):
    _parts(p, y, threshold)


def only_two_metrics(p, y, threshold=0.5):
    predicted, positive, tp = _parts(p, y, threshold)
    return float(np.mean(predicted == positive)), tp / np.sum(predicted)


test_metrics_mistakes_are_named = wrong_answers_named(
    checks_05a.check_threshold_metrics,
    [
        ("accuracy_as_count", accuracy_as_count, "batch-mean", "In accuracy: 20× too large"),
        (
            "precision_recall_swapped",
            precision_recall_swapped,
            "swapped",
            "Precision and recall are swapped",
        ),
        ("threshold_ignored", threshold_ignored, "values", "threshold 0.3"),
        ("ties_to_class_one", ties_to_class_one, "values", "exactly at the threshold"),
        ("classes_flipped", classes_flipped, "values", "In accuracy: yours"),
        (
            "precision_over_all_rows",
            precision_over_all_rows,
            "values",
            "what the precision divides by",
        ),
        ("metrics_return_nothing", metrics_return_nothing, "none", "return"),
        ("only_two_metrics", only_two_metrics, "structure", "accuracy, precision, recall"),
    ],
)


def metrics_notebook_solution(p, y, threshold=0.5):
    p, y = np.asarray(p).ravel(), np.asarray(y).ravel()
    predicted = p > threshold
    positive = y == 1
    true_positives = np.sum(predicted & positive)
    return (
        float(np.mean(predicted == positive)),
        float(true_positives / np.sum(predicted)),
        float(true_positives / np.sum(positive)),
    )


def metrics_with_scikit_learn(p, y, threshold=0.5):
    predicted = (np.asarray(p) > threshold).astype(int)
    return accuracy_score(y, predicted), precision_score(y, predicted), recall_score(y, predicted)


def metrics_from_the_confusion_matrix_shifting_p_in_place(p, y, threshold=0.5):
    """Subtracts the threshold from p in place (the caller's array changes), then counts from the
    confusion matrix."""
    p -= threshold
    (tn, fp), (fn, tp) = confusion_matrix(y, p > 0, labels=[0, 1])
    return (tp + tn) / (tn + fp + fn + tp), tp / (tp + fp), tp / (tp + fn)


test_right_metrics_pass = right_answers_pass(
    checks_05a.check_threshold_metrics,
    [
        metrics_notebook_solution,
        metrics_with_scikit_learn,
        metrics_from_the_confusion_matrix_shifting_p_in_place,
    ],
)

test_metrics_stub_is_not_attempted = not_attempted(checks_05a.check_threshold_metrics)


def test_metrics_stub_falls_back_to_the_reference():
    assert check_metrics(stub).reference is threshold_metrics


def test_compare_metrics():
    assert compare_metrics((0.5, 0.25, 1.0), (0.5, 0.25, 1.0)).passed
    assert compare_metrics((0.5, 1.0, 0.25), (0.5, 0.25, 1.0)).kind == "swapped"
    assert compare_metrics((10.0, 0.25, 1.0), (0.5, 0.25, 1.0), batch_size=20).kind == "batch-mean"
    assert compare_metrics((0.5, 0.3, 1.0), (0.5, 0.25, 1.0)).message.startswith("In precision")
    assert compare_metrics((0.5, float("nan"), 1.0), (0.5, 0.25, 1.0)).kind == "nan"
    assert compare_metrics((0.5, 0.25), (0.5, 0.25, 1.0)).kind == "structure"
    assert compare_metrics((0.5, np.array([0.25, 0.25]), 1.0), (0.5, 0.25, 1.0)).kind == "shape"


# ---------------------------------------------------------------- Exercise 5.3: a checkpoint


def check_checkpoint(save, load):
    return checks_05a.check_checkpoint(save, load, strict=False)


def check_pair(pair, *, strict=None):
    """Exercise 5.3's check takes two functions: the test contract hands it a (save, load) pair."""
    return checks_05a.check_checkpoint(*pair, strict=strict)


def save_notebook_solution(path, model, optimizer, epoch):
    torch.save(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path
    )


def load_notebook_solution(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


def save_through_a_file_handle(path, model, optimizer, epoch):
    with open(path, "wb") as file:
        torch.save(
            {
                "epoch": torch.tensor(epoch),
                "optimizer": optimizer.state_dict(),
                "model": model.state_dict(),
            },
            file,
        )


def load_copying_weights_in_place(path, model, optimizer):
    """torch.load with its default (weights_only=True since torch 2.6); weights copied into the
    parameters in place."""
    state = torch.load(path, map_location="cpu")
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.copy_(state["model"][name])
    optimizer.load_state_dict(state["optimizer"])
    return int(state["epoch"])


def save_model_only(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_model_only(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    return state["epoch"]


def save_whole_model(path, model, optimizer, epoch):
    torch.save({"model": model, "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def load_without_returning(path, model, optimizer):
    load_notebook_solution(path, model, optimizer)


def load_forgets_the_model(path, model, optimizer):
    state = torch.load(path, weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


def load_epoch_off_by_one(path, model, optimizer):
    return load_notebook_solution(path, model, optimizer) + 1


def load_unsafely(path, model, optimizer):
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


test_checkpoint_mistakes_are_named = wrong_answers_named(
    check_pair,
    [
        (
            "optimizer state not saved",
            (save_model_only, load_model_only),
            "saved file",
            "'optimizer' (optimizer.state_dict())",
        ),
        (
            "epoch not returned",
            (save_notebook_solution, load_without_returning),
            "none",
            "In epoch",
        ),
        (
            "model state not restored",
            (save_notebook_solution, load_forgets_the_model),
            "values",
            "its weights did not come back",
        ),
        (
            "epoch off by one",
            (save_notebook_solution, load_epoch_off_by_one),
            "values",
            "yours 4 vs expected 3",
        ),
        (
            "weights_only=False",
            (save_notebook_solution, load_unsafely),
            "unsafe load",
            "weights_only=True",
        ),
    ],
)


def test_a_pickled_model_object_is_refused_with_the_error():
    result = check_checkpoint(save_whole_model, load_notebook_solution)
    assert result.status == "error" and "UnpicklingError" in result.message, result.message


test_right_checkpoints_pass = right_answers_pass(
    check_pair,
    [
        (save_notebook_solution, load_notebook_solution),
        (save_through_a_file_handle, load_copying_weights_in_place),
    ],
)


def test_checkpoint_stub_is_not_attempted_and_falls_back_to_the_pair():
    assert check_checkpoint(stub, load_checkpoint).status == "not attempted"
    result = check_checkpoint(save_checkpoint, stub)
    assert result.status == "not attempted" and result.reference == (
        save_checkpoint,
        load_checkpoint,
    )


@pytest.mark.parametrize(
    "save, load",
    [
        (save_notebook_solution, load_notebook_solution),
        (save_notebook_solution, load_unsafely),
    ],
    ids=["right", "weights_only=False"],
)
def test_the_checkpoint_check_prints_no_warning(save, load, capfd):
    """The check's trap files (a plain pickle makes torch.load warn about its protocol) are the
    check's business: no warning of theirs reaches the notebook."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_checkpoint(save, load)
    assert [str(w.message) for w in caught] == []
    assert "Warning" not in capfd.readouterr().err


# ---------------------------------------------------------------- the harness


def test_there_is_one_seeded_small_network():
    a, b = small_network(0), small_network(0)
    assert [tuple(p.shape) for p in a.parameters()] == [(8, 5), (8,), (4, 8), (4,), (1, 4), (1,)]
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_step_outcome_reports_parameter_change_and_losses():
    outcome = step_outcome(training_step, "adam", steps=3, batch_size=8, seed=0)
    assert outcome.change.ndim == 1 and np.any(outcome.change) and outcome.losses.shape == (3,)
    assert np.array_equal(
        outcome.change, step_outcome(training_step, "adam", steps=3, batch_size=8, seed=0).change
    )


def test_checkpoint_outcome_is_deterministic_and_the_reference_refuses_the_trap():
    a = checkpoint_outcome(save_checkpoint, load_checkpoint, seed=0)
    b = checkpoint_outcome(save_checkpoint, load_checkpoint, seed=0)
    assert np.array_equal(a.predictions, b.predictions) and np.array_equal(
        a.parameters, b.parameters
    )
    assert a.epoch == 3 and not a.ran_code_from_file
    assert checkpoint_outcome(save_checkpoint, load_unsafely, seed=0).ran_code_from_file


def test_a_step_returning_the_loss_with_its_graph_is_told_to_detach():
    def step(model, optimizer, X, y):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X), y)
        loss.backward()
        optimizer.step()
        return loss

    assert_named(check_step(step), "attached", "loss.detach()")


def _pickle_save(path, model, optimizer, epoch):
    with open(path, "wb") as file:
        pickle.dump(
            {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, file
        )


def _pickle_load(path, model, optimizer):
    with open(path, "rb") as file:
        state = pickle.load(file)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]


def test_plain_pickle_is_caught_by_the_trap_any_unpickler_runs(capfd):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check_checkpoint(_pickle_save, _pickle_load)
    assert_named(result, "unsafe load", "weights_only=True")
    assert [str(w.message) for w in caught] == []


def test_a_checkpoint_with_other_keys_is_told_the_keys():
    def save(path, model, optimizer, epoch):
        torch.save(
            {
                "model_state": model.state_dict(),
                "optim_state": optimizer.state_dict(),
                "epoch": epoch,
            },
            path,
        )

    def load(path, model, optimizer):
        state = torch.load(path, weights_only=True)
        model.load_state_dict(state["model_state"])
        optimizer.load_state_dict(state["optim_state"])
        return state["epoch"]

    assert_named(check_checkpoint(save, load), "saved file", "epoch, model_state, optim_state")


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")

    def swapped(p, y, threshold):
        predicted = p > threshold
        hits = np.sum(predicted & (y == 1))
        return np.mean(predicted == y), hits / np.sum(y == 1), hits / np.sum(predicted)

    result = checks_05a.check_threshold_metrics(swapped, strict=False)
    assert result.message.startswith("✗ 练习 5.2（阈值指标）"), result.message
    assert result.verdict.kind == "swapped"
    assert "精确率和召回率弄反了" in result.message
