"""Compression helpers: the int8 quantiser's bounds, pruning's sparsity and argument errors, int8
and sparse layers against the float layer they replace, sizes, and the interleaved latency
measurement."""

import pytest
import torch

from utils.ch08 import compression as cz


def test_quantize_per_channel_bounds_and_dtype():
    generator = torch.Generator().manual_seed(0)
    W = torch.randn(16, 24, generator=generator) * torch.linspace(0.1, 5, 16).reshape(-1, 1)
    W[3] = 0.0
    q, scale = cz.quantize_per_channel(W)
    assert q.dtype == torch.int8 and q.shape == W.shape and scale.shape == (16, 1)
    assert int(q.abs().max()) == 127 and float(scale[3]) == 1.0 and not q[3].any()
    assert ((W - cz.dequantize(q, scale)).abs() <= scale / 2 + 1e-7).all()
    assert torch.equal(
        q.abs().amax(dim=1)[W.abs().amax(dim=1) > 0], torch.full((15,), 127, dtype=torch.int8)
    )


@pytest.mark.parametrize(
    "W, phrase", [(torch.ones(5), "out × in"), (torch.tensor([[1.0, float("nan")]]), "NaN")]
)
def test_quantizer_refuses_bad_weights(W, phrase):
    with pytest.raises(ValueError, match=phrase):
        cz.quantize_per_channel(W)


def test_prune_magnitude_reaches_the_sparsity_and_leaves_the_original():
    torch.manual_seed(0)
    model = cz.dense_classifier(8, (32, 16), 3)
    before = [p.clone() for p in model.parameters()]
    pruned = cz.prune_magnitude(model, 0.75)
    assert cz.weight_sparsity(pruned) == pytest.approx(0.75, abs=1e-3)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    original = torch.cat(
        [m.weight.detach().flatten() for m in model if isinstance(m, torch.nn.Linear)]
    )
    after = torch.cat(
        [m.weight.detach().flatten() for m in pruned if isinstance(m, torch.nn.Linear)]
    )
    assert (
        original[after == 0].abs().max() <= original[after != 0].abs().min()
    )  # the smallest went, across layers
    masked = cz.prune_magnitude(model, 0.5, permanent=False)
    assert hasattr(masked[0], "weight_mask")
    cz.make_pruning_permanent(masked)
    assert not hasattr(masked[0], "weight_mask") and cz.weight_sparsity(masked) == pytest.approx(
        0.5, abs=1e-3
    )


@pytest.mark.parametrize("bad", [1.0, -0.1, 90, "0.5"])
def test_bad_sparsity_is_refused(bad):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        cz.prune_magnitude(cz.dense_classifier(4, (4,), 2), bad)


def test_replacement_layers_compute_what_they_replace():
    torch.manual_seed(0)
    model = cz.dense_classifier(16, (64,), 5).eval()
    X = torch.randn(10, 16)
    with torch.no_grad():
        exact = model(X)
        int8 = cz.replace_linear(model, cz.Int8Linear.from_linear)
        assert isinstance(int8[0], cz.Int8Linear) and int8[0].q.dtype == torch.int8
        assert torch.allclose(int8(X), exact, atol=0.05)
        sparse = cz.replace_linear(cz.prune_magnitude(model, 0.8), cz.SparseLinear)
        assert torch.allclose(sparse(X), cz.prune_magnitude(model, 0.8)(X), atol=1e-5)
        dynamic = cz.dynamic_int8(model)
        assert torch.allclose(dynamic(X), exact, atol=0.05)
    wide = cz.dense_classifier(64, (256,), 10)
    assert (
        cz.serialized_bytes(cz.replace_linear(wide, cz.Int8Linear.from_linear))
        < cz.serialized_bytes(wide) / 3
    )


def test_latencies_and_accuracy():
    model = cz.dense_classifier(4, (8,), 3)
    X = torch.randn(6, 4)
    times = cz.latencies_ms({"a": (model, X), "b": (model, X[:1])}, repeats=3)
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values())
    quartiles = cz.latency_quartiles_ms({"a": (model, X)}, repeats=5)
    low, median, high = quartiles["a"]
    assert 0 < low <= median <= high
    with torch.no_grad():
        labels = model(X).argmax(1).numpy()
    assert cz.accuracy(model, X, labels) == 1.0


def test_compression_benchmark_prints_its_table():
    import subprocess
    import sys

    from tools import ROOT

    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "compression.py"),
        "--repeats",
        "2",
        "--epochs",
        "1",
    ]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    for phrase in (
        "| float32 (dense) |",
        "| int8 dynamic, per-channel (PyTorch) |",
        "| pruned 90% + fine-tuned, CSR |",
        "fastest at batch 360",
    ):
        assert phrase in run.stdout, run.stdout


def test_compact_csr_stores_only_its_own_indices():
    generator = torch.Generator().manual_seed(0)
    W = torch.randn(64, 32, generator=generator)
    W[torch.rand(64, 32, generator=generator) < 0.9] = 0.0
    nnz = int((W != 0).sum())
    for index_dtype, index_bytes in ((torch.int64, 8), (torch.int32, 4)):
        csr = cz.to_compact_csr(W, index_dtype)
        assert csr.col_indices().dtype == index_dtype
        assert torch.equal(csr.to_dense(), W)
        assert csr.col_indices().untyped_storage().nbytes() == nnz * index_bytes
    leftover = W.to_sparse_csr().col_indices().untyped_storage().nbytes()
    assert leftover == 2 * nnz * 8  # what torch.save writes without the copy
    assert cz.tensor_bytes(cz.to_compact_csr(W)) < cz.tensor_bytes(W.to_sparse_csr())
    with pytest.raises(ValueError, match="int32 or torch.int64"):
        cz.to_compact_csr(W, torch.int16)


def test_dynamic_int8_per_channel_has_a_scale_per_row():
    torch.manual_seed(0)
    model = cz.dense_classifier(16, (64,), 5).eval()
    weight = cz.dynamic_int8(model, per_channel=True)[0].weight()
    assert weight.qscheme() == torch.per_channel_affine
    assert (weight.q_per_channel_zero_points() == 0).all()
    expected = model[0].weight.detach().abs().amax(dim=1).double() / 127.5
    assert torch.allclose(weight.q_per_channel_scales(), expected, rtol=1e-6)
    assert cz.dynamic_int8(model)[0].weight().qscheme() == torch.per_tensor_affine
