"""Table formatting, number rendering, progress display and error wording."""

from __future__ import annotations

import errno
import io
import json

import numpy as np

from streamvis.cli.errors import one_line
from streamvis.cli.export import write_csv
from streamvis.cli.list import render_json, render_table
from streamvis.cli.progress import Progress
from streamvis.cli.summary import summarize
from streamvis.cli.table import format_bytes, format_number, format_table
from streamvis.logger import ReadStats, Series, StorageError


def test_format_table_aligns_columns():
    text = format_table(("A", "NUM"), [["long-name", "1"], ["b", "12345"]], (False, True))
    assert text.splitlines() == ["A            NUM",
                                 "long-name      1",
                                 "b          12345"]


def test_format_number():
    assert format_number(2**40) == "1099511627776"
    assert format_number(3.0) == "3"
    assert format_number(0.123456789) == "0.123457"
    assert format_number(float("nan")) == "nan"
    assert format_number(float("-inf")) == "-inf"
    assert format_number(None) == "-"


def test_format_bytes():
    assert format_bytes(1023) == "1023 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 * 1024**3) == "5.0 GiB"


def series(scope: str, name: str, index: int, x, y, writers=(1,)) -> Series:
    return Series(scope, name, index, {"x": np.asarray(x), "y": np.asarray(y)},
                  frozenset(writers))


def test_summary_and_table():
    s = series("run1", "kldiv", 0, [5, 2, 9], [0.5, 0.25, float("nan")], writers=(1, 2))
    row = summarize(s)
    assert (row.points, row.x_min, row.x_max) == (3, 2, 9)
    assert np.isnan(row.last_y) and row.writers == (1, 2)
    stats = ReadStats(bytes_read=2048, records=4, damaged_bytes=17)
    lines = render_table([row], stats).splitlines()
    assert lines[0].split() == ["SCOPE", "NAME", "INDEX", "POINTS", "X", "RANGE", "LAST", "Y",
                                "WRITERS", "CONFIG"]
    assert lines[1].split() == ["run1", "kldiv", "0", "3", "2", "..", "9", "nan", "2"]
    assert lines[2] == "1 series, 3 points, 2.0 KiB read, 17 damaged bytes skipped"


def test_json_is_strict_and_complete():
    row = summarize(series("s", "n", 3, [1.5], [float("inf")], writers=(255,)))
    doc = json.loads(render_json([row], ReadStats(bytes_read=10), "p"))
    assert doc["series"] == [{"scope": "s", "name": "n", "index": 3, "points": 1,
                              "fields": ["x", "y"], "x_min": 1.5, "x_max": 1.5,
                              "last_y": "inf", "writers": ["00000000000000ff"]}]
    assert doc["totals"]["points"] == 1 and doc["totals"]["bytes"] == 10


def test_csv_long_format_with_differing_fields():
    a = series("r", "loss", 0, [1, 2], np.array([0.1, 0.2], dtype=np.float32))
    b = Series("r", "img", 1, {"x": np.array([7]), "z": np.array([True])}, frozenset())
    out = io.StringIO()
    assert write_csv([a, b], out) == 3
    assert out.getvalue().splitlines() == ["scope,name,index,x,y,z",
                                           "r,loss,0,1,0.1,", "r,loss,0,2,0.2,",
                                           "r,img,1,7,,1"]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress("demo", 100, out)
    for done in range(1, 101):
        progress.update(done)
    progress.finish("done")
    lines = out.getvalue().splitlines()
    assert len(lines) == 11 and lines[-2] == "demo: step 100/100 (100%)" and "\r" not in out.getvalue()


def test_progress_rewrites_one_line_on_a_terminal():
    out = Tty()
    progress = Progress("demo", 3, out, tty_every=0)
    for done in (1, 2, 3):
        progress.update(done)
    progress.finish("done")
    text = out.getvalue()
    assert text.count("\n") == 1 and text.count("\r") >= 3
    assert "demo: step 3/3 (100%)" in text


def test_one_line_joins_multi_line_messages():
    err = ValueError("invalid schema s.yaml: 2 problem(s):\n  - a: bad\n  - b: worse")
    assert one_line(err) == "invalid schema s.yaml: 2 problem(s): a: bad; b: worse"
    assert one_line(StorageError("no log at 'x'")) == "no log at 'x'"
    busy = OSError(errno.EADDRINUSE, "Address already in use")
    assert one_line(busy) == "address already in use"
