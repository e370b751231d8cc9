"""Parameter counts by formula against torch.nn and transformers (meta device), memory and compute
helpers."""

import pytest
import torch

from utils import param_count as pc
from utils.models import count_parameters, guide_mlp


def test_dense_and_mlp_counts_match_torch():
    assert pc.dense_parameters(3, 4) == count_parameters(torch.nn.Linear(3, 4)) == 16
    assert pc.dense_parameters(3, 4, bias=False) == 12
    assert pc.mlp_parameters((3, 4, 2)) == 26
    assert pc.mlp_parameters((30, 64, 32, 1)) == count_parameters(guide_mlp(30)) == 4097
    with pytest.raises(ValueError, match="at least an input and an output"):
        pc.mlp_parameters((5,))


@pytest.mark.parametrize("name", list(pc.PUBLISHED))
def test_formula_equals_transformers_exactly(name):
    cfg = pc.PUBLISHED[name]
    assert pc.total_parameters(cfg) == pc.transformers_parameters(cfg)


def test_known_totals_and_heads_do_not_change_the_count():
    assert pc.total_parameters(pc.PUBLISHED["GPT-2 small"]) == 124_439_808
    assert pc.total_parameters(pc.PUBLISHED["LLaMA-7B"]) == 6_738_415_616
    small = pc.gpt2_style(1000, 96, 2, 1, 32)
    assert all(
        pc.total_parameters(pc.with_overrides(small, n_heads=h)) == pc.total_parameters(small)
        for h in (2, 3, 4, 8, 12)
    )
    # grouped-query attention does change it: fewer key/value heads, smaller K and V projections
    mistral = pc.PUBLISHED["Mistral-7B"]
    assert pc.total_parameters(pc.with_overrides(mistral, n_kv_heads=32)) - pc.total_parameters(
        mistral
    ) == 32 * 2 * 4096 * (4096 - 1024)


def test_breakdown_adds_up_and_models_live_on_meta():
    cfg = pc.PUBLISHED["BERT-base"]
    parts = pc.parameter_breakdown(cfg)
    assert sum(parts.values()) == pc.total_parameters(cfg) == 109_482_240
    assert parts["output head"] == 0 and parts["pooler"] == 768 * 768 + 768
    model = pc.build_on_meta(pc.PUBLISHED["LLaMA-7B"])
    assert all(p.is_meta for p in model.parameters())


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(n_heads=7), "does not divide d_model"),
        (dict(context=0), "context must be at least 1"),
        (dict(n_kv_heads=5), "must divide n_heads"),
        (dict(norm="batchnorm"), "norm must be one of"),
        (dict(d_model=0), "positive whole number"),
    ],
)
def test_bad_configurations_raise_clear_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        pc.with_overrides(pc.PUBLISHED["GPT-2 small"], **changes)


def test_nearest_divisor_suggestion():
    assert pc.nearest_divisor(768, 7) == 6
    assert pc.nearest_divisor(4096, 31) == 32


def test_memory_helpers():
    n = 1_000_000
    assert [pc.weight_bytes(n, d) for d in ("fp32", "bf16", "int8", "int4")] == [4e6, 2e6, 1e6, 5e5]
    with pytest.raises(ValueError, match="dtype must be one of"):
        pc.weight_bytes(n, "fp8")
    mixed, full = pc.adam_training_bytes(n, True), pc.adam_training_bytes(n, False)
    assert (
        sum(mixed.values()) == sum(full.values()) == 16 * n
    )  # mixed precision saves no state memory
    assert mixed["master weights"] == 4 * n and full["master weights"] == 0
    cfg = pc.PUBLISHED["GPT-2 small"]
    assert pc.activation_bytes(cfg, 2, 512) == 2 * pc.activation_bytes(
        cfg, 1, 512
    )  # linear in the batch
    with pytest.raises(ValueError, match="at least 1"):
        pc.activation_bytes(cfg, 1, 0)


def test_compute_helpers():
    assert pc.training_flops(10, 100) == 6000
    assert pc.training_seconds(1e15, 2, 1e14, 0.5) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="utilisation"):
        pc.training_seconds(1e15, 1, 1e14, 40)
    cfg = pc.gpt2_style(512, 64, 4, 4, 64)
    matmul = 4 * (4 * 64 * 64 + 2 * 64 * 256) + 512 * 64
    assert pc.matmul_parameters(cfg) == matmul
    assert pc.transformer_training_flops(cfg, 8, 64) == 6 * matmul * 512 + 12 * 4 * 64 * 64 * 512


def test_human():
    assert pc.human(124_439_808) == "124 M"
    assert pc.human(6.74e9) == "6.74 B"
    assert pc.human(2.5e10, "B") == "25 GB"
    assert pc.human(12) == "12"


def test_activations_without_the_attention_matrices():
    cfg = pc.PUBLISHED["LLaMA-7B"]
    full = pc.activation_bytes(cfg, 1, 2048)
    flash = pc.activation_bytes(cfg, 1, 2048, attention_scores=False)
    assert full == 32 * 2048 * 4096 * (34 + 5 * 32 * 2048 / 4096)
    assert flash == 32 * 2048 * 4096 * 34  # no s² term: linear in the sequence length
    assert pc.activation_bytes(cfg, 1, 4096, attention_scores=False) == 2 * flash
    assert round(full / 1e9, 1) == 30.6 and round(flash / 1e9, 1) == 9.1  # decimal GB


def test_gpu_capacities_are_nvidia_smis_mib_in_gib():
    gib = pc.gpu_memory_gib()
    assert gib["H100 80GB"] == pytest.approx(79.65, abs=0.01)  # 81,559 MiB
    assert gib["A100 80GB"] == 80.0  # 81,920 MiB
    assert pc.GiB == 1024**3


def test_the_released_mistral_checkpoint_holds_the_formulas_count():
    total_bytes, per_parameter, _ = pc.CHECKPOINT_BYTES["Mistral-7B"]
    assert total_bytes / per_parameter == pc.total_parameters(pc.PUBLISHED["Mistral-7B"])
