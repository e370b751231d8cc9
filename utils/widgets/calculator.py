"""The calculator widget: choose a transformer (a published preset, then sliders), see its
parameters by part, its memory by number format against common GPU sizes, and the compute and time
of training it on a token budget.

`configure` and `calculator_numbers` are plain data in, plain data out, built on
`utils.param_count`; `draw_calculator` / `update_calculator` draw them on a Figure;
`calculator_widget` wires the controls.
"""

from __future__ import annotations

from dataclasses import replace

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from utils.param_count import (
    GPU_MEMORY_MIB,
    PEAK_BF16_FLOPS,
    GiB,
    PUBLISHED,
    TransformerConfig,
    activation_bytes,
    adam_training_bytes,
    gpt2_style,
    human,
    parameter_breakdown,
    total_parameters,
    training_flops,
    training_seconds,
    weight_bytes,
)
from utils.i18n import N_, _
from utils.widgets.live_plot import LivePlot, live_plot, wrap_controls

CUSTOM = N_("custom (GPT-2-style)")  # the menu shows it through `_`
PRESETS = (*PUBLISHED, CUSTOM)
MEMORY_BARS = (
    "weights fp32",
    "weights bf16",
    "weights int8",
    "weights int4",
    "Adam training state",
    "activations, 1 sequence",
)
MEMORY_COLORS = ("C0", "C0", "C0", "C0", "C3", "C1")
MEMORY_RANGE_GIB = (1e-4, 1e5)  # fixed, so no slider move rescales the axis
PARTS = (N_("embeddings"), N_("attention"), N_("feed-forward"), N_("norms"), N_("head and pooler"))
PART_COLORS = ("C4", "C0", "C2", "C7", "C1")
GPU = "H100 SXM"
UTILISATION = 0.4
TOKEN_BUDGETS = [(human(n), n) for n in (1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 3e11, 1e12, 2e12, 1e13)]
# The GPU lines: the A100 80GB (80.0 GiB) and H100 80GB (79.6 GiB) share one, at the smaller.
GPU_LINES = {
    "RTX 4090": GPU_MEMORY_MIB["RTX 4090 (24 GB)"] / 1024,
    "A100 / H100 80GB": GPU_MEMORY_MIB["H100 80GB"] / 1024,
    "H200": GPU_MEMORY_MIB["H200 (141 GB)"] / 1024,
}
# Slider positions a person can aim at (a few dozen each), plus every size a preset uses.
ROUND_SIZES = {
    "n_layers": (1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128),
    "d_model": (64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 2560, 3072, 4096, 5120, 6144, 8192)
    + (12288, 16384),
    "n_heads": (1, 2, 3, 4, 6, 7, 8, 12, 16, 24, 30, 32, 40, 48, 64, 96, 128),
    "vocab_size": (256, 512, 1000, 8000, 16000, 32000, 50257, 65536, 100000, 128000, 256000),
    "context": (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072),
}
SIZE_LABELS = {  # the sliders' descriptions, shown through `_`
    "n_layers": N_("layers"),
    "d_model": N_("width d_model"),
    "n_heads": N_("heads"),
    "vocab_size": N_("vocabulary"),
    "context": N_("context"),
}
FONT = 10  # points; at the widget's 90 dpi, 12.5 px
SMALL_FONT = 9
SUMMARY_WIDTH = 78  # characters a line: the message fits the figure's width at FONT
MEMORY_AXES = (0.10, 0.21, 0.50, 0.57)
PARTS_AXES = (0.66, 0.60, 0.31, 0.11)


def size_options(name: str) -> list[tuple[str, int]]:
    """The values a size slider stops at: round sizes and those of every preset, as (label,
    value)."""
    values = set(ROUND_SIZES[name]) | {getattr(cfg, name) for cfg in PUBLISHED.values()}
    return [(f"{value:,}", value) for value in sorted(values)]


def configure(
    preset: str, n_layers: int, d_model: int, n_heads: int, vocab_size: int, context: int
) -> TransformerConfig:
    """The preset's architecture (norm, MLP, positions, head, grouped keys) at the sliders' sizes;
    the feed-forward width keeps the preset's ratio to d_model. Raises ValueError with what to
    change when the sizes do not fit."""
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; choose one of {PRESETS}.")
    if preset == CUSTOM:
        return gpt2_style(vocab_size, d_model, n_layers, n_heads, context, name=_(CUSTOM))
    base = PUBLISHED[preset]
    group = base.n_heads // base.kv_heads
    if n_heads % group:
        raise ValueError(
            _(
                "{preset} shares each key/value head among {group} query heads: n_heads must be "
                "a multiple of {group}, got {n_heads}."
            ).format(preset=preset, group=group, n_heads=n_heads)
        )
    d_ff = int(round(base.d_ff * d_model / base.d_model))
    sizes = dict(
        n_layers=n_layers,
        d_model=d_model,
        n_heads=n_heads,
        vocab_size=vocab_size,
        context=context,
        d_ff=d_ff,
        n_kv_heads=None if group == 1 else n_heads // group,
    )
    changed = any(getattr(base, k) != v for k, v in sizes.items() if k != "n_kv_heads")
    name = _("{preset} (resized)").format(preset=preset) if changed else preset
    return replace(base, **sizes, name=name)


