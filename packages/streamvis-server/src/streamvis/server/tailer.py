"""``Tailer``: the one reader per server process that keeps a ``SeriesStore`` up to date."""

from __future__ import annotations

import threading
import time

from streamvis.logger import LogReader, ReadStats, Series, Tombstone, open_log_reader

from streamvis.server.store import SeriesStore

__all__ = ["Tailer"]


class Tailer:
    """Polls the log at ``path`` with ``LogReader`` every ``poll_interval`` seconds (a daemon
    thread) and applies what is new to ``store``: deletes (``store.drop``) then points
    (``store.append``).

    It never dies of a storage error: the error is kept in ``last_error`` (cleared by the next
    good poll) and polling goes on. After an error in the middle of a read, the next good poll
    starts over from the beginning of the log and replaces the store's content, so nothing is
    lost or doubled. A log that does not exist yet is simply empty until it appears.
    """

    def __init__(self, path: str, store: SeriesStore, poll_interval: float = 0.5,
                 backend: str | None = None) -> None:
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be a positive number of seconds, "
                             f"got {poll_interval!r}")
        self.path = path
        self.store = store
        self.poll_interval = poll_interval
        self.backend = backend
        self.last_error: BaseException | None = None
        self.error_count = 0
        self.polls = 0              # completed polls, successful or not
        self.last_poll_time = 0.0   # time.time() when the last successful poll ended
        self._reader: LogReader | None = None
        self._stats = ReadStats()
        self._restart = False       # the store must be replaced by a fresh full read
        self._poll_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stats(self) -> ReadStats:
        """The reader's counters: bytes read, records, damaged bytes, bad records."""
        return self._reader.stats if self._reader is not None else self._stats

    def poll_once(self) -> int:
        """Read what is new and apply it; returns the number of points added (0 on error)."""
        with self._poll_lock:
            try:
                added = self._poll_locked()
            except Exception as err:  # storage, network, anything: keep the server alive
                self.last_error = err
                self.error_count += 1
                self._discard_reader()
                added = 0
            else:
                self.last_error = None
                self.last_poll_time = time.time()
            self.polls += 1
            return added

    def _poll_locked(self) -> int:
        if self._reader is None:
            self._reader = open_log_reader(self.path, backend=self.backend)
        events = self._reader.poll_events()
        if self._restart:  # a fresh reader read everything: replace, do not add
            self._restart = False
            series = _apply_offline(events)
            self.store.replace_all(series)
            return sum(len(s) for s in series)
        added = 0
        for event in events:
            if isinstance(event, Tombstone):
                self.store.drop(event)
            else:
                self.store.append(event)
                added += len(event)
        return added

    def _discard_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            self._stats = reader.stats
            self._restart = reader.stats.bytes_read > 0 or len(self.store) > 0
            try:
                reader.close()
            except Exception:
                pass

    # -- the background thread -------------------------------------------------------------

    def start(self) -> Tailer:
        """Start polling in a daemon thread (the first poll happens at once); returns self."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"streamvis-tailer({self.path})",
                                        daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.poll_interval)

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop the thread (waiting up to ``timeout`` seconds) and close the reader."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        with self._poll_lock:  # a later poll starts over and replaces the store's content
            self._discard_reader()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Tailer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _apply_offline(events: list[Series | Tombstone]) -> list[Series]:
    """The series left after applying a poll's events to an empty store."""
    held: dict = {}
    for event in events:
        if isinstance(event, Tombstone):
            held = {k: s for k, s in held.items() if not event.matches(k[0], k[1])}
        else:
            held.setdefault(event.key, []).append(event)
    out = []
    for parts in held.values():
        out.extend(parts)
    return out
