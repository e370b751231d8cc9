"""The loss widget: MSE, binary and categorical cross-entropy against the prediction, and their
gradients w.r.t. the logit.

The prediction comes from a logit z: ŷ = σ(z) for the binary losses; for K classes the logits are
(z, 0, …, 0), so p₁ = softmax(z, 0, …)₁ is the probability of class 1. Target y = 1 means class 1; y
= 0 means class 2 (K-class case).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from scipy.special import expit

from utils.i18n import N_, _
from utils.widgets.live_plot import LivePlot, lean_ticks, live_plot, wrap_controls

LEFT_AXES = (0.07, 0.15, 0.40, 0.72)
RIGHT_AXES = (0.58, 0.15, 0.40, 0.72)
Z_LIMIT = 8.0
# The losses' names: keys of the dicts below, and (through `_`) their legend labels.
NAMES = (N_("MSE through σ"), N_("binary cross-entropy"), N_("categorical cross-entropy"))
COLORS = ("C3", "C0", "C2")
STYLES = ("-", "-", "--")  # dashed: for y = 1 the categorical curve lies on the binary one


def class_one_probability(z: np.ndarray, classes: int) -> np.ndarray:
    """p₁ = e^z / (e^z + K − 1): softmax of the logits (z, 0, …, 0), first entry; σ(z) when K =
    2."""
    return expit(np.asarray(z, dtype=np.float64) - np.log(classes - 1))


def loss_curves(p: np.ndarray, target: int, classes: int) -> dict[str, np.ndarray]:
    """Each loss as a function of the predicted probability p of class 1 (for K classes, the rest
    shared equally)."""
    p = np.asarray(p, dtype=np.float64)
    y = float(target)
    categorical = -np.log(p) if target == 1 else -np.log((1.0 - p) / (classes - 1))
    return {
        NAMES[0]: (p - y) ** 2,
        NAMES[1]: -(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)),
        NAMES[2]: categorical,
    }


def logit_gradients(z: np.ndarray, target: int, classes: int) -> dict[str, np.ndarray]:
    """∂L/∂z for each loss: 2(σ − y)σ(1 − σ) for MSE through σ, σ − y for BCE, p₁ − [y = 1] for
    K-class CE."""
    z = np.asarray(z, dtype=np.float64)
    s = expit(z)
    y = float(target)
    return {
        NAMES[0]: 2.0 * (s - y) * s * (1.0 - s),
        NAMES[1]: s - y,
        NAMES[2]: class_one_probability(z, classes) - y,
    }


def draw_losses(figure: Figure, target: int = 1, classes: int = 3, logit: float = -4.0) -> dict:
    """Left: the three losses against the predicted probability. Right: their gradients w.r.t. the
    logit z.

    Every axis limit is fixed, so the returned curves, markers, band, line and legends are all
    `update_losses` moves.
    """
    left, right = figure.add_axes(LEFT_AXES), figure.add_axes(RIGHT_AXES)
    moving = {}
    for name, color, style in zip(NAMES, COLORS, STYLES):
        (moving[f"loss {name}"],) = left.plot([], [], color=color, ls=style, label=_(name))
        (moving[f"loss dot {name}"],) = left.plot([], [], "o", color=color, ms=6)
    left.set_xlim(0.0, 1.0)
    left.set_ylim(0.0, 5.0)
    left.set_xlabel(_("predicted probability of class 1, ŷ"))
    left.set_ylabel(_("loss L"))
    moving["left_title"] = left.set_title("", y=1.0)  # explicit y: no costly auto-placement
    moving["left_legend"] = left.legend(
        handles=[moving[f"loss {name}"] for name in NAMES], loc="upper center", fontsize=8
    )

    moving["band"] = right.axvspan(-Z_LIMIT, -2.0, color="0.9", lw=0, label=_("confident mistake"))
    right.axhline(0.0, color="0.6", lw=1)
    for name, color, style in zip(NAMES, COLORS, STYLES):
        (moving[f"gradient {name}"],) = right.plot([], [], color=color, ls=style, label=_(name))
        (moving[f"gradient dot {name}"],) = right.plot([], [], "o", color=color, ms=6)
    moving["now"] = right.axvline(logit, color="0.3", lw=1, ls=":")
    right.set_xlim(-Z_LIMIT, Z_LIMIT)
    right.set_ylim(-1.1, 1.1)
    right.set_xlabel(_("logit z"))
    right.set_ylabel("∂L/∂z")
    right.set_title(_("gradient with respect to the logit"), y=1.0)
    moving["right_legend"] = right.legend(
        handles=[moving["band"]] + [moving[f"gradient {name}"] for name in NAMES],
        fontsize=7,
        title=" ",
        title_fontsize=7,
    )
    lean_ticks(left, right)
    update_losses(moving, target, classes, logit)
    return moving


def update_losses(moving: dict, target: int, classes: int, logit: float) -> bool:
    """Set every moving artist (curves, markers, band, line, legend texts) to new values in place;
    always True."""
    p = np.linspace(0.001, 0.999, 300)
    p_now = {
        NAMES[0]: expit(logit),
        NAMES[1]: expit(logit),
        NAMES[2]: class_one_probability(logit, classes),
    }
    for name, values in loss_curves(p, target, classes).items():
        moving[f"loss {name}"].set_data(p, values)
        moving[f"loss dot {name}"].set_data(
            [p_now[name]], [loss_curves(p_now[name], target, classes)[name]]
        )
    moving[f"loss {NAMES[2]}"].set_label(f"{_(NAMES[2])} (K = {classes})")
    for text, name in zip(moving["left_legend"].get_texts(), NAMES):
        text.set_text(moving[f"loss {name}"].get_label())
    moving["left_title"].set_text(_("losses for target y = {target}").format(target=target))

    z = np.linspace(-Z_LIMIT, Z_LIMIT, 321)
    gradients_now = logit_gradients(logit, target, classes)
    for name, values in logit_gradients(z, target, classes).items():
        moving[f"gradient {name}"].set_data(z, values)
        moving[f"gradient {name}"].set_label(f"{_(name)}: {float(gradients_now[name]):+.3f}")
        moving[f"gradient dot {name}"].set_data([logit], [gradients_now[name]])
    moving["band"].set_x(
        -Z_LIMIT if target == 1 else 2.0
    )  # a confident mistake: z far on the wrong side
    moving["band"].set_width(Z_LIMIT - 2.0)
    moving["now"].set_xdata([logit, logit])
    legend = moving["right_legend"]
    for text, name in zip(legend.get_texts()[1:], NAMES):
        text.set_text(moving[f"gradient {name}"].get_label())
    legend.set_title(_("at z = {z:g}").format(z=logit))
    legend.set_loc("upper right" if target == 1 else "lower right")
    return True


def loss_widget(target: int = 1, classes: int = 3, logit: float = -4.0) -> LivePlot:
    """The live widget: the target, the number of classes K, and the current logit z."""
    style = {"description_width": "initial"}
    controls = {
        "target": widgets.ToggleButtons(
            options=[(_("target y = 0"), 0), (_("target y = 1"), 1)],
            value=target,
            style={"button_width": "110px"},
        ),
        "classes": widgets.IntSlider(
            value=classes,
            min=2,
            max=10,
            description=_("classes K"),
            style=style,
            layout=widgets.Layout(width="280px"),
        ),
        "logit": widgets.FloatSlider(
            value=logit,
            min=-Z_LIMIT,
            max=Z_LIMIT,
            step=0.25,
            description=_("logit z"),
            style=style,
            layout=widgets.Layout(width="340px"),
        ),
    }
    plot = live_plot(draw_losses, controls, figsize=(9.6, 3.4), dpi=80, update=update_losses)
    wrap_controls(plot)
    return plot
