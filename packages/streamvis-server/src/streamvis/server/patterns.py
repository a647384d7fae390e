"""Regular expressions typed by page visitors (``scopes=`` in the URL, later ``where=``):
compiled with RE2, whose matching time is linear in the input, so no pattern can stall the
server's event loop (Python's ``re`` backtracks: ``(a+)+$`` takes seconds on 28 characters)."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["MAX_PATTERN_CHARS", "UserPattern", "UserPatternError", "compile_user_pattern"]

MAX_PATTERN_CHARS = 1000
"""Longer patterns are refused (RE2's compile cost and memory grow with the pattern)."""
_MAX_PROGRAM_BYTES = 8 << 20  # RE2's memory budget for one compiled pattern


class UserPattern(Protocol):
    """What callers use of a compiled pattern (``re2`` and ``re`` patterns both have it)."""

    pattern: Any

    def fullmatch(self, text: str) -> Any: ...


class UserPatternError(ValueError):
    """A visitor's pattern that cannot be used; the message names it and says why."""


def compile_user_pattern(text: str, what: str = "scopes") -> UserPattern:
    """``text`` compiled for ``fullmatch`` in linear time; ``UserPatternError`` naming
    ``what=text`` if it is too long, invalid, or uses what RE2 lacks (backreferences,
    lookahead/lookbehind, possessive quantifiers, atomic groups)."""
    import re2

    if len(text) > MAX_PATTERN_CHARS:
        raise UserPatternError(f"{what}= is {len(text)} characters long; expected a regular "
                               f"expression of at most {MAX_PATTERN_CHARS}")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _MAX_PROGRAM_BYTES
    try:
        return re2.compile(text, options)
    except re2.error as err:
        reason = err.args[0] if err.args else err
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise UserPatternError(
            f"{what}={text!r} is not a valid regular expression: {reason} (patterns in the "
            "page address use RE2 syntax: no backreferences, lookahead or lookbehind)") from None
