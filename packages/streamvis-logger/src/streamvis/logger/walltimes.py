"""Wall-clock times of points, stored compactly (format 2 ``WallTimes``).

A points record stores the time of its first point (float64 seconds) and, per point, the
milliseconds since the previous point in the narrowest integer type that holds them: one byte
per point while points are written less than 256 ms apart, and 0 for every point of one
batched write after its first. A clock stepping backwards makes the deltas signed.
"""

from __future__ import annotations

import numpy as np

from streamvis.logger.dtypes import decode_buffer, wire_dtype
from streamvis.proto import WallTimes

__all__ = ["WallTimeParts", "decode_wall_times", "encode_wall_times", "wall_times_of"]

_UNSIGNED = [np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"), np.dtype("<u8")]
_SIGNED = [np.dtype("<i1"), np.dtype("<i2"), np.dtype("<i4"), np.dtype("<i8")]


def encode_wall_times(times: np.ndarray) -> bytes:
    """The serialized ``WallTimes`` of ``times`` (float64 seconds since the epoch, >= 1)."""
    first = float(times[0])
    ms = np.rint((times - first) * 1000.0).astype(np.int64)
    deltas = np.empty_like(ms)
    deltas[0] = 0
    np.subtract(ms[1:], ms[:-1], out=deltas[1:])
    low, high = int(deltas.min()), int(deltas.max())
    for dtype in (_UNSIGNED if low >= 0 else _SIGNED):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            break
    msg = WallTimes(first=first, delta_dtype=wire_dtype(dtype),
                    delta_ms=deltas.astype(dtype).tobytes())
    return msg.SerializeToString()


WallTimeParts = tuple[float, np.ndarray]
"""(first time, per-point millisecond deltas) of one record, decoded lazily."""


def decode_wall_times(raw: bytes | memoryview, count: int) -> WallTimeParts | None:
    """The parts of a serialized ``WallTimes`` holding ``count`` points; ``None`` if it is
    damaged or does not match the count."""
    try:
        msg = WallTimes.FromString(bytes(raw))
        deltas = decode_buffer(msg.delta_ms, msg.delta_dtype)
    except Exception:  # DecodeError, an unknown dtype code, a ragged buffer
        return None
    if len(deltas) != count:
        return None
    return msg.first, deltas


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
            first, deltas = p
            out.append(first + np.cumsum(deltas, dtype=np.int64) / 1000.0)
    return np.concatenate(out) if len(out) > 1 else out[0]
