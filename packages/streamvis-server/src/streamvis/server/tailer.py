"""``Tailer``: the one reader per server process that keeps a ``SeriesStore`` up to date."""

from __future__ import annotations

import logging
import threading
import time

from streamvis.logger import (
    LogReader,
    ReadStats,
    RunConfig,
    Series,
    Superseded,
    Tombstone,
    open_log_reader,
)
from streamvis.logger.reader import run_configs

from streamvis.server.store import SeriesStore

__all__ = ["ERROR_REPEAT_S", "Tailer"]

log = logging.getLogger(__name__)

ERROR_REPEAT_S = 60.0
"""While reads keep failing with the same error, it is logged again at most this often."""


class Tailer:
    """Polls the log at ``path`` with ``LogReader`` every ``poll_interval`` seconds (a daemon
    thread) and applies what is new to ``store``: deletes (``store.drop``) then points
    (``store.append``).

    It never dies of a storage error: the error is kept in ``last_error`` (cleared by the next
    good poll) and polling goes on; the first failure, a changed error, and the recovery are
    logged as warnings, repeats of one error at most every ``ERROR_REPEAT_S``. After an error
    in the middle of a read, the next good poll starts over from the beginning of the log and
    replaces the store's content, so nothing is lost or doubled. A log that does not exist yet
    is simply empty until it appears. A log deleted, truncated or replaced under the tailer
    (``LogReader.source_generation``) is read again from its start: what it held is dropped.
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
        self.error_since = 0.0      # time.time() of the first failure of the current streak
        self.replacements = 0       # times the log was found deleted/truncated/replaced
        self.configs: dict[str, dict] = {}  # scope -> merged run config (replaced, not mutated)
        self._logged_error = ""     # the error last logged, and when
        self._logged_at = 0.0
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
                self._failed(err)
                self._discard_reader()
                added = 0
            else:
                self._recovered()
            self.polls += 1
            return added

    def _failed(self, err: Exception) -> None:
        now = time.time()
        text = f"{type(err).__name__}: {err}"
        if self.last_error is None:
            self.error_since = now
            log.warning("cannot read the log at %s: %s (retrying every %g s)", self.path,
                        text, self.poll_interval)
            self._logged_error, self._logged_at = text, now
        elif text != self._logged_error or now - self._logged_at >= ERROR_REPEAT_S:
            log.warning("still cannot read the log at %s (%d failed reads since %s): %s",
                        self.path, self.error_count + 1, _clock(self.error_since), text)
            self._logged_error, self._logged_at = text, now
        self.last_error = err
        self.error_count += 1

    def _recovered(self) -> None:
        if self.last_error is not None:
            log.warning("reading the log at %s again (it failed from %s to %s)", self.path,
                        _clock(self.error_since), _clock(time.time()))
        self.last_error = None
        self._logged_error = ""
        self.last_poll_time = time.time()

    def _poll_locked(self) -> int:
        added = self._poll_reader()
        if self._reader is not None and self._reader.source_generation():
            self.replacements += 1
            log.warning("the log at %s was deleted, truncated or replaced; dropping the %d "
                        "points read from it and reading it from the start", self.path,
                        sum(self.store.length(k) for k in self.store.keys()))
            self._discard_reader()
            self._restart = True
            added = self._poll_reader()
        return added

    def _poll_reader(self) -> int:
        if self._reader is None:
            self._reader = open_log_reader(self.path, backend=self.backend)
        events = self._reader.poll_events()
        if self._restart:  # a fresh reader read everything: replace, do not add (its
            self._restart = False  # Tombstone and Superseded events concern nothing earlier)
            series = [e for e in events if isinstance(e, Series)]
            self.configs = run_configs(events, self._reader)
            self.store.replace_all(series)
            return sum(len(s) for s in series)
        added = 0
        for event in events:
            if isinstance(event, Series):
                self.store.append(event)
                added += len(event)
            elif isinstance(event, Superseded):
                self.store.supersede(event.key, event.x)
            elif isinstance(event, RunConfig):
                self.configs = {**self.configs,
                                event.scope: {**self.configs.get(event.scope, {}), **event.values}}
            elif isinstance(event, Tombstone):
                self.store.drop(event)
                self.configs = {s: c for s, c in self.configs.items()
                                if not event.matches_run(s)}
        legacy = run_configs([], self._reader)  # a v1.0 pair's configs, from its index
        if legacy:
            merged = {**self.configs, **{scope: {**self.configs.get(scope, {}), **values}
                                         for scope, values in legacy.items()}}
            if merged != self.configs:
                self.configs = merged
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


def _clock(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else "never"
