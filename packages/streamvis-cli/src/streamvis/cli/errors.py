"""Errors the CLI reports as one line on stderr, and how each is worded."""

from __future__ import annotations

import errno
import sys

__all__ = ["CliError", "expected_errors", "one_line"]


class CliError(Exception):
    """A user mistake or unusable input, already worded for the terminal."""


def expected_errors() -> tuple[type[BaseException], ...]:
    """The project's own error types: the user's input or environment, not a bug; reported
    in one line. Server errors count only once the server is loaded (it may not be)."""
    from streamvis.logger import LoggerError, StorageError

    expected: tuple[type[BaseException], ...] = (CliError, StorageError, LoggerError)
    for module_name, names in (("streamvis.server", ("SchemaError", "LayoutError",
                                                     "PortInUseError")),
                               ("streamvis.server.patterns", ("UserPatternError",))):
        module = sys.modules.get(module_name)
        for name in names:
            error = getattr(module, name, None)
            if isinstance(error, type) and issubclass(error, BaseException):
                expected = (*expected, error)
    return expected


def one_line(err: BaseException) -> str:
    """``err`` as a single line: multi-line messages are joined with ``'; '``."""
    if isinstance(err, OSError) and err.strerror:  # e.g. [Errno 98] from bind()
        text = err.strerror
        if err.errno == errno.EADDRINUSE:
            text = "address already in use"
        if err.filename is not None:
            text = f"{text}: {err.filename!r}"
    else:
        text = str(err) or type(err).__name__
    lines = [line.strip().removeprefix("- ") for line in text.splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    joined = lines[0]
    for line in lines[1:]:  # "problems:\n  - a\n  - b" -> "problems: a; b"
        joined += (" " if joined.endswith(":") else "; ") + line
    return joined
