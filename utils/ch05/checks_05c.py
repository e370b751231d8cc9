"""Answer checks for notebook 05c (convolution): a one-channel 2-D convolution (cross-correlation,
as torch computes it) and the output-size formula. Catalogued wrong answers are named."""

from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np

from utils.ch05.convolution import conv2d, conv_output_size, correlate2d
from utils.checks.diagnose import Verdict, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

# ---------------------------------------------------------------- Exercise 5.4: a convolution


def _flipped(image, kernel):
    return correlate2d(image, np.asarray(kernel)[::-1, ::-1])


def _same_size(image, kernel):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2)))
    return correlate2d(padded, kernel)


def _one_short(image, kernel):
    return correlate2d(image, kernel)[:-1, :-1]


CORRELATE_MISTAKES = (
    Mistake(
        "flipped kernel",
        _flipped,
        N_(
            "Your kernel is flipped (rotated 180°): that is convolution as mathematicians define "
            "it. Deep-learning libraries, torch included, compute cross-correlation: out[i, j] = Σ "
            "image[i + u, j + v] · kernel[u, v], with no flip. (A learned kernel does not care; a "
            "given kernel does.)"
        ),
    ),
    Mistake(
        "zero-padded",
        _same_size,
        N_(
            "Your output has the input's size, as if zero-padded. Here there is no padding: the "
            "output is (H − kh + 1) × (W − kw + 1), one value per position where the whole kernel "
            "fits."
        ),
    ),
    Mistake(
        "last position missing",
        _one_short,
        N_(
            "The last row and column of positions are missing: the kernel also fits at i = H − kh, "
            "so loop over range(H − kh + 1), and the same for the columns."
        ),
    ),
    Mistake(
        "transposed kernel",
        lambda image, kernel: correlate2d(image, np.asarray(kernel).T),
        N_(
            "Your kernel is transposed: kernel[u, v] multiplies image[i + u, j + v], u down the "
            "rows and v along the columns."
        ),
    ),
)


def _correlate_case(rng, h, w, kh, kw):
    return rng.normal(size=(h, w)), rng.normal(size=(kh, kw))


def correlate_cases(seed: int = 5) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(_correlate_case(rng, 6, 7, 3, 3), N_("6 × 7 image, 3 × 3 kernel")),
        Case(_correlate_case(rng, 5, 5, 2, 3), N_("5 × 5 image, 2 × 3 kernel (not square)")),
        Case(_correlate_case(rng, 8, 4, 4, 1), N_("8 × 4 image, 4 × 1 kernel")),
        Case(_correlate_case(rng, 3, 3, 3, 3), N_("kernel as large as the image: one output")),
    ]


