"""The storage interface the logger and the readers share.

A log is written through a ``LogStore`` (one ``append`` per flush, atomic with respect to other
writers) and read through a ``LogSource`` (incremental: each ``read_new`` returns only bytes
that appeared since the previous call, as ``Chunk``s tagged with the stream they belong to).
A local file is one stream; on an object store every segment is its own stream.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = ["Chunk", "LogSource", "LogStore", "StorageError"]


class StorageError(OSError):
    """A PATH that cannot be used: missing, unreadable, unsupported or missing its backend."""


@dataclass(frozen=True)
class Chunk:
    """New bytes of one stream. ``final`` means the stream is complete (a finished segment)."""

    stream: str
    data: bytes
    final: bool = False


class LogStore(ABC):
    """Append side of a log."""

    #: True when each append becomes a separate object that must be readable on its own.
    self_contained_appends: bool = False

    def __init__(self, url: str) -> None:
        self.url = url

    @abstractmethod
    def append(self, data: bytes) -> None:
        """Write ``data`` (whole frames) so that no reader ever sees part of it interleaved."""

    def close(self) -> None:
        """Release resources; further appends are an error."""

    def reopen_after_fork(self) -> None:
        """Called in a forked child before it appends again."""


class LogSource(ABC):
    """Read side of a log: incremental, so a tailer pays only for what is new."""

    #: Counts the times the log at this PATH was found replaced (deleted, truncated, rotated or
    #: rewritten) since this source first read it: the bytes read so far no longer describe
    #: it. A reader that sees it change must start over with a fresh source.
    generation: int = 0

    def __init__(self, url: str) -> None:
        self.url = url
        self.bytes_read = 0

    @abstractmethod
    def exists(self) -> bool:
        """Whether anything has been written at this PATH yet."""

    @abstractmethod
    def read_new(self) -> list[Chunk]:
        """Bytes appended since the last call, in log order."""

    def close(self) -> None:
        """Release resources."""
