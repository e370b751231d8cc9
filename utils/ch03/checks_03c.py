"""Answer checks for notebook 03c (optimisation and regularisation): the Adam step with bias
correction, gradient clipping by the global norm, inverted dropout, and the batch-norm backward
pass. Each check calls `catalogued_check`, so a wrong answer that matches a catalogued mistake is
named."""

from __future__ import annotations

from typing import Callable

import numpy as np

from utils.ch03.normalisation import batchnorm_backward
from utils.ch03.optimisers import adam_update, clip_by_global_norm, global_norm
from utils.ch03.regularisation import dropout
from utils.checks.diagnose import Verdict, compare_arrays, compare_named, returned_none, to_numpy
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

_rng = np.random.default_rng(2024)


# ---------------------------------------------------------------- Exercise 3.5: one Adam step


def _adam(
    p,
    g,
    m,
    v,
    t,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    *,
    correct_m=True,
    correct_v=True,
    eps_inside=False,
    step=None,
    swap_weights=False,
    uphill=False,
    power_of_difference=(False, False),
    absolute_g=False,
    corrected_returned=False,
):
    """Adam with one thing changed: the variants a learner writes by mistake."""
    g2 = np.abs(g) if absolute_g else g * g
    if swap_weights:
        m, v = (1 - beta1) * m + beta1 * g, (1 - beta2) * v + beta2 * g2
    else:
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g2
    k = t if step is None else step
    scale_m, scale_v = (
        (1 - beta) ** k if power else 1 - beta**k
        for beta, power in zip((beta1, beta2), power_of_difference)
    )
    m_hat = m / scale_m if correct_m else m
    v_hat = v / scale_v if correct_v else v
    denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    step_taken = lr * m_hat / denominator
    new_p = p + step_taken if uphill else p - step_taken
    return (new_p, m_hat, v_hat) if corrected_returned else (new_p, m, v)


def _as_update(adam_fn: Callable) -> Callable:
    """`adam_fn`'s answer as (p_new − p, m, v). A step is about 1e-3 of p, so a wrong step would
    still give a new p within the tolerance: the update itself is compared."""

    def update(p, g, m, v, t, **kwargs):
        before = np.array(p, dtype=np.float64)  # copied first: an in-place answer changes p
        answer = adam_fn(p, g, m, v, t, **kwargs)
        if not isinstance(answer, (tuple, list)) or len(answer) != 3:
            return answer  # compare_adam says what to return
        try:
            step = to_numpy(answer[0]) - before
        except (TypeError, ValueError):
            return answer  # None or a wrong shape: compared as it is, and named
        return (step, *answer[1:])

    return update


# float32 answers pass: with float32 betas, 1 - beta2 alone is 1.3e-5 off (relative) in v.
ADAM_RTOL = 1e-4
ADAM_STEP_ATOL = 1e-7  # float32 rounds p itself (≈ 6e-8·|p|, with |p| ≲ 0.4 here) in p_new − p
_ADAM_PARTS = ("p_new − p", "m", "v")


def compare_adam(got, expected, *, batch_size=None, rtol=1e-5, atol=ADAM_STEP_ATOL) -> Verdict:
    """The update p_new − p within rtol and `atol`; the moments m and v within rtol (and 1e-12)."""
    if got is None or not isinstance(got, (tuple, list)) or len(got) != 3:
        return compare_named(("p", "m", "v"))(got, expected, rtol=rtol, atol=atol)
    step = compare_named(_ADAM_PARTS[:1])(got[:1], expected[:1], rtol=rtol, atol=atol)
    if not step.passed:
        return step
    moments = compare_named(_ADAM_PARTS[1:])(got[1:], expected[1:], rtol=rtol, atol=1e-12)
    if not moments.passed:
        return moments
    worst = max(step.relative_error, moments.relative_error)
    return Verdict(True, "ok", f"relative error {worst:.1e}", worst)


def _reference_update(p, g, m, v, t, **kwargs):
    """What the check compares: the reference's (p_new − p, m, v)."""
    return _as_update(adam_update)(p, g, m, v, t, **kwargs)


