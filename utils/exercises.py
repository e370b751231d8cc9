"""Run a learner's exercise function on test cases, report ✓ / ✗ / not attempted, and pick a fallback.

Learner copies print their verdicts so that "Run All" always reaches the end.
Solution notebooks are strict: any verdict other than ✓ raises `ExerciseCheckFailed`.
Strictness follows the folder the kernel runs in (`solutions/`), or COURSE_STRICT_CHECKS=1|0.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from utils.checks import Verdict, compare_arrays

NOT_ATTEMPTED_HINT = (
    "Replace the line `raise NotImplementedError(...)` in the exercise cell with your code, "
    "run that cell, then run this check again."
)


class ExerciseCheckFailed(AssertionError):
    """Raised by a check in strict mode (the solution notebooks) when the answer is not right."""


def strict_mode() -> bool:
    """True in the solution notebooks: the kernel's folder is `solutions/`, unless the env var says otherwise."""
    setting = os.environ.get("COURSE_STRICT_CHECKS")
    if setting is not None:
        return setting.strip() not in ("", "0", "false", "no")
    return Path.cwd().name == "solutions"


@dataclass(frozen=True)
class Case:
    """One test input: positional arguments, a short description, and the batch size (for the n-factor diagnosis)."""

    args: tuple
    label: str = ""
    batch_size: int | None = None
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    status: str  # "passed", "failed", "not attempted", "error"
    message: str
    verdict: Verdict | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __str__(self) -> str:
        return self.message


def _describe_error(error: BaseException) -> str:
    """The exception and the line of the learner's code that raised it (the innermost frame outside utils)."""
    frames = traceback.extract_tb(error.__traceback__)
    here = str(Path(__file__).resolve().parent)
    own = [f for f in frames if not str(Path(f.filename).resolve()).startswith(here)]
    where = ""
    if own:
        line = (own[-1].line or "").strip()
        if line:
            where = f" at `{line}`"
    return f"{type(error).__name__}: {error}{where}"


def _report(result: CheckResult, strict: bool | None) -> CheckResult:
    strict = strict_mode() if strict is None else strict
    if strict and not result.passed:
        raise ExerciseCheckFailed(result.message)
    print(result.message)
    return result


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
) -> CheckResult:
    """Call `learner_fn` on every case, compare with `reference_fn`, and report the first problem found."""
    worst = 0.0
    for number, case in enumerate(cases, start=1):
        where = f"test case {number}" + (f" ({case.label})" if case.label else "")
        try:
            got = learner_fn(*case.args, **case.kwargs)
        except NotImplementedError:
            return _report(CheckResult(exercise, "not attempted", f"⏳ {exercise}: not attempted yet. {NOT_ATTEMPTED_HINT}"), strict)
        except Exception as error:  # a learner's bug must become a message, not a traceback
            return _report(CheckResult(exercise, "error", (
                f"✗ {exercise}: your code raised an error on {where}: {_describe_error(error)}. "
                "Fix it in the exercise cell, run that cell, then run this check again."
            )), strict)
        expected = reference_fn(*case.args, **case.kwargs)
        verdict = compare(got, expected, batch_size=case.batch_size, rtol=rtol, atol=atol)
        if not verdict.passed:
            return _report(CheckResult(exercise, "failed", f"✗ {exercise}: not right yet on {where}. {verdict.message}", verdict), strict)
        worst = max(worst, verdict.relative_error)
    message = f"✓ {exercise}: correct on all {len(cases)} test cases (largest relative error {worst:.1e})."
    return _report(CheckResult(exercise, "passed", message), strict)


def choose_implementation(result: CheckResult, learner_fn: Callable, reference_fn: Callable) -> Callable:
    """The learner's function once its check passed; otherwise the course's reference, saying so."""
    if result.passed:
        print(f"Using your implementation from {result.exercise} below.")
        return learner_fn
    print(f"Using the course's reference implementation below, because {result.exercise} is {result.status}.")
    return reference_fn
