"""Answer checks for chapter 7: logging an epoch to TensorBoard (Exercise 7.1) and carrying the
guide's Keras weights into the PyTorch port (Exercise 7.2). Each runs the learner's function on a
small seeded problem."""

from __future__ import annotations

import tempfile
import traceback
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from utils.ch07.keras_port import torch_state_from_keras
from utils.ch07.tensorboard_logs import histogram_series, load_events, log_epoch, scalar_series
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _
from utils.models import guide_mlp

SCALAR_TAGS = ("loss/train", "loss/validation")


# ---------------------------------------------------------------- Exercise 7.1: one epoch to
# TensorBoard


def logging_outcome(log_fn: Callable, epochs: int = 3, seed: int = 0) -> dict:
    """Call `log_fn(writer, model, epoch, train_loss, val_loss)` for `epochs` epochs of a small
    model whose weights change between epochs, then read the event file back. Returns the scalars
    and histograms it holds, and the sub-runs (folders of their own event files) that
    `add_scalars` writes."""
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(seed)
    model = guide_mlp(5, hidden=(8, 4))
    generator = torch.Generator().manual_seed(seed)
    train_losses = (0.7 / np.arange(1, epochs + 1)).tolist()
    val_losses = (0.8 / np.arange(1, epochs + 1) + 0.01).tolist()
    with tempfile.TemporaryDirectory() as folder:
        writer = SummaryWriter(folder)
        try:
            for epoch in range(epochs):
                try:
                    log_fn(writer, model, epoch, train_losses[epoch], val_losses[epoch])
                except NotImplementedError as error:
                    # TensorBoard's own refusal (of None, say), not an unattempted exercise
                    frames = traceback.extract_tb(error.__traceback__)
                    if len(frames) > 1 and "tensorboard" in frames[-1].filename:
                        raise TypeError(
                            _(
                                "TensorBoard could not log a value ({error}). Pass tensors or "
                                "numbers: a parameter's .grad is None until backward() has run."
                            ).format(error=str(error).strip())
                        ) from None
                    raise
                with torch.no_grad():
                    for p in model.parameters():
                        p.add_(0.1 * torch.randn(p.shape, generator=generator))
        finally:
            writer.close()
        sub_runs = sorted(
            p.name for p in Path(folder).iterdir() if p.is_dir() and any(p.glob("*tfevents*"))
        )
        events = load_events(folder)
        tags = events.Tags()
        scalars = {tag: scalar_series(events, tag) for tag in tags["scalars"]}
        histograms = {
            tag: [
                (h["step"], h["count"], h["min"], h["max"]) for h in histogram_series(events, tag)
            ]
            for tag in tags["histograms"]
        }
    return {"scalars": scalars, "histograms": histograms, "sub_runs": sub_runs}


