import numpy as np
from utils.data import breast_cancer_arrays
from utils.ch03.preprocessing import (
    add_missing_and_outliers,
    fit_cleaner,
    prepared_breast_cancer,
    stratified_split,
)


def test_dirt_is_seeded_documented_and_disjoint():
    X = np.arange(1.0, 1001.0).reshape(100, 10)
    a, b = (
        add_missing_and_outliers(X, 0.05, 0.02, 10.0, seed=3),
        add_missing_and_outliers(X, 0.05, 0.02, 10.0, seed=3),
    )
    np.testing.assert_array_equal(a.missing, b.missing)
    assert a.missing.sum() == 50 and a.outliers.sum() == 20 and not (a.missing & a.outliers).any()
    assert np.isnan(a.X[a.missing]).all()
    np.testing.assert_array_equal(a.X[a.outliers], 10 * X[a.outliers])
    untouched = ~(a.missing | a.outliers)
    np.testing.assert_array_equal(a.X[untouched], X[untouched])
    assert not np.isnan(X).any()  # the input is not modified


def test_stratified_split_is_a_stratified_partition():
    y = np.r_[np.zeros(70), np.ones(30)]
    train, val, test = stratified_split(y, 0.2, 0.2, seed=0)
    assert (len(train), len(val), len(test)) == (60, 20, 20)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), np.arange(100))
    for part in (train, val, test):
        assert abs(y[part].mean() - 0.3) <= 1 / len(part)


def test_cleaner_fills_gaps_and_outliers_from_training_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 1.0, size=(200, 3))
    cleaner = fit_cleaner(X_train, threshold=8.0)
    np.testing.assert_allclose(cleaner.median, np.median(X_train, axis=0))
    new = np.array([[np.nan, 5.0, 500.0], [5.5, 4.0, 6.0]])
    cleaned = cleaner.transform(new)
    assert not np.isnan(cleaned).any()
    assert cleaned[0, 0] == cleaner.fill[0] and cleaned[0, 2] == cleaner.fill[2]
    np.testing.assert_array_equal(cleaned[1], new[1])
    assert np.isnan(new[0, 0])  # transform does not edit its input


def test_cleaner_catches_most_injected_outliers_in_the_biopsy_data():
    X, _, _ = breast_cancer_arrays()
    dirt = add_missing_and_outliers(X, seed=0)
    flagged = fit_cleaner(dirt.X).outlier_mask(dirt.X)
    assert (flagged & dirt.outliers).sum() >= 0.9 * dirt.outliers.sum()
    assert (flagged & ~dirt.outliers).sum() < 0.005 * X.size


def test_prepared_breast_cancer_is_reproducible_and_clean():
    d1, d2 = prepared_breast_cancer(seed=0), prepared_breast_cancer(seed=0)
    assert (
        d1["X_train"].shape == (341, 30)
        and d1["X_val"].shape == (114, 30)
        and d1["X_test"].shape == (114, 30)
    )
    np.testing.assert_array_equal(d1["X_test"], d2["X_test"])
    assert not np.isnan(d1["X_train"]).any()
    np.testing.assert_allclose(d1["X_train"].mean(axis=0), 0, atol=1e-12)
    assert np.isnan(d1["raw_test"]).any()
    cleaned_test = d1["cleaner"].transform(
        d1["raw_test"]
    )  # what a deployed model does with the saved statistics
    np.testing.assert_allclose((cleaned_test - d1["mean"]) / d1["std"], d1["X_test"], rtol=1e-12)
