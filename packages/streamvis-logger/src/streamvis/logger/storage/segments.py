"""Segment names and compaction manifests: the object-store layout of a streamvis log.

A PATH on an object store is a prefix. Every flush is one immutable object under it, named
``<time_ns:019d>-<writer:016x>-<seq:08d>.seg``: fixed-width fields, so names sort in log order
(by the writer's clock, then writer, then sequence) and a reader can list "names after X"
with one request (S3 ``StartAfter``, GCS ``startOffset``).

A compacted segment is named ``<first leaf stem>.c<digest>.seg``: it sorts just before the
first segment it replaces. Its first frame is a manifest (not a ``Record``: its payload starts
with ``MANIFEST_MAGIC``) listing the leaf segments it holds and their byte ranges; the rest is
those segments' bytes, concatenated unchanged. Every frame stays TFRecord framing.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass

from streamvis.proto import encode_frames, masked_crc32c

__all__ = ["MANIFEST_MAGIC", "Manifest", "SEGMENT_RE", "compacted_name", "leaf_name",
           "name_time", "pack_compacted", "split_segment", "time_key"]

SEGMENT_RE = re.compile(r"^(\d{19})-([0-9a-f]{16})-(\d{8})(\.c[0-9a-f]{16})?\.seg$")
"""Names of segment objects; anything else under the prefix is ignored."""

MANIFEST_MAGIC = b"streamvis.manifest.v1\n"
"""First bytes of a manifest frame's payload (``s`` = protobuf field 14 start-group, which no
``Record`` ever begins with)."""


def leaf_name(time_ns: int, writer: int, seq: int) -> str:
    """The name of one flush's segment."""
    return f"{time_ns:019d}-{writer:016x}-{seq:08d}.seg"


def time_key(time_ns: int) -> str:
    """A string that sorts just before every segment named at or after ``time_ns``."""
    return f"{max(0, time_ns):019d}"


def name_time(name: str) -> int:
    """The writer's clock (ns) encoded in a segment name."""
    return int(name[:19])


def compacted_name(leaves: list[str]) -> str:
    """Deterministic name for the compaction of ``leaves`` (sorted): sorts before the first."""
    digest = hashlib.sha256("\n".join(leaves).encode()).hexdigest()[:16]
    return f"{leaves[0][:-len('.seg')]}.c{digest}.seg"


@dataclass(frozen=True)
class Manifest:
    """Which leaf segments a compacted segment holds: (name, offset, length) after the header."""

    leaves: tuple[tuple[str, int, int], ...]


def pack_compacted(parts: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """(name, bytes) of one compacted segment holding ``parts`` (leaf name, leaf bytes), which
    may themselves be compacted segments (their leaves are carried over)."""
    leaves: dict[str, bytes] = {}  # a leaf held twice (an interrupted compaction) is kept once
    for name, data in parts:
        manifest, body = split_segment(data)
        if manifest is None:
            leaves.setdefault(name, data)
        else:
            for leaf, off, n in manifest.leaves:
                leaves.setdefault(leaf, body[off:off + n])
    entries, offset = [], 0
    ordered = sorted(leaves.items())  # leaf names sort in log order
    for leaf, data in ordered:
        entries.append([leaf, offset, len(data)])
        offset += len(data)
    head = encode_frames([MANIFEST_MAGIC + json.dumps({"leaves": entries}).encode()])
    return compacted_name([n for n, _ in ordered]), head + b"".join(d for _, d in ordered)


def split_segment(data: bytes) -> tuple[Manifest | None, bytes]:
    """(manifest, body) of a compacted segment; (None, data) for a plain one."""
    if data[12:12 + len(MANIFEST_MAGIC)] != MANIFEST_MAGIC:
        return None, data
    (length,) = struct.unpack_from("<Q", data, 0)
    end = 12 + length
    if (len(data) < end + 4 or struct.unpack_from("<I", data, 8)[0] != masked_crc32c(data[:8])
            or struct.unpack_from("<I", data, end)[0] != masked_crc32c(data[12:end])):
        return None, data
    try:
        raw = json.loads(data[12 + len(MANIFEST_MAGIC):end])
        leaves = tuple((str(n), int(o), int(ln)) for n, o, ln in raw["leaves"])
    except (ValueError, KeyError, TypeError):
        return None, data
    return Manifest(leaves), data[end + 4:]
