"""The data-parallel worker and launcher: shards, argument errors, a real two-rank torchrun run
whose all-reduced gradient and DDP weights match one process, and a launch that fails or times out
leaving no process behind."""

import os
import tempfile
import time
from pathlib import Path

import pytest
import torch

from utils.ch08 import data_parallel as dp


def test_shards_cover_the_batch_in_equal_parts():
    parts = [dp.shard(12, rank, 3) for rank in range(3)]
    assert [(s.start, s.stop) for s in parts] == [(0, 4), (4, 8), (8, 12)]


@pytest.mark.parametrize(
    "batch, world, phrase",
    [
        (2, 4, "larger than the batch"),
        (63, 2, "multiple of 2"),
        (8, 0, "at least 1"),
        (0, 1, "at least one row"),
    ],
)
def test_unshardable_batches_are_refused(batch, world, phrase):
    with pytest.raises(ValueError, match=phrase):
        dp.check_shardable(batch, world)


def test_run_checks_its_arguments_before_launching():
    X, y = torch.zeros(10, 30, dtype=torch.float64), torch.zeros(10, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="larger than the batch"):
        dp.run_data_parallel(4, X, y, batch_size=2)
    with pytest.raises(ValueError, match="larger than the 10 rows"):
        dp.run_data_parallel(2, X, y, batch_size=64, experiments=("gradient",))
    with pytest.raises(ValueError, match="Unknown experiments"):
        dp.run_data_parallel(2, X, y, batch_size=4, experiments=("gradient", "magic"))


def test_one_process_gradient_is_the_mean_of_equal_shard_gradients():
    X, y = dp.breast_cancer_tensors()
    model = dp.make_model(0)
    full = dp.mean_loss_gradient(model, X[:8], y[:8])
    halves = [
        dp.mean_loss_gradient(model, X[s], y[s]) for s in (dp.shard(8, 0, 2), dp.shard(8, 1, 2))
    ]
    assert torch.allclose((halves[0] + halves[1]) / 2, full, rtol=1e-12, atol=1e-15)


def test_two_ranks_match_one_process():
    X, y = dp.breast_cancer_tensors()
    results = dp.run_data_parallel(
        2, X, y, experiments=("gradient", "ddp"), batch_size=16, steps=5, timeout=120
    )
    assert [r["rank"] for r in results] == [0, 1] and results[0]["backend"] == "gloo"
    assert results[0]["pid"] != results[1]["pid"] != os.getpid()
    full = dp.mean_loss_gradient(dp.make_model(0), X[:16], y[:16])
    for r in results:
        assert torch.allclose(r["allreduced_gradient"], full, rtol=1e-12, atol=1e-14)
        assert not torch.allclose(r["local_gradient"], full)
    single = dp.flat_parameters(
        dp.train_one_process(dp.make_model(0), X, y, steps=5, batch_size=16, lr=0.1, seed=0)
    )
    assert torch.equal(results[0]["ddp_parameters"], results[1]["ddp_parameters"])
    assert torch.allclose(results[0]["ddp_parameters"], single, rtol=1e-12, atol=1e-13)


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to list processes")
@pytest.mark.parametrize("how", ["timeout", "failure"])
def test_a_failed_launch_leaves_no_process(monkeypatch, how):
    marker = f"dp_test_{how}_{os.getpid()}_"
    real = tempfile.TemporaryDirectory
    monkeypatch.setattr(dp.tempfile, "TemporaryDirectory", lambda prefix: real(prefix=marker))
    X, y = dp.breast_cancer_tensors()
    if how == "timeout":
        with pytest.raises(RuntimeError, match="did not finish"):
            dp.launch(2, X, y, ["--experiments", "timing", "--timing-steps", "100000"], timeout=8)
    else:
        with pytest.raises(RuntimeError, match="ValueError"):
            dp.launch(
                2, X, y, ["--batch-size", "3"], timeout=60
            )  # 3 rows do not split over 2 ranks
    deadline = time.monotonic() + 10
    while _processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(marker) == []


def test_a_gloo_rank_stays_on_the_cpu():
    assert dp.rank_device("gloo") == torch.device("cpu")


def test_the_printed_worker_sources_fit_the_page():
    import inspect

    for fn in (dp.main, dp.worker, dp.rank_device, dp.allreduced_gradient, dp.train_ddp):
        assert max(len(line) for line in inspect.getsource(fn).splitlines()) <= 100