def _step_from_old_moments(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Steps p with the moments it was given, then updates them: the order swapped."""
    new_p = p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return new_p, beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g


def _adam_mistake(**change) -> Callable:
    return _as_update(lambda *a, **k: _adam(*a, **k, **change))


POWER_OF_DIFFERENCE = N_(
    "Your bias correction divides by (1 − β)ᵗ. It divides by 1 − βᵗ: raise β to the power t, then "
    "subtract from 1, as in 1 - beta2**t (and 1 - beta1**t for m). The two agree at t = 1 only."
)

ADAM_MISTAKES = (
    Mistake(
        "no bias correction",
        _adam_mistake(correct_m=False, correct_v=False),
        N_(
            "The bias correction is missing: m and v start at 0, so early on they are too small. "
            "Divide them by 1 − β1ᵗ and 1 − β2ᵗ: m̂ = m / (1 − β1**t), v̂ = v / (1 − β2**t), then "
            "step by lr · m̂ / (√v̂ + eps)."
        ),
    ),
    Mistake(
        "first moment not corrected",
        _adam_mistake(correct_m=False),
        N_("Only v is bias-corrected. Correct m as well: m̂ = m / (1 − β1**t)."),
    ),
    Mistake(
        "second moment not corrected",
        _adam_mistake(correct_v=False),
        N_("Only m is bias-corrected. Correct v as well: v̂ = v / (1 − β2**t)."),
    ),
    Mistake("(1 − β)ᵗ", _adam_mistake(power_of_difference=(True, True)), POWER_OF_DIFFERENCE),
    Mistake("(1 − β)ᵗ", _adam_mistake(power_of_difference=(False, True)), POWER_OF_DIFFERENCE),
    Mistake(
        "t off by one",
        _as_update(lambda *a, **k: _adam(*a, **k, step=a[4] + 1)),
        N_(
            "The bias correction uses t + 1. The argument t is already this step's number, "
            "counting from 1: use β**t."
        ),
    ),
    Mistake(
        "eps inside the root",
        _adam_mistake(eps_inside=True),
        N_(
            "eps is inside the square root. torch.optim.Adam (and the paper) add it outside: √v̂ + "
            "eps. The two differ where gradients are tiny, as in this test case."
        ),
    ),
    Mistake(
        "eps missing",
        _as_update(lambda p, g, m, v, t, **k: adam_update(p, g, m, v, t, **{**k, "eps": 0.0})),
        N_(
            "eps is missing from the denominator. The step is lr · m̂ / (√v̂ + eps): where "
            "gradients are tiny, as in this test case, √v̂ is tiny too and eps keeps the step "
            "bounded."
        ),
    ),
    Mistake(
        "step from the old moments",
        _as_update(_step_from_old_moments),
        N_(
            "Your step uses the OLD m and v. Update the moments with this gradient first, then "
            "step p with the new ones: m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², then p − lr "
            "· m̂ / (√v̂ + eps)."
        ),
    ),
    Mistake(
        "weights swapped",
        _adam_mistake(swap_weights=True),
        N_(
            "The running means weigh the new gradient by β instead of 1 − β: use m = β1·m + (1 − "
            "β1)·g and v = β2·v + (1 − β2)·g²."
        ),
    ),
    Mistake(
        "|g| in v",
        _adam_mistake(absolute_g=True),
        N_(
            "v averages |g|. It is the running mean of the SQUARED gradient: v = β2·v + (1 − "
            "β2)·g², and the step divides by its root, √v̂."
        ),
    ),
    Mistake(
        "sign flipped",
        _adam_mistake(uphill=True),
        N_(
            "Your step has the wrong sign: it adds lr · m̂ / (√v̂ + eps) to p, which climbs the "
            "loss. Gradient descent moves against the gradient: p − lr · m̂ / (√v̂ + eps)."
        ),
    ),
    Mistake(
        "arguments ignored",
        _as_update(lambda p, g, m, v, t, **k: adam_update(p, g, m, v, t)),
        N_(
            "Right with the default settings, wrong with others: use the arguments lr, beta1, "
            "beta2 and eps passed to your function, not fixed numbers."
        ),
    ),
    Mistake(
        "old moments returned",
        _as_update(lambda p, g, m, v, t, **k: (adam_update(p, g, m, v, t, **k)[0], m, v)),
        N_(
            "p is right, but you returned the OLD m and v. Return the updated moments, which the "
            "next step needs."
        ),
    ),
    Mistake(
        "corrected moments returned",
        _adam_mistake(corrected_returned=True),
        N_(
            "p is right, but you returned the bias-corrected m̂ and v̂. Return the raw moments m "
            "and v: the next step updates them and divides by its own 1 − βᵗ, so corrected moments "
            "would be corrected twice."
        ),
    ),
)


def _adam_case(shape, t, scale=1.0, fresh=False, p_scale=0.1):
    p, g = p_scale * _rng.normal(size=shape), scale * _rng.normal(size=shape)
    m = np.zeros(shape) if fresh else 0.5 * scale * _rng.normal(size=shape)
    v = np.zeros(shape) if fresh else (scale * _rng.normal(size=shape)) ** 2
    return p, g, m, v, t


ADAM_CASES = [
    Case(_adam_case((3, 4), 1, fresh=True), N_("the first step: t = 1, m = v = 0, p about 0.1")),
    Case(_adam_case((5,), 4), N_("t = 4, moments from earlier steps")),
    Case(
        _adam_case((2, 3), 2, scale=1e-4, p_scale=1e-3),
        N_("t = 2, tiny gradients (about 1e-4) and parameters (about 1e-3)"),
    ),
    Case(
        _adam_case((4, 2), 30),
        N_("t = 30, lr = 0.01, β1 = 0.8, β2 = 0.99, eps = 1e-6"),
        kwargs=dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6),
    ),
    Case(
        _adam_case((3, 3), 3, scale=1e-8),
        N_("t = 3, gradients about 1e-8, where eps is as large as √v̂"),
    ),
]


def check_adam_step(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 3.5: `fn(p, g, m, v, t, lr, beta1, beta2, eps)` returns (p, m, v) after one Adam
    step. What is compared is the update p_new − p (and m, v), so a wrong step shows in full."""
    return catalogued_check(
        N_("Exercise 3.5 (Adam step)"),
        _as_update(fn),
        adam_update,
        ADAM_CASES,
        expected_from=_reference_update,
        mistakes=ADAM_MISTAKES,
        compare=compare_adam,
        rtol=ADAM_RTOL,
        atol=ADAM_STEP_ATOL,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 3.6: clipping by the
# global norm


def _per_array(grads, max_norm):
    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]


def _always_rescaled(grads, max_norm):
    return [g * max_norm / global_norm(grads) for g in grads]


def _norm_squared(grads, max_norm):
    squared = global_norm(grads) ** 2
    return [g * min(1.0, max_norm / squared) for g in grads]


CLIP_MISTAKES = (
    Mistake(
        "per array",
        _per_array,
        N_(
            "Each array was clipped to max_norm on its own. Clip by the GLOBAL norm: one length "
            "for all the gradients together, √(Σ over the arrays of Σ g²), and one scale factor "
            "for all of them, so their direction is kept."
        ),
    ),
    Mistake(
        "always rescaled",
        _always_rescaled,
        N_(
            "You rescaled gradients whose global norm was already below max_norm, which makes them "
            "larger. Scale by "
            "min(1, max_norm / norm): clipping only ever shrinks."
        ),
    ),
    Mistake(
        "element-wise",
        lambda grads, max_norm: [np.clip(g, -max_norm, max_norm) for g in grads],
        N_(
            "You clipped each element to ±max_norm (clipping by value, torch's clip_grad_value_). "
            "Clipping by norm "
            "multiplies every gradient by the same factor min(1, max_norm / global norm)."
        ),
    ),
    Mistake(
        "norm not square-rooted",
        _norm_squared,
        N_("The norm is the square ROOT of the sum of squares: take √(Σ g²)."),
    ),
    Mistake(
        "unchanged",
        lambda grads, max_norm: [np.array(g, dtype=np.float64) for g in grads],
        N_(
            "The gradients came back unchanged although their global norm exceeds max_norm. "
            "Multiply them all by max_norm / norm."
        ),
    ),
)


def compare_clipped_gradients(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """A list of arrays, as many as there are gradients, compared one by one."""
    if got is None:
        return returned_none()
    try:
        got = list(got)
    except TypeError:
        return Verdict(
            False,
            "structure",
            _("Return a list of arrays, one per gradient; yours is a {type}.").format(
                type=type(got).__name__
            ),
        )
    names = tuple(f"grads[{i}]" for i in range(len(expected)))
    return compare_named(names)(
        tuple(got), tuple(expected), batch_size=batch_size, rtol=rtol, atol=atol
    )


CLIP_CASES = [
    Case(
        ([3.0 * _rng.normal(size=(4, 3)), 3.0 * _rng.normal(size=4)], 1.0),
        N_("two arrays, global norm ≈ 11, max_norm = 1"),
    ),
    Case(
        ([0.1 * _rng.normal(size=(3, 3)), 0.1 * _rng.normal(size=2)], 5.0),
        N_("global norm below max_norm: nothing to do"),
    ),
    Case(
        (
            [
                20.0 * _rng.normal(size=(2, 2)),
                0.01 * _rng.normal(size=(5,)),
                _rng.normal(size=(2, 3)),
            ],
            2.0,
        ),
        N_("three arrays, one dominating"),
    ),
    Case(
        ([np.array([3.0, 4.0])], 2.5), N_("one array (3, 4), norm 5, max_norm 2.5: expect (1.5, 2)")
    ),
]


def check_clip_by_global_norm(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 3.6: `fn(grads, max_norm)` returns the list of gradients scaled by min(1, max_norm /
    global norm)."""
    return catalogued_check(
        N_("Exercise 3.6 (clip by global norm)"),
        fn,
        clip_by_global_norm,
        CLIP_CASES,
        mistakes=CLIP_MISTAKES,
        compare=compare_clipped_gradients,
        rtol=1e-5,
        atol=1e-10,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 3.7: inverted dropout


def _dropout_variant(
    A, p, U, training, *, keep=lambda U, p: U >= p, scale=True, factor=None, in_eval=False
):
    if not training and not in_eval:
        return np.array(A, dtype=np.float64)
    kept = A * keep(U, p)
    if factor is not None:
        return kept * factor(p)
    return kept / (1 - p) if scale else kept


DROPOUT_MISTAKES = (
    Mistake(
        "no scaling",
        lambda *a: _dropout_variant(*a, scale=False),
        N_(
            "The kept units are not scaled. Divide them by 1 − p (inverted dropout): then each "
            "unit's expected output in training equals its value, and evaluation, which drops "
            "nothing, sees the same scale."
        ),
    ),
    Mistake(
        "scaled by 1 − p",
        lambda *a: _dropout_variant(*a, factor=lambda p: 1 - p),
        N_(
            "You multiplied the kept units by 1 − p. Divide by it instead: kept / (1 − p) makes up "
            "for the dropped ones."
        ),
    ),
    Mistake(
        "scaled by p",
        lambda *a: _dropout_variant(*a, factor=lambda p: 1 / p if p else 1.0),
        N_("You divided by p, the DROP probability. Divide by the keep probability, 1 − p."),
    ),
    Mistake(
        "mask inverted",
        lambda *a: _dropout_variant(*a, keep=lambda U, p: U < p),
        N_(
            "Your mask keeps the units that should be dropped: a unit is dropped where U < p, so "
            "keep it where U ≥ p."
        ),
    ),
    Mistake(
        "keep where U < 1 − p",
        lambda *a: _dropout_variant(*a, keep=lambda U, p: U < 1 - p),
        N_(
            "You kept units where U < 1 − p. That is also dropout with keep probability 1 − p, but "
            "not the rule stated here (drop where U < p, keep where U ≥ p); use the stated rule so "
            "the result can be compared."
        ),
    ),
    Mistake(
        "U = p dropped",
        lambda *a: _dropout_variant(*a, keep=lambda U, p: U > p),
        N_(
            "Where U equals p exactly, you dropped the unit. The rule drops where U < p, strictly, "
            "so U = p is kept: keep where U >= p (not U > p), or drop where U < p (not U <= p)."
        ),
    ),
    Mistake(
        "dropout in evaluation",
        lambda *a: _dropout_variant(*a, in_eval=True),
        N_(
            "You dropped units in evaluation too. With training=False dropout does nothing: return "
            "A unchanged."
        ),
    ),
    Mistake(
        "scaled in evaluation",
        lambda A, p, U, training: (
            np.array(A, dtype=np.float64) / (1 - p) if not training else dropout(A, p, U, training)
        ),
        N_(
            "In evaluation you still divided by 1 − p. Inverted dropout scales in TRAINING only, "
            "so evaluation returns A unchanged."
        ),
    ),
)


def _dropout_case(shape, p, training):
    return _rng.normal(size=shape), p, _rng.random(size=shape), training


DROPOUT_CASES = [
    Case(_dropout_case((4, 6), 0.3, True), N_("training, p = 0.3")),
    Case(_dropout_case((3, 5), 0.6, True), N_("training, p = 0.6")),
    Case(_dropout_case((4, 6), 0.5, False), N_("evaluation (training=False), p = 0.5")),
    Case(_dropout_case((2, 3), 0.0, True), N_("training, p = 0: nothing dropped")),
    Case(
        (
            np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]]),
            0.25,
            np.array([[0.25, 0.1, 0.9], [0.25, 0.5, 0.0]]),
            True,
        ),
        N_("training, p = 0.25, some U exactly equal to p (kept: only U < p drops)"),
    ),
]


def check_dropout(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 3.7: `fn(A, p, U, training)` is inverted dropout: drop where U < p, scale the rest
    by 1/(1 − p)."""
    return catalogued_check(
        N_("Exercise 3.7 (inverted dropout)"),
        fn,
        dropout,
        DROPOUT_CASES,
        mistakes=DROPOUT_MISTAKES,
        compare=compare_arrays,
        rtol=1e-6,
        atol=1e-9,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 3.8: the batch-norm
# backward


def _bn_parts(X, eps, axis=0, ddof=0):
    mean = X.mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(X.var(axis=axis, keepdims=True, ddof=ddof) + eps)
    x_hat = (X - mean) * inv_std
    return x_hat, inv_std


def _bn_variant(
    dY,
    X,
    gamma,
    eps=1e-5,
    *,
    mean_path=True,
    variance_path=True,
    use_gamma=True,
    axis=0,
    dgamma_x_hat=True,
    reduce=np.sum,
    ddof=0,
):
    x_hat, inv_std = _bn_parts(X, eps, axis, ddof)
    dx_hat = dY * gamma if use_gamma else dY
    dX = dx_hat - (dx_hat.mean(axis=axis, keepdims=True) if mean_path else 0.0)
    dX = inv_std * (
        dX - (x_hat * np.mean(dx_hat * x_hat, axis=axis, keepdims=True) if variance_path else 0.0)
    )
    dgamma = reduce(dY * x_hat if dgamma_x_hat else dY, axis=0)
    return dX, dgamma, reduce(dY, axis=0)


BATCHNORM_MISTAKES = (
    Mistake(
        "mean terms missing",
        lambda *a: _bn_variant(*a, mean_path=False, variance_path=False),
        N_(
            "dX is only γ·dY/σ: the mean terms are missing. μ and σ² are computed from the whole "
            "batch, so every example's input moves them; that adds −mean(dx̂) − x̂·mean(dx̂ ⊙ x̂) "
            "inside the bracket: dX = (1/σ)·(dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)), means over "
            "the batch axis."
        ),
    ),
    Mistake(
        "variance path missing",
        lambda *a: _bn_variant(*a, variance_path=False),
        N_(
            "The path through the variance is missing: subtract x̂ ⊙ mean(dx̂ ⊙ x̂) (mean over the "
            "batch) as well."
        ),
    ),
    Mistake(
        "mean path missing",
        lambda *a: _bn_variant(*a, mean_path=False),
        N_("The path through the mean is missing: subtract mean(dx̂) (over the batch) as well."),
    ),
    Mistake(
        "γ missing in dX",
        lambda *a: _bn_variant(*a, use_gamma=False),
        N_("dX ignores γ. The gradient reaching x̂ is dx̂ = dY ⊙ γ, since Y = γ ⊙ x̂ + β."),
    ),
    Mistake(
        "feature axis",
        lambda *a: _bn_variant(*a, axis=1),
        N_(
            "You normalised along the features (axis 1): that is layer norm. Batch norm's "
            "statistics, and the means in its backward pass, are over the batch (axis 0)."
        ),
    ),
    Mistake(
        "unbiased variance",
        lambda *a: _bn_variant(*a, ddof=1),
        N_(
            "You used the unbiased variance (divided by N − 1: ddof=1, or torch's var and std by "
            "default). Batch norm in "
            "training normalises with the biased variance, which divides by N: X.var(axis=0)."
        ),
    ),
    Mistake(
        "dγ without x̂",
        lambda *a: _bn_variant(*a, dgamma_x_hat=False),
        N_("dγ is Σ over the batch of dY ⊙ x̂ (Y = γ ⊙ x̂ + β); you left out x̂."),
    ),
)


def _bn_case(n, d, offset=0.0, scale=1.0):
    X = offset + scale * _rng.normal(size=(n, d))
    return _rng.normal(size=(n, d)), X, _rng.uniform(0.5, 2.0, size=d), 1e-5


BATCHNORM_CASES = [
    Case(_bn_case(8, 3), N_("N = 8 examples, D = 3 features"), batch_size=8),
    Case(
        _bn_case(5, 4, offset=3.0, scale=2.0), N_("N = 5, D = 4, inputs centred at 3"), batch_size=5
    ),
    Case(_bn_case(16, 2), N_("N = 16, D = 2"), batch_size=16),
    Case(_bn_case(3, 5), N_("N = 3: a small batch"), batch_size=3),
]


def check_batchnorm_backward(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 3.8: `fn(dY, X, gamma, eps)` returns (dX, dgamma, dbeta) of batch norm in training
    mode."""
    return catalogued_check(
        N_("Exercise 3.8 (batch-norm backward)"),
        fn,
        batchnorm_backward,
        BATCHNORM_CASES,
        mistakes=BATCHNORM_MISTAKES,
        compare=compare_named(("dX", "dgamma", "dbeta")),
        rtol=1e-4,
        atol=1e-6,
        strict=strict,
    )
