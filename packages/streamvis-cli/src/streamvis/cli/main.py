"""Entry point of the ``streamvis`` command: builds the argparse tree and reports errors.

Each subcommand lives in its own module (``streamvis.cli.<name>``) exposing
``register(subparsers) -> None`` and ``run(args) -> int``. The project's own errors (unusable
PATH, invalid schema, bad regex, port in use: ``errors.expected_errors``) and Ctrl-C become one
line on stderr and a non-zero exit status; anything else is a bug: its traceback is printed
with a line asking to report it. ``--debug`` (or ``STREAMVIS_DEBUG=1``) prints every traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import NoReturn

from streamvis.cli.errors import expected_errors, one_line

__all__ = ["DEBUG_ENV", "SUBCOMMANDS", "build_parser", "main"]

PROG = "streamvis"

SUBCOMMANDS: tuple[str, ...] = ("serve", "demo", "list", "export", "plot", "delete",
                                "quickstart", "compact", "convert", "schema")
"""Subcommand modules, in ``--help`` order. Missing optional ones are skipped."""

_OPTIONAL = frozenset({"compact"})

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _load(name: str) -> ModuleType | None:
    module_name = f"streamvis.cli.{name}"
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if name in _OPTIONAL and err.name == module_name:
            return None
        raise


def _version() -> str:
    try:
        return version("streamvis-cli")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The full ``streamvis`` parser with every available subcommand registered."""
    parser = OneLineParser(
        prog=PROG,
        description="Live training curves: log with streamvis.logger.DataLogger, view in a "
                    "browser with 'streamvis serve'.",
        epilog=f"Run '{PROG} COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    _add_debug_option(parser, top=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=OneLineParser)
    for name in SUBCOMMANDS:
        module = _load(name)
        if module is not None:
            module.register(subparsers)
    for sub in subparsers.choices.values():
        _add_debug_option(sub, top=False)
    return parser


def _report(message: str, status: int) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


class _OneLineFormatter(logging.Formatter):
    """Library warnings as ``streamvis: warning: ...`` lines, tracebacks left out."""

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        return f"{PROG}: {record.levelname.lower()}: {record.name}: {text}"


_SHOWN_LOGGERS = ("streamvis", "bokeh", "tornado")


def _shown(record: logging.LogRecord) -> bool:
    """Our own and the web server's warnings; storage libraries' errors reach the user as
    exceptions (one line from ``main``), so their retry chatter is left out."""
    return record.levelno >= logging.CRITICAL or record.name.split(".")[0] in _SHOWN_LOGGERS


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    handler.addFilter(_shown)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


DEBUG_ENV = "STREAMVIS_DEBUG"
"""Set to 1 to print the traceback of every error, as ``--debug`` does."""


def _add_debug_option(parser: argparse.ArgumentParser, top: bool) -> None:
    # on every subcommand too, so it may follow the COMMAND; SUPPRESS keeps the top-level one
    parser.add_argument("--debug", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help=f"print the full traceback of any error (or set {DEBUG_ENV}=1)")


def _debug_wanted(argv: list[str] | None, args: argparse.Namespace | None) -> bool:
    if os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no"):
        return True
    if args is not None:
        return bool(getattr(args, "debug", False))
    return "--debug" in (sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> int:
    """Run the ``streamvis`` command line; returns the exit status."""
    _configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = _debug_wanted(argv, args)
    if getattr(args, "func", None) is None:
        choices = ", ".join(n for n in SUBCOMMANDS if _load(n) is not None)
        return _report(f"missing COMMAND; expected one of {choices} "
                       f"(see '{PROG} --help')", EXIT_USAGE)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `streamvis export ... | head`: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as err:
        if isinstance(err, expected_errors()):
            if debug:
                traceback.print_exc()
            return _report(one_line(err), EXIT_ERROR)
        traceback.print_exc()
        return _report(f"internal error {type(err).__name__}: this is a bug in streamvis, not "
                       "a problem with your input; please report it with the traceback above "
                       "and the command you ran", EXIT_ERROR)
