"""One dependency list: environment.yml installs pyproject.toml's list, and torch is always
pinned."""

import re
import tomllib

import pytest
import yaml

from utils.ch01.environment import missing_packages, package_versions
from tools.lab import lab_command, lab_environment
from tools.notebook_files import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_pyproject_list_and_nothing_else():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_sections == [["-e .[dev]"]]
    conda_names = {re.split(r"[=<>]", d)[0] for d in env["dependencies"] if isinstance(d, str)}
    assert conda_names <= {"python", "pip", "nodejs"}, "Python packages belong in pyproject.toml"


def test_torch_is_pinned_exactly():
    torch_requirements = [d for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch")]
    assert torch_requirements and all("==" in d for d in torch_requirements)


def test_package_versions_report():
    versions = package_versions(("numpy", "surely-not-a-package"))
    assert versions["numpy"][0].isdigit()
    assert missing_packages(versions) == ["surely-not-a-package"]


def test_lab_binds_to_localhost_and_keeps_its_token_off_the_command_line():
    command = " ".join(lab_command(ROOT, port=8888))
    assert "--ServerApp.ip=127.0.0.1" in command
    assert "token" not in command.lower(), "any local user can read a command line with ps"
    assert lab_environment("a" * 48)["JUPYTER_TOKEN"] == "a" * 48
    with pytest.raises(ValueError, match="32 characters"):
        lab_environment("short")
