"""The calculator widget: its numbers come from utils.param_count, presets set the sliders and draw
once, and sizes that make no model show the reason instead of raising."""

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from utils import param_count as pc
from matplotlib.text import Text

from utils.widgets.calculator import (
    CUSTOM,
    MEMORY_BARS,
    PARTS,
    PRESETS,
    SIZE_LABELS,
    calculator_numbers,
    calculator_widget,
    configure,
    draw_calculator,
    size_options,
)


def test_presets_reproduce_the_published_configurations():
    for name, cfg in pc.PUBLISHED.items():
        built = configure(name, cfg.n_layers, cfg.d_model, cfg.n_heads, cfg.vocab_size, cfg.context)
        assert built == cfg
        assert pc.total_parameters(built) == pc.total_parameters(cfg)


def test_resizing_keeps_the_architecture_and_the_ratios():
    resized = configure("Mistral-7B", 16, 2048, 16, 32000, 4096)
    assert resized.name == "Mistral-7B (resized)"
    assert (resized.mlp, resized.norm, resized.head) == ("swiglu", "rmsnorm", "untied")
    assert (
        resized.d_ff == 7168 and resized.kv_heads == 4
    )  # 14336/4096 of the width; 4 query heads per kv head
    custom = configure(CUSTOM, 2, 128, 4, 1000, 64)
    assert custom == pc.gpt2_style(1000, 128, 2, 4, 64, name=CUSTOM)


@pytest.mark.parametrize(
    "args, message",
    [
        (("GPT-2 small", 12, 768, 7, 50257, 1024), "does not divide d_model"),
        (("Mistral-7B", 32, 4096, 30, 32000, 8192), "multiple of 4"),
        (("GPT-2 small", 12, 768, 12, 50257, 0), "at least 1 token"),
        (("GPT-5", 12, 768, 12, 50257, 1024), "Unknown preset"),
    ],
)
def test_bad_sizes_raise_clear_errors(args, message):
    with pytest.raises(ValueError, match=message):
        configure(*args)


def test_numbers_are_the_formulas():
    cfg = pc.PUBLISHED["LLaMA-7B"]
    numbers = calculator_numbers(cfg, 1e12)
    n = pc.total_parameters(cfg)
    assert numbers["parameters"] == n and sum(numbers["parts"].values()) == n
    assert list(numbers["memory_gib"]) == list(MEMORY_BARS)
    assert numbers["memory_gib"]["weights bf16"] == pytest.approx(2 * n / 2**30)
    assert numbers["memory_gib"]["Adam training state"] == pytest.approx(16 * n / 2**30)
    assert numbers["flops"] == pytest.approx(6 * n * 1e12)
    assert numbers["gpu_days"] == pytest.approx(6 * n * 1e12 / (989e12 * 0.4) / 86400)


def test_draw_on_a_bare_figure():
    figure = Figure()
    moving = draw_calculator(figure, "LLaMA-7B", 32, 4096, 32, 32000, 2048, 1e12)
    heights = [
        moving[f"bar {i}"].get_height() + moving[f"bar {i}"].get_y()
        for i in range(len(MEMORY_BARS))
    ]
    assert heights[1] == pytest.approx(2 * 6_738_415_616 / 2**30)
    widths = [moving[f"part {i}"].get_width() for i in range(len(PARTS))]
    assert sum(widths) == pytest.approx(100.0)
    assert "6,738,415,616" in moving["summary"].get_text()


def frame(plot):
    return np.asarray(Image.open(io.BytesIO(plot.image.value)))


def test_widget_presets_set_the_sliders_and_draw_once():
    plot = calculator_widget()
    assert set(plot.controls) == {
        "preset",
        "n_layers",
        "d_model",
        "n_heads",
        "vocab_size",
        "context",
        "tokens",
    }
    first = frame(plot)
    before = plot.full_redraws
    plot.controls["preset"].value = "LLaMA-7B"
    assert [
        plot.controls[k].value for k in ("n_layers", "d_model", "n_heads", "vocab_size", "context")
    ] == [32, 4096, 32, 32000, 2048]
    assert "LLaMA-7B: 6,738,415,616" in plot.artists["summary"].get_text()
    assert plot.full_redraws == before  # blitted: no full redraw
    assert not np.array_equal(first, frame(plot))
    plot.controls["n_layers"].value = 16
    assert "resized" in plot.artists["summary"].get_text()


def test_widget_shows_the_reason_for_sizes_that_make_no_model():
    plot = calculator_widget("GPT-2 small")
    plot.controls["n_heads"].value = 7
    text = plot.artists["summary"].get_text()
    assert "does not divide" in text and "768" in text
    assert all(plot.artists[f"bar {i}"].get_height() == 0 for i in range(len(MEMORY_BARS)))
    plot.controls["n_heads"].value = 12
    assert "124,439,808" in plot.artists["summary"].get_text()


def test_every_preset_and_token_budget_draws():
    plot = calculator_widget()
    for preset in PRESETS:
        plot.controls["preset"].value = preset
    for _, tokens in plot.controls["tokens"].options:
        plot.controls["tokens"].value = tokens
    assert plot.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_sliders_stop_at_sizes_one_can_aim_at():
    plot = calculator_widget()
    for name in SIZE_LABELS:
        values = [value for _, value in size_options(name)]
        assert values == sorted(values) and len(values) <= 24  # at least 13 px a stop on 320 px
        for cfg in pc.PUBLISHED.values():
            assert getattr(cfg, name) in values  # every preset can be set
        assert plot.controls[name].options == tuple(size_options(name))
    assert 1536 in [v for _, v in size_options("d_model")]  # GPT-2 small at double the width


def _summary_fits(plot) -> None:
    figure = plot.figure
    renderer = figure.canvas.get_renderer()
    box = plot.artists["summary"].get_window_extent(renderer)
    title = figure.axes[0].title.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= figure.bbox.x1 and box.y1 <= figure.bbox.y1
    assert box.y0 > title.y1  # above the plots, not over them


@pytest.mark.parametrize(
    "control, value",
    [("n_heads", 7), ("n_heads", 30), ("n_heads", 3), ("n_heads", 6)],
)
def test_the_message_for_a_size_that_makes_no_model_fits_in_the_figure(control, value):
    plot = calculator_widget("Mistral-7B")
    plot.controls[control].value = value
    assert plot.artists["summary"].get_text().startswith("✗")
    _summary_fits(plot)
    plot.controls["preset"].value = CUSTOM
    plot.controls["n_heads"].value = 7
    assert "✗" in plot.artists["summary"].get_text()
    _summary_fits(plot)


def test_every_text_in_the_figure_is_at_least_11_pixels():
    plot = calculator_widget()
    dpi = plot.figure.dpi
    texts = [t for t in plot.figure.findobj(Text) if t.get_text().strip()]
    assert texts and min(t.get_fontsize() * dpi / 72 for t in texts) >= 11
