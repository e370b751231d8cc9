"""The exercise runner: not attempted, errors, wrong answers, strictness, and the fallback."""

import numpy as np
import pytest

from utils.checks import (
    Case,
    ExerciseCheckFailed,
    check_function,
    choose_implementation,
    strict_mode,
)
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
    result = check_function(
        "Exercise 9.9", lambda a, b: float(np.sum((a - b) ** 2)), mse, CASES, strict=False
    )
    assert result.status == "failed" and result.verdict.kind == "batch-mean"
    assert "mean over the batch is missing" in result.message


def test_right_answer_gets_a_tick():
    result = check_function(
        "Exercise 9.9", lambda a, b: float(np.mean((a - b) ** 2)), mse, CASES, strict=False
    )
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


# ---------------------------------------------------------------- inputs: own copies, reference
# first, edits noted


def test_an_in_place_answer_passes_and_the_reference_is_not_spoiled():
    def in_place(y_hat, y):
        d = y_hat
        d -= y  # edits the caller's array
        return np.mean(d**2)

    result = check_function("Exercise 9.9", in_place, mse, CASES, strict=False)
    assert result.passed, result.message
    assert "changed its input `y_hat` in place" in result.message


def test_an_answer_that_edits_its_inputs_cannot_change_the_cases():
    original = CASES[0].args[0].copy()

    def editing(y_hat, y):
        y_hat *= 0
        return 0.0

    check_function("Exercise 9.9", editing, mse, CASES, strict=False)
    np.testing.assert_array_equal(CASES[0].args[0], original)


def test_a_reference_that_edits_its_inputs_cannot_change_what_the_learner_sees():
    def reference_in_place(x):
        x += 1.0
        return x

    seen = []

    def learner(x):
        seen.append(x.copy())
        return x + 1.0

    result = check_function(
        "Exercise 9.9", learner, reference_in_place, [Case((np.zeros(3),))], strict=False
    )
    assert result.passed and np.all(seen[0] == 0.0)


def test_torch_inputs_and_dicts_of_arrays_are_copied_too():
    import torch

    def reference(params, x):
        return params["w"] * x

    def learner(params, x):
        params["w"].mul_(2.0)  # in place on a tensor inside a dict
        x.add_(0.0)
        return params["w"] / 2.0 * x

    case = Case(({"w": torch.ones(3)}, torch.arange(3.0)))
    result = check_function("Exercise 9.9", learner, reference, [case], strict=False)
    assert result.passed and "`params`" in result.message and torch.all(case.args[0]["w"] == 1.0)


def test_a_float32_answer_passes_within_the_stated_tolerance():
    result = check_function(
        "Exercise 9.9",
        lambda a, b: np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2),
        mse,
        CASES,
        strict=False,
    )
    assert result.passed and "rtol=1e-05" in result.message


def test_the_tick_reports_the_symmetric_relative_error_of_chapter_4():
    result = check_function(
        "Exercise 9.9", lambda a, b: np.mean((a - b) ** 2) * (1 + 1e-7), mse, CASES, strict=False
    )
    assert result.passed and "max(‖yours‖, ‖expected‖) = 1.0e-07" in result.message


# ---------------------------------------------------------------- the answer key


@pytest.mark.answer_key_watch
def test_calling_the_reference_is_named_as_the_answer_key():
    from utils import losses

    result = check_function("Exercise 9.9", lambda a, b: losses.mse(a, b), mse, CASES, strict=False)
    assert (
        result.status == "failed"
        and "`utils.losses.mse`" in result.message
        and "reference answer" in result.message
    )


@pytest.mark.answer_key_watch
def test_calling_the_reference_through_a_helper_is_caught_and_other_helpers_are_not():
    from utils.activations import sigmoid

    def uses_a_helper(a, b):
        return float(np.mean(sigmoid(np.zeros(1))) * 0 + indirect(a, b))

    def indirect(a, b):
        return mse(a, b)

    assert (
        check_function("Exercise 9.9", uses_a_helper, mse, CASES, strict=False).status == "failed"
    )
    fine = check_function(
        "Exercise 9.9",
        lambda a, b: float(np.mean((a - b) ** 2) + 0 * sigmoid(0.0)),
        mse,
        CASES,
        strict=False,
    )
    assert fine.passed


@pytest.mark.answer_key_watch
def test_extra_answer_keys_are_watched():
    from utils.losses import mse_gradient

    result = check_function(
        "Exercise 9.9",
        lambda a, b: float(np.mean((a - b) ** 2) + 0 * mse_gradient(a, b).sum()),
        mse,
        CASES,
        strict=False,
        answer_keys=[mse_gradient],
    )
    assert result.status == "failed" and "mse_gradient" in result.message


def test_the_fallback_comes_from_the_result():
    failed = check_function("Exercise 9.9", stub, mse, CASES, strict=False)
    assert choose_implementation(failed, stub) is mse


def test_an_error_inside_a_library_is_located_at_the_learners_own_line():
    def learner(y_hat, y):
        return np.broadcast_to(y_hat, (7, 7)).mean()  # numpy raises deep inside its own code

    result = check_function("Exercise 9.9", learner, mse, CASES, strict=False)
    assert result.status == "error" and "np.broadcast_to(y_hat, (7, 7))" in result.message


def test_an_exact_comparison_quotes_no_tolerance():
    from utils.checks import Verdict

    def exact(got, expected, **options):
        return Verdict(got == expected, "ok" if got == expected else "values", "exact", 0.0)

    result = check_function(
        "Exercise 9.9",
        lambda x: x,
        lambda x: x,
        [Case((3,))],
        compare=exact,
        strict=False,
        exact=True,
    )
    assert result.passed and "rtol" not in result.message


@pytest.mark.answer_key_watch
def test_a_library_answer_key_is_named_wherever_it_lives():
    """An explicit answer key outside the course (a library class whose __call__ does the work) is
    watched too, while a library function that is only the reference's helper is not."""
    import fractions

    def learner(x):
        return float(fractions.Fraction(x))

    result = check_function(
        "Exercise 9.9",
        learner,
        lambda x: float(x),
        [Case((0.5,))],
        strict=False,
        answer_keys=(fractions.Fraction,),
    )
    assert result.status == "failed" and "fractions.Fraction" in result.message, result.message
    assert "reference answer" in result.message
    plain = check_function(
        "Exercise 9.9", learner, lambda x: float(x), [Case((0.5,))], strict=False
    )
    assert plain.passed, plain.message
