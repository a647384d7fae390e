"""The points of a figure's lines as the browser receives them: flat arrays (row, x, y and the
smoothed y) rather than one array per line, which would cost a binary buffer (a websocket frame)
per line."""

from __future__ import annotations

import numpy as np

from streamvis.logger import SeriesKey

__all__ = ["FlatPoints", "Line", "empty", "flat_points", "flat_rows"]

# one line to draw: its key and the x, y (and smoothed y, or None) values to send
Line = tuple[SeriesKey, np.ndarray, np.ndarray, "np.ndarray | None"]


# row, x, y and smoothed y (or None) of many lines' points
FlatPoints = tuple[np.ndarray, np.ndarray, np.ndarray, "np.ndarray | None"]


def flat_rows(lines: list[Line], first_row: int) -> FlatPoints:
    """Points of ``lines`` (rows from ``first_row``) as flat row, x, y and smoothed y."""
    if not lines:
        return empty(), empty(), empty(), None
    flat = flat_points(lines, first_row)
    smoothed = None
    if any(s is not None for *_, s in lines):
        smoothed = np.concatenate([s if s is not None else np.full(len(x), np.nan)
                                   for _, x, _, s in lines]).astype(np.float64)
    return flat["row"], flat["x"], flat["y"], smoothed


def empty() -> np.ndarray:
    """An empty float64 column."""
    return np.zeros(0, dtype=np.float64)


def flat_points(lines: list[Line], first_row: int) -> dict[str, np.ndarray]:
    """Columns ``x``, ``y`` and ``row`` (``first_row`` + position in ``lines``), float64."""
    if not lines:
        return {"x": empty(), "y": empty(), "row": empty()}
    return {"x": np.concatenate([x for _, x, _, _ in lines]).astype(np.float64),
            "y": np.concatenate([y for _, _, y, _ in lines]).astype(np.float64),
            "row": np.concatenate([np.full(len(x), first_row + i, dtype=np.float64)
                                   for i, (_, x, _, _) in enumerate(lines)])}
