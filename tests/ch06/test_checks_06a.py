"""Notebook 06a's checks: each catalogued wrong de-duplication or standardisation is named, several
right answers pass (one of them in place), a stub is reported as not attempted, and the fallback is
the teaching reference."""

import re
from collections import Counter

import numpy as np
import pytest
import torch

from tests.checks.contract import (
    assert_named,
    not_attempted,
    right_answers_pass,
    stub,
    wrong_answers_named,
)
from utils.ch06 import checks_06a
from utils.ch06.bundled_data import deduplicate
from utils.ch06.robustness import standardise_images

# ---------------------------------------------------------------- Exercise 6.1: de-duplication


def dedup_with_a_dict(texts, labels):
    first, labels_of = {}, {}
    for row, (text, label) in enumerate(zip(texts, labels)):
        first.setdefault(text, row)
        labels_of.setdefault(text, set()).add(int(label))
    return [row for text, row in first.items() if len(labels_of[text]) == 1]


def dedup_with_numpy(texts, labels):
    texts = np.asarray(texts, dtype=object)
    labels = np.asarray(labels)
    _, first, inverse = np.unique(texts.astype(str), return_index=True, return_inverse=True)
    low = np.full(len(first), 9)
    high = np.full(len(first), -9)
    np.minimum.at(low, inverse, labels)
    np.maximum.at(high, inverse, labels)
    return np.sort(first[low == high])


def dedup_overwriting_the_labels_in_place(texts, labels):
    """Marks dropped rows in the caller's label array (allowed, noted) and returns a list."""
    counts = Counter(zip(texts, labels))
    by_text = Counter(text for text, _ in counts)
    seen = set()
    keep = []
    for row, text in enumerate(texts):
        if by_text[text] == 1 and text not in seen:
            keep.append(row)
        seen.add(text)
        labels[row] = -1 if row not in keep else labels[row]
    return keep


test_right_deduplications_pass = right_answers_pass(
    checks_06a.check_deduplicate,
    [deduplicate, dedup_with_a_dict, dedup_with_numpy, dedup_overwriting_the_labels_in_place],
)

DEDUP_CATALOGUE = [
    ("last occurrence", checks_06a._keep_last, "last occurrence", "LAST copy"),
    ("conflicts kept", checks_06a._keep_conflicts, "conflicts kept", "BOTH labels"),
    ("singletons", checks_06a._singletons_only, "singletons only", "first copy too"),
    ("unsorted", lambda t, y: deduplicate(t, y)[::-1], "order", "sorted"),
    ("texts", lambda t, y: [t[i] for i in deduplicate(t, y)], "type", "texts themselves"),
    ("mask", lambda t, y: np.isin(np.arange(len(t)), deduplicate(t, y)), "type", "boolean mask"),
    ("one row lost", lambda t, y: deduplicate(t, y)[1:], "values", "rows missing"),
    ("nothing returned", lambda t, y: None, "none", "return"),
]
test_deduplicate_check_names_the_mistake = wrong_answers_named(
    checks_06a.check_deduplicate, DEDUP_CATALOGUE
)


def compared_after(normalise):
    """A learner's dictionary answer that normalises each text before using it as a key."""

    def dedup(texts, labels):
        first, labels_of = {}, {}
        for row, (text, label) in enumerate(zip(texts, labels)):
            key = normalise(text)
            first.setdefault(key, row)
            labels_of.setdefault(key, set()).add(int(label))
        return sorted(row for key, row in first.items() if len(labels_of[key]) == 1)

    return dedup


NORMALISED = [
    ("strip", str.strip),
    ("lower", str.lower),
    ("punctuation removed", lambda t: re.sub(r"[^\w]", "", t)),
    ("spaces removed", lambda t: t.replace(" ", "")),
    ("all three", lambda t: re.sub(r"\W+", "", t.strip().lower())),
]


@pytest.mark.parametrize(
    "normalise", [n for _, n in NORMALISED], ids=[name for name, _ in NORMALISED]
)
def test_deduplicate_check_names_normalised_comparison(normalise):
    result = checks_06a.check_deduplicate(compared_after(normalise), strict=False)
    assert_named(result, "normalised", "differ only in spaces, letter case or punctuation")
    assert "test case 3" in result.message


