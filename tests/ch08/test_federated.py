"""FedAvg's pieces: client splits (IID and Dirichlet label skew), the server's weighted average,
one-client FedAvg equal to local training, and an input recovered exactly from one example's
gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from utils.ch08 import federated
from utils.models import guide_mlp


def _is_partition(parts, n):
    joined = np.concatenate(parts)
    return len(joined) == n and np.array_equal(np.sort(joined), np.arange(n))


def test_splits_partition_the_rows():
    labels = np.repeat(np.arange(10), 30)
    iid = federated.iid_split(len(labels), 7, seed=0)
    assert _is_partition(iid, len(labels)) and max(map(len, iid)) - min(map(len, iid)) <= 1
    skewed = federated.dirichlet_split(labels, 7, alpha=0.2, seed=0)
    assert _is_partition(skewed, len(labels)) and all(len(p) for p in skewed)
    near_iid = federated.dirichlet_split(labels, 7, alpha=1000.0, seed=0)

    def classes_for_half(parts):  # how many classes make up half of each client's rows, on average
        out = []
        for rows in parts:
            counts = np.sort(np.bincount(labels[rows], minlength=10))[::-1]
            out.append(np.searchsorted(np.cumsum(counts), len(rows) / 2) + 1)
        return np.mean(out)

    assert classes_for_half(skewed) < classes_for_half(near_iid)


@pytest.mark.parametrize(
    "call, phrase",
    [
        (lambda: federated.iid_split(5, 6), "cannot share"),
        (lambda: federated.iid_split(5, 0), "positive integer"),
        (lambda: federated.dirichlet_split(np.zeros(20), 3, alpha=0.0), "alpha must be > 0"),
    ],
)
def test_bad_splits_are_refused(call, phrase):
    with pytest.raises(ValueError, match=phrase):
        call()


def test_average_weights_is_the_weighted_mean():
    a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor(0.0)}
    b = {"w": torch.tensor([3.0, 6.0]), "b": torch.tensor(4.0)}
    mean = federated.average_weights([a, b], [1, 3])
    assert torch.allclose(mean["w"], torch.tensor([2.5, 5.0])) and torch.isclose(
        mean["b"], torch.tensor(3.0)
    )
    with pytest.raises(ValueError, match="one size per state"):
        federated.average_weights([a, b], [1])
    with pytest.raises(ValueError, match="at least one row"):
        federated.average_weights([a, b], [0, 3])


def test_fedavg_with_one_client_is_local_training():
    generator = torch.Generator().manual_seed(1)
    X, y = torch.randn(40, 6, generator=generator), torch.randint(0, 3, (40,), generator=generator)
    make = lambda: torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    )
    fed, history = federated.fedavg(
        make,
        [(X, y)],
        rounds=1,
        local_epochs=2,
        batch_size=8,
        lr=1e-2,
        seed=3,
        evaluate=lambda m: 0.5,
        progress=False,
    )
    torch.manual_seed(3)
    alone = federated.local_training(
        make(), X, y, epochs=2, batch_size=8, lr=1e-2, generator=torch.Generator().manual_seed(3)
    )
    assert history == [0.5]
    assert all(
        torch.equal(p, q) for p, q in zip(fed.state_dict().values(), alone.state_dict().values())
    )
    with pytest.raises(ValueError, match="rounds"):
        federated.fedavg(make, [(X, y)], rounds=0)


def test_one_gradient_gives_the_input_back():
    torch.manual_seed(0)
    model = guide_mlp(30)
    x = torch.randn(1, 30)
    F.binary_cross_entropy_with_logits(model(x), torch.ones(1, 1)).backward()
    recovered = federated.input_from_linear_gradient(model[0].weight.grad, model[0].bias.grad)
    assert torch.allclose(recovered, x[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="no information"):
        federated.input_from_linear_gradient(torch.zeros(4, 3), torch.zeros(4))
    with pytest.raises(ValueError, match="Expected"):
        federated.input_from_linear_gradient(torch.zeros(4, 3), torch.zeros(3))


def test_fedavg_labels_its_progress_bar(capsys):
    generator = torch.Generator().manual_seed(1)
    X, y = torch.randn(8, 6, generator=generator), torch.randint(0, 3, (8,), generator=generator)
    make = lambda: torch.nn.Linear(6, 3)
    federated.fedavg(make, [(X, y)], rounds=1, batch_size=8, desc="FedAvg, IID clients")
    assert "FedAvg, IID clients" in capsys.readouterr().err
