"""What is installed, and on which device the course will run: chapter 1's environment check."""

from __future__ import annotations

import platform
from importlib import metadata

import torch

from utils.device import has_float64

PACKAGES = (
    "torch",
    "numpy",
    "matplotlib",
    "ipywidgets",
    "scikit-learn",
    "jupyterlab",
    "jupytext",
    "nbval",
)


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each distribution, or 'not installed'."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def missing_packages(versions: dict[str, str]) -> list[str]:
    return [name for name, version in versions.items() if version == "not installed"]


def first_computation(device: torch.device, dtype: torch.dtype = torch.float32, seed: int = 0):
    """Z = W·A on `device` in `dtype`, against the same product in float64 on the CPU.

    float32 is the default because every device has it (MPS has no float64). Returns Z (on the
    device), the largest difference from float64, and the tolerance it must meet: 1e-5 of the
    largest |W|·|A| entry, as float32 keeps about 7 significant digits.
    """
    if dtype == torch.float64 and not has_float64(device):
        raise ValueError(
            f"{torch.device(device).type} has no float64; compute in float32 on it and compare "
            "with float64 on the CPU."
        )
    generator = torch.Generator().manual_seed(seed)
    W = torch.randn(3, 4, dtype=torch.float64, generator=generator)
    A = torch.randn(4, 2, dtype=torch.float64, generator=generator)
    Z = W.to(device=device, dtype=dtype) @ A.to(device=device, dtype=dtype)
    difference = float((Z.cpu().double() - W @ A).abs().max())
    tolerance = 1e-5 * float((W.abs() @ A.abs()).max())
    return {"Z": Z, "difference": difference, "tolerance": tolerance}
