"""Recommendation on simulated ratings whose latent factors are known: the simulator and its
noise floor, matrix factorisation (biases + factors) in torch, the bias-only baseline, and
precision@k of a ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import ndtr
from torch import nn
from tqdm.auto import tqdm

from utils.i18n import _


@dataclass(frozen=True)
class Ratings:
    """Observed ratings as (user, item, rating) columns, plus the simulator's truth for every user ×
    item pair."""

    users: np.ndarray  # (m,) int64
    items: np.ndarray  # (m,) int64
    ratings: np.ndarray  # (m,) float32, whole stars 1 … 5
    true_scores: np.ndarray  # (n_users × n_items) float64, the noiseless score before rounding
    user_factors: np.ndarray  # (n_users × rank), the hidden tastes
    item_factors: np.ndarray  # (n_items × rank), the hidden qualities
    n_users: int
    n_items: int
    noise: float  # the standard deviation of the Gaussian noise added before rounding


def simulate_ratings(
    n_users: int = 800,
    n_items: int = 300,
    rank: int = 3,
    mean_per_user: float = 25.0,
    noise: float = 0.5,
    seed: int = 0,
) -> Ratings:
    """score(u, i) = 3.6 + b_u + b_i + p_u·q_i; a rating is that score plus N(0, noise²), rounded to
    whole stars in 1 … 5. Users rate a log-normal number of items (many rate a few, a few rate
    many); popular items (a Zipf-like weight) are rated more often. Each user rates distinct
    items."""
    if rank < 1 or n_users < 2 or n_items < 2:
        raise ValueError("need rank ≥ 1 and at least 2 users and 2 items")
    rng = np.random.default_rng(seed)
    P = rng.normal(0.0, 0.9 / np.sqrt(rank), size=(n_users, rank))
    Q = rng.normal(0.0, 0.9 / np.sqrt(rank), size=(n_items, rank))
    scores = 3.6 + rng.normal(0, 0.3, (n_users, 1)) + rng.normal(0, 0.4, (1, n_items)) + P @ Q.T
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.7
    popularity = popularity[rng.permutation(n_items)]
    popularity /= popularity.sum()
    counts = np.clip(
        rng.lognormal(np.log(mean_per_user) - 0.5, 1.0, size=n_users).round(), 1, n_items // 2
    ).astype(int)
    users, items = [], []
    for u, k in enumerate(counts):
        users.append(np.full(k, u))
        items.append(rng.choice(n_items, size=k, replace=False, p=popularity))
    users, items = np.concatenate(users), np.concatenate(items)
    ratings = np.clip(np.rint(scores[users, items] + rng.normal(0, noise, len(users))), 1, 5)
    return Ratings(
        users.astype(np.int64),
        items.astype(np.int64),
        ratings.astype(np.float32),
        scores,
        P,
        Q,
        n_users,
        n_items,
        noise,
    )


def expected_rating(true_scores, noise: float) -> np.ndarray:
    """E[rating | true score] under the simulator: the mean of clip(round(s + N(0, noise²)), 1, 5),
    1 + Σ_{j=1…4} P(s + noise > j + ½). No prediction has a lower expected squared error."""
    s = np.asarray(true_scores, dtype=np.float64)
    if noise <= 0:
        return np.clip(np.rint(s), 1, 5)
    return 1.0 + sum(1.0 - ndtr((j + 0.5 - s) / noise) for j in range(1, 5))


class MatrixFactorisation(nn.Module):
    """r̂(u, i) = μ + b_u + b_i + p_u·q_i, with P (users × rank) and Q (items × rank); rank 0 is the
    bias baseline. P and Q start random, and Adam never moves a row that no training rating looks
    up: `forget_unrated` sets such rows to 0, so a new user's prediction is μ + b_u + b_i, with
    b_u = 0."""

    def __init__(self, n_users: int, n_items: int, rank: int, global_mean: float):
        super().__init__()
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        self.P = nn.Embedding(n_users, rank) if rank else None
        self.Q = nn.Embedding(n_items, rank) if rank else None
        nn.init.zeros_(self.user_bias.weight)
        nn.init.zeros_(self.item_bias.weight)
        if rank:
            nn.init.normal_(self.P.weight, std=0.1)
            nn.init.normal_(self.Q.weight, std=0.1)
        self.register_buffer("global_mean", torch.tensor(float(global_mean)))

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        r = self.global_mean + self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1)
        if self.P is not None:
            r = r + (self.P(users) * self.Q(items)).sum(-1)
        return r

    @torch.no_grad()
    def forget_unrated(self, users, items) -> None:
        """Set to 0 the biases and factor rows of every user and item absent from (users, items),
        the training ratings: they hold only their random starting values."""
        tables = [(self.user_bias, users), (self.item_bias, items)]
        if self.P is not None:
            tables += [(self.P, users), (self.Q, items)]
        for table, seen in tables:
            unrated = torch.ones(table.num_embeddings, dtype=torch.bool, device=table.weight.device)
            unrated[torch.as_tensor(seen, device=table.weight.device)] = False
            table.weight[unrated] = 0.0

    def all_scores(self) -> torch.Tensor:
        """Predicted scores for every user × item pair (n_users × n_items)."""
        r = self.global_mean + self.user_bias.weight + self.item_bias.weight.T
        if self.P is not None:
            r = r + self.P.weight @ self.Q.weight.T
        return r


def fit_matrix_factorisation(
    users,
    items,
    ratings,
    n_users: int,
    n_items: int,
    rank: int,
    *,
    reg: float = 0.05,
    steps: int = 400,
    lr: float = 0.03,
    device="cpu",
    seed: int = 0,
    validation: tuple | None = None,
    progress: bool = True,
    forget_unrated: bool = True,
) -> tuple[MatrixFactorisation, dict]:
    """Full-batch Adam on mean squared error + reg × (mean squared size of the looked-up rows of b,
    P and Q). Returns the model and a history of training (and, given `validation` = (users, items,
    ratings), validation) RMSE. With `forget_unrated` (the default) the rows of users and items
    without a training rating are set to 0 at the end (`MatrixFactorisation.forget_unrated`)."""
    device = torch.device(device)
    torch.manual_seed(seed)
    u = torch.as_tensor(users, device=device)
    i = torch.as_tensor(items, device=device)
    r = torch.as_tensor(ratings, dtype=torch.float32, device=device)
    model = MatrixFactorisation(n_users, n_items, rank, float(r.mean())).to(device)
    if validation is not None:
        vu, vi, vr = (torch.as_tensor(a, device=device) for a in validation)
        vr = vr.float()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history: dict = {"train_rmse": [], "val_rmse": []}
    bar = tqdm(
        range(steps),
        desc=_("MF rank {rank}").format(rank=rank),
        unit="step",
        disable=not progress,
    )
    for _step in bar:
        optimizer.zero_grad(set_to_none=True)
        error = model(u, i) - r
        size = model.user_bias(u).square().mean() + model.item_bias(i).square().mean()
        if model.P is not None:
            size = size + model.P(u).square().sum(-1).mean() + model.Q(i).square().sum(-1).mean()
        (error.square().mean() + reg * size).backward()
        optimizer.step()
        history["train_rmse"].append(error.detach().square().mean().sqrt())
        if validation is not None:
            with torch.no_grad():
                history["val_rmse"].append((model(vu, vi) - vr).square().mean().sqrt())
    history = {k: torch.stack(v).tolist() if v else [] for k, v in history.items()}  # one host sync
    if forget_unrated:
        model.forget_unrated(u, i)
    model.eval()
    return model, history


def rmse(predicted, actual) -> float:
    """Root mean squared error."""
    predicted, actual = (
        np.asarray(predicted, dtype=np.float64),
        np.asarray(actual, dtype=np.float64),
    )
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def precision_at_k(scores, seen, relevant, k: int = 10) -> float:
    """Mean over users (rows) of the share of relevant items among the k highest-scored items the
    user has not already rated. `scores` (users × items) floats, `seen` and `relevant` boolean masks
    of the same shape."""
    scores, seen, relevant = (
        np.asarray(scores, dtype=np.float64),
        np.asarray(seen, bool),
        np.asarray(relevant, bool),
    )
    if not scores.shape == seen.shape == relevant.shape:
        raise ValueError(
            f"scores {scores.shape}, seen {seen.shape} and relevant {relevant.shape} must have one "
            "shape"
        )
    ranked = np.where(seen, -np.inf, scores)
    top = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.take_along_axis(relevant, top, axis=1).sum(axis=1) / k))
