"""``SeriesStore``: the server's in-memory, columnar copy of a log, keyed by (scope, name, index).

Each series keeps one numpy array per field with spare capacity that grows geometrically, so an
append is amortised O(1) and costs no Python object per point. Rows below a series' length are
never modified after they are written, so ``view`` can hand out read-only slices without copying:
appends write past the end (or into a new, larger array), and a drop replaces the series.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from streamvis.logger import Series, SeriesKey, Tombstone

__all__ = ["WALL", "SeriesStore"]

WALL = "@wall"
"""The column holding each point's wall-clock time, for series that have one (format 2), as
milliseconds since the store's ``wall_base``: int32 (4 bytes a point) while they fit, which is
24 days either side of it, float64 otherwise or where a point has none (NaN). ``@`` keeps it
apart from logged field names."""
_INT32 = np.iinfo(np.int32)

_MIN_CAPACITY = 256
_GROWTH = 1.5  # capacity never exceeds 1.5x the rows held (after the first allocation)


@dataclass
class _Entry:
    """One series: arrays with spare capacity, of which the first ``length`` rows are valid."""

    epoch: int
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    length: int = 0
    sorted_fields: dict[str, bool] = field(default_factory=dict)

    @property
    def capacity(self) -> int:
        for array in self.columns.values():
            return len(array)
        return 0


def _promote(dtype: np.dtype, other: np.dtype) -> np.dtype:
    result = np.result_type(dtype, other)
    if result.kind not in "biuf":  # keep everything numeric; bools become ints
        result = np.dtype(np.float64)
    return result


def _fill_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a column needs to hold NaN where a chunk lacks the field."""
    return dtype if dtype.kind == "f" else _promote(dtype, np.dtype(np.float64))


def _continues_sorted(array: np.ndarray, old: int, col: np.ndarray) -> bool:
    """Whether ``col`` appended after ``array[:old]`` keeps it non-decreasing and NaN-free."""
    first = col[0]
    if not first == first:  # NaN
        return False
    if old and not array[old - 1] <= first:
        return False
    return len(col) < 2 or bool(np.all(col[1:] >= col[:-1]))


