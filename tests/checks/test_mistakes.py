"""The generic parts of the chapter-3 checks: mistakes named on the same inputs, answers run on
copies."""

import numpy as np

from utils.checks import compare_arrays
from utils.checks.mistakes import naming_mistakes, with_mistakes


def test_a_wrong_answer_matching_a_catalogued_mistake_is_named():
    expected = with_mistakes(
        lambda x: x * 2, [("plus", lambda x: x + 2, "added instead of multiplied")]
    )
    compare = naming_mistakes(compare_arrays)
    x = np.array([1.0, 3.0])
    assert compare(x * 2, expected(x)).passed
    verdict = compare(x + 2, expected(x))
    assert verdict.kind == "plus" and "added" in verdict.message
    assert compare(x * 5, expected(x)).kind == "factor"  # otherwise the base diagnosis


def test_a_mistake_that_coincides_with_the_right_answer_is_not_used():
    expected = with_mistakes(lambda x: x * 2, [("plus", lambda x: x + 2, "added")])
    verdict = naming_mistakes(compare_arrays)(
        np.array([9.0, 9.0]), expected(np.array([2.0, 2.0]))
    )  # x·2 = x+2 here
    assert not verdict.passed and verdict.kind == "factor"
