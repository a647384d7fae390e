"""Read streamvis logs: ``read_log`` for everything, ``LogReader.poll`` for what is new."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from streamvis.logger.dtypes import decode_buffer
from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.storage import StorageError, open_source
from streamvis.proto import (
    DEFAULT_MAX_RECORD_BYTES,
    DecodeError,
    FrameDecoder,
    parse_points_fast,
    parse_record,
)

__all__ = ["LogReader", "ReadStats", "Tombstone", "read_log"]


@dataclass(frozen=True)
class Tombstone:
    """A delete: series whose scope and name fully match were hidden at this point."""

    scope_pattern: str
    name_pattern: str = ""

    def matches(self, scope: str, name: str) -> bool:
        return bool(re.fullmatch(self.scope_pattern, scope)) and (
            not self.name_pattern or bool(re.fullmatch(self.name_pattern, name)))


@dataclass
class ReadStats:
    """What a reader has consumed so far."""

    bytes_read: int = 0
    records: int = 0
    damaged_bytes: int = 0      # bytes of broken framing skipped
    bad_records: int = 0        # intact frames whose content was unusable
    orphan_points: int = 0      # points records naming a group never declared


@dataclass
class _GroupInfo:
    key: SeriesKey
    fields: tuple[str, ...]
    dtypes: tuple[int, ...]
    writer: int


@dataclass
class _Pending:
    parts: list[tuple[tuple[str, ...], list[np.ndarray]]] = field(default_factory=list)
    writers: set[int] = field(default_factory=set)


def _merge(key: SeriesKey, pending: _Pending) -> Series:
    names: list[str] = []
    for fields, _ in pending.parts:
        names += [f for f in fields if f not in names]
    columns: dict[str, np.ndarray] = {}
    for name in names:
        pieces = []
        for fields, arrays in pending.parts:
            if name in fields:
                pieces.append(arrays[fields.index(name)])
            else:  # this writer did not log the field: fill with NaN
                pieces.append(np.full(len(arrays[0]), np.nan))
        columns[name] = pieces[0].copy() if len(pieces) == 1 else np.concatenate(pieces)
    return Series(key[0], key[1], key[2], columns, frozenset(pending.writers))


class LogReader:
    """Incremental reader of a log: each ``poll`` returns only what appeared since the last.

    Damage (torn or corrupted frames, undecodable records) is skipped and counted in
    ``stats``; it never raises and never returns wrong values. Many writers and runs that
    share a (scope, name, index) are merged into one series.
    """

    def __init__(self, path: str, *, backend: str | None = None,
                 max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self.path = path
        self.stats = ReadStats()
        self._source = open_source(path, backend)
        self._max_record_bytes = max_record_bytes
        self._decoders: dict[str, FrameDecoder] = {}
        self._groups: dict[int, _GroupInfo] = {}
        self._finished_damage = 0

    def exists(self) -> bool:
        """Whether anything has been written to the log yet."""
        return self._source.exists()

    def poll(self) -> list[Series]:
        """Series of the points appended since the previous call (deletes applied)."""
        return [e for e in self.poll_events() if isinstance(e, Series)]

    def poll_events(self, final: bool = False) -> list[Series | Tombstone]:
        """New data as events in log order: each ``Tombstone`` hides matching series seen in
        earlier polls, then the ``Series`` that follow carry the new points.

        ``final=True`` treats the end of every stream as the end of the log: an incomplete
        frame there is counted as damage rather than held back for a later poll.
        """
        pending: dict[SeriesKey, _Pending] = {}
        tombstones: list[Tombstone] = []
        while chunks := self._source.read_new():
            for chunk in chunks:
                decoder = self._decoders.get(chunk.stream)
                if decoder is None:
                    decoder = self._decoders[chunk.stream] = FrameDecoder(self._max_record_bytes)
                for payload in decoder.feed(chunk.data):
                    self._apply(payload, pending, tombstones)
                if chunk.final:
                    self._finish(chunk.stream, pending, tombstones)
        if final:
            for stream in list(self._decoders):
                self._finish(stream, pending, tombstones)
        self.stats.bytes_read = self._source.bytes_read
        self.stats.damaged_bytes = self._finished_damage + sum(
            d.skipped_bytes for d in self._decoders.values())
        return [*tombstones, *(_merge(k, p) for k, p in pending.items())]

    def _finish(self, stream: str, pending: dict[SeriesKey, _Pending],
                tombstones: list[Tombstone]) -> None:
        decoder = self._decoders.pop(stream)
        for payload in decoder.finish():
            self._apply(payload, pending, tombstones)
        self._finished_damage += decoder.skipped_bytes

    def _apply(self, payload: memoryview, pending: dict[SeriesKey, _Pending],
               tombstones: list[Tombstone]) -> None:
        self.stats.records += 1
        fast = parse_points_fast(payload)
        if fast is not None:
            self._apply_points(fast[0], fast[1], pending)
            return
        try:
            record = parse_record(payload)
        except DecodeError:
            self.stats.bad_records += 1
            return
        kind = record.WhichOneof("kind")
        if kind == "points":
            self._apply_points(record.points.group_id, record.points.values, pending)
        elif kind == "group":
            g = record.group
            self._groups[g.id] = _GroupInfo((g.scope, g.name, g.index),
                                            tuple(f.name for f in g.fields),
                                            tuple(f.dtype for f in g.fields), g.writer_id)
        elif kind == "control" and record.control.WhichOneof("action") == "tombstone":
            t = record.control.tombstone
            try:
                tomb = Tombstone(t.scope_pattern, t.name_pattern)
                tomb.matches("", "")
            except re.error:
                self.stats.bad_records += 1
                return
            for key in [k for k in pending if tomb.matches(k[0], k[1])]:
                del pending[key]
            tombstones.append(tomb)

    def _apply_points(self, group_id: int, values, pending: dict[SeriesKey, _Pending]) -> None:
        info = self._groups.get(group_id)
        if info is None:
            self.stats.orphan_points += 1
            return
        if len(values) != len(info.fields):
            self.stats.bad_records += 1
            return
        try:
            arrays = [decode_buffer(buf, code) for buf, code in zip(values, info.dtypes)]
        except ValueError:
            self.stats.bad_records += 1
            return
        if len({len(a) for a in arrays}) > 1:
            self.stats.bad_records += 1
            return
        entry = pending.get(info.key)
        if entry is None:
            entry = pending[info.key] = _Pending()
        entry.parts.append((info.fields, arrays))
        entry.writers.add(info.writer)

    def read_all(self) -> list[Series]:
        """Everything not yet read, to the end of the log, deletes applied."""
        return [e for e in self.poll_events(final=True) if isinstance(e, Series)]

    def close(self) -> None:
        self._source.close()

    def source_generation(self) -> int:
        """How often the log was found replaced (deleted, truncated, rewritten) under this
        reader; once it is not 0, what was read is stale: read again with a new reader."""
        return self._source.generation


def read_log(path: str, *, backend: str | None = None) -> list[Series]:
    """Every series in the log at ``path``, merged across writers and runs, in write order.

    Raises ``StorageError`` if nothing exists at ``path``.
    """
    reader = LogReader(path, backend=backend)
    try:
        if not reader.exists():
            raise StorageError(f"no streamvis log at {path!r}")
        return reader.read_all()
    finally:
        reader.close()
