"""Chapter 1's checks: alternative right answers pass (in place, einsum, float32, torch,
scikit-learn), an untouched stub is "not attempted", each catalogued wrong answer gets its own
message, and the fallback is the plain reference."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.preprocessing import StandardScaler

from tests.checks.contract import (
    assert_answer_key,
    assert_named,
    WrongAnswer,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch01.checks_01 import check_mean_squared_error, check_standardise
from utils.checks import choose_implementation
from utils.data import standardise_columns
from utils.losses import mse

# ---------------------------------------------------------------- right answers, written as
# different learners would


def standardise_in_place(X):
    X = np.asarray(X, dtype=float)  # the exercise cell's own first line: no copy for a float array
    X -= X.mean(axis=0)
    X /= X.std(axis=0)
    return X


def standardise_einsum(X):
    n = X.shape[0]
    mu = np.einsum("ij->j", X) / n
    centred = X - mu
    return centred / np.sqrt(np.einsum("ij,ij->j", centred, centred) / n)


def standardise_float32(X):
    X = np.asarray(X, dtype=np.float32)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def standardise_torch(X):
    t = torch.from_numpy(X)
    return (t - t.mean(dim=0)) / t.std(dim=0, unbiased=False)


def mse_in_place(y_hat, y):
    d = y_hat
    d -= y
    return np.mean(d**2)


def mse_einsum(y_hat, y):
    d = y - y_hat
    return np.einsum("ij,ij->", d, d) / d.size


def standardise_sklearn(X):
    return StandardScaler().fit_transform(X)


def mse_float32(y_hat, y):
    return np.mean((y_hat.astype(np.float32) - y.astype(np.float32)) ** 2)


def mse_sum_over_size(y_hat, y):
    return np.square(y_hat - y).sum() / y.size


def mse_torch(y_hat, y):
    return F.mse_loss(torch.from_numpy(y_hat), torch.from_numpy(y))


def mse_torch_item(y_hat, y):
    return F.mse_loss(torch.from_numpy(y_hat), torch.from_numpy(y)).item()


STANDARDISE_RIGHT = [
    standardise_in_place,
    standardise_einsum,
    standardise_float32,
    standardise_torch,  # returns a tensor
    standardise_sklearn,
]
MSE_RIGHT = [
    mse_in_place,  # d = y_hat; d -= y
    mse_einsum,  # the other order, y − ŷ
    mse_float32,
    mse_sum_over_size,
    mse_torch,  # a 0-d tensor
    mse_torch_item,
]
test_standardise_right = right_answers_pass(check_standardise, STANDARDISE_RIGHT)
test_mse_right = right_answers_pass(check_mean_squared_error, MSE_RIGHT)


@pytest.mark.parametrize(
    "check, answer",
    [(check_standardise, standardise_einsum), (check_mean_squared_error, mse_einsum)],
)
def test_a_pass_quotes_the_relative_error_and_the_tolerance(check, answer):
    message = check(answer, strict=False).message
    assert "‖yours − expected‖ / max(‖yours‖, ‖expected‖)" in message and "rtol=1e-05" in message


def test_in_place_answer_is_noted_not_failed():
    result = check_mean_squared_error(mse_in_place, strict=False)
    assert result.passed and "changed its input `y_hat` in place" in result.message


test_standardise_not_attempted = not_attempted(check_standardise)
test_mse_not_attempted = not_attempted(check_mean_squared_error)


def test_fallback_is_the_plain_reference(capsys):
    assert choose_implementation(check_standardise(stub, strict=False), stub) is standardise_columns
    assert choose_implementation(check_mean_squared_error(stub, strict=False), stub) is mse
    assert "reference implementation" in capsys.readouterr().out


# ---------------------------------------------------------------- the catalogue of wrong answers


def quietly(fn):
    """fn with NumPy's floating-point warnings silenced (a wrong answer that divides by zero)."""

    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)

    run.__name__ = getattr(fn, "__name__", "answer")
    return run


