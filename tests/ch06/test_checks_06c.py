"""Notebook 06c's checks: each catalogued wrong Platt scaling or knowledge-tracing update is named,
several right answers pass (in float32, in place, by other solvers), a stub is reported as not
attempted, and the fallback is the teaching reference."""

import numpy as np
import torch
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from tests.checks.contract import not_attempted, right_answers_pass, stub, wrong_answers_named
from utils.ch06 import checks_06c
from utils.ch06.calibration import platt_scale
from utils.ch06.knowledge_tracing import bkt_update

# ---------------------------------------------------------------- Exercise 6.5: Platt scaling


def platt_with_scikit_learn_unpenalised(z_cal, y_cal, z_new):
    model = LogisticRegression(C=np.inf).fit(np.reshape(z_cal, (-1, 1)), y_cal)
    return model.predict_proba(np.reshape(z_new, (-1, 1)))[:, 1]


def platt_with_scikit_learn_huge_c(z_cal, y_cal, z_new):
    """The notebook's solution: C = 1e6 leaves a penalty far below the tolerance."""
    model = LogisticRegression(C=1e6, max_iter=1000).fit(np.reshape(z_cal, (-1, 1)), y_cal)
    return model.predict_proba(np.reshape(z_new, (-1, 1)))[:, 1]


def platt_with_scipy_minimize(z_cal, y_cal, z_new):
    def loss(theta):
        q = expit(theta[0] * z_cal + theta[1])
        return -np.sum(y_cal * np.log(q + 1e-300) + (1 - y_cal) * np.log(1 - q + 1e-300))

    a, b = minimize(
        loss,
        [1.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    ).x
    return expit(a * z_new + b)


def platt_with_torch_lbfgs_float32(z_cal, y_cal, z_new):
    z = torch.tensor(z_cal, dtype=torch.float32)
    y = torch.tensor(y_cal, dtype=torch.float32)
    theta = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.LBFGS([theta], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(theta[0] * z + theta[1], y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return torch.sigmoid(
        theta[0].detach() * torch.tensor(z_new, dtype=torch.float32) + theta[1].detach()
    )


test_right_platt_scalings_pass = right_answers_pass(
    checks_06c.check_platt_scale,
    [
        platt_scale,
        platt_with_scikit_learn_unpenalised,
        platt_with_scikit_learn_huge_c,
        platt_with_scipy_minimize,
        platt_with_torch_lbfgs_float32,
    ],
)

PLATT_CATALOGUE = [
    (kind, fn, kind, message.split(".")[0][:25]) for kind, fn, message in checks_06c.PLATT_MISTAKES
]
test_platt_check_names_the_catalogue = wrong_answers_named(
    checks_06c.check_platt_scale, PLATT_CATALOGUE
)


def platt_with_scikit_learn_default(z_cal, y_cal, z_new):
    """C = 1, scikit-learn's default: an L2 penalty, not the maximum-likelihood fit (issue 18)."""
    model = LogisticRegression().fit(np.reshape(z_cal, (-1, 1)), y_cal)
    return model.predict_proba(np.reshape(z_new, (-1, 1)))[:, 1]


def platt_with_smoothed_targets(z_cal, y_cal, z_new):
    """Platt's (1999) targets, fitted by Newton's method on the soft labels."""
    y = np.asarray(y_cal, float)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    A = np.column_stack([z_cal, np.ones_like(z_cal)])
    theta = np.zeros(2)
    for _ in range(50):
        q = expit(A @ theta)
        theta -= np.linalg.solve((A * (q * (1 - q))[:, None]).T @ A, A.T @ (q - t))
    return expit(theta[0] * np.asarray(z_new) + theta[1])


test_platt_check_names_learners_slips = wrong_answers_named(
    checks_06c.check_platt_scale,
    [
        (
            "scikit-learn's default C = 1",
            platt_with_scikit_learn_default,
            "L2-regularised",
            "C=np.inf",
        ),
        (
            "Platt's smoothed targets",
            platt_with_smoothed_targets,
            "smoothed targets",
            "Platt, 1999",
        ),
    ],
)

test_platt_stub_is_not_attempted = not_attempted(checks_06c.check_platt_scale)


def test_platt_falls_back_to_the_reference():
    assert checks_06c.check_platt_scale(stub, strict=False).reference is platt_scale


# ---------------------------------------------------------------- Exercise 6.6: the BKT update


def bkt_by_joint_probabilities(p_know, correct, slip, guess, learn):
    p_know = np.asarray(p_know, float)
    c = np.asarray(correct, float)
    likelihood_known = c * (1 - slip) + (1 - c) * slip
    likelihood_unknown = c * guess + (1 - c) * (1 - guess)
    posterior = (
        p_know * likelihood_known / (p_know * likelihood_known + (1 - p_know) * likelihood_unknown)
    )
    return 1 - (1 - posterior) * (1 - learn)


def bkt_in_float32(p_know, correct, slip, guess, learn):
    p, c = np.float32(p_know), np.asarray(correct).astype(np.float32)
    s, g, l = np.float32(slip), np.float32(guess), np.float32(learn)
    known = p * (c * (1 - s) + (1 - c) * s)
    unknown = (1 - p) * (c * g + (1 - c) * (1 - g))
    posterior = known / (known + unknown)
    return posterior + (1 - posterior) * l


def bkt_in_place(p_know, correct, slip, guess, learn):
    """Writes into the caller's array (allowed, noted), one branch at a time."""
    p = np.asarray(p_know, float)
    right = np.asarray(correct).astype(bool)
    out = p if isinstance(p_know, np.ndarray) else p.copy()
    known_right = p * (1 - slip)
    known_wrong = p * slip
    out_right = known_right / (known_right + (1 - p) * guess)
    out_wrong = known_wrong / (known_wrong + (1 - p) * (1 - guess))
    out[...] = np.where(right, out_right, out_wrong)
    out += (1 - out) * learn
    return out


test_right_bkt_updates_pass = right_answers_pass(
    checks_06c.check_bkt_update,
    [bkt_update, bkt_by_joint_probabilities, bkt_in_float32, bkt_in_place],
)

BKT_CATALOGUE = [
    (kind, fn, kind, message.split(".")[0][:25]) for kind, fn, message in checks_06c.BKT_MISTAKES
]
test_bkt_check_names_the_catalogue = wrong_answers_named(checks_06c.check_bkt_update, BKT_CATALOGUE)


def bkt_branches_swapped(p_know, correct, slip, guess, learn):
    p = np.asarray(p_know, float)
    if_right = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    if_wrong = p * slip / (p * slip + (1 - p) * (1 - guess))
    posterior = np.where(np.asarray(correct) == 1, if_wrong, if_right)
    return posterior + (1 - posterior) * learn


test_bkt_check_names_learners_slips = wrong_answers_named(
    checks_06c.check_bkt_update,
    [("np.where branches swapped", bkt_branches_swapped, "branches swapped", "swapped")],
)

test_bkt_stub_is_not_attempted = not_attempted(checks_06c.check_bkt_update)


def test_bkt_falls_back_to_the_reference():
    assert checks_06c.check_bkt_update(stub, strict=False).reference is bkt_update


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    posterior_only = lambda p, c, s, g, l: checks_06c._posterior(p, c, s, g)  # noqa: E731
    result = checks_06c.check_bkt_update(posterior_only, strict=False)
    assert result.message.startswith("✗ 练习 6.6（知识追踪的更新）"), result.message
    assert result.verdict.kind == "no learning"
    assert "你返回了后验概率" in result.message
