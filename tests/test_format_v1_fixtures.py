"""Logs written by the format-1 code (tests/fixtures/format_v1) read back exactly as they did
when they were written: every series, value and dtype."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from streamvis.logger import LogReader, read_log

FIXTURES = Path(__file__).parent / "fixtures" / "format_v1"


@pytest.mark.parametrize("name", ["mixed", "tombstone"])
def test_format_1_log_reads_as_written(name):
    expected = json.loads((FIXTURES / f"{name}.json").read_text())
    got = read_log(str(FIXTURES / f"{name}.svlog"))
    assert [(s.scope, s.name, s.index) for s in got] == [
        (e["scope"], e["name"], e["index"]) for e in expected]
    for series, want in zip(got, expected):
        assert list(series.columns) == list(want["columns"])
        for field, column in want["columns"].items():
            assert series.columns[field].dtype.str == column["dtype"]
            np.testing.assert_array_equal(series.columns[field], column["values"])


def test_format_1_log_has_no_damage_and_tails_in_pieces(tmp_path):
    data = (FIXTURES / "mixed.svlog").read_bytes()
    path = tmp_path / "log"
    reader = LogReader(str(path))
    total = 0
    for start in range(0, len(data), 97):  # a tailer catching the log mid-frame, often
        with open(path, "ab") as f:
            f.write(data[start:start + 97])
        total += sum(len(s) for s in reader.poll())
    assert total == sum(len(s) for s in read_log(str(FIXTURES / "mixed.svlog")))
    assert reader.stats.damaged_bytes == 0
