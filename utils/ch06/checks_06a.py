"""Answer checks for notebook 06a: de-duplication before a split (6.1) and per-image
standardisation (6.2). Each check carries its catalogue of wrong answers, so an answer that matches
one is named in words."""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable

import numpy as np
import torch

from utils.ch06.bundled_data import chinese_reviews, deduplicate, faces_and_non_faces
from utils.ch06.robustness import STANDARDISE_EPS, standardise_images
from utils.checks.diagnose import Verdict, compare_arrays, returned_none
from utils.checks.mistakes import Mistake, catalogued_check
from utils.checks.runner import Case, CheckResult
from utils.i18n import N_, _

# ---------------------------------------------------------------- Exercise 6.1: de-duplication


def _keep_last(texts, labels):
    labels = np.asarray(labels)
    last = {text: row for row, text in enumerate(texts)}
    both = {
        t for t in last if len(set(labels[[i for i, s in enumerate(texts) if s == t]].tolist())) > 1
    }
    return np.array(sorted(row for text, row in last.items() if text not in both), dtype=np.int64)


def _keep_conflicts(texts, labels):
    first: dict = {}
    for row, text in enumerate(texts):
        first.setdefault(text, row)
    return np.array(sorted(first.values()), dtype=np.int64)


def _singletons_only(texts, labels):
    counts = Counter(texts)
    return np.array([row for row, text in enumerate(texts) if counts[text] == 1], dtype=np.int64)


def _compared_as(normalise: Callable[[str], str]) -> Callable:
    """`deduplicate` with texts compared after `normalise` (the first row of each normalised text
    kept)."""

    def deduplicate_normalised(texts, labels):
        return deduplicate([normalise(text) for text in texts], labels)

    return deduplicate_normalised


NORMALISED_MESSAGE = N_(
    "You treated texts that differ only in spaces, letter case or punctuation as one text. The "
    "exercise compares texts exactly: use each text itself, unchanged, as the dictionary key (no "
    "strip(), lower() or re.sub())."
)
NORMALISATIONS = (
    str.strip,
    str.lower,
    str.casefold,
    lambda t: t.strip().lower(),
    lambda t: re.sub(r"\s+", "", t),
    lambda t: re.sub(r"[^\w]", "", t),
    lambda t: re.sub(r"[^\w]", "", t).lower(),
    lambda t: re.sub(r"[^\w\s]", "", t).strip(),
)

DEDUPLICATE_MISTAKES = (
    *(
        Mistake("normalised", _compared_as(normalise), NORMALISED_MESSAGE)
        for normalise in NORMALISATIONS
    ),
    Mistake(
        "last occurrence",
        _keep_last,
        N_(
            "You kept the LAST copy of each text. Keep the first: the row where the text appears "
            "for the first time."
        ),
    ),
    Mistake(
        "conflicts kept",
        _keep_conflicts,
        N_(
            "You kept one copy of texts that appear with BOTH labels. Such a text's label is "
            "unknowable: drop every copy of it."
        ),
    ),
    Mistake(
        "singletons only",
        _singletons_only,
        N_(
            "You dropped every text that has a duplicate, the first copy too. Keep one copy (the "
            "first) of each repeated text."
        ),
    ),
)


def compare_kept_rows(got, expected, *, batch_size=None, rtol=None, atol=None) -> Verdict:
    """Sorted integer row indices compared exactly; texts, masks and unsorted indices are named."""
    if got is None:
        return returned_none()
    array = np.asarray(got)
    if array.dtype.kind in "UO" or (len(array) and isinstance(array.flat[0], str)):
        return Verdict(
            False,
            "type",
            _("You returned the texts themselves. Return their row indices (integers) instead."),
        )
    if array.dtype == bool:
        return Verdict(
            False,
            "type",
            _(
                "You returned a boolean mask. Return the row indices instead "
                "(np.flatnonzero(mask))."
            ),
        )
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        return Verdict(
            False,
            "type",
            _(
                "Return a 1-D array (or list) of integer row indices; yours has dtype {dtype} "
                "and shape {shape}."
            ).format(dtype=array.dtype, shape=array.shape),
        )
    expected = np.asarray(expected)
    if np.array_equal(array, expected):
        return Verdict(True, "ok", "the same rows", 0.0)
    if np.array_equal(np.sort(array), expected):
        return Verdict(
            False,
            "order",
            _(
                "The right rows, in another order. Return them sorted (np.sort), in the order of "
                "the file."
            ),
        )
    extra, missing = np.setdiff1d(array, expected), np.setdiff1d(expected, array)
    detail = []
    if extra.size:
        detail.append(
            _("{count} rows kept that should go (for example row {row})").format(
                count=extra.size, row=extra[0]
            )
        )
    if missing.size:
        detail.append(
            _("{count} rows missing (for example row {row})").format(
                count=missing.size, row=missing[0]
            )
        )
    if not detail:
        detail.append(_("some rows are listed twice"))
    return Verdict(
        False,
        "values",
        _("You keep {kept} rows, expected {expected}: {details}.").format(
            kept=len(array), expected=len(expected), details="; ".join(detail)
        ),
    )


