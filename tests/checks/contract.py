"""The one test contract for exercise checks, imported by every tests/chNN/test_checks_NNx.py.

- `stub` is an untouched exercise: it raises NotImplementedError, as the learner copy's cell does.
- `assert_answer_key(result, name)`: an answer that calls a reference answer is named by it.
- `assert_named(result, kind, phrase)`: a wrong answer failed with the catalogued diagnosis `kind`,
  and the
  message says `phrase` (the words a learner acts on).
- `WrongAnswer(name, answer, kind, phrase)`: one row of a test catalogue of wrong answers;
  `catalogue_rows(mistakes)` makes one from each `Mistake` of a check's own catalogue.
- `wrong_answers_named(check, catalogue)`, `right_answers_pass(check, answers)` and
  `not_attempted(check)` turn a
  check and its catalogue into parametrized pytest tests. Assign each to a module-level `test_*`
  name:

      test_dedup_mistakes = wrong_answers_named(checks_06a.check_deduplicate, DEDUP_CATALOGUE)
      test_dedup_right = right_answers_pass(checks_06a.check_deduplicate, [dedup_dict, dedup_numpy])
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import pytest


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")


def assert_named(result, kind: str, phrase: str) -> None:
    """A catalogued wrong answer fails, with the expected diagnosis and words a learner can act
    on."""
    assert result.status == "failed", result.message
    assert result.verdict is not None and result.verdict.kind == kind, result.message
    assert phrase in result.message, result.message


def assert_answer_key(result, name: str) -> None:
    """A function that calls a reference answer fails, naming what it called."""
    assert result.status == "failed", result.message
    assert name in result.message and "reference answer" in result.message, result.message


class WrongAnswer(NamedTuple):
    name: str  # the test id
    answer: Callable
    kind: str  # the diagnosis the check must give
    phrase: str  # words the message must contain


def catalogue_rows(mistakes) -> list[WrongAnswer]:
    """One WrongAnswer per `Mistake(kind, wrong, message)` of a check's own catalogue: each
    catalogued mistake, fed to its check, must get its own diagnosis and the first words of its
    own message."""
    return [WrongAnswer(m.kind, m.wrong, m.kind, m.message[:40]) for m in mistakes]


def _label(answer: Callable, position: int) -> str:
    name = getattr(answer, "__name__", "")
    return name if name and name != "<lambda>" else f"answer{position}"


def wrong_answers_named(check: Callable, catalogue: Sequence[tuple]) -> Callable:
    """A parametrized test: each wrong answer of `catalogue` fails `check` with its diagnosis and
    phrase."""
    rows = [WrongAnswer(*row) for row in catalogue]

    @pytest.mark.parametrize("wrong", rows, ids=[row.name for row in rows])
    def test(wrong: WrongAnswer) -> None:
        assert_named(check(wrong.answer, strict=False), wrong.kind, wrong.phrase)

    return test


def right_answers_pass(check: Callable, answers: Sequence[Callable]) -> Callable:
    """A parametrized test: every right answer, however written, passes `check`."""

    @pytest.mark.parametrize("answer", answers, ids=[_label(a, i) for i, a in enumerate(answers)])
    def test(answer: Callable) -> None:
        result = check(answer, strict=False)
        assert result.passed, result.message

    return test


def not_attempted(check: Callable) -> Callable:
    """A test: the untouched exercise is reported as not attempted, with what to do, and falls
    back."""

    def test() -> None:
        result = check(stub, strict=False)
        assert result.status == "not attempted", result.message
        assert "Replace the line" in result.message
        assert result.reference is not None

    return test
