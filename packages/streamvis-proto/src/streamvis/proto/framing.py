"""TFRecord framing with masked CRC-32C, and a resumable frame decoder.

A frame is ``uint64 length | uint32 masked_crc(length) | payload | uint32 masked_crc(payload)``,
all little-endian, exactly as TensorFlow's ``TFRecordWriter`` writes it, so a streamvis log can
be read by ``tf.data.TFRecordDataset``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import crc32c as _crc32c

__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "FRAME_OVERHEAD",
    "FrameDecoder",
    "encode_frame",
    "encode_frames",
    "frame_parts",
    "masked_crc32c",
]

_MASK_DELTA = 0xA282EAD8
_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_HEADER_BYTES = 12  # length + crc(length)
FRAME_OVERHEAD = 16  # header + trailing payload crc
DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024

_crc = _crc32c.crc32c
Buffer = bytes | bytearray | memoryview


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    """The CRC-32C of ``data``, masked the way TFRecord masks it."""
    crc = _crc(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def encode_frame(payload: bytes | bytearray | memoryview) -> bytes:
    """Frame one payload."""
    length = _LENGTH.pack(len(payload))
    return b"".join(
        (length, _CRC.pack(masked_crc32c(length)), payload, _CRC.pack(masked_crc32c(payload)))
    )


def frame_parts(parts: Sequence[Buffer]) -> list[Buffer]:
    """Frame one payload given as consecutive parts, without joining them.

    Returns ``[header, *parts, trailer]``; ``b"".join`` of the result is the frame. Lets a
    writer frame large value buffers with a single copy (the final join).
    """
    length = _LENGTH.pack(sum(len(p) for p in parts))
    crc = 0
    for part in parts:
        crc = _crc(part, crc)
    masked = (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF
    return [length + _CRC.pack(masked_crc32c(length)), *parts, _CRC.pack(masked)]


def encode_frames(payloads: Iterable[bytes | bytearray | memoryview]) -> bytes:
    """Frame several payloads into one contiguous byte string."""
    parts: list[bytes | bytearray | memoryview] = []
    for payload in payloads:
        length = _LENGTH.pack(len(payload))
        parts += (length, _CRC.pack(masked_crc32c(length)), payload,
                  _CRC.pack(masked_crc32c(payload)))
    return b"".join(parts)


class FrameDecoder:
    """Turns a byte stream, fed in arbitrary chunks, into complete frame payloads.

    ``feed`` returns every payload completed by the new bytes and holds back a partial tail.
    A bad length checksum, a length above ``max_record_bytes`` or a bad payload checksum is
    damage: the decoder steps forward one byte at a time until a valid frame starts again and
    counts the bytes it skipped in ``skipped_bytes``. It never returns a payload whose
    checksum does not match. ``finish`` declares the end of the stream: a partial tail is then
    damage too, and any valid frames inside it are still recovered.
    """

    def __init__(self, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        if max_record_bytes <= 0:
            raise ValueError(f"max_record_bytes must be positive, got {max_record_bytes!r}")
        self.max_record_bytes = max_record_bytes
        self.skipped_bytes = 0
        self.consumed_bytes = 0  # stream offset of the first byte still held back
        self._tail = b""

    @property
    def pending_bytes(self) -> int:
        """Bytes held back, waiting for the rest of a frame."""
        return len(self._tail)

    def feed(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        """Add bytes; return the payloads of all frames they complete, in order."""
        if not data:
            return []
        buf = self._tail + bytes(data) if self._tail else bytes(data)
        payloads, pos = self._scan(buf, final=False)
        self._tail = buf[pos:]
        self.consumed_bytes += pos
        return payloads

    def finish(self) -> list[memoryview]:
        """End of stream: recover what frames remain and count the rest as damage."""
        buf, self._tail = self._tail, b""
        payloads, pos = self._scan(buf, final=True)
        self.consumed_bytes += pos
        return payloads

    def _scan(self, buf: bytes, final: bool) -> tuple[list[memoryview], int]:
        view = memoryview(buf)
        size = len(buf)
        cap = self.max_record_bytes
        unpack_length = _LENGTH.unpack_from
        unpack_crc = _CRC.unpack_from
        payloads: list[memoryview] = []
        pos = 0
        while size - pos >= _HEADER_BYTES:
            (length,) = unpack_length(buf, pos)
            if length > cap or unpack_crc(buf, pos + 8)[0] != masked_crc32c(view[pos:pos + 8]):
                pos += 1
                self.skipped_bytes += 1
                continue
            end = pos + _HEADER_BYTES + length
            if end + 4 > size:
                if not final:
                    break  # a partial frame: wait for the rest
                pos += 1
                self.skipped_bytes += 1
                continue
            payload = view[pos + _HEADER_BYTES:end]
            if unpack_crc(buf, end)[0] != masked_crc32c(payload):
                pos += 1
                self.skipped_bytes += 1
                continue
            payloads.append(payload)
            pos = end + 4
        if final and pos < size:
            self.skipped_bytes += size - pos
            pos = size
        return payloads, pos
