"""live_plot itself: the full redraw, the blitted fast path, and one Figure reused for every
move."""

import io

import ipywidgets as widgets
import matplotlib.figure
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from utils.widgets.live_plot import live_plot, moving_artists, png_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def draw_dot(figure, x=0.5, limit=1.0):
    """A static curve and axis, and one moving dot; the x-limit is part of the structure."""
    ax = figure.add_axes((0.1, 0.15, 0.85, 0.75))
    ax.plot([0.0, limit], [0.0, 1.0], color="0.5")
    ax.set_xlim(0.0, limit)
    ax.set_ylim(0.0, 1.0)
    (dot,) = ax.plot([x], [0.5], "o", color="C3", ms=12)
    title = ax.set_title(f"x = {x:.2f}", y=1.0)
    return {"dot": dot, "title": title}


def update_dot(artists, x=0.5, limit=1.0):
    """Move the dot; a new limit changes the axis, which needs a full redraw."""
    if artists["dot"].axes.get_xlim()[1] != limit:
        return False
    artists["dot"].set_data([x], [0.5])
    artists["title"].set_text(f"x = {x:.2f}")
    return True


def dot_plot(update=update_dot):
    controls = {
        "x": widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05),
        "limit": widgets.FloatSlider(value=1.0, min=1.0, max=2.0, step=0.5),
    }
    return live_plot(draw_dot, controls, figsize=(4.0, 3.0), dpi=50, update=update)


def test_first_render_is_a_full_draw_into_a_png_of_the_figure_size():
    plot = dot_plot()
    assert plot.full_redraws == 1
    assert bytes(plot.image.value).startswith(PNG_SIGNATURE)
    assert pixels(plot.image.value).shape == (150, 200, 3)
    assert all(artist.get_animated() for artist in plot.artists.values())


def test_fast_path_moves_the_artist_and_matches_a_full_redraw():
    plot = dot_plot()
    first = plot.image.value
    plot.controls["x"].value = 0.8
    assert plot.full_redraws == 1  # blitted: the figure was not drawn again
    assert plot.image.value != first
    np.testing.assert_array_equal(plot.artists["dot"].get_xdata(), [0.8])
    fast = pixels(plot.image.value)
    plot.redraw(full=True)
    assert plot.full_redraws == 2
    np.testing.assert_array_equal(
        fast, pixels(plot.image.value)
    )  # no stale dot left behind, nothing doubled


def test_moving_back_restores_the_first_image_exactly():
    plot = dot_plot()
    first = pixels(plot.image.value)
    plot.controls["x"].value = 0.1
    assert not np.array_equal(first, pixels(plot.image.value))
    plot.controls["x"].value = 0.5
    np.testing.assert_array_equal(first, pixels(plot.image.value))


def test_update_returning_false_triggers_a_full_redraw_with_the_new_values():
    plot = dot_plot()
    old_dot = plot.artists["dot"]
    plot.controls["limit"].value = 2.0
    assert plot.full_redraws == 2
    assert plot.artists["dot"] is not old_dot and plot.figure.axes[0].get_xlim() == (0.0, 2.0)
    assert len(plot.figure.axes) == 1  # cleared before drawing again


def test_without_update_every_move_is_a_full_redraw():
    plot = dot_plot(update=None)
    first = plot.image.value
    plot.controls["x"].value = 0.3
    assert plot.full_redraws == 2 and plot.image.value != first


def test_no_new_figure_per_move(monkeypatch):
    plot = dot_plot()
    created = []
    original = matplotlib.figure.Figure.__init__

    def counting_init(self, *args, **kwargs):
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "__init__", counting_init)
    figure = plot.figure
    for x in (0.1, 0.2, 0.9):
        plot.controls["x"].value = x
    plot.controls["limit"].value = 1.5
    plot.controls["x"].value = 0.4
    assert created == [] and plot.figure is figure and len(figure.axes) == 1


def test_moving_artists_accepts_a_dict_a_sequence_or_none_and_sorts_by_zorder():
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    low, high = ax.axvline(0.0, zorder=1), ax.text(0.0, 0.0, "t", zorder=4)
    assert moving_artists({"b": high, "a": low}) == [low, high]
    assert moving_artists([high, low]) == [low, high]
    assert moving_artists(None) == []


def test_png_bytes_encodes_the_canvas_without_alpha():
    fig = matplotlib.figure.Figure(figsize=(1.0, 1.0), dpi=20, facecolor="red")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = pixels(png_bytes(canvas))
    assert image.shape == (20, 20, 3) and (image == [255, 0, 0]).all()
