"""Read streamvis logs: ``read_log`` for everything, ``LogReader.poll`` for what is new."""

from __future__ import annotations

import json
import logging


from streamvis.logger.assembly import GroupInfo, Part, PendingSeries, ResumeRule
from streamvis.logger.dtypes import decode_buffer
from streamvis.logger.events import ReadStats, RunConfig, Superseded, Tombstone
from streamvis.logger.sequences import SeenSequences
from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.storage import StorageError, open_source
from streamvis.logger.walltimes import decode_wall_times
from streamvis.proto import (
    DEFAULT_MAX_RECORD_BYTES,
    DecodeError,
    FrameDecoder,
    Group,
    parse_points_fast,
    parse_record,
)

__all__ = ["Event", "LogReader", "read_configs", "read_log", "run_configs"]

_log = logging.getLogger(__name__)

Event = Series | Tombstone | Superseded | RunConfig


class _Poll:
    """What one poll has gathered so far."""

    def __init__(self) -> None:
        self.series: dict[SeriesKey, PendingSeries] = {}
        self.tombstones: list[Tombstone] = []
        self.superseded: list[Superseded] = []
        self.configs: list[RunConfig] = []

    def __bool__(self) -> bool:
        return bool(self.series or self.tombstones or self.superseded or self.configs)

    def events(self) -> list[Event]:
        return [*self.tombstones, *self.superseded, *self.configs,
                *(p.merge(k) for k, p in self.series.items())]


class LogReader:
    """Incremental reader of a log: each ``poll`` returns only what appeared since the last.

    Damage (torn or corrupted frames, undecodable records) is skipped and counted in
    ``stats``; it never raises for it and never returns wrong values. A record stored twice
    (format 2 sequence numbers) is returned once. Many writers and runs that share a
    (scope, name, index) are merged into one series, and a resumed run's earlier points are
    superseded from the resumed x on (see ``Superseded``) unless ``superseded=True``.

    Storage failures raise ``StorageError``, but never lose data: if a poll fails after it
    has read new data, it returns that data (logging the failure) and the next poll reads on
    from there; if it fails before, it raises and the next poll retries the same bytes.
    """

    def __init__(self, path: str, *, backend: str | None = None,
                 max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
                 superseded: bool = False) -> None:
        self.path = path
        self.stats = ReadStats()
        self._source = open_source(path, backend)
        self._max_record_bytes = max_record_bytes
        self._decoders: dict[str, FrameDecoder] = {}
        self._groups: dict[int, GroupInfo] = {}
        self._inline_groups: dict[bytes, GroupInfo] = {}
        self._seen = SeenSequences()
        self._resume = None if superseded else ResumeRule()
        self._finished_damage = 0
        self._finished_oversized = 0

    def exists(self) -> bool:
        """Whether anything has been written to the log yet."""
        return self._source.exists()

    def poll(self) -> list[Series]:
        """Series of the points appended since the previous call (deletes applied)."""
        return [e for e in self.poll_events() if isinstance(e, Series)]

    def poll_events(self, final: bool = False) -> list[Event]:
        """New data as events: first each ``Tombstone`` (hides matching series, and runs'
        configs, seen in earlier polls), then each ``Superseded`` (drops points of earlier
        polls), then ``RunConfig`` updates in log order, then the ``Series`` of new points.

        ``final=True`` treats the end of every stream as the end of the log: an incomplete
        frame there is counted as damage rather than held back for a later poll.
        """
        poll = _Poll()
        try:
            while chunks := self._source.read_new():
                for chunk in chunks:
                    decoder = self._decoders.get(chunk.stream)
                    if decoder is None:
                        decoder = self._decoders[chunk.stream] = FrameDecoder(
                            self._max_record_bytes)
                    for payload in decoder.feed(chunk.data):
                        self._apply(payload, poll)
                    if chunk.final:
                        self._finish(chunk.stream, poll)
        except StorageError as err:
            if not poll:
                raise
            _log.warning("reading %s stopped early (%s); returning what was read before it",
                         self.path, err)
            final = False
        if final:
            for stream in list(self._decoders):
                self._finish(stream, poll)
        elif self._resume is not None:
            self._resume.reduce()   # a tailer polls on: keep numbers, not the poll's arrays
        self._update_stats()
        return poll.events()

    def _update_stats(self) -> None:
        decoders = self._decoders.values()
        self.stats.bytes_read = self._source.bytes_read
        self.stats.damaged_bytes = self._finished_damage + sum(d.skipped_bytes for d in decoders)
        self.stats.oversized_frames = self._finished_oversized + sum(
            d.oversized_frames for d in decoders)

    def _finish(self, stream: str, poll: _Poll) -> None:
        decoder = self._decoders.pop(stream)
        for payload in decoder.finish():
            self._apply(payload, poll)
        self._finished_damage += decoder.skipped_bytes
        self._finished_oversized += decoder.oversized_frames

    def _apply(self, payload: memoryview, poll: _Poll) -> None:
        self.stats.records += 1
        fast = parse_points_fast(payload)
        if fast is not None:
            if fast.group is None:  # format 1: the group was declared in its own record
                self._apply_points(self._groups.get(fast.group_id), fast.values, None, poll)
            elif self._new_record(info := self._inline_group(fast.group), fast.seq):
                self._apply_points(info, fast.values, fast.wall_times, poll)
            return
        try:
            record = parse_record(payload)
        except DecodeError:
            self.stats.bad_records += 1
            return
        kind = record.WhichOneof("kind")
        if kind == "points":
            p = record.points
            if not p.HasField("group"):
                self._apply_points(self._groups.get(p.group_id), p.values, None, poll)
            elif self._new_record(info := self._inline_group(p.group.SerializeToString()),
                                  p.seq):
                wall = p.wall_times.SerializeToString() if p.HasField("wall_times") else None
                self._apply_points(info, p.values, wall, poll)
        elif kind == "group":
            g = record.group
            self._groups[g.id] = GroupInfo((g.scope, g.name, g.index),
                                           tuple(f.name for f in g.fields),
                                           tuple(f.dtype for f in g.fields), g.writer_id)
        elif kind == "config":
            self._apply_config(record.config, poll)
        elif kind == "control" and record.control.WhichOneof("action") == "tombstone":
            self._apply_tombstone(record.control.tombstone, poll)

    def _new_record(self, info: GroupInfo | None, seq: int) -> bool:
        """Whether a format-2 record is usable and not one read before."""
        if info is None:
            return False
        if seq and not self._seen.add(info.writer, seq):
            self.stats.duplicate_records += 1
            return False
        return True

    def _inline_group(self, raw: bytes | memoryview) -> GroupInfo | None:
        """The group a format-2 points record carries, parsed once per distinct group."""
        key = bytes(raw)
        info = self._inline_groups.get(key)
        if info is None:
            try:
                g = Group.FromString(key)
            except DecodeError:
                self.stats.bad_records += 1
                return None
            info = self._inline_groups[key] = GroupInfo(
                (g.scope, g.name, g.index), tuple(f.name for f in g.fields),
                tuple(f.dtype for f in g.fields), g.writer_id)
        return info

    def _apply_points(self, info: GroupInfo | None, values, wall, poll: _Poll) -> None:
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
        count = len(arrays[0]) if arrays else 0
        if any(len(a) != count for a in arrays):
            self.stats.bad_records += 1
            return
        wall_parts = decode_wall_times(wall, count) if wall is not None else None
        key = info.key
        entry = poll.series.get(key)
        if self._resume is not None and arrays:
            x = self._resume.first_x(key, info.writer, arrays[0])
            if x is not None:
                if entry is not None:
                    self.stats.superseded_points += entry.supersede(x)
                poll.superseded.append(Superseded(key, x))
        if entry is None:
            entry = poll.series[key] = PendingSeries()
        entry.parts.append(Part(info.fields, arrays, wall_parts))
        entry.writers.add(info.writer)

    def _apply_config(self, config, poll: _Poll) -> None:
        if config.seq and not self._seen.add(config.writer_id, config.seq):
            self.stats.duplicate_records += 1
            return
        try:
            values = json.loads(config.json)
        except ValueError:
            values = None
        if not isinstance(values, dict):
            self.stats.bad_records += 1
            return
        poll.configs.append(RunConfig(config.scope, values))

    def _apply_tombstone(self, t, poll: _Poll) -> None:
        tomb = Tombstone(t.scope_pattern, t.name_pattern)
        try:
            tomb.matches("", "")
        except Exception:  # re.error: a pattern no reader can use
            self.stats.bad_records += 1
            return
        for key in [k for k in poll.series if tomb.matches(k[0], k[1])]:
            del poll.series[key]
        if self._resume is not None:
            self._resume.forget_matching(tomb)
        poll.configs = [c for c in poll.configs if not tomb.matches_run(c.scope)]
        poll.tombstones.append(tomb)

    def read_all(self) -> list[Series]:
        """Everything not yet read, to the end of the log, deletes applied."""
        return [e for e in self.poll_events(final=True) if isinstance(e, Series)]

    def close(self) -> None:
        self._source.close()

    def source_generation(self) -> int:
        """How often the log was found replaced (deleted, truncated, rewritten) under this
        reader; once it is not 0, what was read is stale: read again with a new reader."""
        return self._source.generation


