"""One command for a machine with an NVIDIA GPU: run every notebook whose work grows on CUDA, and the classifier
benchmark, on the GPU.

    python benchmarks/gpu_check.py            # solution notebooks (strict checks); a few minutes on a GPU. On a
                                              # machine without CUDA it says so and runs everything on the CPU
    python benchmarks/gpu_check.py --quick    # one benchmark seed, chapter 5 only
    python benchmarks/gpu_check.py --learner  # the learner copies too

Prints the device, the dtype the trainer used, each notebook's time and the accuracies it reported, the
benchmark table, and (on CUDA) the result of the CUDA-only trainer test. Exits non-zero if anything failed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
import torch
from nbclient import NotebookClient

from utils.device import describe, pick_device

from tools import ROOT
# The notebooks that choose a bigger model, more data or bf16 autocast when `device.type == "cuda"`.
NOTEBOOKS = ["05a_guide_classifier", "05b_digits_cnn", "02b_attention_and_gpt", "03c_optimisation_and_regularisation",
             "06a_language_and_vision", "06b_recommendation_and_finance", "06c_health_and_education",
             "08a_compute_and_data_parallel", "08c_interpretability", "09_faq"]
QUICK = NOTEBOOKS[:2]
# Output lines worth repeating in the summary: the device, the dtype and time of training, the accuracies.
KEEP = re.compile(r"^(device: |mixed precision|\d+ steps on |test accuracy|test loss|precision |seed \d|one tumour|"
                  r"arithmetic of one forward pass|final validation|with augmentation|without augmentation|restored at epoch|"
                  r"largest difference between the two runs)")


def run_notebook(source: Path, folder: Path) -> tuple[float, list[str]]:
    """Execute one MyST notebook in `folder` (its name sets strict checks); return seconds and its output lines."""
    notebook = jupytext.read(source)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    seconds = time.perf_counter() - started
    lines = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("output_type") == "stream" else ""
            lines += [line for line in text.splitlines() if KEEP.match(line.strip())]
    nbformat.write(notebook, folder / source.with_suffix(".ipynb").name)
    return seconds, lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one benchmark seed; chapter 5's solution notebooks only")
    parser.add_argument("--learner", action="store_true", help="run the learner copies as well as the solutions")
    args = parser.parse_args(argv)

    device = pick_device()
    print(f"torch {torch.__version__}, CUDA runtime {torch.version.cuda or 'none'}; device: {describe(device)}")
    if device.type != "cuda":
        print("NO CUDA GPU FOUND: this is the CPU fallback. Every step below runs on the CPU; "
              "the figures are CPU figures, not GPU ones.")
    else:
        print(f"bf16 supported: {torch.cuda.is_bf16_supported()}; the trainer autocasts to bfloat16 on CUDA")
    failures = []

    print("\n== notebooks (nbclient; solutions strict, learner copies lenient) ==")
    folders = ["solutions", "chapters"] if args.learner else ["solutions"]
    with tempfile.TemporaryDirectory() as scratch:
        for folder_name in folders:
            folder = Path(scratch) / folder_name
            folder.mkdir()
            for name in QUICK if args.quick else NOTEBOOKS:
                source = ROOT / folder_name / f"{name}.md"
                try:
                    seconds, lines = run_notebook(source, folder)
                    print(f"{seconds:7.1f} s  {folder_name}/{name}: passed")
                    for line in lines:
                        print(f"           {line.strip()}")
                except Exception as error:  # a failing cell: report it and carry on with the rest
                    failures.append(f"{folder_name}/{name}")
                    print(f"  FAILED  {folder_name}/{name}: {type(error).__name__}: {str(error)[-800:]}")

    print("\n== benchmark: the guide's classifier side by side ==")
    command = [sys.executable, str(ROOT / "benchmarks" / "classifier.py"), "--device", device.type]
    if args.quick:
        command += ["--seeds", "1", "--repeats", "1"]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        failures.append("benchmarks/classifier.py")

    if device.type == "cuda":
        print("\n== the CUDA-only unit tests ==")
        pytest = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "tests", "-k", "cuda"]
        if subprocess.run(pytest, cwd=ROOT).returncode != 0:
            failures.append("pytest tests -k cuda")

    print("\n== result ==")
    print(f"device: {device.type}" + ("" if device.type == "cuda" else "  (CPU fallback: no GPU figures)"))
    print("all passed" if not failures else f"FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
