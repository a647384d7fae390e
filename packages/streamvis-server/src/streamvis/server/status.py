"""What the server knows about its log: ``status_of`` (a JSON-ready dict) served at
``GET /api/status`` by ``StatusHandler``, and ``describe_problem`` for the page banner."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from tornado.web import RequestHandler

from streamvis.server.tailer import Tailer

__all__ = ["STATUS_PATH", "StatusHandler", "describe_problem", "iso_time", "status_of"]

STATUS_PATH = "/api/status"


def iso_time(t: float) -> str | None:
    """``t`` (seconds since the epoch) as ISO 8601 UTC; ``None`` for 0 (never)."""
    if not t:
        return None
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds")


def status_of(tailer: Tailer) -> dict[str, Any]:
    """The log's PATH, the last good read, the current error, the reader's counters and the
    points held per scope (run)."""
    store = tailer.store
    scopes: dict[str, dict[str, int]] = {}
    for key in store.keys():
        entry = scopes.setdefault(key[0], {"series": 0, "points": 0})
        entry["series"] += 1
        entry["points"] += store.length(key)
    stats = tailer.stats
    error = tailer.last_error
    return {
        "path": tailer.path,
        "last_good_read": iso_time(tailer.last_poll_time),
        "error": None if error is None else f"{type(error).__name__}: {error}",
        "error_since": iso_time(tailer.error_since) if error is not None else None,
        "bytes_read": stats.bytes_read,
        "damaged_bytes": stats.damaged_bytes,
        "bad_records": stats.bad_records,
        "replacements": tailer.replacements,
        "polls": tailer.polls,
        "points": sum(e["points"] for e in scopes.values()),
        "scopes": scopes,
    }


def describe_problem(tailer: Tailer) -> str | None:
    """One line for the page banner: the current read error, or that no data arrived yet;
    ``None`` when all is well."""
    error = tailer.last_error
    if error is not None:
        last = (time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(tailer.last_poll_time))
                if tailer.last_poll_time else "never")
        return (f"Cannot read the log at {tailer.path}: {type(error).__name__}: {error}. "
                f"Last good read: {last}. Showing what was read before; retrying.")
    if len(tailer.store) == 0 and tailer.stats.bytes_read == 0:
        return f"Waiting for data at {tailer.path}: nothing has been written there yet."
    return None


class StatusHandler(RequestHandler):
    """``GET /api/status``: :func:`status_of` as JSON."""

    def initialize(self, tailer: Tailer) -> None:
        self.tailer = tailer

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(status_of(self.tailer)))
