"""The layout's rules are enforced, not only written down: import-linter's contracts in
pyproject.toml break when a chapter imports a later one or the check engine imports a chapter, and
every chapter package holds one checks file per notebook that has exercises."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports_on_a_copy(tmp_path: Path, module: str, line: str) -> subprocess.CompletedProcess:
    """lint-imports over a copy of utils/ and tools/ where `module` gained `line`."""
    for package in ("utils", "tools"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold_today(tmp_path):
    result = _lint_imports_on_a_copy(tmp_path, "utils/ch01/__init__.py", "")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "module, line, contract",
    [
        (
            "utils/ch01/environment.py",
            "import utils.ch02.gpt",
            "A later chapter may import an earlier one",
        ),
        (
            "utils/checks/runner.py",
            "import utils.ch05.checkpoint",
            "The check engine and the shared modules",
        ),
        (
            "utils/training.py",
            "import utils.ch03.preprocessing",
            "The check engine and the shared modules",
        ),
        ("utils/ch04/backprop.py", "import tools.lab", "never imports the course's tooling"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    result = _lint_imports_on_a_copy(tmp_path, module, line)
    assert result.returncode != 0
    assert re.search(re.escape(contract) + r".*BROKEN", result.stdout), result.stdout


def test_each_notebook_with_exercises_has_its_own_checks_file():
    for notebook in sorted((ROOT / "solutions").glob("*.md")):
        code = notebook.stem.split("_")[0]
        uses_checks = re.search(rf"\bchecks_{code}\.check_\w+\(", notebook.read_text())
        if "{exercise}" in notebook.read_text():
            assert uses_checks, (
                f"{notebook.name} states exercises but calls no checks_{code}.check_*"
            )
            assert (ROOT / "utils" / f"ch{code[:2]}" / f"checks_{code}.py").is_file()
