"""Differentially private training: per-example gradient clipping (the step DP-SGD adds to SGD),
DP-SGD with Opacus, which clips and adds Gaussian noise, the privacy account (ε at a chosen δ, by
Opacus' RDP and PRV accountants), and feature scaling by ranges fixed before training."""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

NORM_EPSILON = 1e-6  # added to each example's norm before dividing, as Opacus does

# An upper bound for each of the 30 Breast Cancer Wisconsin features (all are ≥ 0), fixed before
# training: the power of ten above the largest value in scikit-learn's description of the data
# set, in its column order (mean, error and worst of radius, texture, perimeter, area, smoothness,
# compactness, concavity, concave points, symmetry, fractal dimension). Scaling by them looks at
# no training record, so no privacy accountant has to cover it.
CANCER_UPPER_BOUNDS = 10.0 ** np.array(
    [2, 2, 3, 4, 0, 0, 0, 0, 0, -1]  # mean
    + [1, 1, 2, 3, -1, 0, 0, -1, -1, -1]  # error
    + [2, 2, 3, 4, 0, 1, 1, 0, 0, 0],  # worst
    dtype=np.float64,
)


def scale_to_fixed_ranges(X, upper=CANCER_UPPER_BOUNDS) -> np.ndarray:
    """Each column of X divided by its fixed upper bound and clipped to [0, 1]: a scaling that uses
    no statistic of the rows it is applied to."""
    X, upper = np.asarray(X, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != upper.shape[0]:
        raise ValueError(
            f"Expected X with {upper.shape[0]} columns (one bound each); got shape {X.shape}."
        )
    if not (upper > 0).all():
        raise ValueError("Every upper bound must be greater than 0.")
    return np.clip(X / upper, 0.0, 1.0)


def check_max_norm(max_norm: float) -> None:
    """Raise a ValueError unless the clipping norm C is a finite number > 0."""
    if not isinstance(max_norm, (int, float)) or not math.isfinite(max_norm) or max_norm <= 0:
        raise ValueError(
            f"The clipping norm must be a finite number greater than 0; got {max_norm!r}. It "
            "bounds how far one "
            "example can move the model, so 0 would erase every gradient. Try a value near 1."
        )


def per_example_norms(grad_samples: Sequence[torch.Tensor]) -> torch.Tensor:
    """The L2 norm of each example's whole gradient, over all parameters: a vector of B numbers."""
    if not grad_samples:
        raise ValueError(
            "grad_samples is empty: pass one (B × parameter shape) tensor per parameter."
        )
    batch = {len(g) for g in grad_samples}
    if len(batch) != 1:
        raise ValueError(
            "Every per-example gradient needs the same batch size B along axis 0; got "
            f"{sorted(batch)}."
        )
    return torch.stack([g.reshape(len(g), -1).norm(dim=1) for g in grad_samples], dim=1).norm(dim=1)


def clip_and_sum(grad_samples: Sequence[torch.Tensor], max_norm: float) -> list[torch.Tensor]:
    """Scale each example's gradient (all parameters together) to L2 norm at most `max_norm`, then
    sum over the examples. `grad_samples` holds one (B × parameter shape) tensor per parameter;
    returns one sum per parameter."""
    check_max_norm(max_norm)
    factor = (max_norm / (per_example_norms(grad_samples) + NORM_EPSILON)).clamp(max=1.0)
    return [torch.tensordot(factor.to(g.dtype), g, dims=1) for g in grad_samples]


def _loader(X: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int) -> DataLoader:
    return DataLoader(
        TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )


def _epochs(model, optimizer, loader, epochs):
    for _ in range(epochs):
        for xb, yb in loader:
            if len(xb) == 0:  # Poisson sampling can draw an empty batch
                continue
            optimizer.zero_grad()
            F.binary_cross_entropy_with_logits(model(xb), yb).backward()
            optimizer.step()


def train_sgd(
    model: nn.Module, X, y, *, epochs: int, batch_size: int, lr: float, seed: int = 0
) -> nn.Module:
    """Non-private baseline: plain SGD on shuffled mini-batches, binary cross-entropy on logits."""
    _epochs(
        model, torch.optim.SGD(model.parameters(), lr=lr), _loader(X, y, batch_size, seed), epochs
    )
    return model


class PrivateRun(NamedTuple):
    """What Opacus did in one DP-SGD run: the noise multiplier σ, the sampling rate q it used, the
    number of noisy steps the accountant counted, and the expected batch size it divided by."""

    noise_multiplier: float
    sample_rate: float
    steps: int
    expected_batch_size: int


def epsilon(run: PrivateRun, delta: float, accountant: str = "prv") -> float:
    """The ε that `run` spent at `delta`, by Opacus' "prv" (its default) or "rdp" accountant; ∞
    without noise. RDP's remark that its best order is the largest it tried (so its ε could be a
    little tighter) is silenced."""
    from opacus.accountants import PRVAccountant, RDPAccountant

    accountants = {"prv": PRVAccountant, "rdp": RDPAccountant}
    if accountant not in accountants:
        raise ValueError(f"accountant must be one of {sorted(accountants)}; got {accountant!r}.")
    if not 0 < delta < 1:
        raise ValueError(f"δ must lie strictly between 0 and 1; got {delta}.")
    if run.noise_multiplier == 0:
        return math.inf
    account = accountants[accountant]()
    account.history = [(run.noise_multiplier, run.sample_rate, run.steps)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        return float(account.get_epsilon(delta))


def make_private(
    model: nn.Module,
    X,
    y,
    *,
    noise_multiplier: float,
    max_grad_norm: float,
    batch_size: int,
    lr: float,
    seed: int = 0,
    secure_mode: bool = False,
):
    """Opacus' DP-SGD set-up for SGD on (X, y): returns (engine, wrapped model, DP optimiser,
    Poisson data loader). Opacus' warnings about the non-cryptographic noise generator
    (secure_mode=False) are silenced here."""
    from opacus import PrivacyEngine

    check_max_norm(max_grad_norm)
    if noise_multiplier < 0:
        raise ValueError(f"The noise multiplier σ must be ≥ 0; got {noise_multiplier}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine = PrivacyEngine(secure_mode=secure_mode)  # its default accountant, PRV
        private_model, optimizer, loader = engine.make_private(
            module=model,
            optimizer=torch.optim.SGD(model.parameters(), lr=lr),
            data_loader=_loader(X, y, batch_size, seed),
            noise_multiplier=noise_multiplier,
            max_grad_norm=max_grad_norm,
            noise_generator=None if secure_mode else torch.Generator().manual_seed(seed),
        )
    return engine, private_model, optimizer, loader


def train_private(
    model: nn.Module,
    X,
    y,
    *,
    noise_multiplier: float,
    max_grad_norm: float,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
) -> tuple[nn.Module, PrivateRun]:
    """DP-SGD with Opacus (Poisson-sampled batches, per-example clipping to `max_grad_norm`,
    Gaussian noise of std noise_multiplier·max_grad_norm on the sum). Opacus sets the sampling rate
    to 1 / (batches per epoch of a loader with `batch_size`), which is batch_size / n only when
    batch_size divides n. Returns the trained model (hooks removed) and what Opacus used
    (`PrivateRun`), for `epsilon`."""
    engine, private_model, optimizer, loader = make_private(
        model,
        X,
        y,
        noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # "full backward hook ... no inputs require gradients": expected here
        _epochs(private_model, optimizer, loader, epochs)
    private_model.remove_hooks()
    ((sigma, sample_rate, steps),) = engine.accountant.history
    run = PrivateRun(
        float(sigma), float(sample_rate), int(steps), int(optimizer.expected_batch_size)
    )
    return model, run
