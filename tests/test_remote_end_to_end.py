"""End to end over S3: ``streamvis demo`` writes to ``s3://`` on moto_server while
``streamvis serve`` tails the same PATH, and headless Chromium shows the points arriving."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest

from streamvis.logger import read_log
from support_browser import FIGURES_JS, chromium, dumps, free_port, screenshot
from support_cli import http_get, start_cli
from support_emulators import Emulator, emulator_env, serving, start_s3

pytestmark = [pytest.mark.emulator, pytest.mark.browser, pytest.mark.slow]


def per_series(figures: dict) -> dict[str, int]:
    """``scope|name|index`` -> points the page holds (a series drawn twice counts once)."""
    out: dict[str, int] = {}
    for glyphs in figures.values():
        for key, n in glyphs.items():
            out[key] = max(n, out.get(key, 0))
    return out


@pytest.fixture
def own_s3() -> Iterator[Emulator]:
    """A moto server for this test alone: the session's one holds what earlier tests wrote,
    and moto's listings (which the tailer makes every poll) slow down as it grows."""
    with serving(start_s3()) as emu:
        yield emu


def test_demo_to_s3_served_and_drawn_in_chromium(own_s3):
    from streamvis.server import demo_schema_path

    s3_url = f"s3://{own_s3.make_bucket()}/logs/run"
    env = emulator_env(own_s3)
    # The server starts first, on a PATH nothing has been written to yet (as the seed does),
    # and must be serving before the writer starts: no race decides this test.
    serve = start_cli("serve", str(free_port()), demo_schema_path(), s3_url,
                      "--poll-interval", "0.5", env=env)
    demo = None
    try:
        url = serve.wait_for_url(timeout=60)
        status, body = http_get(url.rstrip("/") + "/api/status")
        assert status == 200 and json.loads(body)["points"] == 0, body
        assert any("waiting for data" in line for line in serve.stdout), serve.stdout
        # Long enough that it is surely still writing when the page first shows points; it
        # is stopped with Ctrl-C below (which flushes what it wrote).
        demo = start_cli("demo", "run24", s3_url, "--steps", "100000", "--interval", "0.01",
                         env=env)
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(url.rstrip("/") + "/?rows=kldiv,cross_entropy;enc_attn_entropy")
            page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                                   "Bokeh.documents[0].roots().length > 0")
            first: dict[str, int] = {}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                first = per_series(page.evaluate(FIGURES_JS))
                if first.get("run24|kldiv|0", 0) > 0:
                    break
                page.wait_for_timeout(200)
            assert first.get("run24|kldiv|0", 0) > 0, dumps(first)
            assert demo.proc.poll() is None, "the demo stopped before the page showed points"
            # Points keep arriving while the demo writes.
            grown = first
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and grown["run24|kldiv|0"] <= first["run24|kldiv|0"]:
                page.wait_for_timeout(200)
                grown = per_series(page.evaluate(FIGURES_JS))
            assert grown["run24|kldiv|0"] > first["run24|kldiv|0"], dumps(grown)
            # Ctrl-C: flushes, exits 130; close() may wait out an upload in flight on a busy
            # emulator (the logger's flush and join timeouts are 30 s each)
            assert demo.stop(signal.SIGINT, timeout=90) in (0, 130)
            truth = {f"{s.scope}|{s.name}|{s.index}": len(s) for s in read_log(s3_url)}
            assert truth["run24|kldiv|0"] >= grown["run24|kldiv|0"]
            assert {"run24|cross_entropy|0", "run24|enc_attn_entropy|5"} <= set(truth)
            shown: dict[str, int] = {}
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # the page catches up with the whole log
                shown = per_series(page.evaluate(FIGURES_JS))
                if shown == truth:
                    break
                page.wait_for_timeout(250)
            screenshot(page, "remote_end_to_end_s3.png")
            assert shown == truth, dumps({"page": shown, "log": truth})
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        if demo is not None:
            demo.kill()
        serve.kill()
    assert demo is not None
    assert "Traceback" not in "".join(demo.stderr + serve.stderr), "".join(serve.stderr)
