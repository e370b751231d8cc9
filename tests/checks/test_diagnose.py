"""The answer checker must name each catalogued mistake, and must accept right answers."""

import numpy as np
import pytest
import torch

from utils.checks import compare_arrays

rng = np.random.default_rng(0)
N = 8
EXPECTED_MATRIX = rng.normal(size=(4, 3))
EXPECTED_SQUARE = rng.normal(size=(4, 4))
EXPECTED_COLUMN = rng.normal(size=(4, 1))

# (name, wrong answer, expected, batch size, kind, a phrase the message must contain)
CATALOGUE = [
    ("wrong shape", np.zeros((5, 3)), EXPECTED_MATRIX, None, "shape", "Wrong shape"),
    (
        "transposed, rectangular",
        EXPECTED_MATRIX.T,
        EXPECTED_MATRIX,
        None,
        "transposed",
        "transposed",
    ),
    ("transposed, square", EXPECTED_SQUARE.T, EXPECTED_SQUARE, None, "transposed", "transposed"),
    (
        "squeezed (n,) for (n,1)",
        EXPECTED_COLUMN.ravel(),
        EXPECTED_COLUMN,
        None,
        "squeezed",
        "keepdims=True",
    ),
    (
        "batch axis kept",
        np.repeat(EXPECTED_COLUMN / N, N, axis=1),
        EXPECTED_COLUMN,
        N,
        "broadcast",
        "Sum over axis 1",
    ),
    (
        "(n,) minus (n,1) broadcast",
        EXPECTED_COLUMN - EXPECTED_COLUMN.ravel(),
        EXPECTED_COLUMN,
        None,
        "broadcast",
        "broadcast",
    ),
    ("wrong sign", -EXPECTED_MATRIX, EXPECTED_MATRIX, None, "sign", "Wrong sign"),
    ("factor of 2", 2 * EXPECTED_MATRIX, EXPECTED_MATRIX, None, "factor", "factor of 2"),
    ("factor of 1/2", 0.5 * EXPECTED_MATRIX, EXPECTED_MATRIX, None, "factor", "factor of 2"),
    (
        "missing mean over the batch",
        N * EXPECTED_MATRIX,
        EXPECTED_MATRIX,
        N,
        "batch-mean",
        "mean over the batch is missing",
    ),
    (
        "mean taken twice",
        EXPECTED_MATRIX / N,
        EXPECTED_MATRIX,
        N,
        "batch-mean",
        "divided by n once too often",
    ),
    ("other constant factor", 3.7 * EXPECTED_MATRIX, EXPECTED_MATRIX, None, "factor", "3.7"),
    (
        "NaN",
        np.where(np.eye(4, 3) > 0, np.nan, EXPECTED_MATRIX),
        EXPECTED_MATRIX,
        None,
        "nan",
        "NaN",
    ),
    ("inf", np.full((4, 3), np.inf), EXPECTED_MATRIX, None, "nan", "inf"),
    ("None returned", None, EXPECTED_MATRIX, None, "none", "return"),
    ("not a number", "banana", EXPECTED_MATRIX, None, "type", "not a number"),
    (
        "values wrong",
        EXPECTED_MATRIX + rng.normal(size=(4, 3)),
        EXPECTED_MATRIX,
        None,
        "values",
        "relative error",
    ),
]


@pytest.mark.parametrize(
    "name, got, expected, batch, kind, phrase", CATALOGUE, ids=[c[0] for c in CATALOGUE]
)
def test_each_catalogued_mistake_is_named(name, got, expected, batch, kind, phrase):
    verdict = compare_arrays(got, expected, batch_size=batch)
    assert not verdict.passed
    assert verdict.kind == kind, verdict.message
    assert phrase in verdict.message


