"""The exercise runner: not attempted, errors, wrong answers, strictness, and the fallback."""

import numpy as np
import pytest

from utils.exercises import Case, ExerciseCheckFailed, check_function, choose_implementation, strict_mode
from utils.losses import mse

CASES = [Case((np.arange(4.0), np.ones(4)), "four values", batch_size=4)]


def stub(y_hat, y):
    raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")


def test_untouched_exercise_is_not_attempted_and_says_what_to_do(capsys):
    result = check_function("Exercise 9.9", stub, mse, CASES, strict=False)
    assert result.status == "not attempted" and not result.passed
    assert "not attempted yet" in capsys.readouterr().out
    assert "raise NotImplementedError" in result.message


def test_a_learners_exception_becomes_a_message_naming_the_line():
    def broken(y_hat, y):
        return np.mean((y_hat - y[:, None]) ** 2) / undefined_name  # noqa: F821

    result = check_function("Exercise 9.9", broken, mse, CASES, strict=False)
    assert result.status == "error"
    assert "NameError" in result.message and "undefined_name" in result.message


def test_wrong_answer_is_diagnosed():
    result = check_function("Exercise 9.9", lambda a, b: float(np.sum((a - b) ** 2)), mse, CASES, strict=False)
    assert result.status == "failed" and result.verdict.kind == "batch-mean"
    assert "mean over the batch is missing" in result.message


def test_right_answer_gets_a_tick():
    result = check_function("Exercise 9.9", lambda a, b: float(np.mean((a - b) ** 2)), mse, CASES, strict=False)
    assert result.passed and result.message.startswith("✓")


@pytest.mark.parametrize("fn", [stub, lambda a, b: -mse(a, b)])
def test_strict_mode_raises_on_anything_but_a_pass(fn):
    with pytest.raises(ExerciseCheckFailed):
        check_function("Exercise 9.9", fn, mse, CASES, strict=True)


def test_strictness_follows_the_solutions_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)
    (tmp_path / "solutions").mkdir()
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "solutions")
    assert strict_mode()
    monkeypatch.chdir(tmp_path / "chapters")
    assert not strict_mode()
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    assert strict_mode()


def test_fallback_uses_the_reference_until_the_check_passes(capsys):
    failed = check_function("Exercise 9.9", stub, mse, CASES, strict=False)
    assert choose_implementation(failed, stub, mse) is mse
    assert "reference implementation" in capsys.readouterr().out
    mine = lambda a, b: float(np.mean((a - b) ** 2))  # noqa: E731
    passed = check_function("Exercise 9.9", mine, mse, CASES, strict=False)
    assert choose_implementation(passed, mine, mse) is mine
