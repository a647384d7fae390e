"""``streamvis delete PATH --scope REGEX``: hide series by appending a tombstone."""

from __future__ import annotations

import argparse
import sys

from streamvis.cli.errors import CliError
from streamvis.cli.logs import compile_pattern, read_series, select
from streamvis.cli.summary import summarize
from streamvis.cli.table import format_table
from streamvis.logger import delete_series

__all__ = ["confirm", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "delete", help="hide series from every reader (appends a tombstone)",
        description="Hide the series whose scope (and name) fully match, without rewriting the "
                    "log: a tombstone record is appended, and readers, 'list', 'export' and "
                    "open browser pages drop the matching series written before it. Points "
                    "written later to the same scope start afresh. Shows what matches and asks "
                    "for confirmation unless --yes.")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    parser.add_argument("--scope", metavar="REGEX", required=True,
                        help="delete scopes that fully match REGEX ('.*' for all)")
    parser.add_argument("--name", metavar="REGEX", default="",
                        help="only names that fully match REGEX (default: every name)")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(func=run)


def confirm(question: str) -> bool:
    """Ask a y/N question on the terminal; no answer possible (no stdin) is an error."""
    if sys.stdin is None or sys.stdin.closed:
        raise CliError("cannot ask for confirmation: there is no standard input; "
                       "pass --yes to delete without asking")
    print(f"{question} [y/N] ", end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except OSError as err:
        raise CliError(f"cannot read a confirmation from standard input ({err}); "
                       "pass --yes to delete without asking") from err
    if not answer:  # end of input before any answer
        print()
        raise CliError("no confirmation given (standard input is empty or closed); "
                       "pass --yes to delete without asking")
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    if not args.scope:
        raise CliError("--scope must not be empty; use --scope '.*' to match every scope")
    scope = compile_pattern("--scope", args.scope)
    name = compile_pattern("--name", args.name) if args.name else None
    series, _ = read_series(args.path)
    chosen = sorted(select(series, scope, name), key=lambda s: s.key)
    what = f"--scope {args.scope!r}" + (f" --name {args.name!r}" if args.name else "")
    if not chosen:
        print(f"no series in {args.path} match {what}; nothing deleted")
        return 0
    rows = [summarize(s) for s in chosen]
    print(format_table(("SCOPE", "NAME", "INDEX", "POINTS"),
                       [[r.scope, r.name, str(r.index), str(r.points)] for r in rows],
                       (False, False, True, True)))
    points = sum(r.points for r in rows)
    summary = f"{len(rows)} series ({points} points)"
    if not args.yes and not confirm(f"Delete these {summary} from {args.path}?"):
        print("nothing deleted")
        return 1
    delete_series(args.path, args.scope, args.name)
    print(f"deleted {summary} matching {what}")
    return 0
