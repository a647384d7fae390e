"""Render a page of panels to PNG, SVG or PDF with matplotlib (the optional ``plot`` extra).

The figure is ``size`` pixels at ``dpi`` (a PNG is exactly that many pixels; an SVG or PDF is
``size / dpi`` inches). Each cell gets its share of the page as in the browser; every line is
reduced to first/last/min/max per x-bucket, four buckets per pixel column (buckets are not
aligned to pixel edges; at one per column a column's part of a bucket could lose its extreme),
so no spike disappears and the picture matches the full-resolution one up to anti-aliasing
(bench/bench_plot.py counts the differing pixels). Legends sit outside the axes, so they never
cover data; text stays text in SVG and PDF.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from streamvis.cli.errors import CliError
from streamvis.cli.plot_data import Panel, is_sorted, reduce_line, smoothed
from streamvis.cli.plot_style import AxesStyle, axes_style, glyph_style
from streamvis.server.figures import RAW_ALPHA_SMOOTHED
from streamvis.server.layout import Layout

__all__ = ["BUCKETS_PER_PIXEL", "PLOT_HINT", "STATIC_FORMATS", "RenderStats", "build_figure",
           "import_matplotlib", "render_static"]

logger = logging.getLogger(__name__)

PLOT_HINT = "pip install 'streamvis-cli[plot]'"
STATIC_FORMATS = ("png", "svg", "pdf")
BUCKETS_PER_PIXEL = 4
SCATTER_FULL_POINTS = 100_000     # scatters up to this many points are drawn unreduced
LEGEND_MAX_ENTRIES = 20
SMOOTH_LINE_WIDTH = 2.0           # Bokeh pixels, as the viewer's smoothed line
MS_PER_DAY = 86_400_000.0         # Bokeh datetimes are ms since the epoch; matplotlib's are days
# Publication defaults: text stays text (SVG) and TrueType (PDF), so it can be edited/searched.
PUBLICATION_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42,
                  "savefig.facecolor": "white", "figure.facecolor": "white",
                  "legend.frameon": False}


@dataclass(frozen=True)
class RenderStats:
    """What was drawn: lines, points in the log, points handed to matplotlib."""

    lines: int
    points: int
    drawn: int


def import_matplotlib() -> Any:
    """The ``matplotlib`` module, or a ``CliError`` saying how to install it."""
    try:
        import matplotlib
        import matplotlib.figure  # noqa: F401  (the only part used; no pyplot, no GUI)
    except ImportError as err:
        raise CliError(f"PNG, SVG and PDF output needs matplotlib, which is not installed "
                       f"({err}); install it with: {PLOT_HINT} (or write .html, which needs "
                       "only Bokeh)") from err
    return matplotlib


def render_static(panels: list[Panel], layout: Layout, out: str | IO[bytes], fmt: str,
                  size: tuple[int, int], dpi: float, smoothing: float = 0.0) -> RenderStats:
    """Draw ``panels`` laid out as ``layout`` and save them to ``out`` as ``fmt``."""
    if fmt not in STATIC_FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(STATIC_FORMATS)}")
    mpl = import_matplotlib()
    with mpl.rc_context(PUBLICATION_RC), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, stats = build_figure(panels, layout, size, dpi, smoothing)
        fig.savefig(out, format=fmt, dpi=dpi)
    for w in {str(w.message) for w in caught}:   # e.g. a page too small for its text
        logger.warning("matplotlib: %s (page %dx%d px at %g dpi)", w, *size, dpi)
    return stats


def build_figure(panels: list[Panel], layout: Layout, size: tuple[int, int], dpi: float,
                 smoothing: float = 0.0, buckets_per_pixel: int = BUCKETS_PER_PIXEL
                 ) -> tuple[Any, RenderStats]:
    """The matplotlib ``Figure`` of the page (not saved) and what it draws. A huge
    ``buckets_per_pixel`` draws every point (the full-resolution reference)."""
    import_matplotlib()
    from matplotlib.figure import Figure

    width, height = size
    drawn = 0
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
    axes = _grid(fig, layout)
    for panel in panels:
        buckets = max(1, math.ceil(panel.cell.width * width)) * buckets_per_pixel
        drawn += _draw(axes[panel.spec.name], panel, dpi, buckets, smoothing)
    stats = RenderStats(sum(len(p.lines) for p in panels), sum(p.points for p in panels), drawn)
    return fig, stats


def _grid(fig: Any, layout: Layout) -> dict[str, Any]:
    """One axes per figure name, sized as the browser page sizes the layout's cells."""
    rows = layout.mode == "rows"
    n = len(layout.groups)
    outer = (fig.add_gridspec(n, 1, height_ratios=layout.outer) if rows
             else fig.add_gridspec(1, n, width_ratios=layout.outer))
    axes: dict[str, Any] = {}
    for g, (names, sizes) in enumerate(zip(layout.groups, layout.inner)):
        if rows:
            inner = outer[g, 0].subgridspec(1, len(names), width_ratios=sizes)
        else:
            inner = outer[0, g].subgridspec(len(names), 1, height_ratios=sizes)
        for j, name in enumerate(names):
            axes[name] = fig.add_subplot(inner[0, j] if rows else inner[j, 0])
    return axes


