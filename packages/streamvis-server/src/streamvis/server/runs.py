"""The runs of one page: one colour per run (scope) across every figure, and the table the run
panel shows (colour swatch, scope, points, last step), kept up to date per tick.

A run's colour is given in order of first appearance: the ten ``Category10`` colours, then hues
spread by the golden ratio (distinct enough for hundreds of runs, and stable while runs arrive).
"""

from __future__ import annotations

import colorsys
from typing import Any

import numpy as np
from bokeh.models import ColumnDataSource
from bokeh.palettes import Category10_10

from streamvis.logger.runconfig import config_text

__all__ = ["RunColors", "RunTable", "run_color"]

_GOLDEN = 0.6180339887498949


def run_color(slot: int) -> str:
    """The colour of the ``slot``-th run of a page (``#rrggbb``)."""
    if slot < len(Category10_10):
        return Category10_10[slot]
    hue = ((slot - len(Category10_10)) * _GOLDEN + 0.05) % 1.0
    light = 0.42 if slot % 2 else 0.52
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.7)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


class RunColors:
    """Scope -> colour for one page, shared by its figures."""

    def __init__(self) -> None:
        self._slots: dict[str, int] = {}

    def __call__(self, scope: str) -> str:
        slot = self._slots.setdefault(scope, len(self._slots))
        return run_color(slot)


class RunTable:
    """The page's run list as a ``ColumnDataSource`` (``scope``, ``color``, ``points``,
    ``last``, ``config``: the run's config as ``key=value`` text): rows in order of first
    appearance, changed rows patched once per tick."""

    def __init__(self, colors: RunColors) -> None:
        self.colors = colors
        self.source = ColumnDataSource({"scope": [], "color": [], "points": np.zeros(0),
                                        "last": np.zeros(0), "config": []},
                                       tags=["streamvis-runs"])
        self._config: dict[str, str] = {}
        self._rows: dict[str, int] = {}
        self._points: dict[str, int] = {}       # per scope: points of all its series
        self._last: dict[str, float] = {}
        self._sent: dict[str, tuple[int, float | None]] = {}
        self._attached = False

    def note(self, scope: str, added: int, last: float | None) -> None:
        """Record ``added`` new points of ``scope``, the largest x now ``last``."""
        self._points[scope] = self._points.get(scope, 0) + added
        if last is not None and last == last:   # NaN leaves it unchanged
            old = self._last.get(scope)
            self._last[scope] = last if old is None else max(old, last)

    def set_configs(self, configs: dict[str, dict]) -> None:
        """The runs' configs as they are now (shown with each run at the next flush)."""
        self._config = {scope: config_text(c) for scope, c in configs.items()}

    def forget(self, scope: str, points: int) -> None:
        """Take away the points of a dropped series."""
        if scope in self._points:
            self._points[scope] = max(0, self._points[scope] - points)

    def flush(self) -> None:
        """Send what changed since the last flush: new runs streamed, changed rows patched."""
        new = [s for s in self._points if s not in self._rows]
        changed = [s for s in self._rows if self._sent.get(s) != self._state(s)]
        if not self._attached:   # not yet in a document: set the data outright
            for s in new:
                self._rows[s] = len(self._rows)
            self._attached = True
            scopes = list(self._rows)
            self.source.data = self._columns(scopes)
            self._remember(scopes)
            return
        if changed:
            rows = [self._rows[s] for s in changed]
            self.source.patch({
                "points": [(r, self._points[s]) for r, s in zip(rows, changed)],
                "last": [(r, _finite(self._last.get(s))) for r, s in zip(rows, changed)],
                "config": [(r, self._config.get(s, "")) for r, s in zip(rows, changed)]})
            self._remember(changed)
        if new:
            for s in new:
                self._rows[s] = len(self._rows)
            self.source.stream(self._columns(new))
            self._remember(new)

    def _columns(self, scopes: list[str]) -> dict[str, Any]:
        return {"scope": scopes, "color": [self.colors(s) for s in scopes],
                "points": np.array([self._points[s] for s in scopes], dtype=np.float64),
                "last": np.array([_finite(self._last.get(s)) for s in scopes],
                                 dtype=np.float64),
                "config": [self._config.get(s, "") for s in scopes]}

    def _state(self, scope: str) -> tuple[int, float | None, str]:
        return self._points[scope], self._last.get(scope), self._config.get(scope, "")

    def _remember(self, scopes: list[str]) -> None:
        for s in scopes:
            self._sent[s] = self._state(s)


def _finite(value: float | None) -> float:
    return float("nan") if value is None else float(value)
