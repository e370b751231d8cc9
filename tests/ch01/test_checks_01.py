"""Chapter 1's checks: alternative right answers pass (in place, einsum, float32, torch,
scikit-learn), an untouched stub is "not attempted", each catalogued wrong answer gets its own
message, and the fallback is the plain reference."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.preprocessing import StandardScaler

from utils.checks import choose_implementation
from utils.ch01.checks_01 import check_mean_squared_error, check_standardise
from utils.data import standardise_columns
from utils.losses import mse

CHECKS = {"standardise": check_standardise, "mse": check_mean_squared_error}


def stub(*args):
    raise NotImplementedError("Exercise not attempted yet: replace this line with your code.")


# ---- right answers, written as different learners would
# --------------------------------------------------------


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


RIGHT = {
    "standardise": [
        ("in place", standardise_in_place),
        ("einsum", standardise_einsum),
        ("float32", standardise_float32),
        ("torch, returns a tensor", standardise_torch),
        ("scikit-learn StandardScaler", lambda X: StandardScaler().fit_transform(X)),
    ],
    "mse": [
        ("in place (d = y_hat; d -= y)", mse_in_place),
        ("einsum, other order (y − ŷ)", mse_einsum),
        (
            "float32",
            lambda y_hat, y: np.mean((y_hat.astype(np.float32) - y.astype(np.float32)) ** 2),
        ),
        ("sum / size", lambda y_hat, y: np.square(y_hat - y).sum() / y.size),
        (
            "torch, a 0-d tensor",
            lambda y_hat, y: F.mse_loss(torch.from_numpy(y_hat), torch.from_numpy(y)),
        ),
        (
            "torch .item()",
            lambda y_hat, y: F.mse_loss(torch.from_numpy(y_hat), torch.from_numpy(y)).item(),
        ),
    ],
}


@pytest.mark.parametrize(
    "exercise, name, fn",
    [(e, n, f) for e, answers in RIGHT.items() for n, f in answers],
    ids=[f"{e}: {n}" for e, answers in RIGHT.items() for n, _ in answers],
)
def test_right_answer_passes(exercise, name, fn):
    result = CHECKS[exercise](fn, strict=False)
    assert result.passed, result.message
    assert "‖yours − expected‖ / max(‖yours‖, ‖expected‖)" in result.message


def test_in_place_answer_is_noted_not_failed():
    result = check_mean_squared_error(mse_in_place, strict=False)
    assert result.passed and "changed its input `y_hat` in place" in result.message


@pytest.mark.parametrize("exercise", list(CHECKS))
def test_untouched_stub_is_not_attempted(exercise):
    result = CHECKS[exercise](stub, strict=False)
    assert result.status == "not attempted" and "not attempted yet" in result.message


def test_fallback_is_the_plain_reference(capsys):
    assert choose_implementation(check_standardise(stub, strict=False), stub) is standardise_columns
    assert choose_implementation(check_mean_squared_error(stub, strict=False), stub) is mse
    assert "reference implementation" in capsys.readouterr().out


# ---- the catalogue of wrong answers
# -----------------------------------------------------------------------------

WRONG = [
    # exercise, wrong answer, learner function, status, kind, phrase
    (
        "standardise",
        "rows, axis=1 with keepdims",
        lambda X: (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True),
        "failed",
        "rows",
        "each ROW",
    ),
    (
        "standardise",
        "rows, axis=1 without keepdims",
        lambda X: (X - X.mean(1)) / X.std(1),
        "error",
        None,
        "could not be broadcast",
    ),
    (
        "standardise",
        "one mean and std for the whole array",
        lambda X: (X - X.mean()) / X.std(),
        "failed",
        "whole array",
        "whole array",
    ),
    (
        "standardise",
        "sample std (ddof=1)",
        lambda X: (X - X.mean(0)) / X.std(0, ddof=1),
        "failed",
        "ddof",
        "ddof=1",
    ),
    (
        "standardise",
        "centred, not scaled",
        lambda X: X - X.mean(0),
        "failed",
        "not scaled",
        "centred but not scaled",
    ),
    (
        "standardise",
        "scaled, not centred",
        lambda X: X / X.std(0),
        "failed",
        "not centred",
        "not centred",
    ),
    (
        "standardise",
        "divided by the variance",
        lambda X: (X - X.mean(0)) / X.var(0),
        "failed",
        "variance",
        "variance",
    ),
    (
        "standardise",
        "transposed",
        lambda X: standardise_columns(X).T,
        "failed",
        "transposed",
        "transposed",
    ),
    (
        "standardise",
        "inf: divided by a zero std",
        lambda X: (X - X.mean(0)) / (X.std(0) * 0),
        "failed",
        "nan",
        "inf",
    ),
    ("standardise", "no return", lambda X: None, "failed", "none", "return"),
    (
        "mse",
        "sum, not mean",
        lambda y_hat, y: np.sum((y_hat - y) ** 2),
        "failed",
        "batch-mean",
        "8× too large",
    ),
    (
        "mse",
        "RMSE",
        lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)),
        "failed",
        "root",
        "square root",
    ),
    (
        "mse",
        "mean absolute error",
        lambda y_hat, y: np.mean(np.abs(y_hat - y)),
        "failed",
        "absolute",
        "mean absolute error",
    ),
    (
        "mse",
        "square of the mean difference",
        lambda y_hat, y: np.mean(y_hat - y) ** 2,
        "failed",
        "square of the mean",
        "squared the mean",
    ),
    (
        "mse",
        "mean over axis 0 only",
        lambda y_hat, y: np.mean((y_hat - y) ** 2, axis=0),
        "failed",
        "axis 0 only",
        "axis 0 only",
    ),
    (
        "mse",
        "½ of the MSE",
        lambda y_hat, y: 0.5 * np.mean((y_hat - y) ** 2),
        "failed",
        "factor",
        "factor of 2",
    ),
    (
        "mse",
        "wrong sign",
        lambda y_hat, y: -np.mean((y_hat - y) ** 2),
        "failed",
        "sign",
        "Wrong sign",
    ),
    ("mse", "NaN", lambda y_hat, y: np.mean((y_hat - y) ** 2) * np.nan, "failed", "nan", "NaN"),
    (
        "mse",
        "broadcast (8, 1) against (8,)",
        lambda y_hat, y: np.mean((y_hat - y.ravel()) ** 2),
        "failed",
        "values",
        "relative error",
    ),
]


@pytest.mark.parametrize(
    "exercise, name, fn, status, kind, phrase", WRONG, ids=[f"{w[0]}: {w[1]}" for w in WRONG]
)
def test_wrong_answer_is_named(exercise, name, fn, status, kind, phrase):
    with np.errstate(all="ignore"):
        result = CHECKS[exercise](fn, strict=False)
    assert result.status == status, result.message
    if kind is not None:
        assert result.verdict.kind == kind, result.message
    assert phrase in result.message, result.message
    assert result.message.startswith("✗")


def test_a_named_mistake_quotes_its_relative_error():
    result = check_mean_squared_error(
        lambda y_hat, y: np.sqrt(np.mean((y_hat - y) ** 2)), strict=False
    )
    assert "Relative error" in result.message


@pytest.mark.answer_key_watch
def test_calling_the_reference_is_named_as_the_answer_key():
    result = check_mean_squared_error(lambda y_hat, y: mse(y_hat, y), strict=False)
    assert (
        result.status == "failed"
        and "utils.losses.mse" in result.message
        and "reference answer" in result.message
    )
