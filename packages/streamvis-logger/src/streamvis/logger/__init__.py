"""streamvis.logger: write training curves to a streamvis log, and read them back."""

from streamvis.logger.control import delete_series
from streamvis.logger.datalogger import DataLogger, LegacyLogError, LoggerError
from streamvis.logger.events import ReadStats, RunConfig, Superseded, Tombstone
from streamvis.logger.formats import open_log_reader
from streamvis.logger.legacy import NotAStreamvisLog
from streamvis.logger.reader import LogReader, read_configs, read_log
from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.storage import StorageError

__all__ = [
    "DataLogger",
    "LogReader",
    "LegacyLogError",
    "LoggerError",
    "NotAStreamvisLog",
    "ReadStats",
    "RunConfig",
    "Series",
    "SeriesKey",
    "StorageError",
    "Superseded",
    "Tombstone",
    "delete_series",
    "open_log_reader",
    "read_configs",
    "read_log",
]