def test_exact_comparison_passes_the_near_duplicates():
    assert checks_06a.check_deduplicate(compared_after(lambda t: t), strict=False).passed


def test_deduplicate_passes_with_no_tolerance_quoted():
    """Row indices are compared exactly, so the ✓ line quotes no rtol (issue 15 and 18)."""
    result = checks_06a.check_deduplicate(dedup_with_a_dict, strict=False)
    assert result.passed and "rtol" not in result.message, result.message


test_deduplicate_stub_is_not_attempted = not_attempted(checks_06a.check_deduplicate)


def test_deduplicate_falls_back_to_the_reference():
    assert checks_06a.check_deduplicate(stub, strict=False).reference is deduplicate


# ---------------------------------------------------------------- Exercise 6.2: standardisation


def standardise_sample_std(x, eps=1e-3):
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) / (x.std(dim=(1, 2, 3), keepdim=True) + eps)


def standardise_flattened_in_place(x, eps=1e-3):
    flat = x.view(len(x), -1)
    flat -= flat.mean(dim=1, keepdim=True)
    flat /= flat.pow(2).mean(dim=1, keepdim=True).sqrt() + eps
    return x


def standardise_with_numpy(x, eps=1e-3):
    a = x.numpy().astype(np.float64)
    mean = a.mean(axis=(1, 2, 3), keepdims=True)
    std = a.std(axis=(1, 2, 3), keepdims=True)
    # back to the input's dtype, for the float32 CNN
    return torch.from_numpy((a - mean) / (std + eps)).to(x.dtype)


test_right_standardisations_pass = right_answers_pass(
    checks_06a.check_standardise_images,
    [
        standardise_images,
        standardise_sample_std,
        standardise_flattened_in_place,
        standardise_with_numpy,
    ],
)


def no_eps(x, eps=1e-3):
    return (x - x.mean(dim=(1, 2, 3), keepdim=True)) / x.std(dim=(1, 2, 3), keepdim=True)


STANDARDISE_CATALOGUE = [
    ("batch-wide", checks_06a._batch_wide, "batch-wide", "whole batch"),
    ("per row", checks_06a._per_row, "per row", "ROW of pixels"),
    ("centred only", checks_06a._centred_only, "centred only", "not scaled"),
    ("variance", checks_06a._by_variance, "variance", "variance"),
    ("eps in sqrt", checks_06a._eps_in_sqrt, "eps in sqrt", "outside the root"),
    ("min-max", checks_06a._min_max, "min-max", "min–max"),
    ("per channel", checks_06a._per_channel, "per channel", "CHANNEL"),
    ("no eps", no_eps, "nan", "blank image"),
    (
        "a NumPy array",
        lambda x, eps=1e-3: standardise_images(x, eps).numpy(),
        "type",
        "return a torch tensor",
    ),
    (
        "float64",
        lambda x, eps=1e-3: standardise_images(x.double(), eps),
        "dtype",
        "refuses a float64 input",
    ),
    ("nothing returned", lambda x, eps=1e-3: None, "none", "return"),
]
test_standardise_check_names_the_mistake = wrong_answers_named(
    checks_06a.check_standardise_images, STANDARDISE_CATALOGUE
)

test_standardise_stub_is_not_attempted = not_attempted(checks_06a.check_standardise_images)


def test_standardise_falls_back_to_the_reference():
    assert checks_06a.check_standardise_images(stub, strict=False).reference is standardise_images


def test_a_wrong_answer_is_diagnosed_in_chinese(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "zh")
    texts_kept = lambda texts, labels: list(dict.fromkeys(texts))  # noqa: E731
    result = checks_06a.check_deduplicate(texts_kept, strict=False)
    assert result.message.startswith("✗ 练习 6.1（先去重，再划分）"), result.message
    assert result.verdict.kind == "type"
    assert "你返回的是文本本身" in result.message
