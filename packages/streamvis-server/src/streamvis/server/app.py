"""Wire it together: one store and one tailer per server process, a Bokeh app at ``/``."""

from __future__ import annotations

import errno
from typing import Any

from bokeh.application import Application
from bokeh.application.handlers.handler import Handler

from streamvis.server.access import MAX_URL_BYTES, AccessPolicy, install_access, listen_hosts
from streamvis.server.banner import add_status_banner
from streamvis.server.document import build_document
from streamvis.server.schema import Schema
from streamvis.server.status import STATUS_PATH, StatusHandler
from streamvis.server.store import SeriesStore
from streamvis.server.tailer import Tailer

__all__ = ["PortInUseError", "StreamvisHandler", "make_server"]


class PortInUseError(OSError):
    """The address the server should listen on is taken."""


class StreamvisHandler(Handler):
    """Builds each session's page from its URL; starts the shared tailer with the server."""

    def __init__(self, schema: Schema, store: SeriesStore, tailer: Tailer,
                 log_path: str) -> None:
        super().__init__()
        self.schema = schema
        self.store = store
        self.tailer = tailer
        self.log_path = log_path

    def modify_document(self, doc: Any) -> None:
        request = doc.session_context.request if doc.session_context else None
        arguments = request.arguments if request is not None else {}
        build_document(doc, self.schema, self.store, self.log_path, arguments,
                       lambda: self.tailer.configs)
        add_status_banner(doc, self.tailer)

    def on_server_loaded(self, server_context: Any) -> None:
        if not self.tailer.running:
            self.tailer.start()

    def on_server_unloaded(self, server_context: Any) -> None:
        self.tailer.stop()


def make_server(schema: Schema, log_path: str, port: int, host: str = "127.0.0.1",
                allow_websocket_origin: list[str] | None = None, poll_interval: float = 0.5,
                backend: str | None = None, token: str | None = None) -> Any:
    """A Bokeh ``Server`` (not yet started) serving ``schema``'s figures of the log at
    ``log_path`` on ``host:port``. The index page is at ``/``, the log's status as JSON at
    ``/api/status``. The log need not exist yet: pages say they wait for data until it does.

    Starting the server (``server.start()``) starts the one tailer shared by every session;
    ``server.stop()`` stops it. Raises :class:`PortInUseError` if ``host:port`` is taken.

    Requests naming a ``Host`` other than the names the server listens as (and the hosts of
    ``allow_websocket_origin``) get a 403 page; with ``token``, so does every request without
    it (``?token=`` once, then a cookie; see ``access``). URLs over 64 KiB get a 414 page.
    """
    from bokeh.server.server import Server

    store = SeriesStore()
    tailer = Tailer(log_path, store, poll_interval=poll_interval, backend=backend)
    handler = StreamvisHandler(schema, store, tailer, log_path)
    origins = list(allow_websocket_origin or [])
    if not origins:
        origins = [f"localhost:{port}", f"127.0.0.1:{port}"]
        if host not in ("127.0.0.1", "localhost", "0.0.0.0", "::", ""):
            origins.append(f"{host}:{port}")
    try:
        server = Server({"/": Application(handler)}, port=port, address=host,
                        extra_patterns=[(STATUS_PATH, StatusHandler, {"tailer": tailer})],
                        allow_websocket_origin=origins, check_unused_sessions_milliseconds=5000,
                        unused_session_lifetime_milliseconds=15000,
                        http_server_kwargs={"max_header_size": 16 * MAX_URL_BYTES})
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            reason = "already in use" if e.errno == errno.EADDRINUSE else "not allowed"
            raise PortInUseError(e.errno, f"cannot listen on {host}:{port}: the port is "
                                 f"{reason}; choose another port") from e
        raise OSError(e.errno, f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    install_access(server, AccessPolicy(listen_hosts(host, allow_websocket_origin or []),
                                        token, port=server.port))
    server.streamvis_store = store     # for tests and diagnostics
    server.streamvis_tailer = tailer
    return server
