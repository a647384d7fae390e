"""Merge many small segments of an object-store log into fewer large ones, safely online.

Protocol (readers and writers keep running throughout):

1. List the prefix. Only segments named more than ``min_age`` seconds ago are candidates
   (names sort by time, so they are a prefix of the listing): live writers only ever create
   new, later names, and tailing readers have long since read them.
2. Take consecutive candidates until ``target_bytes`` and write ONE compacted segment,
   create-only, whose first frame is a manifest naming every leaf segment it holds and its
   byte range (``segments.pack_compacted``). Its name is derived from its leaves, so two
   compactors racing produce the same name and the second put fails harmlessly; it sorts just
   before its first leaf, i.e. outside tailing readers' recent-listing window.
3. Wait ``grace`` seconds (so a listing that was paging while the put happened has finished),
   then delete the originals.

Why readers never lose or double-count a point: a reader remembers every segment name it has
read. Reading a compacted segment marks all its leaves as read and yields only the byte ranges
of leaves it had not read yet; a leaf object listed later is then skipped. A listed segment
that vanished before it was read makes the reader re-list the whole prefix next poll, which
finds the compacted segment. If compaction dies between steps 2 and 3, both copies stay
visible, which readers handle the same way; the next run re-merges them, each leaf once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from streamvis.logger.storage.base import StorageError
from streamvis.logger.storage.registry import BACKEND_ENV, scheme_of
from streamvis.logger.storage.segmented import ObjectFs
from streamvis.logger.storage.segments import SEGMENT_RE, name_time, pack_compacted

__all__ = ["CompactStats", "compact", "open_objects"]


@dataclass
class CompactStats:
    """What a compaction run did."""

    segments_before: int = 0
    candidates: int = 0         # segments old enough to merge (named before now - min_age)
    merged_inputs: int = 0      # segments read and merged
    outputs: int = 0            # compacted segments written (a dry run: would write)
    deleted: int = 0            # originals removed
    bytes_merged: int = 0


def open_objects(path: str, backend: str | None = None) -> ObjectFs:
    """The object-store view of a segmented PATH; ``StorageError`` for a local one-file log."""
    backend = backend or os.environ.get(BACKEND_ENV) or None
    scheme = scheme_of(path)
    if scheme in ("", "file"):
        raise StorageError(f"PATH {path!r} is a local one-file log; compaction applies to "
                           "object-store PATHs (s3://, gs://, hdfs://, memory://)")
    if backend == "gfile":
        from streamvis.logger.storage.gfile import GfileObjects
        return GfileObjects(path)
    from streamvis.logger.storage.objectstore import FsspecObjects
    return FsspecObjects(path)


def _groups(objects: ObjectFs, names: list[str], target_bytes: int):
    """Consecutive runs of ``names`` with their bytes, each about ``target_bytes``."""
    group: list[tuple[str, bytes]] = []
    size = 0
    for start in range(0, len(names), 256):
        batch = names[start:start + 256]
        got = objects.get_many(batch)
        for name in batch:
            data = got.get(name)
            if isinstance(data, FileNotFoundError) or data is None:
                # Gone (another compactor): end the run here so runs stay consecutive.
                if len(group) > 1:
                    yield group
                group, size = [], 0
                continue
            if isinstance(data, BaseException):
                raise StorageError(f"cannot read segment {objects.url}/{name}: {data}") from data
            group.append((name, data))
            size += len(data)
            if size >= target_bytes:
                if len(group) > 1:
                    yield group
                group, size = [], 0
    if len(group) > 1:
        yield group


def compact(path: str, *, target_bytes: int = 64 * 1024 * 1024, min_age: float = 600.0,
            grace: float = 10.0, backend: str | None = None, dry_run: bool = False,
            progress: Callable[[CompactStats], None] | None = None) -> CompactStats:
    """Merge the segments of ``path`` older than ``min_age`` seconds into segments of about
    ``target_bytes``; see the module docstring for why this is safe while the log is live.

    ``progress`` is called with the running ``CompactStats`` after the listing and after
    each compacted segment is written. ``dry_run`` reads and packs but writes nothing."""
    if target_bytes < 1:
        raise ValueError(f"target_bytes must be >= 1, got {target_bytes!r}")
    if min_age < 0 or grace < 0:
        raise ValueError(f"min_age and grace must be >= 0 seconds, got {min_age!r}, {grace!r}")
    objects = open_objects(path, backend)
    stats = CompactStats()
    try:
        names = sorted(n for n in objects.list_names(None) if SEGMENT_RE.match(n))
    except FileNotFoundError:
        names = []
    stats.segments_before = len(names)
    cutoff = time.time_ns() - int(min_age * 1e9)
    candidates = [n for n in names if name_time(n) < cutoff]
    stats.candidates = len(candidates)
    if progress is not None:
        progress(stats)
    originals: list[str] = []
    for group in _groups(objects, candidates, target_bytes):
        name, data = pack_compacted(group)
        stats.merged_inputs += len(group)
        stats.bytes_merged += len(data)
        if dry_run:
            stats.outputs += 1
            if progress is not None:
                progress(stats)
            continue
        try:
            objects.put_new(name, data)
        except FileExistsError:
            pass  # the same leaves were merged already (a concurrent or interrupted run)
        except Exception as err:
            raise StorageError(f"cannot write compacted segment {objects.url}/{name}: {err}") \
                from err
        stats.outputs += 1
        originals += [n for n, _ in group if n != name]
        if progress is not None:
            progress(stats)
    if originals:
        time.sleep(grace)
        objects.delete(originals)
        stats.deleted = len(originals)
    return stats
