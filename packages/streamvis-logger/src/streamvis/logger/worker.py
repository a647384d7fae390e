"""The background flusher: a bounded hand-off buffer and one daemon thread per logger.

Shaped after OpenTelemetry's BatchSpanProcessor. Writers append to ``batch`` under ``lock``;
a full batch moves to the queue. The worker thread encodes and writes queued batches, and the
current batch every ``interval`` seconds. All moves happen under one lock, so points reach
storage in the order they were written. When more than ``max_queued`` full batches wait,
the writer blocks until the worker catches up (backpressure: nothing is ever dropped).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from streamvis.logger.encoder import Batch

__all__ = ["FlushWorker"]


class FlushWorker:
    """Owns the write buffer and the thread that drains it into ``sink``."""

    def __init__(self, sink: Callable[[list[Batch]], None], max_points: int,
                 interval: float, max_queued: int) -> None:
        self.sink = sink
        self.max_points = max_points
        self.interval = interval
        self.max_queued = max_queued
        self.failure: BaseException | None = None
        self._init_state()

    def _init_state(self) -> None:
        self.lock = threading.Lock()
        self._cond = threading.Condition(self.lock)
        self.batch: Batch = {}
        self.count = 0
        self._queue: list[Batch | threading.Event] = []
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="streamvis-flush", daemon=True)
        self._thread.start()

    def hand_off_locked(self) -> None:
        """Queue the current batch; the caller holds ``lock``. Blocks while the queue is full."""
        self._queue.append(self.batch)
        self.batch = {}
        self.count = 0
        self._cond.notify_all()
        while len(self._queue) > self.max_queued and self._alive():
            self._cond.wait(1.0)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything buffered so far; True once it is in storage."""
        done = threading.Event()
        with self.lock:
            if self.batch:
                self._queue.append(self.batch)
                self.batch = {}
                self.count = 0
            self._queue.append(done)
            self._cond.notify_all()
        if not self._alive():
            self._drain_inline()
        return done.wait(timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush and stop the thread."""
        self.flush(timeout)
        with self.lock:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's buffer and thread, start a fresh thread."""
        self._init_state()
        self.failure = None
        self.start()

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _take(self, timed_out: bool) -> list[Batch | threading.Event]:
        taken = self._queue
        self._queue = []
        if timed_out and self.batch:
            taken.append(self.batch)
            self.batch = {}
            self.count = 0
        self._cond.notify_all()
        return taken

    def _write(self, taken: list[Batch | threading.Event]) -> None:
        batches = [b for b in taken if not isinstance(b, threading.Event)]
        if batches:
            try:
                self.sink(batches)
            except BaseException as err:  # surfaced to the caller on its next call
                self.failure = err
        for item in taken:
            if isinstance(item, threading.Event):
                item.set()

    def _drain_inline(self) -> None:
        with self.lock:
            taken = self._take(timed_out=True)
        self._write(taken)

    def _run(self) -> None:
        deadline = time.monotonic() + self.interval
        while True:
            with self.lock:
                while not self._queue and not self._stopping:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._cond.wait(remaining)
                timed_out = time.monotonic() >= deadline
                stopping = self._stopping
                taken = self._take(timed_out or stopping)
            if timed_out:
                deadline = time.monotonic() + self.interval
            self._write(taken)
            if stopping:
                return
