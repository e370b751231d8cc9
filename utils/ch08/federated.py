"""Federated averaging (FedAvg, McMahan et al., 2017) in plain torch: clients train on data that
never leaves them, and a server averages their weights, each weighted by the client's number of
examples."""

from __future__ import annotations

import copy
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from utils.i18n import N_, _


def _check_clients(n_rows: int, n_clients: int) -> None:
    if not isinstance(n_clients, int) or n_clients < 1:
        raise ValueError(f"n_clients must be a positive integer; got {n_clients!r}.")
    if n_clients > n_rows:
        raise ValueError(
            f"{n_clients} clients cannot share {n_rows} rows: every client needs at least one row."
        )


def iid_split(n_rows: int, n_clients: int, seed: int = 0) -> list[np.ndarray]:
    """Row indices for each client: a random permutation cut into near-equal parts (every client
    looks alike)."""
    _check_clients(n_rows, n_clients)
    return [
        np.sort(part)
        for part in np.array_split(np.random.default_rng(seed).permutation(n_rows), n_clients)
    ]


def dirichlet_split(labels, n_clients: int, alpha: float, seed: int = 0) -> list[np.ndarray]:
    """Row indices for each client with label skew: each class's rows are shared out in proportions
    drawn from a Dirichlet(alpha) distribution. Small alpha (0.1–0.5) gives each client a few
    dominant classes; large alpha is close to IID. Every client gets at least one row."""
    labels = np.asarray(labels)
    _check_clients(len(labels), n_clients)
    if not alpha > 0:
        raise ValueError(
            f"alpha must be > 0; got {alpha}. Small values (0.1–0.5) make the clients very "
            "different."
        )
    rng = np.random.default_rng(seed)
    while True:
        parts: list[list[int]] = [[] for _client in range(n_clients)]
        for label in np.unique(labels):
            rows = rng.permutation(np.flatnonzero(labels == label))
            shares = rng.dirichlet(np.full(n_clients, alpha))
            cuts = np.round(np.cumsum(shares)[:-1] * len(rows)).astype(int)
            for client, chunk in enumerate(np.split(rows, cuts)):
                parts[client].extend(chunk.tolist())
        if all(parts):
            return [np.sort(np.array(part, dtype=np.int64)) for part in parts]


def local_training(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
) -> nn.Module:
    """What a client does with the server's model: a few epochs of Adam (fresh each round) on its
    own rows only."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _epoch in range(epochs):
        for rows in torch.randperm(len(X), generator=generator).split(batch_size):
            optimizer.zero_grad()
            F.cross_entropy(model(X[rows]), y[rows]).backward()
            optimizer.step()
    return model


def average_weights(states: Sequence[dict], sizes: Sequence[int]) -> dict:
    """The server's whole job: the mean of the clients' state dicts, weighted by their numbers of
    rows."""
    if len(states) != len(sizes) or not states:
        raise ValueError(
            f"Need one size per state dict; got {len(states)} states and {len(sizes)} sizes."
        )
    if any(s <= 0 for s in sizes):
        raise ValueError(f"Every client must have at least one row; got sizes {list(sizes)}.")
    weights = torch.tensor(sizes, dtype=torch.float64) / float(sum(sizes))
    return {
        key: sum(w.to(states[0][key].dtype) * state[key] for w, state in zip(weights, states))
        for key in states[0]
    }


def fedavg(
    make_model: Callable[[], nn.Module],
    clients: Sequence[tuple[torch.Tensor, torch.Tensor]],
    *,
    rounds: int,
    local_epochs: int = 1,
    batch_size: int = 32,
    lr: float = 3e-3,
    seed: int = 0,
    evaluate: Callable[[nn.Module], float] | None = None,
    progress: bool = True,
    desc: str = N_("FedAvg rounds"),
) -> tuple[nn.Module, list[float]]:
    """Run FedAvg: each round every client trains a copy of the global model on its own (X, y) with
    Adam, sends back its weights, and the global model becomes their weighted average. Returns the
    global model and, per round, `evaluate(global_model)` if given. `desc` labels the progress
    bar."""
    from tqdm.auto import tqdm

    if rounds < 1:
        raise ValueError(f"rounds must be at least 1; got {rounds}.")
    torch.manual_seed(seed)
    global_model = make_model()
    generator = torch.Generator().manual_seed(seed)
    history = []
    for _round in tqdm(range(rounds), desc=_(desc), disable=not progress):
        states, sizes = [], []
        for X, y in clients:  # on a real deployment these run on the clients' own machines
            local = local_training(
                copy.deepcopy(global_model),
                X,
                y,
                epochs=local_epochs,
                batch_size=batch_size,
                lr=lr,
                generator=generator,
            )
            states.append(local.state_dict())
            sizes.append(len(X))
        global_model.load_state_dict(average_weights(states, sizes))
        if evaluate is not None:
            history.append(evaluate(global_model))
    return global_model, history


def input_from_linear_gradient(grad_weight: torch.Tensor, grad_bias: torch.Tensor) -> torch.Tensor:
    """Recover the input x of a first linear layer from ONE example's gradients: dL/dW = δ·xᵀ and
    dL/db = δ, so any row i with δ_i ≠ 0 gives x = dL/dW[i] / dL/db[i]."""
    if grad_weight.ndim != 2 or grad_bias.shape != grad_weight.shape[:1]:
        raise ValueError(
            f"Expected dL/dW (out × in) and dL/db (out,); got {tuple(grad_weight.shape)} and "
            f"{tuple(grad_bias.shape)}."
        )
    row = int(grad_bias.abs().argmax())
    if grad_bias[row] == 0:
        raise ValueError(
            "Every bias gradient is zero: this gradient carries no information about the input."
        )
    return grad_weight[row] / grad_bias[row]
