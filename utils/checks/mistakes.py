"""Name a catalogued mistake: the expected answer carries each known wrong answer computed on the same inputs,
so a learner's answer that matches one is told which mistake it is, in words."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from utils.checks.diagnose import Verdict, compare_arrays
from utils.checks.runner import Case, CheckResult, check_function


@dataclass(frozen=True)
class Expected:
    """The right answer, and (kind, wrong answer, message) for each catalogued mistake on the same inputs."""

    right: Any
    mistakes: tuple


def with_mistakes(reference: Callable, mistakes: Sequence[tuple[str, Callable, str]]) -> Callable[..., Expected]:
    """An expected-answer function for check_function: the reference plus each mistake run on the same arguments."""

    def expected(*args, **kwargs) -> Expected:
        wrong = tuple((kind, fn(*copy.deepcopy(args), **kwargs), message) for kind, fn, message in mistakes)
        return Expected(reference(*copy.deepcopy(args), **kwargs), wrong)

    expected.reference = reference  # the runner tells a learner who calls it that it is the answer key
    return expected


def naming_mistakes(base: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """A compare for `Expected`: `base` against the right answer; if that fails, name the mistake it matches."""

    def compare(got, expected: Expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        verdict = base(got, expected.right, batch_size=batch_size, rtol=rtol, atol=atol)
        if verdict.passed:
            return verdict
        for kind, wrong, message in expected.mistakes:
            differs = not base(wrong, expected.right, batch_size=batch_size, rtol=rtol, atol=atol).passed
            if differs and base(got, wrong, batch_size=batch_size, rtol=rtol, atol=atol).passed:
                error = verdict.relative_error
                numbers = f" (Relative error {error:.2e}.)" if np.isfinite(error) else ""
                return Verdict(False, kind, f"{message}{numbers}", error)
        return verdict

    compare.exact = getattr(base, "exact", False)
    return compare


def catalogued_check(
    exercise: str,
    learner_fn: Callable,
    reference: Callable,
    cases: Sequence[Case],
    *,
    mistakes: Sequence[tuple[str, Callable, str]] = (),
    compare=compare_arrays,
    expected_from: Callable | None = None,
    strict: bool | None = None,
    answer_keys: Sequence[Callable] = (),
    **options,
) -> CheckResult:
    """check_function with each catalogued mistake named; the result falls back to the plain `reference`.

    `expected_from` (default: `reference`) computes what is compared, when that differs from what the notebook
    uses afterwards (for example the step a parameter update takes, rather than the new parameters).
    """
    computed = expected_from if expected_from is not None else reference
    expected = with_mistakes(computed, mistakes) if mistakes else computed
    result = check_function(
        exercise, learner_fn, expected, cases, compare=naming_mistakes(compare) if mistakes else compare,
        strict=strict, answer_keys=(reference, *answer_keys), **options,
    )
    return dataclasses.replace(result, reference=reference)
