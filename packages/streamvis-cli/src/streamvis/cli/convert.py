"""``streamvis convert SRC DST``: rewrite a log of the original streamvis as a streamvis log."""

from __future__ import annotations

import argparse
import os

import numpy as np

from streamvis.cli.errors import CliError
from streamvis.cli.progress import Progress
from streamvis.logger import DataLogger, LogReader, Series, SeriesKey, open_log_reader, read_log
from streamvis.logger.legacy import LegacyReader, V1PairReader
from streamvis.logger.legacy.reader import Pending, RunPart
from streamvis.logger.storage import scheme_of

__all__ = ["convert_log", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert", help="rewrite a log of the original streamvis as a streamvis log",
        description="Reads SRC, a log written by the original streamvis (the seed format, or "
                    "the v1.0 pair PREFIX.idx + PREFIX.log: give PREFIX or either file), with "
                    "its deletes applied, and writes every series to DST as a streamvis log "
                    "(one DataLogger per original run, with the run's scope; values keep "
                    "their float32/int32 types). The "
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


def _write(parts: list[RunPart], dst: str, progress: Progress) -> None:
    """One DataLogger per run, parts in file order. When a series passes from one run to
    another, the earlier run's logger is flushed first, so the series keeps its order."""
    last_part = {part.run: i for i, part in enumerate(parts)}
    open_runs: dict[int, tuple[DataLogger, dict[str, tuple[str, ...]]]] = {}
    last_run_of: dict[SeriesKey, int] = {}
    done = 0
    try:
        for i, part in enumerate(parts):
            scope, name, index = part.key
            fields = tuple(part.columns)
            logger, known = open_runs.get(part.run, (None, {}))
            if logger is None or known.get(name, fields) != fields:
                if logger is not None:  # a run that changed a name's fields: a new writer
                    logger.close()
                logger, known = open_runs[part.run] = DataLogger(scope).init(dst), {}
            previous = open_runs.get(last_run_of.get(part.key, part.run))
            if previous is not None and previous[0] is not logger:
                previous[0].flush_buffer()
            known[name] = fields
            logger.write(name, index, **part.columns)
            last_run_of[part.key] = part.run
            if last_part[part.run] == i:
                open_runs.pop(part.run)[0].close()
            done += len(next(iter(part.columns.values())))
            progress.update(done, "points written")
    finally:
        for logger, _ in open_runs.values():
            logger.close()


def _merged(parts: list[RunPart]) -> list[Series]:
    """The series the parts make, merged as every reader merges runs."""
    pending: dict[SeriesKey, Pending] = {}
    for part in parts:
        pending.setdefault(part.key, Pending()).add(
            tuple(part.columns), list(part.columns.values()), part.run)
    return [p.series(key) for key, p in pending.items()]


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
    parts = reader.read_parts()
    reader.close()
    if reader.stats.damaged_bytes or reader.stats.bad_records:
        print(f"warning: {src}: {reader.stats.damaged_bytes} damaged bytes and "
              f"{reader.stats.bad_records} unreadable records skipped")
    series = _merged(parts)
    nonempty = [p for p in parts if len(next(iter(p.columns.values())))]
    _write(nonempty, dst, Progress(f"writing {dst}", sum(len(s) for s in series)))
    _check(series, dst)
    return series, reader


def run(args: argparse.Namespace) -> int:
    series, reader = convert_log(args.src, args.dst, args.force)
    kept = [s for s in series if len(s)]
    message = (f"converted {args.src} ({reader.format_name} format) to {args.dst}: "
               f"{len(kept)} series, {sum(len(s) for s in kept)} points, "
               f"{_plural(len({s.scope for s in kept}), 'scope')}; checked")
    empty = len(series) - len(kept)
    if empty:
        message += f"; {empty} series without points not written"
    configs = getattr(reader, "configs", [])
    if configs:
        message += (f"; {len(configs)} run configs not carried over (streamvis logs hold no "
                    "run configs yet)")
    print(message)
    return 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