STANDARDISE_WRONG = [
    WrongAnswer(
        "rows, axis=1 with keepdims",
        lambda X: (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True),
        "rows",
        "each ROW",
    ),
    WrongAnswer(
        "one mean and std for the whole array",
        lambda X: (X - X.mean()) / X.std(),
        "whole array",
        "whole array",
    ),
    WrongAnswer(
        "sample std (ddof=1)", lambda X: (X - X.mean(0)) / X.std(0, ddof=1), "ddof", "ddof=1"
    ),
    WrongAnswer(
        "centred, not scaled", lambda X: X - X.mean(0), "not scaled", "centred but not scaled"
    ),
    WrongAnswer("scaled, not centred", lambda X: X / X.std(0), "not centred", "not centred"),
    WrongAnswer(
        "divided by the variance", lambda X: (X - X.mean(0)) / X.var(0), "variance", "variance"
    ),
    WrongAnswer("transposed", lambda X: standardise_columns(X).T, "transposed", "transposed"),
    WrongAnswer(
        "inf: divided by a zero std",
        quietly(lambda X: (X - X.mean(0)) / (X.std(0) * 0)),
        "nan",
        "inf",
    ),
    WrongAnswer("no return", lambda X: None, "none", "return"),
]
MSE_WRONG = [
    WrongAnswer(
        "sum, not mean", lambda y_hat, y: np.sum((y_hat - y) ** 2), "batch-mean", "8× too large"
    ),
    WrongAnswer("RMSE", lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), "root", "square root"),
    WrongAnswer(
        "mean absolute error",
        lambda y_hat, y: np.mean(np.abs(y_hat - y)),
        "absolute",
        "mean absolute error",
    ),
    WrongAnswer(
        "square of the mean difference",
        lambda y_hat, y: np.mean(y_hat - y) ** 2,
        "square of the mean",
        "squared the mean",
    ),
    WrongAnswer(
        "mean over axis 0 only",
        lambda y_hat, y: np.mean((y_hat - y) ** 2, axis=0),
        "axis 0 only",
        "axis 0 only",
    ),
    WrongAnswer(
        "half of the MSE",
        lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2),
        "factor",
        "factor of 2",
    ),
    WrongAnswer("wrong sign", lambda y_hat, y: -np.mean((y_hat - y) ** 2), "sign", "Wrong sign"),
    WrongAnswer("NaN", lambda y_hat, y: np.mean((y_hat - y) ** 2) * np.nan, "nan", "NaN"),
    WrongAnswer(
        "broadcast (8, 1) against (8,)",
        lambda y_hat, y: np.mean((y_hat - y.ravel()) ** 2),
        "values",
        "relative error",
    ),
]
test_standardise_wrong = wrong_answers_named(check_standardise, STANDARDISE_WRONG)
test_mse_wrong = wrong_answers_named(check_mean_squared_error, MSE_WRONG)


def test_an_answer_that_raises_is_told_the_error_and_where():
    result = check_standardise(lambda X: (X - X.mean(1)) / X.std(1), strict=False)
    assert result.status == "error" and "could not be broadcast" in result.message
    assert result.message.startswith("✗")


def test_a_named_mistake_quotes_its_relative_error():
    result = check_mean_squared_error(
        lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), strict=False
    )
    assert "Relative error" in result.message


@pytest.mark.answer_key_watch
def test_calling_the_reference_is_named_as_the_answer_key():
    result = check_mean_squared_error(lambda y_hat, y: mse(y_hat, y), strict=False)
    assert_answer_key(result, "utils.losses.mse")


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    rows = lambda X: (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)  # noqa: E731
    result = check_standardise(rows, strict=False)
    assert_named(result, "rows", "你对每一行做了标准化（axis=1）")
    assert result.message.startswith("✗ 练习 1.1（标准化）"), result.message
