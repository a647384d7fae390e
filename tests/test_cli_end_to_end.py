"""The real ``streamvis`` console script, driven in subprocesses: output and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import socket
import textwrap

import numpy as np
import pytest

from streamvis.logger import read_configs, read_log
from support_cli import http_get, run_cli, start_cli
from support_process import free_port

STEPS = 45
LAYERS = 6


def assert_one_line_error(result, *fragments: str) -> None:
    """Non-zero exit, no traceback, exactly one line on stderr naming every fragment."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("cli") / "demo.log")
    result = run_cli("demo", "run24", path, "--steps", str(STEPS), "--interval", "0")
    assert result.returncode == 0, result.stderr
    assert f"wrote {STEPS * (2 + LAYERS)} points" in result.stdout
    assert "\r" not in result.stdout  # not a terminal: plain progress lines
    assert f"step {STEPS}/{STEPS}" in result.stdout
    return path


def test_demo_writes_every_figure_through_the_logger(demo_log):
    series = {s.key: s for s in read_log(demo_log)}
    expected = {("run24", "kldiv", 0), ("run24", "cross_entropy", 0)} | {
        ("run24", "enc_attn_entropy", layer) for layer in range(LAYERS)}
    assert set(series) == expected
    for s in series.values():
        assert s.columns["x"].tolist() == list(range(STEPS))
        assert s.columns["x"].dtype.kind == "i"
    kl = series[("run24", "kldiv", 0)].columns["y"]
    assert kl[:10].mean() > kl[-10:].mean() > 0  # a decaying loss
    assert read_configs(demo_log)["run24"]["model"] == "demo-transformer"
    assert series[("run24", "kldiv", 0)].wall_time is not None


def test_list_table_and_json(demo_log):
    table = run_cli("list", demo_log)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.strip().splitlines()
    assert lines[0].split()[:4] == ["SCOPE", "NAME", "INDEX", "POINTS"]
    assert len(lines) == 1 + 2 + LAYERS + 1
    assert lines[-1].startswith(f"{2 + LAYERS} series, {STEPS * (2 + LAYERS)} points")
    assert "0 damaged bytes skipped" in lines[-1]
    kl_row = next(line for line in lines if " kldiv " in line).split()
    assert kl_row[:4] == ["run24", "kldiv", "0", str(STEPS)]

    doc = json.loads(run_cli("list", demo_log, "--json").stdout)
    rows = {(r["scope"], r["name"], r["index"]): r for r in doc["series"]}
    assert rows[("run24", "enc_attn_entropy", 5)]["points"] == STEPS
    assert rows[("run24", "kldiv", 0)]["x_max"] == STEPS - 1
    truth = {s.key: s for s in read_log(demo_log)}
    assert rows[("run24", "kldiv", 0)]["last_y"] == truth[("run24", "kldiv", 0)].columns["y"][-1]
    assert doc["totals"]["bytes"] == os.path.getsize(demo_log)
    assert doc["totals"]["damaged_bytes"] == 0


def test_list_reports_damaged_bytes(demo_log, tmp_path):
    damaged = tmp_path / "damaged.log"
    data = bytearray(open(demo_log, "rb").read())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data) + b"garbage")
    doc = json.loads(run_cli("list", str(damaged), "--json").stdout)
    assert doc["totals"]["damaged_bytes"] > 0
    assert run_cli("list", str(damaged)).returncode == 0


def test_export_csv_filtered(demo_log, tmp_path):
    result = run_cli("export", demo_log, "--name", "enc_attn_entropy", "--scope", "run2.")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == STEPS * LAYERS
    assert {r["name"] for r in rows} == {"enc_attn_entropy"}
    truth = {s.key: s for s in read_log(demo_log)}
    layer3 = [r for r in rows if r["index"] == "3"]
    expected = truth[("run24", "enc_attn_entropy", 3)].columns["y"]
    assert expected.dtype == np.float32
    parsed = np.array([r["y"] for r in layer3]).astype(np.float32)  # exact text round trip
    assert parsed.tolist() == expected.tolist()

    out = tmp_path / "all.csv"
    assert run_cli("export", demo_log, "-o", str(out)).returncode == 0
    with open(out, newline="") as f:
        assert sum(1 for _ in csv.reader(f)) == 1 + STEPS * (2 + LAYERS)