def compare_logs(got: dict, expected: dict, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Diagnose an event file: scalars written to sub-runs by add_scalars, missing or misnamed tags,
    every point at step 0, train and validation swapped, histograms missing or of the wrong
    values."""
    missing = [tag for tag in SCALAR_TAGS if tag not in got["scalars"]]
    if missing and got.get("sub_runs"):
        return Verdict(
            False,
            "add_scalars",
            _(
                "Your losses went into separate sub-runs, the folders {folders}: add_scalars "
                "writes each key of its dict to an event file of its own, in a folder of its own, "
                "so the run's event file has no tag 'loss/train' or 'loss/validation'. Call "
                "add_scalar once per loss instead: "
                "writer.add_scalar('loss/train', train_loss, global_step=epoch), and the same for "
                "'loss/validation'. TensorBoard still draws the two curves together under 'loss'."
            ).format(folders=got["sub_runs"]),
        )
    if not got["scalars"] and not got["histograms"]:
        return Verdict(
            False,
            "empty",
            _(
                "Nothing was logged: the event file is empty. Call "
                "writer.add_scalar(tag, value, global_step=epoch) for each loss and "
                "writer.add_histogram(tag, parameter, global_step=epoch) for each parameter."
            ),
        )
    if missing:
        return Verdict(
            False,
            "tags",
            _(
                "The event file has the scalar tags {tags}, but not {missing}. Use exactly the "
                "tags {expected}: TensorBoard groups the two curves under 'loss' by the part "
                "before the slash."
            ).format(tags=sorted(got["scalars"]), missing=missing, expected=list(SCALAR_TAGS)),
        )
    for tag in SCALAR_TAGS:
        steps, values = got["scalars"][tag]
        expected_steps, expected_values = expected["scalars"][tag]
        if len(steps) > 1 and np.all(steps == steps[0]):
            return Verdict(
                False,
                "steps",
                _(
                    "Every point of {tag} is at step {step}: TensorBoard would draw them on top "
                    "of each other. Pass global_step=epoch to add_scalar."
                ).format(tag=repr(tag), step=steps[0]),
            )
        if not np.array_equal(steps, expected_steps):
            return Verdict(
                False,
                "steps",
                _("{tag} is logged at steps {steps}; expected {expected} (the epochs).").format(
                    tag=repr(tag), steps=steps.tolist(), expected=expected_steps.tolist()
                ),
            )
        if not np.allclose(values, expected_values, rtol=rtol, atol=1e-6):
            other = SCALAR_TAGS[1 - SCALAR_TAGS.index(tag)]
            if np.allclose(values, expected["scalars"][other][1], rtol=rtol, atol=1e-6):
                return Verdict(
                    False,
                    "swapped",
                    _("{tag} holds the values of {other}: the two losses are swapped.").format(
                        tag=repr(tag), other=repr(other)
                    ),
                )
            verdict = compare_arrays(values, expected_values, rtol=rtol, atol=1e-6)
            return Verdict(
                False,
                "values",
                _("In {name}: {diagnosis}").format(name=repr(tag), diagnosis=verdict.message),
            )
    expected_tags = sorted(expected["histograms"])
    if not got["histograms"]:
        return Verdict(
            False,
            "histograms",
            _(
                "No histograms were logged. Log each parameter with "
                "writer.add_histogram(f'parameters/{{name}}', parameter, global_step=epoch), "
                "looping over model.named_parameters(); expected tags {expected}."
            ).format(expected=expected_tags),
        )
    if sorted(got["histograms"]) != expected_tags:
        return Verdict(
            False,
            "tags",
            _(
                "The histogram tags are {tags}; expected {expected}, one per entry of "
                "model.named_parameters()."
            ).format(tags=sorted(got["histograms"]), expected=expected_tags),
        )
    for tag in expected_tags:
        rows, expected_rows = (
            np.array(got["histograms"][tag]),
            np.array(expected["histograms"][tag]),
        )
        if rows.shape != expected_rows.shape or not np.array_equal(rows[:, 0], expected_rows[:, 0]):
            return Verdict(
                False,
                "steps",
                _(
                    "The histogram {tag} is logged at steps {steps}; expected {expected}. Pass "
                    "global_step=epoch to add_histogram."
                ).format(
                    tag=repr(tag),
                    steps=rows[:, 0].astype(int).tolist(),
                    expected=expected_rows[:, 0].astype(int).tolist(),
                ),
            )
        if not np.allclose(rows[:, 1:], expected_rows[:, 1:], rtol=1e-4, atol=1e-6):
            return Verdict(
                False,
                "values",
                _(
                    "The histogram {tag} does not summarise that parameter's values (count, min, "
                    "max differ): log the parameter itself under its own name, at the epoch being "
                    "logged."
                ).format(tag=repr(tag)),
            )
    return Verdict(True, "ok", "tags, steps and values match", 0.0)


# ---------------------------------------------------------------- Exercise 7.2: Keras weights into
# the torch port


def keras_weights(sizes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """Random weights in Keras' `get_weights()` layout for Dense layers of `sizes` (inputs,
    hidden..., 1): [kernel (inputs × outputs), bias (outputs,), ...], float32."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights += [
            rng.normal(size=(n_in, n_out)).astype(np.float32),
            rng.normal(size=n_out).astype(np.float32),
        ]
    return weights


