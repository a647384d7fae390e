"""The original streamvis's own calls: ``write(name, index, **fields)`` and fields by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamvis.logger import DataLogger, read_log


def _read(path: Path) -> dict:
    return {s.key: {f: c.tolist() for f, c in s.columns.items()} for s in read_log(str(path))}


def test_the_seed_schema_comment_call_works_as_written(tmp_path: Path) -> None:
    path = tmp_path / "log"
    with DataLogger("s").init(str(path)) as logger:
        logger.write("myplot", 0, x=5, y=[1, 3, 5])
        logger.write("myplot", 2, x=[6, 7], y=np.array([2.5, 3.5], np.float32))
        logger.write("myplot", 2, x=8, y=4.5)
    got = _read(path)
    assert got == {("s", "myplot", 0): {"x": [5, 5, 5], "y": [1, 3, 5]},
                   ("s", "myplot", 2): {"x": [6, 7, 8], "y": [2.5, 3.5, 4.5]}}


def test_indexed_1d_writes_equal_one_2d_write(tmp_path: Path) -> None:
    y = np.arange(12, dtype=np.float64).reshape(3, 4)
    x = np.arange(4, dtype=np.int64)
    with DataLogger("s").init(str(tmp_path / "a")) as logger:
        logger.write("attn", x=np.broadcast_to(x, (3, 4)), y=y)
    with DataLogger("s").init(str(tmp_path / "b")) as logger:
        for index in (2, 0, 1):
            logger.write("attn", index, x=x, y=y[index])
    a, b = read_log(str(tmp_path / "a")), read_log(str(tmp_path / "b"))
    assert sorted(s.key for s in a) == sorted(s.key for s in b)
    by_key = {s.key: s for s in b}
    for s in a:
        for f in ("x", "y"):
            assert by_key[s.key].columns[f].dtype == s.columns[f].dtype
            np.testing.assert_array_equal(by_key[s.key].columns[f], s.columns[f])


def test_an_index_with_a_2d_field_is_an_error_naming_both(tmp_path: Path) -> None:
    with DataLogger("s").init(str(tmp_path / "log")) as logger:
        with pytest.raises(ValueError, match=r"write\('attn', 3\): field 'y' is 2-D \(2, 5\)"):
            logger.write("attn", 3, x=np.arange(5), y=np.zeros((2, 5)))


@pytest.mark.parametrize("index", [-1, 1.0, True, "2", 2**32])
def test_a_bad_index_is_an_error_naming_it(tmp_path: Path, index: object) -> None:
    with DataLogger("s").init(str(tmp_path / "log")) as logger:
        with pytest.raises(ValueError, match=r"index must be an int"):
            logger.write("loss", index, x=1, y=2)


def test_fields_are_matched_by_name_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "log"
    with DataLogger("s").init(str(path)) as logger:
        logger.write("loss", x=1, y=2.0)
        logger.write("loss", y=4.0, x=3)
        logger.write("loss", y=np.array([6.0, 8.0]), x=np.array([5, 7]))
        logger.write("loss", 0, y=10.0, x=9)
    assert _read(path) == {("s", "loss", 0): {"x": [1, 3, 5, 7, 9], "y": [2, 4, 6, 8, 10]}}


def test_a_different_set_of_fields_stays_an_error(tmp_path: Path) -> None:
    with DataLogger("s").init(str(tmp_path / "log")) as logger:
        logger.write("loss", x=1, y=2.0)
        with pytest.raises(ValueError, match=r"fields \('x', 'z'\) differ from \('x', 'y'\)"):
            logger.write("loss", x=1, z=2.0)
        with pytest.raises(ValueError, match="differ"):
            logger.write("loss", y=1, x=2.0, z=3)
