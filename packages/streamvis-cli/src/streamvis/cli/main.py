"""Entry point of the ``streamvis`` command."""

from __future__ import annotations

import argparse
from importlib.metadata import version

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the ``streamvis`` command line."""
    parser = argparse.ArgumentParser(prog="streamvis")
    parser.add_argument("--version", action="version", version=version("streamvis-cli"))
    parser.parse_args(argv)
    return 0
