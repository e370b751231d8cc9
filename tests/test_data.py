"""The bundled data sets, the stratified split, and the course's one standardisation (training
statistics only)."""

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from utils.data import (
    breast_cancer_arrays,
    breast_cancer_split,
    fit_standardiser,
    standardise_columns,
    standardise_splits,
)


def test_standardise_splits_uses_training_statistics_only_and_agrees_with_scikit_learn():
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(3, 2, (20, 4)), rng.normal(size=(5, 4)), rng.normal(size=(6, 4))
    scaler = StandardScaler().fit(a)
    for got, X in zip(standardise_splits(a, b, c), (a, b, c)):
        np.testing.assert_allclose(got, scaler.transform(X), rtol=1e-12)
    np.testing.assert_array_equal(
        standardise_splits(a, b, c)[0], standardise_splits(a, b * 100, c - 7)[0]
    )
    assert len(standardise_splits(a)) == 1 and len(standardise_splits(a, b)) == 2
    mean, std = fit_standardiser(a)
    np.testing.assert_allclose(mean, a.mean(axis=0))
    np.testing.assert_allclose(std, a.std(axis=0))


def test_standardise_columns_is_the_same_standardisation_with_its_own_statistics():
    X = np.random.default_rng(0).normal(5, 3, size=(50, 4))
    Z = standardise_columns(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_array_equal(Z, standardise_splits(X)[0])


def test_bad_input_to_the_standardisation_says_what_to_fix():
    with pytest.raises(ValueError, match="clean the missing values"):
        standardise_splits(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="rows × columns"):
        standardise_splits(np.arange(4.0))
    constant = standardise_splits(np.array([[1.0, 2.0], [1.0, 4.0]]))[0]
    assert np.array_equal(constant[:, 0], [0.0, 0.0])  # a constant column maps to 0, not NaN


def test_breast_cancer_split_is_stratified_and_reproducible():
    a, b = breast_cancer_split(seed=0), breast_cancer_split(seed=0)
    assert a["X_train"].shape == (455, 30) and a["X_test"].shape == (114, 30)
    np.testing.assert_array_equal(a["X_test"], b["X_test"])
    assert abs(a["y_train"].mean() - a["y_test"].mean()) < 0.02


def test_breast_cancer_arrays_is_the_whole_set():
    X, y, names = breast_cancer_arrays()
    assert X.shape == (569, 30) and y.shape == (569,) and len(names) == 30
    assert X.dtype == np.float64 and set(np.unique(y)) == {0.0, 1.0}
