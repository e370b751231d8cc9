"""Data augmentation for image batches, done on the batch's own device (no copy to the host)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    max_degrees: float = 10.0,
    max_shift: float = 1.0,
    max_scale: float = 0.0,
) -> torch.Tensor:
    """Rotate each image (n × c × h × w) by up to ±max_degrees, shift by up to ±max_shift pixels and
    scale by up to ±max_scale (a fraction), all drawn from `generator`; bilinear, zeros outside."""
    if images.ndim != 4:
        raise ValueError(
            "random_affine takes a batch of images (n × channels × height × width); got shape "
            f"{tuple(images.shape)}. "
            "Add the channel axis, e.g. images[:, None]."
        )
    n, _, h, w = images.shape
    u = torch.rand(n, 4, generator=generator, device=images.device) * 2 - 1  # uniform in [−1, 1)
    angle = u[:, 0] * math.radians(max_degrees)
    scale = 1 + u[:, 3] * max_scale
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    # affine_grid works in normalised coordinates, where the image spans [−1, 1]: one pixel is 2/w
    # wide.
    tx, ty = u[:, 1] * max_shift * 2 / w, u[:, 2] * max_shift * 2 / h
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
