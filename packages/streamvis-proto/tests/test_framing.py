"""Framing: exact TFRecord bytes, resumable decoding, damage handling."""

import struct

import pytest

from streamvis.proto import FRAME_OVERHEAD, FrameDecoder, encode_frame, encode_frames, masked_crc32c


def test_crc32c_check_value_and_mask():
    import crc32c

    assert crc32c.crc32c(b"123456789") == 0xE3069283
    crc = 0xE3069283
    assert masked_crc32c(b"123456789") == (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_frame_layout_is_little_endian_tfrecord():
    frame = encode_frame(b"hello")
    assert len(frame) == FRAME_OVERHEAD + 5
    (length,) = struct.unpack_from("<Q", frame, 0)
    assert length == 5
    assert struct.unpack_from("<I", frame, 8)[0] == masked_crc32c(frame[:8])
    assert frame[12:17] == b"hello"
    assert struct.unpack_from("<I", frame, 17)[0] == masked_crc32c(b"hello")
    assert encode_frames([b"a", b"bc"]) == encode_frame(b"a") + encode_frame(b"bc")


def test_decoder_holds_back_partial_tail_byte_by_byte():
    payloads = [b"", b"x", b"abc" * 100]
    stream = encode_frames(payloads)
    decoder = FrameDecoder()
    out = []
    for i in range(len(stream)):
        out += [bytes(p) for p in decoder.feed(stream[i:i + 1])]
    assert out == payloads
    assert decoder.skipped_bytes == 0 and decoder.pending_bytes == 0
    assert decoder.consumed_bytes == len(stream)


def test_partial_tail_is_damage_only_at_finish():
    stream = encode_frames([b"one", b"two"])
    decoder = FrameDecoder()
    assert [bytes(p) for p in decoder.feed(stream[:-3])] == [b"one"]
    assert decoder.skipped_bytes == 0
    assert decoder.pending_bytes == len(encode_frame(b"two")) - 3
    assert decoder.finish() == []
    assert decoder.skipped_bytes == len(encode_frame(b"two")) - 3


def test_resynchronises_after_garbage_and_counts_it():
    garbage = b"\xff" * 37
    stream = encode_frame(b"a") + garbage + encode_frame(b"b")
    decoder = FrameDecoder()
    assert [bytes(p) for p in decoder.feed(stream)] == [b"a", b"b"]
    assert decoder.skipped_bytes == len(garbage)


def test_corrupt_payload_is_skipped_not_returned():
    good = encode_frame(b"payload-1")
    bad = bytearray(encode_frame(b"payload-2"))
    bad[14] ^= 0x01
    decoder = FrameDecoder()
    out = [bytes(p) for p in decoder.feed(good + bytes(bad) + good)]
    out += [bytes(p) for p in decoder.finish()]
    assert out == [b"payload-1", b"payload-1"]
    assert decoder.skipped_bytes == len(bad)


def test_oversized_record_is_damage():
    decoder = FrameDecoder(max_record_bytes=10)
    out = [bytes(p) for p in decoder.feed(encode_frame(b"y" * 11) + encode_frame(b"ok"))]
    assert out == [b"ok"]
    assert decoder.skipped_bytes == FRAME_OVERHEAD + 11


def test_max_record_bytes_must_be_positive():
    with pytest.raises(ValueError, match="max_record_bytes"):
        FrameDecoder(max_record_bytes=0)


def test_frame_parts_equals_framing_the_joined_payload():
    from streamvis.proto import frame_parts

    parts = [b"ab", memoryview(b"cde"), bytearray(b""), b"f" * 1000]
    assert b"".join(frame_parts(parts)) == encode_frame(b"ab" + b"cde" + b"f" * 1000)
    assert b"".join(frame_parts([])) == encode_frame(b"")
