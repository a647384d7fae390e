"""``streamvis list PATH``: one row per series, with totals; ``--json`` for scripts."""

from __future__ import annotations

import argparse
import json
import sys

from streamvis.cli.logs import read_contents
from streamvis.cli.summary import SeriesSummary, summarize
from streamvis.cli.table import format_bytes, format_number, format_table
from streamvis.logger import ReadStats
from streamvis.logger.runconfig import config_text

__all__ = ["register", "render_json", "render_table", "run"]

HEADER = ("SCOPE", "NAME", "INDEX", "POINTS", "X RANGE", "LAST Y", "WRITERS", "CONFIG")
RIGHT = (False, False, True, True, True, True, True, False)
CONFIG_WIDTH = 48  # characters of the compact key=value column; --json has all of it


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "list", help="summarize the series in a log",
        description="One row per (scope, name, index): points, x range, last y, number of "
                    "writers and the run's config (key=value), then totals, points superseded "
                    "by resumed runs and any damaged bytes skipped.")
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
    if stats.superseded_points:
        parts.append(f"{stats.superseded_points} points superseded by resumed runs")
    if stats.duplicate_records:
        parts.append(f"{stats.duplicate_records} records stored twice read once")
    if stats.oversized_frames:
        parts.append(f"{stats.oversized_frames} frames over the reader's size cap skipped")
    return ", ".join(parts)


def compact_config(config: dict) -> str:
    """``key=value`` pairs of a run config, cut to ``CONFIG_WIDTH`` characters."""
    return config_text(config, CONFIG_WIDTH)


def render_table(rows: list[SeriesSummary], stats: ReadStats,
                 configs: dict[str, dict] | None = None) -> str:
    """The terminal table with its footer line."""
    configs = configs or {}
    cells = [[r.scope, r.name, str(r.index), str(r.points),
              f"{format_number(r.x_min)} .. {format_number(r.x_max)}",
              format_number(r.last_y), str(len(r.writers)),
              compact_config(configs.get(r.scope, {}))] for r in rows]
    table = format_table(HEADER, cells, RIGHT) if rows else "(no series)"
    return f"{table}\n{_footer(rows, stats)}"


def render_json(rows: list[SeriesSummary], stats: ReadStats, path: str,
                configs: dict[str, dict] | None = None) -> str:
    """Everything ``render_table`` shows, as a JSON document (``runs``: each scope's config)."""
    configs = configs or {}
    scopes = sorted({r.scope for r in rows} | set(configs))
    document = {
        "path": path,
        "series": [r.as_dict() for r in rows],
        "runs": [{"scope": s, "config": configs.get(s, {})} for s in scopes],
        "totals": {"series": len(rows), "points": sum(r.points for r in rows),
                   "bytes": stats.bytes_read, "records": stats.records,
                   "damaged_bytes": stats.damaged_bytes, "bad_records": stats.bad_records,
                   "orphan_points": stats.orphan_points,
                   "superseded_points": stats.superseded_points,
                   "oversized_frames": stats.oversized_frames,
                   "duplicate_records": stats.duplicate_records},
    }
    return json.dumps(document, indent=2, allow_nan=False)


def run(args: argparse.Namespace) -> int:
    log = read_contents(args.path)
    rows = sorted((summarize(s) for s in log.series), key=lambda r: (r.scope, r.name, r.index))
    text = (render_json(rows, log.stats, args.path, log.configs) if args.json
            else render_table(rows, log.stats, log.configs))
    sys.stdout.write(text + "\n")
    return 0
