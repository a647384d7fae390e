"""Who may read the server: the ``Host`` header check (against DNS rebinding), the token
(as Jupyter does it), and a cap on URL length; each refusal is a readable error page.

``install_access(server, policy)`` puts one rule in front of the Bokeh server's routes: a
request that passes goes on untouched; one that does not gets ``RefusedHandler``'s page.
"""

from __future__ import annotations

import hmac
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tornado.httputil import HTTPServerRequest, split_host_and_port
from tornado.routing import Matcher, Rule
from tornado.web import RequestHandler

__all__ = ["AccessPolicy", "MAX_URL_BYTES", "TOKEN_COOKIE", "install_access", "listen_hosts",
           "refusal", "scrub"]

MAX_URL_BYTES = 64 * 1024
"""Longer URLs get the error page (414); Tornado alone would drop the connection."""
TOKEN_COOKIE = "streamvis_token"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD = frozenset({"", "0.0.0.0", "::"})
_OPEN_PREFIXES = ("/static/",)  # BokehJS itself: public code, needs no token
_TOKEN_RE = re.compile(r"(token=)[^&\s]*")


@dataclass(frozen=True)
class AccessPolicy:
    """``hosts``: names the ``Host`` header may carry (``None``: any); ``token``: required on
    every request (query ``token=``, the cookie, or ``Authorization: token ...``) or ``None``."""

    hosts: frozenset[str] | None
    token: str | None = None
    port: int = 0

    def host_allowed(self, host_header: str) -> bool:
        return self.hosts is None or _host_name(host_header) in self.hosts

    def token_ok(self, request: HTTPServerRequest) -> bool:
        if self.token is None:
            return True
        offered = [v.decode("utf-8", "replace") for v in request.query_arguments.get("token", [])]
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("token "):
            offered.append(auth[6:].strip())
        cookie = request.cookies.get(TOKEN_COOKIE)
        if cookie is not None:
            offered.append(cookie.value)
        expected = self.token.encode()
        return any(hmac.compare_digest(o.encode(), expected) for o in offered)


def _host_name(host_header: str) -> str:
    name, _ = split_host_and_port(host_header.strip().lower())
    return name.strip("[]").rstrip(".")


def listen_hosts(host: str, origins: Iterable[str] = ()) -> frozenset[str] | None:
    """The host names a server listening on ``host`` answers to: loopback names, ``host``
    itself (for a wildcard address: this machine's names and addresses) and the hosts of
    ``origins`` (``--allow-websocket-origin``); ``None`` if an origin is ``*``."""
    names = set(LOOPBACK)
    for origin in origins:
        if origin.strip() == "*":
            return None
        names.add(_host_name(origin))
    if host in WILDCARD:
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name.lower())
            try:
                names.update(info[4][0] for info in socket.getaddrinfo(name, None))
            except OSError:
                pass
    else:
        names.add(_host_name(host if ":" not in host else f"[{host}]"))
    return frozenset(names)


def refusal(policy: AccessPolicy, request: HTTPServerRequest) -> tuple[int, str, str] | None:
    """``(status, title, explanation)`` when ``request`` must be refused, else ``None``."""
    if len(request.uri or "") > MAX_URL_BYTES:
        return (414, "This page address is too long",
                f"The address is {len(request.uri or '')} bytes long; the server accepts at "
                f"most {MAX_URL_BYTES}. Shorten the rows=, cols= or scopes= parameters.")
    if not policy.host_allowed(request.host):
        name = _host_name(request.host)
        return (403, "This server does not answer to that host name",
                f"The request named the host {name!r}, which is not a name this server "
                "listens as (a web page may be trying to read it through DNS rebinding). If you "
                f"use that name on purpose, restart the server with "
                f"--allow-websocket-origin {name}:{policy.port or 'PORT'}.")
    if policy.token is not None and not request.path.startswith(_OPEN_PREFIXES) \
            and not policy.token_ok(request):
        return (403, "This streamvis server needs a token",
                "Open the address that 'streamvis serve' printed when it started (it ends in "
                "?token=...), or add ?token=TOKEN to this address. The page then remembers "
                "it in a cookie. Scripts may send the header 'Authorization: token TOKEN'.")
    return None


class _Refused(Matcher):
    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy

    def match(self, request: HTTPServerRequest) -> dict[str, Any] | None:
        if refusal(self.policy, request) is not None:
            return {}
        if self.policy.token is not None and "token" in request.query_arguments \
                and request.path == "/":
            return {}  # a page opened with ?token=: set the cookie, drop it from the URL
        return None


class RefusedHandler(RequestHandler):
    """The error page for a refused request, or the redirect that stores a good token."""

    def initialize(self, policy: AccessPolicy) -> None:
        self.policy = policy

    def prepare(self) -> None:
        refused = refusal(self.policy, self.request)
        if refused is None:  # ?token= was right: keep it in a cookie, show the clean URL
            self.set_cookie(TOKEN_COOKIE, self.policy.token or "", httponly=True,
                            samesite="Strict", path="/")
            rest = [(k, v) for k, v in parse_qsl(self.request.query, keep_blank_values=True)
                    if k != "token"]
            self.redirect(self.request.path + (f"?{urlencode(rest)}" if rest else ""))
            return
        status, title, text = refused
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(f"<!DOCTYPE html><html><head><title>streamvis: {escape(title)}</title>"
                    '</head><body style="font-family: sans-serif; padding: 0 1em;">'
                    f'<div class="sv-refused"><h2>{escape(title)}</h2><p>{escape(text)}</p>'
                    "</div></body></html>")


def scrub(text: str) -> str:
    """``text`` with every ``token=...`` value replaced by ``token=[hidden]``."""
    return _TOKEN_RE.sub(r"\1[hidden]", text)


def _log_request(handler: RequestHandler) -> None:
    """Tornado's access log line, with tokens hidden (never log them)."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    request = handler.request
    logging.getLogger("tornado.access").log(
        level, "%d %s %s (%s) %.2fms", status, request.method, scrub(request.uri or ""),
        request.remote_ip, 1000.0 * request.request_time())


def install_access(server: Any, policy: AccessPolicy) -> None:
    """Guard every route of a Bokeh ``server`` (not yet started) with ``policy``."""
    app = server._tornado
    router = app.default_router
    router.rules.insert(0, router.process_rule(Rule(_Refused(policy), RefusedHandler,
                                                    {"policy": policy})))
    app.settings["log_function"] = _log_request
