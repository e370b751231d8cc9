"""Lighting shifts, photometric augmentation, per-image standardisation and the face CNN."""

import numpy as np
import pytest
import torch

from utils.ch06.robustness import (
    equalise_brightness,
    face_cnn,
    lighting_shift,
    photometric_augment,
    standardise_images,
)


def test_standardise_images_gives_each_image_mean_0_and_std_near_1():
    x = torch.rand(5, 2, 8, 8) * 3 + 1
    z = standardise_images(x)
    torch.testing.assert_close(z.mean(dim=(1, 2, 3)), torch.zeros(5), atol=1e-5, rtol=0)
    assert torch.allclose(z.std(dim=(1, 2, 3), correction=0), torch.ones(5), atol=1e-2)


def test_standardised_images_ignore_a_gain_and_a_blank_image_stays_finite():
    x = torch.rand(3, 1, 25, 25) * 0.5
    torch.testing.assert_close(
        standardise_images(x * 0.3), standardise_images(x), atol=0.01, rtol=0.03
    )
    blank = torch.full((1, 1, 4, 4), 0.7)
    torch.testing.assert_close(
        standardise_images(blank), torch.zeros_like(blank), atol=1e-3, rtol=0
    )


def test_standardise_images_needs_a_batch_of_images():
    with pytest.raises(ValueError, match="n × c × h × w"):
        standardise_images(torch.rand(25, 25))


def test_lighting_shift_scales_adds_noise_and_clips():
    x = torch.full((2, 1, 3, 3), 0.8)
    torch.testing.assert_close(lighting_shift(x, 0.5), torch.full_like(x, 0.4))
    assert lighting_shift(x, 2.0).max() == 1.0
    noisy = lighting_shift(x, 1.0, 0.1, torch.Generator().manual_seed(0))
    assert 0 < (noisy - x).abs().mean() < 0.2 and noisy.min() >= 0


def test_photometric_augment_is_seeded_and_keeps_shape_and_range():
    x = torch.rand(16, 1, 25, 25)
    a = photometric_augment(x, torch.Generator().manual_seed(1))
    b = photometric_augment(x, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == x.shape
    assert a.min() >= 0 and a.max() <= 1 and not torch.equal(a, x)


def test_face_cnn_gives_one_logit_and_takes_a_standardisation_layer():
    x = torch.rand(4, 1, 25, 25)
    assert face_cnn(8)(x).shape == (4, 1)
    torch.manual_seed(0)
    with_layer = face_cnn(8, standardise=standardise_images)
    torch.testing.assert_close(with_layer(x * 0.5), with_layer(x), atol=1e-3, rtol=1e-3)


def test_face_cnn_without_biases_scales_its_logit_by_the_gain():
    """Convolutions and a linear layer without biases, ReLU and both poolings are positively
    homogeneous, so a gain never changes the sign of the logit; with biases it does not scale."""
    torch.manual_seed(0)
    x = torch.rand(6, 1, 25, 25, dtype=torch.float64)
    no_bias = face_cnn(8, bias=False).double()
    assert all(m.bias is None for m in no_bias if hasattr(m, "bias"))
    torch.testing.assert_close(no_bias(0.5 * x), 0.5 * no_bias(x), rtol=1e-10, atol=0)
    with_bias = face_cnn(8).double()
    assert not torch.allclose(with_bias(0.5 * x), 0.5 * with_bias(x))


def test_equalise_brightness_gives_every_image_the_target_mean_until_it_clips():
    rng = np.random.default_rng(0)
    images = rng.random((5, 1, 6, 6)) * np.array([0.2, 0.3, 0.4, 0.5, 0.6])[:, None, None, None]
    images = images.astype(np.float32)
    out = equalise_brightness(images, 0.25)
    assert out.dtype == np.float32 and out.shape == images.shape
    assert 0 <= out.min() and out.max() <= 1
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)), 0.25, rtol=1e-5)  # nothing clips here
    black = np.zeros((1, 1, 4, 4), np.float32)
    assert np.array_equal(equalise_brightness(black, 0.3), black)  # stays finite
