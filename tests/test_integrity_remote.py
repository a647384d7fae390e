"""Nothing is lost or doubled when an object store goes away and comes back: a real moto S3
server whose endpoint is switched off (connections refused and cut) and on again, under a
writer and a reader."""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
import pytest
from support_emulators import SwitchableProxy, s3_emulator, s3_url  # noqa: F401  (fixtures)

from streamvis.logger import DataLogger, LoggerError, LogReader
from streamvis.logger.storage import StorageError


@contextmanager
def through(endpoint: str):
    """Filesystems created in the block reach S3 at ``endpoint``."""
    import fsspec.config

    saved = dict(fsspec.config.conf.get("s3", {})), os.environ.get("AWS_ENDPOINT_URL")
    fsspec.config.conf.setdefault("s3", {})["endpoint_url"] = endpoint
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield
    finally:
        fsspec.config.conf["s3"] = saved[0]
        if saved[1] is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved[1]


def xs(series) -> list[int]:
    return [int(x) for s in series for x in s.columns["x"]]


@pytest.mark.timeout(300)
def test_writer_and_reader_survive_the_endpoint_going_away(s3_emulator, s3_url):
    proxy = SwitchableProxy(s3_emulator.endpoint)
    try:
        with through(proxy.endpoint):
            logger = DataLogger("run").init(s3_url, flush_interval=3600)
            reader = LogReader(s3_url)
        logger.write("loss", x=np.arange(100), y=np.zeros(100))
        logger.flush_buffer()
        assert xs(reader.poll()) == list(range(100))
        proxy.off()
        logger.write("loss", x=np.arange(100, 200), y=np.zeros(100))
        with pytest.raises(LoggerError):
            logger.flush_buffer()
        with pytest.raises(StorageError):
            reader.poll()
        proxy.on()
        logger.flush_buffer()  # what was kept is written once
        logger.write("loss", x=np.arange(200, 250), y=np.zeros(50))
        logger.close()
        got = []
        for _ in range(3):
            got += xs(reader.poll())
        assert got == list(range(100, 250))
        assert reader.stats.duplicate_records == 0
    finally:
        proxy.close()