# Texts that differ only in a space, letter case or punctuation are different texts: exact
# comparison keeps one copy of each (row 9 repeats row 0 exactly), while stripping, lower-casing or
# removing punctuation merges some of them, and merged texts with two labels are then dropped.
NEAR_DUPLICATES = (
    "好评",
    "好评 ",
    "Great",
    "great",
    "好评!",
    "差评",
    "差评。",
    " 差评",
    "GREAT",
    "好评",
)
NEAR_DUPLICATE_LABELS = (1, 0, 1, 0, 1, 0, 0, 0, 1, 1)


def check_deduplicate(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.1: five lists of texts (two by hand, near-duplicates, one random, one from the
    review corpus) against `deduplicate`, compared exactly."""
    rng = np.random.default_rng(61)
    pool = [f"评论{k}" for k in range(40)]
    random_texts = [pool[k] for k in rng.integers(0, 40, 150)]
    random_labels = np.array(
        [int(t[-1]) % 2 if rng.random() > 0.05 else 1 - int(t[-1]) % 2 for t in random_texts]
    )
    reviews, review_labels = chinese_reviews()
    rows = np.sort(rng.choice(len(reviews), 600, replace=False))
    rows = np.r_[rows, rows[:40]]  # some rows twice, as the corpus has them
    cases = [
        Case(
            (["好", "差", "好", "一般", "差", "好"], np.array([1, 0, 1, 1, 0, 1])),
            N_("6 texts, repeats with the same label"),
        ),
        Case(
            (["A", "B", "A", "C", "B"], np.array([1, 0, 0, 1, 0])),
            N_("5 texts, 'A' appears with both labels"),
        ),
        Case(
            (list(NEAR_DUPLICATES), np.array(NEAR_DUPLICATE_LABELS)),
            N_("10 texts, several differing only in spaces, letter case or punctuation"),
        ),
        Case((random_texts, random_labels), N_("150 texts drawn from 40, a few with both labels")),
        Case(
            ([reviews[i] for i in rows], review_labels[rows]), N_("640 lines of the review corpus")
        ),
    ]
    return catalogued_check(
        N_("Exercise 6.1 (de-duplicate before splitting)"),
        learner_fn,
        deduplicate,
        cases,
        mistakes=DEDUPLICATE_MISTAKES,
        compare=compare_kept_rows,
        exact=True,
        strict=strict,
    )


# ---------------------------------------------------------------- Exercise 6.2: standardisation


def _stats(x, dims=(1, 2, 3)):
    return x.mean(dim=dims, keepdim=True), x.std(dim=dims, keepdim=True, correction=0)


def _batch_wide(x):
    return (x - x.mean()) / (x.std(correction=0) + STANDARDISE_EPS)


def _per_row(x):
    mean, std = _stats(x, dims=(-1,))
    return (x - mean) / (std + STANDARDISE_EPS)


def _per_channel(x):
    mean, std = _stats(x, dims=(2, 3))
    return (x - mean) / (std + STANDARDISE_EPS)


def _centred_only(x):
    return x - _stats(x)[0]


def _by_variance(x):
    mean, std = _stats(x)
    return (x - mean) / (std**2 + STANDARDISE_EPS)


def _eps_in_sqrt(x):
    mean, std = _stats(x)
    return (x - mean) / torch.sqrt(std**2 + STANDARDISE_EPS)


def _min_max(x):
    low, high = x.amin(dim=(1, 2, 3), keepdim=True), x.amax(dim=(1, 2, 3), keepdim=True)
    return (x - low) / (high - low + STANDARDISE_EPS)


STANDARDISE_MISTAKES = (
    Mistake(
        "batch-wide",
        _batch_wide,
        N_(
            "You used ONE mean and std for the whole batch. Each image needs its own: reduce over "
            "dim=(1, 2, 3) (channels, height, width) with keepdim=True, not over the batch axis."
        ),
    ),
    Mistake(
        "per channel",
        _per_channel,
        N_(
            "You standardised each CHANNEL of an image separately (dim=(2, 3)). Use one mean and "
            "one std per image, over all its channels, rows and columns: dim=(1, 2, 3)."
        ),
    ),
    Mistake(
        "per row",
        _per_row,
        N_(
            "You standardised each ROW of pixels (the last axis only). Reduce over all of an "
            "image's pixels: dim=(1, 2, 3)."
        ),
    ),
    Mistake(
        "centred only",
        _centred_only,
        N_("The images are centred but not scaled: divide by (std + eps) as well."),
    ),
    Mistake(
        "variance",
        _by_variance,
        N_("You divided by the variance (std²). Divide by the standard deviation + eps."),
    ),
    Mistake(
        "eps in sqrt",
        _eps_in_sqrt,
        N_(
            "You divided by sqrt(var + eps). The exercise asks for (std + eps), eps outside the "
            "root."
        ),
    ),
    Mistake(
        "min-max",
        _min_max,
        N_(
            "That is min–max scaling to [0, 1]. Subtract each image's MEAN and divide by its "
            "STANDARD DEVIATION + eps."
        ),
    ),
)


def compare_standardised(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8) -> Verdict:
    """compare_arrays for a torch tensor of the input's dtype, with a word on the blank image when
    the answer holds NaN or inf. The result feeds `face_cnn(standardise=…)`, whose float32 layers
    take only a float32 tensor."""
    if got is not None and not isinstance(got, torch.Tensor):
        return Verdict(
            False,
            "type",
            _(
                "You returned a {type}; return a torch tensor. The function becomes the first "
                "layer of face_cnn(standardise=…), and the convolution after it takes only "
                "tensors. Compute with torch operations (x.mean(dim=..., keepdim=True), "
                "x.std(...)) or convert back with torch.from_numpy(...)."
            ).format(type=type(got).__name__),
        )
    if (
        isinstance(got, torch.Tensor)
        and isinstance(expected, torch.Tensor)
        and got.dtype != expected.dtype
    ):
        return Verdict(
            False,
            "dtype",
            _(
                "Your tensor is {dtype}, the input was {expected}. Return the input's dtype "
                "(here float32): the convolution after this layer has float32 weights and refuses "
                "a float64 input. Compute with torch on x itself, or convert back with "
                ".to(x.dtype)."
            ).format(dtype=got.dtype, expected=expected.dtype),
        )
    verdict = compare_arrays(got, expected, batch_size=batch_size, rtol=rtol, atol=atol)
    if verdict.kind == "nan":
        return Verdict(
            False,
            "nan",
            verdict.message
            + _(
                " A blank image (all pixels equal) has standard deviation 0, so (x − mean) / std "
                "is 0 / 0. Divide by (std + eps), with the eps passed in."
            ),
        )
    return verdict


def check_standardise_images(learner_fn: Callable, *, strict: bool | None = None) -> CheckResult:
    """Exercise 6.2: real faces, a batch with a blank image, dimmed faces and 3-channel images, to
    rtol 2e-3 (so that the population and the sample standard deviation both pass)."""
    generator = torch.Generator().manual_seed(62)
    faces = torch.from_numpy(faces_and_non_faces()[0])
    with_blank = torch.rand(4, 1, 25, 25, generator=generator)
    with_blank[2] = 0.3
    cases = [
        Case(
            (with_blank,),
            N_("4 random images (4 × 1 × 25 × 25), the third one blank (all pixels 0.3)"),
        ),
        Case((faces[[0, 1, 150, 199]].clone(),), N_("4 images of the faces data")),
        Case((faces[95:105] * 0.3,), N_("10 dimmed images (pixels × 0.3)")),
        Case(
            (torch.rand(3, 3, 16, 16, generator=generator) * 5 + 2,),
            N_("3 colour images (3 × 3 × 16 × 16) in [2, 7]"),
        ),
    ]
    return catalogued_check(
        N_("Exercise 6.2 (per-image standardisation)"),
        learner_fn,
        standardise_images,
        cases,
        mistakes=STANDARDISE_MISTAKES,
        compare=compare_standardised,
        rtol=2e-3,
        atol=1e-4,
        strict=strict,
    )