def _bucket_x(x: np.ndarray, log_x: bool) -> np.ndarray:
    """The x the buckets are cut on: on a log axis, pixel columns are equal steps of log x."""
    if not log_x or not is_sorted(x):
        return x
    positive = np.asarray(x, dtype=np.float64)
    floor = positive[positive > 0].min() if (positive > 0).any() else 1.0
    return np.log10(np.maximum(positive, floor))


def _draw(ax: Any, panel: Panel, dpi: float, buckets: int, smoothing: float) -> int:
    """Draw one panel on ``ax``; returns the number of points handed to matplotlib."""
    style = axes_style(panel.spec, panel.log_y)
    _decorate(ax, style)
    scatter = panel.spec.glyph_kind == "scatter"
    handles: list[Any] = []
    drawn = 0
    px = 72.0 / dpi
    limits = style.x_limits
    for line in panel.lines:
        x, y = line.columns[panel.xcol], line.columns[panel.ycol]
        shown_x = x / MS_PER_DAY if style.x_datetime else x
        kw = glyph_style(panel.spec, line.color, dpi)
        bx = _bucket_x(x, style.log_x)
        if limits is not None and bx is not x:
            limits = None   # a log axis's limits are not in bucket units: keep the whole line
        if scatter and len(x) <= SCATTER_FULL_POINTS:
            idx = np.arange(len(x))
        else:
            idx = reduce_line(bx, y, buckets, limits)
        if smoothing > 0:
            kw["alpha"] = RAW_ALPHA_SMOOTHED
        if scatter:
            handle = ax.scatter(shown_x[idx], y[idx], label=line.label, **kw)
        else:
            (handle,) = ax.plot(shown_x[idx], y[idx], label=line.label, **kw)
        drawn += len(idx)
        if smoothing > 0 and len(x):
            ys = smoothed(y, smoothing)
            sidx = reduce_line(bx, ys, buckets, limits)
            color = kw.get("color", kw.get("edgecolors"))
            (handle,) = ax.plot(shown_x[sidx], ys[sidx], color=color, label=line.label,
                                linewidth=SMOOTH_LINE_WIDTH * px)
            drawn += len(sidx)
        handles.append(handle)
    if style.x_limits is not None:
        scale = MS_PER_DAY if style.x_datetime else 1.0
        ax.set_xlim(style.x_limits[0] / scale, style.x_limits[1] / scale)
    if style.y_limits is not None:
        ax.set_ylim(*style.y_limits)
    if not panel.lines:
        ax.text(0.5, 0.5, "no matching series", transform=ax.transAxes, ha="center",
                va="center", color="0.5")
    else:
        _legend(ax, handles)
    return drawn


def _decorate(ax: Any, style: AxesStyle) -> None:
    if style.title:
        ax.set_title(style.title, loc="left")
    if style.x_label:
        ax.set_xlabel(style.x_label)
    if style.y_label:
        ax.set_ylabel(style.y_label)
    if style.log_y:
        ax.set_yscale("log", nonpositive="mask")
    if style.log_x:
        ax.set_xscale("log", nonpositive="mask")
    if style.x_datetime:
        from matplotlib import dates

        ax.xaxis_date()                          # UTC
        locator = dates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    if style.background is not None:
        ax.set_facecolor(style.background)
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)


def _legend(ax: Any, handles: list[Any]) -> None:
    """Entries right of the axes (never over the data); past the cap, one "+N more" entry."""
    from matplotlib.lines import Line2D

    shown = handles[:LEGEND_MAX_ENTRIES]
    labels = [h.get_label() for h in shown]
    if len(handles) > LEGEND_MAX_ENTRIES:
        shown = shown[:-1] + [Line2D([], [], linestyle="none")]
        labels = labels[:-1] + [f"+{len(handles) - LEGEND_MAX_ENTRIES + 1} more"]
    ax.legend(shown, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
              fontsize="small", handlelength=1.5)
