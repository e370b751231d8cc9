"""The activation widget: f and f′ with saturation zones shaded, and the gradient's size through N
layers.

`draw_activation` is a pure function of its arguments (tests call it on a Figure),
`update_activation` moves its artists to new values in place, and `activation_widget` wires controls
to both.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from utils.activations import ACTIVATIONS, Activation
from utils.i18n import _
from utils.widgets.live_plot import LivePlot, lean_ticks, live_plot, wrap_controls

SATURATION = 0.05  # |f′(x)| below this passes on less than 5% of the gradient
GRID_POINTS = 301
LEFT_AXES = (0.07, 0.15, 0.40, 0.72)  # fixed rectangles: cheaper to draw than a layout engine
RIGHT_AXES = (0.58, 0.15, 0.40, 0.72)
DEPTH_TICK_STEPS = (1, 2, 5, 10)  # the depth plot's tick spacings: 0, 10, 20 rather than 0, 8, 16
DEPTH_LOG_RANGE = (
    -20.0,
    10.0,
)  # fixed, so moving a slider never rescales the depth plot; the text gives the input's value


def saturated(activation: Activation, x: np.ndarray, threshold: float = SATURATION) -> np.ndarray:
    """True where |f′(x)| < threshold: there a layer passes on almost none of the gradient."""
    return np.abs(activation.derivative(x)) < threshold


def mask_runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of True in mask, as (x_start, x_end) intervals."""
    runs, start, previous = [], None, None
    for value, flag in zip(x, mask):
        if flag and start is None:
            start = value
        elif not flag and start is not None:
            runs.append((float(start), float(previous)))
            start = None
        previous = value
    if start is not None:
        runs.append((float(start), float(x[-1])))
    return runs


def gradient_norms_through_depth(
    activation: Activation,
    depth: int,
    init_scale: float,
    width: int = 64,
    batch: int = 32,
    seed: int = 0,
) -> np.ndarray:
    """‖∂L/∂A_k‖ / ‖∂L/∂A_depth‖ for k = 0 … depth in a plain MLP with weights N(0,
    init_scale²/width).

    The inputs, weights and upstream gradient come from a fixed seed, so moving a slider changes
    only what it names.
    """
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(width, batch))
    weights, pre_activations = [], []
    for _layer in range(depth):
        W = rng.normal(0.0, init_scale / np.sqrt(width), size=(width, width))
        Z = W @ A
        A = activation.value(Z)
        weights.append(W)
        pre_activations.append(Z)
    dA = rng.normal(size=(width, batch))
    top = np.linalg.norm(dA)
    norms = [1.0]
    for W, Z in zip(reversed(weights), reversed(pre_activations)):
        dA = W.T @ (dA * activation.derivative(Z))
        norms.append(np.linalg.norm(dA) / top)
    return np.array(norms[::-1])


def value_limits(*curves: np.ndarray) -> tuple[float, float]:
    """y-limits that hold every curve with a 5% margin, as autoscaling would choose them."""
    low, high = min(float(c.min()) for c in curves), max(float(c.max()) for c in curves)
    margin = (
        0.05 * (high - low) if high - low > 1e-6 else 0.05
    )  # flat curves (ReLU left of 0) get a visible band
    return low - margin, high + margin


def layer_limits(depth: int) -> tuple[float, float]:
    """The depth plot's x-limits, in steps of 10 layers: the scale stays put while N moves within a
    decade."""
    return -0.5, 10.0 * np.ceil(depth / 10.0) + 0.5


