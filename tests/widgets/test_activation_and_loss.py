"""Chapter 4's widgets: the pure drawing data, the draw functions on a bare Figure, and the sliders
driven in-process."""

import io
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from PIL import Image

from utils.widgets.activation import (
    activation_widget,
    draw_activation,
    gradient_norms_through_depth,
    layer_limits,
    mask_runs,
    saturated,
    saturation_boxes,
    value_limits,
)
from utils.activations import ACTIVATIONS
from utils.widgets.loss import (
    NAMES,
    class_one_probability,
    draw_losses,
    logit_gradients,
    loss_curves,
    loss_widget,
)
from utils.widgets.live_plot import _installed_cjk_font


def line(ax, label):
    """The line whose legend label is `label`, or starts with `label: ` (the loss widget adds the
    current value)."""
    return next(
        l for l in ax.lines if l.get_label() == label or l.get_label().startswith(f"{label}: ")
    )


def markers(ax):
    return [l for l in ax.lines if len(l.get_xdata()) == 1]


# ---- pure data
# -------------------------------------------------------------------------------------------------


def test_mask_runs():
    x = np.arange(8.0)
    assert mask_runs(x, np.array([1, 1, 0, 0, 1, 0, 1, 1], bool)) == [
        (0.0, 1.0),
        (4.0, 4.0),
        (6.0, 7.0),
    ]
    assert mask_runs(x, np.zeros(8, bool)) == []


def test_axis_limit_helpers():
    assert value_limits(np.array([0.0, 1.0]), np.array([0.25, -1.0])) == pytest.approx((-1.1, 1.1))
    assert value_limits(np.zeros(5)) == (-0.05, 0.05)  # a flat curve still gets a band
    assert [layer_limits(n) for n in (1, 10, 11, 50)] == [
        (-0.5, 10.5),
        (-0.5, 10.5),
        (-0.5, 20.5),
        (-0.5, 50.5),
    ]


def test_saturation_boxes_span_each_run_over_the_full_height():
    x = np.arange(6.0)
    boxes = saturation_boxes(x, np.array([1, 1, 0, 0, 1, 1], bool))
    np.testing.assert_array_equal(boxes[0], [(0, 0), (0, 1), (1, 1), (1, 0)])
    np.testing.assert_array_equal(boxes[1], [(4, 0), (4, 1), (5, 1), (5, 0)])
    assert saturation_boxes(x, np.zeros(6, bool)) == []


def test_saturation_zones():
    x = np.array([-10.0, -1.0, 0.5, 10.0])
    np.testing.assert_array_equal(saturated(ACTIVATIONS["sigmoid"], x), [True, False, False, True])
    np.testing.assert_array_equal(saturated(ACTIVATIONS["relu"], x), [True, True, False, False])


def test_gradient_norms_through_depth():
    sig, relu = ACTIVATIONS["sigmoid"], ACTIVATIONS["relu"]
    norms = gradient_norms_through_depth(sig, 10, 1.0)
    assert norms.shape == (11,) and norms[-1] == 1.0
    assert np.all(np.diff(norms) > 0)  # shrinks at every sigmoid layer on the way down
    assert norms[0] < 0.25**10  # σ′ ≤ 1/4 with weights of scale 1 cannot do better
    he = gradient_norms_through_depth(relu, 20, np.sqrt(2.0))[0]
    assert 0.1 < he < 10.0  # He initialisation keeps ReLU's gradient of order 1
    assert gradient_norms_through_depth(relu, 20, 1.0)[0] < 1e-2
    np.testing.assert_array_equal(norms, gradient_norms_through_depth(sig, 10, 1.0))  # fixed seed


def test_loss_curves_and_logit_gradients_match_torch():
    z = np.linspace(-6, 6, 25)
    for target in (0, 1):
        zt = torch.tensor(z, requires_grad=True)
        y = torch.full_like(zt, float(target))
        ((torch.sigmoid(zt) - y) ** 2).sum().backward()
        np.testing.assert_allclose(
            logit_gradients(z, target, 3)[NAMES[0]], zt.grad.numpy(), rtol=1e-12, atol=1e-15
        )

        zt = torch.tensor(z, requires_grad=True)
        F.binary_cross_entropy_with_logits(zt, y, reduction="sum").backward()
        np.testing.assert_allclose(
            logit_gradients(z, target, 3)[NAMES[1]], zt.grad.numpy(), rtol=1e-12, atol=1e-15
        )

        for K in (2, 5):
            zt = torch.tensor(z, requires_grad=True)
            logits = torch.stack(
                [zt] + [torch.zeros_like(zt)] * (K - 1), dim=1
            )  # rows are examples
            labels = torch.full((z.size,), 0 if target == 1 else 1)
            loss = F.cross_entropy(logits, labels, reduction="none")
            loss.sum().backward()
            np.testing.assert_allclose(
                logit_gradients(z, target, K)[NAMES[2]], zt.grad.numpy(), rtol=1e-12, atol=1e-15
            )
            p1 = class_one_probability(z, K)
            np.testing.assert_allclose(
                loss_curves(p1, target, K)[NAMES[2]], loss.detach().numpy(), rtol=1e-10
            )


