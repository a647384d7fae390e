"""What the legacy readers share: tailing a local file, merging points into ``Series``, and
the ``LogReader`` interface (``exists``, ``poll``, ``poll_events``, ``read_all``, ``close``)."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field

import numpy as np

from streamvis.logger.events import ReadStats, Tombstone
from streamvis.logger.legacy.wire import WireError, next_frame
from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.storage import StorageError

__all__ = ["FileTail", "LegacyReader", "Pending", "RunPart", "exact_tombstone"]

log = logging.getLogger(__name__)

_READ_CHUNK = 16 * 1024 * 1024


def local_path(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


class FileTail:
    """Reads a local file from where the previous read stopped, one chunk at a time."""

    def __init__(self, path: str, chunk_bytes: int = _READ_CHUNK) -> None:
        self.path = local_path(path)
        self.offset = 0
        self._chunk = chunk_bytes

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def size(self) -> int:
        try:
            return os.path.getsize(self.path)
        except FileNotFoundError:
            return 0

    def read_new(self) -> bytes:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(self._chunk)
        except FileNotFoundError:
            return b""
        except OSError as err:
            raise StorageError(f"cannot read log {self.path!r}: {err.strerror}") from err
        self.offset += len(data)
        return data


def exact_tombstone(scope: str, name: str) -> Tombstone:
    """A delete of exactly (scope, name); an empty name deletes the whole scope."""
    return Tombstone(re.escape(scope), re.escape(name))


@dataclass(frozen=True)
class RunPart:
    """Points one run (a seed Group, a v1.0 Scope record) added to one series in one record;
    ``seq`` orders parts as the file does."""

    key: SeriesKey
    run: int
    columns: dict[str, np.ndarray]
    seq: int


@dataclass
class Pending:
    """Points of one series gathered during one poll, one part per record."""

    parts: list[tuple[tuple[str, ...], list[np.ndarray]]] = field(default_factory=list)
    writers: set[int] = field(default_factory=set)
    runs: list[tuple[int, int]] = field(default_factory=list)  # (run, seq) of each part

    def add(self, fields: tuple[str, ...], arrays: list[np.ndarray], writer: int,
            seq: int = 0) -> None:
        self.parts.append((fields, arrays))
        self.writers.add(writer)
        self.runs.append((writer, seq))

    def series(self, key: SeriesKey) -> Series:
        names: list[str] = []
        for fields, _ in self.parts:
            names += [f for f in fields if f not in names]
        columns: dict[str, np.ndarray] = {}
        for name in names:
            pieces = []
            for fields, arrays in self.parts:
                if name in fields:
                    pieces.append(arrays[fields.index(name)])
                else:  # this run did not log the field: NaN (upcasts an int32 column)
                    pieces.append(np.full(len(arrays[0]) if arrays else 0, np.nan))
            columns[name] = np.concatenate(pieces) if len(pieces) > 1 else pieces[0].copy()
        return Series(key[0], key[1], key[2], columns, frozenset(self.writers))


Events = list  # list[Series | Tombstone]


class LegacyReader:
    """Base of the legacy readers; subclasses implement ``_consume``.

    ``on_progress(bytes_read, bytes_total)``, if set, is called after each chunk read.
    Legacy formats have no checksums: a record that cannot be framed (an unknown kind, an
    absurd length) stops the reader there; the rest of the file is counted as damage and a
    warning is logged. Undecodable but well-framed records are counted in ``bad_records``.
    """

    format_name = "legacy"

    def __init__(self, path: str) -> None:
        self.path = path
        self.stats = ReadStats()
        self.on_progress: Callable[[int, int], None] | None = None
        self._stopped = False
        self._seq = 0

    # -- the LogReader interface -------------------------------------------------------------

    def exists(self) -> bool:
        raise NotImplementedError

    def poll(self) -> list[Series]:
        """Series of the points appended since the previous call (deletes applied)."""
        return [e for e in self.poll_events() if isinstance(e, Series)]

    def poll_events(self, final: bool = False) -> list[Series | Tombstone]:
        """New data as events in log order: ``Tombstone``s, then the new ``Series``.

        ``final=True`` counts an incomplete record at the end as damage instead of
        waiting for the rest of it.
        """
        pending, tombstones = self._poll_pending(final)
        return [*tombstones, *(p.series(k) for k, p in pending.items())]

    def _poll_pending(self, final: bool) -> tuple[dict[SeriesKey, Pending], list[Tombstone]]:
        pending: dict[SeriesKey, Pending] = {}
        tombstones: list[Tombstone] = []
        if not self._stopped:
            self._consume(pending, tombstones, final)
        return pending, tombstones

    def read_parts(self) -> list[RunPart]:
        """Everything not yet read, deletes applied, as per-run parts in file order (what
        ``streamvis convert`` writes, one ``DataLogger`` per run)."""
        pending, _ = self._poll_pending(final=True)
        parts = [RunPart(key, run, dict(zip(fields, arrays)), seq)
                 for key, p in pending.items()
                 for (fields, arrays), (run, seq) in zip(p.parts, p.runs)]
        return sorted(parts, key=lambda part: part.seq)

    def read_all(self) -> list[Series]:
        """Everything not yet read, to the end of the log, deletes applied."""
        return [e for e in self.poll_events(final=True) if isinstance(e, Series)]

    def source_generation(self) -> int:
        """Always 0: a legacy file being replaced under a tailer is not detected."""
        return 0

    def close(self) -> None:
        """Nothing is held open between polls."""

    # -- for subclasses --------------------------------------------------------------------

    def _consume(self, pending: dict[SeriesKey, Pending], tombstones: list[Tombstone],
                 final: bool) -> None:
        raise NotImplementedError

    def _frames(self, buf: bytes, kinds: Container[int],
                unexpected: str) -> Iterator[tuple[int, memoryview, int, int]]:
        """``(kind, payload, start, end)`` of each whole record in ``buf`` (the bytes that end
        at ``self._tail.offset``). A record that cannot be framed, or of a kind not in
        ``kinds`` (``unexpected`` formats the message), stops the reader there as damage."""
        base = self._tail.offset - len(buf)
        pos = 0
        while True:
            try:
                frame = next_frame(buf, pos)
            except WireError as err:
                self._stop_at_damage(str(err), base + pos, len(buf) - pos)
                return
            if frame is None:
                return
            kind, payload, end = frame
            if kind not in kinds:
                self._stop_at_damage(unexpected.format(kind=kind), base + pos, len(buf) - pos)
                return
            yield kind, payload, pos, end
            pos = end

    def _stop_at_damage(self, what: str, offset: int, remaining: int) -> None:
        self._stopped = True
        self.stats.damaged_bytes += remaining
        log.warning("%s: %s at byte %d; the %d bytes from there on are not read",
                    self.path, what, offset, remaining)

    def _add(self, pending: dict[SeriesKey, Pending], key: SeriesKey, fields: tuple[str, ...],
             arrays: list[np.ndarray], writer: int, run: int | None = None) -> None:
        """Points of ``key``; ``writer`` goes to ``Series.writers``, ``run`` (default: the
        writer) tells runs apart in ``read_parts``."""
        entry = pending.get(key)
        if entry is None:
            entry = pending[key] = Pending()
        self._seq += 1
        entry.parts.append((fields, arrays))
        entry.writers.add(writer)
        entry.runs.append((writer if run is None else run, self._seq))

    @staticmethod
    def _delete(tomb: Tombstone, pending: dict[SeriesKey, Pending],
                tombstones: list[Tombstone]) -> None:
        for key in [k for k in pending if tomb.matches(k[0], k[1])]:
            del pending[key]
        tombstones.append(tomb)
