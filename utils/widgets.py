"""Wire ipywidgets controls to a pure drawing function; the plot redraws in place as one PNG image.

One matplotlib Figure is kept (never pyplot, so no new figure per move) and re-rendered into an
`ipywidgets.Image`, whose saved state the static book shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import ipywidgets as widgets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


@dataclass
class LivePlot:
    widget: widgets.Box
    figure: Figure
    controls: dict[str, widgets.ValueWidget]
    image: widgets.Image

    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self, *_):
        """Clear the one figure, draw it again from the controls' values, and update the image."""
        self.figure.clear()
        self._draw(self.figure, **self.values())
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        self.image.value = buffer.getvalue()

    _draw: Callable = None  # set by live_plot


def live_plot(draw: Callable[..., None], controls: dict[str, widgets.ValueWidget], figsize=(7.0, 3.2), dpi=90) -> LivePlot:
    """`draw(figure, **values)` is called now and after every control change; the controls sit above the plot."""
    figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{int(figsize[0] * dpi)}px"))
    box = widgets.VBox([widgets.HBox(list(controls.values())), image])
    plot = LivePlot(widget=box, figure=figure, controls=controls, image=image)
    plot._draw = draw
    for control in controls.values():
        control.observe(plot.redraw, names="value")
    plot.redraw()
    return plot
