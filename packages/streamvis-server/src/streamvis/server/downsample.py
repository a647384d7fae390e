"""Downsampling that keeps extremes (M4: first, last, min, max per x-bucket) and x-windowing.

A line of millions of points is drawn from at most ``4 * n_buckets`` of them; with one bucket
per pixel column the picture is the same as the full line, and no spike disappears.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["bucket_bounds", "minmax_indices", "select_indices", "window"]

Backend = Literal["auto", "numpy", "tsdownsample"]

# Large inputs go to tsdownsample's M4 (Rust, SIMD): about 4x faster than the numpy loop.
_TSDOWNSAMPLE_MIN_POINTS_PER_BUCKET = 16


def window(x: np.ndarray, x0: float, x1: float) -> tuple[int, int]:
    """Index range ``[start, stop)`` of the points of non-decreasing ``x`` inside ``[x0, x1]``,
    plus one point of margin on each side so a line reaches the plot's edges."""
    n = len(x)
    if x0 > x1:
        x0, x1 = x1, x0
    start = int(np.searchsorted(x, x0, side="left")) - 1
    stop = int(np.searchsorted(x, x1, side="right")) + 1
    return max(0, min(start, n)), max(0, min(stop, n))


def bucket_bounds(x: np.ndarray | None, n_points: int, n_buckets: int) -> np.ndarray:
    """``n_buckets + 1`` non-decreasing indices: bucket ``k`` is ``[b[k], b[k+1])``.

    With a usable ``x`` (finite ends, ``x[-1] > x[0]``), bucket ``k`` holds the points with
    ``edge[k] <= x < edge[k+1]``, ``edge[k] = x[0] + (x[-1] - x[0]) * (k / n_buckets)`` (the
    last bucket also holds ``x[-1]``). Otherwise buckets hold equal counts of points.
    """
    if x is not None and n_points:
        lo, hi = float(x[0]), float(x[-1])
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            edges = lo + (hi - lo) * (np.arange(1, n_buckets) / n_buckets)
            inner = np.searchsorted(x, edges, side="left")
            bounds = np.concatenate(([0], inner, [n_points])).astype(np.int64)
            return np.maximum.accumulate(bounds)  # a partition even if x is not sorted
    return (np.arange(n_buckets + 1, dtype=np.int64) * n_points) // n_buckets


def minmax_indices(x: np.ndarray | None, y: np.ndarray, n_buckets: int, *,
                   backend: Backend = "auto") -> np.ndarray:
    """Sorted indices of the points to draw: per x-bucket the first, last, min and max.

    At most ``4 * n_buckets`` indices; all indices when the line is no longer than that.
    NaN in ``y`` is ignored when finding extremes (a bucket of only NaN keeps its first and
    last point, so gaps stay gaps). ``x`` should be non-decreasing; ``None`` (or an unusable
    ``x``) buckets by index. ``backend="auto"`` uses tsdownsample's M4 for large NaN-free
    inputs and numpy otherwise.
    """
    if not isinstance(n_buckets, (int, np.integer)) or n_buckets < 1:
        raise ValueError(f"n_buckets must be a positive int, got {n_buckets!r}")
    if backend not in ("auto", "numpy", "tsdownsample"):
        raise ValueError(f"backend must be 'auto', 'numpy' or 'tsdownsample', got {backend!r}")
    y = np.asarray(y)
    n = len(y)
    if x is not None and len(x) != n:
        raise ValueError(f"x has {len(x)} points but y has {n}; expected equal lengths")
    if n <= 4 * n_buckets:
        return np.arange(n, dtype=np.int64)
    has_nan = y.dtype.kind == "f" and bool(np.isnan(y).any())
    if backend == "tsdownsample" or (
            backend == "auto" and n >= _TSDOWNSAMPLE_MIN_POINTS_PER_BUCKET * n_buckets):
        if not has_nan:
            result = _tsdownsample_m4(x, y, n_buckets)
            if result is not None:
                return result
        elif backend == "tsdownsample":
            raise ValueError("the tsdownsample backend is only used for NaN-free y; "
                             "use backend='numpy' or 'auto'")
    return _numpy_m4(bucket_bounds(x, n, n_buckets), y, has_nan)


def _numpy_m4(bounds: np.ndarray, y: np.ndarray, has_nan: bool) -> np.ndarray:
    starts, stops = bounds[:-1], bounds[1:]
    full = stops > starts
    starts, stops = starts[full].tolist(), stops[full].tolist()
    picks = np.empty(4 * len(starts), dtype=np.int64)
    picks[0::4] = starts
    picks[1::4] = np.asarray(stops, dtype=np.int64) - 1
    mins, maxs = picks[2::4], picks[3::4]  # views into picks
    for b, (s, e) in enumerate(zip(starts, stops)):
        seg = y[s:e]
        lo, hi = int(seg.argmin()), int(seg.argmax())
        if has_nan and (seg[lo] != seg[lo] or seg[hi] != seg[hi]):
            finite = ~np.isnan(seg)
            if finite.any():
                idx = np.flatnonzero(finite)
                lo = int(idx[seg[idx].argmin()])
                hi = int(idx[seg[idx].argmax()])
            else:
                lo, hi = 0, e - s - 1
        mins[b] = s + lo
        maxs[b] = s + hi
    return np.unique(picks)


def _tsdownsample_m4(x: np.ndarray | None, y: np.ndarray, n_buckets: int) -> np.ndarray | None:
    """tsdownsample's M4; ``None`` when it does not apply (missing, unusable x, dtype)."""
    if n_buckets < 2:
        return None
    try:
        from tsdownsample import M4Downsampler
    except ImportError:
        return None
    y = np.ascontiguousarray(y)
    args: tuple[np.ndarray, ...] = (y,)
    if x is not None:
        lo, hi = float(x[0]), float(x[-1])
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            return None
        x = np.ascontiguousarray(x)
        if x.dtype.kind == "f" and np.isnan(x).any() or np.any(x[1:] < x[:-1]):
            return None  # tsdownsample needs sorted x
        args = (x, y)
    try:
        idx = M4Downsampler().downsample(*args, n_out=4 * n_buckets)
    except (TypeError, ValueError):  # a dtype it does not support
        return None
    idx = np.asarray(idx, dtype=np.int64)
    return np.unique(np.concatenate((idx, [0, len(y) - 1])))


def select_indices(x: np.ndarray, y: np.ndarray, win: tuple[float | None, float | None],
            is_sorted: bool, n_buckets: int) -> np.ndarray:
    """Indices of the points to send of a line: those in the x-window ``win`` (``None``
    ends: unbounded), first/last/min/max of ``n_buckets`` buckets when there are more."""
    n_buckets = max(1, n_buckets)
    x0, x1 = win
    n = len(x)
    if x0 is None and x1 is None:
        return minmax_indices(x if is_sorted else None, y, n_buckets)
    lo = -np.inf if x0 is None else x0
    hi = np.inf if x1 is None else x1
    if is_sorted:
        start, stop = window(x, lo, hi)
        part = minmax_indices(x[start:stop], y[start:stop], n_buckets)
        return part + start
    inside = np.flatnonzero((x >= lo) & (x <= hi)) if n else np.arange(0)
    return inside[minmax_indices(None, y[inside], n_buckets)]