class SeriesStore:
    """Thread-safe columnar store of series: one writer (the tailer), many readers (sessions).

    Missing keys read as empty: ``length`` 0, ``fields`` ``()``, ``view`` ``{}``, ``epoch`` 0.
    ``epoch(key)`` changes whenever a series is dropped or recreated, so a session holding a
    copy knows to reset it; ``version`` changes on every append or drop.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: dict[SeriesKey, _Entry] = {}
        self._next_epoch = 1
        self._version = 0
        self.wall_base: float | None = None   # seconds since the epoch that WALL counts from

    # -- writing ---------------------------------------------------------------------------

    def append(self, series: Series) -> None:
        """Append a chunk of points to its series (created on first use)."""
        n = len(series)
        chunk = {name: np.asarray(col).reshape(-1) for name, col in series.columns.items()}
        if series.wall_parts:
            chunk[WALL] = self._wall_ms(series.wall_time)
        for name, col in chunk.items():
            if len(col) != n:
                raise ValueError(f"series {series.key!r}: column {name!r} has {len(col)} values, "
                                 f"expected {n} like the others")
        with self._lock:
            entry = self._entries.get(series.key)
            if entry is None:
                entry = self._entries[series.key] = _Entry(self._next_epoch)
                self._next_epoch += 1
            self._append_locked(entry, chunk, n)
            self._version += 1

    def _wall_ms(self, wall: np.ndarray) -> np.ndarray:
        """Wall times (float64 s) as milliseconds since ``wall_base`` (set by the first)."""
        if self.wall_base is None:
            finite = wall[np.isfinite(wall)]
            self.wall_base = float(finite[0]) if len(finite) else 0.0
        ms = np.rint((wall - self.wall_base) * 1000.0)
        if len(ms) and np.isfinite(ms).all() and _INT32.min <= ms.min() and ms.max() <= _INT32.max:
            return ms.astype(np.int32)
        return ms

    def wall_seconds(self, ms: np.ndarray) -> np.ndarray:
        """A ``WALL`` column's values as float64 seconds since the epoch."""
        return (self.wall_base or 0.0) + np.asarray(ms, dtype=np.float64) / 1000.0

    def _append_locked(self, entry: _Entry, chunk: dict[str, np.ndarray], n: int) -> None:
        old, new_len = entry.length, entry.length + n
        capacity = entry.capacity
        if new_len > capacity:
            capacity = max(_MIN_CAPACITY, new_len, int(capacity * _GROWTH))
        # the dtype each column needs: promote, and make room for NaN where a side lacks a field
        wanted: dict[str, np.dtype] = {}
        for name, array in entry.columns.items():
            dtype = array.dtype
            if name in chunk:
                dtype = _promote(dtype, chunk[name].dtype)
            elif n:
                dtype = _fill_dtype(dtype)
            wanted[name] = dtype
        for name, col in chunk.items():
            if name not in entry.columns:
                wanted[name] = _fill_dtype(col.dtype) if old else _promote(col.dtype, col.dtype)
        for name, dtype in wanted.items():
            array = entry.columns.get(name)
            if array is None:
                array = np.empty(capacity, dtype)
                if old:  # earlier rows lacked this field (dtype is float then)
                    array[:old] = np.nan
                entry.sorted_fields[name] = True
            elif array.dtype != dtype or len(array) != capacity:
                grown = np.empty(capacity, dtype)
                grown[:old] = array[:old]
                array = grown
            if name in chunk:
                col = chunk[name]
                array[old:new_len] = col
                if n and entry.sorted_fields[name]:
                    entry.sorted_fields[name] = _continues_sorted(array, old, col)
            elif n:
                array[old:new_len] = np.nan
                entry.sorted_fields[name] = False
            entry.columns[name] = array
        entry.length = new_len

    def drop(self, tombstone: Tombstone) -> list[SeriesKey]:
        """Remove every series the tombstone matches; returns the keys removed."""
        with self._lock:
            gone = [k for k in self._entries if tombstone.matches(k[0], k[1])]
            for key in gone:
                del self._entries[key]
            if gone:
                self._version += 1
            return gone

    def supersede(self, key: SeriesKey, x: float) -> int:
        """A resumed run: drop the rows of ``key`` whose first field is ``>= x`` (the
        reader's ``Superseded`` event). The series gets a new epoch; returns rows dropped."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or not entry.columns:
                return 0
            n = entry.length
            keep = next(iter(entry.columns.values()))[:n] < x
            kept = int(keep.sum())
            if kept == n:
                return 0
            fresh = self._entries[key] = _Entry(self._next_epoch)
            self._next_epoch += 1
            if kept:
                self._append_locked(fresh, {name: array[:n][keep]
                                            for name, array in entry.columns.items()}, kept)
            self._version += 1
            return n - kept

    def clear(self) -> None:
        """Remove every series (their epochs change when they reappear)."""
        with self._lock:
            if self._entries:
                self._entries.clear()
                self._version += 1

    def replace_all(self, series: Iterable[Series]) -> None:
        """Atomically replace the whole content (used after a reader had to start over)."""
        with self._lock:
            self._entries.clear()
            for s in series:
                self.append(s)
            self._version += 1

    # -- reading ---------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """A counter that changes on every append or drop."""
        return self._version

    def keys(self) -> list[SeriesKey]:
        """Every series held, in the order they first appeared."""
        with self._lock:
            return list(self._entries)

    def scopes(self) -> list[str]:
        """The distinct scopes held, in the order they first appeared."""
        with self._lock:
            return list(dict.fromkeys(k[0] for k in self._entries))

    def length(self, key: SeriesKey) -> int:
        entry = self._entries.get(key)
        return entry.length if entry is not None else 0

    def epoch(self, key: SeriesKey) -> int:
        """Identifies this incarnation of ``key``: differs after a drop and re-creation; 0 if absent."""
        entry = self._entries.get(key)
        return entry.epoch if entry is not None else 0

    def fields(self, key: SeriesKey) -> tuple[str, ...]:
        with self._lock:
            entry = self._entries.get(key)
            return tuple(entry.columns) if entry is not None else ()

    def is_sorted(self, key: SeriesKey, field_name: str = "x") -> bool:
        """Whether ``field_name`` of ``key`` is non-decreasing (no NaN): what ``window`` needs."""
        with self._lock:
            entry = self._entries.get(key)
            return bool(entry is not None and entry.sorted_fields.get(field_name, False))

    def view(self, key: SeriesKey, start: int = 0,
             stop: int | None = None) -> dict[str, np.ndarray]:
        """Rows ``[start, stop)`` of every field as read-only arrays (no copy).

        Safe to keep while appends continue: rows once written never change. Negative or
        out-of-range bounds are clipped like Python slices.
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return {}
            lo, hi, _ = slice(start, stop).indices(entry.length)
            out = {}
            for name, array in entry.columns.items():
                part = array[lo:max(lo, hi)]
                part.flags.writeable = False
                out[name] = part
            return out

    @property
    def nbytes(self) -> int:
        """Bytes of array memory held (capacity included)."""
        with self._lock:
            return sum(a.nbytes for e in self._entries.values() for a in e.columns.values())

    @property
    def total_points(self) -> int:
        """Rows held across every series."""
        with self._lock:
            return sum(e.length for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries
