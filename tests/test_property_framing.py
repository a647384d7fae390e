"""Laws: framing and Record encode/decode round-trip under any split of the byte stream."""

from hypothesis import given, settings
from hypothesis import strategies as st

from streamvis.proto import (
    FrameDecoder,
    encode_frames,
    group_record,
    header_record,
    parse_record,
    points_record,
    tombstone_record,
)

payloads = st.lists(st.binary(max_size=300), max_size=20)
u64 = st.integers(0, 2**64 - 1)
text = st.text(max_size=20)



def points_v2(group_id, values, group, seq, first, deltas):
    """A format-2 points record: group inline, a sequence number, wall times."""
    rec = points_record(group_id, values)
    rec.points.group.CopyFrom(group.group)
    rec.points.seq = seq
    if deltas:
        rec.points.wall_times.first = first
        rec.points.wall_times.delta_dtype = 7  # UINT16
        rec.points.wall_times.delta_ms = deltas
    return rec


groups = st.builds(group_record, u64, text, text, st.integers(0, 2**32 - 1),
                   st.lists(st.tuples(text, st.integers(1, 12)), max_size=4), u64)
records = st.one_of(
    st.builds(points_v2, u64, st.lists(st.binary(max_size=64), max_size=4), groups, u64,
              st.floats(allow_nan=False), st.binary(max_size=20)),
    st.builds(header_record, u64, text, st.floats(allow_nan=False)),
    st.builds(group_record, u64, text, text, st.integers(0, 2**32 - 1),
              st.lists(st.tuples(text, st.integers(1, 12)), max_size=4), u64),
    st.builds(points_record, u64, st.lists(st.binary(max_size=64), max_size=4)),
    st.builds(tombstone_record, text, text, st.floats(allow_nan=False)),
)


@settings(max_examples=200, deadline=None)
@given(payloads=payloads, cuts=st.lists(st.integers(0, 10_000), max_size=10))
def test_frames_round_trip_under_any_split(payloads, cuts):
    stream = encode_frames(payloads)
    bounds = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    decoder = FrameDecoder()
    out = []
    for start, end in zip(bounds, bounds[1:]):
        out += [bytes(p) for p in decoder.feed(stream[start:end])]
    out += [bytes(p) for p in decoder.finish()]
    assert out == payloads
    assert decoder.skipped_bytes == 0


@settings(max_examples=200, deadline=None)
@given(recs=st.lists(records, max_size=10), cut=st.integers(0, 10_000))
def test_records_round_trip_through_frames(recs, cut):
    stream = encode_frames([r.SerializeToString() for r in recs])
    cut %= len(stream) + 1
    decoder = FrameDecoder()
    out = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
    assert [parse_record(p) for p in out] == recs


@settings(max_examples=200, deadline=None)
@given(rec=records)
def test_fast_points_parser_agrees_with_protobuf(rec):
    from streamvis.proto import parse_points_fast

    fast = parse_points_fast(memoryview(rec.SerializeToString()))
    if rec.WhichOneof("kind") == "points":
        assert fast is not None
        assert fast.group_id == rec.points.group_id
        assert [bytes(v) for v in fast.values] == list(rec.points.values)
        assert fast.seq == rec.points.seq
        assert (bytes(fast.group) if fast.group is not None else None) == (
            rec.points.group.SerializeToString() if rec.points.HasField("group") else None)
        assert (bytes(fast.wall_times) if fast.wall_times is not None else None) == (
            rec.points.wall_times.SerializeToString()
            if rec.points.HasField("wall_times") else None)
    else:
        assert fast is None
