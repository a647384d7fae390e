"""DataLogger: the seed API, shapes, dtypes, buffering, errors."""

import math
import os
import time

import numpy as np
import pytest

from streamvis.logger import DataLogger, LoggerError, read_log


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "log")


def by_key(path):
    return {s.key: s for s in read_log(path)}


def test_seed_example_scalar_batched_and_2d(path):
    logger = DataLogger(scope="run24")
    assert logger.init(path=path, buffer_max_elem=100) is logger
    for step in range(100):
        logger.write("kldiv", x=step, y=step * 0.5)
    for step in range(100, 200, 10):
        logger.write("kldiv", x=list(range(step, step + 10)), y=np.arange(10) * 1.0)
    attn = np.arange(60, dtype=np.float32).reshape(6, 10)
    logger.write("attn_layer", x=list(range(200, 210)), y=attn)
    logger.flush_buffer()
    series = by_key(path)
    kl = series[("run24", "kldiv", 0)]
    assert len(kl) == 200
    np.testing.assert_array_equal(kl.columns["x"], np.arange(200))
    assert [k for k in series if k[1] == "attn_layer"] == [("run24", "attn_layer", i) for i in range(6)]
    for i in range(6):
        s = series[("run24", "attn_layer", i)]
        np.testing.assert_array_equal(s.columns["y"], attn[i])
        np.testing.assert_array_equal(s.columns["x"], np.arange(200, 210))
    logger.close()


def test_any_field_names_and_scalar_broadcast(path):
    with DataLogger("s").init(path=path) as logger:
        logger.write("img", x=1, y=[1, 2, 3], z=np.float32(0.5))
    (s,) = read_log(path)
    assert list(s.columns) == ["x", "y", "z"]
    np.testing.assert_array_equal(s.columns["x"], [1, 1, 1])
    assert s.columns["z"].dtype == np.float32


def test_dtypes_survive_exactly(path):
    with DataLogger("s").init(path=path) as logger:
        logger.write("big", x=2**40 + 1, y=0.1)
        logger.write("f32", x=np.int64(2**53 + 1), y=np.float32(0.1))
        logger.write("f64", x=[1, 2], y=np.array([0.1, 1e300]))
        logger.write("special", x=[1, 2, 3], y=[math.nan, math.inf, -math.inf])
    series = {s.name: s for s in read_log(path)}
    assert series["big"].columns["x"].dtype == np.int64
    assert series["big"].columns["x"][0] == 2**40 + 1
    assert series["f32"].columns["y"].dtype == np.float32
    assert series["f32"].columns["y"][0] == np.float32(0.1)
    assert series["f32"].columns["x"][0] == 2**53 + 1
    assert series["f64"].columns["y"].dtype == np.float64
    np.testing.assert_array_equal(series["f64"].columns["y"], [0.1, 1e300])
    y = series["special"].columns["y"]
    assert math.isnan(y[0]) and y[1] == math.inf and y[2] == -math.inf


def test_nan_bit_pattern_round_trips(path):
    odd_nan = np.array([0x7FF8000000000123], dtype=np.int64).view(np.float64)
    with DataLogger("s").init(path=path) as logger:
        logger.write("n", x=[0], y=odd_nan)
    (s,) = read_log(path)
    assert s.columns["y"].view(np.int64)[0] == 0x7FF8000000000123


def test_buffer_max_elem_counts_points(path):
    logger = DataLogger("s").init(path=path, buffer_max_elem=60, flush_interval=3600)
    logger.write("attn", x=np.arange(10), y=np.zeros((6, 10)))  # 60 points: a full buffer
    deadline = time.monotonic() + 10
    while not os.path.exists(path) or not read_log(path):
        assert time.monotonic() < deadline, "a full buffer was not flushed"
        time.sleep(0.01)
    assert sum(len(s) for s in read_log(path)) == 60
    logger.write("one", x=1, y=1.0)  # 1 point: stays buffered
    time.sleep(0.2)
    assert sum(len(s) for s in read_log(path)) == 60
    logger.close()
    assert sum(len(s) for s in read_log(path)) == 61


def test_flush_interval_flushes_without_further_writes(path):
    logger = DataLogger("s").init(path=path, buffer_max_elem=10**6, flush_interval=0.05)
    logger.write("k", x=1, y=1.0)
    deadline = time.monotonic() + 10
    while not (os.path.exists(path) and read_log(path)):
        assert time.monotonic() < deadline, "the interval flush never happened"
        time.sleep(0.02)
    logger.close()