def check_correlate2d(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 5.4: `fn(image, kernel)` is the one-channel, unpadded, stride-1
    cross-correlation."""
    return catalogued_check(
        N_("Exercise 5.4 (one-channel convolution)"),
        fn,
        correlate2d,
        correlate_cases(),
        mistakes=CORRELATE_MISTAKES,
        rtol=1e-5,
        atol=1e-8,
        strict=strict,
        answer_keys=(conv2d,),
    )


# ---------------------------------------------------------------- Exercise 5.5: the output size

# (n, kernel, stride, padding): chosen so that each catalogued mistake gives a different number
# somewhere. The uneven strides come first, so that true division (/) is named there before whole
# floats are refused.
SIZE_TABLES = {
    N_("stride 2 and 3, where the division does not come out even"): (
        (32, 5, 2, 2),
        (7, 3, 2, 0),
        (10, 4, 3, 1),
        (9, 2, 2, 0),
        (10, 3, 3, 0),
    ),
    N_(
        "stride 1: 3×3 on 28 pixels unpadded and padded, 05b's first layer, a 5×5 kernel as large "
        "as the input"
    ): (
        (28, 3, 1, 0),
        (28, 3, 1, 1),
        (8, 3, 1, 1),
        (5, 5, 1, 0),
    ),
    N_("the first layer of ResNet: 224 pixels, 7×7 kernel, stride 2, padding 3"): ((224, 7, 2, 3),),
}


def _sizes(formula: Callable) -> Callable:
    return lambda table: [(row, formula(*row)) for row in table]


SIZE_MISTAKES = (
    Mistake(
        "no +1",
        _sizes(lambda n, k, s, p: (n + 2 * p - k) // s),
        N_("One short: the kernel fits at position 0 as well, so add 1: ⌊(n + 2p − k) / s⌋ + 1."),
    ),
    Mistake(
        "padding once",
        _sizes(lambda n, k, s, p: (n + p - k) // s + 1),
        N_("Padding is added on BOTH sides of the input: n + 2·padding."),
    ),
    Mistake(
        "stride ignored",
        _sizes(lambda n, k, s, p: n + 2 * p - k + 1),
        N_(
            "The stride is ignored: the kernel moves s pixels at a time, so divide (n + 2p − k) by "
            "s before adding 1."
        ),
    ),
    Mistake(
        "rounded up",
        _sizes(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
        N_(
            "You rounded up. A last window that would stick out past the (padded) input is not "
            "computed: round down, ⌊(n + 2p − k) / s⌋ + 1, with // in Python."
        ),
    ),
    Mistake(
        "rounded to nearest",
        _sizes(lambda n, k, s, p: round((n + 2 * p - k) / s) + 1),
        N_(
            "You rounded to the nearest whole number (round) instead of rounding down. A last "
            "window that would stick out past the (padded) input is not computed, even if most of "
            "it fits: ⌊(n + 2p − k) / s⌋ + 1, with // in Python."
        ),
    ),
    Mistake(
        "true division",
        _sizes(lambda n, k, s, p: (n + 2 * p - k) / s + 1),
        N_(
            "Some sizes are not whole numbers: use floor division // (a window that does not fit "
            "is not computed)."
        ),
    ),
    Mistake(
        "stride divides everything",
        _sizes(lambda n, k, s, p: (n + 2 * p - k + 1) // s),
        N_(
            "The +1 belongs outside the division: ⌊(n + 2p − k) / s⌋ + 1, not ⌊(n + 2p − k + 1) / "
            "s⌋."
        ),
    ),
)


def _compare_size_values(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """(row, size) pairs; the sizes must be numbers equal to the expected ones (their type is judged
    later)."""
    sizes = [size for _, size in got]
    if any(size is None for size in sizes):
        return returned_none()
    if not all(isinstance(size, numbers.Real) and not isinstance(size, bool) for size in sizes):
        odd = next(
            size for size in sizes if not isinstance(size, numbers.Real) or isinstance(size, bool)
        )
        return Verdict(
            False,
            "type",
            _("Return a whole number (an int) for the length of the output, not {value}.").format(
                value=repr(odd)
            ),
        )
    values = [float(size) for size in sizes]
    wrong = [i for i, (value, (_, size)) in enumerate(zip(values, expected)) if value != size]
    if not wrong:
        return Verdict(True, "ok", "exact", 0.0)
    (n, k, s, p), size = expected[wrong[0]]
    return Verdict(
        False,
        "values",
        (
            _(
                "Wrong for n = {n}, kernel = {kernel}, stride = {stride}, padding = {padding}: "
                "yours {yours}, expected {expected} ({wrong} of {rows} rows of this table are "
                "wrong)."
            ).format(
                n=n,
                kernel=k,
                stride=s,
                padding=p,
                yours=repr(sizes[wrong[0]]),
                expected=size,
                wrong=len(wrong),
                rows=len(sizes),
            )
        ),
    )


def _is_int(size) -> bool:
    """An int or a NumPy integer (not a bool)."""
    return isinstance(size, numbers.Integral) and not isinstance(size, bool)


def _compare_sizes(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """The values first; right values must also be ints, as layer sizes are. The type is judged
    only against whole-number expectations, so that a catalogued mistake whose sizes are floats
    (true division) is still named by its values."""
    verdict = _compare_size_values(got, expected)
    if not verdict.passed or not all(_is_int(size) for _, size in expected):
        return verdict
    odd = next((size for _, size in got if not _is_int(size)), None)
    if odd is not None:
        return Verdict(
            False,
            "not an int",
            _(
                "The values are right, but {value} is a {type}, not an int. A size is used to "
                "build layers (nn.Linear needs an int), so return an int: floor division // on "
                "ints gives one, or wrap the result in int(...)."
            ).format(value=repr(odd), type=type(odd).__name__),
        )
    return verdict


def _learner_sizes(fn: Callable) -> Callable:
    def sizes(table):
        return [(row, fn(*row)) for row in table]

    return sizes


def _reference_sizes(table):
    return [(row, conv_output_size(*row)) for row in table]


def check_output_size(fn: Callable, strict: bool | None = None) -> CheckResult:
    """Exercise 5.5: `fn(n, kernel, stride, padding)` returns the output length along one axis."""
    return catalogued_check(
        N_("Exercise 5.5 (output size)"),
        _learner_sizes(fn),
        conv_output_size,
        [Case((table,), label) for label, table in SIZE_TABLES.items()],
        mistakes=SIZE_MISTAKES,
        compare=_compare_sizes,
        exact=True,
        expected_from=_reference_sizes,
        strict=strict,
    )
