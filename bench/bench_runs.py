"""A sweep on one page: R runs x M metrics x P points in one log, a page of F figures (R x F
lines), against TensorBoard on the same runs.

Measures, with the server in a subprocess and headless Chromium (Playwright):
- cold: server start until every line of the page is drawn (the log read included);
- open: a fresh page on a loaded server until every line is drawn, and the bytes it received;
- idle: server CPU (% of a core) with the page open and no new data;
- live: one new point on every series, p50/p95 over ``--rounds`` rounds until every line of the
  page shows it (``window.streamvis.lastX()``), timed from when the last point is in the log;
  bytes the page received per round; server CPU seconds per round with 1 page and with
  ``--pages`` pages open;
- zoom: a zoom on one figure until its lines hold the window at full resolution.
TensorBoard (``--load_fast=true``, its Rust data server, as in bench_server.py) reads one event
file per run (tensorboardX's layout, events built byte for byte): time from start until its
scalars endpoint serves every run of one tag with every step.

Usage: ``.venv/bin/python bench/bench_runs.py [--runs 1000 --metrics 8 --points 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from bench_server import _varint, free_port, stop, wait_http  # noqa: E402
from common import check, environment, print_table  # noqa: E402
from support_browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

from streamvis.logger import DataLogger  # noqa: E402
from streamvis.proto import encode_frames  # noqa: E402

VIEWPORT = {"width": 1600, "height": 1000}
_SERVE = """
import sys
from streamvis.server import load_schema, make_server
server = make_server(load_schema(sys.argv[1]), sys.argv[2], int(sys.argv[3]), poll_interval=0.5)
server.start()
print("serving", flush=True)
server.io_loop.start()
"""
# every figure draws `runs` lines, each with at least one point
DRAWN_JS = """(runs) => { const s = window.streamvis; if (!s || !s.ready) return false;
  const f = Object.values(s.shown());
  return f.length > 0 && f.every(l => { const v = Object.values(l);
    return v.length === runs && v.every(n => n > 0); }); }"""
# every line of every figure ends at x
LAST_X_JS = """(x) => Object.values(window.streamvis.lastX()).every(
  l => Object.values(l).every(v => v === x))"""
ZOOM_JS = """([fig, start, end]) => {
  for (const m of Bokeh.documents[0].all_models)
    if ((m.tags || []).includes('streamvis-figure') && m.tags[1] === fig && Bokeh.index.find_one(m)) {
      const view = Bokeh.index.find_one(m);
      view.update_range({xrs: new Map([[m.x_range, {start, end}]]), yrs: new Map()});
      view.trigger_ranges_update_event();
      return true;
    }
  return false; }"""
# the zoomed figure holds, per line, exactly the window's points plus one each side
ZOOMED_JS = """([fig, lo, hi, runs]) => { const l = window.streamvis.shown()[fig];
  const x = window.streamvis.lastX()[fig]; const v = Object.keys(l);
  return v.length === runs && v.every(k => l[k] === hi - lo + 3 && x[k] === hi + 1); }"""


def schema_text(metrics: int) -> str:
    return "".join(f"metric{m}:\n  scope_pattern: .*\n  group_pattern: metric{m}\n"
                   f"  glyph_kind: line\n  columns: [x, y]\n" for m in range(metrics))


def curve(run: int, metric: int, x: np.ndarray) -> np.ndarray:
    rate = 1e-3 * (1 + (run * 7 + metric) % 13)
    return (np.exp(-rate * x) + 0.02 * np.sin(x / 50.0 + run)).astype(np.float32)


def write_log(path: str, runs: int, metrics: int, points: int) -> None:
    x = np.arange(points, dtype=np.int64)
    for r in range(runs):
        with DataLogger(f"run{r:04d}").init(path, buffer_max_elem=10 ** 7) as logger:
            for m in range(metrics):
                logger.write(f"metric{m}", x=x, y=curve(r, m, x))


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_page(browser: Any, url: str, runs: int, ws: list[int]) -> tuple[Any, float]:
    page = browser.new_page(viewport=VIEWPORT)

    def on_ws(sock: Any) -> None:
        sock.on("framereceived", lambda payload: ws.__setitem__(0, ws[0] + len(payload)))

    page.on("websocket", on_ws)
    t = time.monotonic()
    page.goto(url)
    page.wait_for_function(DRAWN_JS, arg=runs, timeout=900_000, polling=20)
    return page, time.monotonic() - t


def live_round(page: Any, loggers: list[DataLogger], metrics: int, x: int,
               pid: int) -> tuple[float, float, float]:
    """One new point on every series; (latency s, write s, server CPU s)."""
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    for r, logger in enumerate(loggers):
        for m in range(metrics):
            logger.write(f"metric{m}", x=x, y=float(curve(r, m, np.array([x]))[0]))
    for logger in loggers:
        logger.flush_buffer()
    t1 = time.monotonic()
    page.wait_for_function(LAST_X_JS, arg=x, timeout=600_000, polling=20)
    t2 = time.monotonic()
    page.wait_for_timeout(600)     # let the tick after it pass, for the CPU reading
    return t2 - t1, t1 - t0, cpu_seconds(pid) - cpu0


def bench_streamvis(browser: Any, schema: str, log: str, args: argparse.Namespace,
                    figures: list[str]) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/?rows=" + ",".join(figures[:2]) + ";" + ",".join(figures[2:])
    out: dict[str, Any] = {}
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, schema, log, str(port)],
                            env={**os.environ, "BOKEH_LOG_LEVEL": "warn"})
    pages: list[Any] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, timeout=600)
        ws = [0]
        page, _ = open_page(browser, url, args.runs, ws)
        out["cold_s"] = time.monotonic() - t0
        print(f"  cold: {out['cold_s']:.2f} s", flush=True)
        page.close()
        ws = [0]
        page, out["open_s"] = open_page(browser, url, args.runs, ws)
        pages.append(page)
        page.wait_for_timeout(1500)
        out["open_mb"] = ws[0] / 1e6
        print(f"  open: {out['open_s']:.2f} s, {out['open_mb']:.1f} MB", flush=True)
        cpu0, t = cpu_seconds(proc.pid), time.monotonic()
        page.wait_for_timeout(10_000)
        out["idle_cpu_pct"] = 100 * (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t)
        print(f"  idle server CPU: {out['idle_cpu_pct']:.1f} %", flush=True)
        loggers = [DataLogger(f"run{r:04d}").init(log, flush_interval=3600)
                   for r in range(args.runs)]
        try:
            lat, writes, cpus, sizes = [], [], [], []
            for i in range(args.rounds):
                before = ws[0]
                latency, write_s, cpu = live_round(page, loggers, args.metrics,
                                                   args.points + i, proc.pid)
                lat.append(latency)
                writes.append(write_s)
                cpus.append(cpu)
                sizes.append(ws[0] - before)
                print(f"  live round {i}: {latency:.2f} s (writing took {write_s:.2f} s), "
                      f"{sizes[-1]:,} bytes, server CPU {cpu:.2f} s", flush=True)
            out["live_p50_s"] = statistics.median(lat)
            out["live_p95_s"] = float(np.percentile(lat, 95))
            out["write_s"] = statistics.median(writes)
            out["update_kb"] = statistics.median(sizes) / 1e3
            out["new_points"] = args.runs * len(figures)
            out["cpu_1_page_s"] = statistics.median(cpus)
            x_next = args.points + args.rounds
            for _ in range(args.pages - 1):
                extra, _ = open_page(browser, url, args.runs, [0])
                pages.append(extra)
            cpus = []
            for i in range(3):
                *_, cpu = live_round(page, loggers, args.metrics, x_next + i, proc.pid)
                cpus.append(cpu)
                print(f"  {args.pages} pages, round {i}: server CPU {cpu:.2f} s", flush=True)
            out["cpu_n_pages_s"] = statistics.median(cpus)
            for extra in pages[1:]:
                extra.close()
            del pages[1:]
        finally:
            for logger in loggers:
                logger.close()
        # a window small enough that every line of the figure fits its share of the budget
        lo, hi = int(args.points * 0.4), int(args.points * 0.4) + 40
        t = time.monotonic()
        check(page.evaluate(ZOOM_JS, [figures[0], lo, hi]), "no figure to zoom")
        page.wait_for_function(ZOOMED_JS, arg=[figures[0], lo, hi, args.runs],
                               timeout=120_000, polling=10)
        out["zoom_s"] = time.monotonic() - t
    finally:
        for page in pages:
            page.close()
        stop(proc)
    return out


def event_bytes(tag: bytes, step: int, value: float, wall: float) -> bytes:
    """``Event(wall_time, step, summary=Summary(value=[Value(tag, simple_value)]))``."""
    val = b"\x0a" + bytes([len(tag)]) + tag + b"\x15" + struct.pack("<f", value)
    summary = b"\x0a" + bytes([len(val)]) + val
    return (b"\x09" + struct.pack("<d", wall) + b"\x10" + _varint(step) + b"\x2a"
            + bytes([len(summary)]) + summary)


def write_events(logdir: str, runs: int, metrics: int, points: int) -> None:
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.summary import scalar

    now = time.time()
    ours = Event.FromString(event_bytes(b"metric3", 300, 0.5, now))
    check(ours == Event(summary=scalar("metric3", 0.5), step=300, wall_time=now),
          "hand-built event differs from tensorboardX's")
    x = np.arange(points)
    for r in range(runs):
        os.makedirs(os.path.join(logdir, f"run{r:04d}"))
        frames = [Event(wall_time=now, file_version="brain.Event:2").SerializeToString()]
        for step in range(points):     # tensorboardX writes step by step, every tag
            for m in range(metrics):
                frames.append(event_bytes(f"metric{m}".encode(), step,
                                          float(curve(r, m, x[step:step + 1])[0]), now))
        with open(os.path.join(logdir, f"run{r:04d}", "events.out.tfevents.0.bench"),
                  "wb") as f:
            f.write(encode_frames(frames))


def bench_tensorboard(logdir: str, runs: int, points: int) -> dict[str, Any]:
    from tensorboard_data_server import server_binary
    check(server_binary() is not None and os.path.exists(server_binary()),
          "tensorboard_data_server has no binary")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "tensorboard.main", "--logdir", logdir,
                             "--host", "127.0.0.1", "--port", str(port), "--load_fast=true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    names = [f"run{r:04d}" for r in range(runs)]
    out: dict[str, Any] = {}
    try:
        wait_http(base + "/", proc, timeout=600)
        out["ready_s"] = time.monotonic() - t0
        body = urllib.parse.urlencode([("tag", "metric0")] + [("runs", n) for n in names])
        deadline = time.monotonic() + 1800
        done = False
        while time.monotonic() < deadline and not done:
            try:
                req = urllib.request.Request(base + "/data/plugin/scalars/scalars_multirun",
                                             data=body.encode())
                with urllib.request.urlopen(req, timeout=120) as resp:
                    series = json.loads(resp.read())
                done = len(series) == runs and all(
                    s and s[-1][1] == points - 1 for s in series.values())
            except (OSError, ValueError):
                pass
            if not done:
                time.sleep(0.2)
        out["all_runs_s"] = time.monotonic() - t0
        check(done, "TensorBoard never served every run of metric0")
        out["points_served"] = sum(len(s) for s in series.values())
    finally:
        stop(proc)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--metrics", type=int, default=8)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--figures", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--no-tensorboard", action="store_true")
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    check(args.figures <= args.metrics, "--figures must not exceed --metrics")
    print("bench_runs:", environment(["bokeh", "tensorboard", "tensorboard-data-server"]))
    from playwright.sync_api import sync_playwright

    figures = [f"metric{m}" for m in range(args.figures)]
    with tempfile.TemporaryDirectory(dir=args.dir) as work:
        schema, log = os.path.join(work, "schema.yaml"), os.path.join(work, "sweep.svl")
        with open(schema, "w") as f:
            f.write(schema_text(args.metrics))
        t = time.monotonic()
        write_log(log, args.runs, args.metrics, args.points)
        print(f"setup: {args.runs} runs x {args.metrics} metrics x {args.points} points "
              f"written in {time.monotonic() - t:.1f} s ({os.path.getsize(log):,} bytes)",
              flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            sv = bench_streamvis(browser, schema, log, args, figures)
            browser.close()
        print("streamvis:", {k: round(v, 3) for k, v in sv.items()}, flush=True)
        tb = None
        if not args.no_tensorboard:
            logdir = os.path.join(work, "tb")
            t = time.monotonic()
            write_events(logdir, args.runs, args.metrics, args.points)
            print(f"setup: event files written in {time.monotonic() - t:.1f} s", flush=True)
            tb = bench_tensorboard(logdir, args.runs, args.points)
            print("TensorBoard:", {k: round(v, 3) for k, v in tb.items()}, flush=True)
    report(args, sv, tb)


def report(args: argparse.Namespace, sv: dict[str, Any], tb: dict[str, Any] | None) -> None:
    lines = args.runs * args.figures
    print(f"\n{args.runs} runs x {args.metrics} metrics x {args.points} points, page of "
          f"{args.figures} figures ({lines} lines)\n")
    rows = [
        ["cold: server start to every line drawn (s)", f"{sv['cold_s']:.2f}"],
        ["open: fresh page to every line drawn (s)", f"{sv['open_s']:.2f}"],
        ["open: bytes received (MB)", f"{sv['open_mb']:.1f}"],
        ["idle server CPU, 1 page (% of a core)", f"{sv['idle_cpu_pct']:.1f}"],
        [f"new point on all {lines} lines visible, p50 / p95 (s)",
         f"{sv['live_p50_s']:.2f} / {sv['live_p95_s']:.2f}"],
        ["bytes per live update (kB)", f"{sv['update_kb']:.1f}"],
        ["server CPU per round, 1 page (s)", f"{sv['cpu_1_page_s']:.2f}"],
        [f"server CPU per round, {args.pages} pages (s)",
         f"{sv['cpu_n_pages_s']:.2f} ({sv['cpu_n_pages_s'] / max(sv['cpu_1_page_s'], 1e-3):.1f}x)"],
        ["zoom on one figure to full resolution (s)", f"{sv['zoom_s']:.2f}"],
    ]
    if tb is not None:
        rows.append(["TensorBoard: start to all runs of one tag served (s)",
                     f"{tb['all_runs_s']:.2f} (streamvis cold / TensorBoard = "
                     f"{sv['cold_s'] / tb['all_runs_s']:.2f})"])
    print_table(["measure", "streamvis"], rows)


if __name__ == "__main__":
    main()
