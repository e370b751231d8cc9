"""The benchmark script runs end to end (one seed, one repeat) and prints its table and target lines."""

import subprocess
import sys

from tools import ROOT


def test_classifier_benchmark_prints_its_table():
    command = [sys.executable, str(ROOT / "benchmarks" / "classifier.py"), "--seeds", "1", "--repeats", "1"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for phrase in ("| scikit-learn MLPClassifier |", "| PyTorch TensorDataset + DataLoader |", "| NumPy, hand-written |",
                   "| course trainer (utils.training.train) |", "course trainer / DataLoader loop:",
                   "course trainer / NumPy loop:", "Adam.step, fused"):
        assert phrase in run.stdout, run.stdout
