"""Threshold metrics agree with scikit-learn, ties go to class 0, and the answer comparison names
mistakes."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from utils.ch05.evaluation import confusion_counts, threshold_metrics

rng = np.random.default_rng(0)


def test_threshold_metrics_match_sklearn():
    for threshold in (0.2, 0.5, 0.8):
        p = rng.uniform(size=200)
        y = (rng.uniform(size=200) < p).astype(float)
        predicted = p > threshold
        expected = (
            accuracy_score(y, predicted),
            precision_score(y, predicted),
            recall_score(y, predicted),
        )
        assert np.allclose(threshold_metrics(p, y, threshold), expected)
        assert np.array_equal(confusion_counts(p, y, threshold), confusion_matrix(y, predicted))


def test_ties_are_class_zero_and_empty_denominators_give_zero():
    assert threshold_metrics([0.5, 0.5], [0, 1], 0.5) == (0.5, 0.0, 0.0)
    assert threshold_metrics([0.9, 0.1], [0, 0], 0.5) == (0.5, 0.0, 0.0)


def test_mismatched_lengths_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="3 probabilities and 2 labels"):
        threshold_metrics([0.1, 0.5, 0.9], [0, 1])
