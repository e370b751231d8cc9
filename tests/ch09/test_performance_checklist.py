"""The measured checklist: the median timer, the clocks, the mixed-precision step, and the
checklist's rows."""

import time

import pytest
import torch

from utils.ch09.checks_09 import FakeClock
from utils.data import breast_cancer_split
from utils.models import guide_mlp
from utils.ch09.performance_checklist import (
    Setup,
    amp_step,
    checklist_markdown,
    run_compression_checklist,
    run_training_checklist,
    train_setup,
)
from utils.timing import measure, median_time, work_clock
from utils.training import training_step


def test_median_time_skips_the_warm_up_and_takes_the_median():
    clock = FakeClock([9.0, 1.0, 3.0, 2.0])
    assert median_time(clock.work, repeats=3, warmup=1, clock=clock.read) == 2.0
    assert clock.calls == 4
    with pytest.raises(ValueError):
        median_time(clock.work, repeats=0)


def test_work_clock_is_cpu_time_on_the_cpu():
    assert work_clock("cpu") is time.process_time
    assert work_clock("cuda") is time.perf_counter
    assert measure(lambda: sum(range(10_000)), "cpu") >= 0.0


def _problem():
    torch.manual_seed(0)
    model = guide_mlp(5, hidden=(8, 4))
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(16, 5, generator=generator)
    y = (torch.rand(16, 1, generator=generator) < 0.5).float()
    return model, torch.optim.Adam(model.parameters(), lr=1e-2), X, y


def test_amp_step_keeps_float32_weights_and_differs_from_float32_a_little():
    a, opt_a, X, y = _problem()
    b, opt_b, _, _ = _problem()
    amp_step(a, opt_a, X, y)
    training_step(b, opt_b, X, y)
    assert all(p.dtype == torch.float32 for p in a.parameters())
    gap = max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))
    assert 0 < gap < 1e-2


@pytest.fixture(scope="module")
def data():
    return breast_cancer_split(test_size=0.2, seed=0)


def test_train_setup_trains_the_guides_model(data):
    model, seconds, accuracy = train_setup(Setup(epochs=3), data, seed=0)
    assert seconds > 0 and accuracy > 0.85
    assert sum(p.numel() for p in model.parameters()) == 4097


def test_training_checklist_rows_and_rule(data):
    rows, final = run_training_checklist(data, seeds=range(1))
    assert [r["verdict"] for r in rows][0] == "baseline"
    assert rows[1]["verdict"].startswith("not kept")  # skipping a step is never kept
    assert rows[1]["accuracy"] < rows[0]["accuracy"]  # unscaled features hurt after 10 epochs
    kept = [r for r in rows if r["verdict"] == "kept"]
    assert all(r["speed-up"] >= 1.1 for r in kept)
    assert isinstance(final, Setup)


def test_compression_rows(data):
    model, _, _ = train_setup(Setup(epochs=2), data, seed=0)
    from utils.ch09.performance_checklist import prepare

    _, X_test = prepare(data, True)
    rows = run_compression_checklist(model, X_test, data["y_test"], rows_for_timing=256)
    assert [r["verdict"] for r in rows] == ["baseline", "measured", "measured"]
    assert rows[2]["size_kib"] < rows[0]["size_kib"] / 1.5  # int8 weights
    assert "50% zeros" in rows[1]["change"]
    table = checklist_markdown(rows)
    assert table.count("\n") == len(rows) + 1 and "| — |" in table


def test_the_benchmark_script_prints_its_table():
    import subprocess
    import sys

    from tools import ROOT

    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "performance_checklist.py"),
        "--device",
        "cpu",
        "--seeds",
        "1",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for phrase in ("| §9.3 item |", "fused Adam", "int8 dynamic quantisation", "kept:"):
        assert phrase in run.stdout, run.stdout
