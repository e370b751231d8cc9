"""Robustness of an image classifier to lighting: a dimmer or noisier camera (the shift), the same
changes drawn at random during training (photometric augmentation), and per-image standardisation
(the invariance built in)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

STANDARDISE_EPS = 1e-3


def standardise_images(x: torch.Tensor, eps: float = STANDARDISE_EPS) -> torch.Tensor:
    """Each image (n × c × h × w) minus its own mean, divided by its own standard deviation +
    eps."""
    if x.ndim != 4:
        raise ValueError(f"expected a batch of images (n × c × h × w), got shape {tuple(x.shape)}")
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    std = x.std(dim=(1, 2, 3), keepdim=True, correction=0)
    return (x - mean) / (std + eps)


class Lambda(nn.Module):
    """A function of the input as a layer (so a learner's function can sit inside nn.Sequential)."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def face_cnn(
    width: int = 16, standardise: Callable | None = None, bias: bool = True
) -> nn.Sequential:
    """Three 3×3 convolutions (width, 2·width, 2·width channels) with ReLU, two 2×2 max-pools,
    global average pooling and one logit; `standardise`, if given, is applied to each input image
    first. With `bias=False` no layer has a bias, and the logit of g·x (g > 0) is g times that of
    x."""
    front = [Lambda(standardise)] if standardise is not None else []
    return nn.Sequential(
        *front,
        nn.Conv2d(1, width, 3, padding=1, bias=bias),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1, bias=bias),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 2 * width, 3, padding=1, bias=bias),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(2 * width, 1, bias=bias),
    )


def equalise_brightness(images: np.ndarray, target: float) -> np.ndarray:
    """Each image (n × c × h × w) times the gain that brings its mean pixel to `target`, clipped to
    [0, 1]: an automatic exposure, which takes mean brightness away as a clue to the class."""
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    return np.clip(images * (target / np.maximum(mean, 1e-6)), 0.0, 1.0).astype(images.dtype)


def lighting_shift(
    images: torch.Tensor,
    gain: float | torch.Tensor = 1.0,
    noise_std: float | torch.Tensor = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """What a camera in other light records: pixels × gain (exposure), plus Gaussian sensor noise,
    clipped to [0, 1]."""
    noise = torch.randn(images.shape, generator=generator, device=images.device, dtype=images.dtype)
    return (images * gain + noise_std * noise).clamp(0.0, 1.0)


def photometric_augment(
    images: torch.Tensor, generator: torch.Generator, gain_range=(0.2, 1.5), max_noise: float = 0.1
) -> torch.Tensor:
    """A random lighting shift per image (gain uniform in `gain_range`, noise std uniform in [0,
    max_noise]), and a random horizontal flip (a mirrored face is still a face)."""
    n = len(images)
    u = torch.rand(n, 3, generator=generator, device=images.device)
    gain = (gain_range[0] + u[:, 0] * (gain_range[1] - gain_range[0])).view(n, 1, 1, 1)
    shifted = lighting_shift(images, gain, (u[:, 1] * max_noise).view(n, 1, 1, 1), generator)
    return torch.where((u[:, 2] < 0.5).view(n, 1, 1, 1), shifted.flip(3), shifted)
