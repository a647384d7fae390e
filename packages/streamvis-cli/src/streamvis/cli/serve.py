"""``streamvis serve PORT SCHEMA PATH``: the live viewer for a log."""

from __future__ import annotations

import argparse
import os

from streamvis.cli.logs import check_source
from streamvis.cli.schema import missing_schema_error
from streamvis.cli.serving import page_url, resolve_token, serve_forever, start_server

__all__ = ["port_number", "positive_seconds", "register", "run"]


def port_number(text: str) -> int:
    """argparse type: a TCP port 0-65535 (0 picks a free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return port


def positive_seconds(text: str) -> float:
    """argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected seconds > 0, got {text!r}")
    return value


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``serve`` and ``quickstart``."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    parser.add_argument("--allow-websocket-origin", action="append", metavar="ORIGIN",
                        help="host[:port] a browser may load the page from when it is not "
                             "localhost:PORT (repeatable)")
    parser.add_argument("--poll-interval", type=positive_seconds, default=0.5, metavar="S",
                        help="seconds between reads of new data from PATH (default 0.5)")
    access = parser.add_mutually_exclusive_group()
    access.add_argument("--token", nargs="?", const="", default=None, metavar="VALUE",
                        help="require this token (or a random one, without VALUE) on every "
                             "request; the default when --host is not loopback")
    access.add_argument("--no-token", action="store_true",
                        help="serve without a token even beyond loopback (anyone who can "
                             "reach the port sees every run)")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve live plots of a log in the browser",
        description="Validate SCHEMA and PATH, then serve live plots of PATH on PORT until "
                    "Ctrl-C (or SIGTERM). PATH need not exist yet: the pages wait for data. "
                    "Open the printed URL: '/' lists the figures, "
                    "'/?rows=A,B;C' or '/?cols=A,B;C' lays several out on one page.")
    parser.add_argument("port", metavar="PORT", type=port_number, help="TCP port, e.g. 5006")
    parser.add_argument("schema", metavar="SCHEMA", help="YAML file: which series each figure "
                        "plots and how (see the README's schema reference)")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    add_server_options(parser)
    parser.add_argument("--backend", choices=("fsspec", "gfile"), default=None,
                        help="storage library for PATH (default: $STREAMVIS_STORAGE_BACKEND, "
                             "else fsspec); gfile needs TensorFlow")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from streamvis.server import load_schema

    if not os.path.exists(args.schema):
        raise missing_schema_error(args.schema)
    schema = load_schema(args.schema)
    exists = check_source(args.path, args.backend)
    token = resolve_token(args)
    server = start_server(schema, args.path, args.port, args.host,
                          args.allow_websocket_origin, args.poll_interval, args.backend,
                          token=token)
    if not exists:
        print(f"streamvis: waiting for data at {args.path}: nothing has been written there "
              "yet; the pages fill in when a writer starts", flush=True)
    print(f"streamvis: serving {args.path} at {page_url(args.host, server.port, token=token)} "
          "(Ctrl-C to stop)", flush=True)
    serve_forever(server)
    return 0
