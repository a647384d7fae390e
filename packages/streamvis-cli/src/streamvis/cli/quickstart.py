"""``streamvis quickstart``: the demo producer in the background, served with the demo schema."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from streamvis.cli.errors import CliError
from streamvis.cli.serve import add_server_options, port_number
from streamvis.cli.serving import check_port_free, page_url, resolve_token, serve_forever, \
    start_server
from streamvis.logger import LogReader

__all__ = ["DEFAULT_PATH", "PAGE_QUERY", "demo_command", "register", "run"]

DEFAULT_PATH = "streamvis-quickstart.log"
SCOPE = "quickstart"
PAGE_QUERY = "rows=kldiv,cross_entropy;enc_attn_entropy"
START_TIMEOUT_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quickstart", help="run the demo producer and serve it: the one-command tour",
        description="Start 'streamvis demo' in the background writing to PATH (a fresh run of "
                    f"scope {SCOPE!r}), serve PATH with the bundled demo schema, and print the "
                    "URL of a page showing all three figures. Ctrl-C stops both.")
    parser.add_argument("--port", type=port_number, default=5006,
                        help="TCP port to serve on (default 5006)")
    parser.add_argument("--path", default=DEFAULT_PATH,
                        help=f"the log to write and serve (default ./{DEFAULT_PATH})")
    parser.add_argument("--steps", type=int, default=20_000, metavar="N",
                        help="steps the demo producer writes (default 20000)")
    parser.add_argument("--interval", type=float, default=0.05, metavar="S",
                        help="seconds between demo steps (default 0.05)")
    add_server_options(parser)
    parser.set_defaults(func=run)


def demo_command(path: str, steps: int, interval: float) -> list[str]:
    """The background producer: this Python running ``streamvis demo``."""
    return [sys.executable, "-m", "streamvis.cli", "demo", SCOPE, path, "--steps", str(steps),
            "--interval", str(interval), "--replace"]


def _wait_for_log(path: str, producer: subprocess.Popen[bytes]) -> None:
    reader = LogReader(path)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not reader.exists():
            status = producer.poll()
            if status is not None:
                raise CliError(f"the demo producer exited with status {status} before writing "
                               f"to {path!r} (its error is printed above)")
            if time.monotonic() > deadline:
                raise CliError(f"the demo producer wrote nothing to {path!r} within "
                               f"{START_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
    finally:
        reader.close()


def _stop(producer: subprocess.Popen[bytes]) -> None:
    if producer.poll() is None:
        producer.terminate()  # the demo flushes and exits on SIGTERM
        try:
            producer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            producer.kill()
            producer.wait()


def run(args: argparse.Namespace) -> int:
    from streamvis.server import demo_schema_path, load_schema

    if args.steps < 1 or not args.interval >= 0:
        raise CliError(f"--steps must be >= 1 and --interval >= 0, got {args.steps} and "
                       f"{args.interval}")
    schema = load_schema(demo_schema_path())
    check_port_free(args.host, args.port)
    producer = subprocess.Popen(demo_command(args.path, args.steps, args.interval),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        _wait_for_log(args.path, producer)
        token = resolve_token(args)
        server = start_server(schema, args.path, args.port, args.host,
                              args.allow_websocket_origin, args.poll_interval, token=token)
        print(f"streamvis quickstart: the demo is writing to {args.path}\n"
              f"  all three figures: {page_url(args.host, server.port, PAGE_QUERY, token)}\n"
              f"  index of figures:  {page_url(args.host, server.port, token=token)}\n"
              "Press Ctrl-C to stop.", flush=True)
        serve_forever(server, on_stop=lambda: _stop(producer))
    finally:
        _stop(producer)
    return 0
