"""Name a catalogued mistake: the expected answer carries each known wrong answer computed on the
same inputs, so a learner's answer that matches one is told which mistake it is, in words."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from utils.checks.diagnose import Verdict, compare_arrays
from utils.checks.runner import Case, CheckResult, check_function
from utils.i18n import _


class Mistake(NamedTuple):
    """A catalogued mistake: its short name (the verdict's kind), a function that makes it, and what
    to tell the learner whose answer matches it."""

    kind: str
    wrong: Callable
    message: str  # English, marked with utils.i18n.N_; shown through `_`


@dataclass(frozen=True)
class Expected:
    """The right answer, and (kind, wrong answer, message) for each catalogued mistake on the same
    inputs."""

    right: Any
    mistakes: tuple


def with_mistakes(reference: Callable, mistakes: Sequence[Mistake]) -> Callable[..., Expected]:
    """An expected-answer function for check_function: the reference plus each mistake run on the
    same arguments."""
    mistakes = [Mistake(*m) for m in mistakes]

    def expected(*args, **kwargs) -> Expected:
        wrong = tuple(
            (m.kind, m.wrong(*copy.deepcopy(args), **kwargs), m.message) for m in mistakes
        )
        return Expected(reference(*copy.deepcopy(args), **kwargs), wrong)

    expected.reference = (
        reference  # the runner tells a learner who calls it that it is the answer key
    )
    return expected


def naming_mistakes(base: Callable[..., Verdict]) -> Callable[..., Verdict]:
    """A compare for `Expected`: `base` against the right answer; if that fails, name the mistake it
    matches."""

    def compare(got, expected: Expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        verdict = base(got, expected.right, batch_size=batch_size, rtol=rtol, atol=atol)
        if verdict.passed:
            return verdict
        for kind, wrong, message in expected.mistakes:
            differs = not base(
                wrong, expected.right, batch_size=batch_size, rtol=rtol, atol=atol
            ).passed
            if differs and base(got, wrong, batch_size=batch_size, rtol=rtol, atol=atol).passed:
                error = verdict.relative_error
                numbers = _(" (Relative error {error:.2e}.)").format(error=error)
                return Verdict(
                    False, kind, _(message) + (numbers if np.isfinite(error) else ""), error
                )
        return verdict

    return compare


def catalogued_check(
    exercise: str,
    learner_fn: Callable,
    reference: Callable,
    cases: Sequence[Case],
    *,
    mistakes: Sequence[Mistake] = (),
    compare=compare_arrays,
    exact: bool = False,
    expected_from: Callable | None = None,
    strict: bool | None = None,
    answer_keys: Sequence[Callable] = (),
    **options,
) -> CheckResult:
    """The one way to build an exercise check: run `learner_fn` on `cases`, compare with `compare`,
    name each catalogued mistake that a wrong answer matches, and fall back to `reference` in the
    notebook.

    `exact=True` when `compare` is exact or structural: the ✓ line then quotes no tolerance.
    `expected_from` (default: `reference`) computes what is compared, when that differs from what
    the notebook uses afterwards (for example the step a parameter update takes, rather than the new
    parameters). `options` go to `runner.check_function` (rtol, atol).
    """
    computed = expected_from if expected_from is not None else reference
    expected = with_mistakes(computed, mistakes) if mistakes else computed
    result = check_function(
        exercise,
        learner_fn,
        expected,
        cases,
        compare=naming_mistakes(compare) if mistakes else compare,
        strict=strict,
        answer_keys=(reference, *answer_keys),
        exact=exact,
        **options,
    )
    return dataclasses.replace(result, reference=reference)
