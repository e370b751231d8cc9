"""Data shared by the chapters: the bundled data sets, a stratified train/test split, and the
course's one standardisation (statistics from the training rows, applied to every split)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def fit_standardiser(X_train) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std (ddof=0) of each TRAINING column, as scikit-learn's StandardScaler
    computes them (a constant column gets std 1, so it maps to 0 instead of NaN)."""
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim != 2 or len(X_train) == 0:
        raise ValueError(
            f"X_train must be a non-empty (rows × columns) array; got shape {X_train.shape}."
        )
    if np.isnan(X_train).any():
        raise ValueError("X_train holds NaN: clean the missing values before standardising.")
    scaler = StandardScaler().fit(X_train)
    return scaler.mean_, scaler.scale_


def standardise_splits(X_train, *others) -> tuple[np.ndarray, ...]:
    """X_train and each further split scaled column by column with the TRAINING mean and std
    only."""
    mean, std = fit_standardiser(X_train)
    return tuple((np.asarray(X, dtype=np.float64) - mean) / std for X in (X_train, *others))


def standardise_columns(X) -> np.ndarray:
    """Each column of X to mean 0 and std 1 with its own statistics: `standardise_splits` with X as
    the only split."""
    (Z,) = standardise_splits(X)
    return Z


def breast_cancer_split(test_size: float = 0.2, seed: int = 0) -> dict[str, np.ndarray]:
    """Breast Cancer Wisconsin (569 × 30, bundled with scikit-learn), split train/test, stratified
    by label.

    Returns float64 features and float64 labels (1 = benign) under keys X_train, X_test, y_train,
    y_test. The features are raw; standardise them with `standardise_splits(X_train, X_test)`.
    """
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X.astype(np.float64),
        y.astype(np.float64),
        test_size=test_size,
        stratify=y,
        random_state=seed,
    )
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


def breast_cancer_arrays() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The whole Breast Cancer Wisconsin set: X (569 × 30) float64, y (569,) float64 with 1 =
    benign, feature names."""
    data = load_breast_cancer()
    return data.data.astype(np.float64), data.target.astype(np.float64), list(data.feature_names)
