"""Notebook 03c's checks name each catalogued wrong answer (Adam without bias correction, clipping
per array, dropout without scaling, batch norm without its mean terms, ...), pass several right
answers (in place, float32, another order), and report a stub as not attempted."""

import numpy as np
import pytest

from tests.checks.contract import (
    assert_answer_key,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch03 import checks_03c as ch
from utils.ch03.normalisation import batchnorm_backward
from utils.ch03.optimisers import adam_update, clip_by_global_norm
from utils.ch03.regularisation import dropout


# ---------------------------------------------------------------- Exercise 3.5: Adam


def adam_plain(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_in_place(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return p, m, v


def adam_float32(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_plain(*(a.astype(np.float32) for a in (p, g, m, v)), t, lr, beta1, beta2, eps)


def adam_float32_betas(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Everything in float32, the hyper-parameters too: 1 - float32(0.999) is 1.3e-5 off."""
    p, g, m, v = (np.asarray(a, np.float32) for a in (p, g, m, v))
    lr, beta1, beta2, eps = (np.float32(x) for x in (lr, beta1, beta2, eps))
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_no_eps(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return p - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t)), m, v


def adam_steps_before_updating(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return new_p, beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g


def adam_step_size_form(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """The paper's 'efficient' form with eps rescaled, as torch writes it."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**t)
    return p - step_size * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps), m, v


test_right_adam_steps_pass = right_answers_pass(
    ch.check_adam_step,
    [adam_plain, adam_in_place, adam_float32, adam_float32_betas, adam_step_size_form, adam_update],
)


def adam_no_correction(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * m / (np.sqrt(v) + eps), m, v


def adam_only_m_corrected(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * m / (1 - beta1**t) / (np.sqrt(v) + eps), m, v


def adam_eps_inside(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v


def adam_hard_coded(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return adam_plain(p, g, m, v, t)


def adam_uphill(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_p, m, v = adam_plain(p, g, m, v, t, lr, beta1, beta2, eps)
    return p + (p - new_p), m, v


def adam_power_of_difference(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """v̂ = v / (1 − β2)ᵗ: the power taken of the difference."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2) ** t) + eps), m, v


def adam_absolute_g(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)
    return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v


def adam_returns_corrected_moments(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


ADAM_MISTAKES = [
    ("no bias correction", adam_no_correction, "no bias correction", "1 − β1ᵗ"),
    ("only m corrected", adam_only_m_corrected, "second moment not corrected", "Correct v"),
    (
        "t + 1",
        lambda p, g, m, v, t, **k: adam_plain(p, g, m, v, t + 1, **k),
        "t off by one",
        "t + 1",
    ),
    ("eps inside the root", adam_eps_inside, "eps inside the root", "outside"),
    ("eps left out", adam_no_eps, "eps missing", "eps is missing"),
    ("stepped before updating", adam_steps_before_updating, "step from the old moments", "OLD m"),
    ("arguments hard-coded", adam_hard_coded, "arguments ignored", "arguments"),
    (
        "old moments returned",
        lambda p, g, m, v, t, **k: (adam_plain(p, g, m, v, t, **k)[0], m, v),
        "old moments returned",
        "OLD m and v",
    ),
    ("uphill", adam_uphill, "sign flipped", "wrong sign"),
    ("None", lambda *a, **k: None, "none", "return"),
    ("v̂ = v / (1 − β2)ᵗ", adam_power_of_difference, "(1 − β)ᵗ", "1 - beta2**t"),
    ("v built from |g|", adam_absolute_g, "|g| in v", "SQUARED gradient"),
    (
        "m̂ and v̂ returned",
        adam_returns_corrected_moments,
        "corrected moments returned",
        "raw moments",
    ),
]
test_wrong_adam_steps_are_named = wrong_answers_named(ch.check_adam_step, ADAM_MISTAKES)


def test_adam_compares_the_update_not_the_new_parameters():
    """A wrong formula whose new p is within 1e-5 of the right one still fails, by the size of its
    wrong step: no "close, but outside the tolerance" for a real formula error."""
    result = ch.check_adam_step(adam_power_of_difference, strict=False)
    assert "Close, but" not in result.message and "float32" not in result.message, result.message


# ---------------------------------------------------------------- Exercise 3.6: clipping


def clip_plain(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * min(1.0, max_norm / norm) for g in grads]


def clip_in_place(grads, max_norm):
    norm = np.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if norm > max_norm:
        for g in grads:
            g *= max_norm / norm
    return grads


def clip_concatenated(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    return tuple(g * max_norm / norm if norm > max_norm else g for g in grads)


test_right_clipping_passes = right_answers_pass(
    ch.check_clip_by_global_norm,
    [clip_plain, clip_in_place, clip_concatenated, clip_by_global_norm],
)

CLIP_MISTAKES = [
    (
        "per array",
        lambda grads, c: [g * min(1.0, c / np.linalg.norm(g)) for g in grads],
        "per array",
        "GLOBAL",
    ),
    (
        "always rescaled",
        lambda grads, c: [g * c / np.sqrt(sum(np.sum(x**2) for x in grads)) for g in grads],
        "always rescaled",
        "only ever shrinks",
    ),
    (
        "element-wise",
        lambda grads, c: [np.clip(g, -c, c) for g in grads],
        "element-wise",
        "clip_grad_value_",
    ),
    (
        "norm not square-rooted",
        lambda grads, c: [g * min(1.0, c / sum(np.sum(x**2) for x in grads)) for g in grads],
        "norm not square-rooted",
        "ROOT",
    ),
    ("unchanged", lambda grads, c: grads, "unchanged", "unchanged"),
    ("a number", lambda grads, c: 3.0, "structure", "list of arrays"),
]
test_wrong_clipping_is_named = wrong_answers_named(ch.check_clip_by_global_norm, CLIP_MISTAKES)


# ---------------------------------------------------------------- Exercise 3.7: dropout


def dropout_where(A, p, U, training):
    return np.where(U >= p, A / (1 - p), 0.0) if training else A


def dropout_in_place(A, p, U, training):
    if training:
        A[U < p] = 0.0
        A /= 1 - p
    return A


def dropout_float32(A, p, U, training):
    return dropout_where(A.astype(np.float32), p, U, training)


def dropout_drop_mask(A, p, U, training):
    """The mask of dropped units, written the other way round: U < p drops, so U == p keeps."""
    if not training:
        return A
    dropped = U < p
    return np.where(dropped, 0.0, A) / (1 - p)


test_right_dropout_passes = right_answers_pass(
    ch.check_dropout, [dropout_where, dropout_in_place, dropout_float32, dropout_drop_mask, dropout]
)

DROPOUT_MISTAKES = [
    (
        "no scaling",
        lambda A, p, U, training: A * (U >= p) if training else A,
        "no scaling",
        "1 − p",
    ),
    (
        "scaled by 1 − p",
        lambda A, p, U, training: A * (U >= p) * (1 - p) if training else A,
        "scaled by 1 − p",
        "Divide by it instead",
    ),
    (
        "mask inverted",
        lambda A, p, U, training: A * (U < p) / (1 - p) if training else A,
        "mask inverted",
        "U ≥ p",
    ),
    (
        "keep where U < 1 − p",
        lambda A, p, U, training: A * (U < 1 - p) / (1 - p) if training else A,
        "keep where U < 1 − p",
        "stated rule",
    ),
    (
        "dropout in evaluation",
        lambda A, p, U, training: A * (U >= p) / (1 - p),
        "dropout in evaluation",
        "training=False",
    ),
    (
        "scaled in evaluation",
        lambda A, p, U, training: A * (U >= p) / (1 - p) if training else A / (1 - p),
        "scaled in evaluation",
        "TRAINING only",
    ),
    (
        "U = p dropped (U <= p)",
        lambda A, p, U, training: np.where(U <= p, 0, A / (1 - p)) if training else A,
        "U = p dropped",
        "U >= p",
    ),
    (
        "U = p dropped (U > p kept)",
        lambda A, p, U, training: A * (U > p) / (1 - p) if training else A,
        "U = p dropped",
        "strictly",
    ),
]
test_wrong_dropout_is_named = wrong_answers_named(ch.check_dropout, DROPOUT_MISTAKES)


# ---------------------------------------------------------------- Exercise 3.8: batch-norm backward


def bn_compact(dY, X, gamma, eps=1e-5):
    sigma = np.sqrt(X.var(axis=0) + eps)
    x_hat = (X - X.mean(axis=0)) / sigma
    dx_hat = dY * gamma
    dX = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / sigma
    return dX, (dY * x_hat).sum(axis=0), dY.sum(axis=0)


def bn_staged(dY, X, gamma, eps=1e-5):
    """The step-by-step graph version: through the variance, then through the mean."""
    n = X.shape[0]
    centred = X - X.mean(axis=0)
    inv_std = 1.0 / np.sqrt((centred**2).mean(axis=0) + eps)
    dx_hat = dY * gamma
    d_var = np.sum(dx_hat * centred, axis=0) * -0.5 * inv_std**3
    d_mean = np.sum(-dx_hat * inv_std, axis=0) + d_var * np.mean(-2.0 * centred, axis=0)
    dX = dx_hat * inv_std + d_var * 2.0 * centred / n + d_mean / n
    return dX, np.einsum("nd,nd->d", dY, centred * inv_std), dY.sum(axis=0)


def bn_float32(dY, X, gamma, eps=1e-5):
    return bn_compact(dY.astype(np.float32), X.astype(np.float32), gamma.astype(np.float32), eps)


test_right_batchnorm_backward_passes = right_answers_pass(
    ch.check_batchnorm_backward, [bn_compact, bn_staged, bn_float32, batchnorm_backward]
)


def bn_no_mean_terms(dY, X, gamma, eps=1e-5):
    sigma = np.sqrt(X.var(axis=0) + eps)
    return dY * gamma / sigma, (dY * (X - X.mean(axis=0)) / sigma).sum(axis=0), dY.sum(axis=0)


def bn_layer_axis(dY, X, gamma, eps=1e-5):
    sigma = np.sqrt(X.var(axis=1, keepdims=True) + eps)
    x_hat = (X - X.mean(axis=1, keepdims=True)) / sigma
    dx_hat = dY * gamma
    dX = (
        dx_hat
        - dx_hat.mean(axis=1, keepdims=True)
        - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)
    ) / sigma
    return dX, (dY * x_hat).sum(axis=0), dY.sum(axis=0)


def bn_unbiased(dY, X, gamma, eps=1e-5):
    sigma = np.sqrt(X.var(axis=0, ddof=1) + eps)
    x_hat = (X - X.mean(axis=0)) / sigma
    dx_hat = dY * gamma
    dX = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / sigma
    return dX, (dY * x_hat).sum(axis=0), dY.sum(axis=0)


def bn_no_variance_path(dY, X, gamma, eps=1e-5):
    sigma = np.sqrt(X.var(axis=0) + eps)
    dx_hat = dY * gamma
    x_hat = (X - X.mean(axis=0)) / sigma
    return (dx_hat - dx_hat.mean(axis=0)) / sigma, (dY * x_hat).sum(axis=0), dY.sum(axis=0)


BATCHNORM_MISTAKES = [
    ("no mean terms", bn_no_mean_terms, "mean terms missing", "mean terms are missing"),
    (
        "no mean path",
        lambda dY, X, g, eps=1e-5: (
            (bn_compact(dY, X, g, eps)[0] + (dY * g).mean(axis=0) / np.sqrt(X.var(axis=0) + eps),)
            + bn_compact(dY, X, g, eps)[1:]
        ),
        "mean path missing",
        "through the mean",
    ),
    ("no variance path", bn_no_variance_path, "variance path missing", "variance"),
    (
        "γ missing in dX",
        lambda dY, X, g, eps=1e-5: (
            bn_compact(dY, X, np.ones_like(g), eps)[:1] + bn_compact(dY, X, g, eps)[1:]
        ),
        "γ missing in dX",
        "γ",
    ),
    ("layer axis", bn_layer_axis, "feature axis", "layer norm"),
    (
        "dγ without x̂",
        lambda dY, X, g, eps=1e-5: bn_compact(dY, X, g, eps)[:1] + (dY.sum(axis=0), dY.sum(axis=0)),
        "dγ without x̂",
        "x̂",
    ),
    (
        "two arrays",
        lambda dY, X, g, eps=1e-5: bn_compact(dY, X, g, eps)[:2],
        "structure",
        "tuple of 3",
    ),
    ("unbiased variance", bn_unbiased, "unbiased variance", "ddof=1"),
]
test_wrong_batchnorm_backward_is_named = wrong_answers_named(
    ch.check_batchnorm_backward, BATCHNORM_MISTAKES
)


# ---------------------------------------------------------------- common behaviour


CHECKS_AND_REFERENCES = [
    (ch.check_adam_step, adam_update),
    (ch.check_clip_by_global_norm, clip_by_global_norm),
    (ch.check_dropout, dropout),
    (ch.check_batchnorm_backward, batchnorm_backward),
]
test_adam_stub_is_not_attempted = not_attempted(ch.check_adam_step)
test_clip_stub_is_not_attempted = not_attempted(ch.check_clip_by_global_norm)
test_dropout_stub_is_not_attempted = not_attempted(ch.check_dropout)
test_batchnorm_stub_is_not_attempted = not_attempted(ch.check_batchnorm_backward)


@pytest.mark.parametrize("check, reference", CHECKS_AND_REFERENCES)
def test_the_fallback_is_the_reference_itself(check, reference):
    assert check(stub, strict=False).reference is reference


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "check, learner, name",
    [
        (ch.check_adam_step, lambda *a, **k: adam_update(*a, **k), "adam_update"),
        (
            ch.check_clip_by_global_norm,
            lambda g, c: clip_by_global_norm(g, c),
            "clip_by_global_norm",
        ),
        (ch.check_dropout, lambda *a: dropout(*a), "dropout"),
        (ch.check_batchnorm_backward, lambda *a: batchnorm_backward(*a), "batchnorm_backward"),
    ],
)
def test_calling_the_reference_is_named_as_the_answer_key(check, learner, name):
    assert_answer_key(check(learner, strict=False), name)


@pytest.mark.answer_key_watch
@pytest.mark.parametrize(
    "check, learner",
    [
        (ch.check_adam_step, adam_plain),
        (ch.check_clip_by_global_norm, clip_plain),
        (ch.check_dropout, dropout_where),
        (ch.check_batchnorm_backward, bn_compact),
    ],
)
def test_a_right_answer_is_not_mistaken_for_the_answer_key(check, learner):
    assert check(learner, strict=False).passed


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    unscaled = lambda A, p, U, training: A * (U >= p) if training else A  # noqa: E731
    result = ch.check_dropout(unscaled, strict=False)
    assert result.message.startswith("✗ 练习 3.7（倒置 dropout）"), result.message
    assert result.verdict.kind == "no scaling"
    assert "保留下来的单元没有缩放" in result.message and "测试用例 1" in result.message
