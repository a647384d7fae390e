"""The x axis of a plotted figure: the logged x (``step``), the wall-clock time of each point
(``wall``), or seconds since the run's first point (``relative``).

Times come from ``Series.wall_time`` (one per ``write`` call). A figure with a line that has no
wall times (written before format 2) keeps the logged x, and a warning says so.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings

import numpy as np

from streamvis.cli.plot_data import Panel
from streamvis.logger import Series, SeriesKey

__all__ = ["X_AXES", "retime", "run_starts"]

logger = logging.getLogger(__name__)

X_AXES = ("step", "wall", "relative")
WALL_LABEL = "wall time (UTC)"
RELATIVE_LABEL = "seconds since the run's first point"


def _times(s: Series) -> np.ndarray | None:
    t = s.wall_time
    if t is None or len(t) != len(s) or not np.isfinite(t).any():
        return None
    return t


def run_starts(series: list[Series]) -> dict[str, float]:
    """Each run's (scope's) first wall time over all its series; runs without any are left out."""
    starts: dict[str, float] = {}
    for s in series:
        t = _times(s)
        if t is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN handled above
                first = float(np.nanmin(t))
            starts[s.scope] = min(first, starts.get(s.scope, first))
    return starts


def retime(panel: Panel, x_axis: str, series: dict[SeriesKey, Series],
           starts: dict[str, float]) -> Panel:
    """``panel`` drawn against ``x_axis``: its lines' x replaced by times (``wall``: ms since
    the epoch, Bokeh's datetime unit, on a datetime axis; ``relative``: seconds), its x label
    replaced. Unchanged (with a warning) if a line has no wall times."""
    if x_axis not in X_AXES:
        raise ValueError(f"x axis {x_axis!r} is not one of {', '.join(X_AXES)}")
    if x_axis == "step" or not panel.lines:
        return panel
    times = {line.key: _times(series[line.key]) for line in panel.lines}
    missing = [f"{k[0]}/{k[1]}/{k[2]}" for k, t in times.items() if t is None]
    if missing:
        logger.warning("figure %r: drawn against the logged x, not --x-axis %s: %d line(s) "
                       "have no wall times (written before wall times were logged), e.g. %s",
                       panel.spec.name, x_axis, len(missing), missing[0])
        return panel
    kwargs = dict(panel.spec.figure_kwargs)
    kwargs.pop("x_range", None)                  # in the logged x's units
    if x_axis == "wall":
        kwargs.update(x_axis_type="datetime", x_axis_label=WALL_LABEL)
    else:
        kwargs.pop("x_axis_type", None)
        kwargs["x_axis_label"] = RELATIVE_LABEL
    lines = []
    for line in panel.lines:
        t = times[line.key]
        x = t * 1000.0 if x_axis == "wall" else t - starts[line.key[0]]
        lines.append(dataclasses.replace(line, columns={**line.columns, panel.xcol: x}))
    spec = dataclasses.replace(panel.spec, figure_kwargs=kwargs)
    return dataclasses.replace(panel, spec=spec, lines=lines)
