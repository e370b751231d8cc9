"""Scaling arithmetic: LLaMA-7B's parameter count from its configuration, 6·N·D, and ZeRO's bytes
per GPU."""

import pytest

from utils.ch08.scaling import (
    BYTES_PER_PARAMETER,
    LLAMA_7B,
    ZERO_STAGES,
    llama_parameters,
    sharded_memory_per_gpu,
)
from utils.param_count import training_flops


def test_llama_7b_count():
    assert llama_parameters(**LLAMA_7B) == 6_738_415_616


def test_llama_count_matches_transformers_on_the_meta_device():
    transformers = pytest.importorskip("transformers")
    import torch

    config = transformers.LlamaConfig(
        vocab_size=1000,
        hidden_size=64,
        intermediate_size=176,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=4,
        tie_word_embeddings=False,
    )
    with torch.device("meta"):
        model = transformers.LlamaForCausalLM(config)
    assert sum(p.numel() for p in model.parameters()) == llama_parameters(1000, 64, 3, 176)


def test_training_flops_and_errors():
    assert training_flops(7e9, 1e12) == pytest.approx(4.2e22)
    with pytest.raises(ValueError):
        training_flops(0, 1e12)
    with pytest.raises(ValueError, match="d_model"):
        llama_parameters(32000, 0, 32, 11008)


def test_sharded_memory():
    n = 1e9
    assert sum(BYTES_PER_PARAMETER.values()) == 16
    assert sharded_memory_per_gpu(n, 8, 0)["total"] == pytest.approx(16e9)
    assert sharded_memory_per_gpu(n, 8, 1)["total"] == pytest.approx(4e9 + 12e9 / 8)
    assert sharded_memory_per_gpu(n, 8, 2)["total"] == pytest.approx(2e9 + 14e9 / 8)
    assert sharded_memory_per_gpu(n, 8, 3)["total"] == pytest.approx(2e9)
    assert sharded_memory_per_gpu(n, 1, 3)["total"] == sharded_memory_per_gpu(n, 1, 0)["total"]
    assert set(ZERO_STAGES) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="stage"):
        sharded_memory_per_gpu(n, 8, 4)
    with pytest.raises(ValueError, match="n_gpus"):
        sharded_memory_per_gpu(n, 0, 1)
