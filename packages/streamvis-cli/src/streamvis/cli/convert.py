"""``streamvis convert SRC DST``: rewrite a log of the original streamvis as a streamvis log."""

from __future__ import annotations

import argparse
import os

import numpy as np

from streamvis.cli.errors import CliError
from streamvis.cli.progress import Progress
from streamvis.logger import DataLogger, LogReader, Series, open_log_reader, read_log
from streamvis.logger.legacy import LegacyReader, V1PairReader
from streamvis.logger.storage import scheme_of

__all__ = ["convert_log", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert", help="rewrite a log of the original streamvis as a streamvis log",
        description="Reads SRC, a log written by the original streamvis (the seed format, or "
                    "the v1.0 pair PREFIX.idx + PREFIX.log: give PREFIX or either file), with "
                    "its deletes applied, and writes every series to DST as a streamvis log "
                    "(one DataLogger per scope; values keep their float32/int32 types). The "
                    "result is read back and its series and point counts checked against SRC.")
    parser.add_argument("src", metavar="SRC", help="the legacy log")
    parser.add_argument("dst", metavar="DST", help="the streamvis log to write")
    parser.add_argument("--force", action="store_true",
                        help="replace DST if it exists (local files only)")
    parser.set_defaults(func=run)


def _local(path: str) -> str | None:
    if scheme_of(path) not in ("", "file"):
        return None
    return os.path.realpath(path.removeprefix("file://"))


def _prepare_destination(src: LegacyReader, dst: str, force: bool) -> None:
    local = _local(dst)
    sources = {_local(src.path)}
    if isinstance(src, V1PairReader):
        sources |= {os.path.realpath(src.idx_path), os.path.realpath(src.log_path)}
    if local is not None and local in sources:
        raise CliError(f"DST {dst!r} is the source log itself; choose a new PATH")
    if local is None:
        probe = LogReader(dst)
        try:
            exists = probe.exists()
        finally:
            probe.close()
        if exists:
            raise CliError(f"DST {dst!r} already exists; remote logs are never overwritten "
                           "(choose a new PATH)")
    elif os.path.exists(local):
        if not force:
            raise CliError(f"DST {dst!r} already exists; pass --force to replace it")
        if os.path.isdir(local):
            raise CliError(f"DST {dst!r} is a directory; expected a file PATH")
        os.remove(local)


def _write(series: list[Series], dst: str, progress: Progress) -> None:
    loggers: dict[str, list[tuple[DataLogger, dict[str, tuple[str, ...]]]]] = {}
    done = 0
    try:
        for s in series:
            if not len(s):
                continue
            fields = tuple(s.columns)
            # a name's fields are fixed per logger: another run's different set gets its own
            for logger, known in loggers.setdefault(s.scope, []):
                if known.get(s.name, fields) == fields:
                    break
            else:
                logger, known = DataLogger(s.scope).init(dst), {}
                loggers[s.scope].append((logger, known))
            known[s.name] = fields
            logger.write(s.name, s.index, **s.columns)
            done += len(s)
            progress.update(done, "points written")
    finally:
        for pairs in loggers.values():
            for logger, _ in pairs:
                logger.close()


def _check(source: list[Series], dst: str) -> None:
    written = {s.key: s for s in read_log(dst)}
    expected = {s.key: s for s in source if len(s)}
    if sorted(written) != sorted(expected):
        missing = sorted(set(expected) - set(written))[:3]
        extra = sorted(set(written) - set(expected))[:3]
        raise CliError(f"check failed: {dst!r} holds {len(written)} series, expected "
                       f"{len(expected)} (missing {missing}, unexpected {extra})")
    for key, want in expected.items():
        got = written[key]
        if len(got) != len(want) or list(got.columns) != list(want.columns) or not all(
                got.columns[f].dtype == want.columns[f].dtype
                and np.array_equal(got.columns[f], want.columns[f], equal_nan=True)
                for f in want.columns):
            raise CliError(f"check failed: series {key} in {dst!r} has {len(got)} points, "
                           f"expected {len(want)} equal to the source's")


def convert_log(src: str, dst: str, force: bool = False) -> tuple[list[Series], LegacyReader]:
    """Write the legacy log ``src`` to ``dst`` and check it; returns the source series."""
    reader = open_log_reader(src)
    if not reader.exists():
        raise CliError(f"no log at SRC {src!r}")
    if not isinstance(reader, LegacyReader):
        reader.close()
        raise CliError(f"SRC {src!r} is already a streamvis log; there is nothing to convert")
    _prepare_destination(reader, dst, force)
    reading = Progress(f"reading {src}", 1)
    reader.on_progress = lambda done, total: (setattr(reading, "total", max(total, 1)),
                                              reading.update(done, "bytes"))
    series = reader.read_all()
    reader.close()
    if reader.stats.damaged_bytes or reader.stats.bad_records:
        print(f"warning: {src}: {reader.stats.damaged_bytes} damaged bytes and "
              f"{reader.stats.bad_records} unreadable records skipped")
    points = sum(len(s) for s in series)
    _write(series, dst, Progress(f"writing {dst}", points))
    _check(series, dst)
    return series, reader


def run(args: argparse.Namespace) -> int:
    series, reader = convert_log(args.src, args.dst, args.force)
    kept = [s for s in series if len(s)]
    message = (f"converted {args.src} ({reader.format_name} format) to {args.dst}: "
               f"{len(kept)} series, {sum(len(s) for s in kept)} points, "
               f"{len({s.scope for s in kept})} scopes; checked")
    empty = len(series) - len(kept)
    if empty:
        message += f"; {empty} series without points not written"
    configs = getattr(reader, "configs", [])
    if configs:
        message += (f"; {len(configs)} run configs not carried over (streamvis logs hold no "
                    "run configs yet)")
    print(message)
    return 0
