"""What is installed, and on which device the course will run: chapter 1's environment check."""

from __future__ import annotations

import platform
from importlib import metadata

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
