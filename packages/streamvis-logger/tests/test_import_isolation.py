"""``import streamvis.logger`` stays light: no viewer or ML framework modules."""

import json
import subprocess
import sys

HEAVY = ["bokeh", "yaml", "tensorflow", "torch", "jax", "streamvis.server", "streamvis.cli",
         "fsspec", "gcsfs", "s3fs", "pyarrow"]


def test_import_leaves_heavy_modules_out():
    code = ("import sys, json, streamvis.logger, streamvis.proto; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert json.loads(out.stdout) == []


def test_import_starts_no_threads():
    code = "import threading, streamvis.logger; print(threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "1"
