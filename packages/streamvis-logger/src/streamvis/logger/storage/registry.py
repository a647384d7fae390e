"""Pick a storage backend from the PATH's scheme; remote backends import lazily."""

from __future__ import annotations

import importlib
import os
import re

from streamvis.logger.storage.base import LogSource, LogStore, StorageError

__all__ = ["BACKEND_ENV", "open_source", "open_store", "scheme_of"]

BACKEND_ENV = "STREAMVIS_STORAGE_BACKEND"
"""Set to ``gfile`` to route every PATH through ``tf.io.gfile`` instead of fsspec."""

# scheme -> (module, extra to install); the module defines ``Store`` and ``Source``.
_BACKENDS: dict[str, tuple[str, str]] = {
    "": ("streamvis.logger.storage.local", ""),
    "file": ("streamvis.logger.storage.local", ""),
    "memory": ("streamvis.logger.storage.objectstore", "memory"),
    "gs": ("streamvis.logger.storage.objectstore", "gcs"),
    "gcs": ("streamvis.logger.storage.objectstore", "gcs"),
    "s3": ("streamvis.logger.storage.objectstore", "s3"),
    "hdfs": ("streamvis.logger.storage.objectstore", "hdfs"),
}
_GFILE = ("streamvis.logger.storage.gfile", "tf")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def scheme_of(url: str) -> str:
    """The PATH's scheme (``s3``, ``gs``, ...) or ``""`` for a plain local path."""
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


def _module(url: str, backend: str | None):
    backend = backend or os.environ.get(BACKEND_ENV) or None
    scheme = scheme_of(url)
    if backend == "gfile":
        module_name, extra = _GFILE
    elif backend not in (None, "fsspec", "local"):
        raise StorageError(f"unknown storage backend {backend!r} for {url!r}; "
                           "expected 'fsspec' (the default) or 'gfile'")
    elif scheme in _BACKENDS:
        module_name, extra = _BACKENDS[scheme]
    else:
        known = ", ".join(f"{s}://" for s in _BACKENDS if s)
        raise StorageError(f"unsupported scheme {scheme + '://'!r} in PATH {url!r}; "
                           f"expected a local path or one of {known}")
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        if not extra:
            raise
        raise StorageError(
            f"PATH {url!r} needs the {extra!r} storage backend, which is not installed "
            f"({err}); install it with: pip install 'streamvis-logger[{extra}]'"
        ) from err


def open_store(url: str, backend: str | None = None) -> LogStore:
    """A ``LogStore`` appending to ``url``."""
    return _module(url, backend).Store(url)


def open_source(url: str, backend: str | None = None) -> LogSource:
    """A ``LogSource`` reading ``url`` incrementally."""
    return _module(url, backend).Source(url)
