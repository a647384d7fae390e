"""``streamvis schema PATH``: a starting schema with one figure per metric name in the log;
``streamvis schema --demo``: the shipped demo schema. Both print YAML to stdout."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable

from streamvis.cli.errors import CliError
from streamvis.cli.logs import read_series
from streamvis.logger import Series

__all__ = ["missing_schema_error", "register", "run", "schema_for"]

_URL_UNSAFE = re.compile(r"[,;&=#?\s]+")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schema", help="print a schema for 'serve': one figure per metric in a log, or the demo",
        description="Print a YAML schema to stdout: with PATH, one line figure per metric "
                    "name found in the log (every run, every index); with --demo, the demo "
                    "schema shipped with streamvis. Save it and edit it: "
                    "'streamvis schema PATH > schema.yaml'.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("path", metavar="PATH", nargs="?",
                        help="the log (local path, gs://, s3://, ...)")
    source.add_argument("--demo", action="store_true",
                        help="print the demo schema (the three figures of 'streamvis demo')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streamvis.server import demo_schema_path

    if args.demo:
        with open(demo_schema_path(), encoding="utf-8") as f:
            sys.stdout.write(f.read())
        return 0
    series, _ = read_series(args.path)
    if not series:
        raise CliError(f"the log at {args.path!r} holds no series yet; write some points first, "
                       "or start from 'streamvis schema --demo'")
    sys.stdout.write(schema_for(series, args.path))
    return 0


def _figure_name(name: str, taken: set[str]) -> str:
    base = _URL_UNSAFE.sub("_", name.strip()).strip("_") or "figure"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def schema_for(series: Iterable[Series], path: str) -> str:
    """YAML text of a valid schema: per metric name (in first-seen order), a line figure of
    its ``x`` and ``y`` fields (else its first two fields) over every scope."""
    import yaml

    from streamvis.server.schema import parse_schema

    fields: dict[str, list[str]] = {}
    for s in series:
        known = fields.setdefault(s.name, [])
        known += [f for f in s.columns if f not in known]
    figures: dict[str, dict] = {}
    skipped: list[str] = []
    taken: set[str] = set()
    for name, cols in fields.items():
        if len(cols) < 2:
            skipped.append(name)
            continue
        columns = ["x", "y"] if {"x", "y"} <= set(cols) else cols[:2]
        figures[_figure_name(name, taken)] = {
            "scope_pattern": ".*", "group_pattern": re.escape(name), "glyph_kind": "line",
            "columns": columns, "figure_kwargs": {"title": name, "x_axis_label": columns[0],
                                                  "y_axis_label": columns[1]}}
    if not figures:
        raise CliError(f"no metric in {path!r} has two fields to plot (x and y)")
    text = yaml.safe_dump(figures, sort_keys=False, allow_unicode=True, width=100)
    parse_schema(yaml.safe_load(text), source=f"the schema generated from {path}")
    head = (f"# streamvis schema generated from {path}: one figure per metric name.\n"
            "# Edit freely; the keys are described in the README (Schema).\n")
    if skipped:
        head += f"# Left out (fewer than two fields): {', '.join(skipped)}\n"
    return head + text


def missing_schema_error(schema: str) -> CliError:
    """The error for a SCHEMA file that does not exist, saying how to get one."""
    return CliError(f"schema file {schema!r} does not exist; write one with 'streamvis schema "
                    f"PATH > {schema}' (one figure per metric in the log) or start from the "
                    f"demo: 'streamvis schema --demo > {schema}'")
