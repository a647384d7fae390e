"""Render a page of panels as one standalone, interactive Bokeh HTML file (no server).

The figures are the viewer's own (``FigureView``: one glyph for all lines, the same colours,
hover, tags, the legend beside the plot so it covers no data) laid out by the viewer's grid,
with the lines' points placed in their source (the viewer streams them through an inbox that
a file has no server to fill), with BokehJS inlined so the file works
offline and can be mailed. Without a server there is no zoom refetch, so each line keeps full
resolution up to ``HTML_FULL_POINTS`` points; a longer one keeps first/last/min/max of
``HTML_BUCKETS`` x-buckets (zooming in up to about ten times on a 1,000-pixel plot still shows
every extreme exactly).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamvis.cli.plot_data import Panel, reduce_line, smoothed
from streamvis.server.document import grid_for
from streamvis.server.figures import FigureView
from streamvis.server.layout import Layout

__all__ = ["HTML_BUCKETS", "HTML_FULL_POINTS", "render_html"]

HTML_FULL_POINTS = 40_000
HTML_BUCKETS = 10_000


def render_html(panels: list[Panel], layout: Layout, title: str,
                size: tuple[int, int] | None = None, smoothing: float = 0.0) -> tuple[str, int]:
    """The page as HTML text, and the number of points it holds. ``size`` (pixels) fixes the
    page's size; without it the page fills the browser window, like the viewer's."""
    from bokeh.embed import file_html
    from bokeh.models import Column
    from bokeh.resources import INLINE

    views: dict[str, FigureView] = {}
    held = 0
    for panel in panels:
        view = views[panel.spec.name] = FigureView(panel.spec)
        if panel.log_y != view.log:
            view.set_log(panel.log_y)
        if smoothing > 0:
            view.set_smoothing(smoothing)
        held += _fill(view, panel, smoothing)
    grid = grid_for(layout, {name: view.container for name, view in views.items()})
    if size is None:
        root = Column(grid, sizing_mode="stretch_both")
    else:
        root = Column(grid, width=size[0], height=size[1], sizing_mode="fixed")
    return file_html(root, INLINE, title), held


def _fill(view: FigureView, panel: Panel, smoothing: float) -> int:
    """Put every line of ``panel`` in ``view`` (reduced past ``HTML_FULL_POINTS``); returns
    the points held."""
    lines = []
    for line in panel.lines:
        x, y = line.columns[panel.xcol], line.columns[panel.ycol]
        idx = (reduce_line(x, y, HTML_BUCKETS) if len(line) > HTML_FULL_POINTS
               else np.arange(len(line)))
        smooth = smoothed(y, smoothing)[idx] if smoothing > 0 and len(line) else None
        lines.append((line.key, _js_array(x[idx]), _js_array(y[idx]), smooth))
    view.set_lines(lines)
    if not view.scatter:   # in place, not through the inbox the browser script would empty
        view.lines.data = {**view.lines.data, "xs": [x for _, x, _, _ in lines],
                           "ys": [y for _, _, y, _ in lines]}
        if smoothing > 0:
            view.smooth.data = {**view.smooth.data, "xs": [x for _, x, _, _ in lines],
                                "ys": [s if s is not None else [] for *_, s in lines]}
        view.inbox.data = {name: np.zeros(0) for name in view.inbox.data}
    return sum(len(x) for _, x, _, _ in lines)


def _js_array(a: Any) -> np.ndarray:
    """Arrays BokehJS can hold: 64-bit ints become float64 (exact below 2**53), bools int8."""
    a = np.asarray(a)
    if a.dtype.kind in "iu" and a.dtype.itemsize == 8:
        return a.astype(np.float64)
    if a.dtype.kind == "b":
        return a.astype(np.int8)
    return np.ascontiguousarray(a)
