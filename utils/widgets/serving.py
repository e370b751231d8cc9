"""The serving calculator: choose a model, a weight format, a batch and a context, and a GPU
(memory, bandwidth, peak FLOP/s, and the price per GPU-hour that you pay); see the largest batch
that fits, the bound on tokens per second, and the GPU-hours and cost of a million tokens.

`serving_curve` is plain data in, plain data out, built on `utils.ch02.generation.serving_numbers`
(the formulas the notebook checks); `draw_serving` / `update_serving` draw it on a Figure;
`serving_widget` wires the controls."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from utils.ch02.generation import GiB, H100_SXM, decode_step, serving_numbers
from utils.param_count import BYTES_PER_PARAMETER, PUBLISHED
from utils.i18n import N_, _
from utils.widgets.live_plot import LivePlot, live_plot, wrap_controls

MODELS = tuple(
    name for name, cfg in PUBLISHED.items() if cfg.family != "bert"
)  # decoders: they generate
FORMATS = ("bf16", "int8", "int4", "fp32")
BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
CONTEXTS = (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
GRID = np.unique(np.geomspace(1, 1024, 48).round().astype(int))
TOKENS_RANGE = (1.0, 1e6)  # fixed, so no control rescales the axis
AXES = (0.08, 0.15, 0.46, 0.72)
LABELS = (  # shown through `_`
    N_("model, weights"),
    N_("weights + cache (GiB)"),
    N_("fits in the GPU memory"),
    N_("largest batch that fits"),
    N_("one decoding step"),
    N_("FLOP per byte (ridge)"),
    N_("compute-bound from batch"),
    N_("bound (tokens/s)"),
    N_("GPU-hours per 1M tokens"),
    N_("cost per 1M tokens"),
)
# What limits a decoding step (`decode_step(...)["bound"]`), shown through `_`.
BOUNDS = (N_("compute"), N_("memory"))
DEFAULTS = dict(
    preset="Mistral-7B",
    weight_format="bf16",
    batch=16,
    context=4096,
    memory_gib=round(H100_SXM["memory_bytes"] / GiB, 1),
    bandwidth_tb_s=H100_SXM["bandwidth"] / 1e12,
    peak_tflops=H100_SXM["peak_bf16"] / 1e12,
    price_per_gpu_hour=0.0,
)


def serving_curve(
    preset: str,
    weight_format: str,
    batch: int,
    context: int,
    memory_gib: float,
    bandwidth_tb_s: float,
    peak_tflops: float,
    price_per_gpu_hour: float = 0.0,
) -> dict:
    """The numbers at the chosen batch (`serving_numbers`), and the bound on tokens/s at every batch
    of GRID. Raises ValueError with what to change when the inputs make no sense."""
    if preset not in PUBLISHED or PUBLISHED[preset].family == "bert":
        raise ValueError(
            _("Unknown model {model}; choose one of {models}.").format(
                model=repr(preset), models=MODELS
            )
        )
    if weight_format not in BYTES_PER_PARAMETER:
        raise ValueError(
            _("Unknown weight format {format}; choose one of {formats}.").format(
                format=repr(weight_format), formats=FORMATS
            )
        )
    if price_per_gpu_hour < 0:
        raise ValueError(
            _("The price per GPU-hour cannot be negative, got {price}.").format(
                price=price_per_gpu_hour
            )
        )
    cfg = PUBLISHED[preset]
    numbers = serving_numbers(
        cfg,
        weight_format=weight_format,
        batch=batch,
        context=context,
        memory_gib=memory_gib,
        bandwidth_tb_s=bandwidth_tb_s,
        peak_tflops=peak_tflops,
        price_per_gpu_hour=price_per_gpu_hour,
    )
    bandwidth, peak = bandwidth_tb_s * 1e12, peak_tflops * 1e12
    curve = [
        decode_step(
            cfg, int(b), context, bandwidth=bandwidth, peak_flops=peak, weight_format=weight_format
        )["tokens_per_s"]
        for b in GRID
    ]
    return {**numbers, "name": cfg.name, "grid": GRID, "curve": np.array(curve)}


def draw_serving(figure: Figure, **values) -> dict:
    """Left: the bound on tokens/s against the batch (log-log), the chosen batch marked, the largest
    batch that fits shaded off. Right: the numbers in words. Every limit is fixed; returns the
    artists `update_serving` changes."""
    ax = figure.add_axes(AXES)
    moving: dict = {}
    (moving["curve"],) = ax.plot(
        GRID, np.ones(len(GRID)), color="C0", lw=2, label=_("bound at this context")
    )
    (moving["point"],) = ax.plot([1], [1], "o", color="C3", ms=7, label=_("your batch"))
    moving["fits"] = ax.axvline(1, color="0.3", ls="--", lw=1, label=_("largest batch that fits"))
    ax.set(
        xscale="log",
        yscale="log",
        xlim=(1, 1024),
        ylim=TOKENS_RANGE,
        xlabel=_("batch (sequences decoded at once)"),
        ylabel=_("tokens per second (bound)"),
    )
    ax.set_title(_("decoding: tokens/s ≤ min(bandwidth, peak) roofline"), fontsize=9)
    ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    figure.text(
        0.57, 0.93, "\n".join(_(label) for label in LABELS), fontsize=8, va="top", linespacing=1.6
    )  # drawn once
    moving["values"] = figure.text(0.80, 0.93, "", fontsize=8, va="top", linespacing=1.6)
    moving["error"] = figure.text(0.57, 0.30, "", fontsize=8, va="top", color="C3")
    update_serving(moving, **values)
    return moving


def update_serving(
    moving: dict,
    preset: str,
    weight_format: str,
    batch: int,
    context: int,
    memory_gib: float,
    bandwidth_tb_s: float,
    peak_tflops: float,
    price_per_gpu_hour: float,
) -> bool:
    """Move the curve, the point, the line and the text in place; on inputs that make no sense, show
    why."""
    try:
        n = serving_curve(
            preset,
            weight_format,
            batch,
            context,
            memory_gib,
            bandwidth_tb_s,
            peak_tflops,
            price_per_gpu_hour,
        )
    except ValueError as error:
        moving["curve"].set_ydata(np.full(len(GRID), np.nan))
        moving["point"].set_data([np.nan], [np.nan])
        moving["fits"].set_xdata([np.nan, np.nan])
        moving["values"].set_text("")
        moving["error"].set_text(_wrap(f"✗ {error}", 48))
        return True
    moving["curve"].set_ydata(n["curve"])
    moving["point"].set_data([batch], [n["tokens_per_s"]])
    moving["fits"].set_xdata([max(n["max_batch"], 0.5)] * 2)
    step, turn = n["step"], n["compute_bound_batch"]
    moving["values"].set_text(
        "\n".join(
            [
                f"{n['name']}, {weight_format}",
                f"{n['weights_gib']:.1f} + {n['cache_gib']:.1f}",
                _("yes") if n["fits"] else _("NO"),
                f"{n['max_batch']:,}",
                f"{step['step_s'] * 1e3:.3g} ms, {_(step['bound'])}",
                f"{step['intensity']:.3g} ({n['ridge']:.0f})",
                _("never") if turn is None else f"{turn:,}",
                f"{n['tokens_per_s']:,.0f}",
                f"{n['gpu_hours_per_million']:.3g}",
                _("enter a price")
                if n["cost_per_million"] is None
                else f"{n['cost_per_million']:.4g}",
            ]
        )
    )
    moving["values"].set_color("black" if n["fits"] else "C3")
    moving["error"].set_text("")
    return True


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def serving_widget(**overrides) -> LivePlot:
    """The live calculator. The GPU starts as the H100 SXM: bandwidth and dense bf16 peak from
    NVIDIA's data sheet, memory as nvidia-smi reports it. The price starts at 0 (none entered): the
    course states no market price."""
    values = {**DEFAULTS, **overrides}
    style = {"description_width": "initial"}
    layout = lambda width: widgets.Layout(width=width)
    number = lambda value, low, high, step, text: widgets.BoundedFloatText(
        value=value,
        min=low,
        max=high,
        step=step,
        description=text,
        style=style,
        layout=layout("230px"),
    )
    controls = {
        "preset": widgets.Dropdown(
            options=MODELS,
            value=values["preset"],
            description=_("model"),
            style=style,
            layout=layout("220px"),
        ),
        "weight_format": widgets.Dropdown(
            options=FORMATS,
            value=values["weight_format"],
            description=_("weights"),
            style=style,
            layout=layout("150px"),
        ),
        "batch": widgets.SelectionSlider(
            options=BATCHES,
            value=values["batch"],
            description=_("batch"),
            style=style,
            layout=layout("280px"),
        ),
        "context": widgets.SelectionSlider(
            options=CONTEXTS,
            value=values["context"],
            description=_("context"),
            style=style,
            layout=layout("300px"),
        ),
        "memory_gib": number(values["memory_gib"], 1.0, 1024.0, 0.5, _("GPU memory (GiB)")),
        "bandwidth_tb_s": number(values["bandwidth_tb_s"], 0.05, 20.0, 0.05, _("bandwidth (TB/s)")),
        "peak_tflops": number(values["peak_tflops"], 1.0, 10000.0, 1.0, _("peak (TFLOP/s)")),
        "price_per_gpu_hour": number(
            values["price_per_gpu_hour"], 0.0, 10000.0, 0.01, _("your price per GPU-hour")
        ),
    }
    plot = live_plot(draw_serving, controls, figsize=(9.6, 3.8), dpi=80, update=update_serving)
    wrap_controls(plot)
    return plot
