"""The v1.0 pair reader: the shared sample exactly (three ways to name it), its configs,
deletes, and tailing an index that grows after its data file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from legacy_apply import apply_events, as_held, assert_same
from legacy_bytes import FLOAT, INT, V1Writer
from streamvis.logger import StorageError, open_log_reader, read_log
from streamvis.logger.legacy import V1PairReader

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "legacy"
PREFIX = FIXTURES / "v1_ddb3f0c"
f32, i32 = np.float32, np.int32


@pytest.mark.parametrize("suffix", ["", ".idx", ".log"])
def test_the_shared_sample_reads_back_exactly_as_its_json_says(suffix: str) -> None:
    expected = json.loads((FIXTURES / "v1_ddb3f0c.json").read_text())
    reader = open_log_reader(str(PREFIX) + suffix)
    assert isinstance(reader, V1PairReader)
    series = reader.read_all()
    assert sorted(s.key for s in series) == sorted(
        (e["scope"], e["name"], e["index"]) for e in expected["series"])
    by_key = {s.key: s for s in series}
    for want in expected["series"]:
        got = by_key[(want["scope"], want["name"], want["index"])]
        assert len(got) == want["points"]
        assert list(got.columns) == list(want["columns"])
        for name, column in want["columns"].items():
            assert got.columns[name].dtype == np.dtype(column["dtype"])
            np.testing.assert_array_equal(got.columns[name].astype(np.float64),
                                          np.array(column["values"], dtype=np.float64))
    assert by_key[("run25", "big_int", 0)].columns["x"].tolist() == [-2147483643]
    assert reader.stats.damaged_bytes == reader.stats.bad_records == 0
    configs = reader.configs_by_scope()
    assert configs == {scope: by_scope[scope] for scope, by_scope in expected["configs"].items()}
    assert [c.scope for c in reader.configs] == ["run24", "run25"]


def test_delete_name_hides_earlier_runs_of_that_scope_and_name_only(tmp_path: Path) -> None:
    w = V1Writer()
    xy = [("x", INT), ("y", FLOAT)]
    run1 = w.scope("s")
    loss1, acc1 = w.name(run1, "loss", xy), w.name(run1, "acc", xy)
    w.data(loss1, 0, [np.arange(3, dtype=i32), np.ones(3, f32)])
    w.data(acc1, 0, [np.arange(2, dtype=i32), np.ones(2, f32)])
    other = w.scope("s2")
    w.data(w.name(other, "loss", xy), 0, [np.arange(4, dtype=i32), np.ones(4, f32)])
    run2 = w.scope("s")
    w.delete("s", "loss")
    w.data(loss1, 1, [np.arange(5, dtype=i32), np.ones(5, f32)])  # deleted name: ignored
    w.data(w.name(run2, "loss", xy), 0, [np.array([7], i32), np.array([0.5], f32)])
    (tmp_path / "p.idx").write_bytes(w.idx)
    (tmp_path / "p.log").write_bytes(w.log)
    reader = V1PairReader(str(tmp_path / "p"))
    got = {s.key: s.columns["x"].tolist() for s in reader.read_all()}
    assert got == {("s", "acc", 0): [0, 1], ("s2", "loss", 0): [0, 1, 2, 3], ("s", "loss", 0): [7]}
    assert reader.stats.orphan_points == 0


def test_tailing_the_pair_while_it_grows_loses_and_doubles_nothing(tmp_path: Path) -> None:
    idx, log = (PREFIX.with_suffix(".idx")).read_bytes(), (PREFIX.with_suffix(".log")).read_bytes()
    want = as_held(read_log(str(PREFIX)))
    prefix = tmp_path / "grow"
    (tmp_path / "grow.log").write_bytes(log)  # the server writes .log before .idx
    (tmp_path / "grow.idx").write_bytes(b"")
    reader = open_log_reader(str(prefix))
    held: dict = {}
    for cut in range(0, len(idx), 7):
        with open(tmp_path / "grow.idx", "ab") as f:
            f.write(idx[cut:cut + 7])
        apply_events(held, reader.poll_events())
    apply_events(held, reader.poll_events(final=True))
    assert_same(held, want)


def test_an_index_entry_whose_data_is_not_written_yet_waits_for_it(tmp_path: Path) -> None:
    w = V1Writer()
    name = w.name(w.scope("s"), "y", [("y", FLOAT)])
    w.data(name, 0, [np.arange(4, dtype=f32)])
    (tmp_path / "p.idx").write_bytes(w.idx)
    (tmp_path / "p.log").write_bytes(w.log[:-2])
    reader = V1PairReader(str(tmp_path / "p.idx"))
    assert reader.poll() == []
    (tmp_path / "p.log").write_bytes(w.log)
    assert [s.columns["y"].tolist() for s in reader.poll()] == [[0, 1, 2, 3]]


def test_an_index_without_its_data_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "p.idx").write_bytes(PREFIX.with_suffix(".idx").read_bytes())
    with pytest.raises(StorageError, match=r"p\.log"):
        read_log(str(tmp_path / "p.idx"))