def test_two_classes_make_categorical_equal_binary():
    p = np.linspace(0.01, 0.99, 9)
    for target in (0, 1):
        curves = loss_curves(p, target, 2)
        np.testing.assert_allclose(curves[NAMES[2]], curves[NAMES[1]], rtol=1e-12)
    np.testing.assert_allclose(
        class_one_probability(np.array([-2.0, 0.0, 3.0]), 2), 1 / (1 + np.exp([2.0, 0.0, -3.0]))
    )


def test_cross_entropy_learns_from_confident_mistakes_where_mse_stalls():
    g = logit_gradients(-6.0, 1, 3)
    assert abs(g[NAMES[1]]) > 0.99 and abs(g[NAMES[0]]) < 0.01


# ---- the draw functions, called directly on a bare Figure
# ---------------------------------------------------------


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_draw_activation_plots_the_function_its_derivative_and_the_depth_curve(name):
    fig = Figure()
    draw_activation(fig, activation=name, x_range=(-3.0, 5.0), depth=7, init_scale=1.5)
    left, right = fig.axes
    f, df = line(left, f"{name}(x)"), line(left, f"{name}′(x)")
    x = f.get_xdata()
    assert x[0] == -3.0 and x[-1] == 5.0
    np.testing.assert_allclose(f.get_ydata(), ACTIVATIONS[name].value(x))
    np.testing.assert_allclose(df.get_ydata(), ACTIVATIONS[name].derivative(x))
    depth_line = line(right, "gradient size")
    np.testing.assert_allclose(
        depth_line.get_ydata(), np.log10(gradient_norms_through_depth(ACTIVATIONS[name], 7, 1.5))
    )
    for ax in (left, right):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_draw_losses_plots_each_loss_and_gradient():
    fig = Figure()
    draw_losses(fig, target=0, classes=4, logit=1.5)
    left, right = fig.axes
    for name in NAMES:
        curve = line(right, name)
        np.testing.assert_allclose(
            curve.get_ydata(), logit_gradients(curve.get_xdata(), 0, 4)[name]
        )
    bce_curve = line(left, NAMES[1])
    np.testing.assert_allclose(
        bce_curve.get_ydata(), loss_curves(bce_curve.get_xdata(), 0, 4)[NAMES[1]]
    )
    assert [m.get_xdata()[0] for m in markers(right)] == [1.5, 1.5, 1.5]
    assert left.get_legend() is not None


# ---- the live widgets, driven by setting the controls' values
# ------------------------------------------------------


def test_activation_widget_sliders_change_the_plot_in_place():
    plot = activation_widget()
    figure, first_image = plot.figure, plot.image.value
    assert set(plot.controls) == {"activation", "x_range", "depth", "init_scale"}

    plot.controls["activation"].value = "tanh"
    left, right = plot.figure.axes
    f = line(left, "tanh(x)")
    np.testing.assert_allclose(f.get_ydata(), np.tanh(f.get_xdata()))
    assert [t.get_text() for t in left.get_legend().get_texts()][:2] == ["tanh(x)", "tanh′(x)"]
    assert left.get_title() == "tanh and its derivative"
    assert plot.image.value != first_image

    plot.controls["x_range"].value = (-2.0, 9.0)
    x = line(plot.figure.axes[0], "tanh(x)").get_xdata()
    assert (x[0], x[-1]) == (-2.0, 9.0)
    assert plot.figure.axes[0].get_xlim() == (-2.0, 9.0)

    plot.controls["depth"].value = 33
    assert len(line(plot.figure.axes[1], "gradient size").get_xdata()) == 34

    before = line(plot.figure.axes[1], "gradient size").get_ydata().copy()
    plot.controls["init_scale"].value = 2.5
    after = line(plot.figure.axes[1], "gradient size").get_ydata()
    np.testing.assert_allclose(
        after, np.log10(gradient_norms_through_depth(ACTIVATIONS["tanh"], 33, 2.5))
    )
    assert not np.allclose(before, after)

    assert plot.figure is figure and len(figure.axes) == 2  # one figure, redrawn; no axes pile up
    assert plot.widget.children[0].layout.flex_flow == "row wrap"


