"""Wall-clock times of points, stored compactly (format 2 ``WallTimes``).

A points record stores the time of its first point (float64 seconds) and the milliseconds
since the previous point in the narrowest integer type that holds them: one byte per point
while scalar writes come less than 256 ms apart. When points share times in runs (batched
writes) it stores one delta per run and each run's length instead, whichever is smaller. A
clock stepping backwards makes the deltas signed.
"""

from __future__ import annotations

import numpy as np

from streamvis.logger.dtypes import decode_buffer, wire_dtype
from streamvis.proto import WallTimes

__all__ = ["WallTimeParts", "decode_wall_times", "encode_wall_times", "wall_times_of"]

_UNSIGNED = [np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"), np.dtype("<u8")]
_SIGNED = [np.dtype("<i1"), np.dtype("<i2"), np.dtype("<i4"), np.dtype("<i8")]


def _narrowest(values: np.ndarray) -> np.dtype:
    low, high = int(values.min()), int(values.max())
    for dtype in (_UNSIGNED if low >= 0 else _SIGNED):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return dtype
    return _SIGNED[-1]


def encode_wall_times(times: np.ndarray) -> bytes:
    """The serialized ``WallTimes`` of ``times`` (float64 seconds since the epoch, >= 1)."""
    first = float(times[0])
    ms = np.rint((times - first) * 1000.0).astype(np.int64)
    deltas = np.empty_like(ms)
    deltas[0] = 0
    np.subtract(ms[1:], ms[:-1], out=deltas[1:])
    starts = np.flatnonzero(times[1:] != times[:-1]) + 1  # where a new write call begins
    if len(starts) + 1 < len(times) // 4:  # runs of shared times: store one delta per run
        bounds = np.concatenate(([0], starts, [len(times)]))
        run_deltas, counts = deltas[bounds[:-1]], np.diff(bounds)
        delta_dtype, count_dtype = _narrowest(run_deltas), _narrowest(counts)
        msg = WallTimes(first=first, delta_dtype=wire_dtype(delta_dtype),
                        delta_ms=run_deltas.astype(delta_dtype).tobytes(),
                        count_dtype=wire_dtype(count_dtype),
                        counts=counts.astype(count_dtype).tobytes())
    else:
        dtype = _narrowest(deltas)
        msg = WallTimes(first=first, delta_dtype=wire_dtype(dtype),
                        delta_ms=deltas.astype(dtype).tobytes())
    return msg.SerializeToString()


WallTimeParts = tuple[float, np.ndarray, np.ndarray | None]
"""(first time, millisecond deltas, run lengths or None) of one record, decoded lazily."""


def decode_wall_times(raw: bytes | memoryview, count: int) -> WallTimeParts | None:
    """The parts of a serialized ``WallTimes`` holding ``count`` points; ``None`` if it is
    damaged or does not match the count."""
    try:
        msg = WallTimes.FromString(bytes(raw))
        deltas = decode_buffer(msg.delta_ms, msg.delta_dtype)
        runs = decode_buffer(msg.counts, msg.count_dtype) if msg.counts else None
    except Exception:  # DecodeError, an unknown dtype code, a ragged buffer
        return None
    if runs is None:
        return (msg.first, deltas, None) if len(deltas) == count else None
    if len(runs) != len(deltas) or runs.dtype.kind != "u" or int(runs.sum()) != count:
        return None
    return msg.first, deltas, runs


def wall_times_of(parts: list[tuple[int, WallTimeParts | None]]) -> np.ndarray | None:
    """Concatenated float64 times of (count, parts) pieces; NaN where a piece has none
    (format-1 writers); ``None`` when no piece has any."""
    if all(p is None for _, p in parts):
        return None
    out = []
    for count, p in parts:
        if p is None:
            out.append(np.full(count, np.nan))
        elif isinstance(p, np.ndarray):  # already decoded (a record the resume rule cut)
            out.append(p)
        else:
            first, deltas, runs = p
            times = first + np.cumsum(deltas, dtype=np.int64) / 1000.0
            out.append(times if runs is None else np.repeat(times, runs))
    return np.concatenate(out) if len(out) > 1 else out[0]
