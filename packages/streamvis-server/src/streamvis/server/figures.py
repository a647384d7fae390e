"""Bokeh models for one figure of a page: a linear and a log twin sharing data, glyphs per series.

Bokeh cannot switch an axis between linear and log on a live plot, so each figure is built twice
(same ``x_range``, same data sources) and the cell shows one of them. Every series gets a raw
glyph, from the first time smoothing is turned on a smoothed glyph too, one legend entry
``scope/index`` (clicking it hides both) and hover showing x, y and scope. The smoothed glyph
stays ``visible`` (its data is empty while smoothing is off): ``visible`` belongs to the
legend, which greys out an entry whose renderers are not all visible and whose "hide" click
flips each renderer's ``visible``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bokeh.models import (Column, ColumnDataSource, GlyphRenderer, HoverTool, Legend,
                          LegendItem)
from bokeh.core.property.descriptors import UnsetValueError
from bokeh.plotting import figure

from streamvis.logger import SeriesKey
from streamvis.server.schema import FigureSpec

__all__ = ["FigureView", "SeriesGlyphs", "series_label"]

RAW_ALPHA_SMOOTHED = 0.25   # raw line opacity while a smoothed line is drawn over it
_COLOR_KWARGS = ("color", "line_color", "fill_color")
_SIZE_KWARGS = ("width", "height", "sizing_mode", "y_axis_type")
TOOLS = "pan,wheel_zoom,box_zoom,reset,save"


def series_label(spec: FigureSpec, key: SeriesKey) -> str:
    """Legend text: ``scope/index``, with the name too when the figure can match several names."""
    scope, name, index = key
    if re.escape(spec.group_pattern) == spec.group_pattern:   # a literal: one name only
        return f"{scope}/{index}"
    return f"{scope}/{name}/{index}"


@dataclass
class SeriesGlyphs:
    """The models drawn for one series in one figure view."""

    key: SeriesKey
    raw: ColumnDataSource
    smooth: ColumnDataSource
    renderers: list[GlyphRenderer] = field(default_factory=list)      # raw, per twin shown
    legend_items: list[LegendItem] = field(default_factory=list)      # per twin shown
    smooth_by_fig: dict[int, GlyphRenderer] = field(default_factory=dict)  # id(twin) -> glyph

    @property
    def smooth_renderers(self) -> list[GlyphRenderer]:
        """The smoothed glyphs (created when smoothing is first turned on)."""
        return list(self.smooth_by_fig.values())


class FigureView:
    """One figure on one page: the twin plots, their legend, and the glyphs per series."""

    def __init__(self, spec: FigureSpec) -> None:
        self.spec = spec
        self.xcol, self.ycol = spec.columns[0], spec.columns[1]
        self.colors = spec.colors()
        self._color_slots: dict[tuple[str, int], int] = {}
        kwargs = {k: v for k, v in spec.figure_kwargs.items() if k not in _SIZE_KWARGS}
        self.log = spec.figure_kwargs.get("y_axis_type") == "log"
        self.linear_fig = self._make(kwargs, "linear", None)
        self.log_fig = self._make(kwargs, "log", self.linear_fig.x_range)
        self.figs = (self.linear_fig, self.log_fig)
        self.container = Column(children=[self.active], sizing_mode="stretch_both",
                                tags=["streamvis-cell", spec.name])
        self.series: dict[SeriesKey, SeriesGlyphs] = {}
        self.smoothing = 0.0
        # twins that hold glyphs: the hidden one gets them when first shown (creating Bokeh
        # glyph models is the main cost of a new series; most pages never switch axis)
        self._populated = [self.active]

    def _make(self, kwargs: dict[str, Any], axis: str, x_range: Any) -> Any:
        extra = {"x_range": x_range} if x_range is not None else {}
        fig = figure(**kwargs, **extra, y_axis_type=axis, sizing_mode="stretch_both",
                     tools=kwargs.get("tools", TOOLS), min_width=50, min_height=50,
                     tags=["streamvis-figure", self.spec.name, axis])
        fig.add_layout(Legend(items=[], click_policy="hide", location="top_left",
                              background_fill_alpha=0.6, label_text_font_size="9pt",
                              spacing=0, padding=4))
        fig.add_tools(HoverTool(tooltips=[("scope", "$name"), (self.xcol, f"@{{{self.xcol}}}"),
                                          (self.ycol, f"@{{{self.ycol}}}")]))
        return fig

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

    def set_log(self, log: bool) -> None:
        """Show the log (True) or linear twin."""
        if log != self.log:
            self.log = log
            fig = self.active
            if fig not in self._populated:
                self._populated.append(fig)
                for glyphs in self.series.values():
                    self._add_glyphs(fig, glyphs)
            self.container.children = [fig]

    def set_smoothing(self, alpha: float) -> None:
        """Draw raw lines faint (alpha > 0: the session fills the smoothed lines) or solid.

        Call :meth:`add_smooth_glyphs` after filling the smoothed sources."""
        self.smoothing = alpha
        for glyphs in self.series.values():
            self._style(glyphs)

    def add_smooth_glyphs(self) -> None:
        """Give every series its smoothed glyph on each twin shown, if smoothing is on and it
        has none yet (they are made on first use: most pages never smooth)."""
        if self.smoothing <= 0:
            return
        for glyphs in self.series.values():
            for fig, raw, item in zip(self._populated, glyphs.renderers, glyphs.legend_items):
                if id(fig) not in glyphs.smooth_by_fig:
                    self._add_smooth(fig, glyphs, raw, item)

    def _add_smooth(self, fig: Any, glyphs: SeriesGlyphs, raw: GlyphRenderer,
                    item: LegendItem) -> None:
        s = fig.line(x=self.xcol, y=self.ycol, source=glyphs.smooth, name=glyphs.key[0],
                     line_color=self._color_kwargs(glyphs.key)["line_color"], line_width=2,
                     visible=raw.visible)     # hidden with its raw line from the legend
        s.tags = ["smooth"]
        item.renderers = [*item.renderers, s]
        glyphs.smooth_by_fig[id(fig)] = s

    def _style(self, glyphs: SeriesGlyphs) -> None:
        for r in glyphs.renderers:
            setattr(r.glyph, self._alpha_attr, self._raw_alpha())

    @property
    def _alpha_attr(self) -> str:
        return "line_alpha" if self.spec.glyph_kind == "line" else "fill_alpha"

    def _raw_alpha(self) -> float:
        return (RAW_ALPHA_SMOOTHED if self.smoothing > 0 else
                self.spec.glyph_kwargs.get(self._alpha_attr, 1.0))

    def add_series(self, key: SeriesKey, attach: bool = True) -> SeriesGlyphs:
        """Create (or return) the glyphs of one series, with empty data sources; drawn on the
        twins shown so far unless ``attach`` is false (then call :meth:`attach` later).

        In a frozen document (``doc.models.freeze()``) a model's changes made after it joins
        the document are not sent: fill the sources first, then attach.
        """
        if key in self.series:
            return self.series[key]
        cols = list(self.spec.columns)
        raw = ColumnDataSource({c: _empty() for c in cols}, tags=["raw", key[0], key[1], key[2]])
        smooth = ColumnDataSource({self.xcol: _empty(), self.ycol: _empty()},
                                  tags=["smooth", key[0], key[1], key[2]])
        glyphs = self.series[key] = SeriesGlyphs(key, raw, smooth)
        if attach:
            self.attach(key)
        return glyphs

    def attach(self, key: SeriesKey) -> None:
        """Draw a series created with ``attach=False`` on the twins shown so far."""
        glyphs = self.series[key]
        if not glyphs.renderers:
            for fig in self._populated:
                self._add_glyphs(fig, glyphs)

    def _add_glyphs(self, fig: Any, glyphs: SeriesGlyphs) -> None:
        """Draw one series on one twin: raw and smoothed glyphs, one legend entry."""
        key = glyphs.key
        kwargs = dict(self.spec.glyph_kwargs)
        if not any(k in kwargs for k in _COLOR_KWARGS):
            kwargs["color"] = self.color_of(key)
        if self.smoothing > 0:     # set now: a frozen document would not send a later change
            kwargs[self._alpha_attr] = self._raw_alpha()
        r = getattr(fig, self.spec.glyph_kind)(x=self.xcol, y=self.ycol, source=glyphs.raw,
                                               name=key[0], **kwargs)
        r.tags = ["raw"]
        item = LegendItem(label=series_label(self.spec, key), renderers=[r])
        glyphs.renderers.append(r)
        glyphs.legend_items.append(item)
        if self.smoothing > 0:
            self._add_smooth(fig, glyphs, r, item)
        fig.legend[0].items = [*fig.legend[0].items, item]

    def color_of(self, key: SeriesKey) -> str:
        """A series' colour: ``palette[index % len]`` when the schema names a palette (the
        seed's rule); otherwise each (scope, index) of this figure gets the next colour of the
        default palette in order of appearance, so that runs are told apart."""
        if self.spec.palette is not None:
            slot = key[2]
        else:
            slot = self._color_slots.setdefault((key[0], key[2]), len(self._color_slots))
        return self.colors[slot % len(self.colors)]

    def _color_kwargs(self, key: SeriesKey) -> dict[str, Any]:
        kwargs = dict(self.spec.glyph_kwargs)
        if not any(k in kwargs for k in _COLOR_KWARGS):
            kwargs["color"] = self.color_of(key)
        return {"line_color": _line_color(kwargs)}

    def remove_series(self, key: SeriesKey) -> None:
        """Take a series' glyphs and legend entry off both twins."""
        glyphs = self.series.pop(key, None)
        if glyphs is None:
            return
        gone = set(map(id, glyphs.renderers + glyphs.smooth_renderers))
        items = set(map(id, glyphs.legend_items))
        for fig in self.figs:
            fig.renderers = [r for r in fig.renderers if id(r) not in gone]
            fig.legend[0].items = [i for i in fig.legend[0].items if id(i) not in items]


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float64)


def _line_color(kwargs: dict[str, Any]) -> Any:
    for k in ("line_color", "color", "fill_color"):
        if k in kwargs:
            return kwargs[k]
    return "black"
