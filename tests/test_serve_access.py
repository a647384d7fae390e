"""Who may read a running ``streamvis serve``: Host header check, token (page, websocket,
/api/status), long URLs; each refusal a readable page, and no token in any log line."""

from __future__ import annotations

import http.client
import signal
from urllib.parse import urlsplit

import pytest

from support_cli import start_cli
from support_process import free_port

pytestmark = pytest.mark.slow

TOKEN = "s3cret-t0ken-value"


def demo_schema() -> str:
    from streamvis.server import demo_schema_path

    return demo_schema_path()


def get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read().decode("utf-8", "replace"))
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path, request):
    extra = getattr(request, "param", ())
    serve = start_cli("serve", str(free_port()), demo_schema(), str(tmp_path / "run.log"),
                      *extra)
    try:
        yield serve, serve.wait_for_url()
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        serve.kill()


def test_foreign_host_gets_a_403_page(served):
    serve, url = served
    port = urlsplit(url).port
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
        assert get(url, "/", {"Host": host})[0] == 200, host
    status, _, body = get(url, "/", {"Host": f"rebind.attacker.example:{port}"})
    assert status == 403
    assert "does not answer to that host name" in body and "rebind.attacker.example" in body
    assert f"--allow-websocket-origin rebind.attacker.example:{port}" in body
    assert "run.log" not in body  # the page that names the PATH is not shown
    assert get(url, "/api/status", {"Host": "evil.example"})[0] == 403


@pytest.mark.parametrize("served", [("--allow-websocket-origin", "viewer.example:5006")],
                         indirect=True)
def test_allowed_origin_host_is_answered(served):
    serve, url = served
    assert get(url, "/", {"Host": "viewer.example:5006"})[0] == 200
    assert get(url, "/", {"Host": "other.example"})[0] == 403


def test_overlong_url_gets_the_error_page(served):
    serve, url = served
    status, _, body = get(url, "/?rows=" + "a" * (70 * 1024))
    assert status == 414 and "This page address is too long" in body
    assert get(url, "/?rows=" + "a" * (60 * 1024))[0] == 200  # under 64 KiB: the app answers


@pytest.mark.parametrize("served", [("--token", TOKEN)], indirect=True)
def test_token_required_on_page_status_and_websocket(served):
    serve, url = served
    assert url.endswith(f"/?token={TOKEN}")  # printed for the user to open
    status, _, body = get(url, "/")
    assert status == 403 and "needs a token" in body and "?token=" in body
    assert get(url, "/api/status")[0] == 403
    assert get(url, "/?token=wrong-token-here")[0] == 403
    ws = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
          "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": url.rstrip("/")}
    assert get(url, "/ws", ws)[0] == 403
    # ?token= once: a cookie, and the page address without it
    status, headers, _ = get(url, f"/?rows=kldiv&token={TOKEN}")
    assert status == 302 and headers["location"] == "/?rows=kldiv"
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie == f"streamvis_token={TOKEN}" and "httponly" in headers["set-cookie"].lower()
    assert get(url, "/?rows=kldiv", {"Cookie": cookie})[0] == 200
    assert get(url, "/api/status", {"Authorization": f"token {TOKEN}"})[0] == 200
    assert get(url, f"/api/status?token={TOKEN}")[0] == 200
    assert get(url, "/ws", {**ws, "Cookie": cookie})[0] == 101
    assert get(url, "/static/js/bokeh.min.js")[0] == 200  # BokehJS is public code
    serve.stop(signal.SIGTERM)
    assert TOKEN not in "".join(serve.stderr) and "wrong-token-here" not in "".join(serve.stderr)


@pytest.mark.parametrize("served", [("--host", "0.0.0.0")], indirect=True)
def test_beyond_loopback_a_token_is_made_and_printed(served):
    serve, url = served
    query = urlsplit(url).query
    assert query.startswith("token=") and len(query) > 30, url
    assert get(url, "/")[0] == 403
    assert get(url, "/?" + query)[0] == 302


def test_no_token_beyond_loopback_warns(tmp_path):
    serve = start_cli("serve", str(free_port()), demo_schema(), str(tmp_path / "x.log"),
                      "--host", "0.0.0.0", "--no-token")
    try:
        url = serve.wait_for_url()
        assert "token" not in url
        assert get(url, "/")[0] == 200
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        serve.kill()
    assert "--no-token: every run's data is served to anyone" in "".join(serve.stderr)


BANNER_JS = """() => {
  for (const m of Bokeh.documents[0]._all_models.values())
    if ((m.tags || []).includes('streamvis-status')) return m.visible ? m.text : '';
  return null;
}"""


@pytest.mark.browser
def test_chromium_with_a_token_sees_waiting_then_the_points(tmp_path):
    """The printed URL works in a browser: the token goes into a cookie that the websocket
    carries; the banner says it waits for data, then the points arrive and it goes away."""
    from support_browser import FIGURES_JS, chromium, wait_until
    from support_cli import run_cli

    path = str(tmp_path / "later.log")
    serve = start_cli("serve", str(free_port()), demo_schema(), path, "--token", TOKEN,
                      "--poll-interval", "0.1")
    try:
        url = serve.wait_for_url()
        with chromium() as browser:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(url.replace("/?token=", "/?rows=kldiv&token="))
            assert "token" not in page.url and page.url.endswith("/?rows=kldiv")
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                                   "Bokeh.documents[0].roots().length > 0")
            assert page.evaluate(BANNER_JS) == (f"Waiting for data at {path}: nothing has "
                                                "been written there yet.")
            done = run_cli("demo", "run24", path, "--steps", "30", "--interval", "0")
            assert done.returncode == 0, done.stderr
            shown = wait_until(page, lambda: page.evaluate(FIGURES_JS),
                               lambda f: f.get("kldiv:linear", {}).get("run24|kldiv|0") == 30)
            assert shown.get("kldiv:linear", {}).get("run24|kldiv|0") == 30, shown
            assert wait_until(page, lambda: page.evaluate(BANNER_JS), lambda t: t == "") == ""
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        serve.kill()
    assert TOKEN not in "".join(serve.stderr)
