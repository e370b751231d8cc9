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


def _gpu_check():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import gpu_check
    finally:
        sys.path.pop(0)
    return gpu_check


def test_the_gpu_check_runs_every_notebook_whose_work_grows_on_cuda():
    gpu_check = _gpu_check()
    names = gpu_check.notebooks()
    solutions = (ROOT / "solutions").glob("*.md")
    sources = {path.stem: path.read_text(encoding="utf-8") for path in solutions}
    grows = {name for name, text in sources.items() if 'device.type == "cuda"' in text}
    assert grows <= set(names), f"not run by benchmarks/gpu_check.py: {sorted(grows - set(names))}"
    named = {name for name, text in sources.items() if gpu_check.NAMES_CUDA.search(text)}
    assert named <= set(names) and set(names) <= set(sources) and len(names) == len(set(names))
    assert names[: len(gpu_check.QUICK)] == gpu_check.QUICK
    # Every listed notebook exists, but for the one being written (run as soon as it lands).
    unwritten = {name for name in gpu_check.ORDER if name not in sources}
    assert unwritten <= {"02c_generation_and_serving"}


def test_the_gpu_check_picks_up_a_new_notebook_that_names_cuda(tmp_path, monkeypatch):
    gpu_check = _gpu_check()
    for name in (
        "05a_guide_classifier",
        "02b_attention_and_gpt",
        "03c_optimisation_and_regularisation",
    ):
        (tmp_path / f"{name}.md").write_text("")
    (tmp_path / "02c_generation_and_serving.md").write_text('if device.type == "cuda":')
    (tmp_path / "11_new.md").write_text('CONFIG = {"cpu": 1, "cuda": 4}[device.type]')
    (tmp_path / "12_cpu_only.md").write_text("CUDA is not used here.")
    monkeypatch.setattr(gpu_check, "SOLUTIONS", tmp_path)
    assert gpu_check.notebooks() == [
        "05a_guide_classifier",
        "02b_attention_and_gpt",
        "02c_generation_and_serving",
        "03c_optimisation_and_regularisation",
        "11_new",
    ]
