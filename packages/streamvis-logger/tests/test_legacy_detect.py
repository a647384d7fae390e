"""Format detection from the first bytes: ours, both legacy formats, junk, and too early."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from legacy_bytes import FLOAT, seed_group, seed_points
from streamvis.logger import DataLogger, LogReader, NotAStreamvisLog, StorageError, \
    open_log_reader, read_log
from streamvis.logger.legacy import PENDING, SEED, STREAMVIS, V1, SeedReader, detect_format
from streamvis.logger.legacy.detect import is_streamvis_head

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "legacy"


def _our_log(path: Path) -> Path:
    with DataLogger("run").init(str(path)) as logger:
        logger.write("loss", x=1, y=2.0)
    return path


def test_our_own_log_is_streamvis(tmp_path: Path) -> None:
    path = _our_log(tmp_path / "ours.log")
    assert detect_format(str(path)) == STREAMVIS
    assert detect_format("file://" + str(path)) == STREAMVIS
    assert isinstance(open_log_reader(str(path)), LogReader)
    assert [s.key for s in read_log(str(path))] == [("run", "loss", 0)]


def test_our_format_is_not_taken_for_the_seed_format_or_the_reverse() -> None:
    seed = (FIXTURES / "seed_e18e0a6.svlog").read_bytes()
    assert not is_streamvis_head(seed)
    assert is_streamvis_head(bytes.fromhex("0000010000000000") + bytes(4)) is False


def test_both_legacy_formats_are_recognised_under_every_name(tmp_path: Path) -> None:
    assert detect_format(str(FIXTURES / "seed_e18e0a6.svlog")) == SEED
    for name in ("v1_ddb3f0c", "v1_ddb3f0c.idx", "v1_ddb3f0c.log"):
        assert detect_format(str(FIXTURES / name)) == V1


@pytest.mark.parametrize("junk", [
    b"\x89PNG\r\n\x1a\n" + bytes(64),
    b"step,loss\n1,0.5\n2,0.25\n",
    b"\x00\x00\x00\x00\x00" * 20,          # a seed kind and length, but empty groups
    b"\x01\x00\x00\x00\x03abc" + bytes(20),  # a seed kind, but not protobuf
])
def test_junk_is_refused_naming_its_first_bytes(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(junk)
    with pytest.raises(NotAStreamvisLog, match=r"^not a streamvis log: first bytes "
                       + junk[:4].hex(" ")):
        read_log(str(path))
    with pytest.raises(StorageError):
        open_log_reader(str(path))


def test_a_short_junk_file_is_refused_by_read_log(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(b"hello")
    assert detect_format(str(path)) == PENDING  # a writer may be mid-append
    with pytest.raises(NotAStreamvisLog, match="68 65 6c 6c 6f"):
        read_log(str(path))


def test_missing_and_empty_files_are_pending_then_handed_to_the_right_reader(
        tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    assert detect_format(str(path)) == PENDING
    reader = open_log_reader(str(path))
    assert not reader.exists() and reader.poll() == []
    path.write_bytes(b"")
    assert detect_format(str(path)) == PENDING and reader.poll() == []
    group = seed_group(1, "s", "y", 0, [("y", FLOAT)])
    path.write_bytes(group[:7])  # the first record is still being written
    assert reader.poll() == []
    path.write_bytes(group + seed_points(1, [np.ones(2, np.float32)]))
    assert [len(s) for s in reader.poll()] == [2]
    assert isinstance(reader.reader, SeedReader)


def test_a_v1_prefix_whose_index_appears_later_is_pending(tmp_path: Path) -> None:
    prefix = tmp_path / "v1"
    reader = open_log_reader(str(prefix))
    assert reader.poll() == []
    for suffix in (".idx", ".log"):
        shutil.copy(FIXTURES / ("v1_ddb3f0c" + suffix), str(prefix) + suffix)
    assert sum(len(s) for s in reader.read_all()) == 1363


def test_read_log_on_an_empty_file_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert read_log(str(path)) == []


def test_a_seed_log_whose_first_record_is_long_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "long.svlog"
    name = "n" * 6000  # the first record is longer than the first bytes read
    path.write_bytes(seed_group(1, "s", name, 0, [("y", FLOAT)])
                     + seed_points(1, [np.ones(2, np.float32)]))
    assert detect_format(str(path)) == SEED
    assert [s.key for s in read_log(str(path))] == [("s", name, 0)]


def test_a_streamvis_log_with_a_damaged_start_is_still_read_as_one(tmp_path: Path) -> None:
    path = _our_log(tmp_path / "ours.log")
    with DataLogger("run").init(str(path)) as logger:  # a second writer's frames follow
        logger.write("acc", x=2, y=3.0)
    data = bytearray(path.read_bytes())
    data[:12] = b"\xff" * 12  # the first frame's header is destroyed
    path.write_bytes(bytes(data))
    assert detect_format(str(path)) == STREAMVIS
    reader = open_log_reader(str(path))
    assert ("run", "acc", 0) in {s.key for s in reader.read_all()}
    assert reader.stats.damaged_bytes > 0
