"""Encode buffered writes into framed records (runs on the background worker)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from operator import attrgetter

import numpy as np

from streamvis.logger.arrays import host_array
from streamvis.logger.dtypes import wire_dtype
from streamvis.logger.items import Batch, Chunk, ConfigUpdate, FlatChunk, IndexedChunk
from streamvis.logger.walltimes import encode_wall_times
from streamvis.proto import (
    config_record,
    frame_parts,
    group_record,
    header_record,
    points_payload_parts,
)

__all__ = ["MAX_POINTS_PAYLOAD", "LogEncoder", "new_id"]

MAX_POINTS_PAYLOAD = 4 * 1024 * 1024
"""Value and wall-time bytes per points record at most (a larger write becomes several
records): far below every reader's frame cap, and it bounds a reader's memory per frame."""

def new_id() -> int:
    """A random 64-bit id (writer or group); collisions are vanishingly unlikely."""
    return secrets.randbits(64)


def _little_endian(array: np.ndarray) -> np.ndarray:
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    return np.ascontiguousarray(array)


def _python_column(column: Sequence[int | float], name: str, field: str) -> np.ndarray:
    if set(map(type, column)) == {int}:
        try:
            return np.array(column, dtype=np.int64)
        except OverflowError:
            raise ValueError(
                f"write({name!r}): field {field!r} holds an int outside the int64 range"
            ) from None
    return np.array(column, dtype=np.float64)


def _rows_to_columns(rows: list[tuple], name: str,
                     fields: Sequence[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """(field columns, times) of scalar rows ``(name, time, value, ...)``."""
    columns = list(zip(*rows))
    values = [_python_column(col, name, f) for col, f in zip(columns[2:], fields, strict=True)]
    return values, np.array(columns[1], dtype=np.float64)


def _chunk_to_columns(chunk: Chunk) -> list[np.ndarray]:
    """Field arrays of shape (index, point)."""
    shape = chunk.shape
    rows = 1 if len(shape) < 2 else shape[0]
    points = 1 if not shape else shape[-1]
    return [np.broadcast_to(host_array(v), shape).reshape(rows, points) for v in chunk.values]


_values_of = attrgetter("values")
_shape_of = attrgetter("shape")
_dtype_of = attrgetter("dtype")
_time_of = attrgetter("time")
_points_of = attrgetter("points")


def _chunk_times(items: list) -> np.ndarray:
    """Per point, the write time of the 1-D chunk that made it."""
    return np.repeat(np.array(list(map(_time_of, items)), dtype=np.float64),
                     list(map(_points_of, items)))


def _flat_columns(items: list) -> list[np.ndarray] | None:
    """Per-field concatenations of ``items`` when all of them are 1-D Chunks of host arrays
    whose fields share one dtype per field and need no broadcasting (the common batched case);
    ``None`` otherwise. Checks run over whole columns with C-level ``map``, not per item;
    FlatChunks (fresh contiguous copies) are joined as bytes, cheaper than ``np.concatenate``."""
    kinds = set(map(type, items))
    if kinds == {FlatChunk}:  # shapes, types and contiguity are guaranteed: check dtypes only
        columns = []
        for column in zip(*map(_values_of, items)):
            dtypes = set(map(_dtype_of, column))
            if len(dtypes) != 1:
                return None
            columns.append(np.frombuffer(b"".join(column), dtypes.pop()))
        return columns
    if not kinds <= {Chunk, FlatChunk}:
        return None
    values = list(map(_values_of, items))
    shapes = list(map(_shape_of, items))
    if set(map(len, shapes)) != {1}:
        return None
    columns = []
    for column in zip(*values):
        if set(map(type, column)) != {np.ndarray} or len(set(map(_dtype_of, column))) != 1 \
                or list(map(_shape_of, column)) != shapes:
            return None
        columns.append(column)
    return [np.concatenate(column) if len(column) > 1 else column[0] for column in columns]


Line = tuple[int, list[np.ndarray], np.ndarray]
"""(index, field arrays, per-point write times) of one line segment."""


def _lines(items: list, name: str, fields: Sequence[str]) -> Iterator[Line]:
    """Every line segment of ``items``, in write order per index."""
    rows: list[tuple] = []
    for item in items:
        if type(item) is tuple:
            rows.append(item)
            continue
        if rows:
            yield 0, *_rows_to_columns(rows, name, fields)
            rows = []
        values = item.values
        if type(item) is IndexedChunk:
            yield item.index, [np.broadcast_to(host_array(v), item.shape).reshape(-1)
                               for v in values], np.full(item.points, item.time)
            continue
        if len(item.shape) == 1 and all(type(v) is np.ndarray and v.shape == item.shape
                                         for v in values):
            yield 0, values, np.full(item.shape[0], item.time)  # no broadcasting needed
            continue
        columns = _chunk_to_columns(item)
        times = np.full(columns[0].shape[1], item.time)
        for index in range(columns[0].shape[0]):
            yield index, [c[index] for c in columns], times
    if rows:
        yield 0, *_rows_to_columns(rows, name, fields)


class LogEncoder:
    """Turns batches into framed bytes (format 2).

    Every points record carries its group inline and the writer's next sequence number, so
    it can be read without any other record and readers can drop a record stored twice. No
    record holds more than ``max_payload`` value bytes. With ``self_contained=True``
    (object-store segments) every call starts with a Header; otherwise only the first.
    """

    def __init__(self, scope: str, writer_id: int, self_contained: bool = False,
                 max_payload: int = MAX_POINTS_PAYLOAD) -> None:
        self.scope = scope
        self.writer_id = writer_id
        self.self_contained = self_contained
        self.max_payload = max_payload
        self.fields: dict[str, tuple[str, ...]] = {}
        self.seq = 0  # sequence number of the last record encoded
        self._groups: dict[tuple, bytes] = {}
        self._header_written = False

    def next_seq(self) -> int:
        """Take the writer's next record sequence number."""
        self.seq += 1
        return self.seq

    def encode(self, batches: Sequence[Batch], configs: Sequence[ConfigUpdate] = ()) -> bytes:
        """Framed records for ``configs`` (JSON objects with their times) and ``batches``;
        empty bytes when there is nothing to write."""
        if self.self_contained:
            self._header_written = False
        parts: list = []
        for text, when in configs:
            record = config_record(self.scope, text, self.writer_id, self.next_seq(), when)
            parts += frame_parts([record.SerializeToString()])
        for batch in batches:
            for name, items in batch.items():
                if items:
                    self._encode_name(name, items, parts)
        if not parts:
            return b""
        if not self._header_written:
            header = header_record(self.writer_id, self.scope).SerializeToString()
            parts[:0] = frame_parts([header])
            self._header_written = True
        return b"".join(parts)

    def _encode_name(self, name: str, items: list, parts: list) -> None:
        fields = self.fields[name]
        flat = _flat_columns(items) if len(items) > 1 else None
        if flat is not None:
            signature = tuple([wire_dtype(c.dtype) for c in flat])
            self._points(self._group(name, 0, fields, signature), flat, _chunk_times(items),
                         parts)
            return
        runs: dict[int, list[tuple[tuple[int, ...], list[list[np.ndarray]]]]] = {}
        signatures: dict[tuple, tuple[int, ...]] = {}
        for index, arrays, times in _lines(items, name, fields):
            dtypes = tuple([a.dtype for a in arrays])
            signature = signatures.get(dtypes)
            if signature is None:
                signature = signatures[dtypes] = tuple(wire_dtype(d) for d in dtypes)
            line = runs.setdefault(index, [])
            if line and line[-1][0] == signature:
                line[-1][1].append([*arrays, times])
            else:
                line.append((signature, [[*arrays, times]]))
        for index, line in runs.items():
            for signature, pieces in line:
                columns = [np.concatenate(column) if len(column) > 1 else column[0]
                           for column in zip(*pieces)]
                self._points(self._group(name, index, fields, signature), columns[:-1],
                             columns[-1], parts)

    def _points(self, group: bytes, columns: list[np.ndarray], times: np.ndarray,
                parts: list) -> None:
        """Frame ``columns`` (equal lengths) and their write ``times`` as points records of
        at most ``max_payload`` value bytes."""
        count = len(columns[0])
        per_point = sum(c.dtype.itemsize for c in columns) + 8  # + its wall-time delta, at most

        step = max(1, self.max_payload // max(1, per_point))
        for start in range(0, count, step):
            part = columns if count <= step else [c[start:start + step] for c in columns]
            wall = encode_wall_times(times if count <= step else times[start:start + step])
            parts += frame_parts(points_payload_parts(
                0, [[_little_endian(c)] for c in part], group=group, seq=self.next_seq(),
                wall_times=wall))

    def _group(self, name: str, index: int, fields: Sequence[str],
               signature: tuple[int, ...]) -> bytes:
        """The serialized Group of (name, index, dtypes), made once per writer."""
        key = (name, index, signature)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = group_record(
                new_id(), self.scope, name, index, list(zip(fields, signature)),
                self.writer_id).group.SerializeToString()
        return group