def test_loss_widget_sliders_change_the_plot_in_place():
    plot = loss_widget()
    figure, first_image = plot.figure, plot.image.value
    assert set(plot.controls) == {"target", "classes", "logit"}

    plot.controls["logit"].value = 2.75
    right = plot.figure.axes[1]
    assert [m.get_xdata()[0] for m in markers(right)] == [2.75, 2.75, 2.75]
    bce_now = float(logit_gradients(2.75, 1, 3)[NAMES[1]])
    assert f"{NAMES[1]}: {bce_now:+.3f}" in [t.get_text() for t in right.get_legend().get_texts()]
    assert right.get_legend().get_title().get_text() == "at z = 2.75"
    assert plot.image.value != first_image

    plot.controls["target"].value = 0
    left = plot.figure.axes[0]
    mse = line(left, NAMES[0])
    np.testing.assert_allclose(mse.get_ydata(), mse.get_xdata() ** 2)  # (ŷ − 0)²

    before = line(plot.figure.axes[1], NAMES[2]).get_ydata().copy()
    plot.controls["classes"].value = 7
    after = line(plot.figure.axes[1], NAMES[2])
    np.testing.assert_allclose(
        after.get_ydata(), logit_gradients(after.get_xdata(), 0, 7)[NAMES[2]]
    )
    assert not np.allclose(before, after.get_ydata())

    assert plot.figure is figure and len(figure.axes) == 2


@pytest.mark.parametrize(
    "build, moves",
    [
        (
            activation_widget,
            [("init_scale", 2.0), ("activation", "relu"), ("x_range", (-3.0, 9.0)), ("depth", 17)],
        ),
        (loss_widget, [("logit", 2.0), ("target", 0), ("classes", 6), ("logit", -1.5)]),
    ],
)
def test_widgets_blit_moves_and_match_a_full_redraw(build, moves):
    plot = build()
    for name, value in moves:
        plot.controls[name].value = value
    assert plot.full_redraws == 1  # every move above only updated the moving artists
    blitted = np.asarray(Image.open(io.BytesIO(plot.image.value)))
    plot.redraw(full=True)
    np.testing.assert_array_equal(
        blitted, np.asarray(Image.open(io.BytesIO(plot.image.value)))
    )  # nothing stale or doubled


def test_axis_limits_follow_the_controls_without_a_full_redraw():
    plot = activation_widget(depth=20)
    left, right = plot.figure.axes
    plot.controls["depth"].value = 11
    assert right.get_xlim() == (-0.5, 20.5)  # the depth axis moves in steps of 10 layers
    plot.controls["depth"].value = 21
    assert right.get_xlim() == (-0.5, 30.5) and right.get_ylim() == (-20.0, 10.0)
    plot.controls["activation"].value = "relu"
    plot.controls["x_range"].value = (-1.0, 4.0)
    assert (
        left.get_xlim() == (-1.0, 4.0) and 4.0 < left.get_ylim()[1] < 4.5
    )  # relu reaches 4; a 5% margin
    assert plot.full_redraws == 1


def test_the_widgets_speak_chinese_in_the_chinese_edition(monkeypatch):
    """Labels are translated where the widget is made; an installed CJK font draws them."""
    monkeypatch.setenv("COURSE_LANG", "zh")
    with warnings.catch_warnings():
        if _installed_cjk_font() is not None:
            warnings.filterwarnings("error", message="Glyph .* missing")
        plot = loss_widget(target=1, logit=-4.0)
    assert plot.controls["classes"].description == "类别数 K"
    assert [label for label, _ in plot.controls["target"].options] == ["目标 y = 0", "目标 y = 1"]
    left, right = plot.figure.axes
    assert left.get_title() == "目标 y = 1 时的损失"
    assert right.get_legend().get_title().get_text() == "在 z = -4 处"
    assert line(left, "二元交叉熵") is plot.artists[f"loss {NAMES[1]}"]  # keyed by the English name
