"""Server benchmark: the streamvis Bokeh server vs TensorBoard on the same points, one run.

Data: ``--points`` points (default 10M) on one line, int64 x, float64 y (16 raw bytes a point),
one planted spike; written once with ``DataLogger`` and once as a TensorBoard event file
(TFRecord-framed ``Event`` protos with ``simple_value`` scalars, the layout tensorboardX's
``add_scalar`` writes; built byte-for-byte here, checked against tensorboardX's protos). Plus a
100-line variant (the same points as 100 lines) for streamvis.

Measured, for both: server start to the whole log viewable (streamvis: a headless Chromium page
holds the last point; TensorBoard: its scalars endpoint returns the last step), what is shown
(is the spike there?), bytes sent for the first view (streamvis: websocket bytes, i.e. the
document and data; TensorBoard: the scalars response; static JS bundles excluded for both), time
for a newly written point to appear, and the server's resident memory. For streamvis also:
memory per stored point, bytes per live update, and zoom refetch time on the long line.

TensorBoard runs with ``--load_fast=true`` (its Rust data server, ``tensorboard_data_server``)
when that binary is present, else ``--load_fast=false`` (the Python loader); the output says which.
Usage: ``.venv/bin/python bench/bench_server.py [--points 10000000] [--no-tensorboard]``.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import check, environment, median_of, print_table  # noqa: E402
from support_browser import CHROMIUM, CHROMIUM_FLAGS, free_port  # noqa: E402

from streamvis.logger import DataLogger  # noqa: E402
from streamvis.proto import encode_frames  # noqa: E402

SPIKE = 1.0e6
SCHEMA = "loss:\n  scope_pattern: .*\n  group_pattern: loss\n  glyph_kind: line\n" \
         "  columns: [x, y]\n"
VIEWPORT = {"width": 1200, "height": 700}
_SERVE = """
import sys
from streamvis.server import load_schema, make_server
server = make_server(load_schema(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
server.start()
print("serving", flush=True)
server.io_loop.start()
"""
# [lines drawn, points held in all, largest x held, largest y held, plot inner width]
HELD_JS = """() => {
  if (!window.Bokeh || !Bokeh.documents.length || !window.streamvis || !window.streamvis.ready)
    return [0, 0, null, null, 0];
  let glyphs = 0, n = 0, xmax = -Infinity, ymax = -Infinity, width = 0;
  for (const m of Bokeh.documents[0].all_models) {
    const tags = m.tags || [];
    if (tags.includes('streamvis-figure')) width = m.inner_width;
    if (tags[0] !== 'streamvis-lines') continue;
    for (let r = 0; r < m.data.xs.length; r++) {
      const x = m.data.xs[r], y = m.data.ys[r];
      if (!x.length) continue;
      glyphs += 1;
      n += x.length;
      for (let i = 0; i < x.length; i++) {
        if (x[i] > xmax) xmax = x[i];
        if (y[i] > ymax) ymax = y[i];
      }
    }
  }
  return [glyphs, n, xmax, ymax, width];
}"""
ZOOM_JS = """([start, end]) => {
  for (const m of Bokeh.documents[0].all_models)
    if ((m.tags || []).includes('streamvis-figure') && Bokeh.index.find_one(m)) {
      const view = Bokeh.index.find_one(m);
      view.update_range({xrs: new Map([[m.x_range, {start, end}]]), yrs: new Map()});
      view.trigger_ranges_update_event();
      return true;
    }
  return false;
}"""
FIRST_X_JS = """() => { for (const m of Bokeh.documents[0].all_models)
  if ((m.tags || [])[0] === 'streamvis-lines' && m.data.xs.length)
    return [m.data.xs[0][0], m.data.xs[0].length]; return null; }"""


# -- data --------------------------------------------------------------------------------


def make_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n, dtype=np.int64)
    y = 1.0 / (1.0 + 1e-6 * x) + 0.01 * np.sin(x / 1000.0)
    y[n // 3] = SPIKE
    return x, y


def write_streamvis(path: str, x: np.ndarray, y: np.ndarray, lines: int) -> None:
    batch = 1_000_000
    with DataLogger(scope="bench").init(path=path, buffer_max_elem=batch) as logger:
        if lines == 1:
            for i in range(0, len(x), batch):
                logger.write("loss", x=x[i:i + batch], y=y[i:i + batch])
        else:   # line k holds points k, k + lines, ... (same total, 100 indexes)
            xs, ys = x.reshape(-1, lines).T, y.reshape(-1, lines).T
            step = max(1, batch // lines)
            for i in range(0, xs.shape[1], step):
                logger.write("loss", x=np.ascontiguousarray(xs[:, i:i + step]),
                             y=np.ascontiguousarray(ys[:, i:i + step]))


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        bits, n = n & 0x7F, n >> 7
        if n:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def event_bytes(step: int, value: float, wall: float) -> bytes:
    """``Event(wall_time, step, summary=Summary(value=[Value(tag='loss', simple_value)]))``."""
    val = b"\x0a\x04loss\x15" + struct.pack("<f", value)
    summary = b"\x0a" + bytes([len(val)]) + val
    return (b"\x09" + struct.pack("<d", wall) + b"\x10" + _varint(step) + b"\x2a"
            + bytes([len(summary)]) + summary)


def write_events(path: str, x: np.ndarray, y: np.ndarray) -> None:
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.summary import scalar

    now = time.time()
    for step in (0, 300, 10_000_000):  # self-check against tensorboardX's own protos
        ours = Event.FromString(event_bytes(step, 0.5, now))
        theirs = Event(summary=scalar("loss", 0.5), step=step, wall_time=now)
        check(ours == theirs, f"hand-built event differs from tensorboardX's: {ours} vs {theirs}")
    with open(path, "wb") as f:
        f.write(encode_frames([Event(wall_time=now, file_version="brain.Event:2")
                               .SerializeToString()]))
        chunk = 200_000
        for i in range(0, len(x), chunk):
            f.write(encode_frames([event_bytes(s, v, now) for s, v in
                                   zip(x[i:i + chunk].tolist(), y[i:i + chunk].tolist())]))


# -- processes ---------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, MiB (from /proc)."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def get(url: str, timeout: float = 30) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.read()


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            get(url, 2)
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(url)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- streamvis ---------------------------------------------------------------------------


def bench_streamvis(browser: Any, schema: str, log: str, n: int, lines: int,
                    live: bool) -> dict[str, Any]:
    """Start a server on ``log``, open a page, measure; returns the numbers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport=VIEWPORT)
    ws_bytes = [0, 0]   # bytes received, frames received

    def on_ws(ws: Any) -> None:
        def frame(payload: Any) -> None:
            ws_bytes[0] += len(payload)
            ws_bytes[1] += 1
        ws.on("framereceived", frame)

    page.on("websocket", on_ws)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, schema, log, str(port)],
                            env={**os.environ, "BOKEH_LOG_LEVEL": "warn"})
    out: dict[str, Any] = {}
    try:
        wait_http(url + "/", proc)
        out["ready_s"] = time.monotonic() - t0
        page.goto(url + "/?rows=loss")
        page.wait_for_function(f"() => {{ const h = ({HELD_JS})(); return h[0] == {lines} && "
                               f"h[2] == {n - 1}; }}", timeout=300_000, polling=50)
        out["viewable_s"] = time.monotonic() - t0
        page.wait_for_timeout(1500)    # the resend for the real plot width, then quiet
        glyphs, held, xmax, ymax, width = page.evaluate(HELD_JS)
        check(glyphs == lines and xmax == n - 1, f"page holds {glyphs} glyphs, x max {xmax}")
        out.update(first_bytes=ws_bytes[0], held=held, spike=ymax == SPIKE, width=width)
        out["rss_mib"] = rss_mib(proc.pid)
        if live:
            out.update(_live_and_zoom(page, log, n, ws_bytes))
    finally:
        stop(proc)
        page.close()
    return out


