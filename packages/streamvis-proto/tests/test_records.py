"""Record building and parsing."""

import pytest

from streamvis.proto import (
    DTYPE_CODES,
    DTYPE_STRINGS,
    FORMAT_VERSION,
    MAGIC,
    DecodeError,
    DType,
    group_record,
    header_record,
    parse_record,
    points_record,
    tombstone_record,
)


def roundtrip(record):
    return parse_record(record.SerializeToString())


def test_header_roundtrip():
    rec = roundtrip(header_record(2**64 - 1, "run24", created_time=12.5))
    assert rec.WhichOneof("kind") == "header"
    assert (rec.header.magic, rec.header.format_version) == (MAGIC, FORMAT_VERSION)
    assert rec.header.writer_id == 2**64 - 1
    assert (rec.header.scope, rec.header.created_time) == ("run24", 12.5)


def test_group_roundtrip_keeps_field_order_and_64bit_id():
    rec = roundtrip(group_record(2**63 + 5, "s", "kldiv", 3,
                                 [("x", DType.INT64), ("y", DType.FLOAT32)], writer_id=7))
    g = rec.group
    assert (g.id, g.scope, g.name, g.index, g.writer_id) == (2**63 + 5, "s", "kldiv", 3, 7)
    assert [(f.name, f.dtype) for f in g.fields] == [("x", DType.INT64), ("y", DType.FLOAT32)]


def test_points_and_tombstone_roundtrip():
    rec = roundtrip(points_record(9, [b"\x01" * 8, b"\x02" * 4]))
    assert rec.points.group_id == 9 and list(rec.points.values) == [b"\x01" * 8, b"\x02" * 4]
    rec = roundtrip(tombstone_record("run.*", "kl.*", created_time=1.0))
    t = rec.control.tombstone
    assert (t.scope_pattern, t.name_pattern, t.created_time) == ("run.*", "kl.*", 1.0)


def test_dtype_table_is_little_endian_and_complete():
    assert set(DTYPE_STRINGS) == {v for v in DType.values() if v != DType.DTYPE_UNSPECIFIED}
    assert all(s[0] in "<|" for s in DTYPE_STRINGS.values())
    assert DTYPE_CODES["<i8"] == DType.INT64


def test_garbage_payload_raises_decode_error():
    with pytest.raises(DecodeError):
        parse_record(b"\xff\xff\xff\xff")


@pytest.mark.parametrize("group_id", [0, 1, 2**64 - 1])
@pytest.mark.parametrize("buffers", [[], [b""], [b"\x01" * 8, b"\x02" * 300], [b"z" * 70000]])
def test_points_payload_parts_match_protobuf(group_id, buffers):
    from streamvis.proto import points_payload_parts

    split = [[b[: len(b) // 2], memoryview(b[len(b) // 2:])] for b in buffers]
    parts = points_payload_parts(group_id, split)
    assert b"".join(parts) == points_record(group_id, buffers).SerializeToString()


def test_points_payload_parts_with_format2_fields_match_protobuf():
    from streamvis.proto import parse_points_fast
    from streamvis.proto import points_payload_parts

    rec = points_record(0, [b"\x01" * 16, b"\x02" * 8])
    group = group_record(9, "run", "loss", 2, [("x", DType.INT64), ("y", DType.FLOAT64)], 4)
    rec.points.group.CopyFrom(group.group)
    rec.points.seq = 2**40
    rec.points.wall_times.first = 1.7e9
    rec.points.wall_times.delta_dtype = DType.UINT8
    rec.points.wall_times.delta_ms = b"\x00\x05"
    parts = points_payload_parts(0, [[b"\x01" * 16], [b"\x02" * 8]],
                                 group=group.group.SerializeToString(), seq=2**40,
                                 wall_times=rec.points.wall_times.SerializeToString())
    payload = b"".join(parts)
    assert payload == rec.SerializeToString()
    fast = parse_points_fast(memoryview(payload))
    assert fast.seq == 2**40 and bytes(fast.group) == group.group.SerializeToString()
    assert bytes(fast.wall_times) == rec.points.wall_times.SerializeToString()


def test_config_record_round_trips():
    from streamvis.proto import config_record

    rec = roundtrip(config_record("run", '{"lr": 0.1}', 7, seq=3, created_time=5.0))
    assert (rec.config.scope, rec.config.json, rec.config.writer_id) == ("run", '{"lr": 0.1}', 7)
    assert (rec.config.seq, rec.config.time) == (3, 5.0)


def test_parse_points_fast_agrees_with_protobuf():
    from streamvis.proto import parse_points_fast

    for gid, buffers in [(0, []), (5, [b""]), (2**64 - 1, [b"a" * 200, b"b" * 3])]:
        payload = memoryview(points_record(gid, buffers).SerializeToString())
        group_id, values, group, seq, wall = parse_points_fast(payload)
        assert (group, seq, wall) == (None, 0, None)
        assert group_id == gid and [bytes(v) for v in values] == buffers
    for other in (header_record(1, "s"), group_record(1, "s", "n", 0, []), tombstone_record("a")):
        assert parse_points_fast(memoryview(other.SerializeToString())) is None
    truncated = memoryview(points_record(3, [b"abc"]).SerializeToString())[:-1]
    assert parse_points_fast(truncated) is None
    assert parse_points_fast(memoryview(b"\x1a\x80")) is None