@pytest.mark.parametrize(
    "name, got, expected, batch, kind, phrase",
    [c for c in CATALOGUE if c[4] in ("sign", "factor", "batch-mean", "values")],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_value_mistakes_print_relative_error_and_worst_element(
    name, got, expected, batch, kind, phrase
):
    message = compare_arrays(got, expected, batch_size=batch).message
    assert "relative error" in message and "worst element at index" in message


@pytest.mark.parametrize(
    "answer",
    [
        EXPECTED_MATRIX,
        EXPECTED_MATRIX.tolist(),
        torch.tensor(EXPECTED_MATRIX, dtype=torch.float64, requires_grad=True),
        EXPECTED_MATRIX * (1 + 1e-9),
    ],
)
def test_right_answers_pass_in_any_container(answer):
    verdict = compare_arrays(answer, EXPECTED_MATRIX)
    assert verdict.passed and verdict.kind == "ok"


def test_symmetric_matrix_is_not_called_transposed():
    symmetric = EXPECTED_SQUARE + EXPECTED_SQUARE.T
    assert compare_arrays(symmetric, symmetric).passed


def test_scalar_answers():
    assert compare_arrays(2.5, 2.5).passed
    assert compare_arrays(-2.5, 2.5).kind == "sign"
    assert compare_arrays(2.5 * N, 2.5, batch_size=N).kind == "batch-mean"
    assert compare_arrays(5.0, 2.5).kind == "factor"
    off_by_one = compare_arrays(
        4.0, 3.0
    )  # a wrong number is not usefully "1.333 × the expected one"
    assert off_by_one.kind == "values" and "yours 4 vs expected 3" in off_by_one.message


def test_all_zero_expected_is_handled():
    verdict = compare_arrays(np.ones(3), np.zeros(3))
    assert not verdict.passed and verdict.kind == "values"


def test_compare_named_points_at_the_wrong_part():
    from utils.checks import compare_named

    compare = compare_named(("dW", "db"))
    dW, db = EXPECTED_MATRIX, EXPECTED_COLUMN
    assert compare((dW, db), (dW, db)).passed
    verdict = compare((dW, N * db), (dW, db), batch_size=N)
    assert verdict.kind == "batch-mean" and verdict.message.startswith("In db:")
    assert compare((dW,), (dW, db)).kind == "structure"
    assert compare(None, (dW, db)).kind == "none"


def test_a_kept_axis_on_a_scalar_answer_is_told_to_drop_keepdims():
    verdict = compare_arrays(np.array([[2.5]]), np.float64(2.5))
    assert verdict.kind == "squeezed" and "Drop keepdims=True" in verdict.message


def test_an_all_zero_answer_is_named_as_nothing_computed():
    verdict = compare_arrays(np.zeros(3), np.array([1.0, 2.0, 3.0]))
    assert verdict.kind == "zero" and "all zeros" in verdict.message


def test_a_non_number_is_told_to_return_what_the_exercise_asks():
    verdict = compare_arrays(object(), np.float64(1.0))
    assert verdict.kind == "type" and "what the exercise asks you to return" in verdict.message


def test_the_quoted_element_is_the_one_outside_the_tolerance_and_shows_the_difference():
    expected = np.array([1000.0, -0.00525535])
    got = np.array([1000.004, -0.00525373])  # the first is within rtol 1e-5, the second is not
    verdict = compare_arrays(got, expected, rtol=1e-5, atol=1e-8)
    assert (
        not verdict.passed and "index (1,)" in verdict.message and "-0.00525373" in verdict.message
    )


def test_a_scalar_close_miss_shows_enough_digits_to_see_it():
    verdict = compare_arrays(np.float64(1.1000001), np.float64(1.1), rtol=1e-9, atol=0)
    assert "1.1000001" in verdict.message


def test_a_near_miss_is_told_it_is_close_and_where_to_look():
    verdict = compare_arrays(np.array([1.0, 2.0 + 1e-6]), np.array([1.0, 2.0]), rtol=1e-9, atol=0)
    assert (
        verdict.kind == "close" and "float32" in verdict.message and "rtol=1e-09" in verdict.message
    )


@pytest.mark.parametrize(
    "got_shape, expected_shape, advice, not_said",
    [
        ((5, 4, 3), (4, 3), "Sum over axis 0.", "keepdims"),
        ((5, 3), (1, 3), "Sum over axis 0 with keepdims=True", None),
        ((2, 5, 3), (1, 3), "Sum over axis 0, and over axis 1 with keepdims=True", None),
    ],
)
def test_a_kept_batch_axis_is_told_exactly_how_to_reduce(
    got_shape, expected_shape, advice, not_said
):
    rng = np.random.default_rng(0)
    per_example = rng.normal(size=got_shape)
    expected = per_example.sum(axis=tuple(range(len(got_shape) - 2 + (expected_shape[0] == 1))))
    expected = (
        per_example.reshape(-1, got_shape[-1]).sum(axis=0).reshape(expected_shape)
        if (expected_shape[0] == 1)
        else per_example.sum(axis=0)
    )
    verdict = compare_arrays(per_example, expected)
    assert verdict.kind == "broadcast" and advice in verdict.message, verdict.message
    if not_said:
        assert not_said not in verdict.message, verdict.message


def test_a_diagnosis_is_given_in_chinese(monkeypatch):
    from utils.checks import compare_named

    monkeypatch.setenv("COURSE_LANG", "zh")
    verdict = compare_arrays(2 * EXPECTED_MATRIX, EXPECTED_MATRIX)
    assert verdict.kind == "factor" and "差一个因子 2：你的答案是期望答案的两倍" in verdict.message
    assert "相对误差" in verdict.message and "偏差最大的元素位于索引" in verdict.message
    summed = np.repeat(EXPECTED_COLUMN / N, N, axis=1)  # the batch axis kept
    verdict = compare_named(("dW", "db"))(
        (EXPECTED_MATRIX, summed), (EXPECTED_MATRIX, EXPECTED_COLUMN)
    )
    assert verdict.kind == "broadcast", verdict.message
    assert (
        verdict.message.startswith("在 db 中：")
        and "你保留了批次轴。沿轴 1 求和" in verdict.message
    )
