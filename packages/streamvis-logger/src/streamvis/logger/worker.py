"""The background flusher: a lock-free hand-off queue and one daemon thread per logger.

Shaped after OpenTelemetry's BatchSpanProcessor. Writers append items to a ``deque`` (atomic
under the GIL, so ``write`` takes no lock); the worker thread pops them in order, encodes and
writes them. Writers hand items over with ``put_or_wait`` only. The worker wakes when
``max_points`` points were put since it was last woken, every ``interval`` seconds, and on
``flush``. When more than ``max_backlog`` points wait unwritten, ``put_or_wait`` blocks until
the worker catches up (backpressure: nothing is dropped).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from itertools import repeat, starmap
from operator import attrgetter, itemgetter

from streamvis.logger.items import Batch, Chunk, ConfigItem, ConfigUpdate, FlatChunk, IndexedChunk

_CHUNKS = {Chunk, FlatChunk, IndexedChunk}
_name_of = attrgetter("name")
_points_of = attrgetter("points")
_row_name = itemgetter(0)

__all__ = ["FlushWorker"]

_log = logging.getLogger(__name__)
_REPEAT_WARNING_S = 60.0  # while storage keeps failing, say so again this often


class FlushWorker:
    """Owns the hand-off queue and the thread that drains it into ``sink``.

    Queue items are those of ``streamvis.logger.items``.

    ``sink`` is called on every wake-up, with an empty list when nothing new is queued, so
    that data it kept after a storage error is retried even if no more is written. A failed
    call sets ``failure`` (the caller raises it once, from its next call) and is logged on
    the first failure of a streak, then every minute; the first success after it is logged.
    """

    def __init__(self, sink: Callable[[list[Batch], list[ConfigUpdate]], None], max_points: int,
                 interval: float, max_backlog: int,
                 raise_failure: Callable[[], None] | None = None) -> None:
        self.sink = sink
        self.raise_failure = raise_failure or self._raise
        self.max_points = max_points
        self.interval = interval
        self.max_backlog = max_backlog
        self.failure: BaseException | None = None
        self._warned_at = 0.0
        self.failing = False  # the last sink call failed
        self.last_error: BaseException | None = None
        self._init_state()

    def _init_state(self) -> None:
        self.queue: deque = deque()
        self.added = 0             # points ever put (writers only)
        self.next_wake = self.max_points  # wake the worker when ``added`` reaches this
        self.written = 0           # points ever drained (worker only)
        self._wake = threading.Event()
        self._drained = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="streamvis-flush", daemon=True)
        self._thread.start()

    def put_or_wait(self, item, points: int) -> None:
        """Queue ``item`` holding ``points`` points, waking the worker every ``max_points``;
        blocks while more than ``max_backlog`` points wait unwritten (backpressure). Raises
        (``raise_failure``) the failure of a flush not yet reported to a caller, after queueing
        ``item``: it is kept and retried with the rest."""
        self.queue.append(item)
        self.added += points
        if self.added >= self.next_wake:  # a failed flush sets next_wake to 0 to get here
            self.wake_or_wait()

    def wake_or_wait(self) -> None:
        """Wake the worker (a buffer's worth was put, or a flush failed: then raise that
        failure); block while the backlog is too big. Only ``put_or_wait`` calls this (and
        ``DataLogger.write``'s inlined copy of it)."""
        self.next_wake = self.added + self.max_points
        if self.failure is not None:
            self.raise_failure()
        self._wake.set()
        if self.added - self.written > self.max_backlog and self._alive():
            with self._drained:
                while self.added - self.written > self.max_backlog and self._alive():
                    self._drained.wait(1.0)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything queued so far; True once it is in storage."""
        done = threading.Event()
        self.queue.append(done)
        self._wake.set()
        if not self._alive():
            self._drain()
        return done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush and stop the thread."""
        self.flush(timeout)
        self._stopping = True
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's queue and thread, start a fresh thread."""
        self._init_state()
        self.failure = None
        self.failing = False
        self.start()

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _drain(self) -> None:
        items = list(starmap(self.queue.popleft, repeat((), len(self.queue))))
        batch, points, events, configs = _group(items)
        try:
            self.sink([batch] if batch else [], configs)
        except BaseException as err:  # logged, and raised to the caller on its next call
            self._failed(err)
        else:
            if self.failing:
                _log.warning("streamvis: storage works again; the kept data is written")
                self.failing = False
                self.failure = None
        self.written += points
        with self._drained:
            self._drained.notify_all()
        for event in events:
            event.set()

    def _raise(self) -> None:
        err, self.failure = self.failure, None
        raise err

    def _failed(self, err: BaseException) -> None:
        now = time.monotonic()
        if not self.failing or now - self._warned_at >= _REPEAT_WARNING_S:
            _log.warning("streamvis: writing the log failed: %s; the data is kept and retried",
                         err)
            self._warned_at = now
        self.failing = True
        self.failure = self.last_error = err
        self.next_wake = 0  # the next put_or_wait reports it

    def _run(self) -> None:
        deadline = time.monotonic() + self.interval
        while True:
            self._wake.wait(max(0.0, deadline - time.monotonic()))
            self._wake.clear()
            if time.monotonic() >= deadline:
                deadline = time.monotonic() + self.interval
            stopping = self._stopping
            self._drain()
            if stopping:
                self._drain()
                return


def _group(items: list) -> tuple[Batch, int, list, list[ConfigUpdate]]:
    """(items per name in order, points, flush events, config updates) of drained items."""
    kinds = set(map(type, items))
    if kinds == {tuple}:  # scalar rows only: usually of one name
        names = set(map(_row_name, items))
        if len(names) == 1:
            return {names.pop(): items}, len(items), [], []
    elif kinds and kinds <= _CHUNKS:  # array writes only
        names = set(map(_name_of, items))
        if len(names) == 1:
            return {names.pop(): items}, sum(map(_points_of, items)), [], []
    batch: Batch = {}
    events = []
    configs: list[ConfigUpdate] = []
    points = 0
    for item in items:
        if type(item) is tuple:
            name = item[0]
            points += 1
        elif type(item) in _CHUNKS:
            name = item.name
            points += item.points
        elif type(item) is ConfigItem:
            configs.append((item.text, item.time))
            continue
        else:
            events.append(item)
            continue
        rows = batch.get(name)
        if rows is None:
            batch[name] = [item]
        else:
            rows.append(item)
    return batch, points, events, configs