def _open(path: str, backend: str | None, superseded: bool = False):
    from streamvis.logger.formats import open_log_reader  # formats imports this module

    reader = open_log_reader(path, backend=backend, superseded=superseded)
    if not reader.exists():
        reader.close()
        raise StorageError(f"no streamvis log at {path!r}")
    return reader


def read_log(path: str, *, backend: str | None = None, superseded: bool = False) -> list[Series]:
    """Every series in the log at ``path``, merged across writers and runs, in write order.

    A resumed run (a writer whose first point of a series has x <= what earlier writers of it
    reached) supersedes the earlier points from that x on; ``superseded=True`` returns every
    point as written instead. Logs of the original streamvis (seed format, v1.0 pair) are
    read too. Raises ``StorageError`` if nothing exists at ``path``, ``NotAStreamvisLog`` (a
    ``StorageError``) if ``path`` holds something else.
    """
    reader = _open(path, backend, superseded)
    try:
        return reader.read_all()
    finally:
        reader.close()


def read_configs(path: str, *, backend: str | None = None) -> dict[str, dict]:
    """Each run's (scope's) config: its ``Config`` records merged in log order, a later value
    of a key winning; runs deleted whole lose theirs. Raises ``StorageError`` if nothing
    exists at ``path``."""
    reader = _open(path, backend)
    try:
        return run_configs(reader.poll_events(final=True), reader)
    finally:
        reader.close()


def run_configs(events: list[Event], reader: object = None) -> dict[str, dict]:
    """The configs of a poll's ``RunConfig`` events merged per scope, in order, and, when
    ``reader`` is a v1.0-pair reader (or a pending reader handed over to one), the configs it
    found in its index."""
    configs: dict[str, dict] = {}
    for event in events:
        if isinstance(event, RunConfig):
            configs.setdefault(event.scope, {}).update(event.values)
    by_scope = getattr(getattr(reader, "reader", reader), "configs_by_scope", None)
    for scope, found in (by_scope() if by_scope is not None else {}).items():
        for values in found:
            configs.setdefault(scope, {}).update(values)
    return configs
