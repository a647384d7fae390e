"""Which format a PATH holds, from its first bytes.

Rules, in order (local paths only; ``s3://``, ``gs://`` and other remote PATHs are taken to be
streamvis logs, since legacy logs are converted locally):

1. **streamvis**: the first 12 bytes are a TFRecord frame header, i.e. bytes 8..11 are the
   masked CRC-32C of bytes 0..7. Arbitrary bytes pass with probability 2**-32.
2. **v1.0 pair**: PATH is ``PREFIX``, ``PREFIX.idx`` or ``PREFIX.log`` where ``PREFIX.idx``
   exists, its first record has a v1.0 index kind (0-3 or 6) and a payload that is valid
   protobuf, and ``PREFIX.log`` is empty or starts with kind 4 or 5.
3. **seed**: the first byte is a seed kind (0 Group, 1 Points, 2 Control), bytes 1..4 a
   big-endian length of at most 1 MiB, and the whole first record parses as that kind: valid
   protobuf wire format throughout, only that kind's field numbers and wire types, and for a
   Group a name and at least one field of type FLOAT or INT. Random bytes pass the first two
   checks with a probability of about 3/256 * 1/4096 (about 2**-18.5) and the parse only
   rarely; binary files that start with zero bytes are the likeliest false match, and files of
   zeros are refused (an empty Group has no name). Text files never match (their first byte
   is printable). A seed file whose first 12 bytes also form a TFRecord header (2**-32) would
   be taken as ours.

A file that matches none of these but holds an intact streamvis frame (both CRCs) in its first
MiB is a streamvis log with a damaged start, read as such (its reader skips the damage).
A missing or empty file, or one too short to tell (under 12 bytes, or a first seed record
still incomplete), is ``PENDING``: a writer may be mid-append. Anything else is refused with
``NotAStreamvisLog`` ("not a streamvis log: first bytes ...").
"""

from __future__ import annotations

import os
import struct

from streamvis.logger.legacy.reader import local_path
from streamvis.logger.legacy.seed import parse_control, parse_points, parse_seed_group
from streamvis.logger.legacy.wire import FRAME_HEADER, WireError, fields_of
from streamvis.logger.storage import StorageError, scheme_of
from streamvis.proto import FrameDecoder, masked_crc32c

__all__ = ["PENDING", "SEED", "STREAMVIS", "V1", "NotAStreamvisLog", "detect_format",
           "first_bytes_error"]

STREAMVIS = "streamvis"
SEED = "seed"
V1 = "v1.0"
PENDING = "pending"

_HEAD_BYTES = 1024 * 1024 + FRAME_HEADER
_MAX_FIRST_RECORD = 1024 * 1024
_DAMAGE_SCAN_BYTES = 1024 * 1024
_V1_INDEX_KINDS = (0, 1, 2, 3, 6)
_V1_LOG_KINDS = (4, 5)


class NotAStreamvisLog(StorageError):
    """A PATH whose bytes are neither a streamvis log nor a known legacy streamvis log."""


def first_bytes_error(path: str, head: bytes) -> NotAStreamvisLog:
    shown = head[:16].hex(" ") + (" ..." if len(head) > 16 else "")
    return NotAStreamvisLog(
        f"not a streamvis log: first bytes {shown} of {path!r} are neither a streamvis log "
        "(TFRecord frames) nor a log of the original streamvis (seed format, or the v1.0 "
        "pair PREFIX.idx + PREFIX.log)")


def _head(path: str, size: int = _HEAD_BYTES) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except (FileNotFoundError, IsADirectoryError):
        return b""
    except OSError as err:
        raise StorageError(f"cannot read log {path!r}: {err.strerror}") from err


def is_streamvis_head(head: bytes) -> bool:
    """Whether ``head`` starts with a TFRecord frame header (length and its masked CRC)."""
    return len(head) >= 12 and masked_crc32c(head[:8]) == struct.unpack_from("<I", head, 8)[0]


def _holds_a_streamvis_frame(data: bytes) -> bool:
    """Whether an intact frame (both CRCs right: a chance match is 1 in 2**64) lies in
    ``data``. Runs only for files about to be refused (about 0.2 s per MiB)."""
    return bool(FrameDecoder().feed(data))


def _seed_verdict(head: bytes) -> str | None:
    """SEED, PENDING (first record incomplete) or None (not the seed format)."""
    if len(head) < FRAME_HEADER or head[0] > 2:
        return None
    (length,) = struct.unpack_from(">I", head, 1)
    if length > _MAX_FIRST_RECORD:
        return None
    if len(head) < FRAME_HEADER + length:
        return PENDING
    payload = memoryview(head)[FRAME_HEADER:FRAME_HEADER + length]
    try:
        if head[0] == 0:
            parse_seed_group(payload)
        elif head[0] == 1:
            if not parse_points(payload)[1]:
                return None
        elif not parse_control(payload)[0]:
            return None
    except WireError:
        return None
    return SEED


def _is_v1_index(head: bytes) -> bool:
    if len(head) < FRAME_HEADER or head[0] not in _V1_INDEX_KINDS:
        return False
    (length,) = struct.unpack_from(">I", head, 1)
    if length > _MAX_FIRST_RECORD or len(head) < FRAME_HEADER + length:
        return False
    try:
        for _ in fields_of(memoryview(head)[FRAME_HEADER:FRAME_HEADER + length]):
            pass
    except WireError:
        return False
    return True


def _v1_verdict(local: str) -> str | None:
    prefix = local[:-4] if local.endswith((".idx", ".log")) else local
    idx, log = prefix + ".idx", prefix + ".log"
    if not os.path.isfile(idx) or (local != prefix and not os.path.exists(log)
                                   and not os.path.exists(local)):
        return None
    if local == prefix and os.path.exists(local):
        return None  # PATH itself is a file: judge its own bytes
    head = _head(idx, 64 * 1024)
    if not head:
        return PENDING
    if not _is_v1_index(head):
        return None
    log_head = _head(log, 1)
    if log_head and log_head[0] not in _V1_LOG_KINDS:
        return None
    return V1


def detect_format(path: str) -> str:
    """``STREAMVIS``, ``SEED``, ``V1`` or ``PENDING`` for the log at PATH; raises
    ``NotAStreamvisLog`` for a file that is none of these (see the module's rules)."""
    if scheme_of(path) not in ("", "file"):
        return STREAMVIS
    local = local_path(path)
    if os.path.isdir(local):
        return STREAMVIS  # the streamvis reader reports what is wrong with a directory
    verdict = _v1_verdict(local)
    if verdict is not None:
        return verdict
    head = _head(local, 4096)
    if not head:
        return PENDING
    if is_streamvis_head(head):
        return STREAMVIS
    verdict = _seed_verdict(head)
    if verdict == PENDING and len(head) == 4096:  # a first record longer than 4 KiB
        head = _head(local)
        verdict = _seed_verdict(head)
    if verdict is not None:
        return verdict
    if len(head) < 12:
        return PENDING
    if _holds_a_streamvis_frame(_head(local, _DAMAGE_SCAN_BYTES)):
        return STREAMVIS  # a streamvis log whose start is damaged: its reader skips that
    raise first_bytes_error(path, head)
