"""Nothing the logger accepted is lost or doubled, whatever storage does (issue 11): big
writes, a disk that fills up, a flush cut short, a torn frame under a tailer, a reader whose
storage fails mid-poll, zero-filled regions."""

from __future__ import annotations

import logging
import struct

import numpy as np
import pytest
from support_faults import small_disk  # noqa: F401  (fixture)

from streamvis.logger import DataLogger, LoggerError, LogReader, read_log
from streamvis.logger.storage import StorageError
from streamvis.proto import FRAME_OVERHEAD, FrameDecoder, encode_frame


def frame_lengths(data: bytes) -> list[int]:
    lengths, pos = [], 0
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        lengths.append(length)
        pos += FRAME_OVERHEAD + length
    return lengths


def points(path: str) -> dict[tuple, np.ndarray]:
    return {s.key: s.columns["x"] for s in read_log(path)}


def test_a_write_of_millions_of_points_reads_back_whole(tmp_path):
    path = str(tmp_path / "big")
    x = np.arange(4_200_000, dtype=np.int64)
    with DataLogger("run").init(path) as logger:
        logger.write("loss", x=x, y=x.astype(np.float64) / 7)
    (series,) = read_log(path)
    np.testing.assert_array_equal(series.columns["x"], x)
    np.testing.assert_array_equal(series.columns["y"], x / 7)
    assert max(frame_lengths(open(path, "rb").read())) <= 4 * 1024 * 1024 + 200


def test_a_big_buffer_reads_back_whole(tmp_path):
    path = str(tmp_path / "big")
    with DataLogger("run").init(path, buffer_max_elem=1_000_000) as logger:
        for start in range(0, 2_000_000, 1000):
            logger.write("loss", x=np.arange(start, start + 1000), y=np.ones(1000))
    (series,) = read_log(path)
    np.testing.assert_array_equal(series.columns["x"], np.arange(2_000_000))


def test_an_oversized_frame_is_counted_and_logged(caplog):
    decoder = FrameDecoder(max_record_bytes=100)
    data = encode_frame(b"a" * 101) + encode_frame(b"ok")
    with caplog.at_level(logging.WARNING, logger="streamvis.proto.framing"):
        assert [bytes(p) for p in decoder.feed(data) + decoder.finish()] == [b"ok"]
    assert decoder.oversized_frames == 1
    assert "over this reader's cap of 100 bytes" in caplog.text


def test_kept_data_is_written_by_flush_buffer_alone(small_disk):
    path = str(small_disk.folder / "log")
    logger = DataLogger("run").init(path, buffer_max_elem=10**6, flush_interval=3600)
    logger.write("loss", x=0, y=0.0)
    logger.flush_buffer()
    small_disk.fill()
    for step in range(1, 1001):
        logger.write("loss", x=step, y=float(step))
    with pytest.raises(LoggerError, match="No space left"):
        logger.flush_buffer()
    with pytest.raises(LoggerError, match="No space left"):  # still kept, still failing
        logger.flush_buffer()
    small_disk.free()
    logger.flush_buffer()  # no new writes: the kept points alone are retried
    logger.close()
    np.testing.assert_array_equal(points(path)[("run", "loss", 0)], np.arange(1001))


def test_close_retries_kept_data_and_raises_when_it_cannot(small_disk):
    path = str(small_disk.folder / "log")
    logger = DataLogger("run").init(path, buffer_max_elem=10**6, flush_interval=3600)
    logger.write("loss", x=0, y=0.0)
    logger.flush_buffer()
    small_disk.fill()
    logger.write("loss", x=np.arange(1, 1000), y=np.ones(999))  # more than a page's slack
    with pytest.raises(LoggerError, match="could not be written.*lost"):
        logger.close()
    small_disk.free()
    retried = DataLogger("run").init(path, buffer_max_elem=10**6, flush_interval=3600)
    retried.write("loss", x=np.arange(2000, 3000), y=np.ones(1000))
    small_disk.fill()
    with pytest.raises(LoggerError):
        retried.flush_buffer()
    small_disk.free()
    retried.close()  # retries what was kept, and succeeds
    np.testing.assert_array_equal(points(path)[("run", "loss", 0)],
                                  np.r_[0, np.arange(2000, 3000)])


def test_a_flush_cut_short_is_not_doubled(small_disk):
    path = str(small_disk.folder / "log")
    logger = DataLogger("run").init(path, buffer_max_elem=10**6, flush_interval=3600)
    logger.write("first", x=0, y=0.0)
    logger.flush_buffer()
    small_disk.fill(leave=8192)
    for step in range(3000):  # ~ 3 x 48 KB of records: only part of the flush fits
        for name in ("a", "b", "c"):
            logger.write(name, x=step, y=float(step))
    with pytest.raises(LoggerError):
        logger.flush_buffer()
    landed = len(open(path, "rb").read())
    small_disk.free()
    logger.close()
    got = points(path)
    for name in ("a", "b", "c"):
        np.testing.assert_array_equal(got[("run", name, 0)], np.arange(3000))
    assert landed > 0
    assert LogReader(path).read_all() and True


