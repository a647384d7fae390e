"""Per-series facts shared by ``list``, ``delete`` and ``export``: points, x range, last y."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from streamvis.logger import Series

__all__ = ["SeriesSummary", "summarize", "to_python"]


def to_python(value: object) -> int | float:
    """A numpy scalar as a plain Python number (bools become ints)."""
    number = value.item() if hasattr(value, "item") else value
    return int(number) if isinstance(number, bool) else number  # type: ignore[return-value]


@dataclass(frozen=True)
class SeriesSummary:
    """What ``streamvis list`` shows about one (scope, name, index)."""

    scope: str
    name: str
    index: int
    points: int
    fields: tuple[str, ...]
    x_min: int | float | None
    x_max: int | float | None
    last_y: int | float | None
    writers: tuple[int, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: writer ids as 16-digit hex strings, non-finite numbers as strings."""
        def clean(v: int | float | None) -> int | float | str | None:
            return str(v) if isinstance(v, float) and not math.isfinite(v) else v

        return {"scope": self.scope, "name": self.name, "index": self.index,
                "points": self.points, "fields": list(self.fields),
                "x_min": clean(self.x_min), "x_max": clean(self.x_max),
                "last_y": clean(self.last_y),
                "writers": [f"{w:016x}" for w in self.writers]}


def _x_and_y(series: Series) -> tuple[np.ndarray | None, np.ndarray | None]:
    columns = series.columns
    names = list(columns)
    x = columns.get("x", columns[names[0]] if names else None)
    y = columns.get("y", columns[names[-1]] if names else None)
    return x, y


def summarize(series: Series) -> SeriesSummary:
    """Summary of one series: x is the ``x`` field (else the first), y the ``y`` field
    (else the last)."""
    x, y = _x_and_y(series)
    x_min = x_max = last_y = None
    if x is not None and len(x):
        finite = x[~np.isnan(x)] if x.dtype.kind == "f" else x
        if len(finite):
            x_min, x_max = to_python(finite.min()), to_python(finite.max())
    if y is not None and len(y):
        last_y = to_python(y[-1])
    return SeriesSummary(series.scope, series.name, series.index, len(series),
                         tuple(series.columns), x_min, x_max, last_y,
                         tuple(sorted(series.writers)))
