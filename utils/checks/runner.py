"""Run a learner's exercise function on test cases, report ✓ / ✗ / not attempted, and pick a
fallback.

Each case's inputs are deep-copied twice: the reference runs first on one copy, the learner's
function on the other, so an answer that works in place can neither spoil the reference nor be
blamed for it. Learner copies print their verdicts so that "Run All" always reaches the end.
Solution notebooks are strict: any verdict other than ✓ raises `ExerciseCheckFailed`. Strictness
follows the folder the kernel runs in (`solutions/`), or COURSE_STRICT_CHECKS=1|0.
"""

from __future__ import annotations

import copy
import inspect
import os
import sys
import sysconfig
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from utils.checks.diagnose import Verdict, compare_arrays
from utils.i18n import N_, _

NOT_ATTEMPTED_HINT = N_(
    "Replace the line `raise NotImplementedError(...)` in the exercise cell with your code, "
    "run that cell, then run this check again."
)
_UTILS = str(Path(__file__).resolve().parent.parent)
_LIBRARIES = tuple(
    str(Path(p).resolve())
    for p in {
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["purelib"],
        sysconfig.get_paths()["platlib"],
    }
)


STATUSES = (N_("passed"), N_("failed"), N_("not attempted"), N_("error"))


class ExerciseCheckFailed(AssertionError):
    """Raised by a check in strict mode (the solution notebooks) when the answer is not right."""


def strict_mode() -> bool:
    """True in the solution notebooks: the kernel's folder is `solutions/`, unless the env var says
    otherwise."""
    setting = os.environ.get("COURSE_STRICT_CHECKS")
    if setting is not None:
        return setting.strip() not in ("", "0", "false", "no")
    return Path.cwd().name == "solutions"


@dataclass(frozen=True)
class Case:
    """One test input: positional arguments, a short description, and the batch size (for the
    n-factor diagnosis)."""

    args: tuple
    label: str = ""
    batch_size: int | None = None
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    status: str  # "passed", "failed", "not attempted", "error" (shown through `_`)
    message: str
    verdict: Verdict | None = None
    reference: Callable | None = None  # what `choose_implementation` falls back to

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def whose(self) -> str:
        """Whose code the cells below run, for their labels: "your" once the check passed, else "the
        reference"."""
        # English: the notebooks' own labels, which stay English in every edition, embed it.
        return "your" if self.passed else "the reference"

    def __str__(self) -> str:
        return self.message


def _is_library(filename: str) -> bool:
    """A frame in the course's utils, the standard library or an installed package: not the
    learner's own line."""
    path = str(Path(filename).resolve())
    return path.startswith((_UTILS, *_LIBRARIES)) or "site-packages" in path


def _describe_error(error: BaseException) -> str:
    """The exception and the line of the learner's code that raised it (the innermost frame of their
    own code)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [f for f in frames if not _is_library(f.filename)]
    where = ""
    if own:
        line = (own[-1].line or "").strip()
        if line:
            where = _(" at `{line}`").format(line=line)
    return f"{type(error).__name__}: {error}{where}"


def _report(result: CheckResult, strict: bool | None) -> CheckResult:
    strict = strict_mode() if strict is None else strict
    if strict and not result.passed:
        raise ExerciseCheckFailed(result.message)
    print(result.message)
    return result


def own_copy(value: Any) -> Any:
    """A deep copy of an argument (arrays, tensors, dicts and lists of them, modules); the object
    itself where it cannot be copied (a generator, a file)."""
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - some objects (torch.Generator, locks) cannot be copied; share those
        return value


def _same(a: Any, b: Any) -> bool:
    """Whether an input still holds the values it was given (arrays and tensors, in dicts, lists and
    tuples)."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and bool(
            torch.equal(a.detach().cpu(), b.detach().cpu())
            or torch.allclose(a.detach().cpu(), b.detach().cpu(), equal_nan=True, rtol=0, atol=0)
        )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True  # anything else (numbers, modules, optimisers) is not watched


