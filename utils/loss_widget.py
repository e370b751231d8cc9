"""The loss widget: MSE, binary and categorical cross-entropy against the prediction, and their gradients w.r.t. the logit.

The prediction comes from a logit z: ŷ = σ(z) for the binary losses; for K classes the logits are (z, 0, …, 0), so
p₁ = softmax(z, 0, …)₁ is the probability of class 1. Target y = 1 means class 1; y = 0 means class 2 (K-class case).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from scipy.special import expit

from utils.activation_widget import lean_ticks, wrap_controls
from utils.widgets import LivePlot, live_plot

LEFT_AXES = (0.07, 0.15, 0.40, 0.72)
RIGHT_AXES = (0.58, 0.15, 0.40, 0.72)
Z_LIMIT = 8.0
NAMES = ("MSE through σ", "binary cross-entropy", "categorical cross-entropy")


def class_one_probability(z: np.ndarray, classes: int) -> np.ndarray:
    """p₁ = e^z / (e^z + K − 1): softmax of the logits (z, 0, …, 0), first entry; σ(z) when K = 2."""
    return expit(np.asarray(z, dtype=np.float64) - np.log(classes - 1))


def loss_curves(p: np.ndarray, target: int, classes: int) -> dict[str, np.ndarray]:
    """Each loss as a function of the predicted probability p of class 1 (for K classes, the rest shared equally)."""
    p = np.asarray(p, dtype=np.float64)
    y = float(target)
    categorical = -np.log(p) if target == 1 else -np.log((1.0 - p) / (classes - 1))
    return {
        NAMES[0]: (p - y) ** 2,
        NAMES[1]: -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)),
        NAMES[2]: categorical,
    }


def logit_gradients(z: np.ndarray, target: int, classes: int) -> dict[str, np.ndarray]:
    """∂L/∂z for each loss: 2(σ − y)σ(1 − σ) for MSE through σ, σ − y for BCE, p₁ − [y = 1] for K-class CE."""
    z = np.asarray(z, dtype=np.float64)
    s = expit(z)
    y = float(target)
    return {
        NAMES[0]: 2.0 * (s - y) * s * (1.0 - s),
        NAMES[1]: s - y,
        NAMES[2]: class_one_probability(z, classes) - y,
    }


def draw_losses(figure: Figure, target: int = 1, classes: int = 3, logit: float = -4.0) -> None:
    """Left: the three losses against the predicted probability. Right: their gradients w.r.t. the logit z."""
    figure.set_layout_engine(None)  # fixed axes rectangles; one draw per savefig
    left, right = figure.add_axes(LEFT_AXES), figure.add_axes(RIGHT_AXES)
    colors = ("C3", "C0", "C2")
    styles = ("-", "-", "--")  # dashed: for y = 1 the categorical curve lies on the binary one

    p = np.linspace(0.001, 0.999, 300)
    p_now = {NAMES[0]: expit(logit), NAMES[1]: expit(logit), NAMES[2]: class_one_probability(logit, classes)}
    for (name, values), color, style in zip(loss_curves(p, target, classes).items(), colors, styles):
        left.plot(p, values, color=color, ls=style, label=name if name != NAMES[2] else f"{name} (K = {classes})")
        left.plot([p_now[name]], [loss_curves(p_now[name], target, classes)[name]], "o", color=color, ms=6)
    left.set_xlim(0.0, 1.0)
    left.set_ylim(0.0, 5.0)
    left.set_xlabel("predicted probability of class 1, ŷ")
    left.set_ylabel("loss L")
    left.set_title(f"losses for target y = {target}", y=1.0)  # explicit y: no costly auto-placement
    left.legend(loc="upper center", fontsize=8)

    z = np.linspace(-Z_LIMIT, Z_LIMIT, 321)
    wrong_side = (-Z_LIMIT, -2.0) if target == 1 else (2.0, Z_LIMIT)
    right.axvspan(*wrong_side, color="0.9", lw=0, label="confident mistake")
    right.axhline(0.0, color="0.6", lw=1)
    gradients_now = logit_gradients(logit, target, classes)
    for (name, values), color, style in zip(logit_gradients(z, target, classes).items(), colors, styles):
        right.plot(z, values, color=color, ls=style, label=f"{name}: {float(gradients_now[name]):+.3f}")
        right.plot([logit], [gradients_now[name]], "o", color=color, ms=6)
    right.axvline(logit, color="0.3", lw=1, ls=":")
    right.set_xlim(-Z_LIMIT, Z_LIMIT)
    right.set_ylim(-1.1, 1.1)
    right.set_xlabel("logit z")
    right.set_ylabel("∂L/∂z")
    right.set_title("gradient with respect to the logit", y=1.0)  # explicit y: no costly auto-placement
    right.legend(loc="upper right" if target == 1 else "lower right", fontsize=7, title=f"at z = {logit:g}", title_fontsize=7)
    lean_ticks(left, right)


def loss_widget(target: int = 1, classes: int = 3, logit: float = -4.0) -> LivePlot:
    """The live widget: the target, the number of classes K, and the current logit z."""
    style = {"description_width": "initial"}
    controls = {
        "target": widgets.ToggleButtons(options=[("target y = 0", 0), ("target y = 1", 1)], value=target, style={"button_width": "110px"}),
        "classes": widgets.IntSlider(value=classes, min=2, max=10, description="classes K", style=style, layout=widgets.Layout(width="280px")),
        "logit": widgets.FloatSlider(value=logit, min=-Z_LIMIT, max=Z_LIMIT, step=0.25, description="logit z", style=style, layout=widgets.Layout(width="340px")),
    }
    plot = live_plot(draw_losses, controls, figsize=(9.6, 3.4), dpi=80)
    wrap_controls(plot)
    return plot
