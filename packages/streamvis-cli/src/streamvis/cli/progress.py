"""A progress display: one updating line on a terminal, periodic plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Reports ``done`` out of ``total`` steps to ``stream``.

    On a terminal the line is rewritten in place at most ``tty_every`` seconds apart; in a
    pipe or file a full line is printed at every tenth of the work (so logs stay short).
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None,
                 tty_every: float = 0.1) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._tty_every = tty_every
        self._last_time = 0.0
        self._next_tenth = 1
        self._width = 0

    def _line(self, done: int, extra: str) -> str:
        percent = 100.0 * done / self.total
        text = f"{self.label}: step {done}/{self.total} ({percent:.0f}%)"
        return f"{text} {extra}" if extra else text

    def update(self, done: int, extra: str = "") -> None:
        """Record that ``done`` steps are finished."""
        if self.tty:
            now = time.monotonic()
            if now - self._last_time < self._tty_every and done < self.total:
                return
            self._last_time = now
            line = self._line(done, extra)
            pad = " " * max(0, self._width - len(line))
            self._width = len(line)
            self.stream.write(f"\r{line}{pad}")
            self.stream.flush()
        elif done * 10 >= self._next_tenth * self.total:
            self._next_tenth = done * 10 // self.total + 1
            self.stream.write(self._line(done, extra) + "\n")
            self.stream.flush()

    def finish(self, message: str) -> None:
        """End the display with a final line."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
        self.stream.write(message + "\n")
        self.stream.flush()
