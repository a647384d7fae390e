"""``open_log_reader``: the reader a PATH needs, streamvis or legacy, chosen from its bytes."""

from __future__ import annotations

import os
from typing import Protocol

from streamvis.logger.legacy.detect import (
    PENDING, SEED, STREAMVIS, V1, NotAStreamvisLog, detect_format, first_bytes_error)
from streamvis.logger.legacy.reader import LegacyReader, local_path
from streamvis.logger.legacy.seed import SeedReader
from streamvis.logger.legacy.v1pair import V1PairReader
from streamvis.logger.events import ReadStats
from streamvis.logger.reader import Event, LogReader
from streamvis.logger.series import Series

__all__ = ["AnyLogReader", "PendingFormatReader", "legacy_format_of", "open_log_reader"]


class AnyLogReader(Protocol):
    """What ``LogReader`` and the legacy readers have in common."""

    path: str
    stats: ReadStats

    def exists(self) -> bool: ...
    def poll(self) -> list[Series]: ...
    def poll_events(self, final: bool = False) -> list[Event]: ...
    def read_all(self) -> list[Series]: ...
    def source_generation(self) -> int: ...
    def close(self) -> None: ...


def _reader_for(fmt: str, path: str, backend: str | None,
                superseded: bool = False) -> LogReader | LegacyReader:
    if fmt == SEED:
        return SeedReader(path)
    if fmt == V1:
        return V1PairReader(path)
    return LogReader(path, backend=backend, superseded=superseded)


class PendingFormatReader:
    """A reader for a PATH whose format cannot be told yet (missing, empty, or too short):
    each poll looks again, and hands over to the right reader once the bytes tell."""

    def __init__(self, path: str, backend: str | None, superseded: bool = False) -> None:
        self.path = path
        self._backend = backend
        self._superseded = superseded
        self._reader: LogReader | LegacyReader | None = None
        self._stats = ReadStats()

    @property
    def stats(self) -> ReadStats:
        return self._reader.stats if self._reader is not None else self._stats

    @property
    def reader(self) -> LogReader | LegacyReader | None:
        """The reader handed over to, once the format is known."""
        return self._reader

    def _resolve(self, final: bool) -> LogReader | LegacyReader | None:
        if self._reader is None:
            fmt = detect_format(self.path)
            if fmt == PENDING and final:
                fmt = _final_verdict(self.path)
            if fmt != PENDING:
                self._reader = _reader_for(fmt, self.path, self._backend, self._superseded)
        return self._reader

    def exists(self) -> bool:
        if self._reader is not None:
            return self._reader.exists()
        local = local_path(self.path)  # only local PATHs can be pending
        return os.path.exists(local) or os.path.exists(local + ".idx")

    def poll(self) -> list[Series]:
        return [e for e in self.poll_events() if isinstance(e, Series)]

    def poll_events(self, final: bool = False) -> list[Event]:
        reader = self._resolve(final)
        return [] if reader is None else reader.poll_events(final=final)

    def read_all(self) -> list[Series]:
        return [e for e in self.poll_events(final=True) if isinstance(e, Series)]

    def source_generation(self) -> int:
        """See ``LogReader.source_generation``."""
        return self._reader.source_generation() if self._reader is not None else 0

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()


def _final_verdict(path: str) -> str:
    """At the end of the log a short non-empty file is not "pending" any more."""
    try:
        with open(local_path(path), "rb") as f:
            head = f.read(64)
    except OSError:
        return STREAMVIS  # missing: the streamvis reader reads nothing
    if not head:
        return STREAMVIS
    raise first_bytes_error(path, head)


def open_log_reader(path: str, backend: str | None = None, superseded: bool = False
                    ) -> LogReader | LegacyReader | PendingFormatReader:
    """A reader for the log at ``path``: ``LogReader`` for streamvis logs, ``SeedReader`` or
    ``V1PairReader`` for logs of the original streamvis (``PREFIX``, ``PREFIX.idx`` or
    ``PREFIX.log`` for v1.0), or a ``PendingFormatReader`` that decides once bytes arrive.

    ``superseded=True`` turns the resume rule off (see ``LogReader``). Raises
    ``NotAStreamvisLog`` (a ``StorageError``) for a file in none of these formats.
    """
    fmt = detect_format(path)
    if fmt == PENDING:
        return PendingFormatReader(path, backend, superseded)
    return _reader_for(fmt, path, backend, superseded)


def legacy_format_of(path: str) -> str | None:
    """``"seed"`` or ``"v1.0"`` if PATH holds a log of the original streamvis, else ``None``
    (also for files that are not logs at all: the caller decides what to do with those)."""
    try:
        fmt = detect_format(path)
    except NotAStreamvisLog:
        return None
    return fmt if fmt in (SEED, V1) else None
