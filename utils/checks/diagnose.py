"""Compare a learner's answer with a reference and name the mistake in words a learner can act on.

`compare_arrays` diagnoses one array, `compare_named` a tuple of them; `utils.checks.runner` calls
them. "Relative error" is the one that chapter 4 teaches, ‖a − b‖ / max(‖a‖, ‖b‖)
(`utils.gradcheck.relative_error`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from utils.gradcheck import relative_error as _symmetric_relative_error
from utils.i18n import N_, _

NONE_MESSAGE = N_("Your code returned None. Did you forget the `return` statement?")


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison: `kind` is a short tag, `message` the learner-facing text."""

    passed: bool
    kind: str
    message: str
    relative_error: float = float("nan")


def to_numpy(value) -> np.ndarray:
    """Plain float64 array from a list, scalar, NumPy array or torch tensor (any device)."""
    if hasattr(value, "detach"):  # a torch tensor, possibly on a GPU or requiring grad
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def returned_none() -> "Verdict":
    """The verdict for an exercise function that returned nothing."""
    return Verdict(False, "none", _(NONE_MESSAGE))


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """‖got − expected‖ / max(‖got‖, ‖expected‖), as chapter 4 defines it; 0 when both are zero."""
    return _symmetric_relative_error(got, expected)


def _worst_element(
    got: np.ndarray, expected: np.ndarray, rtol: float = 1e-5, atol: float = 1e-8
) -> str:
    """The element furthest outside the tolerance |got − expected| ≤ atol + rtol·|expected| (not
    merely the largest difference, which can sit on a large element that is within tolerance)."""
    if got.ndim == 0:
        return _("yours {yours:.10g} vs expected {expected:.10g}").format(
            yours=got.item(), expected=expected.item()
        )
    excess = np.abs(got - expected) - (atol + rtol * np.abs(expected))
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), got.shape))
    digits = (
        10 if np.isclose(got[index], expected[index], rtol=1e-5) else 6
    )  # enough digits to see the difference
    return _("worst element at index {index}: yours {yours} vs expected {expected}").format(
        index=index, yours=f"{got[index]:.{digits}g}", expected=f"{expected[index]:.{digits}g}"
    )


def _numbers(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-5, atol: float = 1e-8) -> str:
    worst = _worst_element(got, expected, rtol, atol)
    return _("relative error {error:.2e}; {worst}").format(
        error=relative_error(got, expected), worst=worst
    )


# How to reduce, by reduction (`sum` or `mean`) and by which axes go: (leading only, kept only,
# both). Whole sentences, so that a translation can put the verb where its language wants it.
_REDUCTION_ADVICE = {
    "sum": (
        N_("Sum over {axes}."),
        N_("Sum over {kept} with keepdims=True (the expected shape keeps it as size 1)."),
        N_(
            "Sum over {axes}, and over {kept} with keepdims=True (the expected shape keeps it as "
            "size 1)."
        ),
    ),
    "mean": (
        N_("Average over {axes}."),
        N_("Average over {kept} with keepdims=True (the expected shape keeps it as size 1)."),
        N_(
            "Average over {axes}, and over {kept} with keepdims=True (the expected shape keeps it "
            "as size 1)."
        ),
    ),
}


def _axes_name(axes: list[int]) -> str:
    if len(axes) == 1:
        return _("axis {axis}").format(axis=axes[0])
    return _("axes {axes}").format(axes=tuple(axes))


