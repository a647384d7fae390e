"""Entry point of the ``streamvis`` command: builds the argparse tree and reports errors.

Each subcommand lives in its own module (``streamvis.cli.<name>``) exposing
``register(subparsers) -> None`` and ``run(args) -> int``. Expected failures (unusable PATH,
invalid schema, bad regex, port in use, Ctrl-C) become one line on stderr and a non-zero exit
status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import NoReturn

from streamvis.cli.errors import CliError, one_line

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

PROG = "streamvis"

SUBCOMMANDS: tuple[str, ...] = ("serve", "demo", "list", "export", "plot", "delete",
                                "quickstart", "compact", "convert")
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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND",
                                       parser_class=OneLineParser)
    for name in SUBCOMMANDS:
        module = _load(name)
        if module is not None:
            module.register(subparsers)
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


def main(argv: list[str] | None = None) -> int:
    """Run the ``streamvis`` command line; returns the exit status."""
    _configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
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
        if not isinstance(err, _expected_errors()):
            raise
        return _report(one_line(err), EXIT_ERROR)


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Exception types that are the user's input, not a bug: reported in one line."""
    from streamvis.logger import LoggerError, StorageError

    expected: tuple[type[BaseException], ...] = (CliError, StorageError, LoggerError,
                                                 ValueError, OSError)
    server = sys.modules.get("streamvis.server")  # only a loaded server can raise its errors
    schema_error = getattr(server, "SchemaError", None)
    if isinstance(schema_error, type) and issubclass(schema_error, BaseException):
        expected = (schema_error, *expected)
    return expected
