"""Answer checks for notebook 05a (the guide's classifier): a training step (Exercise 5.1),
threshold metrics (5.2) and a checkpoint round trip (5.3). Each runs the learner's functions on one
small seeded network and compares what they did with the course's references
(`utils.training.training_step`, `utils.ch05.evaluation`, `utils.ch05.checkpoint`)."""

from __future__ import annotations

import pickle
import tempfile
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector

from utils.ch05.checkpoint import load_checkpoint, save_checkpoint
from utils.ch05.evaluation import threshold_metrics
from utils.checks.diagnose import Verdict, compare_arrays, relative_error, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _
from utils.checks.step_harness import N_FEATURES, compare_step, small_network, step_outcome
from utils.training import KERAS_ADAM_EPS, training_step

# ---------------------------------------------------------------- Exercise 5.1: the training step


def _step_without_zero_grad(model, optimizer, X, y):
    loss = F.binary_cross_entropy_with_logits(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.detach()


STEP_MISTAKES = (
    Mistake(
        "no zero_grad",
        partial(step_outcome, _step_without_zero_grad),
        N_(
            "The gradients are not cleared between steps: without optimizer.zero_grad(), each "
            "backward() ADDS to the gradients of the steps before, so from the second step on the "
            "update uses their sum. Call optimizer.zero_grad() at the start of the step."
        ),
    ),
)

STEP_CASES = (
    Case(("sgd", 1, 8, 0), N_("one SGD step on a batch of 8"), batch_size=8),
    Case(("adam", 3, 8, 1), N_("three Adam steps in a row"), batch_size=8),
    Case(("sgd", 1, 32, 2), N_("one SGD step on a batch of 32"), batch_size=32),
)


def check_training_step(learner_step: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 5.1: three seeded runs of the learner's step against `utils.training.training_step`,
    to rtol 1e-4."""
    return catalogued_check(
        N_("Exercise 5.1 (training step)"),
        partial(step_outcome, learner_step),
        training_step,
        STEP_CASES,
        mistakes=STEP_MISTAKES,
        compare=compare_step,
        expected_from=partial(step_outcome, training_step),
        rtol=1e-4,
        atol=1e-7,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 5.2: threshold metrics

METRIC_NAMES = (N_("accuracy"), N_("precision"), N_("recall"))


def compare_metrics(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Diagnose an (accuracy, precision, recall) answer: a count for a fraction, precision and
    recall swapped, or which metric is wrong. (A plain scalar comparison would call every wrong
    number 'a constant factor'.)"""
    if got is None:
        return returned_none()
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Verdict(
            False,
            "structure",
            _("Return a tuple of 3 numbers, in this order: accuracy, precision, recall."),
        )
    for name, value in zip(METRIC_NAMES, got):
        verdict = compare_arrays(value, 0.0)
        if verdict.kind in ("nan", "type", "none"):
            return Verdict(
                False,
                verdict.kind,
                _("In {name}: {diagnosis}").format(name=_(name), diagnosis=verdict.message),
            )
        if np.ndim(value) != 0 and np.size(value) != 1:
            return Verdict(
                False,
                "shape",
                _("In {name}: expected one number, got an array of shape {shape}.").format(
                    name=_(name), shape=np.shape(value)
                ),
            )
    g = [float(np.asarray(v, dtype=float).reshape(())) for v in got]
    e = [float(v) for v in expected]
    close = lambda a, b: bool(np.isclose(a, b, rtol=rtol, atol=atol))
    if all(close(a, b) for a, b in zip(g, e)):
        return Verdict(
            True, "ok", "all three metrics match", relative_error(np.array(g), np.array(e))
        )
    if close(g[1], e[2]) and close(g[2], e[1]):
        return Verdict(
            False,
            "swapped",
            _(
                "Precision and recall are swapped (yours {precision:.4g} and {recall:.4g}, "
                "expected {expected_precision:.4g} and {expected_recall:.4g}). "
                "Precision divides the true positives by the number PREDICTED 1; recall by the "
                "number LABELLED 1."
            ).format(precision=g[1], recall=g[2], expected_precision=e[1], expected_recall=e[2]),
        )
    for name, a, b in zip(METRIC_NAMES, g, e):
        if close(a, b):
            continue
        if batch_size and name == "accuracy" and close(a, b * batch_size):
            return Verdict(
                False,
                "batch-mean",
                _(
                    "In accuracy: {n}× too large, and {n} is the number of predictions: you "
                    "returned the count of correct predictions ({count:.4g}). Divide by n = {n} "
                    "(or use np.mean)."
                ).format(n=batch_size, count=a),
            )
        return Verdict(
            False,
            "values",
            _(
                "In {name}: yours {yours:.4g}, expected {expected:.4g} (relative error "
                "{error:.2e}). Check which rows count as predicted 1 (p > threshold, strictly, "
                "with the threshold passed in) and what the {name} divides by."
            ).format(
                name=_(name),
                yours=a,
                expected=b,
                error=relative_error(np.array(a), np.array(b)),
            ),
        )
    raise AssertionError("unreachable")


def _metric_case(rng: np.random.Generator, n: int, threshold: float, ties: bool = False) -> tuple:
    p = rng.uniform(size=n)
    if ties:
        p[: n // 4] = threshold
    y = (rng.uniform(size=n) < p).astype(float)  # labels that agree with p more often than not
    return (p, y, threshold)


def check_threshold_metrics(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 5.2: three seeded sets of probabilities and labels (one with ties at the threshold),
    to rtol 1e-5. Seed 6 gives cases where class 0's precision and recall differ from class 1's
    recall and precision."""
    rng = np.random.default_rng(6)
    cases = [
        Case(_metric_case(rng, 20, 0.5), N_("20 predictions, threshold 0.5"), batch_size=20),
        Case(_metric_case(rng, 30, 0.3), N_("30 predictions, threshold 0.3"), batch_size=30),
        Case(
            _metric_case(rng, 24, 0.5, ties=True),
            N_("24 predictions, 6 exactly at the threshold"),
            batch_size=24,
        ),
    ]
    return catalogued_check(
        N_("Exercise 5.2 (threshold metrics)"),
        learner_fn,
        threshold_metrics,
        cases,
        compare=compare_metrics,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 5.3: a checkpoint

_code_ran: list[bool] = []


def _code_from_the_file() -> int:
    """What a booby-trapped checkpoint runs when it is unpickled without weights_only=True
    (harmless: it takes a note)."""
    _code_ran.append(True)
    return 0


class _CodeInTheFile:
    def __reduce__(self):
        return (_code_from_the_file, ())


def _adam_step(model, optimizer, X, y):
    optimizer.zero_grad()
    F.binary_cross_entropy_with_logits(model(X), y).backward()
    optimizer.step()


def _rows(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n seeded standard-normal rows as wide as the small network's input, and random 0/1 labels
    (n × 1)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, N_FEATURES, generator=generator)
    y = (torch.rand(n, 1, generator=generator) < 0.5).float()
    return X, y


def _flat_parameters(model: torch.nn.Module) -> torch.Tensor:
    return parameters_to_vector(model.parameters()).detach().clone()


def _trained(seed: int, steps: int):
    """The seeded small network after `steps` full-batch Adam steps on 16 seeded rows, with its
    optimiser and data."""
    model = small_network(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, eps=KERAS_ADAM_EPS)
    X, y = _rows(seed, 16)
    for _step in range(steps):
        _adam_step(model, optimizer, X, y)
    return model, optimizer, X, y


@dataclass(frozen=True)
class CheckpointOutcome:
    """After a round trip: the restored network's predictions, its parameters after one more Adam
    step, the epoch `load_fn` returned, and whether `load_fn` ran code stored in a booby-trapped
    file."""

    predictions: np.ndarray
    parameters: np.ndarray
    epoch: object
    ran_code_from_file: bool
    # what the saved file holds: "keys: epoch, model, optimizer", or why
    # torch.load(weights_only=True) refused it
    saved: str


def checkpoint_outcome(
    save_fn: Callable, load_fn: Callable, seed: int = 0, epoch: int = 3
) -> CheckpointOutcome:
    """Train `epoch` steps, save with `save_fn`, restore into a differently seeded network and
    optimiser with `load_fn`, take one more step; then hand `load_fn` a file that runs code when
    unpickled unsafely."""
    model, optimizer, X, y = _trained(seed, epoch)
    fresh, fresh_optimizer = _trained(seed + 1000, 0)[:2]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        save_fn(path, model, optimizer, epoch)
        del model, optimizer  # only the file may carry the state across
        saved = _saved_contents(path)
        loaded_epoch = load_fn(path, fresh, fresh_optimizer)
        with torch.no_grad():
            predictions = torch.sigmoid(fresh(X)).numpy().astype(np.float64)
        _adam_step(fresh, fresh_optimizer, X, y)
        parameters = _flat_parameters(fresh).numpy().astype(np.float64)

        _code_ran.clear()
        _spring_traps(Path(folder), load_fn, seed)
    return CheckpointOutcome(predictions, parameters, loaded_epoch, bool(_code_ran), saved)


def _spring_traps(folder: Path, load_fn: Callable, seed: int) -> None:
    """Hand `load_fn` two booby-trapped files: torch.save's zip format, and a plain pickle that any
    unpickler (pickle.load too) would run. Refusing them, in whatever words, is the right outcome.
    Their warnings (torch.load notes the plain pickle's protocol) are the check's business, not the
    learner's, so none reaches the notebook."""
    victim, victim_optimizer = _trained(seed + 2000, 0)[:2]
    trapped = {
        "model": victim.state_dict(),
        "optimizer": victim_optimizer.state_dict(),
        "epoch": _CodeInTheFile(),
    }
    torch.save(trapped, folder / "from_a_stranger.pt")
    with open(folder / "from_a_stranger.pkl", "wb") as file:
        pickle.dump(_CodeInTheFile(), file)
    for trap in ("from_a_stranger.pt", "from_a_stranger.pkl"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                load_fn(folder / trap, victim, victim_optimizer)
            except Exception:  # noqa: BLE001 - a refusal, in whatever words, is right here
                pass


def _saved_contents(path: Path) -> str:
    """The keys of the dict in a saved checkpoint, read safely; or why it could not be read that
    way. This read is the check's own, so its warnings (a plain pickle's protocol) are not shown."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(path, weights_only=True)
    except FileNotFoundError:
        return _("no file: save_checkpoint wrote nothing at `path`")
    except Exception as error:  # noqa: BLE001 - any refusal becomes a message
        return _("unreadable with torch.load(path, weights_only=True) ({error})").format(
            error=type(error).__name__
        )
    if not isinstance(state, dict):
        return _("a {type}, not a dict").format(type=type(state).__name__)
    return "keys: " + ", ".join(sorted(map(str, state)))


def compare_checkpoint(
    got: CheckpointOutcome, expected: CheckpointOutcome, *, batch_size=None, rtol=1e-5, atol=1e-8
) -> Verdict:
    """Diagnose a round trip: unsafe loading, a missing epoch, the model not restored, Adam's
    moments not restored."""
    if got.ran_code_from_file:
        return Verdict(
            False,
            "unsafe load",
            _(
                "Your load_checkpoint ran code stored in a checkpoint file: it unpickles with "
                "weights_only=False, so a file from anyone else can run any program as you. Use "
                "torch.load(path, weights_only=True), which accepts only tensors, numbers, "
                "strings and containers of them."
            ),
        )
    if got.saved != expected.saved:
        return Verdict(
            False,
            "saved file",
            _(
                "The file your save_checkpoint wrote holds {contents}. Save it with "
                "torch.save(...) as a dict with exactly the keys 'model' (model.state_dict()), "
                "'optimizer' (optimizer.state_dict()) and 'epoch', so that any course code, and "
                "torch.load(path, weights_only=True), can read it."
            ).format(
                contents=_("{keys} as its keys").format(keys=got.saved.removeprefix("keys: "))
                if got.saved.startswith("keys: ")
                else got.saved
            ),
        )
    if got.epoch is None:
        return Verdict(
            False,
            "none",
            _("In {name}: {diagnosis}").format(name="epoch", diagnosis=returned_none().message),
        )
    if not isinstance(got.epoch, (int, float, np.integer, np.floating)) and not (
        isinstance(got.epoch, torch.Tensor) and got.epoch.numel() == 1
    ):
        return Verdict(
            False,
            "type",
            _(
                "load_checkpoint returned a {type}; return the epoch number stored in the file."
            ).format(type=type(got.epoch).__name__),
        )
    predictions = compare_arrays(got.predictions, expected.predictions, rtol=rtol, atol=atol)
    if not predictions.passed:
        return Verdict(
            False,
            predictions.kind,
            _(
                "In predictions: the restored network does not predict what the saved one did, so "
                "its weights did not come back. Restore them with "
                "model.load_state_dict(state['model']). {diagnosis}"
            ).format(diagnosis=predictions.message),
            predictions.relative_error,
        )
    parameters = compare_arrays(got.parameters, expected.parameters, rtol=rtol, atol=atol)
    if not parameters.passed:
        return Verdict(
            False,
            parameters.kind,
            _(
                "In parameters after one more Adam step: the restored network predicts right, but "
                "its next Adam step goes elsewhere, so Adam's running moments did not come back. "
                "Save optimizer.state_dict() and restore it with optimizer.load_state_dict(...). "
                "{diagnosis}"
            ).format(diagnosis=parameters.message),
            parameters.relative_error,
        )
    epoch = compare_arrays(got.epoch, expected.epoch, rtol=0, atol=0)
    if not epoch.passed:
        return Verdict(
            False,
            epoch.kind,
            _("In {name}: {diagnosis}").format(name="epoch", diagnosis=epoch.message),
            epoch.relative_error,
        )
    return Verdict(
        True,
        "ok",
        f"relative error {max(predictions.relative_error, parameters.relative_error):.1e}",
        max(predictions.relative_error, parameters.relative_error),
    )


def check_checkpoint(
    save_fn: Callable, load_fn: Callable, *, strict: bool | None = None
) -> CheckResult:
    """Exercise 5.3: two seeded round trips against `utils.ch05.checkpoint`, plus a booby-trapped
    file for `load_fn`. The reference is the pair (save_checkpoint, load_checkpoint), so that
    `choose_implementation(result, (save_fn, load_fn))` gives a (save, load) pair; both are watched
    as answer keys."""
    return catalogued_check(
        N_("Exercise 5.3 (save and load a checkpoint)"),
        partial(checkpoint_outcome, save_fn, load_fn),
        (save_checkpoint, load_checkpoint),
        [
            Case((0, 3), N_("3 steps, then save and restore")),
            Case((1, 5), N_("5 steps, another seed")),
        ],
        compare=compare_checkpoint,
        expected_from=partial(checkpoint_outcome, save_checkpoint, load_checkpoint),
        answer_keys=(save_checkpoint, load_checkpoint),
        strict=strict,
    )
