"""Bokeh styling from a schema (``figure_kwargs``, ``glyph_kwargs``) translated for matplotlib.

Screen sizes (``line_width``, ``size``) are Bokeh pixels; they become points at the output's
dpi, so a PNG looks like the browser plot. Keyword arguments that have no meaning on paper
(tools, sizing) are dropped silently; any other one that is not translated is logged by name
(once per figure), so nothing is ignored without saying so.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from streamvis.server.schema import FigureSpec

__all__ = ["AxesStyle", "axes_style", "glyph_style", "to_mpl_color"]

logger = logging.getLogger(__name__)

# figure_kwargs about interaction or browser sizing: no meaning in a static file
_INTERACTIVE = frozenset({
    "tools", "toolbar_location", "toolbar_sticky", "active_drag", "active_scroll",
    "active_inspect", "active_tap", "active_multi", "tooltips", "width", "height",
    "sizing_mode", "min_width", "min_height", "max_width", "max_height", "aspect_ratio",
    "match_aspect", "output_backend", "name", "tags", "css_classes", "styles", "lod_threshold",
    "lod_factor", "lod_interval", "lod_timeout", "hidpi", "margin",
})
_LINE_DASH = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-.",
              "dotdash": (0, (1, 2, 4, 2))}
_MARKERS = {"circle": "o", "dot": ".", "square": "s", "triangle": "^",
            "inverted_triangle": "v", "diamond": "D", "cross": "+", "x": "x", "asterisk": "*",
            "star": "*", "hex": "h", "plus": "P", "square_x": "s", "circle_x": "o"}
_GLYPH_DONE = frozenset({"color", "line_color", "fill_color", "alpha", "line_alpha",
                         "fill_alpha", "line_width", "line_dash", "size", "marker"})
_RGB = re.compile(r"rgba?\(([^)]*)\)")


@dataclass(frozen=True)
class AxesStyle:
    """What matplotlib needs of a figure's ``figure_kwargs``."""

    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None
    log_x: bool = False
    log_y: bool = False
    x_datetime: bool = False      # x holds Bokeh datetimes: milliseconds since the epoch (UTC)
    x_limits: tuple[float, float] | None = None
    y_limits: tuple[float, float] | None = None
    background: Any = None


def to_mpl_color(value: Any) -> Any:
    """A Bokeh colour (CSS name, ``#hex``, ``rgb(...)``, an (r, g, b[, a]) tuple of 0-255
    ints) as matplotlib takes it. ``None`` stays ``None``."""
    if isinstance(value, str):
        m = _RGB.fullmatch(value.strip().replace(" ", ""))
        if m is None:
            return value
        value = tuple(float(v) for v in m.group(1).split(","))
    if isinstance(value, (tuple, list)) and len(value) in (3, 4):
        rgb = [float(v) / 255.0 for v in value[:3]]
        return (*rgb, float(value[3])) if len(value) == 4 else tuple(rgb)
    return value


def _limits(fig: str, key: str, value: Any) -> tuple[float, float] | None:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError):
            pass
    _warn(fig, "figure_kwargs", key, "only a [start, end] pair of numbers is drawn")
    return None


def _warn(fig: str, where: str, key: str, why: str) -> None:
    logger.warning("figure %r: %s %s is not drawn by 'streamvis plot' (%s)", fig, where, key,
                   why)


def axes_style(spec: FigureSpec, log_y: bool) -> AxesStyle:
    """The title, axis labels, scales and limits of one figure (call once per figure: it
    logs the ``figure_kwargs`` and ``glyph_kwargs`` that cannot be drawn)."""
    kw = spec.figure_kwargs
    for key in spec.glyph_kwargs:
        if key not in _GLYPH_DONE:
            _warn(spec.name, "glyph_kwargs", key, "no matplotlib equivalent")
    marker = spec.glyph_kwargs.get("marker", "circle")
    if spec.glyph_kind == "scatter" and marker not in _MARKERS:
        _warn(spec.name, "glyph_kwargs", f"marker={marker!r}", "drawn as a circle")
    x_type = kw.get("x_axis_type")
    if x_type not in (None, "linear", "auto", "log", "datetime"):
        _warn(spec.name, "figure_kwargs", f"x_axis_type={x_type!r}", "drawn as linear")
    for key in kw:
        if key not in _INTERACTIVE and key not in (
                "title", "x_axis_label", "y_axis_label", "x_axis_type", "y_axis_type",
                "x_range", "y_range", "background_fill_color"):
            _warn(spec.name, "figure_kwargs", key, "no matplotlib equivalent")
    title = kw.get("title")
    return AxesStyle(
        title=None if title is None else str(title),
        x_label=None if kw.get("x_axis_label") is None else str(kw["x_axis_label"]),
        y_label=None if kw.get("y_axis_label") is None else str(kw["y_axis_label"]),
        log_x=x_type == "log", log_y=log_y, x_datetime=x_type == "datetime",
        x_limits=_limits(spec.name, "x_range", kw["x_range"]) if "x_range" in kw else None,
        y_limits=_limits(spec.name, "y_range", kw["y_range"]) if "y_range" in kw else None,
        background=to_mpl_color(kw.get("background_fill_color")))


def _dash(value: Any) -> Any:
    if isinstance(value, str) and value in _LINE_DASH:
        return _LINE_DASH[value]
    parts = value.split() if isinstance(value, str) else value
    try:
        pattern = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        return "-"    # Bokeh validated the schema: not reached with a valid dash
    return (0, pattern) if pattern else "-"


def glyph_style(spec: FigureSpec, color: str, dpi: float) -> dict[str, Any]:
    """Keyword arguments for ``Axes.plot`` (line) or ``Axes.scatter`` (scatter) of one series
    whose viewer colour is ``color`` (used unless ``glyph_kwargs`` name a colour)."""
    kw = spec.glyph_kwargs
    px = 72.0 / dpi                                   # one Bokeh screen pixel in points
    base = to_mpl_color(kw.get("color", color))
    if spec.glyph_kind == "line":
        style: dict[str, Any] = {
            "color": to_mpl_color(kw.get("line_color", base)),
            "linewidth": float(kw.get("line_width", 1.0)) * px,
            "alpha": float(kw.get("line_alpha", kw.get("alpha", 1.0))),
        }
        if "line_dash" in kw:
            style["linestyle"] = _dash(kw["line_dash"])
        return style
    marker = kw.get("marker", "circle")
    size = float(kw.get("size", 4.0)) * px            # Bokeh size: the marker's diameter
    fill_alpha = float(kw.get("fill_alpha", kw.get("alpha", 1.0)))
    return {
        "marker": _MARKERS.get(marker, "o"),
        "s": size * size,
        "facecolors": to_mpl_color(kw.get("fill_color", base)),
        "edgecolors": to_mpl_color(kw.get("line_color", base)),
        "linewidths": float(kw.get("line_width", 1.0)) * px,
        "alpha": fill_alpha,
    }
