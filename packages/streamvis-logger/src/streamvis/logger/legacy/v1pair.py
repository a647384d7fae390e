"""Reader of the original streamvis v1.0 pair (2025-06 to 2025-10): ``PREFIX.idx`` (scopes,
names, deletes and the byte ranges of data) and ``PREFIX.log`` (the data, located only through
the index), both framed ``kind:u8 | length:u32 BE | protobuf``.

A series is (Scope.scope, Name.name, Data.index), its data concatenated in index order; several
runs of one scope add to the same series. ``DELETE_NAME(scope, name)`` removes every earlier
Name with exactly that scope and name, with its data. INT values are int32, FLOAT float32, as
stored. Per-run configs (``google.protobuf.Struct``) are kept in ``configs``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from streamvis.logger.legacy.reader import (
    FileTail, LegacyReader, Pending, exact_tombstone, local_path)
from streamvis.logger.legacy.seed import typed
from streamvis.logger.legacy.wire import (
    WireError, decode_struct, decode_values, fields_of, next_frame)
from streamvis.logger.events import Tombstone
from streamvis.logger.series import SeriesKey
from streamvis.logger.storage import StorageError

__all__ = ["V1PairReader", "V1RunConfig", "v1_prefix"]

SCOPE, NAME, DATA_ENTRY, CONFIG_ENTRY, DATA, CONFIG, CONTROL = range(7)
_TYPES = {0: np.dtype("<f4"), 1: np.dtype("<i4")}
_DELETE_NAME = 1


def v1_prefix(path: str) -> str:
    """PREFIX of a v1.0 pair given as PREFIX, PREFIX.idx or PREFIX.log."""
    return path[:-4] if path.endswith((".idx", ".log")) else path


@dataclass(frozen=True)
class V1RunConfig:
    """The config one logger run attached to its scope."""

    scope: str
    scope_id: int
    attributes: dict[str, Any]


@dataclass(frozen=True)
class _Name:
    scope_id: int
    name: str
    fields: tuple[str, ...]
    dtypes: tuple[np.dtype, ...]


def _text(value: memoryview) -> str:
    return bytes(value).decode("utf-8", "replace")


def _message(payload: memoryview) -> dict[int, Any]:
    """Last value of each field, except repeated field 4 (Name.fields) gathered in a list."""
    out: dict[int, Any] = {}
    for number, _, value in fields_of(payload):
        if number == 4 and isinstance(value, memoryview):
            out.setdefault(4, []).append(value)
        else:
            out[number] = value
    return out


class V1PairReader(LegacyReader):
    """Incremental reader of a v1.0 pair; tails ``.idx`` (written after ``.log``)."""

    format_name = "v1.0"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.prefix = v1_prefix(path)
        self.idx_path = local_path(self.prefix) + ".idx"
        self.log_path = local_path(self.prefix) + ".log"
        self._tail = FileTail(self.idx_path)
        self._buffer = b""
        self._scopes: dict[int, str] = {}
        self._names: dict[int, _Name] = {}
        self._deleted: set[int] = set()
        self.configs: list[V1RunConfig] = []
        """Every run's config, in index order (a run's ``DataLogger(..., config=...)``)."""

    def exists(self) -> bool:
        return self._tail.exists()

    def configs_by_scope(self) -> dict[str, list[dict[str, Any]]]:
        """The configs read so far, grouped by scope, in index order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for config in self.configs:
            out.setdefault(config.scope, []).append(config.attributes)
        return out

    def _consume(self, pending: dict[SeriesKey, Pending], tombstones: list[Tombstone],
                 final: bool) -> None:
        total = self._tail.size()
        try:
            log = open(self.log_path, "rb")
        except FileNotFoundError:
            if self._tail.exists():
                raise StorageError(f"{self.idx_path!r} has no data file {self.log_path!r} "
                                   "beside it (a v1.0 log is the pair PREFIX.idx + PREFIX.log)")
            return
        with log:
            while data := self._tail.read_new():
                self.stats.bytes_read += len(data)
                self._feed(self._buffer + data if self._buffer else data, log, pending,
                           tombstones, final)
                if self._stopped:
                    return
                if self.on_progress is not None:
                    self.on_progress(self._tail.offset, max(total, self._tail.offset))
            if self._buffer:
                self._feed(self._buffer, log, pending, tombstones, final)
        if final and self._buffer:
            self._stop_at_damage("an incomplete index record",
                                 self._tail.offset - len(self._buffer), len(self._buffer))
            self._buffer = b""

    def _feed(self, buf: bytes, log, pending: dict[SeriesKey, Pending],
              tombstones: list[Tombstone], final: bool) -> None:
        pos = 0
        for kind, payload, _, end in self._frames(
                buf, (SCOPE, NAME, DATA_ENTRY, CONFIG_ENTRY, CONTROL),
                "record kind {kind} in an index file"):
            try:
                done = self._apply(kind, payload, log, pending, tombstones, final)
            except WireError:
                self.stats.bad_records += 1
                done = True
            if not done:  # its data is not in .log yet: retry on the next poll
                break
            pos = end
            self.stats.records += 1
        self._buffer = b"" if self._stopped else buf[pos:]

    def _read_log(self, log, beg: int, end: int, kind: int, final: bool) -> memoryview | None:
        size = os.fstat(log.fileno()).st_size
        if end > size and not final:
            return None
        log.seek(beg)
        data = log.read(end - beg)
        self.stats.bytes_read += len(data)
        frame = next_frame(data, 0) if len(data) == end - beg else None
        if frame is None or frame[0] != kind or frame[2] != len(data):
            raise WireError(f"no kind-{kind} record at .log bytes [{beg}, {end})")
        return frame[1]

    def _apply(self, kind: int, payload: memoryview, log, pending: dict[SeriesKey, Pending],
               tombstones: list[Tombstone], final: bool) -> bool:
        msg = _message(payload)
        if kind == SCOPE:
            self._scopes[msg.get(1, 0)] = _text(msg.get(2, b""))
        elif kind == NAME:
            fields, dtypes = [], []
            for field in msg.get(4, []):
                parts = {n: v for n, _, v in fields_of(field)}
                if parts.get(2, 0) not in _TYPES:
                    raise WireError(f"unknown field type {parts.get(2)}")
                fields.append(_text(parts.get(1, b"")))
                dtypes.append(_TYPES[parts.get(2, 0)])
            self._names[msg.get(1, 0)] = _Name(msg.get(2, 0), _text(msg.get(3, b"")),
                                               tuple(fields), tuple(dtypes))
            self._deleted.discard(msg.get(1, 0))
        elif kind == CONTROL:
            if msg.get(3, 0) != _DELETE_NAME:
                return True  # DELETE_SCOPE: never written by v1.0, ignored by its reader
            scope, name = _text(msg.get(1, b"")), _text(msg.get(2, b""))
            for name_id in [i for i, n in self._names.items()
                            if n.name == name and self._scopes.get(n.scope_id) == scope]:
                del self._names[name_id]
                self._deleted.add(name_id)
            self._delete(exact_tombstone(scope, name), pending, tombstones)
        elif kind == DATA_ENTRY:
            return self._apply_data(msg, log, pending, final)
        else:  # CONFIG_ENTRY
            data = self._read_log(log, msg.get(3, 0), msg.get(4, 0), CONFIG, final)
            if data is None:
                return False
            config = _message(data)
            scope_id = msg.get(2, 0)
            attributes = decode_struct(config[2]) if isinstance(config.get(2), memoryview) else {}
            self.configs.append(V1RunConfig(self._scopes.get(scope_id, ""), scope_id, attributes))
        return True

    def _apply_data(self, entry: dict[int, Any], log, pending: dict[SeriesKey, Pending],
                    final: bool) -> bool:
        name = self._names.get(entry.get(2, 0))
        if name is None:
            if entry.get(2, 0) not in self._deleted:
                self.stats.orphan_points += 1
            return True
        payload = self._read_log(log, entry.get(3, 0), entry.get(4, 0), DATA, final)
        if payload is None:
            return False
        entry_id, index, arrays = 0, 0, []
        for number, wiretype, value in fields_of(payload):
            if number == 1 and wiretype == 0:
                entry_id = value
            elif number == 2 and wiretype == 0:
                index = value & 0xFFFFFFFF
            elif number == 3 and wiretype == 2:
                arrays.append(decode_values(value))
        if entry_id != entry.get(1, 0) or len(arrays) != len(name.fields) or \
                len({len(a) for a in arrays}) > 1:
            self.stats.bad_records += 1
            return True
        key = (self._scopes.get(name.scope_id, ""), name.name, index)
        self._add(pending, key, name.fields, typed(arrays, name.dtypes), name.scope_id)
        return True
