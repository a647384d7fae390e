"""Run a streamvis Bokeh server in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import errno
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from streamvis.cli.errors import CliError

__all__ = ["check_port_free", "page_url", "resolve_token", "serve_forever", "start_server"]


def page_url(host: str, port: int, query: str = "", token: str | None = None) -> str:
    """The browser URL of the server's page (``query`` without the ``?``), with ``token``."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:  # IPv6 literal
        shown = f"[{shown}]"
    if token:
        query = f"{query}&token={token}" if query else f"token={token}"
    return f"http://{shown}:{port}/" + (f"?{query}" if query else "")


def resolve_token(args: Any) -> str | None:
    """The token a server started with these options requires: ``--token VALUE``; a random
    one for ``--token`` alone or a ``--host`` beyond loopback; ``None`` with ``--no-token``
    (warning on stderr when that opens the data beyond loopback)."""
    loopback = args.host in ("127.0.0.1", "localhost", "::1")
    if getattr(args, "no_token", False):
        if not loopback:
            print(f"streamvis: warning: --no-token: every run's data is served to anyone who "
                  f"can reach {args.host}:{args.port}", file=sys.stderr, flush=True)
        return None
    token = getattr(args, "token", None)
    if token:
        if len(token) < 8 or not token.isprintable() or any(c in token for c in " &#?%;"):
            raise CliError("--token must be at least 8 printable characters without spaces "
                           "or any of & # ? % ;")
        return token
    if token == "" or not loopback:
        return secrets.token_urlsafe(24)
    return None


def _port_in_use(host: str, port: int) -> CliError:
    return CliError(f"port {port} on {host} is already in use; stop what is listening there "
                    "or pick another PORT")


def check_port_free(host: str, port: int) -> None:
    """Fail early, before starting other work, if ``host:port`` cannot be bound."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise _port_in_use(host, port) from None
            raise CliError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def start_server(schema: Any, path: str, port: int, host: str,
                 allow_websocket_origin: Sequence[str] | None, poll_interval: float,
                 backend: str | None = None, token: str | None = None) -> Any:
    """A started (not yet looping) server from ``streamvis.server.make_server``."""
    from streamvis.server import make_server

    try:
        server = make_server(schema, path, port, host=host,
                             allow_websocket_origin=list(allow_websocket_origin or []) or None,
                             poll_interval=poll_interval, backend=backend, token=token)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise _port_in_use(host, port) from None
        raise
    server.start()
    return server


def serve_forever(server: Any, on_stop: Callable[[], None] | None = None) -> None:
    """Run the server's IO loop until SIGINT or SIGTERM, then stop it cleanly."""
    loop = server.io_loop
    stopping = False

    def shutdown() -> None:
        if on_stop is not None:
            on_stop()
        server.stop()
        loop.stop()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        loop.add_callback_from_signal(shutdown)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        loop.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("streamvis: server stopped", file=sys.stderr, flush=True)