def _live_and_zoom(page: Any, log: str, n: int, ws_bytes: list[int]) -> dict[str, Any]:
    latencies, update_bytes = [], []
    with DataLogger(scope="bench").init(path=log, flush_interval=0.05) as logger:
        for i in range(5):
            page.wait_for_timeout(700)          # land at random phases of the polling
            before = ws_bytes[0]
            step = n + i
            t = time.monotonic()
            logger.write("loss", x=step, y=0.5)
            logger.flush_buffer()
            page.wait_for_function(f"() => ({HELD_JS})()[2] >= {step}", timeout=30_000,
                                   polling=10)
            latencies.append(time.monotonic() - t)
            page.wait_for_timeout(400)          # let the update's frames finish arriving
            update_bytes.append(ws_bytes[0] - before)
    zooms = []
    for lo in np.linspace(n * 0.1, n * 0.8, 5).astype(int).tolist():
        t = time.monotonic()
        check(page.evaluate(ZOOM_JS, [lo, lo + 1000]), "no figure to zoom")
        page.wait_for_function(f"() => {{ const f = ({FIRST_X_JS})(); "
                               f"return f && f[0] == {lo - 1}; }}", timeout=30_000, polling=5)
        zooms.append(time.monotonic() - t)
        first, count = page.evaluate(FIRST_X_JS)
        check(count == 1003, f"zoom window holds {count} points, expected 1003 (full resolution)")
    return {"live_s": median_of(latencies), "live_max_s": max(latencies),
            "update_bytes": median_of(update_bytes), "zoom_s": median_of(zooms),
            "zoom_max_s": max(zooms)}


