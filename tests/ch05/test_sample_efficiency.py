"""The data comparison of 05c: digits placed at random keep their pixels, the two networks have
about the same number of parameters, a run is seeded and both networks see the same rows, and a
verdict is given only when every seed agrees."""

import numpy as np
import pytest
import torch
from torch import nn

from utils.ch05.sample_efficiency import (
    accuracy_after_training,
    learning_curves,
    paired_verdict,
    placed_at_random,
    small_cnn,
    small_dense,
)
from utils.models import count_parameters


def test_placed_at_random_keeps_every_image_and_moves_them():
    rng = np.random.default_rng(0)
    images = rng.uniform(0.1, 1.0, size=(50, 8, 8))
    framed = placed_at_random(images, 12, np.random.default_rng(1))
    assert framed.shape == (50, 12, 12)
    corners = set()
    for image, frame in zip(images, framed):
        rows, cols = np.nonzero(frame)
        r, c = rows.min(), cols.min()
        assert np.array_equal(frame[r : r + 8, c : c + 8], image)
        assert np.count_nonzero(frame) == 64
        corners.add((r, c))
    assert len(corners) > 10  # positions vary


def test_placed_at_random_refuses_a_frame_too_small():
    with pytest.raises(ValueError, match="cannot hold"):
        placed_at_random(np.zeros((2, 8, 8)), 6, np.random.default_rng(0))


@pytest.mark.parametrize("side", [8, 12, 16])
def test_the_two_networks_have_about_the_same_number_of_parameters(side):
    cnn = small_cnn(side)
    dense = small_dense(side, count_parameters(cnn))
    assert abs(count_parameters(dense) - count_parameters(cnn)) <= side * side + 11
    assert cnn(torch.zeros(3, 1, side, side)).shape == dense(torch.zeros(3, 1, side, side)).shape
    assert cnn(torch.zeros(3, 1, side, side)).shape == (3, 10)


def test_small_cnn_refuses_a_side_that_two_pools_cannot_halve_twice():
    with pytest.raises(ValueError, match="divisible by 4"):
        small_cnn(10)


def _data(n=60, side=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, side, side, generator=generator)
    y = torch.randint(0, 10, (n,), generator=generator)
    return X, y


def test_a_run_is_seeded():
    X, y = _data()
    runs = [
        accuracy_after_training(lambda: small_cnn(8), X, y, X, y, 20, seed=3, steps=5)
        for _ in range(2)
    ]
    assert runs[0] == runs[1] and 0.0 <= runs[0] <= 1.0


def test_every_model_trains_on_the_same_rows_for_a_seed():
    X, y = _data()
    seen = []

    class Recording(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(64, 10)

        def forward(self, x):
            if self.training:
                seen.append(x.clone())
            return self.linear(x.flatten(1))

    learning_curves({"a": Recording, "b": Recording}, X, y, X, y, [15], [7], steps=1)
    assert len(seen) == 2 and torch.equal(seen[0], seen[1]) and len(seen[0]) == 15


def test_learning_curves_shape():
    X, y = _data()
    curves = learning_curves(
        {"cnn": lambda: small_cnn(8), "dense": lambda: small_dense(8, 1898)},
        X,
        y,
        X,
        y,
        [10, 20],
        range(3),
        steps=2,
    )
    assert set(curves) == {"cnn", "dense"} and curves["cnn"].shape == (2, 3)


def test_bad_n_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="between 1 and"):
        accuracy_after_training(lambda: small_cnn(8), X, y, X, y, 0, seed=0)


@pytest.mark.parametrize(
    "a, b, verdict",
    [
        ([0.9, 0.8, 0.7], [0.5, 0.6, 0.69], "CNN ahead"),
        ([0.5, 0.6, 0.6], [0.9, 0.8, 0.7], "dense ahead"),
        ([0.9, 0.5, 0.7], [0.5, 0.6, 0.69], "within the seed spread"),
        ([0.5, 0.6], [0.5, 0.5], "within the seed spread"),  # a tie is no lead
    ],
)
def test_a_verdict_needs_every_seed(a, b, verdict):
    assert paired_verdict(np.array(a), np.array(b), ("CNN", "dense")) == verdict
