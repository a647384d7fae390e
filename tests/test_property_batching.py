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


def assert_same_series(batched_path, unbatched_path):
    """Both logs decode to the same series: keys, field names, dtypes and values (NaN == NaN);
    returns the batched log's series."""
    left, right = read_sorted(batched_path), read_sorted(unbatched_path)
    assert [s.key for s in left] == [s.key for s in right]
    for a, b in zip(left, right):
        assert list(a.columns) == list(b.columns) == ["x", "y"]
        for field in ("x", "y"):
            assert a.columns[field].dtype == b.columns[field].dtype, (a.key, field)
            np.testing.assert_array_equal(a.columns[field], b.columns[field])
    return left


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
    left = assert_same_series(batched, unbatched)
    expected_lines = {(op[0], i) for op in ops for i in range(op[3].shape[0])}
    assert {(s.name, s.index) for s in left} == expected_lines


@st.composite
def mixed_ops(draw):
    """A write to the one name ``n`` in any form and dtype: (x int64 (point,), y (index, point),
    how to pass it)."""
    form = draw(st.sampled_from(["1d", "1d_f32", "1d_big_endian", "broadcast_x", "2d", "0d"]))
    points = 1 if form in ("0d", "broadcast_x") else draw(st.integers(1, 5))
    lines = draw(st.integers(2, 3)) if form == "2d" else 1
    x = np.array(draw(st.lists(steps, min_size=points, max_size=points)), dtype=np.int64)
    y = np.array(draw(st.lists(finite_or_special, min_size=points * lines,
                               max_size=points * lines))).reshape(lines, points)
    if form == "1d_f32":
        with np.errstate(over="ignore"):
            y = y.astype(np.float32)
    elif form == "1d_big_endian":
        y = y.astype(">f8")
    return form, x, y


def write_mixed_batched(logger, op):
    form, x, y = op
    if form == "0d":
        logger.write("n", x=np.array(x[0]), y=np.array(y[0, 0]))
    elif form == "broadcast_x":  # x of one step, y of one point: both 1-D of length 1
        logger.write("n", x=x[:1], y=y[0])
    elif form == "2d":
        logger.write("n", x=x, y=y)
    else:
        logger.write("n", x=x, y=y[0])


def write_mixed_unbatched(logger, op):
    _, x, y = op
    for p, step in enumerate(x):
        if y.shape[0] > 1:  # one point on every line: (index, 1)
            logger.write("n", x=[int(step)], y=y[:, p:p + 1])
        else:  # numpy scalars: the general (not the 1-D fast) path
            logger.write("n", x=step, y=y[0, p].astype(y.dtype.newbyteorder("=")))


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(mixed_ops(), min_size=1, max_size=10),
       buffer=st.sampled_from([1, 4, 10_000]))
def test_one_name_mixing_forms_and_dtypes_equals_unbatched(tmp_path_factory, ops, buffer):
    """The 1-D fast paths of write and of the encoder agree with the general path, also when
    one name mixes shapes, byte orders and dtypes within one flush."""
    if any(op[0] == "2d" for op in ops) and any(op[0] != "2d" for op in ops):
        ops = [op for op in ops if op[0] == "2d"]  # a name's lines: all 2-D or all index 0
    folder = tmp_path_factory.mktemp("mixed")
    batched, unbatched = str(folder / "batched"), str(folder / "unbatched")
    first = ops[0]
    with DataLogger("run").init(path=batched, buffer_max_elem=buffer) as logger:
        write_mixed_batched(logger, first)
        logger.flush_buffer()  # the name is known now: later 1-D writes take the fast path
        for op in ops[1:]:
            write_mixed_batched(logger, op)
    with DataLogger("run").init(path=unbatched, buffer_max_elem=10_000) as logger:
        for op in ops:
            write_mixed_unbatched(logger, op)
    assert_same_series(batched, unbatched)
