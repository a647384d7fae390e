"""TFRecord framing with masked CRC-32C, and a resumable frame decoder.

A frame is ``uint64 length | uint32 masked_crc(length) | payload | uint32 masked_crc(payload)``,
all little-endian, exactly as TensorFlow's ``TFRecordWriter`` writes it, so a streamvis log can
be read by ``tf.data.TFRecordDataset``.
"""

from __future__ import annotations

import logging
import re
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
_log = logging.getLogger(__name__)
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
    damage: the decoder moves to the next position where a frame could start (found with
    numpy, so zero-filled or junk regions are skipped at close to read speed) and counts the
    bytes it skipped in ``skipped_bytes``. It never returns a payload whose checksum does not
    match. A frame whose length checksum holds but whose length is over the cap is counted in
    ``oversized_frames`` and logged.

    A partial frame at the end of the bytes fed so far is held back, unless a complete valid
    frame starts after it: then it was torn (its writer died, or storage cut the write) and
    is skipped as damage, so a tailer resynchronises at once instead of waiting for as many
    bytes as the torn header claimed. (The risk: a frame still being written whose payload
    itself contains a complete, checksummed frame is taken for torn; only logging TFRecord
    bytes as values can do that.) ``finish`` declares the end of the stream: a partial tail
    is then damage too, and any valid frames inside it are still recovered.
    """

    def __init__(self, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        if max_record_bytes <= 0:
            raise ValueError(f"max_record_bytes must be positive, got {max_record_bytes!r}")
        self.max_record_bytes = max_record_bytes
        self.skipped_bytes = 0
        self.oversized_frames = 0
        self.consumed_bytes = 0  # stream offset of the first byte still held back
        self._tail = b""
        self._resync_from = 0   # stream offset: positions before it hold no complete frame

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

    def _frame_at(self, buf: bytes, view: memoryview, pos: int) -> int:
        """What starts at ``pos``: the frame's end (> 0), 0 for no frame, -1 for a frame whose
        header is valid but whose bytes are not all here yet."""
        (length,) = _LENGTH.unpack_from(buf, pos)
        if _CRC.unpack_from(buf, pos + 8)[0] != masked_crc32c(view[pos:pos + 8]):
            return 0
        if length > self.max_record_bytes:
            self.oversized_frames += 1
            _log.warning("skipped a frame of %d bytes at stream offset %d: over this reader's "
                         "cap of %d bytes per record", length, self.consumed_bytes + pos,
                         self.max_record_bytes)
            return 0
        end = pos + _HEADER_BYTES + length
        if end + 4 > len(buf):
            return -1
        if _CRC.unpack_from(buf, end)[0] != masked_crc32c(view[pos + _HEADER_BYTES:end]):
            return 0
        return end + 4

    def _scan(self, buf: bytes, final: bool) -> tuple[list[memoryview], int]:
        view = memoryview(buf)
        size = len(buf)
        payloads: list[memoryview] = []
        pos = 0
        while size - pos >= _HEADER_BYTES:
            end = self._frame_at(buf, view, pos)
            if end > 0:
                payloads.append(view[pos + _HEADER_BYTES:end - 4])
                pos = end
                continue
            if end < 0 and not final:  # a partial frame: wait for it, unless it was torn
                resync = self._resync(buf, view, pos)
                if resync < 0:
                    break
                self.skipped_bytes += resync - pos
                pos = resync
                continue
            nxt = _next_candidate(buf, pos + 1, self.max_record_bytes)
            self.skipped_bytes += nxt - pos
            pos = nxt
        if final and pos < size:
            self.skipped_bytes += size - pos
            pos = size
        return payloads, pos

    def _resync(self, buf: bytes, view: memoryview, pos: int) -> int:
        """The start of the first complete valid frame after the partial one at ``pos``, or -1.
        Remembers how far it looked, so each byte is examined once however often it is fed."""
        base = self.consumed_bytes
        start = max(pos + 1, self._resync_from - base)
        waiting = -1  # first later frame that is itself still partial: look again from there
        while True:
            cand = _next_candidate(buf, start, self.max_record_bytes)
            if len(buf) - cand < _HEADER_BYTES:
                self._resync_from = base + (cand if waiting < 0 else waiting)
                return -1
            end = self._frame_at(buf, view, cand)
            if end > 0:
                self._resync_from = 0
                return cand
            if end < 0 and waiting < 0:
                waiting = cand
            start = cand + 1


_NONZERO = re.compile(rb"[^\x00]")
_CANDIDATES: dict[int, re.Pattern[bytes]] = {}


def _candidate_pattern(cap: int) -> re.Pattern[bytes]:
    """A regex matching (zero-width) where an 8-byte little-endian length could be <= ``cap``:
    its high bytes are zero and its top significant byte is small enough."""
    pattern = _CANDIDATES.get(cap)
    if pattern is None:
        width = max(1, (cap.bit_length() + 7) // 8)
        if width >= 8:
            pattern = re.compile(rb"(?s)(?=.{8})")
        else:
            top = cap >> (8 * (width - 1))
            pattern = re.compile(b"(?s)(?=.{%d}[\\x00-\\x%02x]\\x00{%d})"
                                 % (width - 1, top, 8 - width))
        pattern = _CANDIDATES.setdefault(cap, pattern)
    return pattern


def _next_candidate(buf: bytes, start: int, cap: int) -> int:
    """The first position >= ``start`` where a frame header could begin: its length may be at
    most ``cap`` and its 12 header bytes are not all zero (a zero length's checksum is not
    zero). Returns ``len(buf) - 11`` (or ``start``, if later) when no position with a whole
    header after it qualifies. Runs in the regex engine, so zero-filled and junk regions are
    skipped at close to read speed."""
    last = len(buf) - _HEADER_BYTES  # last position with a whole header after it
    search = _candidate_pattern(cap).search
    pos = start
    while pos <= last:
        match = search(buf, pos, last + 8)
        if match is None:
            break
        pos = match.start()
        if any(buf[pos:pos + _HEADER_BYTES]):
            return pos
        nonzero = _NONZERO.search(buf, pos)  # a zero run: jump to where it ends
        if nonzero is None:
            break
        pos = max(pos + 1, nonzero.start() - _HEADER_BYTES + 1)
    return max(start, last + 1)
