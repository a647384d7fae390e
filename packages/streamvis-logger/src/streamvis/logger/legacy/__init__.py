"""Readers of the logs the original streamvis (hrbigelow/streamvis) wrote: the seed format
and the v1.0 pair. ``streamvis.logger.open_log_reader`` picks the right reader by itself."""

from streamvis.logger.legacy.detect import (
    PENDING, SEED, STREAMVIS, V1, NotAStreamvisLog, detect_format)
from streamvis.logger.legacy.reader import LegacyReader
from streamvis.logger.legacy.seed import SeedReader
from streamvis.logger.legacy.v1pair import V1PairReader, V1RunConfig

__all__ = [
    "PENDING",
    "SEED",
    "STREAMVIS",
    "V1",
    "LegacyReader",
    "NotAStreamvisLog",
    "SeedReader",
    "V1PairReader",
    "V1RunConfig",
    "detect_format",
]
