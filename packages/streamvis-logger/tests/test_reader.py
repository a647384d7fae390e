"""LogReader and read_log: incremental polls, merging, deletes, damage."""

import os

import numpy as np
import pytest

from streamvis.logger import DataLogger, LogReader, StorageError, Tombstone, delete_series, read_log
from streamvis.logger.encoder import new_id
from streamvis.proto import DType, encode_frames, group_record, points_record


def test_poll_returns_only_new_points(tmp_path):
    path = str(tmp_path / "log")
    reader = LogReader(path)
    assert not reader.exists() and reader.poll() == []
    logger = DataLogger("s").init(path=path, flush_interval=3600)
    logger.write("k", x=[1, 2], y=[1.0, 2.0])
    logger.flush_buffer()
    (first,) = reader.poll()
    assert first.columns["x"].tolist() == [1, 2]
    assert reader.poll() == []
    logger.write("k", x=3, y=3.0)
    logger.flush_buffer()
    (second,) = reader.poll()
    assert second.columns["x"].tolist() == [3]
    logger.close()
    assert reader.stats.damaged_bytes == 0 and reader.stats.bytes_read == os.path.getsize(path)


def test_poll_events_report_deletes_in_order(tmp_path):
    path = str(tmp_path / "log")
    reader = LogReader(path)
    with DataLogger("run1").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
    assert len(reader.poll_events()) == 1
    delete_series(path, "run1")
    with DataLogger("run1").init(path=path) as logger:
        logger.write("k", x=2, y=2.0)
    events = reader.poll_events()
    assert events[0] == Tombstone("run1", "")
    assert events[1].columns["x"].tolist() == [2]


def test_delete_by_name_and_bad_regex(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("r").init(path=path) as logger:
        logger.write("kl", x=1, y=1.0)
        logger.write("ce", x=1, y=1.0)
    delete_series(path, "r", "k.*")
    assert [s.name for s in read_log(path)] == ["ce"]
    with pytest.raises(ValueError, match=r"invalid scope regex '\(': "):
        delete_series(path, "(")
    with pytest.raises(ValueError, match="must not be empty"):
        delete_series(path, "")


def test_groups_with_equal_key_merge_and_promote(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=2.5, y=np.float32(2.0))
    (s,) = read_log(path)
    assert s.columns["x"].tolist() == [1.0, 2.5] and s.columns["x"].dtype == np.float64


def test_missing_fields_are_filled_with_nan(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=2, y=2.0, z=5.0)
    (s,) = read_log(path)
    assert s.columns["z"][0] != s.columns["z"][0] and s.columns["z"][1] == 5.0


def test_bad_records_are_counted_not_returned(tmp_path):
    path = str(tmp_path / "log")
    gid = new_id()
    group = group_record(gid, "s", "k", 0, [("x", DType.INT64), ("y", DType.FLOAT64)])
    records = [
        group.SerializeToString(),
        points_record(gid, [np.int64(1).tobytes(), np.float64(1).tobytes()]).SerializeToString(),
        points_record(gid, [b"\x00" * 7, b"\x00" * 8]).SerializeToString(),      # ragged
        points_record(gid, [np.int64(1).tobytes()]).SerializeToString(),         # field missing
        points_record(gid, [b"\x00" * 16, b"\x00" * 8]).SerializeToString(),     # counts differ
        points_record(new_id(), [b"\x00" * 8, b"\x00" * 8]).SerializeToString(), # unknown group
        b"\xff\xff\xff",                                                         # not a Record
    ]
    with open(path, "wb") as f:
        f.write(encode_frames(records))
    reader = LogReader(path)
    (s,) = reader.read_all()
    assert s.columns["x"].tolist() == [1]
    assert reader.stats.bad_records == 4 and reader.stats.orphan_points == 1


def test_read_log_of_missing_path(tmp_path):
    with pytest.raises(StorageError, match="no streamvis log at"):
        read_log(str(tmp_path / "missing"))


def test_torn_tail_is_held_back_then_completed(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=[1, 2, 3], y=[1.0, 2.0, 3.0])
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:-5])
    reader = LogReader(path)
    assert reader.poll() == []
    with open(path, "ab") as f:
        f.write(data[-5:])
    (s,) = reader.poll()
    assert s.columns["x"].tolist() == [1, 2, 3] and reader.stats.damaged_bytes == 0
