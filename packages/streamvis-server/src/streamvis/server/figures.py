"""Bokeh models for one figure of a page: a few glyphs on one data source for all its lines.

A figure holds every line it draws in one ``ColumnDataSource`` (``lines``: one row per series,
ragged ``xs``/``ys`` for a ``MultiLine``; a scatter figure keeps its points flat in ``points``
with the row of their series), so its cost in the browser does not grow with a model per line.
New points arrive through ``inbox``: the session replaces its data once per tick with every new
point of the figure, and a small browser callback (``static/inbox.js``) appends them to their
lines. Smoothed lines live in ``smooth`` (same rows), the hovered run's lines in ``highlight``.

Bokeh cannot switch an axis between linear and log on a live plot, so each figure is built twice
(same ``x_range``, same sources) and the cell shows one of them. The legend (outside the plot,
on the right) is shown while the figure has at most ``LEGEND_MAX_LINES`` lines, or when the
user turns it on.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import numpy as np
from bokeh.core.property.descriptors import UnsetValueError
from bokeh.models import (CDSView, Column, ColumnDataSource, CustomJS, CustomJSHover,
                          CustomJSTransform, GlyphRenderer, HoverTool, IndexFilter, Legend,
                          LegendItem, BooleanFilter)
from bokeh.plotting import figure

from streamvis.logger import SeriesKey
from streamvis.server.linedata import FlatPoints, Line, empty, flat_points, flat_rows
from streamvis.server.runs import RunColors
from streamvis.server.schema import FigureSpec

__all__ = ["FigureView", "LEGEND_MAX_LINES", "js_source", "series_label"]

RAW_ALPHA_SMOOTHED = 0.25   # raw line opacity while a smoothed line is drawn over it
LEGEND_MAX_LINES = 10
_COLOR_KWARGS = ("color", "line_color", "fill_color")
_SIZE_KWARGS = ("width", "height", "sizing_mode", "y_axis_type", "output_backend")
# Canvas by default: without a GPU (headless or remote desktops) Chromium's software WebGL drew
# 1,200 lines of 2,000 points 6x slower than canvas here; `figure_kwargs: {output_backend:
# webgl}` opts in.
DEFAULT_OUTPUT_BACKEND = "canvas"
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"

def js_source(name: str) -> str:
    """The text of one of the package's browser scripts (``static/NAME``)."""
    return resources.files("streamvis.server").joinpath("static", name).read_text("utf-8")


def series_label(spec: FigureSpec, key: SeriesKey) -> str:
    """Legend text: ``scope/index``, with the name too when the figure can match several names."""
    scope, name, index = key
    if re.escape(spec.group_pattern) == spec.group_pattern:   # a literal: one name only
        return f"{scope}/{index}"
    return f"{scope}/{name}/{index}"


