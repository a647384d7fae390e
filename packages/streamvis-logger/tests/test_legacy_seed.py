"""The seed-format reader: the shared sample exactly, the int32 period, deletes, id
collisions, tailing a file still being written, and damage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from legacy_apply import apply_events, as_held, assert_same
from legacy_bytes import FLOAT, INT, seed_control, seed_group, seed_points
from streamvis.logger import Tombstone, open_log_reader, read_log
from streamvis.logger.legacy import SeedReader

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "legacy"
f32, i32 = np.float32, np.int32


def test_the_shared_sample_reads_back_exactly_as_its_json_says() -> None:
    expected = json.loads((FIXTURES / "seed_e18e0a6.json").read_text())
    reader = open_log_reader(str(FIXTURES / "seed_e18e0a6.svlog"))
    assert isinstance(reader, SeedReader)
    series = reader.read_all()
    assert [s.key for s in series] == [(e["scope"], e["name"], e["index"])
                                       for e in expected["series"]]
    for got, want in zip(series, expected["series"]):
        assert list(got.columns) == list(want["columns"])
        for name, values in want["columns"].items():
            column = got.columns[name]
            assert column.dtype == np.float32
            np.testing.assert_array_equal(column.astype(np.float64), np.array(values))
            written = np.array(want["written"][name], dtype=np.float64)
            np.testing.assert_array_equal(column, written.astype(np.float32))
        assert got.writers == frozenset(want["group_ids"])
    assert reader.stats.records == len(expected["records"])
    assert reader.stats.damaged_bytes == reader.stats.bad_records == 0
    assert sum(len(s) for s in series) == expected["totals"]["points"]


def test_int32_period_keeps_int32_and_wrapped_values(tmp_path: Path) -> None:
    path = tmp_path / "old.log"
    path.write_bytes(
        seed_group(7, "run1", "loss", 0, [("step", INT), ("y", FLOAT)])
        + seed_points(7, [np.array([0, 1, -2147483643], i32), np.array([0.5, 1.5, 2.5], f32)])
        + seed_points(7, [np.array([], f32), np.array([], f32)])  # an empty write
        + seed_points(7, [np.array([3], i32), np.array([3.25], f32)], packed=False))
    [series] = read_log(str(path))
    assert series.columns["step"].dtype == np.int32
    assert series.columns["y"].dtype == np.float32
    assert series.columns["step"].tolist() == [0, 1, -2147483643, 3]
    assert series.columns["y"].tolist() == [0.5, 1.5, 2.5, 3.25]


def test_points_bind_to_the_most_recent_group_with_their_id(tmp_path: Path) -> None:
    path = tmp_path / "collide.log"
    path.write_bytes(
        seed_group(5, "a", "loss", 0, [("x", FLOAT), ("y", FLOAT)])
        + seed_points(5, [np.array([1], f32), np.array([10], f32)])
        + seed_group(5, "b", "acc", 2, [("x", FLOAT), ("y", FLOAT)])  # a colliding id
        + seed_points(5, [np.array([2], f32), np.array([20], f32)]))
    got = {s.key: s.columns["y"].tolist() for s in read_log(str(path))}
    assert got == {("a", "loss", 0): [10.0], ("b", "acc", 2): [20.0]}


def test_resumed_runs_concatenate_and_mixed_fields_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "resumed.log"
    path.write_bytes(
        seed_group(1, "r", "lr", 0, [("x", FLOAT), ("y", FLOAT)])
        + seed_points(1, [np.array([0, 1], f32), np.array([5, 6], f32)])
        + seed_group(2, "r", "lr", 0, [("y", FLOAT), ("x", FLOAT)])
        + seed_points(2, [np.array([7], f32), np.array([2], f32)]))
    [series] = read_log(str(path))
    assert series.columns["x"].tolist() == [0, 1, 2]
    assert series.columns["y"].tolist() == [5, 6, 7]
    assert series.writers == {1, 2}


def test_a_delete_hides_exactly_the_named_groups_seen_before_it(tmp_path: Path) -> None:
    path = tmp_path / "deleted.log"
    xy = [("x", FLOAT), ("y", FLOAT)]
    path.write_bytes(
        seed_group(1, "run24", "kldiv", 0, xy) + seed_points(1, [np.ones(100, f32)] * 2)
        + seed_group(2, "run.4", "kldiv", 0, xy) + seed_points(2, [np.ones(3, f32)] * 2)
        + seed_group(3, "run24", "other", 0, xy) + seed_points(3, [np.ones(4, f32)] * 2)
        + seed_control("run24", "kldiv")
        + seed_points(1, [np.ones(9, f32)] * 2)          # the deleted id: ignored
        + seed_group(4, "run24", "kldiv", 0, xy) + seed_points(4, [np.full(5, 2, f32)] * 2))
    reader = SeedReader(str(path))
    got = {s.key: len(s) for s in reader.read_all()}
    assert got == {("run.4", "kldiv", 0): 3, ("run24", "other", 0): 4, ("run24", "kldiv", 0): 5}
    assert reader.stats.orphan_points == 0


def test_a_scope_only_delete_hides_the_whole_scope(tmp_path: Path) -> None:
    path = tmp_path / "scope.log"
    xy = [("x", FLOAT), ("y", FLOAT)]
    path.write_bytes(
        seed_group(1, "s", "a", 0, xy) + seed_points(1, [np.ones(2, f32)] * 2)
        + seed_group(2, "s", "b", 1, xy) + seed_points(2, [np.ones(2, f32)] * 2)
        + seed_group(3, "t", "a", 0, xy) + seed_points(3, [np.ones(2, f32)] * 2)
        + seed_control("s"))
    assert [s.key for s in read_log(str(path))] == [("t", "a", 0)]


def test_a_delete_in_a_later_poll_is_a_tombstone_event(tmp_path: Path) -> None:
    path = tmp_path / "later.log"
    xy = [("x", FLOAT), ("y", FLOAT)]
    path.write_bytes(seed_group(1, "s", "a", 0, xy) + seed_points(1, [np.ones(2, f32)] * 2))
    reader = SeedReader(str(path))
    assert [s.key for s in reader.poll()] == [("s", "a", 0)]
    with open(path, "ab") as f:
        f.write(seed_control("s", "a") + seed_group(2, "s", "a", 0, xy)
                + seed_points(2, [np.zeros(1, f32)] * 2))
    events = reader.poll_events()
    assert isinstance(events[0], Tombstone) and events[0].matches("s", "a")
    assert not events[0].matches("s", "ab") and not events[0].matches("sx", "a")
    assert [(e.key, len(e)) for e in events[1:]] == [(("s", "a", 0), 1)]


def test_tailing_a_file_being_written_with_torn_tails_loses_and_doubles_nothing(
        tmp_path: Path) -> None:
    data = (FIXTURES / "seed_e18e0a6.svlog").read_bytes()
    want = as_held(read_log(str(FIXTURES / "seed_e18e0a6.svlog")))
    path = tmp_path / "growing.log"
    path.write_bytes(b"")
    reader = open_log_reader(str(path))
    held: dict = {}
    for cut in range(0, len(data), 997):  # cuts fall inside headers and payloads
        with open(path, "ab") as f:
            f.write(data[cut:cut + 997])
        apply_events(held, reader.poll_events())
    apply_events(held, reader.poll_events(final=True))
    assert_same(held, want)
    assert reader.stats.damaged_bytes == 0


def test_an_unknown_kind_stops_the_reader_and_counts_the_rest_as_damage(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "damaged.log"
    good = seed_group(1, "s", "a", 0, [("y", FLOAT)]) + seed_points(1, [np.ones(3, f32)])
    path.write_bytes(good + b"\x09\x00\x00\x00\x01\x00" + seed_points(1, [np.ones(2, f32)]))
    reader = SeedReader(str(path))
    [series] = reader.read_all()
    assert len(series) == 3
    assert reader.stats.damaged_bytes == path.stat().st_size - len(good)
    assert "unknown record kind 9" in caplog.text


def test_a_torn_tail_at_the_end_of_read_all_is_counted_as_damage(tmp_path: Path) -> None:
    path = tmp_path / "torn.log"
    body = seed_group(1, "s", "a", 0, [("y", FLOAT)]) + seed_points(1, [np.ones(3, f32)])
    path.write_bytes(body + seed_points(1, [np.ones(2, f32)])[:-3])
    reader = SeedReader(str(path))
    assert [len(s) for s in reader.read_all()] == [3]
    assert reader.stats.damaged_bytes == path.stat().st_size - len(body)
