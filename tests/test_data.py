import numpy as np

from utils.data import breast_cancer_split, standardise_columns


def test_standardise_columns_gives_zero_mean_unit_std():
    X = np.random.default_rng(0).normal(5, 3, size=(50, 4))
    Z = standardise_columns(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)


def test_breast_cancer_split_is_stratified_and_reproducible():
    a, b = breast_cancer_split(seed=0), breast_cancer_split(seed=0)
    assert a["X_train"].shape == (455, 30) and a["X_test"].shape == (114, 30)
    np.testing.assert_array_equal(a["X_test"], b["X_test"])
    assert abs(a["y_train"].mean() - a["y_test"].mean()) < 0.02


def test_breast_cancer_arrays_is_the_whole_set():
    from utils.data import breast_cancer_arrays

    X, y, names = breast_cancer_arrays()
    assert X.shape == (569, 30) and y.shape == (569,) and len(names) == 30
    assert X.dtype == np.float64 and set(np.unique(y)) == {0.0, 1.0}
