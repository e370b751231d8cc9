"""Classification metrics from predicted probabilities: the references the chapter-5 exercises are checked against."""

from __future__ import annotations

import numpy as np


def threshold_metrics(p, y, threshold: float = 0.5) -> tuple[float, float, float]:
    """(accuracy, precision, recall) when ŷ = 1 exactly where p > threshold (Keras' rule; ties go to class 0).

    Precision is 0 when nothing is predicted positive; recall is 0 when there are no positives.
    """
    p = np.asarray(p, dtype=np.float64).ravel()
    y = np.asarray(y).ravel().astype(bool)
    predicted = p > threshold
    true_positive = float(np.sum(predicted & y))
    accuracy = float(np.mean(predicted == y))
    precision = true_positive / predicted.sum() if predicted.any() else 0.0
    recall = true_positive / y.sum() if y.any() else 0.0
    return accuracy, float(precision), float(recall)


def confusion_counts(p, y, threshold: float = 0.5) -> np.ndarray:
    """2 × 2 counts [[TN, FP], [FN, TP]] (rows: true class 0, 1; columns: predicted 0, 1), as sklearn orders them."""
    predicted = np.asarray(p, dtype=np.float64).ravel() > threshold
    y = np.asarray(y).ravel().astype(bool)
    return np.array([[np.sum(~y & ~predicted), np.sum(~y & predicted)], [np.sum(y & ~predicted), np.sum(y & predicted)]])


METRIC_NAMES = ("accuracy", "precision", "recall")


def compare_metrics(got, expected, *, batch_size=None, rtol=1e-5, atol=1e-8):
    """Diagnose an (accuracy, precision, recall) answer: a count for a fraction, precision and recall swapped,
    or which metric is wrong. (A plain scalar comparison would call every wrong number 'a constant factor'.)"""
    from utils.checks import Verdict, compare_arrays

    if got is None:
        return Verdict(False, "none", "Your code returned None. Did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return Verdict(False, "structure", "Return a tuple of 3 numbers, in this order: accuracy, precision, recall.")
    for name, value in zip(METRIC_NAMES, got):
        verdict = compare_arrays(value, 0.0)
        if verdict.kind in ("nan", "type", "none"):
            return Verdict(False, verdict.kind, f"In {name}: {verdict.message}")
    g = [float(np.asarray(v, dtype=float)) for v in got]
    e = [float(v) for v in expected]
    close = lambda a, b: bool(np.isclose(a, b, rtol=rtol, atol=atol))
    if all(close(a, b) for a, b in zip(g, e)):
        return Verdict(True, "ok", "all three metrics match", 0.0)
    if close(g[1], e[2]) and close(g[2], e[1]):
        return Verdict(False, "swapped", (
            f"Precision and recall are swapped (yours {g[1]:.4g} and {g[2]:.4g}, expected {e[1]:.4g} and {e[2]:.4g}). "
            "Precision divides the true positives by the number PREDICTED 1; recall by the number LABELLED 1."
        ))
    for name, a, b in zip(METRIC_NAMES, g, e):
        if close(a, b):
            continue
        if batch_size and name == "accuracy" and close(a, b * batch_size):
            return Verdict(False, "batch-mean", (
                f"In accuracy: {batch_size}× too large, and {batch_size} is the number of predictions: you returned "
                f"the count of correct predictions ({a:.4g}). Divide by n = {batch_size} (or use np.mean)."
            ))
        return Verdict(False, "values", (
            f"In {name}: yours {a:.4g}, expected {b:.4g} (relative error {abs(a - b) / max(abs(b), 1e-12):.2e}). "
            "Check which rows count as predicted 1 (p > threshold, strictly, with the threshold passed in) "
            f"and what the {name} divides by."
        ))
    raise AssertionError("unreachable")