def expected_keys(sizes: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(guide_mlp(sizes[0], tuple(sizes[1:-1])).state_dict().keys())


def _reshaped_not_transposed(
    key: str, got: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float
) -> Verdict | None:
    """The verdict for a weight built with reshape/view from the Keras kernel instead of a
    transpose, if it is one."""
    mine, right = to_numpy(got), to_numpy(expected)
    # a square kernel reshaped is not transposed: compare_arrays says so
    square = right.ndim == 2 and right.shape[0] == right.shape[1]
    if (
        right.ndim != 2
        or square
        or mine.shape != right.shape
        or np.allclose(mine, right, rtol=rtol, atol=atol)
    ):
        return None
    # the kernel's numbers, in memory order, regrouped into (outputs × inputs)
    reshaped = right.T.reshape(right.shape)
    if np.allclose(reshaped, right, rtol=rtol, atol=atol) or not np.allclose(
        mine, reshaped, rtol=rtol, atol=atol
    ):
        return None
    return Verdict(
        False,
        "reshaped",
        _(
            "In '{key}': the shape {shape} is right but the numbers are scrambled. reshape (or "
            "view) keeps the kernel's numbers in their memory order and only cuts them into rows "
            "of a new length; it does not swap rows and columns. Transpose instead: "
            "torch.as_tensor(kernel).T (or kernel.T in NumPy)."
        ).format(key=key, shape=tuple(right.shape)),
    )


def compare_state(got, expected: dict, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """Diagnose a state dict for guide_mlp: not a dict, wrong keys, not float32 tensors, a weight
    reshaped where it needed a transpose, then each entry (transposed, ...)."""
    if got is None:
        return returned_none()
    if not isinstance(got, dict):
        return Verdict(
            False,
            "structure",
            _("Return a dict (a state dict) mapping {keys} to tensors; yours is a {type}.").format(
                keys=list(expected), type=type(got).__name__
            ),
        )
    keys = tuple(expected)
    if set(got) < set(keys) and all(k.endswith((".weight", ".bias")) for k in got):
        layers = len(got) // 2
        return Verdict(
            False,
            "layers",
            _(
                "Your state dict has {entries} entries, {layers} layers' worth, but this network "
                "has {expected} layers: {keys}. The exercise asks for any number of layers: loop "
                "over the (kernel, bias) pairs of `weights` (there are len(weights) // 2) instead "
                "of writing out a fixed number."
            ).format(entries=len(got), layers=layers, expected=len(keys) // 2, keys=list(keys)),
        )
    if tuple(sorted(got)) != tuple(sorted(keys)):
        hint = ""
        if any(k.startswith("1.") for k in got):
            hint = _(
                " guide_mlp puts a ReLU module between the Linear layers, so the Linear layers are "
                "modules 0, 2, 4, …; print(guide_mlp(30).state_dict().keys()) to see them."
            )
        return Verdict(
            False,
            "keys",
            _("Your keys are {keys}; load_state_dict needs exactly {expected}.{hint}").format(
                keys=sorted(got), expected=list(keys), hint=hint
            ),
        )
    not_tensors = [k for k in keys if not isinstance(got[k], torch.Tensor)]
    if not_tensors:
        return Verdict(
            False,
            "type",
            _(
                "The values for {keys} are {type}s; load_state_dict needs torch tensors: wrap "
                "each array with torch.as_tensor(...)."
            ).format(keys=not_tensors, type=type(got[not_tensors[0]]).__name__),
        )
    not_float32 = [k for k in keys if got[k].dtype != torch.float32]
    if not_float32:
        return Verdict(
            False,
            "dtype",
            _(
                "{count} of your tensors (for example {key}) are {dtype}; return float32 tensors, "
                "as the exercise asks: guide_mlp's parameters are float32, and a float64 weight "
                "used directly (x @ W.T with a float32 x) raises a dtype error. Keras' arrays are "
                "float32 already: torch.as_tensor(kernel) keeps that."
            ).format(
                count=len(not_float32),
                key=repr(not_float32[0]),
                dtype=got[not_float32[0]].dtype,
            ),
        )
    for key in keys:
        if key.endswith(".weight"):
            verdict = _reshaped_not_transposed(key, got[key], expected[key], rtol, atol)
            if verdict is not None:
                return verdict
    return compare_named(tuple(f"'{k}'" for k in keys))(
        tuple(got[k] for k in keys),
        tuple(expected[k] for k in keys),
        batch_size=batch_size,
        rtol=rtol,
        atol=atol,
    )


# ---------------------------------------------------------------- the checks the notebook calls


def logging_cases() -> list[Case]:
    return [
        Case((3, 0), N_("3 epochs of a small model")),
        Case((2, 1), N_("2 epochs, another seed")),
    ]


def check_log_epoch(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 7.1: a few epochs logged by `learner_fn`, read back from the event file, against
    `log_epoch`. Tags and steps must match exactly, and the values as float32 stores them."""
    return catalogued_check(
        N_("Exercise 7.1 (log one epoch)"),
        partial(logging_outcome, learner_fn),
        log_epoch,
        logging_cases(),
        compare=compare_logs,
        expected_from=partial(logging_outcome, log_epoch),
        exact=True,
        strict=strict,
    )


def keras_cases() -> list[Case]:
    """The guide's shapes; square kernels (where a missing transpose keeps the shape); a deeper and
    a shallower network, since the answer must work for any number of layers."""
    return [
        Case((keras_weights((30, 64, 32, 1), seed=0),), N_("the guide's shapes: 30 → 64 → 32 → 1")),
        Case((keras_weights((4, 4, 4, 1), seed=1),), N_("square kernels: 4 → 4 → 4 → 1")),
        Case(
            (keras_weights((6, 5, 4, 3, 2, 1), seed=2),), N_("five layers: 6 → 5 → 4 → 3 → 2 → 1")
        ),
        Case((keras_weights((7, 3, 1), seed=3),), N_("two layers: 7 → 3 → 1")),
    ]


def check_keras_to_torch(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 7.2: Keras-layout weights of several shapes and depths, against
    `torch_state_from_keras`."""
    return catalogued_check(
        N_("Exercise 7.2 (Keras weights into the PyTorch port)"),
        learner_fn,
        torch_state_from_keras,
        keras_cases(),
        compare=compare_state,
        strict=strict,
    )