def _reduction_advice(reduction: str, lead: list[int], extra: list[int]) -> str:
    """How to reduce (`reduction` is "sum" or "mean"): leading axes that the expected shape lacks
    go away; axes that it keeps as size 1 stay, with keepdims=True."""
    only_lead, only_kept, both = _REDUCTION_ADVICE[reduction]
    if not extra:
        return _(only_lead).format(axes=_axes_name(lead))
    if not lead:
        return _(only_kept).format(kept=_axes_name(extra))
    return _(both).format(axes=_axes_name(lead), kept=_axes_name(extra))


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _shape_diagnosis(
    got: np.ndarray, expected: np.ndarray, rtol: float, atol: float
) -> tuple[str, str]:
    """Explain a shape mismatch: transposed, squeezed, broadcast by accident, or just wrong."""
    g, e = got.shape, expected.shape
    if got.ndim == 2 and g == e[::-1] and _close(got.T, expected, rtol, atol):
        return "transposed", _(
            "Your answer is transposed: shape {shape}, expected {expected}, and its transpose is "
            "correct. Look for two axes taken the other way round: the order of a matrix product, "
            "a missing or extra .T, or rows and columns swapped in an index."
        ).format(shape=g, expected=e)
    if got.size == expected.size and _close(got.reshape(e), expected, rtol, atol):
        if got.ndim > expected.ndim:
            advice = (
                _("Drop keepdims=True (or index the single value out).")
                if expected.ndim == 0
                else _("Drop the extra axis (no keepdims=True here), or reshape the result.")
            )
        else:
            advice = _("Keep the axis with keepdims=True, or reshape the result.")
        return "squeezed", _(
            "The numbers are right but the shape is {shape}, expected {expected}. {advice}"
        ).format(shape=g, expected=e, advice=advice)
    try:
        broadcast = np.broadcast_shapes(g, e)
    except ValueError:
        broadcast = None
    if broadcast == g and got.size > expected.size:
        extra = [
            axis
            for axis in range(got.ndim)
            if axis >= got.ndim - expected.ndim
            and e[axis - (got.ndim - expected.ndim)] == 1
            and g[axis] > 1
        ]
        lead = list(range(got.ndim - expected.ndim))
        axes = tuple(lead + extra)
        for reduce, reduction in ((got.sum, "sum"), (got.mean, "mean")):
            if axes and _close(reduce(axis=axes).reshape(e), expected, rtol, atol):
                return "broadcast", _(
                    "Shape {shape} where {expected} was expected: you kept the batch axis. {advice}"
                ).format(shape=g, expected=e, advice=_reduction_advice(reduction, lead, extra))
        return "broadcast", _(
            "Shape {shape} where {expected} was expected: two arrays of different shapes were "
            "broadcast together, for example a (n,) array with a (n, 1) array giving (n, n). "
            "Print the shapes of your intermediate arrays and make them match."
        ).format(shape=g, expected=e)
    return "shape", _("Wrong shape: yours is {shape}, expected {expected}.").format(
        shape=g, expected=e
    )


def _scale_diagnosis(
    got: np.ndarray, expected: np.ndarray, batch_size: int | None, rtol: float, atol: float
) -> tuple[str, str] | None:
    """Explain an answer that is the expected one times a constant."""
    denominator = float(np.vdot(expected, expected))
    if denominator == 0.0:
        return None
    c = float(np.vdot(got, expected)) / denominator
    if not np.allclose(got, c * expected, rtol=rtol, atol=atol) or np.isclose(c, 1.0, rtol=rtol):
        return None

    def near(x: float) -> bool:
        return bool(np.isclose(c, x, rtol=1e-6))

    if near(0.0) or not np.any(got):
        return (
            "zero",
            _(
                "Your answer is all zeros where the expected one is not: nothing was computed or "
                "updated here."
            ),
        )

    if near(-1.0):
        return (
            "sign",
            _(
                "Wrong sign: your answer is exactly minus the expected one. Check the order of a "
                "subtraction, such as (ŷ − y) versus (y − ŷ), and every + or − in a step."
            ),
        )
    if batch_size and batch_size > 1 and near(float(batch_size)):
        return "batch-mean", _(
            "{n}× too large, and {n} is the batch size: a mean over the batch is missing. "
            "Divide by n = {n} (or use .mean() instead of .sum())."
        ).format(n=batch_size)
    if batch_size and batch_size > 1 and near(1.0 / batch_size):
        return "batch-mean", _(
            "{n}× too small, and {n} is the batch size: you divided by n once too often "
            "(averaged twice, or averaged where a sum over the batch was needed)."
        ).format(n=batch_size)
    if near(2.0):
        return "factor", _(
            "Off by a factor of 2: your answer is twice the expected one. "
            "Look for a factor 2 or ½ that was dropped or added, for example one that comes from "
            "differentiating a square."
        )
    if near(0.5):
        return "factor", _(
            "Off by a factor of 2: your answer is half the expected one. "
            "Look for a factor 2 or ½ that was dropped or added, for example one that comes from "
            "differentiating a square."
        )
    if (
        expected.size == 1
    ):  # any wrong number is "a constant times" the right one: say nothing that misleads
        return None
    if c < 0:
        return (
            "sign",
            _(
                "Wrong sign and off by a constant factor: your answer is {factor:.4g} × the "
                "expected one."
            ).format(factor=c),
        )
    return (
        "factor",
        _(
            "Off by a constant factor: your answer is {factor:.4g} × the expected one. Look for a "
            "missing or extra constant."
        ).format(factor=c),
    )