def store_bytes_per_point(log: str) -> tuple[float, int]:
    from streamvis.server.store import SeriesStore
    from streamvis.server.tailer import Tailer

    store = SeriesStore()
    tailer = Tailer(log, store)
    while tailer.poll_once():    # a poll reads a bounded amount: repeat until nothing is new
        pass
    check(tailer.last_error is None, f"tailer error: {tailer.last_error!r}")
    return store.nbytes / store.total_points, store.total_points


# -- TensorBoard -------------------------------------------------------------------------


def bench_tensorboard(logdir: str, event_file: str, n: int, y: np.ndarray) -> dict[str, Any]:
    try:
        from tensorboard_data_server import server_binary
        fast = server_binary() is not None and os.path.exists(server_binary())
    except ImportError:
        fast = False
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    scalars = f"{base}/data/plugin/scalars/scalars?run=.&tag=loss"
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", logdir,
                             "--host", "127.0.0.1", "--port", str(port),
                             f"--load_fast={'true' if fast else 'false'}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, Any] = {"mode": "load_fast=true (Rust data server)" if fast else
                           "load_fast=false (Python loader)"}
    try:
        wait_http(base + "/", proc, timeout=300)
        out["ready_s"] = time.monotonic() - t0
        body = b""
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            try:
                body = get(scalars)
                points = json.loads(body)
                if points and points[-1][1] == n - 1:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        out["viewable_s"] = time.monotonic() - t0
        points = json.loads(body)
        check(points[-1][1] == n - 1, f"TensorBoard never served step {n - 1}")
        out.update(first_bytes=len(body), held=len(points),
                   spike=any(abs(p[2] - SPIKE) < 1 for p in points))
        out["rss_mib"] = rss_mib(proc.pid)
        latencies = []
        for i in range(3):
            time.sleep(0.7)
            step = n + i
            t = time.monotonic()
            with open(event_file, "ab") as f:
                f.write(encode_frames([event_bytes(step, 0.5, time.time())]))
            while time.monotonic() - t < 120:
                points = json.loads(get(scalars))
                if points[-1][1] >= step:
                    break
                time.sleep(0.05)
            latencies.append(time.monotonic() - t)
        out["live_s"], out["live_max_s"] = median_of(latencies), max(latencies)
    finally:
        stop(proc)
    return out


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--lines", type=int, default=100, help="lines of the variant")
    parser.add_argument("--no-tensorboard", action="store_true")
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    n = args.points - args.points % args.lines
    print("bench_server:", environment(["bokeh", "tensorboard", "tensorboard-data-server",
                                        "tsdownsample"]))
    from playwright.sync_api import sync_playwright

    x, y = make_points(n)
    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        schema = os.path.join(work, "schema.yaml")
        with open(schema, "w") as f:
            f.write(SCHEMA)
        one, many = os.path.join(work, "one.svl"), os.path.join(work, "many.svl")
        logdir = os.path.join(work, "tb")
        os.makedirs(logdir)
        events = os.path.join(logdir, "events.out.tfevents.0.bench")
        t = time.monotonic()
        write_streamvis(one, x, y, 1)
        write_streamvis(many, x, y, args.lines)
        print(f"setup: streamvis logs written in {time.monotonic() - t:.1f} s "
              f"({os.path.getsize(one):,} and {os.path.getsize(many):,} bytes)")
        per_point, stored = store_bytes_per_point(one)
        check(stored == n, f"store holds {stored} points, expected {n}")
        if not args.no_tensorboard:
            t = time.monotonic()
            write_events(events, x, y)
            print(f"setup: event file written in {time.monotonic() - t:.1f} s "
                  f"({os.path.getsize(events):,} bytes)")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            sv = bench_streamvis(browser, schema, one, n, 1, live=True)
            print("streamvis, 1 line:", _rounded(sv), flush=True)
            sv_many = bench_streamvis(browser, schema, many, n, args.lines, live=False)
            print(f"streamvis, {args.lines} lines:", _rounded(sv_many), flush=True)
            browser.close()
        tb = None if args.no_tensorboard else bench_tensorboard(logdir, events, n, y)
        if tb is not None:
            print("TensorBoard:", _rounded(tb), flush=True)
    report(n, args.lines, sv, sv_many, tb, per_point)


