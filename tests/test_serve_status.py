"""``streamvis serve`` as users run it: started before anything is written, told what goes
wrong with the log (stderr and /api/status), and filled in when a writer starts."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import pytest

from support_cli import http_get, run_cli, start_cli
from support_emulators import (STORAGE_KINDS, emulator_env, gcs_emulator, s3_emulator,  # noqa: F401
                               storage_url)
from support_process import free_port

pytestmark = pytest.mark.slow


def demo_schema() -> str:
    from streamvis.server import demo_schema_path

    return demo_schema_path()


def api_status(url: str) -> dict[str, Any]:
    status, body = http_get(url.rstrip("/") + "/api/status")
    assert status == 200
    return json.loads(body)


def wait_status(url: str, ok, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        got = api_status(url)
        if ok(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def test_serve_before_the_first_write_then_errors_then_recovery(tmp_path):
    path = str(tmp_path / "later.log")
    serve = start_cli("serve", str(free_port()), demo_schema(), path, "--poll-interval", "0.1")
    try:
        url = serve.wait_for_url()
        assert f"waiting for data at {path}" in "".join(serve.stdout)
        first = api_status(url)
        assert first["path"] == path and first["points"] == 0 and first["scopes"] == {}
        assert first["error"] is None and first["bytes_read"] == 0
        status, page = http_get(url)
        assert status == 200 and "kldiv" in page
        # the PATH becomes a directory: the error is printed once and shown in the status
        os.mkdir(path)
        failing = wait_status(url, lambda s: s["error"] is not None)
        assert "directory" in failing["error"] and failing["error_since"], failing
        os.rmdir(path)
        # a writer starts: the server reads it without a restart
        done = run_cli("demo", "run24", path, "--steps", "20", "--interval", "0")
        assert done.returncode == 0, done.stderr
        full = wait_status(url, lambda s: s["points"] == 20 * 8)
        assert full["error"] is None and full["last_good_read"], full
        assert full["scopes"] == {"run24": {"series": 8, "points": 160}}, full
        assert full["bytes_read"] == os.path.getsize(path) and full["damaged_bytes"] == 0
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        serve.kill()
    errors = "".join(serve.stderr)
    assert errors.count(f"cannot read the log at {path}") == 1, errors
    assert "streamvis: warning: streamvis.server.tailer:" in errors
    assert f"reading the log at {path} again" in errors
    assert "Traceback" not in errors


# memory:// lives inside one process, and the server is another: not here
@pytest.mark.parametrize("storage_url", [k for k in STORAGE_KINDS if k != "memory"],
                         indirect=True)
def test_serve_starts_first_on_every_backend(storage_url):
    """Local, s3://, gs://: nothing at PATH yet, the server serves, and the points arrive
    when a writer starts, without a restart."""
    path, emulator = storage_url
    env = emulator_env(emulator)
    serve = start_cli("serve", str(free_port()), demo_schema(), path, "--poll-interval", "0.1",
                      env=env)
    try:
        url = serve.wait_for_url(timeout=60)
        assert f"waiting for data at {path}" in "".join(serve.stdout)
        assert api_status(url)["points"] == 0
        done = run_cli("demo", "run24", path, "--steps", "10", "--interval", "0", env=env)
        assert done.returncode == 0, done.stderr
        full = wait_status(url, lambda s: s["points"] == 80, timeout=60)
        assert full["scopes"] == {"run24": {"series": 8, "points": 80}} and full["error"] is None
        assert serve.stop(signal.SIGTERM) == 0
    finally:
        serve.kill()
    assert "Traceback" not in "".join(serve.stderr) and "warning" not in "".join(serve.stderr)
