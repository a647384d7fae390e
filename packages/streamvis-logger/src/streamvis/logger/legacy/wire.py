"""The protobuf wire format and the ``kind:u8 | length:u32 BE | payload`` framing of the
original streamvis, decoded by hand (no generated classes: the legacy schemas are not ours).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "FRAME_HEADER",
    "MAX_LEGACY_RECORD",
    "WireError",
    "decode_struct",
    "decode_values",
    "fields_of",
    "next_frame",
]

FRAME_HEADER = 5
"""Bytes before each payload: the kind byte and the big-endian length."""

MAX_LEGACY_RECORD = 64 * 1024 * 1024
"""A length above this is taken as damage, not as a record to wait for."""

_LENGTH = struct.Struct(">I")
_DOUBLE = struct.Struct("<d")


class WireError(ValueError):
    """Bytes that are not a valid protobuf message of the expected shape."""


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise WireError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError("varint longer than 10 bytes")


def fields_of(payload: bytes | memoryview) -> Iterator[tuple[int, int, Any]]:
    """``(field number, wire type, value)`` of each field: an int for varint and fixed types,
    a memoryview for length-delimited ones. ``WireError`` on malformed bytes."""
    buf = memoryview(payload)
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wiretype = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wiretype == 0:
            value, pos = _varint(buf, pos)
        elif wiretype == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise WireError("length-delimited field runs past the end")
            value, pos = buf[pos:pos + length], pos + length
        elif wiretype == 5:
            if pos + 4 > end:
                raise WireError("truncated fixed32")
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        elif wiretype == 1:
            if pos + 8 > end:
                raise WireError("truncated fixed64")
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        else:
            raise WireError(f"unsupported wire type {wiretype}")
        yield number, wiretype, value


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _packed_varints(blob: memoryview) -> list[int]:
    out, pos = [], 0
    while pos < len(blob):
        value, pos = _varint(blob, pos)
        out.append(_int32(value))
    return out


def decode_values(payload: memoryview) -> np.ndarray:
    """A legacy ``Values`` message (oneof 2 floats / 3 ints) as float32 or int32 values."""
    floats: list[bytes] = []
    ints: list[int] = []
    kind = None
    for number, wiretype, value in fields_of(payload):
        if wiretype != 2 or number not in (2, 3):
            continue
        kind = number  # a oneof: the last one present wins
        floats, ints = [], []
        for inner, inner_type, item in fields_of(value):
            if inner != 1:
                continue
            if number == 2:
                if inner_type == 2:
                    if len(item) % 4:
                        raise WireError(f"packed floats of {len(item)} bytes")
                    floats.append(bytes(item))
                elif inner_type == 5:
                    floats.append(item.to_bytes(4, "little"))
                else:
                    raise WireError(f"float values with wire type {inner_type}")
            elif inner_type == 2:
                ints.extend(_packed_varints(item))
            elif inner_type == 0:
                ints.append(_int32(item))
            else:
                raise WireError(f"int values with wire type {inner_type}")
    if kind == 3:
        return np.array(ints, dtype="<i4")
    if kind is None:
        raise WireError("Values holds neither floats nor ints")
    return np.frombuffer(b"".join(floats), dtype="<f4")


def _decode_value(payload: memoryview) -> Any:
    value: Any = None
    for number, wiretype, item in fields_of(payload):
        if number == 1:
            value = None
        elif number == 2 and wiretype == 1:
            value = _DOUBLE.unpack(item.to_bytes(8, "little"))[0]
        elif number == 3 and wiretype == 2:
            value = bytes(item).decode("utf-8", "replace")
        elif number == 4 and wiretype == 0:
            value = bool(item)
        elif number == 5 and wiretype == 2:
            value = decode_struct(item)
        elif number == 6 and wiretype == 2:
            value = [_decode_value(v) for n, t, v in fields_of(item) if n == 1 and t == 2]
    return value


def decode_struct(payload: memoryview) -> dict[str, Any]:
    """A ``google.protobuf.Struct`` as a dict (numbers are floats, as stored)."""
    out: dict[str, Any] = {}
    for number, wiretype, entry in fields_of(payload):
        if number != 1 or wiretype != 2:
            continue
        key, value = "", None
        for inner, inner_type, item in fields_of(entry):
            if inner == 1 and inner_type == 2:
                key = bytes(item).decode("utf-8", "replace")
            elif inner == 2 and inner_type == 2:
                value = _decode_value(item)
        out[key] = value
    return out


def next_frame(buf: bytes | bytearray | memoryview, pos: int
               ) -> tuple[int, memoryview, int] | None:
    """``(kind, payload, next position)`` of the frame at ``pos``, or ``None`` while it is
    incomplete. ``WireError`` if its length exceeds ``MAX_LEGACY_RECORD``."""
    if len(buf) - pos < FRAME_HEADER:
        return None
    kind = buf[pos]
    (length,) = _LENGTH.unpack_from(buf, pos + 1)
    if length > MAX_LEGACY_RECORD:
        raise WireError(f"record length {length} exceeds {MAX_LEGACY_RECORD}")
    end = pos + FRAME_HEADER + length
    if end > len(buf):
        return None
    return kind, memoryview(buf)[pos + FRAME_HEADER:end], end
