"""``streamvis compact PATH``: merge an object-store log's many small segments into few."""

from __future__ import annotations

import argparse
import os
import sys

from streamvis.cli.errors import CliError
from streamvis.cli.progress import Progress
from streamvis.cli.table import format_bytes
from streamvis.logger.storage import scheme_of
from streamvis.logger.storage.compact import CompactStats, compact

__all__ = ["register", "run"]

_MIB = 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compact", help="merge a remote log's small segments into fewer large ones",
        description="On an object store (s3://, gs://, hdfs://, memory://) every flush of a "
                    "DataLogger is its own small segment object. This merges segments older "
                    "than --min-age into segments of about --target-mib, then deletes the "
                    "originals after --grace seconds. No point is lost or duplicated, and "
                    "running writers and readers (e.g. 'streamvis serve') need not stop. "
                    "A local log is a single file already: there is nothing to compact.")
    parser.add_argument("path", metavar="PATH", help="the log (s3://, gs://, hdfs://, ...)")
    parser.add_argument("--min-age", metavar="SECONDS", type=float, default=600.0,
                        help="only merge segments written at least this long ago, so live "
                             "readers have read them already (default: 600)")
    parser.add_argument("--target-mib", metavar="MIB", type=float, default=64.0,
                        help="size of each merged segment, in MiB (default: 64)")
    parser.add_argument("--grace", metavar="SECONDS", type=float, default=10.0,
                        help="wait this long after writing merged segments before deleting "
                             "the originals (default: 10)")
    parser.add_argument("--dry-run", action="store_true",
                        help="read and report what would be merged; write and delete nothing")
    parser.add_argument("--backend", choices=("fsspec", "gfile"), default=None,
                        help="storage library (default: $STREAMVIS_STORAGE_BACKEND, "
                             "else fsspec)")
    parser.set_defaults(func=run)


def _local_nothing_to_do(path: str) -> int:
    local = path[len("file://"):] if path.startswith("file://") else path
    if not os.path.exists(local):
        raise CliError(f"no streamvis log at {path!r}")
    print(f"{path} is a local log: a single file, appended to in place, so there is nothing "
          "to compact (compaction merges the segment objects of s3://, gs://, hdfs:// and "
          "memory:// logs)")
    return 0


def run(args: argparse.Namespace) -> int:
    if scheme_of(args.path) in ("", "file"):
        return _local_nothing_to_do(args.path)
    for option, value in (("--min-age", args.min_age), ("--grace", args.grace)):
        if not value >= 0:
            raise CliError(f"{option} must be >= 0 seconds, got {value:g}")
    if not args.target_mib > 0:
        raise CliError(f"--target-mib must be > 0, got {args.target_mib:g}")
    bar: list[Progress] = []

    def progress(stats: CompactStats) -> None:
        if not bar:  # the listing is done
            if not stats.segments_before:
                return
            print(f"{args.path}: {stats.segments_before} segments, {stats.candidates} older "
                  f"than {args.min_age:g} s", flush=True)
            bar.append(Progress("merging", stats.candidates))
        else:
            bar[0].update(stats.merged_inputs, f"{stats.outputs} merged segments written")

    stats = compact(args.path, target_bytes=max(1, int(args.target_mib * _MIB)),
                    min_age=args.min_age, grace=args.grace, backend=args.backend,
                    dry_run=args.dry_run, progress=progress)
    if stats.segments_before == 0:
        raise CliError(f"no streamvis log at {args.path!r} (no segment objects under it)")
    newer = stats.segments_before - stats.candidates
    if stats.merged_inputs == 0:
        message = (f"nothing to compact: {stats.candidates} segments older than "
                   f"{args.min_age:g} s, none of them small enough to merge with a neighbour")
    elif args.dry_run:
        message = (f"dry run: would merge {stats.merged_inputs} segments into "
                   f"{_plural(stats.outputs, 'segment')} "
                   f"({format_bytes(stats.bytes_merged)}); nothing written or deleted")
    else:
        message = (f"merged {stats.merged_inputs} segments into "
                   f"{_plural(stats.outputs, 'segment')} ({format_bytes(stats.bytes_merged)}); "
                   f"deleted {stats.deleted} originals after a {args.grace:g} s grace period")
    if newer:
        message += f"; {newer} newer segments left as they are"
    if bar:
        bar[0].finish(message)
    else:
        print(message)
    sys.stdout.flush()
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