def _changed_inputs(fn: Callable, pristine: tuple, after: tuple) -> list[str]:
    """Names of the positional arguments that `fn` changed in place."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    changed = []
    for position, (before, now) in enumerate(zip(pristine, after)):
        if not _same(before, now):
            changed.append(
                f"`{names[position]}`" if position < len(names) else f"argument {position + 1}"
            )
    return changed


def _answer_key_codes(reference_fn: Callable, answer_keys: Sequence[Callable]) -> dict:
    """The code objects a learner's function must not call, mapped to the names to show.

    The reference counts when the course wrote it (under utils/); an explicit answer key counts
    wherever it lives, so a library's ready-made answer (a function, or a class: building it or
    calling it) can be named too."""
    codes = {}
    candidates = [
        (reference_fn, True, None),
        (getattr(reference_fn, "reference", None), True, None),
    ]
    for key in answer_keys:
        if inspect.isclass(key):  # building it or calling it; named by the class
            methods = ("__new__", "__init__", "__call__", "attribute")
            label = f"{key.__module__}.{key.__qualname__}"
            candidates += [(getattr(key, name, None), False, label) for name in methods]
        else:
            candidates.append((key, False, None))
    for fn, course_only, label in candidates:
        fn = inspect.unwrap(fn) if callable(fn) else None
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        if course_only and not str(Path(code.co_filename).resolve()).startswith(_UTILS):
            continue
        codes.setdefault(code, label or f"{fn.__module__}.{fn.__qualname__}")
    return codes


def _call_watching(
    fn: Callable, args: tuple, kwargs: dict, watched: dict
) -> tuple[Any, str | None]:
    """fn(*args, **kwargs), and the name of the first watched function it called (directly or not),
    if any."""
    if not watched:
        return fn(*args, **kwargs), None
    called: list[str] = []
    previous = sys.getprofile()

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code in watched and not called:
            called.append(watched[frame.f_code])

    sys.setprofile(profiler)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return result, (called[0] if called else None)


def check_function(
    exercise: str,
    learner_fn: Callable[..., Any],
    reference_fn: Callable[..., Any],
    cases: Sequence[Case],
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    compare: Callable[..., Verdict] = compare_arrays,
    strict: bool | None = None,
    answer_keys: Sequence[Callable] = (),
    exact: bool = False,
) -> CheckResult:
    """Call `learner_fn` on every case, compare with `reference_fn`, and report the first problem
    found.

    `exact=True` says that `compare` is exact or structural (whole numbers, orders, names): the ✓
    line then quotes no tolerance. Checks are built with `utils.checks.mistakes.catalogued_check`,
    which calls this.

    The reference runs first; each side gets its own deep copy of every input. A learner's function
    that calls the reference (or any of `answer_keys`) is told that this is the answer key, not a
    derivation.
    """
    worst = 0.0
    exercise = _(exercise)
    notes: list[str] = []
    watched = _answer_key_codes(reference_fn, answer_keys)
    fail = lambda status, text, verdict=None: _report(
        CheckResult(exercise, status, text, verdict, reference_fn), strict
    )
    for number, case in enumerate(cases, start=1):
        where = _("test case {number}").format(number=number)
        where += _(" ({label})").format(label=_(case.label)) if case.label else ""
        expected = reference_fn(*own_copy(case.args), **own_copy(case.kwargs))
        pristine = own_copy(case.args)
        learner_args, learner_kwargs = own_copy(case.args), own_copy(case.kwargs)
        try:
            got, answer_key = _call_watching(learner_fn, learner_args, learner_kwargs, watched)
        except NotImplementedError:
            return fail(
                "not attempted",
                _("⏳ {exercise}: not attempted yet. {hint}").format(
                    exercise=exercise, hint=_(NOT_ATTEMPTED_HINT)
                ),
            )
        except Exception as error:  # a learner's bug must become a message, not a traceback
            return fail(
                "error",
                _(
                    "✗ {exercise}: your code raised an error on {where}: {error}. "
                    "Fix it in the exercise cell, run that cell, then run this check again."
                ).format(exercise=exercise, where=where, error=_describe_error(error)),
            )
        if answer_key is not None:
            return fail(
                "failed",
                _(
                    "✗ {exercise}: your function calls `{answer_key}`, a reference answer (the "
                    "course's own, or the library's that the notebook compares with), so the check "
                    "would compare that answer with itself. Write the computation out yourself, "
                    "then run this check again."
                ).format(exercise=exercise, answer_key=answer_key),
            )
        verdict = compare(got, expected, batch_size=case.batch_size, rtol=rtol, atol=atol)
        if not verdict.passed:
            return fail(
                "failed",
                _("✗ {exercise}: not right yet on {where}. {diagnosis}").format(
                    exercise=exercise, where=where, diagnosis=verdict.message
                ),
                verdict,
            )
        changed = _changed_inputs(learner_fn, pristine, learner_args)
        if changed and not notes:
            notes.append(
                _(
                    " Note: your function changed its input {names} in place. The check gave it a "
                    "copy, but in the notebook the caller's array changes too, and cells below "
                    "that reuse it would see the changed values (a layer's weights, say). Copy "
                    "first: x = x.copy() in NumPy, x = x.clone() in torch."
                ).format(names=", ".join(changed))
            )
        worst = max(worst, verdict.relative_error if np.isfinite(verdict.relative_error) else 0.0)
    if exact:  # a structural or exact comparison: no tolerance to quote
        detail = ""
    else:
        detail = _(
            " (largest relative error ‖yours − expected‖ / max(‖yours‖, ‖expected‖) = "
            "{worst:.1e}; the check allows rtol={rtol:g}, atol={atol:g} per element)"
        ).format(worst=worst, rtol=rtol, atol=atol)
    message = _("✓ {exercise}: correct on all {count} test cases{detail}.{notes}").format(
        exercise=exercise, count=len(cases), detail=detail, notes="".join(notes)
    )
    return _report(CheckResult(exercise, "passed", message, None, reference_fn), strict)


def choose_implementation(
    result: CheckResult, learner_fn: Callable, reference_fn: Callable | None = None
) -> Callable:
    """The learner's function once its check passed; otherwise the course's reference, saying so."""
    if result.passed:
        print(
            _("Using your implementation from {exercise} below.").format(exercise=result.exercise)
        )
        return learner_fn
    fallback = reference_fn if reference_fn is not None else result.reference
    fallback = getattr(
        fallback, "reference", fallback
    )  # an expected-answer function built by `with_mistakes`
    if fallback is None:
        raise ValueError(f"{result.exercise} has no reference implementation to fall back to.")
    print(
        _(
            "Using the course's reference implementation below, because {exercise} is {status}."
        ).format(exercise=result.exercise, status=_(result.status))
    )
    return fallback
