"""Data preparation shared by the chapters: bundled data sets, splits, standardisation."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def standardise_columns(X: np.ndarray) -> np.ndarray:
    """Each column shifted to mean 0 and scaled to standard deviation 1 (population std, ddof=0)."""
    X = np.asarray(X, dtype=np.float64)
    return (X - X.mean(axis=0, keepdims=True)) / X.std(axis=0, keepdims=True)


def breast_cancer_split(test_size: float = 0.2, seed: int = 0) -> dict[str, np.ndarray]:
    """Breast Cancer Wisconsin (569 × 30, bundled with scikit-learn), split train/test, stratified by label.

    Returns float64 features and float64 labels (1 = benign) under keys X_train, X_test, y_train, y_test.
    """
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float64), y.astype(np.float64), test_size=test_size, stratify=y, random_state=seed
    )
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


def breast_cancer_arrays() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The whole Breast Cancer Wisconsin set: X (569 × 30) float64, y (569,) float64 with 1 = benign, feature names."""
    data = load_breast_cancer()
    return data.data.astype(np.float64), data.target.astype(np.float64), list(data.feature_names)
