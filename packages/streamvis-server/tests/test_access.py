"""Access rules on real Tornado requests (no server): host names, token sources, URL cap."""

from __future__ import annotations

from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from streamvis.server.access import MAX_URL_BYTES, AccessPolicy, listen_hosts, refusal, scrub


def request(uri: str = "/", host: str = "127.0.0.1:5006", **headers: str) -> HTTPServerRequest:
    return HTTPServerRequest(start_line=RequestStartLine("GET", uri, "HTTP/1.1"),
                             headers=HTTPHeaders({"Host": host, **headers}))


def test_listen_hosts():
    local = listen_hosts("127.0.0.1")
    assert {"localhost", "127.0.0.1", "::1"} <= local and "example.com" not in local
    assert "viewer.example" in listen_hosts("127.0.0.1", ["Viewer.Example:5006"])
    assert listen_hosts("0.0.0.0", ["*"]) is None
    assert "10.1.2.3" in listen_hosts("10.1.2.3") and "::1" in listen_hosts("::")


def test_host_header_forms():
    policy = AccessPolicy(listen_hosts("127.0.0.1"))
    for host in ("localhost:5006", "LOCALHOST", "127.0.0.1", "[::1]:5006", "localhost."):
        assert refusal(policy, request(host=host)) is None, host
    status, title, text = refusal(policy, request(host="evil.example:5006"))
    assert status == 403 and "'evil.example'" in text


def test_token_sources_and_url_cap():
    policy = AccessPolicy(None, token="abcdefgh12")
    assert refusal(policy, request())[0] == 403
    assert refusal(policy, request("/?token=abcdefgh12")) is None
    assert refusal(policy, request("/?token=abcdefgh1")) is not None  # a prefix is not it
    assert refusal(policy, request(Cookie="streamvis_token=abcdefgh12")) is None
    assert refusal(policy, request(Authorization="token abcdefgh12")) is None
    assert refusal(policy, request("/static/js/bokeh.min.js")) is None
    assert refusal(policy, request("/?a=" + "x" * MAX_URL_BYTES))[0] == 414


def test_scrub_hides_tokens():
    assert scrub("GET /?rows=a&token=abc123&x=1") == "GET /?rows=a&token=[hidden]&x=1"