def calculator_numbers(cfg: TransformerConfig, tokens: float) -> dict:
    """Everything the widget shows, as plain numbers: parameters by part, memory in GiB, FLOPs and
    GPU-days."""
    parts = parameter_breakdown(cfg)
    n = total_parameters(cfg)
    grouped = {
        "embeddings": parts["token embedding"]
        + parts["position embedding"]
        + parts["token-type embedding"]
        + parts["embedding norm"],
        "attention": parts["attention (all layers)"],
        "feed-forward": parts["feed-forward (all layers)"],
        "norms": parts["block norms (all layers)"] + parts["final norm"],
        "head and pooler": parts["output head"] + parts["pooler"],
    }
    memory = [weight_bytes(n, dtype) / GiB for dtype in ("fp32", "bf16", "int8", "int4")]
    memory += [
        sum(adam_training_bytes(n, mixed_precision=True).values()) / GiB,
        activation_bytes(cfg, 1, cfg.context) / GiB,
    ]
    flops = training_flops(n, tokens)
    seconds = training_seconds(flops, 1, PEAK_BF16_FLOPS[GPU], UTILISATION)
    return {
        "parameters": n,
        "parts": grouped,
        "memory_gib": dict(zip(MEMORY_BARS, memory)),
        "flops": flops,
        "gpu_days": seconds / 86400.0,
        "tokens": tokens,
    }


def draw_calculator(
    figure: Figure,
    preset: str = "GPT-2 small",
    n_layers: int = 12,
    d_model: int = 768,
    n_heads: int = 12,
    vocab_size: int = 50257,
    context: int = 1024,
    tokens: float = 1e10,
) -> dict:
    """Top: the summary (or why the sizes make no model). Left: memory by format (log scale) with
    the GPUs marked. Right: the share of each part. Every limit is fixed; returns the artists
    `update_calculator` changes."""
    left, right = figure.add_axes(MEMORY_AXES), figure.add_axes(PARTS_AXES)
    moving: dict = {}
    x = np.arange(len(MEMORY_BARS))
    low = MEMORY_RANGE_GIB[0]
    for i, bar in enumerate(
        left.bar(x, np.zeros(len(x)), bottom=low, color=MEMORY_COLORS, width=0.7)
    ):
        moving[f"bar {i}"] = bar
        moving[f"bar label {i}"] = left.text(
            i, low, "", ha="center", va="bottom", fontsize=SMALL_FONT
        )
    gpu_lines = [
        left.axhline(size, color="0.35", lw=1, ls=style, label=f"{label}: {size:.1f} GiB")
        for (label, size), style in zip(GPU_LINES.items(), (":", "--", "-."))
    ]
    left.legend(handles=gpu_lines, loc="upper left", fontsize=SMALL_FONT, framealpha=0.9)
    left.set_yscale("log")
    left.set_ylim(MEMORY_RANGE_GIB)
    left.set_xlim(-0.6, len(x) - 0.4)
    names = [
        _("weights\nfp32"),
        _("weights\nbf16"),
        _("weights\nint8"),
        _("weights\nint4"),
        _("Adam\nstate"),
        _("activ-\nations"),
    ]
    left.set_xticks(x, names, fontsize=SMALL_FONT)
    left.set_ylabel(_("memory (GiB, log scale)"), fontsize=FONT)
    left.set_yticks([1e-4, 1e-2, 1, 1e2, 1e4])
    left.tick_params(axis="y", labelsize=SMALL_FONT)
    left.set_title(_("memory by number format"), fontsize=FONT)

    for i, (name, color) in enumerate(zip(PARTS, PART_COLORS)):
        moving[f"part {i}"] = right.barh(0, 0.0, left=0.0, color=color, height=0.8, label=_(name))[
            0
        ]
    right.set_xlim(0, 100)
    right.set_ylim(-0.5, 0.5)
    right.set_yticks([])
    right.set_xlabel(_("share of the parameters (%)"), fontsize=SMALL_FONT)
    right.tick_params(labelsize=SMALL_FONT)
    right.set_title(_("where the parameters are"), fontsize=FONT)
    right.legend(
        loc="upper left",
        bbox_to_anchor=(-0.02, -0.75),
        ncol=2,
        fontsize=SMALL_FONT,
        frameon=False,
        columnspacing=0.8,
        handlelength=1.2,
    )
    figure.text(
        0.015,
        0.015,
        _(
            "Time: 6·N·D FLOPs for D tokens on one {gpu} at {utilisation:.0%} of its "
            "{peak:.0f} TFLOP/s (bf16). Adam state: 16 bytes per parameter.\n"
            "Activations: one sequence of the full context, 16-bit, attention matrices kept "
            "(Korthikanti et al., 2022)."
        ).format(gpu=GPU, utilisation=UTILISATION, peak=PEAK_BF16_FLOPS[GPU] / 1e12),
        fontsize=SMALL_FONT,
        va="bottom",
        color="0.3",
    )
    moving["summary"] = figure.text(0.015, 0.975, "", fontsize=FONT, va="top", linespacing=1.4)
    update_calculator(moving, preset, n_layers, d_model, n_heads, vocab_size, context, tokens)
    return moving


