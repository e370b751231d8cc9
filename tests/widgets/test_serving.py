"""The serving calculator: its numbers come from utils.ch02.generation's checked formulas, every
control redraws without a full redraw, inputs that make no sense show the reason, and no price is
assumed."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from utils import param_count as pc
from utils.ch02 import generation as gen
from utils.widgets.serving import (
    DEFAULTS,
    FORMATS,
    GRID,
    MODELS,
    draw_serving,
    serving_curve,
    serving_widget,
)


def test_models_are_the_published_decoders():
    assert "Mistral-7B" in MODELS and "LLaMA-7B" in MODELS
    assert not any(pc.PUBLISHED[name].family == "bert" for name in MODELS)


def test_the_gpu_starts_as_the_data_sheet_and_the_price_at_zero():
    assert DEFAULTS["bandwidth_tb_s"] == pytest.approx(3.35)
    assert DEFAULTS["peak_tflops"] == pytest.approx(1979 / 2)  # the data sheet's, without sparsity
    # an "80GB" H100 as nvidia-smi reports it: 81,559 MiB
    assert DEFAULTS["memory_gib"] == round(pc.GPU_MEMORY_MIB["H100 80GB"] / 1024, 1) == 79.6
    assert DEFAULTS["price_per_gpu_hour"] == 0.0


def test_the_weights_shown_are_the_stored_ones():
    n = serving_curve("LLaMA-7B", "bf16", 1, 2048, 79.6, 3.35, 989.5)
    assert n["weights_gib"] == pytest.approx(
        2 * pc.total_parameters(pc.PUBLISHED["LLaMA-7B"]) / 2**30
    )
    assert n["step"]["weight_bytes"] < 2 * pc.total_parameters(pc.PUBLISHED["LLaMA-7B"])


def test_numbers_are_the_checked_formulas():
    n = serving_curve("Mistral-7B", "int4", 32, 2048, 80.0, 3.35, 989.0, 2.5)
    mistral = pc.PUBLISHED["Mistral-7B"]
    expected = gen.serving_numbers(
        mistral,
        weight_format="int4",
        batch=32,
        context=2048,
        memory_gib=80.0,
        bandwidth_tb_s=3.35,
        peak_tflops=989.0,
        price_per_gpu_hour=2.5,
    )
    assert n["tokens_per_s"] == expected["tokens_per_s"]
    assert n["cost_per_million"] == expected["cost_per_million"]
    curve = [
        gen.decode_step(
            mistral, int(b), 2048, bandwidth=3.35e12, peak_flops=989e12, weight_format="int4"
        )["tokens_per_s"]
        for b in GRID
    ]
    np.testing.assert_allclose(n["curve"], curve)


@pytest.mark.parametrize(
    "args, message",
    [
        (("BERT-base", "bf16", 1, 128, 80.0, 3.35, 989.0, 0.0), "Unknown model"),
        (("Mistral-7B", "fp8", 1, 128, 80.0, 3.35, 989.0, 0.0), "Unknown weight format"),
        (("Mistral-7B", "bf16", 1, 128, 80.0, 3.35, 989.0, -1.0), "cannot be negative"),
        (("LLaMA-7B", "bf16", 1, 4096, 80.0, 3.35, 989.0, 0.0), "longer than its context"),
    ],
)
def test_bad_input_raises_clear_errors(args, message):
    with pytest.raises(ValueError, match=message):
        serving_curve(*args)


def test_draw_on_a_bare_figure():
    moving = draw_serving(Figure(), **{**DEFAULTS, "price_per_gpu_hour": 1.0})
    text = moving["values"].get_text()
    assert "Mistral-7B, bf16" in text and "enter a price" not in text
    assert moving["point"].get_xdata()[0] == DEFAULTS["batch"]


def frame(plot):
    return np.asarray(Image.open(io.BytesIO(plot.image.value)))


def test_every_control_redraws_by_blitting_and_errors_show_the_reason():
    plot = serving_widget()
    assert set(plot.controls) == {
        "preset",
        "weight_format",
        "batch",
        "context",
        "memory_gib",
        "bandwidth_tb_s",
        "peak_tflops",
        "price_per_gpu_hour",
    }
    assert "enter a price" in plot.artists["values"].get_text()
    first, before = frame(plot), plot.full_redraws
    plot.controls["price_per_gpu_hour"].value = 2.0
    assert "enter a price" not in plot.artists["values"].get_text()
    for fmt in FORMATS:
        plot.controls["weight_format"].value = fmt
    plot.controls["batch"].value = 1024
    assert "NO" in plot.artists["values"].get_text()  # 1024 sequences of 4,096 tokens do not fit
    plot.controls["preset"].value = "LLaMA-7B"
    assert "longer than its context" in plot.artists["error"].get_text()
    assert plot.artists["values"].get_text() == ""
    plot.controls["context"].value = 2048
    assert plot.artists["error"].get_text() == ""
    assert plot.full_redraws == before
    assert not np.array_equal(first, frame(plot))
