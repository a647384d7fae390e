"""Logs of the original streamvis through the real ``streamvis`` command (list, export,
convert) and the server's tailer."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from support_cli import run_cli
from streamvis.logger import DataLogger, read_log
from streamvis.server.store import SeriesStore
from streamvis.server.tailer import Tailer

LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"
SEED = LEGACY / "seed_e18e0a6.svlog"
V1 = LEGACY / "v1_ddb3f0c"


def _assert_same_series(converted: Path, source: str) -> None:
    want = {s.key: s for s in read_log(source) if len(s)}
    got = {s.key: s for s in read_log(str(converted))}
    assert sorted(got) == sorted(want)
    for key, s in want.items():
        assert list(got[key].columns) == list(s.columns)
        assert len(got[key].writers) == len(s.writers), key  # one writer per original run
        for f, column in s.columns.items():
            assert got[key].columns[f].dtype == column.dtype, (key, f)
            np.testing.assert_array_equal(got[key].columns[f], column)


@pytest.mark.parametrize("src", [str(SEED), str(V1), str(V1) + ".log"])
def test_convert_round_trip_keeps_every_series_value_and_dtype(tmp_path: Path,
                                                                src: str) -> None:
    dst = tmp_path / "converted.log"
    result = run_cli("convert", src, str(dst))
    assert result.returncode == 0, result.stderr
    assert "checked" in result.stdout and "points written" in result.stdout
    _assert_same_series(dst, src)
    with DataLogger("run26").init(str(dst)) as logger:  # a converted log takes new runs
        logger.write("kldiv", x=1, y=0.5)
    assert ("run26", "kldiv", 0) in {s.key for s in read_log(str(dst))}


def test_convert_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    dst = tmp_path / "taken.log"
    dst.write_bytes(b"precious")
    result = run_cli("convert", str(SEED), str(dst))
    assert result.returncode == 1
    assert "already exists; pass --force" in result.stderr
    assert dst.read_bytes() == b"precious"
    assert run_cli("convert", "--force", str(SEED), str(dst)).returncode == 0
    _assert_same_series(dst, str(SEED))


def test_convert_refuses_a_streamvis_log_and_junk(tmp_path: Path) -> None:
    ours = tmp_path / "ours.log"
    with DataLogger("s").init(str(ours)) as logger:
        logger.write("y", x=1, y=2)
    result = run_cli("convert", str(ours), str(tmp_path / "out.log"))
    assert result.returncode == 1 and "already a streamvis log" in result.stderr
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    result = run_cli("convert", str(junk), str(tmp_path / "out.log"))
    assert result.returncode == 1
    assert "not a streamvis log: first bytes 89 50 4e 47" in result.stderr
    assert not (tmp_path / "out.log").exists()


def test_list_and_export_read_both_legacy_formats(tmp_path: Path) -> None:
    listed = run_cli("list", str(SEED))
    assert listed.returncode == 0, listed.stderr
    assert "18 series, 3240 points" in listed.stdout and "0 damaged bytes" in listed.stdout
    listed = run_cli("list", str(V1) + ".idx")
    assert listed.returncode == 0 and "12 series, 1363 points" in listed.stdout
    exported = run_cli("export", str(SEED))
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == 1 + 3240


def test_list_refuses_junk_instead_of_reporting_zero_series(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("step,loss\n1,0.5\n2,0.25\n")
    result = run_cli("list", str(junk))
    assert result.returncode == 1
    assert "not a streamvis log: first bytes 73 74 65 70" in result.stderr


def test_the_tailer_follows_a_seed_log_as_it_grows(tmp_path: Path) -> None:
    data = SEED.read_bytes()
    path = tmp_path / "growing.svlog"
    store = SeriesStore()
    tailer = Tailer(str(path), store)
    assert tailer.poll_once() == 0 and tailer.last_error is None  # not there yet
    path.write_bytes(data[:len(data) // 2 + 3])
    first = tailer.poll_once()
    shutil.copy(SEED, path)
    assert first + tailer.poll_once() == 3240
    assert tailer.last_error is None and store.total_points == 3240 and len(store) == 18
    tailer.stop()
