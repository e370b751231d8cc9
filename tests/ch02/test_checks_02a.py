"""Notebook 2a's checks: each catalogued wrong answer is named, right answers written other ways
pass (by parts, with torch, as a list, in float32), a float is not a count, and a stub is reported
as not attempted and falls back to the plain reference."""

import numpy as np
import pytest
import torch

from tests.checks.contract import (
    WrongAnswer,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from tests.checks.contract import catalogue_rows as catalogue
from utils.ch02 import checks_02a
from utils.checks import choose_implementation


# ---------------------------------------------------------------- 2.1 parameter count


def parameters_by_parts(V, d, L, T, ff):
    embeddings = V * d + T * d
    attention = 4 * (d * d + d)
    mlp = d * ff + ff + ff * d + d
    norms = 2 * (2 * d)
    return embeddings + L * (attention + mlp + norms) + 2 * d


def parameters_with_torch(V, d, L, T, ff):
    """Another right answer: build the layers on the meta device and count."""
    with torch.device("meta"):
        block = torch.nn.ModuleList(
            [
                torch.nn.Linear(d, 3 * d),
                torch.nn.Linear(d, d),
                torch.nn.Linear(d, ff),
                torch.nn.Linear(ff, d),
                torch.nn.LayerNorm(d),
                torch.nn.LayerNorm(d),
            ]
        )
        rest = torch.nn.ModuleList(
            [torch.nn.Embedding(V, d), torch.nn.Embedding(T, d), torch.nn.LayerNorm(d)]
        )
    count = lambda m: sum(p.numel() for p in m.parameters())
    return np.int64(L * count(block) + count(rest))


def parameters_as_an_integer_tensor(V, d, L, T, ff):
    return torch.tensor(parameters_by_parts(V, d, L, T, ff))


test_parameter_formula_mistakes = wrong_answers_named(
    checks_02a.check_parameter_formula,
    [
        *catalogue(checks_02a.PARAMETER_MISTAKES),
        WrongAnswer("off by one", lambda *a: parameters_by_parts(*a) + 1, "values", "off by +1"),
        WrongAnswer("not whole", lambda *a: parameters_by_parts(*a) + 0.5, "type", "whole number"),
        WrongAnswer(
            "a float of the right value",
            lambda *a: float(parameters_by_parts(*a)),
            "float",
            "Its value is right",
        ),
        WrongAnswer(
            "a float from /",
            lambda V, d, L, T, ff: parameters_by_parts(V, d, L, T, ff) * 2 / 2 + V * d,
            "float",
            "// rather than /",
        ),
    ],
)
test_parameter_formula_right = right_answers_pass(
    checks_02a.check_parameter_formula,
    [parameters_by_parts, parameters_with_torch, parameters_as_an_integer_tensor],
)


def test_parameter_formula_unknown_error_gives_a_checklist():
    result = checks_02a.check_parameter_formula(
        lambda *a: parameters_by_parts(*a) + 1, strict=False
    )
    assert "one by one" in result.message


def test_an_exact_check_quotes_no_tolerance():
    message = checks_02a.check_parameter_formula(parameters_by_parts, strict=False).message
    assert message.startswith("✓") and "rtol" not in message and "relative error" not in message


# ---------------------------------------------------------------- 2.2 Adam memory

test_adam_memory_mistakes = wrong_answers_named(
    checks_02a.check_adam_memory,
    [
        *catalogue(checks_02a.MEMORY_MISTAKES),
        WrongAnswer(
            "one byte too many in the moments",
            lambda n: (2 * n, 2 * n, 4 * n, 8 * n + 1),
            "close",
            "Adam moments",
        ),
        WrongAnswer(
            "an array of four values",
            lambda n: np.array([2, 2, 4, 8]) * n,
            "structure",
            "yours is a ndarray of length 4",
        ),
    ],
)
test_adam_memory_right = right_answers_pass(
    checks_02a.check_adam_memory,
    [
        lambda n: (2 * n, 2 * n, 4 * n, 8 * n),
        lambda n: [n * 2.0, n * 2.0, n * 4.0, n * 4.0 + n * 4.0],  # a list, the moments as m + v
        lambda n: tuple(np.array([2, 2, 4, 8], dtype=np.int64) * n),
    ],
)


def test_master_weights_and_moments_swapped_are_named_as_an_order_slip():
    result = checks_02a.check_adam_memory(lambda n: (2 * n, 2 * n, 8 * n, 4 * n), strict=False)
    assert result.verdict.kind == "order" and "wrong order" in result.message


# ---------------------------------------------------------------- 2.3 days of training

test_training_days_mistakes = wrong_answers_named(
    checks_02a.check_training_days, catalogue(checks_02a.DAYS_MISTAKES)
)
test_training_days_right = right_answers_pass(
    checks_02a.check_training_days,
    [
        lambda N, D, g, p, u: 6 * N * D / (g * p * u) / 86400,
        lambda N, D, g, p, u: (6 * N * D / g) / (p * u) / 3600 / 24,
        lambda N, D, g, p, u: np.float32(6 * N * D / (g * p * u * 86400)),
    ],
)


# ---------------------------------------------------------------- every check

CHECKS = [
    checks_02a.check_parameter_formula,
    checks_02a.check_adam_memory,
    checks_02a.check_training_days,
]
test_parameter_formula_not_attempted = not_attempted(checks_02a.check_parameter_formula)
test_adam_memory_not_attempted = not_attempted(checks_02a.check_adam_memory)
test_training_days_not_attempted = not_attempted(checks_02a.check_training_days)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_returning_nothing_is_caught(check):
    assert check(lambda *args: None, strict=False).verdict.kind == "none"


@pytest.mark.parametrize(
    "check, reference",
    [
        (checks_02a.check_parameter_formula, checks_02a.gpt_parameters),
        (checks_02a.check_adam_memory, checks_02a.adam_mixed_precision_bytes),
        (checks_02a.check_training_days, checks_02a.training_days),
    ],
    ids=lambda x: getattr(x, "__name__", ""),
)
def test_unsolved_exercises_fall_back_to_the_plain_reference(check, reference, capsys):
    result = check(stub, strict=False)
    assert choose_implementation(result, stub) is reference
    assert "reference implementation" in capsys.readouterr().out


@pytest.mark.answer_key_watch
def test_calling_the_course_functions_is_called_the_answer_key():
    from utils import param_count

    result = checks_02a.check_parameter_formula(
        lambda V, d, L, T, ff: param_count.total_parameters(
            param_count.gpt2_style(V, d, L, 1, T, ff)
        ),
        strict=False,
    )
    assert result.status == "failed" and "answer" in result.message


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    from tests.checks.contract import assert_named

    monkeypatch.setenv("COURSE_LANG", "zh")
    swapped = lambda n: (2 * n, 2 * n, 8 * n, 4 * n)  # noqa: E731
    result = checks_02a.check_adam_memory(swapped, strict=False)
    assert_named(result, "order", "最后两项的顺序反了：请按 (权重, 梯度, 主权重, Adam 矩估计)")
    assert result.message.startswith("✗ 练习 2.2（混合精度下 Adam 的显存占用）"), result.message
