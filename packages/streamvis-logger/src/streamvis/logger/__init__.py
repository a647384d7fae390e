"""streamvis.logger: write training curves to a streamvis log, and read them back."""

from streamvis.logger.control import delete_series
from streamvis.logger.datalogger import DataLogger, LoggerError
from streamvis.logger.reader import LogReader, ReadStats, Tombstone, read_log
from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.storage import StorageError

__all__ = [
    "DataLogger",
    "LogReader",
    "LoggerError",
    "ReadStats",
    "Series",
    "SeriesKey",
    "StorageError",
    "Tombstone",
    "delete_series",
    "read_log",
]
