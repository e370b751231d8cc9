"""The measured checklist: the mixed-precision step, the rows the checklist trains on, the paired
comparison of setups and its rule, the compression rows, the CPU flags and the benchmark script."""

import pytest
import torch

from utils.ch09.performance_checklist import (
    KEEP_AT,
    Setup,
    amp_step,
    compression_markdown,
    cpu_flags,
    keep_or_not,
    prepare,
    product_times_us,
    run_compression_checklist,
    run_training_checklist,
    train_setup,
    training_markdown,
)
from utils.data import breast_cancer_split
from utils.models import guide_mlp
from utils.timing import Ratio
from utils.training import training_step


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


def test_the_checklist_decides_on_validation_rows_scaled_by_the_fitting_rows(data):
    rows = prepare(data, True)
    assert len(rows["X_fit"]) == 364 and len(rows["X_val"]) == 91 and len(rows["X_test"]) == 114
    assert abs(rows["X_fit"].mean(axis=0)).max() < 1e-12  # the fitting rows' own statistics
    assert abs(rows["X_val"].mean(axis=0)).max() > 1e-3  # not the validation rows'
    raw = prepare(data, False)
    assert (raw["X_fit"] == data["X_train"][:364]).all()


def test_train_setup_trains_the_guides_model(data):
    trained = train_setup(Setup(epochs=3), data, seed=0)
    assert trained.validation > 0.85 and trained.test > 0.85
    assert sum(p.numel() for p in trained.model.parameters()) == 4097


def test_the_rule_keeps_only_what_every_pair_supports():
    one = 1 / 91
    assert keep_or_not(Ratio(1.5, KEEP_AT, 2.0), 0.0, one) == "kept"
    assert keep_or_not(Ratio(1.5, 1.2, 2.0), 2 * one, one) == "not kept: validation accuracy falls"
    assert keep_or_not(Ratio(1.5, 1.2, 2.0), one, one) == "kept"  # one row is allowed
    assert keep_or_not(Ratio(0.6, 0.5, 0.9), 0.0, one) == "not kept: slower"
    assert "within the noise" in keep_or_not(Ratio(1.05, 0.9, 1.3), 0.0, one)
    assert "not 1.1× in every pair" in keep_or_not(Ratio(1.2, 1.05, 1.3), 0.0, one)


def test_training_checklist_rows_and_rule(data):
    rows, final = run_training_checklist(data, seeds=range(2))
    assert [r["verdict"] for r in rows][:2] == ["baseline", "not kept (shows the cost)"]
    assert rows[1]["validation"] < rows[0]["validation"]  # unscaled features hurt after 10 epochs
    for r in rows[1:]:
        assert len(r["times"]) == 2 and r["speed-up"].low <= r["speed-up"].median
    assert all(r["speed-up"].low >= KEEP_AT for r in rows if r["verdict"] == "kept")
    assert isinstance(final, Setup)
    table = training_markdown(rows)
    assert table.count("\n") == len(rows) + 1 and "(pairs " in table


def test_compression_rows(data):
    trained = train_setup(Setup(epochs=2), data, seed=0)
    rows = run_compression_checklist(
        trained.model, prepare(data, True)["X_test"], data["y_test"], rows_for_timing=256, repeats=3
    )
    assert rows[0]["speed-up"] is None and all(r["speed-up"] is not None for r in rows[1:])
    assert rows[2]["size_kib"] < rows[0]["size_kib"] / 1.5  # int8 weights
    assert "50% zeros" in rows[1]["change"]
    table = compression_markdown(rows)
    assert table.count("\n") == len(rows) + 1 and "| — |" in table


def test_cpu_flags_reads_the_flags_line(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor : 0\nflags : fpu avx2 avx512_bf16 amx_tile amx_bf16 avx_vnni\n")
    assert cpu_flags(info) == ["amx_bf16", "amx_tile", "avx512_bf16", "avx_vnni"]
    assert cpu_flags(tmp_path / "missing") is None


def test_product_times_cover_float32_bfloat16_and_the_casts():
    times = product_times_us(4, 3, 2, repeats=1)
    assert set(times) == {"float32 product", "bfloat16 product", "casts to bfloat16"}
    assert all(t >= 0 for t in times.values())


def test_the_benchmark_script_prints_its_tables():
    import subprocess
    import sys

    from tools import ROOT

    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "performance_checklist.py"),
        "--device",
        "cpu",
        "--seeds",
        "2",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for phrase in ("| §9.3 item |", "fused Adam", "int8 dynamic quantisation", "kept:"):
        assert phrase in run.stdout, run.stdout
