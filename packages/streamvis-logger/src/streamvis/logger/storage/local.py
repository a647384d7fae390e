"""Local files: one file, ``O_APPEND``, one ``write()`` per flush under ``flock``."""

from __future__ import annotations

import fcntl
import os
from typing import BinaryIO

from streamvis.logger.storage.base import Chunk, LogSource, LogStore, StorageError

__all__ = ["LocalSource", "LocalStore", "local_path"]

_READ_CHUNK = 256 * 1024 * 1024  # bytes per read: bounds memory, keeps copies few
_HEAD_BYTES = 64                  # first bytes compared on every read to spot a rewrite


def local_path(url: str) -> str:
    """The filesystem path of a local PATH (plain or ``file://``)."""
    return url[len("file://"):] if url.startswith("file://") else url


class LocalStore(LogStore):
    """Appends to one local file; many processes may share it."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = local_path(url)
        self._fd = self._open()

    def _open(self) -> int:
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise StorageError(f"cannot create log {self.path!r}: directory {parent!r} does not exist")
        try:
            return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise StorageError(f"cannot open log {self.path!r} for appending: {err.strerror}") from err

    def append(self, data: bytes) -> None:
        if self._fd < 0:
            raise StorageError(f"log {self.path!r} is closed")
        view = memoryview(data)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            while view:  # os.write may write less than asked for above ~2 GiB
                written = os.write(self._fd, view)
                view = view[written:]
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def reopen_after_fork(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = self._open()


class LocalSource(LogSource):
    """Reads a local file from where the previous read stopped.

    Before each read it checks that the file is still the one it has been reading: the same
    inode, at least as long as what was read, and the same first bytes. Otherwise (the file
    was deleted, truncated, rotated or rewritten) ``generation`` goes up and nothing is read.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = local_path(url)
        self._offset = 0
        self._identity: tuple[int, int] | None = None   # (st_dev, st_ino) of the file read
        self._head = b""                                # its first bytes, to spot rewrites

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def read_new(self) -> list[Chunk]:
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                if self._replaced(f, st):
                    self.generation += 1
                    return []
                f.seek(self._offset)
                data = f.read(max(0, min(st.st_size - self._offset, _READ_CHUNK)))
        except FileNotFoundError:
            if self._identity is not None:  # it was there: deleted (or renamed away)
                self.generation += 1
            return []
        except OSError as err:
            raise StorageError(f"cannot read log {self.path!r}: {err.strerror}") from err
        if not data:
            return []
        if self._identity is None:
            self._identity = (st.st_dev, st.st_ino)
        if len(self._head) < _HEAD_BYTES:
            self._head += data[:_HEAD_BYTES - len(self._head)]
        self._offset += len(data)
        self.bytes_read += len(data)
        return [Chunk("", data)]

    def _replaced(self, f: BinaryIO, st: os.stat_result) -> bool:
        if self._identity is None:
            return False
        if (st.st_dev, st.st_ino) != self._identity or st.st_size < self._offset:
            return True
        return os.pread(f.fileno(), len(self._head), 0) != self._head


Store = LocalStore
Source = LocalSource
