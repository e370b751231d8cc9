"""The activation widget: f and f′ with saturation zones shaded, and the gradient's size through N layers.

`draw_activation` is a pure function of its arguments (tests call it on a Figure); `activation_widget` wires controls to it.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from utils.activations import ACTIVATIONS, Activation
from utils.widgets import LivePlot, live_plot

SATURATION = 0.05  # |f′(x)| below this passes on less than 5% of the gradient
GRID_POINTS = 301
LEFT_AXES = (0.07, 0.15, 0.40, 0.72)  # fixed rectangles: cheaper to draw than a layout engine
RIGHT_AXES = (0.58, 0.15, 0.40, 0.72)


def saturated(activation: Activation, x: np.ndarray, threshold: float = SATURATION) -> np.ndarray:
    """True where |f′(x)| < threshold: there a layer passes on almost none of the gradient."""
    return np.abs(activation.derivative(x)) < threshold


def mask_runs(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of True in mask, as (x_start, x_end) intervals."""
    runs, start = [], None
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


def gradient_norms_through_depth(activation: Activation, depth: int, init_scale: float, width: int = 64, batch: int = 32, seed: int = 0) -> np.ndarray:
    """‖∂L/∂A_k‖ / ‖∂L/∂A_depth‖ for k = 0 … depth in a plain MLP with weights N(0, init_scale²/width).

    The inputs, weights and upstream gradient come from a fixed seed, so moving a slider changes only what it names.
    """
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(width, batch))
    weights, pre_activations = [], []
    for _ in range(depth):
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


def draw_activation(figure: Figure, activation: str = "sigmoid", x_range: tuple[float, float] = (-6.0, 6.0), depth: int = 20, init_scale: float = 1.0) -> None:
    """Left: f and f′ over x_range, saturation shaded. Right: log10 of the gradient's size at each layer."""
    act = ACTIVATIONS[activation]
    figure.set_layout_engine(None)  # fixed axes rectangles; no engine means one draw per savefig, not two
    left, right = figure.add_axes(LEFT_AXES), figure.add_axes(RIGHT_AXES)

    x = np.linspace(x_range[0], x_range[1], GRID_POINTS)
    for start, end in mask_runs(x, saturated(act, x)):
        left.axvspan(start, end, color="0.85", lw=0)
    left.plot(x, act.value(x), color="C0", label=f"{activation}(x)")
    left.plot(x, act.derivative(x), color="C1", label=f"{activation}′(x)")
    left.plot([], [], color="0.85", lw=6, label=f"saturated: |f′| < {SATURATION}")
    left.set_xlim(x_range)
    left.set_xlabel("x (pre-activation Z)")
    left.set_ylabel("value")
    left.set_title(f"{activation} and its derivative", y=1.0)  # explicit y: no costly auto-placement
    left.legend(loc="upper left", fontsize=8)

    ratios = gradient_norms_through_depth(act, depth, init_scale)
    layers = np.arange(depth + 1)
    right.axhline(0.0, color="0.6", lw=1, ls="--")
    right.plot(layers, np.log10(ratios), "o-", color="C2", ms=3, label="gradient size")
    right.set_xlim(-0.5, depth + 0.5)
    low = min(-2.0, float(np.floor(np.log10(ratios).min())))
    high = max(2.0, float(np.ceil(np.log10(ratios).max())))
    right.set_ylim(low, high)
    right.set_xlabel("layer k (0 = input)")
    right.set_ylabel("log₁₀ ‖∂L/∂A_k‖ / ‖∂L/∂A_N‖")
    right.set_title(f"through N = {depth} layers, init scale {init_scale:g}", y=1.0)  # explicit y: no costly auto-placement
    right.text(0.03, 0.92, f"at the input: ×{ratios[0]:.2g}", transform=right.transAxes, fontsize=9)
    lean_ticks(left, right)


def lean_ticks(*axes) -> None:
    """Few ticks: each tick is several artists, and redraw time grows with their number."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))


def wrap_controls(plot: LivePlot) -> None:
    """Let the row of controls wrap onto a second line, so each slider keeps a usable length."""
    plot.widget.children[0].layout.flex_flow = "row wrap"


def activation_widget(activation: str = "sigmoid", x_range=(-6.0, 6.0), depth: int = 20, init_scale: float = 1.0) -> LivePlot:
    """The live widget: an activation menu, the x range, the depth N and the initialisation scale."""
    style = {"description_width": "initial"}
    controls = {
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation", style=style, layout=widgets.Layout(width="200px")),
        "x_range": widgets.FloatRangeSlider(value=x_range, min=-12.0, max=12.0, step=0.5, description="x range", style=style, continuous_update=True, layout=widgets.Layout(width="330px")),
        "depth": widgets.IntSlider(value=depth, min=1, max=50, description="depth N", style=style, layout=widgets.Layout(width="280px")),
        "init_scale": widgets.FloatSlider(value=init_scale, min=0.25, max=3.0, step=0.05, description="init scale", style=style, layout=widgets.Layout(width="280px")),
    }
    plot = live_plot(draw_activation, controls, figsize=(9.6, 3.4), dpi=80)
    wrap_controls(plot)
    return plot
