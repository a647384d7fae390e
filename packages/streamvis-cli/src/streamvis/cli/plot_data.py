"""What ``streamvis plot`` draws: the series of each figure of a layout, coloured as the viewer
colours them, and the per-pixel-column reduction that keeps every extreme.

Selection, colours and legend labels come from the viewer (``FigureSpec.matches``,
``FigureView.color_of``, ``series_label``), the reduction from its downsample module, and the
smoothing from its EMA, so a plotted page shows what the live page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from streamvis.logger import Series, SeriesKey
from streamvis.server.downsample import minmax_indices, window
from streamvis.server.figures import FigureView, series_label
from streamvis.server.layout import Cell, Layout
from streamvis.server.schema import FigureSpec, Schema
from streamvis.server.smoothing import ema

__all__ = ["Line", "Panel", "collect_panels", "is_sorted", "reduce_line", "smoothed",
           "time_axis"]


@dataclass(frozen=True)
class Line:
    """One series of one figure, full resolution, with the viewer's colour and legend label."""

    key: SeriesKey
    label: str
    color: str
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        for column in self.columns.values():
            return len(column)
        return 0


@dataclass
class Panel:
    """One figure of the page: its schema entry, its place in the layout and its lines."""

    spec: FigureSpec
    cell: Cell
    log_y: bool
    lines: list[Line] = field(default_factory=list)

    @property
    def xcol(self) -> str:
        return self.spec.columns[0]

    @property
    def ycol(self) -> str:
        return self.spec.columns[1]

    @property
    def points(self) -> int:
        return sum(len(line) for line in self.lines)


def collect_panels(schema: Schema, layout: Layout, series: list[Series],
                   log_figures: frozenset[str] = frozenset(),
                   x_axis: str = "step") -> list[Panel]:
    """Each cell of ``layout`` with the series (in log order) the viewer would draw there.

    A series is drawn when its scope and name match the figure's patterns, its scope matches
    the layout's ``scopes`` regex, and it has every column the figure names. ``log_figures``
    (and a figure whose ``figure_kwargs`` say ``y_axis_type: log``) get a log y axis.
    ``x_axis`` is ``step`` (the logged x), ``wall`` or ``relative`` (see :func:`time_axis`).
    """
    scopes = re.compile(layout.scopes) if layout.scopes is not None else None
    panels = []
    for cell in layout.cells():
        spec = schema.figures[cell.figure]
        log_y = cell.figure in log_figures or spec.figure_kwargs.get("y_axis_type") == "log"
        panel = Panel(spec, cell, log_y)
        colours = FigureView(spec)      # the viewer's colour assignment, in order of appearance
        for s in series:
            if scopes is not None and not scopes.fullmatch(s.scope):
                continue
            if not spec.matches(s.scope, s.name) or not all(c in s.columns
                                                            for c in spec.columns):
                continue
            columns = {c: s.columns[c] for c in spec.columns}
            panel.lines.append(Line(s.key, series_label(spec, s.key), colours.color_of(s.key),
                                    columns))
        panels.append(panel)
    return time_axis(panels, series, x_axis)


def time_axis(panels: list[Panel], series: list[Series], x_axis: str) -> list[Panel]:
    """``panels`` drawn against wall time (``wall``) or time since each run's first point
    (``relative``); ``step`` returns them unchanged. See :mod:`streamvis.cli.plot_xaxis`."""
    if x_axis == "step":
        return panels
    from streamvis.cli.plot_xaxis import retime, run_starts

    by_key = {s.key: s for s in series}
    starts = run_starts(series)
    return [retime(p, x_axis, by_key, starts) for p in panels]


def is_sorted(x: np.ndarray) -> bool:
    """True when ``x`` is non-decreasing (NaN makes it unsorted)."""
    return len(x) < 2 or bool(np.all(x[1:] >= x[:-1]))


def reduce_line(x: np.ndarray, y: np.ndarray, n_buckets: int,
                x_limits: tuple[float, float] | None = None) -> np.ndarray:
    """Indices of the points to draw: per x-bucket the first, last, min and max point.

    With ``n_buckets`` at least the plot's width in pixel columns the drawn line equals the
    full-resolution one (every spike stays). ``x_limits`` first cuts a sorted line to the shown
    x range (plus one point each side). An unsorted ``x`` is bucketed by index, as the viewer
    does.
    """
    if not is_sorted(x):
        return minmax_indices(None, y, n_buckets)
    start, stop = 0, len(x)
    if x_limits is not None:
        start, stop = window(x, x_limits[0], x_limits[1])
    return minmax_indices(x[start:stop], y[start:stop], n_buckets) + start


def smoothed(y: np.ndarray, alpha: float) -> np.ndarray:
    """The viewer's EMA smoothing of ``y`` (``alpha`` in [0, 1); 0 returns ``y`` as float64)."""
    return ema(y, alpha)[0]
