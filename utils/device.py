"""The one place where the course chooses its compute device: CUDA, then MPS, then CPU."""

from __future__ import annotations

import os

import torch


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, else Apple's MPS, else CPU. `prefer` or COURSE_DEVICE=cpu|cuda|mps
    overrides."""
    choice = (prefer or os.environ.get("COURSE_DEVICE") or "").strip().lower()
    if choice:
        if choice == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("COURSE_DEVICE=cuda was asked for, but torch sees no CUDA GPU here.")
        if choice == "mps" and not _mps_available():
            raise RuntimeError("COURSE_DEVICE=mps was asked for, but MPS is not available here.")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def has_float64(device: torch.device | str) -> bool:
    """Whether `device` computes in float64. Apple's MPS backend has no float64; CUDA and the CPU
    do. Code that must run on every device computes in float32 there."""
    return torch.device(device).type != "mps"


def describe(device: torch.device) -> str:
    """One line naming the device, e.g. 'cuda (NVIDIA H200, 139.8 GiB)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"cuda ({props.name}, {props.total_memory / 2**30:.1f} GiB)"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({torch.get_num_threads()} threads)"