def test_write_order_is_kept_across_flushes_and_forms(path):
    with DataLogger("s").init(path=path, buffer_max_elem=7) as logger:
        expected = []
        for step in range(50):
            if step % 3:
                logger.write("k", x=step, y=float(step))
            else:
                logger.write("k", x=[step], y=np.array([step], dtype=np.float64))
            expected.append(step)
    (s,) = read_log(path)
    np.testing.assert_array_equal(s.columns["x"], expected)


def test_resuming_a_scope_appends_to_the_same_series(path):
    with DataLogger("run").init(path=path) as logger:
        logger.write("k", x=[0, 1], y=[0.0, 1.0])
    with DataLogger("run").init(path=path) as logger:
        logger.write("k", x=2, y=2.0)
    (s,) = read_log(path)
    np.testing.assert_array_equal(s.columns["x"], [0, 1, 2])
    assert len(s.writers) == 2


def test_replace_hides_earlier_points_of_the_scope_only(path):
    with DataLogger("a").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
    with DataLogger("b").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
    with DataLogger("a").init(path=path, replace=True) as logger:
        logger.write("k", x=9, y=9.0)
    series = by_key(path)
    assert series[("a", "k", 0)].columns["x"].tolist() == [9]
    assert series[("b", "k", 0)].columns["x"].tolist() == [1]


@pytest.mark.parametrize("name, fields, error, match", [
    ("", {"x": 1, "y": 1}, ValueError, "non-empty string name"),
    (5, {"x": 1, "y": 1}, ValueError, "got 5"),
    ("k", {"x": [1, 2, 3], "y": [1, 2]}, ValueError, r"x=\(3,\), y=\(2,\)"),
    ("k", {"x": 1, "y": np.zeros((2, 3, 4))}, ValueError, r"'y' has shape \(2, 3, 4\) \(rank 3\)"),
    ("k", {"x": 1, "y": "abc"}, TypeError, "field 'y' has non-numeric dtype"),
    ("k", {"x": 1, "y": [1, "a"]}, TypeError, "'y'"),
    ("k", {"x": 1, "y": object()}, TypeError, "field 'y'"),
    ("k", {"x": 2**70, "y": 1.0}, TypeError, "field 'x'"),
    ("k", {}, ValueError, "at least one field"),
])
def test_bad_input_is_rejected_clearly(path, name, fields, error, match):
    with DataLogger("s").init(path=path) as logger:
        with pytest.raises(error, match=match):
            logger.write(name, **fields)
        logger.write("fine", x=1, y=1.0)
    assert [s.name for s in read_log(path)] == ["fine"]


def test_changing_fields_of_a_name_is_an_error(path):
    with DataLogger("s").init(path=path) as logger:
        logger.write("k", x=1, y=1.0)
        with pytest.raises(ValueError, match=r"fields \('x', 'y', 'z'\) differ"):
            logger.write("k", x=1, y=1.0, z=2.0)


def test_write_before_init_and_after_close(path):
    logger = DataLogger("s")
    with pytest.raises(RuntimeError, match="before init"):
        logger.write("k", x=1, y=1.0)
    logger.init(path=path)
    logger.write("k", x=1, y=1.0)
    logger.close()
    logger.close()  # idempotent
    with pytest.raises(RuntimeError, match="before init"):
        logger.write("k", x=2, y=1.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"buffer_max_elem": 0}, "buffer_max_elem must be an int >= 1, got 0"),
    ({"flush_interval": 0}, "flush_interval must be a positive"),
    ({"max_queued_batches": "x"}, "max_queued_batches"),
])
def test_bad_init_arguments(path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLogger("s").init(path=path, **kwargs)


def test_bad_scope_and_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="scope must be a non-empty string"):
        DataLogger("")
    from streamvis.logger import StorageError
    missing = str(tmp_path / "nope" / "log")
    with pytest.raises(StorageError, match="does not exist"):
        DataLogger("s").init(path=missing)


def test_worker_error_surfaces_on_next_call_and_data_is_retried(path):
    logger = DataLogger("s").init(path=path, buffer_max_elem=10**6, flush_interval=3600)
    store = logger._store
    real_fd = store._fd
    store._fd = os.open(os.devnull, os.O_RDONLY)  # appends now fail with EBADF
    logger.write("k", x=1, y=1.0)
    with pytest.raises(LoggerError, match="writing to .* failed"):
        logger.flush_buffer()
    os.close(store._fd)
    store._fd = real_fd  # storage is healthy again: the kept data goes out with the next flush
    logger.write("k", x=2, y=2.0)
    logger.close()
    (s,) = read_log(path)
    assert s.columns["x"].tolist() == [1, 2]
