"""Logs as immutable segment objects under a prefix, over any object-store client.

``SegmentStore.append`` writes one create-only object per flush (see ``segments`` for names).
``SegmentSource.read_new`` finds new segments by listing:

- the first listing (and one every ``relist_interval`` seconds, and after a listed segment
  vanished because a compaction replaced it) lists the whole prefix;
- in between, it lists only names after ``min(newest name seen, reader clock) - lookback``
  (one request on S3/GCS), so steady-state cost depends on the recent write rate, not on the
  log's size. A segment whose upload finished up to ``lookback`` after its name was chosen is
  found by the next poll; a slower one by the next full listing. Nothing is ever missed.

A full listing that no longer holds the earliest segment read (nor a compaction of it, which
sorts before it) means the log was deleted or replaced by a new one (or its start deleted):
``generation`` goes up and nothing is read; a fresh reader reads what is there.

The reader remembers every segment name it has read (a few dozen bytes each; compaction keeps
the count down), so a name is read once however often it is listed. A compacted segment's
manifest marks its leaves as read; leaves already read through their own objects are skipped.
"""

from __future__ import annotations

import os
import secrets
import time
from abc import ABC, abstractmethod

from streamvis.logger.storage.base import Chunk, LogSource, LogStore, StorageError
from streamvis.logger.storage.segments import SEGMENT_RE, leaf_name, name_time, split_segment, \
    time_key

__all__ = ["ObjectFs", "SegmentSource", "SegmentStore"]

LOOKBACK_ENV = "STREAMVIS_LIST_LOOKBACK"
RELIST_ENV = "STREAMVIS_FULL_RELIST_INTERVAL"
_BATCH_OBJECTS = 256


