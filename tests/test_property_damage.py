"""Law: after any single-byte corruption or truncation the reader never raises, never
returns a wrong value, and returns everything in the frames the damage did not touch."""

import functools
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from streamvis.logger import DataLogger, LogReader


@functools.lru_cache(maxsize=1)
def original_log(folder: str) -> bytes:
    path = f"{folder}/original"
    with DataLogger("run").init(path=path, buffer_max_elem=5) as logger:
        for step in range(40):
            logger.write("loss", x=step, y=1.0 / (step + 1))
            if step % 10 == 0:
                logger.write("attn", x=[step, step + 1], y=np.full((3, 2), step, np.float32))
    return open(path, "rb").read()


def frame_spans(data: bytes) -> list[tuple[int, int]]:
    spans, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        spans.append((pos, pos + 16 + length))
        pos += 16 + length
    return spans


def read_bytes(folder, name: str, data: bytes):
    path = f"{folder}/{name}"
    with open(path, "wb") as f:
        f.write(data)
    reader = LogReader(path)
    return sorted(reader.read_all(), key=lambda s: s.key), reader.stats


def assert_same(actual, expected):
    assert [s.key for s in actual] == [s.key for s in expected]
    for a, e in zip(actual, expected):
        for field in e.columns:
            assert a.columns[field].dtype == e.columns[field].dtype
            np.testing.assert_array_equal(a.columns[field], e.columns[field])


def without(data: bytes, spans, keep) -> bytes:
    return b"".join(data[s:e] for i, (s, e) in enumerate(spans) if keep(i, s, e))


@settings(max_examples=150, deadline=None)
@given(where=st.integers(0, 10**9), value=st.integers(1, 255))
def test_single_byte_corruption(tmp_path_factory, where, value):
    folder = tmp_path_factory.getbasetemp()
    data = original_log(str(folder))
    spans = frame_spans(data)
    where %= len(data)
    damaged = bytearray(data)
    damaged[where] ^= value
    actual, stats = read_bytes(folder, "damaged", bytes(damaged))
    expected, _ = read_bytes(folder, "expected", without(data, spans, lambda i, s, e: not s <= where < e))
    assert_same(actual, expected)
    assert stats.damaged_bytes > 0


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 10**9))
def test_truncation(tmp_path_factory, cut):
    folder = tmp_path_factory.getbasetemp()
    data = original_log(str(folder))
    spans = frame_spans(data)
    cut %= len(data) + 1
    actual, stats = read_bytes(folder, "cut", data[:cut])
    expected, _ = read_bytes(folder, "expected", without(data, spans, lambda i, s, e: e <= cut))
    assert_same(actual, expected)
    complete = sum(e - s for s, e in spans if e <= cut)
    assert stats.damaged_bytes == cut - complete


def damage(data: bytes, op: str, a: int, b: int, junk: bytes) -> bytes:
    a %= len(data)
    b = a + 1 + b % min(4000, len(data) - a)
    if op == "flip":
        out = bytearray(data)
        out[a] ^= junk[0] | 1
        return bytes(out)
    if op == "delete":
        return data[:a] + data[b:]
    if op == "insert":
        return data[:a] + junk + data[a:]
    if op == "duplicate":  # a stretch stored twice, as a retried upload or a copy can
        return data[:b] + data[a:b] + data[b:]
    return data[:a]  # truncate


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate"]),
       a=st.integers(0, 10**9), b=st.integers(0, 10**9),
       junk=st.binary(min_size=1, max_size=64))
def test_any_single_damage_loses_only_damaged_frames_and_doubles_none(
        tmp_path_factory, op, a, b, junk):
    """Every frame whose bytes are still whole somewhere in the damaged log is read, once
    (format 2 records carry their group and a sequence number); nothing else is."""
    folder = tmp_path_factory.getbasetemp()
    data = original_log(str(folder))
    spans = frame_spans(data)
    damaged = damage(data, op, a, b, junk)
    actual, _ = read_bytes(folder, "damaged", damaged)
    expected, _ = read_bytes(folder, "expected",
                             without(data, spans, lambda i, s, e: data[s:e] in damaged))
    assert_same(actual, expected)
