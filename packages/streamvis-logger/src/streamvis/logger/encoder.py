"""Encode buffered writes into framed records (runs on the background worker)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from operator import attrgetter

import numpy as np

from streamvis.logger.arrays import Deferred, host_array
from streamvis.logger.dtypes import wire_dtype
from streamvis.proto import frame_parts, group_record, header_record, points_payload_parts

__all__ = ["Batch", "Chunk", "FlatChunk", "IndexedChunk", "LogEncoder", "new_id"]

Batch = dict[str, list]
"""Buffered writes per name, in order: rows ``(name, value, ...)`` of Python numbers (one
point each) or Chunks."""


class Chunk:
    """One array write: captured field values that broadcast together to ``shape``."""

    __slots__ = ("name", "values", "shape", "points")

    def __init__(self, name: str, values: list[np.ndarray | Deferred], shape: tuple[int, ...],
                 points: int) -> None:
        self.name = name
        self.values = values
        self.shape = shape
        self.points = points


class FlatChunk(Chunk):
    """A Chunk whose values are fresh, C-contiguous, 1-D host numpy arrays, all of ``shape``
    (what ``DataLogger.write``'s fast path queues): the encoder need not re-check that."""

    __slots__ = ()


class IndexedChunk(Chunk):
    """A Chunk of 0-D/1-D fields whose points all go to line ``index`` (``write(name, index,
    ...)``); never joined by ``_flat_columns``, which takes only exact Chunk/FlatChunk types."""

    __slots__ = ("index",)

    def __init__(self, name: str, values: list[np.ndarray | Deferred], shape: tuple[int, ...],
                 points: int, index: int) -> None:
        super().__init__(name, values, shape, points)
        self.index = index


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


def _rows_to_columns(rows: list[tuple], name: str, fields: Sequence[str]) -> list[np.ndarray]:
    columns = list(zip(*rows))[1:]  # column 0 holds the name
    return [_python_column(col, name, f) for col, f in zip(columns, fields, strict=True)]


def _chunk_to_columns(chunk: Chunk) -> list[np.ndarray]:
    """Field arrays of shape (index, point)."""
    shape = chunk.shape
    rows = 1 if len(shape) < 2 else shape[0]
    points = 1 if not shape else shape[-1]
    return [np.broadcast_to(host_array(v), shape).reshape(rows, points) for v in chunk.values]


_values_of = attrgetter("values")
_shape_of = attrgetter("shape")
_dtype_of = attrgetter("dtype")


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


def _lines(items: list, name: str, fields: Sequence[str]) -> Iterator[tuple[int, list[np.ndarray]]]:
    """(index, field arrays) for every line segment of ``items``, in write order per index."""
    rows: list[tuple] = []
    for item in items:
        if type(item) is tuple:
            rows.append(item)
            continue
        if rows:
            yield 0, _rows_to_columns(rows, name, fields)
            rows = []
        values = item.values
        if type(item) is IndexedChunk:
            yield item.index, [np.broadcast_to(host_array(v), item.shape).reshape(-1)
                               for v in values]
            continue
        if len(item.shape) == 1 and all(type(v) is np.ndarray and v.shape == item.shape
                                         for v in values):
            yield 0, values  # the common case needs no broadcasting
            continue
        columns = _chunk_to_columns(item)
        for index in range(columns[0].shape[0]):
            yield index, [c[index] for c in columns]
    if rows:
        yield 0, _rows_to_columns(rows, name, fields)


class LogEncoder:
    """Turns batches into framed bytes, declaring each group the first time it is used.

    With ``self_contained=True`` (object-store segments) every call starts with a Header and
    re-declares the groups it uses, so each segment can be read on its own.
    """

    def __init__(self, scope: str, writer_id: int, self_contained: bool = False) -> None:
        self.scope = scope
        self.writer_id = writer_id
        self.self_contained = self_contained
        self.fields: dict[str, tuple[str, ...]] = {}
        self._group_ids: dict[tuple, int] = {}
        self._declared: set[int] = set()
        self._header_written = False

    def encode(self, batches: Sequence[Batch]) -> bytes:
        """Framed records for ``batches``; empty bytes when there is nothing to write."""
        if self.self_contained:
            self._declared.clear()
            self._header_written = False
        parts: list = []
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
            group_id = self._group_id(name, 0, fields, signature, parts)
            parts += frame_parts(points_payload_parts(group_id, [[_little_endian(c)] for c in flat]))
            return
        runs: dict[int, list[tuple[tuple[int, ...], list[list[np.ndarray]]]]] = {}
        signatures: dict[tuple, tuple[int, ...]] = {}
        for index, arrays in _lines(items, name, fields):
            dtypes = tuple([a.dtype for a in arrays])
            signature = signatures.get(dtypes)
            if signature is None:
                signature = signatures[dtypes] = tuple(wire_dtype(d) for d in dtypes)
            line = runs.setdefault(index, [])
            if line and line[-1][0] == signature:
                line[-1][1].append(arrays)
            else:
                line.append((signature, [arrays]))
        for index, line in runs.items():
            for signature, pieces in line:
                group_id = self._group_id(name, index, fields, signature, parts)
                columns = [[_little_endian(np.concatenate(column) if len(column) > 1
                                           else column[0])] for column in zip(*pieces)]
                parts += frame_parts(points_payload_parts(group_id, columns))

    def _group_id(self, name: str, index: int, fields: Sequence[str],
                  signature: tuple[int, ...], parts: list) -> int:
        key = (name, index, signature)
        group_id = self._group_ids.get(key)
        if group_id is None:
            group_id = self._group_ids[key] = new_id()
        if group_id not in self._declared:
            record = group_record(group_id, self.scope, name, index,
                                  list(zip(fields, signature)), self.writer_id)
            parts += frame_parts([record.SerializeToString()])
            self._declared.add(group_id)
        return group_id
