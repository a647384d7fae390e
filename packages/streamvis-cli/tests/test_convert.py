"""``convert_log``: runs that interleave in one series keep their order and their writers."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from streamvis.cli.convert import convert_log
from streamvis.cli.errors import CliError
from streamvis.logger import read_log


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _ld(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _frame(kind: int, payload: bytes) -> bytes:
    return bytes([kind]) + struct.pack(">I", len(payload)) + payload


def _group(gid: int, scope: str, name: str) -> bytes:  # fields x, y: FLOAT
    return _frame(0, b"\x08" + _varint(gid) + _ld(2, scope.encode()) + _ld(3, name.encode())
                  + _ld(5, _ld(1, b"x")) + _ld(5, _ld(1, b"y")))


def _points(gid: int, x: list[float], y: list[float]) -> bytes:
    floats = [_ld(3, _ld(2, _ld(1, np.array(v, "<f4").tobytes()))) for v in (x, y)]
    return _frame(1, b"\x08" + _varint(gid) + b"".join(floats))


def test_interleaved_runs_of_one_series_keep_file_order_and_writers(tmp_path: Path) -> None:
    src = tmp_path / "two_writers.svlog"
    src.write_bytes(_group(11, "r", "loss") + _group(22, "r", "loss")
                    + _points(11, [0, 1], [0.5, 0.25]) + _points(22, [100], [9.0])
                    + _points(11, [2], [0.125]) + _points(22, [101, 102], [8.0, 7.0]))
    dst = tmp_path / "out.log"
    convert_log(str(src), str(dst))
    [series] = read_log(str(dst))
    assert series.columns["x"].tolist() == [0, 1, 100, 2, 101, 102]
    assert series.columns["y"].dtype == np.float32
    assert len(series.writers) == 2


def test_a_missing_source_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="no log at SRC"):
        convert_log(str(tmp_path / "nothing"), str(tmp_path / "out.log"))
