"""The ratings simulator, matrix factorisation against its baselines, and precision@k."""

import numpy as np
import pytest
import torch

from utils.ch06.recommendation import (
    expected_rating,
    MatrixFactorisation,
    fit_matrix_factorisation,
    precision_at_k,
    rmse,
    simulate_ratings,
)


def test_simulated_ratings_are_whole_stars_distinct_per_user_and_seeded():
    data = simulate_ratings(n_users=60, n_items=40, seed=3)
    again = simulate_ratings(n_users=60, n_items=40, seed=3)
    np.testing.assert_array_equal(data.ratings, again.ratings)
    assert set(np.unique(data.ratings)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    pairs = set(zip(data.users.tolist(), data.items.tolist()))
    assert len(pairs) == len(data.ratings)
    assert data.true_scores.shape == (60, 40) and data.user_factors.shape == (60, 3)


def test_simulator_rejects_a_rank_of_zero():
    with pytest.raises(ValueError, match="rank"):
        simulate_ratings(rank=0)


def test_rank_zero_is_the_bias_model_and_new_users_fall_back_to_item_bias():
    model = MatrixFactorisation(3, 4, rank=0, global_mean=3.0)
    with torch.no_grad():
        model.item_bias.weight[:] = torch.tensor([[0.5], [0.0], [-0.5], [1.0]])
    torch.testing.assert_close(model(torch.tensor([2]), torch.tensor([3])), torch.tensor([4.0]))
    assert model.all_scores().shape == (3, 4)


def test_matrix_factorisation_beats_the_bias_model_which_beats_the_global_mean():
    data = simulate_ratings(n_users=300, n_items=120, seed=0)
    rng = np.random.default_rng(0)
    test = rng.random(len(data.ratings)) < 0.2
    fit = ~test
    args = (data.users[fit], data.items[fit], data.ratings[fit], data.n_users, data.n_items)
    bias, _ = fit_matrix_factorisation(*args, rank=0, steps=150, progress=False)
    mf, history = fit_matrix_factorisation(
        *args,
        rank=3,
        reg=0.1,
        steps=150,
        progress=False,
        validation=(data.users[test], data.items[test], data.ratings[test]),
    )
    u, i, r = data.users[test], data.items[test], data.ratings[test]
    with torch.no_grad():
        errors = [
            rmse(np.full(len(r), data.ratings[fit].mean()), r),
            rmse(bias(torch.tensor(u), torch.tensor(i)), r),
            rmse(mf(torch.tensor(u), torch.tensor(i)), r),
        ]
    assert errors[0] > errors[1] > errors[2]
    assert len(history["val_rmse"]) == 150 and history["train_rmse"][-1] < history["train_rmse"][0]


def test_precision_at_k_skips_seen_items_and_averages_over_users():
    scores = np.array([[0.9, 0.8, 0.1, 0.5], [0.1, 0.2, 0.3, 0.4]])
    seen = np.array([[True, False, False, False], [False, False, False, False]])
    relevant = np.array([[True, True, False, False], [False, False, False, True]])
    # user 0: top 2 unseen are items 1 and 3 → 1 hit; user 1: items 3 and 2 → 1 hit
    assert precision_at_k(scores, seen, relevant, k=2) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="one shape"):
        precision_at_k(scores, seen[:1], relevant, k=2)


def test_rmse():
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))


def test_expected_rating_is_the_mean_of_the_rounded_clipped_noisy_score():
    rng = np.random.default_rng(0)
    scores = np.array([0.3, 1.2, 2.5, 3.74, 4.9, 6.0])
    draws = np.clip(np.rint(scores + rng.normal(0, 0.5, (400_000, 1))), 1, 5)
    np.testing.assert_allclose(expected_rating(scores, 0.5), draws.mean(axis=0), atol=3e-3)
    np.testing.assert_array_equal(expected_rating(scores, 0.0), np.clip(np.rint(scores), 1, 5))


def test_users_without_training_ratings_get_zero_vectors():
    """Adam never moves a row that no rating looks up, so it keeps its random start unless it is
    forgotten: then a new user's prediction is μ + b_i."""
    users, items, ratings = np.array([0, 0, 1]), np.array([0, 1, 1]), np.array([4.0, 2.0, 5.0])
    kept, _ = fit_matrix_factorisation(
        users, items, ratings, 3, 3, rank=2, steps=20, progress=False, forget_unrated=False
    )
    assert kept.P.weight[2].abs().sum() > 0  # user 2 never rated: its random start is still there
    model, _ = fit_matrix_factorisation(
        users, items, ratings, 3, 3, rank=2, steps=20, progress=False
    )
    assert torch.all(model.P.weight[2] == 0) and torch.all(model.Q.weight[2] == 0)
    assert model.user_bias.weight[2].item() == 0 and model.item_bias.weight[2].item() == 0
    with torch.no_grad():
        scores = model.all_scores()
    torch.testing.assert_close(scores[2], model.global_mean + model.item_bias.weight[:, 0])
