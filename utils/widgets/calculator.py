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
    GB,
    GPUS_GB,
    PEAK_BF16_FLOPS,
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
from utils.widgets.live_plot import LivePlot, live_plot, wrap_controls

CUSTOM = "custom (GPT-2-style)"
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
MEMORY_RANGE_GB = (1e-4, 1e5)  # fixed, so no slider move rescales the axis
PARTS = ("embeddings", "attention", "feed-forward", "norms", "head and pooler")
PART_COLORS = ("C4", "C0", "C2", "C7", "C1")
GPU = "H100 SXM"
UTILISATION = 0.4
TOKEN_BUDGETS = [(human(n), n) for n in (1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 3e11, 1e12, 2e12, 1e13)]
MEMORY_AXES = (0.07, 0.30, 0.46, 0.58)
PARTS_AXES = (0.62, 0.30, 0.36, 0.12)


def configure(
    preset: str, n_layers: int, d_model: int, n_heads: int, vocab_size: int, context: int
) -> TransformerConfig:
    """The preset's architecture (norm, MLP, positions, head, grouped keys) at the sliders' sizes;
    the feed-forward width keeps the preset's ratio to d_model. Raises ValueError with what to
    change when the sizes do not fit."""
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}; choose one of {PRESETS}.")
    if preset == CUSTOM:
        return gpt2_style(vocab_size, d_model, n_layers, n_heads, context, name=CUSTOM)
    base = PUBLISHED[preset]
    group = base.n_heads // base.kv_heads
    if n_heads % group:
        raise ValueError(
            f"{preset} shares each key/value head among {group} query heads: n_heads must be a "
            f"multiple of {group}, got {n_heads}."
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
    return replace(base, **sizes, name=f"{preset} (resized)" if changed else preset)


def calculator_numbers(cfg: TransformerConfig, tokens: float) -> dict:
    """Everything the widget shows, as plain numbers: parameters by part, memory in GB, FLOPs and
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
    memory = [weight_bytes(n, dtype) / GB for dtype in ("fp32", "bf16", "int8", "int4")]
    memory += [
        sum(adam_training_bytes(n, mixed_precision=True).values()) / GB,
        activation_bytes(cfg, 1, cfg.context) / GB,
    ]
    flops = training_flops(n, tokens)
    seconds = training_seconds(flops, 1, PEAK_BF16_FLOPS[GPU], UTILISATION)
    return {
        "parameters": n,
        "parts": grouped,
        "memory_gb": dict(zip(MEMORY_BARS, memory)),
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
    """Left: memory by format (log scale) with the GPU sizes marked. Right: the share of each part,
    and a summary. Every limit is fixed; returns the artists `update_calculator` changes."""
    left, right = figure.add_axes(MEMORY_AXES), figure.add_axes(PARTS_AXES)
    moving: dict = {}
    x = np.arange(len(MEMORY_BARS))
    low = MEMORY_RANGE_GB[0]
    for i, bar in enumerate(
        left.bar(x, np.zeros(len(x)), bottom=low, color=MEMORY_COLORS, width=0.7)
    ):
        moving[f"bar {i}"] = bar
        moving[f"bar label {i}"] = left.text(i, low, "", ha="center", va="bottom", fontsize=7)
    gpu_lines = [
        left.axhline(size, color="0.35", lw=1, ls=style, label=f"GPU: {label}")
        for (label, size), style in zip(GPUS_GB.items(), (":", "--", "-."))
    ]
    left.legend(handles=gpu_lines, loc="upper left", fontsize=7, framealpha=0.9)
    left.set_yscale("log")
    left.set_ylim(MEMORY_RANGE_GB)
    left.set_xlim(-0.6, len(x) - 0.4)
    left.set_xticks(x, [name.replace(" ", "\n", 1) for name in MEMORY_BARS], fontsize=7)
    left.set_ylabel("memory (GB, log scale)")
    left.set_yticks([1e-4, 1e-2, 1, 1e2, 1e4])
    left.set_title("memory by number format", y=1.0, fontsize=9)

    for i, (name, color) in enumerate(zip(PARTS, PART_COLORS)):
        moving[f"part {i}"] = right.barh(0, 0.0, left=0.0, color=color, height=0.8, label=name)[0]
    right.set_xlim(0, 100)
    right.set_ylim(-0.5, 0.5)
    right.set_yticks([])
    right.set_xlabel("share of the parameters (%)", fontsize=8)
    right.tick_params(labelsize=7)
    right.set_title("where the parameters are", y=1.0, fontsize=9)
    right.legend(loc="upper left", bbox_to_anchor=(0.0, -0.9), ncol=2, fontsize=7, frameon=False)
    figure.text(
        0.62,
        0.80,
        f"6·N·D: training FLOPs for D tokens; time on one {GPU}\nat {UTILISATION:.0%} of its "
        f"{PEAK_BF16_FLOPS[GPU] / 1e12:.0f} TFLOP/s (bf16). "
        "Activations: one sequence of\nthe full context, 16-bit (Korthikanti et al., 2022).",
        fontsize=7,
        va="top",
        color="0.3",
    )
    moving["summary"] = figure.text(0.62, 0.95, "", fontsize=8, va="top")
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
    low = MEMORY_RANGE_GB[0]
    try:
        cfg = configure(preset, n_layers, d_model, n_heads, vocab_size, context)
    except ValueError as error:
        for i in range(len(MEMORY_BARS)):
            moving[f"bar {i}"].set_height(0.0)
            moving[f"bar label {i}"].set_text("")
        for i in range(len(PARTS)):
            moving[f"part {i}"].set_width(0.0)
        moving["summary"].set_text(_wrap(f"✗ {error}", 62))
        moving["summary"].set_color("C3")
        return True
    numbers = calculator_numbers(cfg, tokens)
    for i, value in enumerate(numbers["memory_gb"].values()):
        bar, label = moving[f"bar {i}"], moving[f"bar label {i}"]
        top = min(max(value, low), MEMORY_RANGE_GB[1])
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
    kv = f", {cfg.kv_heads} kv heads" if cfg.kv_heads != cfg.n_heads else ""
    moving["summary"].set_text(
        f"{cfg.name}: {numbers['parameters']:,} parameters (d_ff {cfg.d_ff}{kv})\n"
        f"6·N·D = {numbers['flops']:.2e} FLOPs = {numbers['gpu_days']:.3g} GPU-days"
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
    heads, vocabulary, context, and the token budget."""
    base = PUBLISHED.get(preset) or gpt2_style(50257, 768, 12, 12, 1024)
    style = {"description_width": "initial"}
    slider = lambda value, low, high, step, text: widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=text,
        style=style,
        continuous_update=True,
        layout=widgets.Layout(width="300px"),
    )
    controls = {
        "preset": widgets.Dropdown(
            options=PRESETS,
            value=preset,
            description="preset",
            style=style,
            layout=widgets.Layout(width="260px"),
        ),
        "n_layers": slider(base.n_layers, 1, 128, 1, "layers"),
        "d_model": slider(base.d_model, 64, 16384, 64, "width d_model"),
        "n_heads": slider(base.n_heads, 1, 128, 1, "heads"),
        "vocab_size": slider(base.vocab_size, 256, 256000, 1, "vocabulary"),
        "context": slider(base.context, 128, 131072, 128, "context"),
        "tokens": widgets.SelectionSlider(
            options=TOKEN_BUDGETS,
            value=tokens,
            description="training tokens D",
            style=style,
            layout=widgets.Layout(width="340px"),
        ),
    }
    plot = live_plot(
        draw_calculator, controls, figsize=(9.6, 3.8), dpi=80, update=update_calculator
    )
    sizes = ("n_layers", "d_model", "n_heads", "vocab_size", "context")

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
