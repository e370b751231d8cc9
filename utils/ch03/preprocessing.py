"""Preprocessing for chapter 3: documented dirt for a clean data set, cleaning, a stratified
three-way split, and the whole pipeline in one call (standardisation itself is
`utils.data.standardise_splits`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split

from utils.data import breast_cancer_arrays, fit_standardiser, standardise_splits

MAD_TO_STD = (
    1.4826  # for normal data, 1.4826 × median absolute deviation estimates the standard deviation
)


@dataclass(frozen=True)
class Dirt:
    """A dirtied copy of X and where the dirt went (boolean masks of X's shape)."""

    X: np.ndarray
    missing: np.ndarray
    outliers: np.ndarray


def add_missing_and_outliers(
    X, missing_rate: float = 0.03, outlier_rate: float = 0.005, factor: float = 10.0, seed: int = 0
) -> Dirt:
    """Blank a random `missing_rate` of the entries (NaN) and multiply another `outlier_rate` by
    `factor` (a decimal point lost in typing). Seeded; the two sets of entries do not overlap."""
    X = np.array(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.size)
    n_missing, n_outliers = round(missing_rate * X.size), round(outlier_rate * X.size)
    missing = np.zeros(X.size, dtype=bool)
    outliers = np.zeros(X.size, dtype=bool)
    missing[order[:n_missing]] = True
    outliers[order[n_missing : n_missing + n_outliers]] = True
    missing, outliers = missing.reshape(X.shape), outliers.reshape(X.shape)
    X[outliers] *= factor
    X[missing] = np.nan
    return Dirt(X, missing, outliers)


def stratified_split(
    y, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices (train, val, test), each split keeping the class proportions of y (scikit-learn,
    twice)."""
    y = np.asarray(y)
    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=test_fraction, stratify=y, random_state=seed)
    val_of_rest = val_fraction / (1.0 - test_fraction)
    train, val = train_test_split(rest, test_size=val_of_rest, stratify=y[rest], random_state=seed)
    return np.sort(train), np.sort(val), np.sort(test)


@dataclass(frozen=True)
class Cleaner:
    """Per-column statistics of the training split: median, robust spread, outlier threshold, fill
    values."""

    median: np.ndarray
    spread: np.ndarray
    threshold: float
    fill: np.ndarray

    def outlier_mask(self, X) -> np.ndarray:
        """True where a value lies more than `threshold` robust standard deviations from the
        training median."""
        X = np.asarray(X, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.abs(X - self.median) > self.threshold * self.spread

    def transform(self, X) -> np.ndarray:
        """Outliers and missing values replaced by the fill value of their column."""
        X = np.array(X, dtype=np.float64)
        X[self.outlier_mask(X)] = np.nan
        return np.where(np.isnan(X), self.fill, X)


def fit_cleaner(X_train, threshold: float = 8.0) -> Cleaner:
    """Fit on the training rows only: medians and robust spreads (1.4826 × MAD), NaNs ignored; the
    fill value of each column is its median once the outliers are set aside (scikit-learn's
    SimpleImputer)."""
    X_train = np.array(X_train, dtype=np.float64)
    median = np.nanmedian(X_train, axis=0)
    spread = MAD_TO_STD * np.nanmedian(np.abs(X_train - median), axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    with np.errstate(invalid="ignore"):
        X_train[np.abs(X_train - median) > threshold * spread] = np.nan
    fill = SimpleImputer(strategy="median").fit(X_train).statistics_
    return Cleaner(median, spread, threshold, fill)


def prepared_breast_cancer(
    seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2
) -> dict:
    """Chapter 3's pipeline in one call: dirt added, split, cleaned and standardised with training
    statistics.

    Keys: X_train, X_val, X_test (standardised), y_train, y_val, y_test, raw_test (dirty test rows),
    cleaner, mean, std (the training statistics a deployed model must apply to new rows).
    """
    X, y, _ = breast_cancer_arrays()
    dirty = add_missing_and_outliers(X, seed=seed).X
    train, val, test = stratified_split(y, val_fraction, test_fraction, seed)
    cleaner = fit_cleaner(dirty[train])
    cleaned = [cleaner.transform(dirty[rows]) for rows in (train, val, test)]
    Z = standardise_splits(*cleaned)
    mean, std = fit_standardiser(cleaned[0])  # what a deployed model must apply to new rows
    return {
        "X_train": Z[0],
        "X_val": Z[1],
        "X_test": Z[2],
        "y_train": y[train],
        "y_val": y[val],
        "y_test": y[test],
        "raw_test": dirty[test],
        "cleaner": cleaner,
        "mean": mean,
        "std": std,
    }
