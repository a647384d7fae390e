"""What a figure's x axis shows (``x_axis``: ``step``, ``wall`` or ``relative``): the values
sent for it, and the axes' tickers, formatters, labels and hover text for each choice.

``wall`` is the wall-clock time of each point's ``write`` call, on a date axis (BokehJS counts
milliseconds since the epoch); ``relative`` is seconds since the run's first point. Series
written before wall times existed have none: a figure holding any of those shows the logged x
and says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bokeh.models import (BasicTicker, BasicTickFormatter, DatetimeTicker,
                          DatetimeTickFormatter, HoverTool)

from streamvis.server.store import WALL, SeriesStore

__all__ = ["FALLBACK_NOTE", "X_MODES", "RunStarts", "apply_x_mode", "choose_x_mode", "x_values"]

X_MODES = ("step", "wall", "relative")
FALLBACK_NOTE = "no wall times in this log (written before they existed): showing the logged x"


def x_values(mode: str, data: dict[str, np.ndarray], xcol: str, wall_base: float,
             run_start: float) -> np.ndarray:
    """The x values to draw for rows ``data`` of a series: the logged ``xcol``, wall time in
    ms since the epoch (``wall``) or seconds since ``run_start`` (``relative``); ``WALL``
    counts ms from ``wall_base`` (s), ``run_start`` is in the same ms."""
    if mode == "wall":
        return data[WALL] + wall_base * 1000.0
    if mode == "relative":
        return (data[WALL] - run_start) / 1000.0
    return data[xcol]


def apply_x_mode(figs: Any, mode: str, xcol: str, label: str | None) -> None:
    """Set the x axis of each of ``figs`` (and its hover text) for ``mode``."""
    for fig in figs:
        axis = fig.xaxis[0]
        if mode == "wall":
            axis.ticker, axis.formatter = DatetimeTicker(), DatetimeTickFormatter()
            axis.axis_label = "wall time (UTC)"
        else:
            axis.ticker, axis.formatter = BasicTicker(), BasicTickFormatter()
            axis.axis_label = ("seconds since the run's first point" if mode == "relative"
                               else label)
        for hover in fig.select(type=HoverTool):
            _hover_x(hover, mode, xcol)


def _hover_x(hover: HoverTool, mode: str, xcol: str) -> None:
    tips = list(hover.tooltips or [])
    formatters = dict(hover.formatters or {})
    for i, (name, value) in enumerate(tips):
        field = value.split("{")[0]
        if name in (xcol, "wall time", "seconds") and field in ("$x", "@x"):
            if mode == "wall":
                tips[i] = ("wall time", field + "{%F %T}")
                formatters[field] = "datetime"
            else:
                tips[i] = ("seconds" if mode == "relative" else xcol, field)
                formatters.pop(field, None)
    hover.tooltips, hover.formatters = tips, formatters


def choose_x_mode(view: Any, lacking: bool) -> None:
    """Show what ``view.x_mode`` asks for, or the logged x (said in ``view.x_note``) when a
    series of the figure is ``lacking`` wall times; re-axes the figure when that changes."""
    mode = view.x_mode
    missing = mode != "step" and lacking
    shown = "step" if missing else mode
    if view.x_note is not None:
        view.x_note.text = FALLBACK_NOTE if missing else ""
    if shown != view.x_shown:
        view.x_shown = shown
        apply_x_mode(view.figs, shown, view.xcol, view.x_label)


class RunStarts:
    """The wall time of each run's first point (over its series in the store, in the store's
    ``WALL`` milliseconds), cached."""

    def __init__(self, store: SeriesStore) -> None:
        self.store = store
        self._starts: dict[str, float] = {}

    def start(self, scope: str) -> float:
        start = self._starts.get(scope)
        if start is None:
            firsts = [self.store.view(k, 0, 1).get(WALL) for k in self.store.keys()
                      if k[0] == scope]
            values = [float(f[0]) for f in firsts if f is not None and len(f) and f[0] == f[0]]
            start = min(values) if values else 0.0
            if values:
                self._starts[scope] = start
        return start