def compare_arrays(
    got, expected, *, batch_size: int | None = None, rtol: float = 1e-5, atol: float = 1e-8
) -> Verdict:
    """Compare `got` with `expected`; when they differ, say why in words a learner can act on.

    `batch_size` lets a factor of n be recognised as a missing (or extra) mean over the batch.
    """
    if got is None:
        return returned_none()
    try:
        got_array = to_numpy(got)
    except (TypeError, ValueError):
        return Verdict(
            False,
            "type",
            _(
                "Your function returned a {type}, which is not a number or an array of numbers. "
                "Check what the exercise asks you to return."
            ).format(type=type(got).__name__),
        )
    expected_array = to_numpy(expected)

    bad = ~np.isfinite(got_array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if got_array.ndim else ()
        what = "NaN" if np.isnan(got_array).any() else "inf"
        return Verdict(
            False,
            "nan",
            _(
                "Your answer contains {what}: {count} of {size} elements are not finite "
                "(first at index {first}). Look for log(0), division by zero or exp() overflowing; "
                "clip probabilities or use a numerically stable formula."
            ).format(what=what, count=int(bad.sum()), size=got_array.size, first=first),
        )

    if got_array.shape != expected_array.shape:
        kind, text = _shape_diagnosis(got_array, expected_array, rtol, atol)
        return Verdict(False, kind, text)

    error = relative_error(got_array, expected_array)
    if np.allclose(got_array, expected_array, rtol=rtol, atol=atol):
        return Verdict(True, "ok", _("relative error {error:.1e}").format(error=error), error)

    if (
        got_array.ndim == 2
        and got_array.shape[0] == got_array.shape[1]
        and _close(got_array.T, expected_array, rtol, atol)
    ):
        return Verdict(
            False,
            "transposed",
            _(
                "Your answer is transposed: its transpose is correct. Look for two axes taken the "
                "other way round (the order of a matrix product, a missing or extra .T). "
                "{numbers}."
            ).format(numbers=_numbers(got_array, expected_array, rtol, atol)),
            error,
        )

    scaled = _scale_diagnosis(got_array, expected_array, batch_size, rtol, atol)
    if scaled is not None:
        kind, text = scaled
        numbers = _numbers(got_array, expected_array, rtol, atol)
        return Verdict(
            False, kind, _("{diagnosis} {numbers}.").format(diagnosis=text, numbers=numbers), error
        )

    if error < 1e-3:
        return Verdict(
            False,
            "close",
            _(
                "Close, but outside the check's tolerance (rtol={rtol:g}, atol={atol:g} per "
                "element): {numbers}. Look for a small difference: float32 or float16 rounding "
                "where the check works in float64, a small constant such as eps left out or added, "
                "or an approximation (finite differences) used where the exact formula is asked "
                "for."
            ).format(rtol=rtol, atol=atol, numbers=_numbers(got_array, expected_array, rtol, atol)),
            error,
        )
    return Verdict(
        False,
        "values",
        _("The values are wrong: {numbers}.").format(
            numbers=_numbers(got_array, expected_array, rtol, atol)
        ),
        error,
    )


def compare_named(names: tuple[str, ...]):
    """A comparison for functions that return several arrays, e.g. ("dW", "db", "dA_prev").

    Each part is diagnosed by `compare_arrays`; the message names the first wrong part.
    """

    def compare(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
        if got is None:
            return returned_none()
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            if hasattr(got, "__len__"):
                what = _("a {type} of length {length}").format(
                    type=type(got).__name__, length=len(got)
                )
            else:
                what = _("a {type}").format(type=type(got).__name__)
            return Verdict(
                False,
                "structure",
                _(
                    "Return a tuple of {count} values (numbers or arrays), in this order: "
                    "{names}; yours is {what}."
                ).format(count=len(names), names=", ".join(names), what=what),
            )
        worst = 0.0
        for name, part, reference in zip(names, got, expected):
            verdict = compare_arrays(part, reference, batch_size=batch_size, rtol=rtol, atol=atol)
            if not verdict.passed:
                message = _("In {name}: {diagnosis}").format(name=name, diagnosis=verdict.message)
                return Verdict(False, verdict.kind, message, verdict.relative_error)
            worst = max(worst, verdict.relative_error)
        return Verdict(True, "ok", _("relative error {error:.1e}").format(error=worst), worst)

    return compare