class ObjectFs(ABC):
    """The few object-store operations a segmented log needs, relative to one prefix."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    @abstractmethod
    def put_new(self, name: str, data: bytes) -> None:
        """Create object ``name`` atomically; ``FileExistsError`` if it exists."""

    @abstractmethod
    def list_names(self, start_after: str | None = None) -> list[str]:
        """Names of objects directly under the prefix that sort after ``start_after``."""

    @abstractmethod
    def get_many(self, names: list[str]) -> dict[str, bytes | BaseException]:
        """Contents of ``names`` (fetched in parallel where possible); errors as values."""

    @abstractmethod
    def delete(self, names: list[str]) -> None:
        """Remove objects (missing ones are not an error)."""

    def reopen(self) -> None:
        """Drop clients and connections (after fork)."""


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise StorageError(f"{name}={raw!r} is not a number of seconds") from None


class SegmentStore(LogStore):
    """Writes each append as one new immutable segment; never overwrites."""

    self_contained_appends = True

    def __init__(self, url: str, objects: ObjectFs) -> None:
        super().__init__(url)
        self.objects = objects
        self._new_writer()
        self._failed: tuple[str, bytes] | None = None
        self._closed = False

    def _new_writer(self) -> None:
        self._writer = secrets.randbits(64)
        self._seq = 0
        self._last_ns = 0

    def _next_name(self) -> str:
        self._last_ns = max(time.time_ns(), self._last_ns + 1)
        self._seq += 1
        return leaf_name(self._last_ns, self._writer, self._seq)

    def append(self, data: bytes) -> None:
        if self._closed:
            raise StorageError(f"log {self.url!r} is closed")
        if self._failed is not None:
            # A failed put may still have landed: retrying under the same name is idempotent.
            name, old = self._failed
            if bytes(data[:len(old)]) == old:
                self._put(name, old, retry=True)
                data = data[len(old):]
            self._failed = None
        if data:
            self._put(self._next_name(), bytes(data))

    def _put(self, name: str, data: bytes, retry: bool = False) -> None:
        try:
            self.objects.put_new(name, data)
        except FileExistsError:
            if not retry:
                raise StorageError(f"segment {self.objects.url}/{name} already exists; "
                                   "expected a fresh name") from None
        except Exception as err:
            self._failed = (name, data)
            raise StorageError(f"cannot write segment {self.objects.url}/{name}: {err}") from err

    def close(self) -> None:
        self._closed = True

    def reopen_after_fork(self) -> None:
        self.objects.reopen()
        self._new_writer()
        self._failed = None


class SegmentSource(LogSource):
    """Reads new segments once each, in name order, fetching a batch in parallel."""

    def __init__(self, url: str, objects: ObjectFs, lookback: float | None = None,
                 relist_interval: float | None = None) -> None:
        super().__init__(url)
        self.objects = objects
        self.lookback = _float_env(LOOKBACK_ENV, 60.0) if lookback is None else lookback
        self.relist_interval = (_float_env(RELIST_ENV, 300.0) if relist_interval is None
                                else relist_interval)
        self.lists = 0
        self.full_lists = 0
        self._seen: set[str] = set()
        self._queue: list[str] = []
        self._max_ns: int | None = None
        self._last_full = 0.0
        self._need_full = True
        self._listing_open = False
        self._first_stem: str | None = None  # the earliest segment read, without suffixes

    def exists(self) -> bool:
        if self._max_ns is None and not self._queue and not self._seen:
            # Not read yet: this full listing is kept as the first poll's (one LIST saved).
            self._refill()
            self._listing_open = bool(self._queue)
            return bool(self._queue)
        return bool(self._seen) or any(SEGMENT_RE.match(n) for n in self._list(None))

    def _list(self, start_after: str | None) -> list[str]:
        self.lists += 1
        try:
            return self.objects.list_names(start_after)
        except FileNotFoundError:
            return []
        except StorageError:
            raise
        except Exception as err:
            raise StorageError(f"cannot list log {self.url!r}: {err}") from err

    def _refill(self) -> None:
        now = time.monotonic()
        full = self._need_full or self._max_ns is None or now - self._last_full > self.relist_interval
        if full:
            start_after = None
            self._last_full, self._need_full = now, False
            self.full_lists += 1
        else:
            bound = min(self._max_ns, time.time_ns()) - int(self.lookback * 1e9)
            start_after = time_key(bound)
        listed = [n for n in self._list(start_after) if SEGMENT_RE.match(n)]
        if start_after is None and self._seen and not self._continues(listed):
            self.generation += 1  # deleted or replaced by a fresh log: start over
            self._queue = []
            return
        names = [n for n in listed if n not in self._seen]
        self._queue = sorted(names, reverse=True)  # pop() from the end = smallest first

    def _continues(self, listed: list[str]) -> bool:
        """Whether a full listing still holds the start of the log read so far. Names sort in
        log order and a compaction is named after its first leaf (sorting just before it), so
        the listing must hold a segment whose leaf stem is at or before the first one read;
        otherwise that was deleted (with the whole log, or the log was replaced)."""
        return bool(listed) and self._first_stem is not None and \
            min(_stem(n) for n in listed) <= self._first_stem

    def read_new(self) -> list[Chunk]:
        """The next batch of segments from the current listing; ``[]`` once it is read
        through (the end of a ``LogReader.poll``), and the next call lists again. So a poll
        lists once and returns, even while writers add segments faster than it reads."""
        chunks: list[Chunk] = []
        if not self._queue:
            if self._listing_open:
                self._listing_open = False
                return []
            self._refill()
            self._listing_open = bool(self._queue)
        while self._queue and not chunks:
            batch = [self._queue.pop() for _ in range(min(_BATCH_OBJECTS, len(self._queue)))]
            fetched = self._fetch(batch)
            for name in batch:
                data = fetched.get(name)
                if data is not None:
                    chunks += self._consume(name, data)
        return chunks

    def _fetch(self, batch: list[str]) -> dict[str, bytes]:
        try:
            got = self.objects.get_many([n for n in batch if n not in self._seen])
        except Exception as err:
            raise StorageError(f"cannot read segments of log {self.url!r}: {err}") from err
        out: dict[str, bytes] = {}
        for name, value in got.items():
            if isinstance(value, FileNotFoundError):
                self._need_full = True  # replaced by a compacted segment sorting earlier
            elif isinstance(value, BaseException):
                self._queue = sorted(self._queue + batch, reverse=True)  # retry next poll
                raise StorageError(f"cannot read segment {self.url}/{name}: {value}") from value
            else:
                out[name] = value
        return out

    def _consume(self, name: str, data: bytes) -> list[Chunk]:
        if name in self._seen:  # a compacted segment read earlier in this batch holds it
            return []
        self._seen.add(name)
        stem = _stem(name)
        if self._first_stem is None or stem < self._first_stem:
            self._first_stem = stem
        self.bytes_read += len(data)
        self._max_ns = max(self._max_ns or 0, name_time(name))
        manifest, body = split_segment(data)
        if manifest is None:
            return [Chunk(name, data, True)]
        chunks = []
        for leaf, offset, length in manifest.leaves:
            if leaf not in self._seen:
                self._seen.add(leaf)
                chunks.append(Chunk(f"{name}#{leaf}", body[offset:offset + length], True))
        return chunks


def _stem(name: str) -> str:
    """``<time>-<writer>-<seq>`` of a segment name: a compacted segment's is its first leaf's."""
    return name.split(".", 1)[0]
