"""Law: batched writes decode to exactly the series of the equivalent unbatched writes."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from streamvis.logger import DataLogger, read_log

finite_or_special = st.floats(allow_nan=True, allow_infinity=True, width=64)
steps = st.integers(min_value=-(2**62), max_value=2**62)


@st.composite
def write_ops(draw):
    """One batched write: (name, form, x values, y values with shape (index, point))."""
    name = draw(st.sampled_from(["kl", "ce", "attn"]))
    form = draw(st.sampled_from(["scalar", "1d", "2d"]))
    f32 = draw(st.booleans())
    points = 1 if form == "scalar" else draw(st.integers(1, 6))
    lines = draw(st.integers(1, 4)) if form == "2d" else 1
    x = draw(st.lists(steps, min_size=points, max_size=points))
    y = np.array(draw(st.lists(finite_or_special, min_size=points * lines,
                               max_size=points * lines))).reshape(lines, points)
    if f32:
        with np.errstate(over="ignore"):  # float64 values beyond float32 become inf
            y = y.astype(np.float32)
    return (f"{name}_{form}_{'f32' if f32 else 'f64'}", form, x, y)


def write_batched(logger, op):
    name, form, x, y = op
    if form == "scalar":
        yv = float(y[0, 0]) if y.dtype == np.float64 else y[0, 0]
        logger.write(name, x=x[0], y=yv)
    elif form == "1d":
        logger.write(name, x=np.array(x, dtype=np.int64), y=y[0])
    else:
        logger.write(name, x=list(x), y=y)


def write_unbatched(logger, op):
    name, form, x, y = op
    for p, step in enumerate(x):
        if form == "2d":
            logger.write(name, x=step, y=y[:, p:p + 1])
        else:
            value = y[0, p]
            logger.write(name, x=step, y=float(value) if y.dtype == np.float64 else value)


def read_sorted(path):
    return sorted(read_log(path), key=lambda s: s.key)


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(write_ops(), min_size=1, max_size=12), buffer=st.integers(1, 20))
def test_batched_equals_unbatched(tmp_path_factory, ops, buffer):
    folder = tmp_path_factory.mktemp("law")
    batched, unbatched = str(folder / "batched"), str(folder / "unbatched")
    with DataLogger("run").init(path=batched, buffer_max_elem=buffer) as logger:
        for op in ops:
            write_batched(logger, op)
    with DataLogger("run").init(path=unbatched, buffer_max_elem=7) as logger:
        for op in ops:
            write_unbatched(logger, op)
    left, right = read_sorted(batched), read_sorted(unbatched)
    assert [s.key for s in left] == [s.key for s in right]
    for a, b in zip(left, right):
        assert list(a.columns) == list(b.columns) == ["x", "y"]
        for field in ("x", "y"):
            assert a.columns[field].dtype == b.columns[field].dtype, (a.key, field)
            np.testing.assert_array_equal(a.columns[field], b.columns[field])
    expected_lines = {(op[0], i) for op in ops for i in range(op[3].shape[0])}
    assert {(s.name, s.index) for s in left} == expected_lines
