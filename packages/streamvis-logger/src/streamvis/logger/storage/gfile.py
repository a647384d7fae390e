"""PATHs through ``tf.io.gfile``, for users who already run TensorFlow.

Chosen with ``backend="gfile"`` (``DataLogger.init``, ``LogReader``, ``read_log``) or the
environment variable ``STREAMVIS_STORAGE_BACKEND=gfile``. TensorFlow is imported on first use;
without it a ``StorageError`` names the extra ``streamvis-logger[tf]``.

A local path is one file appended to (GFile mode ``"ab"``), read from where the previous read
stopped: the same file layout as the default local backend. Any other scheme TensorFlow
supports (``gs://``, ``s3://``, ``hdfs://``) uses the immutable-segment layout of the fsspec
backend (``segmented``), so logs written by either backend are read by both.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from streamvis.logger.storage.base import Chunk, LogSource, LogStore, StorageError
from streamvis.logger.storage.registry import scheme_of
from streamvis.logger.storage.segmented import ObjectFs, SegmentSource, SegmentStore

__all__ = ["GfileFileSource", "GfileFileStore", "GfileObjects", "Source", "Store"]

_READ_CHUNK = 64 * 1024 * 1024
_ATOMIC_PUT = {"gs", "s3"}  # object stores publish an object only when its upload completes


def _tf_gfile(url: str):
    try:
        from tensorflow.io import gfile
    except ImportError as err:
        raise StorageError(f"PATH {url!r} with backend 'gfile' needs TensorFlow, which is not "
                           f"installed ({err}); install it with: "
                           "pip install 'streamvis-logger[tf]'") from err
    return gfile


def _not_found(gfile_module_error: BaseException) -> bool:
    return type(gfile_module_error).__name__ == "NotFoundError"


def _is_local(url: str) -> bool:
    return scheme_of(url) in ("", "file")


def _local(url: str) -> str:
    return url[len("file://"):] if url.startswith("file://") else url


_HEAD_BYTES = 64  # first bytes kept to tell a rewritten file from the one read


class GfileFileStore(LogStore):
    """Appends each flush to one local file through GFile."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.gfile = _tf_gfile(url)
        self.path = _local(url)
        parent = self.path.rsplit("/", 1)[0] if "/" in self.path else "."
        if not self.gfile.isdir(parent or "/"):
            raise StorageError(f"cannot create log {self.path!r}: directory {parent!r} "
                               "does not exist")

    def append(self, data: bytes) -> None:
        try:
            with self.gfile.GFile(self.path, "ab") as f:
                f.write(bytes(data))
        except Exception as err:
            raise StorageError(f"cannot append to log {self.path!r}: {err}") from err


class GfileFileSource(LogSource):
    """Reads a local file through GFile from where the previous read stopped.

    As ``LocalSource``: a file now shorter than what was read, with other first bytes, or
    gone after it was read, was replaced: ``generation`` goes up and nothing is read."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.gfile = _tf_gfile(url)
        self.path = _local(url)
        self._offset = 0
        self._head = b""

    def exists(self) -> bool:
        return bool(self.gfile.exists(self.path))

    def read_new(self) -> list[Chunk]:
        try:
            with self.gfile.GFile(self.path, "rb") as f:
                if self._offset:
                    size = self.gfile.stat(self.path).length
                    if size < self._offset or f.read(len(self._head)) != self._head:
                        self.generation += 1
                        return []
                f.seek(self._offset)
                data = f.read(_READ_CHUNK)
        except Exception as err:
            if _not_found(err):
                if self._offset:  # it was there: deleted
                    self.generation += 1
                return []
            raise StorageError(f"cannot read log {self.path!r}: {err}") from err
        if not data:
            return []
        if len(self._head) < _HEAD_BYTES:
            self._head += data[:_HEAD_BYTES - len(self._head)]
        self._offset += len(data)
        self.bytes_read += len(data)
        return [Chunk("", data)]


class GfileObjects(ObjectFs):
    """``ObjectFs`` over ``tf.io.gfile`` (full listings: gfile has no "list after")."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.gfile = _tf_gfile(url)
        self.atomic = scheme_of(url) in _ATOMIC_PUT

    def _path(self, name: str) -> str:
        return f"{self.url}/{name}"

    def put_new(self, name: str, data: bytes) -> None:
        path = self._path(name)
        if self.gfile.exists(path):
            raise FileExistsError(path)
        if self.atomic:
            with self.gfile.GFile(path, "wb") as f:
                f.write(data)
            return
        if not self.gfile.isdir(self.url):
            self.gfile.makedirs(self.url)
        tmp = self._path(f".tmp-{secrets.token_hex(8)}-{name}")
        with self.gfile.GFile(tmp, "wb") as f:
            f.write(data)
        self.gfile.rename(tmp, path, overwrite=False)

    def list_names(self, start_after: str | None = None) -> list[str]:
        try:
            names = [n.rstrip("/") for n in self.gfile.listdir(self.url)]
        except Exception as err:
            if _not_found(err):
                return []
            raise
        return sorted(n for n in names if start_after is None or n > start_after)

    def _get(self, name: str) -> bytes | BaseException:
        try:
            with self.gfile.GFile(self._path(name), "rb") as f:
                return f.read()
        except Exception as err:
            return FileNotFoundError(self._path(name)) if _not_found(err) else err

    def get_many(self, names: list[str]) -> dict[str, bytes | BaseException]:
        with ThreadPoolExecutor(min(16, max(1, len(names)))) as pool:
            return dict(zip(names, pool.map(self._get, names)))

    def delete(self, names: list[str]) -> None:
        for name in names:
            try:
                self.gfile.remove(self._path(name))
            except Exception as err:
                if not _not_found(err):
                    raise


def Store(url: str) -> LogStore:  # noqa: N802 (the registry looks up ``Store``)
    """A gfile ``LogStore`` for ``url``: one appended file locally, segments elsewhere."""
    if _is_local(url):
        return GfileFileStore(url)
    return SegmentStore(url, GfileObjects(url))


def Source(url: str) -> LogSource:  # noqa: N802 (the registry looks up ``Source``)
    """A gfile ``LogSource`` for ``url``."""
    if _is_local(url):
        return GfileFileSource(url)
    return SegmentSource(url, GfileObjects(url))
