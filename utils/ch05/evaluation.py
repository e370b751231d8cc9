"""Classification metrics from predicted probabilities: the references the chapter-5 exercises are
checked against."""

from __future__ import annotations

import numpy as np


def _flat_pair(p, y) -> tuple[np.ndarray, np.ndarray]:
    p, y = np.asarray(p, dtype=np.float64).ravel(), np.asarray(y).ravel()
    if p.shape != y.shape:
        raise ValueError(
            f"p and y must hold one value per row each; got {p.size} probabilities and {y.size} "
            "labels."
        )
    return p, y.astype(bool)


def threshold_metrics(p, y, threshold: float = 0.5) -> tuple[float, float, float]:
    """(accuracy, precision, recall) when ŷ = 1 exactly where p > threshold (Keras' rule; ties go to
    class 0).

    Precision is 0 when nothing is predicted positive; recall is 0 when there are no positives.
    """
    p, y = _flat_pair(p, y)
    predicted = p > threshold
    true_positive = float(np.sum(predicted & y))
    accuracy = float(np.mean(predicted == y))
    precision = true_positive / predicted.sum() if predicted.any() else 0.0
    recall = true_positive / y.sum() if y.any() else 0.0
    return accuracy, float(precision), float(recall)


def confusion_counts(p, y, threshold: float = 0.5) -> np.ndarray:
    """2 × 2 counts [[TN, FP], [FN, TP]] (rows: true class 0, 1; columns: predicted 0, 1), as
    sklearn orders them."""
    p, y = _flat_pair(p, y)
    predicted = p > threshold
    return np.array(
        [
            [np.sum(~y & ~predicted), np.sum(~y & predicted)],
            [np.sum(y & ~predicted), np.sum(y & predicted)],
        ]
    )
