"""Wall time per point: compact encoding, one time per write call, old logs without it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from streamvis.logger import DataLogger, read_log
from streamvis.logger.walltimes import decode_wall_times, encode_wall_times, wall_times_of

FIXTURES = Path(__file__).parents[3] / "tests" / "fixtures" / "format_v1"


@pytest.mark.parametrize("steps, width", [
    ([0.0, 0.004, 0.1, 0.25], 1),        # < 256 ms apart: one byte per point
    ([0.0, 0.3, 60.0], 2),                # up to a minute apart: two
    ([0.0, 3600.0], 4),
    ([0.0, -0.05, 0.02], 1),              # a clock stepping back: signed deltas
])
def test_round_trip_at_millisecond_resolution_in_the_narrowest_type(steps, width):
    times = 1.7e9 + np.array(steps)
    raw = encode_wall_times(times)
    parts = decode_wall_times(raw, len(times))
    assert parts[1].dtype.itemsize == width
    np.testing.assert_allclose(wall_times_of([(len(times), parts)]), times, atol=5e-4)


def test_a_damaged_or_mismatched_encoding_is_refused():
    raw = encode_wall_times(np.array([1.0, 2.0]))
    assert decode_wall_times(raw, 3) is None
    assert decode_wall_times(b"\xff\xff", 2) is None


def test_each_write_call_stamps_its_points(tmp_path):
    path = str(tmp_path / "log")
    with DataLogger("run").init(path) as logger:
        t0 = time.time()
        logger.write("loss", x=0, y=1.0)
        time.sleep(0.05)
        logger.write("loss", x=[1, 2, 3], y=[1.0, 2.0, 3.0])  # one call: one time
        time.sleep(0.05)
        logger.write("attn", x=[0, 1], y=np.ones((2, 2)))
        t1 = time.time()
    series = {s.key: s for s in read_log(path)}
    wall = series[("run", "loss", 0)].wall_time
    assert wall.dtype == np.float64 and len(wall) == 4
    assert t0 - 0.001 <= wall[0] and wall[-1] <= t1 + 0.001
    assert wall[1] == wall[2] == wall[3] and wall[1] - wall[0] >= 0.045
    for index in (0, 1):
        np.testing.assert_array_equal(series[("run", "attn", index)].wall_time,
                                      series[("run", "attn", 0)].wall_time)


def test_scalar_logging_costs_about_a_byte_per_point(tmp_path):
    path = tmp_path / "log"
    with DataLogger("run").init(str(path), buffer_max_elem=1000) as logger:
        for step in range(10_000):
            logger.write("loss", x=step, y=float(step))
    per_point = path.stat().st_size / 10_000
    assert per_point < 16 + 2.5  # x int64 + y float64, then the time delta and framing


def test_format_1_logs_have_no_wall_time():
    for series in read_log(str(FIXTURES / "mixed.svlog")):
        assert series.wall_time is None
