"""``streamvis list PATH``: one row per series, with totals; ``--json`` for scripts."""

from __future__ import annotations

import argparse
import json
import sys

from streamvis.cli.logs import read_series
from streamvis.cli.summary import SeriesSummary, summarize
from streamvis.cli.table import format_bytes, format_number, format_table
from streamvis.logger import ReadStats

__all__ = ["register", "render_json", "render_table", "run"]

HEADER = ("SCOPE", "NAME", "INDEX", "POINTS", "X RANGE", "LAST Y", "WRITERS")
RIGHT = (False, False, True, True, True, True, True)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "list", help="summarize the series in a log",
        description="One row per (scope, name, index): points, x range, last y and number of "
                    "writers, then totals and any damaged bytes skipped.")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def _footer(rows: list[SeriesSummary], stats: ReadStats) -> str:
    points = sum(r.points for r in rows)
    parts = [f"{len(rows)} series", f"{points} points",
             f"{format_bytes(stats.bytes_read)} read",
             f"{stats.damaged_bytes} damaged bytes skipped"]
    if stats.bad_records:
        parts.append(f"{stats.bad_records} unreadable records skipped")
    if stats.orphan_points:
        parts.append(f"{stats.orphan_points} points records without a group skipped")
    return ", ".join(parts)


def render_table(rows: list[SeriesSummary], stats: ReadStats) -> str:
    """The terminal table with its footer line."""
    cells = [[r.scope, r.name, str(r.index), str(r.points),
              f"{format_number(r.x_min)} .. {format_number(r.x_max)}",
              format_number(r.last_y), str(len(r.writers))] for r in rows]
    table = format_table(HEADER, cells, RIGHT) if rows else "(no series)"
    return f"{table}\n{_footer(rows, stats)}"


def render_json(rows: list[SeriesSummary], stats: ReadStats, path: str) -> str:
    """Everything ``render_table`` shows, as a JSON document."""
    document = {
        "path": path,
        "series": [r.as_dict() for r in rows],
        "totals": {"series": len(rows), "points": sum(r.points for r in rows),
                   "bytes": stats.bytes_read, "records": stats.records,
                   "damaged_bytes": stats.damaged_bytes, "bad_records": stats.bad_records,
                   "orphan_points": stats.orphan_points},
    }
    return json.dumps(document, indent=2, allow_nan=False)


def run(args: argparse.Namespace) -> int:
    series, stats = read_series(args.path)
    rows = sorted((summarize(s) for s in series), key=lambda r: (r.scope, r.name, r.index))
    text = render_json(rows, stats, args.path) if args.json else render_table(rows, stats)
    sys.stdout.write(text + "\n")
    return 0
