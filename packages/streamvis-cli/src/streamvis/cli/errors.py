"""Errors the CLI reports as one line on stderr, and how each is worded."""

from __future__ import annotations

import errno

__all__ = ["CliError", "one_line"]


class CliError(Exception):
    """A user mistake or unusable input, already worded for the terminal."""


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
