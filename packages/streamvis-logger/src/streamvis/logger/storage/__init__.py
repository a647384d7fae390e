"""Storage backends for streamvis logs, chosen by the PATH's scheme."""

from streamvis.logger.storage.base import Chunk, LogSource, LogStore, StorageError
from streamvis.logger.storage.registry import BACKEND_ENV, open_source, open_store, scheme_of

__all__ = [
    "BACKEND_ENV",
    "Chunk",
    "LogSource",
    "LogStore",
    "StorageError",
    "open_source",
    "open_store",
    "scheme_of",
]
