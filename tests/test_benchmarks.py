"""The benchmark script runs end to end (one seed, one repeat) and prints its table and target
lines."""

import subprocess
import sys

from tools import ROOT


def test_classifier_benchmark_prints_its_table():
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "classifier.py"),
        "--seeds",
        "1",
        "--repeats",
        "1",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for phrase in (
        "| scikit-learn MLPClassifier |",
        "| PyTorch TensorDataset + DataLoader |",
        "| NumPy, hand-written |",
        "| course trainer (utils.training.train) |",
        "course trainer / DataLoader loop:",
        "course trainer / NumPy loop:",
        "Adam.step, fused",
    ):
        assert phrase in run.stdout, run.stdout


def test_the_gpu_check_runs_every_notebook_whose_work_grows_on_cuda():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gpu_check
    finally:
        sys.path.pop(0)
    grows = {
        path.stem
        for path in (ROOT / "solutions").glob("*.md")
        if 'device.type == "cuda"' in path.read_text(encoding="utf-8")
    }
    assert grows <= set(gpu_check.NOTEBOOKS), (
        f"add to benchmarks/gpu_check.py: {sorted(grows - set(gpu_check.NOTEBOOKS))}"
    )
    assert all((ROOT / "solutions" / f"{name}.md").exists() for name in gpu_check.NOTEBOOKS)
