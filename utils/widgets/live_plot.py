"""Wire ipywidgets controls to a pure drawing function; the plot redraws in place as one PNG image.

One matplotlib Figure is kept (never pyplot, so no new figure per move) and rendered into an
`ipywidgets.Image`, whose saved state the static book shows. With an `update` function, a move that
only changes some artists restores the cached background and draws just those (blitting).

The widgets' labels are translated where they are made (`utils.i18n._`); in an edition other than
English the figure is drawn with an installed CJK font as the fallback for glyphs that the default
font lacks, so that a Chinese label is not drawn as empty boxes.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable

import ipywidgets as widgets
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from utils.i18n import language

PNG_COMPRESS_LEVEL = 1  # fast zlib setting: a few ms per frame, a slightly larger file
# Fonts with Chinese glyphs, in order of preference; the first installed one backs up the default.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)


@cache
def _installed_cjk_font() -> str | None:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def edition_fonts():
    """A context in which text is drawn in the default sans-serif font, falling back to an
    installed CJK font for the glyphs it lacks; in English (or with no CJK font installed), no
    change."""
    fallback = None if language() == "en" else _installed_cjk_font()
    if fallback is None:
        return contextlib.nullcontext()
    return rc_context({"font.family": ["sans-serif", fallback]})


def moving_artists(artists) -> list:
    """The artists a draw function returned (a dict of named artists, a sequence, or None), lowest
    zorder first."""
    found = list(artists.values()) if isinstance(artists, dict) else list(artists or ())
    return sorted(found, key=lambda artist: artist.get_zorder())


def png_bytes(canvas: FigureCanvasAgg) -> bytes:
    """The canvas's current pixels as PNG, encoded by PIL without the (opaque) alpha channel."""
    buffer = io.BytesIO()
    Image.frombuffer(
        "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    ).convert("RGB").save(buffer, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


@dataclass
class LivePlot:
    widget: widgets.Box
    figure: Figure
    controls: dict[str, widgets.ValueWidget]
    image: widgets.Image
    draw: Callable[..., Any]
    update: Callable[..., bool] | None = None
    artists: Any = None  # what the last full draw returned: the artists `update` mutates
    background: Any = None  # the figure without its moving artists, cached after each full draw
    full_redraws: int = 0  # how many times the figure was cleared and drawn from scratch

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, *_, full: bool = False) -> None:
        """Render the controls' current values: blit the moving artists if `update` accepts them,
        else draw everything."""
        with edition_fonts():
            self._render(full)

    def _render(self, full: bool) -> None:
        canvas, values = self.figure.canvas, self.values()
        if (
            full
            or self.update is None
            or self.background is None
            or not self.update(self.artists, **values)
        ):
            self.figure.clear()
            self.artists = self.draw(self.figure, **values)
            for artist in moving_artists(self.artists):
                artist.set_animated(
                    True
                )  # left out of the background; drawn on top of it every frame
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.figure.bbox)
            self.full_redraws += 1
        else:
            canvas.restore_region(self.background)
        for artist in moving_artists(self.artists):
            self.figure.draw_artist(artist)
        self.image.value = png_bytes(canvas)


def live_plot(
    draw: Callable[..., Any],
    controls: dict[str, widgets.ValueWidget],
    figsize=(7.0, 3.2),
    dpi=90,
    update: Callable[..., bool] | None = None,
) -> LivePlot:
    """`draw(figure, **values)` builds the plot on fixed axes rectangles and may return its moving
    artists; `update(artists, **values)` mutates those in place and returns False when the whole
    figure must be drawn again."""
    figure = Figure(
        figsize=figsize, dpi=dpi, layout="none"
    )  # fixed axes rectangles: one draw per frame
    FigureCanvasAgg(figure)
    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{int(figsize[0] * dpi)}px"))
    box = widgets.VBox([widgets.HBox(list(controls.values())), image])
    plot = LivePlot(
        widget=box, figure=figure, controls=controls, image=image, draw=draw, update=update
    )
    for control in controls.values():
        control.observe(plot.redraw, names="value")
    plot.redraw()
    return plot


def lean_ticks(*axes) -> None:
    """Few ticks: each tick is several artists, and redraw time grows with their number."""
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_locator(MaxNLocator(5))


def wrap_controls(plot: LivePlot) -> None:
    """Let the row of controls wrap onto a second line, so each slider keeps a usable length."""
    plot.widget.children[0].layout.flex_flow = "row wrap"