def test_export_parquet_keeps_dtypes(demo_log, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "demo.parquet"
    result = run_cli("export", demo_log, "--format", "parquet", "-o", str(out), "--name", "kldiv")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.column_names == ["scope", "name", "index", "x", "y"]
    assert str(table.schema.field("x").type) == "int64"
    assert table.column("x").to_pylist() == list(range(STEPS))


def test_delete_then_list_shows_it_gone(demo_log, tmp_path):
    path = str(tmp_path / "copy.log")
    shutil.copy(demo_log, path)
    refused = run_cli("delete", path, "--scope", "run24", "--name", "kldiv")  # no stdin
    assert_one_line_error(refused, "--yes")
    declined = run_cli("delete", path, "--scope", "run24", "--name", "kldiv", input="n\n")
    assert declined.returncode != 0 and "nothing deleted" in declined.stdout
    assert ("run24", "kldiv", 0) in {s.key for s in read_log(path)}

    done = run_cli("delete", path, "--scope", "run24", "--name", "kldiv", "--yes")
    assert done.returncode == 0, done.stderr
    assert "kldiv" in done.stdout and "deleted 1 series" in done.stdout
    listing = run_cli("list", path, "--json")
    names = {r["name"] for r in json.loads(listing.stdout)["series"]}
    assert names == {"cross_entropy", "enc_attn_entropy"}

    confirmed = run_cli("delete", path, "--scope", ".*", input="y\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(run_cli("list", path, "--json").stdout)["series"] == []


def demo_schema() -> str:
    from streamvis.server import demo_schema_path

    return demo_schema_path()


@pytest.mark.slow
def test_serve_index_page_and_sigterm(demo_log):
    server = start_cli("serve", str(free_port()), demo_schema(), demo_log)
    try:
        url = server.wait_for_url()
        status, body = http_get(url)
        assert status == 200
        assert "kldiv" in body and "enc_attn_entropy" in body
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.kill()
    assert "Traceback" not in "".join(server.stderr)


@pytest.mark.slow
def test_serve_through_tf_gfile(demo_log):
    pytest.importorskip("tensorflow")
    server = start_cli("serve", str(free_port()), demo_schema(), demo_log, "--backend", "gfile")
    try:
        status, body = http_get(server.wait_for_url())
        assert status == 200 and "cross_entropy" in body
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.kill()
    assert "Traceback" not in "".join(server.stderr)


@pytest.mark.slow
def test_quickstart_serves_all_three_figures_and_stops_both(tmp_path):
    port = free_port()
    quick = start_cli("quickstart", "--port", str(port), "--interval", "0.01", cwd=str(tmp_path))
    log = tmp_path / "streamvis-quickstart.log"
    try:
        url = quick.wait_for_url(containing="rows=")
        assert f":{port}/" in url
        status, _ = http_get(url)
        assert status == 200
        assert log.exists()
        assert quick.stop(signal.SIGINT) == 0
    finally:
        quick.kill()
    assert "Traceback" not in "".join(quick.stderr)
    producers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
        except OSError:
            continue
        if "demo" in cmdline and "streamvis-quickstart.log" in cmdline and \
                os.readlink(f"/proc/{pid}/cwd") == str(tmp_path):
            producers.append(pid)
    assert producers == []  # the background producer was stopped too
    names = {s.name for s in read_log(str(log))}
    assert names == {"kldiv", "cross_entropy", "enc_attn_entropy"}


# -- errors: one line on stderr, non-zero exit, no traceback -------------------------------

def test_unknown_subcommand():
    assert_one_line_error(run_cli("frobnicate"), "frobnicate")


def test_no_subcommand():
    assert_one_line_error(run_cli(), "COMMAND")


def test_missing_argument():
    result = run_cli("list")
    assert_one_line_error(result, "PATH")
    assert result.returncode == 2


def test_missing_path(tmp_path):
    missing = str(tmp_path / "nothing.log")
    assert_one_line_error(run_cli("list", missing), missing)
    assert_one_line_error(run_cli("export", missing), missing)


def test_path_is_a_directory(tmp_path):
    assert_one_line_error(run_cli("list", str(tmp_path)), "directory")


def test_demo_into_missing_directory(tmp_path):
    path = str(tmp_path / "no" / "such" / "dir" / "x.log")
    assert_one_line_error(run_cli("demo", "r", path, "--steps", "3", "--interval", "0"),
                          "does not exist")


def test_unsupported_scheme():
    assert_one_line_error(run_cli("list", "ftp://host/log"), "ftp://", "expected")


BLOCK_IMPORTS = textwrap.dedent("""
    import importlib.abc, sys
    class _Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("fsspec", "gcsfs", "s3fs"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, _Missing())
""")


def test_scheme_whose_backend_is_missing(tmp_path):
    # sitecustomize runs at interpreter start-up: the real console script then runs on a
    # Python where fsspec and gcsfs cannot be imported, as on a machine without the extra.
    (tmp_path / "sitecustomize.py").write_text(BLOCK_IMPORTS)
    env = {"PYTHONPATH": str(tmp_path)}
    result = run_cli("list", "gs://bucket/run.log", env=env)
    assert_one_line_error(result, "gs://bucket/run.log", "pip install", "gcs")
    result = run_cli("demo", "r", "s3://bucket/run.log", "--steps", "1", env=env)
    assert_one_line_error(result, "s3://bucket/run.log", "pip install", "s3")


def test_invalid_regex(demo_log):
    assert_one_line_error(run_cli("export", demo_log, "--name", "kl(div"), "--name", "kl(div")
    assert_one_line_error(run_cli("delete", demo_log, "--scope", "[", "--yes"), "--scope")


def test_invalid_schema(demo_log, tmp_path):
    schema = tmp_path / "bad.yaml"
    schema.write_text("kldiv:\n  scope_pattern: '('\n  glyph_kind: spline\n")
    result = run_cli("serve", str(free_port()), str(schema), demo_log)
    assert_one_line_error(result, str(schema))
    missing = run_cli("serve", str(free_port()), str(tmp_path / "nope.yaml"), demo_log)
    assert_one_line_error(missing, "nope.yaml")


def test_port_in_use(demo_log):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", str(port), demo_schema(), demo_log)
        assert_one_line_error(result, str(port), "in use")
        quick = run_cli("quickstart", "--port", str(port), "--path", demo_log + ".q")
        assert_one_line_error(quick, str(port), "in use")
        assert not os.path.exists(demo_log + ".q")  # failed before starting the producer


def test_bad_port_number(demo_log):
    result = run_cli("serve", "http", demo_schema(), demo_log)
    assert_one_line_error(result, "'http'", "port")
    assert result.returncode == 2
