"""SeriesStore: columnar appends, snapshots, dtype promotion, drops and epochs."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streamvis.logger import Series, Tombstone
from streamvis.server.store import SeriesStore


def chunk(scope: str, name: str, index: int = 0, **columns) -> Series:
    return Series(scope, name, index, {k: np.asarray(v) for k, v in columns.items()})


def test_missing_key_reads_as_empty():
    store = SeriesStore()
    key = ("run", "loss", 0)
    assert store.keys() == [] and store.scopes() == []
    assert store.length(key) == 0 and store.epoch(key) == 0
    assert store.fields(key) == () and store.view(key) == {}
    assert store.nbytes == 0 and store.version == 0


def test_appends_concatenate_in_order_with_exact_dtypes():
    store = SeriesStore()
    store.append(chunk("a", "loss", x=np.array([0, 1], np.int64), y=np.array([1.5, 2.5], np.float32)))
    store.append(chunk("a", "loss", x=np.array([2], np.int64), y=np.array([3.5], np.float32)))
    key = ("a", "loss", 0)
    view = store.view(key)
    assert store.fields(key) == ("x", "y")
    assert view["x"].dtype == np.int64 and view["y"].dtype == np.float32
    assert view["x"].tolist() == [0, 1, 2] and view["y"].tolist() == [1.5, 2.5, 3.5]
    assert store.length(key) == 3 and store.total_points == 3
    assert store.view(key, 1)["x"].tolist() == [1, 2]
    assert store.view(key, 1, 2)["y"].tolist() == [2.5]
    assert store.view(key, -1)["x"].tolist() == [2]
    assert store.view(key, 5)["x"].tolist() == []


def test_large_int64_steps_survive_exactly():
    store = SeriesStore()
    steps = np.array([2**53 + 1, 2**60 + 3], np.int64)
    store.append(chunk("a", "n", x=steps, y=np.zeros(2)))
    assert store.view(("a", "n", 0))["x"].tolist() == steps.tolist()


def test_many_small_appends_grow_geometrically_and_keep_memory_near_raw():
    store = SeriesStore()
    key = ("a", "y", 0)
    reallocations, last_buffer = 0, None
    for i in range(5000):
        store.append(chunk("a", "y", x=np.array([i], np.int64), y=np.array([float(i)])))
        buffer = store._entries[key].columns["x"]
        if buffer is not last_buffer:
            reallocations, last_buffer = reallocations + 1, buffer
    assert reallocations < 20  # geometric growth, not one copy per append
    view = store.view(key)
    assert np.array_equal(view["x"], np.arange(5000))
    assert np.array_equal(view["y"], np.arange(5000, dtype=float))
    assert store.nbytes <= 1.5 * 5000 * 16


def test_view_is_a_stable_read_only_snapshot():
    store = SeriesStore()
    store.append(chunk("a", "y", x=np.arange(3), y=np.array([1.0, 2.0, 3.0])))
    snapshot = store.view(("a", "y", 0))
    with pytest.raises(ValueError):
        snapshot["y"][0] = 99.0
    for i in range(1000):  # forces reallocations after the snapshot
        store.append(chunk("a", "y", x=np.array([3 + i]), y=np.array([-1.0])))
    assert snapshot["y"].tolist() == [1.0, 2.0, 3.0]
    assert store.length(("a", "y", 0)) == 1003


def test_dtype_promotion_when_a_later_chunk_needs_it():
    store = SeriesStore()
    store.append(chunk("a", "y", x=np.arange(2, dtype=np.int32), y=np.array([1, 2], np.int64)))
    store.append(chunk("a", "y", x=np.array([2], np.int64), y=np.array([0.5], np.float64)))
    view = store.view(("a", "y", 0))
    assert view["x"].dtype == np.int64 and view["x"].tolist() == [0, 1, 2]
    assert view["y"].dtype == np.float64 and view["y"].tolist() == [1.0, 2.0, 0.5]


def test_fields_missing_from_a_chunk_read_as_nan():
    store = SeriesStore()
    store.append(chunk("a", "y", x=np.array([0, 1]), y=np.array([1.0, 2.0])))
    store.append(chunk("a", "y", x=np.array([2]), y=np.array([3.0]), z=np.array([7.0])))
    store.append(chunk("a", "y", x=np.array([3]), z=np.array([8.0])))
    view = store.view(("a", "y", 0))
    assert store.fields(("a", "y", 0)) == ("x", "y", "z")
    assert view["x"].tolist() == [0, 1, 2, 3]
    assert np.array_equal(view["y"], [1.0, 2.0, 3.0, np.nan], equal_nan=True)
    assert np.array_equal(view["z"], [np.nan, np.nan, 7.0, 8.0], equal_nan=True)


def test_mismatched_column_lengths_are_rejected():
    store = SeriesStore()
    with pytest.raises(ValueError, match="'y' has 1 values, expected 2"):
        store.append(chunk("a", "n", x=np.arange(2), y=np.arange(1)))


def test_drop_removes_matching_series_and_recreation_changes_epoch():
    store = SeriesStore()
    for scope in ("run1", "run2"):
        for name in ("loss", "acc"):
            store.append(chunk(scope, name, x=np.arange(3), y=np.ones(3)))
    old_epoch, old_version = store.epoch(("run1", "loss", 0)), store.version
    gone = store.drop(Tombstone("run1", "loss"))
    assert gone == [("run1", "loss", 0)] and store.version != old_version
    assert store.length(("run1", "loss", 0)) == 0 and store.epoch(("run1", "loss", 0)) == 0
    store.append(chunk("run1", "loss", x=np.array([9]), y=np.array([9.0])))
    assert store.epoch(("run1", "loss", 0)) not in (0, old_epoch)
    assert store.view(("run1", "loss", 0))["x"].tolist() == [9]
    assert sorted(store.drop(Tombstone("run.*"))) == [
        ("run1", "acc", 0), ("run1", "loss", 0), ("run2", "acc", 0), ("run2", "loss", 0)]
    assert store.keys() == [] and store.nbytes == 0
    assert store.drop(Tombstone("nothing")) == []


def test_keys_scopes_and_indices():
    store = SeriesStore()
    store.append(chunk("b", "y", 1, x=np.arange(2), y=np.ones(2)))
    store.append(chunk("a", "y", 0, x=np.arange(2), y=np.ones(2)))
    store.append(chunk("b", "y", 0, x=np.arange(2), y=np.ones(2)))
    assert store.keys() == [("b", "y", 1), ("a", "y", 0), ("b", "y", 0)]
    assert store.scopes() == ["b", "a"]
    assert ("a", "y", 0) in store and len(store) == 3


def test_is_sorted_tracks_x_order_across_appends():
    store = SeriesStore()
    key = ("a", "y", 0)
    store.append(chunk("a", "y", x=np.array([0, 1, 1, 2]), y=np.zeros(4)))
    assert store.is_sorted(key)
    store.append(chunk("a", "y", x=np.array([2, 5]), y=np.zeros(2)))
    assert store.is_sorted(key)
    store.append(chunk("a", "y", x=np.array([4]), y=np.zeros(1)))  # a second writer went back
    assert not store.is_sorted(key)
    store.append(chunk("a", "f", x=np.array([0.0, np.nan]), y=np.zeros(2)))
    assert not store.is_sorted(("a", "f", 0))


def test_replace_all_swaps_content_and_epochs():
    store = SeriesStore()
    store.append(chunk("a", "y", x=np.arange(3), y=np.ones(3)))
    epoch = store.epoch(("a", "y", 0))
    store.replace_all([chunk("a", "y", x=np.arange(2), y=np.zeros(2)),
                       chunk("b", "y", x=np.arange(1), y=np.zeros(1))])
    assert store.keys() == [("a", "y", 0), ("b", "y", 0)]
    assert store.length(("a", "y", 0)) == 2 and store.epoch(("a", "y", 0)) != epoch


def test_concurrent_readers_always_see_a_consistent_prefix():
    store = SeriesStore()
    key = ("a", "y", 0)
    total, errors = 20_000, []

    def writer():
        for start in range(0, total, 7):
            x = np.arange(start, min(start + 7, total), dtype=np.int64)
            store.append(chunk("a", "y", x=x, y=x * 2.0))

    def reader():
        while store.length(key) < total and not errors:
            view = store.view(key)
            n = len(view.get("x", ()))
            if not (np.array_equal(view["x"], np.arange(n)) if n else True):
                errors.append("x is not the prefix 0..n-1")
            elif n and not np.array_equal(view["y"], np.arange(n) * 2.0):
                errors.append("y does not match x")

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert np.array_equal(store.view(key)["x"], np.arange(total))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.sampled_from(["i8", "f4", "f8", "i4"])),
                min_size=1, max_size=12))
def test_any_sequence_of_chunks_reads_back_as_their_concatenation(chunks):
    store = SeriesStore()
    parts = []
    for i, (n, dtype) in enumerate(chunks):
        y = (np.arange(n) + 1000 * i).astype(dtype)
        parts.append(y)
        store.append(chunk("s", "v", x=np.arange(n), y=y))
    expected = np.concatenate(parts)
    got = store.view(("s", "v", 0))["y"]
    assert got.dtype == np.result_type(*[p.dtype for p in parts])
    assert np.array_equal(got, expected.astype(got.dtype))
    assert store.length(("s", "v", 0)) == len(expected)


def test_supersede_drops_rows_from_x_on_and_renews_the_epoch():
    store = SeriesStore()
    key = ("run", "loss", 0)
    store.append(chunk(*key, x=np.arange(10), y=np.arange(10.0)))
    epoch = store.epoch(key)
    assert store.supersede(key, 6) == 4
    assert store.view(key)["x"].tolist() == [0, 1, 2, 3, 4, 5]
    assert store.epoch(key) != epoch and store.is_sorted(key)
    assert store.supersede(key, 100) == 0  # nothing at or above: unchanged
    assert store.supersede(("other", "loss", 0), 0) == 0
    assert store.supersede(key, 0) == 6 and store.length(key) == 0 and key in store
    store.append(chunk(*key, x=np.array([3]), y=np.array([1.0])))
    assert store.view(key)["x"].tolist() == [3]


def test_wall_times_are_kept_as_int32_milliseconds_while_they_fit():
    store = SeriesStore()
    base = 1.7e9
    wall = base + np.array([0.0, 0.25, 3600.0])
    s = Series("run", "loss", 0, {"x": np.arange(3), "y": np.zeros(3)},
               wall_parts=[(3, wall)])
    store.append(s)
    col = store.view(("run", "loss", 0))["@wall"]
    assert col.dtype == np.int32 and col.tolist() == [0, 250, 3_600_000]
    np.testing.assert_array_equal(store.wall_seconds(col), wall)
    far = Series("run", "loss", 0, {"x": np.array([3]), "y": np.zeros(1)},
                 wall_parts=[(1, np.array([base + 40 * 86400.0]))])  # beyond int32 ms
    store.append(far)
    col = store.view(("run", "loss", 0))["@wall"]
    assert col.dtype == np.float64 and col[-1] == 40 * 86400 * 1000
