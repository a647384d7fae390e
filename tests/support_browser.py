"""Browser test support: a free port, a streamvis server in a subprocess, headless Chromium.

Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (no ``playwright install``);
screenshots go to ``test-artifacts/`` at the repository root (gitignored).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from support_process import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]

_SERVE = """
import sys
from streamvis.server import load_schema, make_server
schema, log, port, poll = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
server = make_server(load_schema(schema), log, port, poll_interval=poll)
server.start()
print("serving", flush=True)
server.io_loop.start()
"""

# Per figure shown: its name, axis kind, and per line drawn (scope|name|index) the points held,
# read through the page's test hook ``window.streamvis.shown()``.
FIGURES_JS = """() => {
  const out = {};
  if (!window.Bokeh || !Bokeh.documents.length || !window.streamvis || !window.streamvis.ready)
    return out;
  const shown = window.streamvis.shown();
  for (const m of Bokeh.documents[0].all_models) {
    const tags = m.tags || [];
    if (!tags.includes('streamvis-figure') || !Bokeh.index.find_one(m)) continue;
    out[tags[1] + ':' + tags[2]] = shown[tags[1]] || {};
  }
  return out;
}"""

# Wait for this before reading the page: the document is loaded and the test hooks are set.
READY_JS = "() => window.streamvis !== undefined && window.streamvis.ready === true"

# Pixel boxes of every figure view on the page, by figure name.
BOXES_JS = """() => {
  const out = {};
  const visit = (view) => {
    const tags = (view.model && view.model.tags) || [];
    if (tags.includes('streamvis-figure')) {
      const r = view.el.getBoundingClientRect();
      out[tags[1]] = {x: r.x, y: r.y, width: r.width, height: r.height};
    }
    for (const child of (view.child_views || [])) visit(child);
  };
  for (const view of Bokeh.index.roots || Object.values(Bokeh.index)) visit(view);
  return out;
}"""


@contextmanager
def streamvis_server(schema: str, log_path: str, poll: float = 0.2,
                     timeout: float = 60.0) -> Iterator[str]:
    """Run ``make_server`` in a subprocess on a free port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, schema, log_path, str(port),
                             str(poll)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "BOKEH_LOG_LEVEL": "warn"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n"
                                   f"{proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(url + "/", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server at {url} did not answer within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until(page: Any, read: Callable[[], Any], ok: Callable[[Any], bool],
               timeout: float = 20.0) -> Any:
    """Poll ``read()`` until ``ok(value)``; return the last value either way (assert on it)."""
    deadline = time.monotonic() + timeout
    value = read()
    while not ok(value) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        value = read()
    return value


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path


def dumps(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)
