"""``DataLogger``: the public, non-blocking writer."""

from __future__ import annotations

import atexit
import logging
import math
import os
import re
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from streamvis.logger.arrays import capture, host_scalars
from streamvis.logger.control import delete_series
from streamvis.logger.encoder import LogEncoder, new_id
from streamvis.logger.formats import legacy_format_of
from streamvis.logger.runconfig import config_json
from streamvis.logger.storage import LogStore, StorageError, open_store
from streamvis.logger.items import (
    Batch,
    Chunk,
    ConfigItem,
    ConfigUpdate,
    FlatChunk,
    IndexedChunk,
    flat_host_batch,
)
from streamvis.logger.worker import FlushWorker

__all__ = ["DataLogger", "LegacyLogError", "LoggerError"]

_LIVE: weakref.WeakSet[DataLogger] = weakref.WeakSet()
_log = logging.getLogger(__name__)
_now = time.time


class LoggerError(RuntimeError):
    """Writing to storage failed in the background; the data is kept and retried."""


class DataLogger:
    """Buffered, non-blocking logging of points to a streamvis log.

    ``write`` validates its arguments and appends to an in-memory buffer; a daemon thread
    encodes and appends to PATH when ``buffer_max_elem`` points are buffered, every
    ``flush_interval`` seconds, on ``flush_buffer()``, on ``close()`` and at interpreter exit.
    Backpressure: if more than ``max_queued_batches * buffer_max_elem`` points wait unwritten
    (storage is slower than training), ``write`` blocks until the worker catches up;
    nothing is dropped. An error in the worker
    is raised (as ``LoggerError``) from the next ``write``, ``flush_buffer`` or ``close``.

    Example::

        logger = DataLogger(scope="run24").init(path="/tmp/log", buffer_max_elem=100)
        logger.write("kldiv", x=step, y=value)
    """

    def __init__(self, scope: str) -> None:
        if not isinstance(scope, str) or not scope:
            raise ValueError(f"scope must be a non-empty string, got {scope!r}")
        self.scope = scope
        self.path: str | None = None
        self._fields: dict[str, tuple[str, ...]] = {}
        self._worker: FlushWorker | None = None
        self._store: LogStore | None = None
        self._encoder: LogEncoder | None = None
        self._retry = b""
        self._put: Callable[[Any, int], None] | None = None  # the worker's put_or_wait

    def init(self, path: str, buffer_max_elem: int = 10_000, flush_interval: float = 2.0,
             max_queued_batches: int = 64, replace: bool = False,
             backend: str | None = None, config: Mapping[str, Any] | None = None) -> DataLogger:
        """Open PATH for appending and start the background writer; returns ``self``.

        ``buffer_max_elem`` counts points (a write of ``y[6, 10]`` is 60). ``replace=True``
        hides everything this scope wrote before (a tombstone), for edit-run-repeat cycles.
        ``backend="gfile"`` routes PATH through ``tf.io.gfile``. ``config`` is the run's
        configuration (see ``write_config``).
        """
        if self._worker is not None:
            raise RuntimeError(f"DataLogger(scope={self.scope!r}) is already initialised "
                               f"with path {self.path!r}")
        if not isinstance(path, str) or not path:
            raise ValueError(f"path must be a non-empty string, got {path!r}")
        for arg, value, low in (("buffer_max_elem", buffer_max_elem, 1),
                                ("max_queued_batches", max_queued_batches, 1)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f"{arg} must be an int >= {low}, got {value!r}")
        if not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number of seconds, "
                             f"got {flush_interval!r}")
        config_text = config_json(config) if config is not None else None
        _refuse_legacy(path)
        self.path = path
        self._store = open_store(path, backend)
        writer_id = new_id()
        self._encoder = LogEncoder(self.scope, writer_id, self._store.self_contained_appends)
        self._encoder.fields = self._fields
        if replace:
            delete_series(path, re.escape(self.scope), backend=backend)
        self._worker = FlushWorker(self._sink, buffer_max_elem, flush_interval,
                                   buffer_max_elem * max_queued_batches, self._raise_failure)
        self._put = self._worker.put_or_wait
        self._worker.start()
        _install_process_hooks()
        _LIVE.add(self)
        if config_text is not None:
            self._worker.queue.append(ConfigItem(config_text, _now()))
        return self

    def write_config(self, config: Mapping[str, Any]) -> None:
        """Merge ``config`` into the run's configuration (a later value of a key wins), e.g.
        hyperparameters. Values are JSON-like: str, int, float, bool, None, and lists and
        dicts of them; anything else raises ``TypeError`` naming the key. Written in order
        with the points, without blocking."""
        worker = self._check_writable("write_config")
        worker.queue.append(ConfigItem(config_json(config), _now()))

    # -- writing ---------------------------------------------------------------------------

    def write(self, name: str, index: int | None = None, /, **fields: Any) -> None:
        """Log points of ``name``: scalars, 1-D batches, or 2-D ``y[index, point]``.

        All fields broadcast together. A scalar is one point; a 1-D array is that many points
        on line ``index`` (0 unless given, as in ``write("attn", 3, x=step, y=values)``); a
        2-D array ``(index, point)`` is one line per index (and takes no ``index``). Fields
        are matched by name: later writes may pass them in any order, but not a different
        set. Batched writes are exactly equal to the corresponding sequence of scalar writes.
        """
        if index is not None:
            self._write_arrays(name, fields, index)
            return
        if self._fields.get(name) == tuple(fields):
            for value in fields.values():
                kind = type(value)
                if kind is not float and kind is not int:
                    break
            else:  # the fast path: one point of Python numbers, no lock taken
                # FlushWorker.put_or_wait(row, 1), inlined: the call alone cost 70-90 ns, 15 %
                # of a scalar write (bench_write_ab.py); every other path calls it
                worker = self._worker
                worker.queue.append((name, _now(), *fields.values()))
                worker.added += 1
                if worker.added >= worker.next_wake:
                    worker.wake_or_wait()
                return
            scalars = host_scalars(fields.values())  # 0-d CPU tensors: converted at once
            if scalars is not None:
                self._put((name, _now(), *scalars), 1)
                return
            row = (name, _now(), *fields.values())
            copies = flat_host_batch(row[2:])  # the batched fast path
            if copies is not None:
                points = len(copies[0])
                self._put(FlatChunk(name, copies, copies[0].shape, points, row[1]), points)
                return
        self._write_arrays(name, fields)

    def _write_arrays(self, name: str, fields: dict[str, Any], index: int | None = None) -> None:
        worker = self._check_writable(name)
        if not fields:
            raise ValueError(f"write({name!r}) needs at least one field, e.g. x=..., y=...")
        if index is not None and (type(index) is bool or not isinstance(index, int | np.integer)
                                  or not 0 <= index < 2**32):
            raise ValueError(f"write({name!r}, {index!r}): index must be an int in "
                             f"[0, 2**32), the line the points go to")
        known = self._fields.get(name)
        if known is not None and known != tuple(fields):
            if len(known) != len(fields) or set(known) != set(fields):
                raise ValueError(f"write({name!r}): fields {tuple(fields)} differ from "
                                 f"{known}, the fields this name was first written with")
            fields = {f: fields[f] for f in known}  # matched by name, stored in first order
        values = flat_host_batch(list(fields.values())) or [
            capture(v, name, f) for f, v in fields.items()]
        shapes = [v.shape for v in values]
        for field, shape in zip(fields, shapes):
            if len(shape) > 2:
                raise ValueError(
                    f"write({name!r}): field {field!r} has shape {shape} (rank {len(shape)}); "
                    "expected a scalar, a 1-D batch (point,) or a 2-D (index, point) array")
        if index is not None:
            for field, shape in zip(fields, shapes):
                if len(shape) == 2:
                    raise ValueError(
                        f"write({name!r}, {index!r}): field {field!r} is 2-D {shape} "
                        "(index, point), which names its own lines; pass either an index "
                        "with 0-D/1-D fields or a 2-D field without one")
        shape = shapes[0]
        if any(s != shape for s in shapes):
            try:
                shape = np.broadcast_shapes(*shapes)
            except ValueError:
                described = ", ".join(f"{f}={s}" for f, s in zip(fields, shapes))
                raise ValueError(
                    f"write({name!r}): field shapes {described} do not match; fields must have "
                    "equal lengths (or be scalars), and 2-D fields equal (index, point) shapes"
                ) from None
        points = math.prod(shape)
        if known is None:
            self._fields[name] = tuple(fields)
        if points == 0:
            return
        worker.put_or_wait(Chunk(name, values, shape, points, _now()) if index is None else
                           IndexedChunk(name, values, shape, points, _now(), int(index)), points)

    def _check_writable(self, name: Any) -> FlushWorker:
        if not isinstance(name, str) or not name:
            raise ValueError(f"write(name=...) needs a non-empty string name, got {name!r}")
        if self._worker is None:
            raise RuntimeError(f"DataLogger(scope={self.scope!r}).write({name!r}) was called "
                               "before init(path=...) (or after close())")
        return self._worker

    # -- flushing --------------------------------------------------------------------------

    def _sink(self, batches: list[Batch], configs: list[ConfigUpdate]) -> None:
        """Append new batches after whatever an earlier failed append kept. A failed append
        keeps all of it: frames that landed before storage cut the write are written again,
        with the same sequence numbers, and readers take them once."""
        data = (self._retry + self._encoder.encode(batches, configs) if batches or configs
                else self._retry)
        if data:
            self._retry = data
            self._store.append(data)
            self._retry = b""

    def _raise_failure(self) -> None:
        err, self._worker.failure = self._worker.failure, None
        raise LoggerError(f"writing to {self.path!r} failed: {err!r}; "
                          "the unwritten data is kept and retried on the next flush") from err

    def flush_buffer(self, timeout: float | None = None) -> None:
        """Write everything buffered so far to PATH, waiting until it is stored.

        Data kept after an earlier storage error is retried too; raises ``LoggerError`` while
        it still cannot be written (the data stays kept for the next try)."""
        worker = self._check_writable("flush_buffer")
        worker.flush(timeout)
        if worker.failing:  # the kept data could not be written, now included
            worker.failure = worker.last_error
        if worker.failure is not None:
            self._raise_failure()

    def close(self) -> None:
        """Flush (retrying data kept after a storage error), stop the background thread and
        close PATH. Raises ``LoggerError`` if the data could not be written: it is lost then.
        Safe to call twice."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        _LIVE.discard(self)
        self._fields = {}
        worker.close()
        self._store.close()
        if worker.failing:
            lost = self._retry
            self._retry = b""
            raise LoggerError(f"closing {self.path!r}: the data could not be written "
                              f"({worker.last_error!r}); {len(lost)} bytes of buffered points "
                              "are lost") from worker.last_error

    def __enter__(self) -> DataLogger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _after_fork_in_child(self) -> None:
        if self._worker is None:
            return
        self._retry = b""
        self._encoder = LogEncoder(self.scope, new_id(), self._store.self_contained_appends)
        self._encoder.fields = self._fields
        self._store.reopen_after_fork()
        self._worker.reset_after_fork()


class LegacyLogError(StorageError):
    """PATH holds a log of the original streamvis, which ``DataLogger`` does not append to."""


def _refuse_legacy(path: str) -> None:
    """Appending streamvis records to a legacy log would hide its old runs from every tool."""
    fmt = legacy_format_of(path)
    if fmt is not None:
        raise LegacyLogError(
            f"{path!r} is a log of the original streamvis ({fmt} format); DataLogger does not "
            f"append to it. Convert it first, then log to the new file: "
            f"streamvis convert {path} NEW_PATH")


def _close_all_at_exit() -> None:
    for logger in list(_LIVE):
        try:
            logger.close()
        except Exception as err:  # at exit there is no caller left to raise to
            _log.error("streamvis: could not flush %r at exit; unwritten points are lost: %s",
                       logger.path, err)


def _reset_all_after_fork() -> None:
    for logger in list(_LIVE):
        logger._after_fork_in_child()


_hooks_installed = False


def _install_process_hooks() -> None:
    """Flush at exit and reset in forked children; installed by the first ``init``."""
    global _hooks_installed
    if not _hooks_installed:
        atexit.register(_close_all_at_exit)
        os.register_at_fork(after_in_child=_reset_all_after_fork)
        _hooks_installed = True