def saturation_boxes(x: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
    """One rectangle per saturated run, x in data units and y from 0 to 1 in axes units."""
    return [
        np.array([(start, 0.0), (start, 1.0), (end, 1.0), (end, 0.0)])
        for start, end in mask_runs(x, mask)
    ]


def draw_activation(
    figure: Figure,
    activation: str = "sigmoid",
    x_range: tuple[float, float] = (-6.0, 6.0),
    depth: int = 20,
    init_scale: float = 1.0,
) -> dict:
    """Left: f and f′ over x_range, saturation shaded. Right: log10 of the gradient's size at each
    layer.

    Returns the artists that `update_activation` moves, the x and y axes whose limits follow the
    controls among them.
    """
    left, right = figure.add_axes(LEFT_AXES), figure.add_axes(RIGHT_AXES)
    moving = {"left_x": left.xaxis, "left_y": left.yaxis}

    shade = PolyCollection(
        [], facecolor="0.85", lw=0, zorder=1, transform=left.get_xaxis_transform()
    )
    moving["shade"] = left.add_collection(shade, autolim=False)
    (moving["f"],) = left.plot([], [], color="C0", label=f"{activation}(x)")
    (moving["df"],) = left.plot([], [], color="C1", label=f"{activation}′(x)")
    left.plot(
        [],
        [],
        color="0.85",
        lw=6,
        label=_("saturated: |f′| < {threshold}").format(threshold=SATURATION),
    )
    left.set_xlabel(_("x (pre-activation Z)"))
    left.set_ylabel(_("value"))
    moving["left_title"] = left.set_title("", y=1.0)  # explicit y: no costly auto-placement
    moving["legend"] = left.legend(
        handles=[moving["f"], moving["df"], left.lines[-1]], loc="upper left", fontsize=8
    )

    right.axhline(0.0, color="0.6", lw=1, ls="--")
    # The label is in the edition's language; the id, which code looks the curve up by, never is.
    (moving["depth"],) = right.plot(
        [], [], "o-", color="C2", ms=3, label=_("gradient size"), gid="gradient size"
    )
    moving["right_x"] = right.xaxis
    right.set_ylim(DEPTH_LOG_RANGE)
    right.set_xlabel(_("layer k (0 = input)"))
    right.set_ylabel("log₁₀ ‖∂L/∂A_k‖ / ‖∂L/∂A_N‖")
    moving["right_title"] = right.set_title("", y=1.0)
    moving["at_input"] = right.text(
        0.97, 0.05, "", transform=right.transAxes, fontsize=9, ha="right"
    )  # the curve ends at 0 on the right
    lean_ticks(left, right)
    right.xaxis.set_major_locator(MaxNLocator(5, steps=DEPTH_TICK_STEPS))
    right.yaxis.set_major_locator(MaxNLocator(5, steps=DEPTH_TICK_STEPS))
    update_activation(moving, activation, x_range, depth, init_scale)
    return moving


def update_activation(
    moving: dict, activation: str, x_range: tuple[float, float], depth: int, init_scale: float
) -> bool:
    """Set the moving artists, axis limits included, to new values in place; always True (no full
    redraw needed)."""
    left, right = moving["f"].axes, moving["depth"].axes
    act = ACTIVATIONS[activation]
    x = np.linspace(x_range[0], x_range[1], GRID_POINTS)
    f, df = act.value(x), act.derivative(x)
    moving["f"].set_data(x, f)
    moving["f"].set_label(f"{activation}(x)")
    moving["df"].set_data(x, df)
    moving["df"].set_label(f"{activation}′(x)")
    moving["shade"].set_verts(saturation_boxes(x, saturated(act, x)))
    left.set_xlim(x_range)
    left.set_ylim(value_limits(f, df))
    for text, line in zip(moving["legend"].get_texts(), (moving["f"], moving["df"])):
        text.set_text(line.get_label())
    moving["left_title"].set_text(
        _("{activation} and its derivative").format(activation=activation)
    )

    ratios = gradient_norms_through_depth(act, depth, init_scale)
    logs = np.log10(ratios)
    moving["depth"].set_data(np.arange(depth + 1), logs)
    right.set_xlim(layer_limits(depth))
    moving["right_title"].set_text(
        _("through N = {depth} layers, init scale {scale:g}").format(depth=depth, scale=init_scale)
    )
    off_scale = logs.min() < DEPTH_LOG_RANGE[0] or logs.max() > DEPTH_LOG_RANGE[1]
    moving["at_input"].set_text(
        _("at the input: ×{ratio:.2g}").format(ratio=ratios[0])
        + (_(" (off the scale)") if off_scale else "")
    )
    return True


def activation_widget(
    activation: str = "sigmoid", x_range=(-6.0, 6.0), depth: int = 20, init_scale: float = 1.0
) -> LivePlot:
    """The live widget: an activation menu, the x range, the depth N and the initialisation
    scale."""
    style = {"description_width": "initial"}
    controls = {
        "activation": widgets.Dropdown(
            options=list(ACTIVATIONS),
            value=activation,
            description=_("activation"),
            style=style,
            layout=widgets.Layout(width="200px"),
        ),
        "x_range": widgets.FloatRangeSlider(
            value=x_range,
            min=-12.0,
            max=12.0,
            step=0.5,
            description=_("x range"),
            style=style,
            continuous_update=True,
            layout=widgets.Layout(width="330px"),
        ),
        "depth": widgets.IntSlider(
            value=depth,
            min=1,
            max=50,
            description=_("depth N"),
            style=style,
            layout=widgets.Layout(width="280px"),
        ),
        "init_scale": widgets.FloatSlider(
            value=init_scale,
            min=0.25,
            max=3.0,
            step=0.05,
            description=_("init scale"),
            style=style,
            layout=widgets.Layout(width="280px"),
        ),
    }
    plot = live_plot(
        draw_activation, controls, figsize=(9.6, 3.4), dpi=80, update=update_activation
    )
    wrap_controls(plot)
    return plot
