"""Widgets: `live_plot` wires controls to a drawing function; each widget module is plain data in, a
plot out."""