def update_calculator(
    moving: dict,
    preset: str,
    n_layers: int,
    d_model: int,
    n_heads: int,
    vocab_size: int,
    context: int,
    tokens: float,
) -> bool:
    """Set bar heights, shares and texts in place; on sizes that do not fit, empty bars and the
    reason. Always True."""
    low = MEMORY_RANGE_GIB[0]
    try:
        cfg = configure(preset, n_layers, d_model, n_heads, vocab_size, context)
    except ValueError as error:
        for i in range(len(MEMORY_BARS)):
            moving[f"bar {i}"].set_height(0.0)
            moving[f"bar label {i}"].set_text("")
        for i in range(len(PARTS)):
            moving[f"part {i}"].set_width(0.0)
        moving["summary"].set_text(_wrap(f"✗ {error}", SUMMARY_WIDTH))
        moving["summary"].set_color("C3")
        return True
    numbers = calculator_numbers(cfg, tokens)
    for i, value in enumerate(numbers["memory_gib"].values()):
        bar, label = moving[f"bar {i}"], moving[f"bar label {i}"]
        top = min(max(value, low), MEMORY_RANGE_GIB[1])
        bar.set_height(top - low)
        label.set_position((label.get_position()[0], top))
        label.set_text(_gb(value))
    start = 0.0
    for i, share in enumerate(numbers["parts"].values()):
        rect = moving[f"part {i}"]
        width = 100.0 * share / numbers["parameters"]
        rect.set_x(start)
        rect.set_width(width)
        start += width
    moving["summary"].set_color("black")
    kv = _(", {count} kv heads").format(count=cfg.kv_heads) if cfg.kv_heads != cfg.n_heads else ""
    moving["summary"].set_text(
        _(
            "{name}: {parameters:,} parameters (d_ff {d_ff}{kv})\n"
            "6·N·D = {flops:.2e} FLOPs = {days:.3g} GPU-days"
        ).format(
            name=cfg.name,
            parameters=numbers["parameters"],
            d_ff=cfg.d_ff,
            kv=kv,
            flops=numbers["flops"],
            days=numbers["gpu_days"],
        )
    )
    return True


def _gb(value: float) -> str:
    return f"{value:.3g}" if value >= 0.01 else f"{value:.1e}"


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def calculator_widget(preset: str = "GPT-2 small", tokens: float = 1e10) -> LivePlot:
    """The live calculator: a preset menu that sets the sliders, then sliders for layers, width,
    heads, vocabulary, context, and the token budget, each stopping at sizes one can aim at."""
    base = PUBLISHED.get(preset) or gpt2_style(50257, 768, 12, 12, 1024)
    style = {"description_width": "initial"}
    controls = {
        "preset": widgets.Dropdown(
            options=[(_(name), name) for name in PRESETS],  # shown translated, valued in English
            value=preset,
            description=_("preset"),
            style=style,
            layout=widgets.Layout(width="260px"),
        ),
    }
    for name, text in SIZE_LABELS.items():
        controls[name] = widgets.SelectionSlider(
            options=size_options(name),
            value=getattr(base, name),
            description=_(text),
            style=style,
            continuous_update=True,
            layout=widgets.Layout(width="320px"),
        )
    controls["tokens"] = widgets.SelectionSlider(
        options=TOKEN_BUDGETS,
        value=tokens,
        description=_("training tokens D"),
        style=style,
        layout=widgets.Layout(width="340px"),
    )
    plot = live_plot(
        draw_calculator, controls, figsize=(8.0, 5.0), dpi=90, update=update_calculator
    )
    sizes = tuple(SIZE_LABELS)

    def apply_preset(change) -> None:
        chosen = PUBLISHED.get(change["new"])
        if chosen is not None:  # set all the sliders, then draw once
            for name in sizes:
                plot.controls[name].unobserve(plot.redraw, names="value")
            try:
                for name in sizes:
                    plot.controls[name].value = getattr(chosen, name)
            finally:
                for name in sizes:
                    plot.controls[name].observe(plot.redraw, names="value")
        plot.redraw()

    controls["preset"].unobserve(plot.redraw, names="value")
    controls["preset"].observe(apply_preset, names="value")
    wrap_controls(plot)
    return plot
