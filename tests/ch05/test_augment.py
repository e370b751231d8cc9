"""On-device augmentation: identity at zero strength, seeded, bounded, on the input's device."""

import pytest
import torch

from utils.ch05.augment import random_affine


def images(n=16):
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def test_zero_strength_is_the_identity():
    x = images()
    y = random_affine(x, torch.Generator().manual_seed(1), max_degrees=0.0, max_shift=0.0)
    assert torch.allclose(x, y, atol=1e-6)


def test_same_seed_same_result_and_each_image_moves_differently():
    x = images(1).repeat(8, 1, 1, 1)
    a = random_affine(x, torch.Generator().manual_seed(3))
    b = random_affine(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert not torch.allclose(a[0], a[1])


def test_values_stay_within_the_input_range_and_shape_is_kept():
    x = images()
    y = random_affine(
        x, torch.Generator().manual_seed(2), max_degrees=30, max_shift=2, max_scale=0.2
    )
    assert y.shape == x.shape and y.dtype == x.dtype and y.device == x.device
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0 + 1e-6


def test_a_one_pixel_shift_moves_the_centre_of_mass_by_at_most_one_pixel():
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0  # a 2 × 2 blob in the middle, far from the border
    y = random_affine(x, torch.Generator().manual_seed(4), max_degrees=0.0, max_shift=1.0)
    columns = torch.arange(8.0)
    centre = (y.sum(dim=2).squeeze(1) * columns).sum(1) / y.sum(dim=(1, 2, 3))
    assert float((centre - 3.5).abs().max()) <= 1.0 + 1e-4
    assert float((centre - 3.5).abs().max()) > 0.5  # and it does move


def test_the_random_numbers_come_from_the_generator_only():
    """affine_grid and grid_sample draw nothing: the global RNG is untouched, and the generator
    advances."""
    x, generator = images(), torch.Generator().manual_seed(4)
    global_state, generator_state = torch.get_rng_state(), generator.get_state()
    random_affine(x, generator)
    assert torch.equal(torch.get_rng_state(), global_state) and not torch.equal(
        generator.get_state(), generator_state
    )


def test_a_batch_without_the_channel_axis_is_refused_with_advice():
    with pytest.raises(ValueError, match="channel axis"):
        random_affine(torch.rand(4, 8, 8), torch.Generator())
