"""Build and parse ``Record`` messages; the wire dtype table."""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from typing import NamedTuple

from google.protobuf.message import DecodeError

from streamvis.proto import data_pb2 as pb

__all__ = [
    "FORMAT_VERSION",
    "PointsView",
    "config_record",
    "MAGIC",
    "DecodeError",
    "DTYPE_CODES",
    "DTYPE_STRINGS",
    "group_record",
    "header_record",
    "parse_record",
    "parse_points_fast",
    "points_payload_parts",
    "points_record",
    "tombstone_record",
]

MAGIC = "streamvis"
_FIXED64 = struct.Struct("<Q")
Buffer = bytes | bytearray | memoryview
FORMAT_VERSION = 2

# Wire dtype code <-> numpy dtype string (little-endian), so that readers in any language, and
# numpy via ``numpy.dtype(DTYPE_STRINGS[code])``, agree on the bytes.
DTYPE_STRINGS: dict[int, str] = {
    pb.BOOL: "|b1",
    pb.INT8: "|i1",
    pb.INT16: "<i2",
    pb.INT32: "<i4",
    pb.INT64: "<i8",
    pb.UINT8: "|u1",
    pb.UINT16: "<u2",
    pb.UINT32: "<u4",
    pb.UINT64: "<u8",
    pb.FLOAT16: "<f2",
    pb.FLOAT32: "<f4",
    pb.FLOAT64: "<f8",
}
DTYPE_CODES: dict[str, int] = {text: code for code, text in DTYPE_STRINGS.items()}


def header_record(writer_id: int, scope: str = "", created_time: float | None = None) -> pb.Record:
    """The record that starts every file or segment a writer produces."""
    rec = pb.Record()
    h = rec.header
    h.magic = MAGIC
    h.format_version = FORMAT_VERSION
    h.writer_id = writer_id
    h.created_time = time.time() if created_time is None else created_time
    h.scope = scope
    return rec


def group_record(group_id: int, scope: str, name: str, index: int,
                 fields: Sequence[tuple[str, int]], writer_id: int = 0) -> pb.Record:
    """Declare ``group_id`` as (scope, name, index) with ordered (field, DType) pairs."""
    rec = pb.Record()
    g = rec.group
    g.id = group_id
    g.scope = scope
    g.name = name
    g.index = index
    g.writer_id = writer_id
    for field_name, dtype in fields:
        g.fields.add(name=field_name, dtype=dtype)
    return rec


def points_record(group_id: int, buffers: Sequence[bytes]) -> pb.Record:
    """A batch of points for ``group_id``: one little-endian buffer per field, equal counts."""
    rec = pb.Record()
    p = rec.points
    p.group_id = group_id
    p.values.extend(buffers)
    return rec


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def points_payload_parts(group_id: int, fields: Sequence[Sequence[Buffer]], *,
                         group: bytes = b"", seq: int = 0, wall_times: bytes = b"") -> list[Buffer]:
    """The serialized ``Record{points: Points{...}}`` as a list of parts.

    ``fields`` holds, per field, the consecutive little-endian buffers that make up its value
    buffer (any objects supporting the buffer protocol, e.g. contiguous numpy arrays).
    ``group`` and ``wall_times`` are serialized ``Group`` and ``WallTimes`` messages (format 2),
    ``seq`` the writer's record number. The bytes are exactly what ``SerializeToString`` of
    the equivalent message produces, but the value buffers are referenced, not copied, so
    large batches cost one copy when framed and joined.
    """
    body: list[Buffer] = []
    size = 0
    if group_id:
        head = b"\x09" + _FIXED64.pack(group_id)  # field 1, fixed64
        body.append(head)
        size += len(head)
    for parts in fields:
        views = [memoryview(p).cast("B") for p in parts]
        length = sum(v.nbytes for v in views)
        head = b"\x12" + _varint(length)  # field 2, length-delimited
        body.append(head)
        body.extend(views)
        size += len(head) + length
    tail = b""
    if group:
        tail += b"\x1a" + _varint(len(group)) + group  # field 3, length-delimited
    if seq:
        tail += b"\x20" + _varint(seq)  # field 4, varint
    if wall_times:
        tail += b"\x2a" + _varint(len(wall_times)) + wall_times  # field 5, length-delimited
    if tail:
        body.append(tail)
        size += len(tail)
    return [b"\x1a" + _varint(size), *body]  # Record field 3 (points), length-delimited


def _read_varint(view: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = view[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


class PointsView(NamedTuple):
    """A points record parsed without copying: every buffer is a slice of the payload."""

    group_id: int
    values: list[memoryview]
    group: memoryview | None = None       # serialized Group (format 2)
    seq: int = 0                          # the writer's record number (format 2; 0: none)
    wall_times: memoryview | None = None  # serialized WallTimes (format 2)


def parse_points_fast(payload: memoryview) -> PointsView | None:
    """Zero-copy parse of a canonically encoded points Record.

    Returns ``None`` for anything else (another record kind, unknown fields, non-canonical
    encoding): parse those with ``parse_record``.
    """
    try:
        if not payload or payload[0] != 0x1A:
            return None
        size, pos = _read_varint(payload, 1)
        end = len(payload)
        if pos + size != end:
            return None
        group_id = seq = 0
        group = wall = None
        values: list[memoryview] = []
        if pos < end and payload[pos] == 0x09:
            if pos + 9 > end:
                return None
            (group_id,) = _FIXED64.unpack_from(payload, pos + 1)
            pos += 9
        while pos < end:
            tag = payload[pos]
            if tag == 0x20:
                seq, pos = _read_varint(payload, pos + 1)
                continue
            if tag != 0x12 and tag != 0x1A and tag != 0x2A:
                return None
            length, pos = _read_varint(payload, pos + 1)
            if pos + length > end:
                return None
            if tag == 0x12:
                values.append(payload[pos:pos + length])
            elif tag == 0x1A:
                group = payload[pos:pos + length]
            else:
                wall = payload[pos:pos + length]
            pos += length
        if pos != end:
            return None
        return PointsView(group_id, values, group, seq, wall)
    except (IndexError, ValueError):
        return None


def config_record(scope: str, config_json: str, writer_id: int, seq: int = 0,
                  created_time: float | None = None) -> pb.Record:
    """A ``Config`` record: a JSON object merged into ``scope``'s run config."""
    rec = pb.Record()
    c = rec.config
    c.scope = scope
    c.json = config_json
    c.writer_id = writer_id
    c.seq = seq
    c.time = time.time() if created_time is None else created_time
    return rec


def tombstone_record(scope_pattern: str, name_pattern: str = "",
                     created_time: float | None = None) -> pb.Record:
    """A ``Control`` record hiding matching series written before it."""
    rec = pb.Record()
    t = rec.control.tombstone
    t.scope_pattern = scope_pattern
    t.name_pattern = name_pattern
    t.created_time = time.time() if created_time is None else created_time
    return rec


def parse_record(payload: bytes | memoryview) -> pb.Record:
    """Parse one frame payload; raises ``DecodeError`` when it is not a Record."""
    rec = pb.Record()
    rec.ParseFromString(payload)
    return rec
