"""Encode buffered writes into framed records (runs on the background worker)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence

import numpy as np

from streamvis.logger.arrays import Deferred, host_array
from streamvis.logger.dtypes import encode_array, wire_dtype
from streamvis.proto import encode_frames, group_record, header_record, points_record

__all__ = ["Batch", "Chunk", "LogEncoder", "new_id"]

Batch = dict[str, list]
"""Buffered writes per name, in order: tuples of Python numbers (one point each) or Chunks."""


class Chunk:
    """One array write: captured field values that broadcast together to ``shape``."""

    __slots__ = ("values", "shape")

    def __init__(self, values: list[np.ndarray | Deferred], shape: tuple[int, ...]) -> None:
        self.values = values
        self.shape = shape


def new_id() -> int:
    """A random 64-bit id (writer or group); collisions are vanishingly unlikely."""
    return secrets.randbits(64)


def _python_column(column: Sequence[int | float], name: str, field: str) -> np.ndarray:
    if all(type(v) is int for v in column):
        try:
            return np.array(column, dtype=np.int64)
        except OverflowError:
            raise ValueError(
                f"write({name!r}): field {field!r} holds an int outside the int64 range"
            ) from None
    return np.array(column, dtype=np.float64)


def _rows_to_columns(rows: list[tuple], name: str, fields: Sequence[str]) -> list[np.ndarray]:
    return [_python_column(col, name, f) for col, f in zip(zip(*rows), fields, strict=True)]


def _chunk_to_columns(chunk: Chunk) -> list[np.ndarray]:
    """Field arrays of shape (index, point)."""
    shape = chunk.shape
    rows = 1 if len(shape) < 2 else shape[0]
    points = 1 if not shape else shape[-1]
    return [np.broadcast_to(host_array(v), shape).reshape(rows, points) for v in chunk.values]


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
        payloads: list[bytes] = []
        for batch in batches:
            for name, items in batch.items():
                if items:
                    self._encode_name(name, items, payloads)
        if not payloads:
            return b""
        if not self._header_written:
            header = header_record(self.writer_id, self.scope).SerializeToString()
            payloads.insert(0, header)
            self._header_written = True
        return encode_frames(payloads)

    def _encode_name(self, name: str, items: list, payloads: list[bytes]) -> None:
        fields = self.fields[name]
        runs: dict[int, list[tuple[tuple[int, ...], list[list[np.ndarray]]]]] = {}
        for index, arrays in _lines(items, name, fields):
            signature = tuple(wire_dtype(a.dtype) for a in arrays)
            line = runs.setdefault(index, [])
            if line and line[-1][0] == signature:
                line[-1][1].append(arrays)
            else:
                line.append((signature, [arrays]))
        for index, line in runs.items():
            for signature, parts in line:
                group_id = self._group_id(name, index, fields, signature, payloads)
                columns = [np.concatenate(col) if len(col) > 1 else col[0] for col in zip(*parts)]
                buffers = [encode_array(np.ascontiguousarray(c)) for c in columns]
                payloads.append(points_record(group_id, buffers).SerializeToString())

    def _group_id(self, name: str, index: int, fields: Sequence[str],
                  signature: tuple[int, ...], payloads: list[bytes]) -> int:
        key = (name, index, signature)
        group_id = self._group_ids.get(key)
        if group_id is None:
            group_id = self._group_ids[key] = new_id()
        if group_id not in self._declared:
            record = group_record(group_id, self.scope, name, index,
                                  list(zip(fields, signature)), self.writer_id)
            payloads.append(record.SerializeToString())
            self._declared.add(group_id)
        return group_id
