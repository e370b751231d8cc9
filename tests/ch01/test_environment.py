"""Chapter 1's environment check: the versions, and the first computation on the device, run here
on the CPU with the dtype an Apple GPU (MPS) gets, since MPS has no float64."""

import inspect

import pytest
import torch

from utils.ch01.environment import first_computation, missing_packages, package_versions
from utils.device import has_float64


def test_versions_name_every_package_and_flag_the_missing():
    versions = package_versions(("torch", "no-such-distribution-here"))
    assert versions["torch"] != "not installed" and "python" in versions
    assert missing_packages(versions) == ["no-such-distribution-here"]


def test_the_device_cell_runs_with_the_dtype_mps_gets():
    mps_dtype = inspect.signature(first_computation).parameters["dtype"].default
    assert mps_dtype == torch.float32 and not has_float64("mps")
    for seed in range(5):
        product = first_computation(torch.device("cpu"), mps_dtype, seed=seed)
        assert product["Z"].dtype == torch.float32 and product["Z"].shape == (3, 2)
        assert 0 < product["difference"] <= product["tolerance"]  # float32 rounding, within bound


def test_float64_is_exact_on_the_cpu_and_refused_on_mps_before_it_runs():
    assert first_computation(torch.device("cpu"), torch.float64)["difference"] == 0.0
    with pytest.raises(ValueError, match="mps has no float64"):
        first_computation(torch.device("mps"), torch.float64)
