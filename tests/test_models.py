"""The guide's MLP and the digits CNN: shapes, parameter counts, Keras initialisation, prediction
helper."""

import math

import torch

from utils.models import count_parameters, digits_cnn, guide_mlp, keras_init_, predict_proba


def test_guide_mlp_matches_keras_summary():
    model = guide_mlp(30)
    assert (
        count_parameters(model) == 4097
    )  # Keras' model.summary() for Dense 64 → 32 → 1 on 30 features
    assert [m.out_features for m in model if isinstance(m, torch.nn.Linear)] == [64, 32, 1]
    assert model(torch.randn(7, 30)).shape == (7, 1)


def test_keras_initialisation_is_glorot_uniform_with_zero_bias():
    torch.manual_seed(0)
    model = guide_mlp(30)
    for layer in (m for m in model if isinstance(m, torch.nn.Linear)):
        weight = layer.weight.detach()
        fan_out, fan_in = layer.weight.shape
        limit = math.sqrt(6 / (fan_in + fan_out))
        assert float(weight.abs().max()) <= limit
        assert (
            float(weight.abs().max()) > 0.9 * limit
        )  # uses the whole range, not torch's smaller default
        assert torch.count_nonzero(layer.bias) == 0


def test_keras_init_also_covers_convolutions():
    conv = keras_init_(torch.nn.Conv2d(1, 4, 3))
    assert torch.count_nonzero(conv.bias) == 0


def test_digits_cnn_shapes_and_width_scaling():
    small, wide = digits_cnn(8), digits_cnn(32)
    assert small(torch.randn(5, 1, 8, 8)).shape == (5, 10)
    assert count_parameters(wide) > 8 * count_parameters(small)  # conv weights grow with width²


def test_predict_proba_binary_and_multiclass_and_mode_restored():
    torch.manual_seed(0)
    mlp = guide_mlp(4).train()
    p = predict_proba(mlp, torch.randn(9, 4), batch_size=4)
    assert p.shape == (9,) and bool(((p > 0) & (p < 1)).all())
    assert mlp.training  # put back in training mode
    cnn = digits_cnn(4)
    q = predict_proba(cnn, torch.randn(6, 1, 8, 8))
    assert q.shape == (6, 10) and torch.allclose(q.sum(1), torch.ones(6))
