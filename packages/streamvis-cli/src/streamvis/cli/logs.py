"""Opening a PATH for the read-side commands, with errors that say what was expected."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from streamvis.cli.errors import CliError
from streamvis.logger import (
    LogReader,
    ReadStats,
    Series,
    StorageError,
    open_log_reader,
)
from streamvis.logger.reader import run_configs
from streamvis.logger.storage import scheme_of

__all__ = ["LogContents", "check_log", "check_source", "compile_pattern",
           "read_contents", "read_series", "select"]


def _check_local(path: str) -> None:
    local = path.removeprefix("file://")
    if os.path.isdir(local):
        raise StorageError(f"PATH {path!r} is a directory; expected a streamvis log file")
    if os.path.exists(local) and not os.access(local, os.R_OK):
        raise StorageError(f"PATH {path!r} is not readable (permission denied)")


def check_log(path: str, backend: str | None = None) -> LogReader:
    """A reader for an existing log at ``path``; raises ``StorageError`` naming the problem."""
    if scheme_of(path) in ("", "file"):
        _check_local(path)
    reader = open_log_reader(path, backend=backend)  # streamvis or a legacy format
    if not reader.exists():
        reader.close()
        raise StorageError(f"no streamvis log at PATH {path!r} (nothing has been written there; "
                           "expected the PATH a DataLogger or 'streamvis demo' wrote to)")
    return reader


def check_source(path: str, backend: str | None = None) -> bool:
    """Fail early (``StorageError``) if ``path`` can never be a log here (a directory, an
    unreadable file, an unknown scheme, a missing backend); returns whether it exists yet."""
    if scheme_of(path) in ("", "file"):
        _check_local(path)
    reader = LogReader(path, backend=backend)
    try:
        return reader.exists()
    finally:
        reader.close()


@dataclass
class LogContents:
    """A whole log as the read-side commands see it."""

    series: list[Series]
    configs: dict[str, dict]  # scope -> merged run config
    stats: ReadStats


def read_contents(path: str) -> LogContents:
    """Every series (deletes and resumed runs resolved), run config and reader statistic of
    the log at ``path``."""
    reader = check_log(path)
    try:
        events = reader.poll_events(final=True)
        stats = reader.stats
    finally:
        reader.close()
    return LogContents([e for e in events if isinstance(e, Series)],
                       run_configs(events, reader), stats)


def read_series(path: str) -> tuple[list[Series], ReadStats]:
    """Every series in the log at ``path`` (deletes applied) and the reader's statistics."""
    contents = read_contents(path)
    return contents.series, contents.stats





def compile_pattern(option: str, pattern: str | None) -> re.Pattern[str] | None:
    """``pattern`` compiled, or a ``CliError`` naming the option and the regex."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as err:
        raise CliError(f"invalid {option} regex {pattern!r}: {err}") from None


def select(series: list[Series], scope: re.Pattern[str] | None,
           name: re.Pattern[str] | None) -> list[Series]:
    """The series whose scope and name fully match the patterns (``None`` matches all)."""
    return [s for s in series
            if (scope is None or scope.fullmatch(s.scope))
            and (name is None or name.fullmatch(s.name))]