def test_cut_flush_repeats_are_counted(small_disk):
    path = str(small_disk.folder / "log")
    logger = DataLogger("run").init(path, buffer_max_elem=10**6, flush_interval=3600)
    for step in range(3000):
        for name in ("a", "b", "c", "d"):
            logger.write(name, x=step, y=float(step))
    small_disk.fill(leave=110_000)  # two records land whole, the third is torn
    with pytest.raises(LoggerError):
        logger.flush_buffer()
    small_disk.free()
    logger.close()
    reader = LogReader(path)
    series = reader.read_all()
    assert sorted(len(s) for s in series) == [3000] * 4
    assert reader.stats.duplicate_records >= 1  # whole records landed twice, read once
    assert reader.stats.damaged_bytes > 0       # and the record the cut tore


def write_log(path: str, scope: str, xs) -> None:
    with DataLogger(scope).init(path) as logger:
        for x in xs:
            logger.write("loss", x=x, y=float(x))


@pytest.mark.parametrize("claimed", [5000, 60 * 1024 * 1024])
def test_a_tailer_resynchronises_after_a_torn_frame(tmp_path, claimed):
    path = str(tmp_path / "log")
    write_log(path, "run", range(10))
    reader = LogReader(path)
    assert len(reader.poll()[0]) == 10
    frame = encode_frame(b"t" * claimed)
    with open(path, "ab") as f:  # a writer died mid-frame: the header claims more than landed
        f.write(frame[:64])
    assert reader.poll() == []
    write_log(path, "run", range(10, 13))  # the run resumes: a short append
    (series,) = reader.poll()
    np.testing.assert_array_equal(series.columns["x"], [10, 11, 12])
    assert reader.stats.damaged_bytes == 64


def test_a_partial_frame_still_being_written_is_waited_for(tmp_path):
    path = str(tmp_path / "log")
    write_log(path, "run", range(3))
    data = open(path, "rb").read()
    open(path, "wb").write(data[:len(data) - 5])
    reader = LogReader(path)
    before = sum(len(s) for s in reader.poll())
    with open(path, "ab") as f:
        f.write(data[len(data) - 5:])
    after = sum(len(s) for s in reader.poll())
    assert before + after == 3 and reader.stats.damaged_bytes == 0


def test_damage_to_one_record_costs_only_that_record(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("run").init(path) as logger:
        for step in range(10_000):
            logger.write("loss", x=step, y=float(step))
            if step % 100 == 99:
                logger.flush_buffer()  # one record per 100 points
    data = bytearray(open(path, "rb").read())
    lengths = frame_lengths(bytes(data))
    second = FRAME_OVERHEAD + lengths[0]  # the first points record after the header
    data[second + 20] ^= 0xFF  # inside its inline group definition
    open(path, "wb").write(data)
    (series,) = read_log(path)
    assert len(series) == 10_000 - 100


class FailingOnce:
    """A source that fails on its ``n``-th read (an expired credential in the middle of a
    poll); a fault injected at the reader's boundary, where no real storage can be made to
    fail at a chosen point of one poll."""

    def __init__(self, source, n: int) -> None:
        self.source, self.n, self.calls = source, n, 0
        self.bytes_read = 0

    def read_new(self):
        self.calls += 1
        if self.calls == self.n:
            raise StorageError("credentials expired")
        chunks = self.source.read_new()
        self.bytes_read = self.source.bytes_read
        return chunks

    def exists(self):
        return self.source.exists()

    def close(self):
        self.source.close()


def test_a_reader_whose_storage_fails_mid_poll_loses_nothing(tmp_path, monkeypatch, caplog):
    import streamvis.logger.storage.local as local

    monkeypatch.setattr(local, "_READ_CHUNK", 300)  # many reads per poll
    path = str(tmp_path / "log")
    with DataLogger("run").init(path) as logger:
        for step in range(100):
            logger.write("loss", x=step, y=float(step))
            if step % 10 == 9:
                logger.flush_buffer()  # small records: several complete before the failure
    reader = LogReader(path)
    reader._source = FailingOnce(reader._source, n=5)
    with caplog.at_level(logging.WARNING):
        first = reader.poll()
    assert "credentials expired" in caplog.text
    rest = reader.poll()
    xs = np.concatenate([s.columns["x"] for s in first + rest])
    np.testing.assert_array_equal(xs, np.arange(100))


def test_a_poll_that_fails_before_reading_raises_and_the_next_retries(tmp_path):
    path = str(tmp_path / "log")
    write_log(path, "run", range(5))
    reader = LogReader(path)
    reader._source = FailingOnce(reader._source, n=1)
    with pytest.raises(StorageError, match="credentials expired"):
        reader.poll()
    (series,) = reader.poll()
    assert len(series) == 5


def test_zero_filled_regions_are_skipped(tmp_path):
    path = str(tmp_path / "log")
    write_log(path, "run", range(5))
    with open(path, "ab") as f:
        f.write(b"\0" * (8 * 1024 * 1024))
    write_log(path, "run", range(5, 8))
    reader = LogReader(path)
    (series,) = reader.read_all()
    np.testing.assert_array_equal(series.columns["x"], np.arange(8))
    assert reader.stats.damaged_bytes == 8 * 1024 * 1024
