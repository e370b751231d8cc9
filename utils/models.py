"""The networks chapter 5 trains: the guide's Keras MLP ported to torch, and a small CNN for 8×8
digits."""

from __future__ import annotations

import torch
from torch import nn


def keras_init_(module: nn.Module) -> nn.Module:
    """Initialise like Keras' defaults: Glorot-uniform weights and zero biases (torch's defaults
    differ)."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return module


def guide_mlp(n_features: int, hidden: tuple[int, ...] = (64, 32)) -> nn.Sequential:
    """Dense 64 ReLU → Dense 32 ReLU → Dense 1, Keras-initialised. It returns the LOGIT z;
    ŷ = sigmoid(z) is applied by the loss (BCE with logits) and by `predict_proba`."""
    layers: list[nn.Module] = []
    width = n_features
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, 1))
    return keras_init_(nn.Sequential(*layers))


def digits_cnn(width: int = 16, n_classes: int = 10) -> nn.Sequential:
    """A small CNN for 1×8×8 images: 3×3 convolutions of width, 2·width and 2·width channels with
    ReLU, two 2×2 max-pools (8×8 → 2×2), then a linear layer to the class logits."""
    return nn.Sequential(
        nn.Conv2d(1, width, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8×8 → 4×4
        nn.Conv2d(2 * width, 2 * width, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 4×4 → 2×2
        nn.Flatten(),
        nn.Linear(2 * width * 2 * 2, n_classes),
    )


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars in `model`."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def predict_proba(model: nn.Module, X: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """Class probabilities in eval mode, on X's device: sigmoid for one output, softmax for
    several."""
    was_training = model.training
    model.eval()
    outputs = torch.cat(
        [model(X[i : i + batch_size]).float() for i in range(0, len(X), batch_size)]
    )
    model.train(was_training)
    return (
        torch.sigmoid(outputs).squeeze(1)
        if outputs.shape[1] == 1
        else torch.softmax(outputs, dim=1)
    )