class FigureView:
    """One figure on one page: twin plots, the sources of all its lines, legend and hover."""

    def __init__(self, spec: FigureSpec, colors: RunColors | None = None,
                 output_backend: str | None = None) -> None:
        self.spec = spec
        self.xcol, self.ycol = spec.columns[0], spec.columns[1]
        self.scatter = spec.glyph_kind == "scatter"
        self.run_colors = colors or RunColors()
        self.palette = spec.colors() if spec.palette is not None else None
        self.fixed_color = next((spec.glyph_kwargs[k] for k in _COLOR_KWARGS
                                 if k in spec.glyph_kwargs), None)
        self.output_backend = (output_backend or spec.figure_kwargs.get("output_backend")
                               or DEFAULT_OUTPUT_BACKEND)
        name = spec.name
        self.lines = ColumnDataSource(self._row_columns([]), tags=["streamvis-lines", name])
        self.points = ColumnDataSource({"x": empty(), "y": empty(), "row": empty()},
                                       tags=["streamvis-points", name])
        self.smooth = ColumnDataSource({"xs": [], "ys": [], "color": []},
                                       tags=["streamvis-smooth", name])
        self.highlight = ColumnDataSource({"xs": [], "ys": [], "color": []},
                                          tags=["streamvis-highlight", name])
        self.inbox = ColumnDataSource({"row": empty(), "x": empty(), "y": empty(),
                                       "s": empty()}, tags=["streamvis-inbox", name])
        self.row_filter = IndexFilter(indices=None)         # rows shown (the run panel's)
        self.point_filter = BooleanFilter(booleans=None)    # scatter: points of rows shown
        self.inbox.js_on_change("data", CustomJS(code=js_source("inbox.js"), args=dict(
            inbox=self.inbox, lines=self.lines, points=self.points, smooth=self.smooth,
            scatter=self.scatter)))
        self.keys: list[SeriesKey] = []          # row -> series
        self.rows: dict[SeriesKey, int] = {}
        self.smoothing = 0.0
        self.legend_choice: bool | None = None   # the user's toggle; None: automatic
        self.x_mode = spec.x_axis                # asked for: step, wall or relative
        self.x_shown = "step"                    # drawn (the logged x until wall times exist)
        self.x_label = spec.figure_kwargs.get("x_axis_label")
        self.x_note: Any = None                  # a Div saying why x_shown != x_mode
        kwargs = {k: v for k, v in spec.figure_kwargs.items() if k not in _SIZE_KWARGS}
        self.log = spec.figure_kwargs.get("y_axis_type") == "log"
        self.raw: list[GlyphRenderer] = []
        self.keyed: list[GlyphRenderer] = []     # a row per series: what the legend shows
        self.smoothed: list[GlyphRenderer] = []
        self.legends: list[Legend] = []
        self.linear_fig = self._make(kwargs, "linear", None)
        self.log_fig = self._make(kwargs, "log", self.linear_fig.x_range)
        self.figs = (self.linear_fig, self.log_fig)
        # the inbox is drawn by nothing: the cell's tags hold it so it joins the document
        self.container = Column(children=[self.active], sizing_mode="stretch_both",
                                tags=["streamvis-cell", name, self.inbox])

    # -- building ---------------------------------------------------------------------------

    def _make(self, kwargs: dict[str, Any], axis: str, x_range: Any) -> Any:
        extra = {"x_range": x_range} if x_range is not None else {}
        fig = figure(**kwargs, **extra, y_axis_type=axis, sizing_mode="stretch_both",
                     tools=kwargs.get("tools", TOOLS), min_width=50, min_height=50,
                     output_backend=self.output_backend,
                     tags=["streamvis-figure", self.spec.name, axis])
        wheel = [t for t in fig.tools if t.__class__.__name__ == "WheelZoomTool"]
        if wheel:
            fig.toolbar.active_scroll = wheel[0]
        glyph_kwargs = {k: v for k, v in self.spec.glyph_kwargs.items()
                        if k not in _COLOR_KWARGS}
        rows_view = CDSView(filter=self.row_filter)
        if self.scatter:
            color = {"field": "row", "transform": CustomJSTransform(
                args=dict(lines=self.lines),
                v_func="const c = lines.data.color; return Array.from(xs, r => c[r]);")}
            raw = fig.scatter(x="x", y="y", source=self.points, color=color,
                              view=CDSView(filter=self.point_filter), **glyph_kwargs)
            tips = [("series", "@row{series}"), (self.xcol, "@x"), (self.ycol, "@y")]
            formatters = {"@row": CustomJSHover(args=dict(lines=self.lines), code=(
                "const d = lines.data; const r = value;"
                "return d.scope[r] + ' / ' + d.name[r] + ' / ' + d.index[r];"))}
            # legend swatches: one NaN point per series (row), drawn nowhere
            keyed = fig.scatter(x="nx", y="ny", source=self.lines, color="color",
                                view=CDSView(filter=self.row_filter), **glyph_kwargs)
        else:
            raw = keyed = fig.multi_line(xs="xs", ys="ys", source=self.lines,
                                         line_color="color", view=rows_view, **glyph_kwargs)
            tips = [("scope", "@scope"), ("name", "@name"), ("index", "@index"),
                    (self.xcol, "$x"), (self.ycol, "$y")]
            formatters = {}
        raw.tags = ["raw"]
        if self.smoothing > 0:
            raw.glyph.update(**{self._alpha_attr: RAW_ALPHA_SMOOTHED})
        smooth = fig.multi_line(xs="xs", ys="ys", source=self.smooth, line_color="color",
                                view=CDSView(filter=self.row_filter),
                                visible=self.smoothing > 0,
                                line_width=self.spec.glyph_kwargs.get("line_width", 1))
        smooth.tags = ["smooth"]
        highlight = fig.multi_line(xs="xs", ys="ys", source=self.highlight, line_color="color",
                                   line_width=3)
        highlight.tags = ["highlight"]
        hover = HoverTool(renderers=[raw], tooltips=tips, formatters=formatters,
                          callback=CustomJS(args=dict(figure=self.spec.name), code=(
                              "if (window.streamvis) window.streamvis.hovered(figure, cb_data)")))
        fig.add_tools(hover)
        legend = Legend(items=[], click_policy="none", location="top_left", visible=False,
                        label_text_font_size="9pt", spacing=0, padding=4)
        fig.add_layout(legend, "right")
        self.raw.append(raw)
        self.keyed.append(keyed)
        self.smoothed.append(smooth)
        self.legends.append(legend)
        return fig

    @property
    def _alpha_attr(self) -> str:
        return "fill_alpha" if self.scatter else "line_alpha"

    @property
    def active(self) -> Any:
        return self.log_fig if self.log else self.linear_fig

    @property
    def x_range(self) -> Any:
        return self.linear_fig.x_range

    def plot_width(self) -> int:
        """The canvas width in pixels as last reported by the browser (0 if not yet known)."""
        try:
            width = self.active.inner_width
        except UnsetValueError:   # not yet reported by the browser
            return 0
        return width if isinstance(width, int) else 0

    # -- controls ---------------------------------------------------------------------------

    def set_log(self, log: bool) -> None:
        """Show the log (True) or linear twin."""
        if log != self.log:
            self.log = log
            self.container.children = [self.active]

    def set_smoothing(self, alpha: float) -> None:
        """Draw raw lines faint and the smoothed ones (alpha > 0), or raw lines alone."""
        self.smoothing = alpha
        for r in self.raw:
            r.glyph.update(**{self._alpha_attr: RAW_ALPHA_SMOOTHED if alpha > 0 else 1.0})
        for r in self.smoothed:
            r.visible = alpha > 0

    def set_legend(self, shown: bool | None) -> None:
        """Show or hide the legend (``None``: shown while there are few lines)."""
        self.legend_choice = shown
        self._update_legend()

    def _update_legend(self) -> None:
        shown = self.legend_choice
        if shown is None:
            shown = len(self.keys) <= LEGEND_MAX_LINES
        items = []
        if shown:
            items = [(series_label(self.spec, key), row) for row, key in enumerate(self.keys)]
        for keyed, legend in zip(self.keyed, self.legends):
            legend.items = [LegendItem(label=label, renderers=[keyed], index=index)
                            for label, index in items]
            legend.visible = bool(items)

    # -- data -------------------------------------------------------------------------------

    def color_of(self, key: SeriesKey) -> str:
        """A line's colour: the schema's ``glyph_kwargs`` colour if any; else
        ``palette[index % len]`` when the schema names a palette; else its run's colour."""
        if self.fixed_color is not None:
            return self.fixed_color
        if self.palette is not None:
            return self.palette[key[2] % len(self.palette)]
        return self.run_colors(key[0])

    def _row_columns(self, keys: list[SeriesKey]) -> dict[str, Any]:
        cols: dict[str, Any] = {
            "color": [self.color_of(k) for k in keys], "scope": [k[0] for k in keys],
            "name": [k[1] for k in keys], "index": [k[2] for k in keys],
            "key": [f"{k[0]}|{k[1]}|{k[2]}" for k in keys]}
        if self.scatter:
            cols["nx"] = cols["ny"] = np.full(len(keys), np.nan)
        else:   # filled in the browser from the inbox
            cols["xs"], cols["ys"] = [[] for _ in keys], [[] for _ in keys]
        return cols

    def set_lines(self, lines: list[Line]) -> None:
        """Replace every line of the figure (first fill, zoom, budget change, deletes).

        A line figure's points go out flat, in one inbox message that starts by clearing every
        row (a ragged column would cost a binary buffer per line); its rows are resent only
        when the set of series changed, so a zoom never shows empty lines in between."""
        keys = [k for k, *_ in lines]
        if self.scatter or keys != self.keys or not keys:
            self.keys = keys
            self.rows = {k: i for i, k in enumerate(self.keys)}
            self.lines.data = self._row_columns(self.keys)
            self.smooth.data = self._smooth_columns(lines)
            self._update_legend()
        if self.scatter:
            self.points.data = flat_points(lines, 0)
        else:
            self.send_points(*flat_rows(lines, 0), reset=True)

    def add_lines(self, lines: list[Line]) -> FlatPoints | None:
        """Append new series as new rows (one stream message per source). A line figure
        returns their points, flat, for the session to send with the tick's other new points
        (after the rows)."""
        if not lines:
            return None
        first = len(self.keys)
        keys = [k for k, *_ in lines]
        for k in keys:
            self.rows[k] = len(self.keys)
            self.keys.append(k)
        self.lines.stream(self._row_columns(keys))
        self.smooth.stream(self._smooth_columns(lines))
        if len(self.keys) <= LEGEND_MAX_LINES + len(lines) or self.legend_choice:
            self._update_legend()
        if self.scatter:
            self.points.stream(flat_points(lines, first))
            return None
        return flat_rows(lines, first)

    def _smooth_columns(self, lines: list[Line]) -> dict[str, Any]:
        """Rows of the smoothed lines: empty for a line figure (filled through the inbox)."""
        on = self.smoothing > 0 and self.scatter
        return {"xs": [x if on and s is not None else [] for _, x, _, s in lines],
                "ys": [s if on and s is not None else [] for _, _, _, s in lines],
                "color": [self.color_of(k) for k, *_ in lines]}

    def send_points(self, rows: np.ndarray, x: np.ndarray, y: np.ndarray,
                    s: np.ndarray | None, reset: bool = False) -> None:
        """New points of existing rows, all in one message (appended in the browser). With
        ``reset``, a first entry of row -1 tells the browser to clear every line first."""
        smooth = s is not None and self.smoothing > 0
        if reset:
            nan = np.full(1, np.nan)
            rows, x, y = (np.concatenate(([-1.0], rows)), np.concatenate((nan, x)),
                          np.concatenate((nan, y)))
            if smooth:
                s = np.concatenate((nan, s))
        data = {"row": rows.astype(np.float64), "x": x, "y": y}
        if smooth:
            data["s"] = s
        self.inbox.data = data
