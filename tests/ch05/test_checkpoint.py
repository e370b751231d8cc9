"""Checkpoints hold state dicts only, load with weights_only=True, and restore training exactly."""

import torch

from utils.ch05.checkpoint import load_checkpoint, save_checkpoint
from utils.models import guide_mlp
from utils.training import make_optimizer


def test_round_trip_restores_model_optimizer_and_epoch(tmp_path):
    torch.manual_seed(0)
    model = guide_mlp(6)
    optimizer = make_optimizer(model, 1e-2)
    X, y = torch.randn(10, 6), torch.ones(10, 1)
    for _ in range(2):
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(X), y).backward()
        optimizer.step()
    path = tmp_path / "c.pt"
    save_checkpoint(path, model, optimizer, epoch=2)
    assert set(torch.load(path, weights_only=True)) == {"model", "optimizer", "epoch"}

    torch.manual_seed(1)
    other = guide_mlp(6)
    other_optimizer = make_optimizer(other, 1e-2)
    assert load_checkpoint(path, other, other_optimizer) == 2
    assert torch.equal(model(X), other(X))
    assert other_optimizer.state_dict()["state"][0]["step"] == 2