def _rounded(r: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}


def report(n: int, lines: int, sv: dict, many: dict, tb: dict | None, per_point: float) -> None:
    def row(name: str, r: dict | None, shown: str) -> list[str]:
        if r is None:
            return [name] + ["-"] * 7
        live = f"{r['live_s']:.2f} (max {r['live_max_s']:.2f})" if "live_s" in r else "-"
        return [name, f"{r['ready_s']:.2f}", f"{r['viewable_s']:.2f}", shown,
                "yes" if r["spike"] else "NO", f"{r['first_bytes']:,}", live,
                f"{r['rss_mib']:.0f}"]

    print(f"\n### {n:,} points: start to viewable, what is shown, first-view bytes, live "
          "latency, memory\n")
    rows = [row("streamvis, 1 line", sv, f"{sv['held']:,} of {n:,} (plot {sv['width']} px)"),
            row(f"streamvis, {lines} lines", many, f"{many['held']:,} of {n:,}")]
    if tb is not None:
        rows.append(row(f"TensorBoard ({tb['mode']})", tb, f"{tb['held']:,} of {n:,}"))
    print_table(["server", "start to HTTP (s)", "start to last point viewable (s)",
                 "points shown", "spike shown", "first-view bytes", "new point seen (s)",
                 "RSS (MiB)"], rows)
    print("\n### streamvis only\n")
    print_table(["measure", "value", "target"], [
        ["store bytes per point (raw 16)", f"{per_point:.1f} ({per_point / 16:.2f}x raw)",
         "<= 1.5x raw"],
        ["websocket bytes per live update (1 point)", f"{sv['update_bytes']:,.0f}", "-"],
        ["zoom refetch, 1,000-point window of the long line (s)",
         f"{sv['zoom_s']:.3f} (max {sv['zoom_max_s']:.3f})", "< 0.3"],
    ])
    if tb is not None:
        print(f"\nratios (TensorBoard / streamvis): start to viewable "
              f"{tb['viewable_s'] / sv['viewable_s']:.1f}x, first-view bytes "
              f"{tb['first_bytes'] / sv['first_bytes']:.2f}x, new point seen "
              f"{tb['live_s'] / sv['live_s']:.1f}x, RSS {tb['rss_mib'] / sv['rss_mib']:.2f}x")
    print(f"targets: whole log viewable <= 1 s: {'met' if sv['viewable_s'] <= 1 else 'MISSED'} "
          f"({sv['viewable_s']:.2f} s from process start, {sv['viewable_s'] - sv['ready_s']:.2f} "
          f"s after the server answered); spike visible: {'met' if sv['spike'] else 'MISSED'}; "
          f"new point within 1.5 s: {'met' if sv['live_max_s'] <= 1.5 else 'MISSED'}; "
          f"zoom < 0.3 s: {'met' if sv['zoom_max_s'] < 0.3 else 'MISSED'}; "
          f"memory <= 1.5x raw: {'met' if per_point <= 24 else 'MISSED'}")
    print("\nall self-checks passed")


if __name__ == "__main__":
    main()
