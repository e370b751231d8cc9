import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from torch import nn

from utils.ch03.init_study import SCHEMES, activation_stds, init_linear_, plot_activation_stds


def test_bad_scales_vanish_or_explode_and_he_is_stable_for_relu():
    assert activation_stds("normal 0.01", "relu")[-1] < 1e-10
    assert activation_stds("normal 1", "relu")[-1] > 1e10
    he = activation_stds("he", "relu")
    assert 0.3 < he.min() and he.max() < 3


def test_xavier_with_tanh_gain_is_stable_for_tanh():
    stds = activation_stds("xavier", "tanh")
    assert 0.3 < stds.min() and stds.max() < 1


def test_reproducible():
    np.testing.assert_array_equal(
        activation_stds("he", depth=3, seed=4), activation_stds("he", depth=3, seed=4)
    )


def test_init_variances():
    layer = nn.Linear(400, 400)
    init_linear_(layer, "he", "relu")
    assert abs(layer.weight.std().item() - np.sqrt(2 / 400)) < 0.003 and layer.bias.abs().max() == 0
    init_linear_(layer, "xavier gain 1", "relu")
    assert abs(layer.weight.std().item() - np.sqrt(2 / 800)) < 0.003
    with pytest.raises(ValueError):
        init_linear_(layer, "zeros", "relu")
    assert len(SCHEMES) == 5


def test_plot_draws_one_line_per_scheme():
    fig, ax = plt.subplots()
    plot_activation_stds(ax, {"a": np.ones(4), "b": np.zeros(4)}, "t")
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log" and ax.get_title() == "t"
    plt.close(fig)


def test_the_batch_and_the_weights_are_drawn_independently():
    """He initialisation keeps E[A²] ≈ 1 after a ReLU, so the std after layer 1 is
    √(2·(1/2 − 1/(2π))) ≈ 0.826 for a batch independent of the weights (1.28 when both were drawn
    from one seed)."""
    predicted = np.sqrt(2 * (0.5 - 1 / (2 * np.pi)))
    for seed in range(3):
        assert abs(activation_stds("he", depth=1, seed=seed)[0] - predicted) < 0.02
