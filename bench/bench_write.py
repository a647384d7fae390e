"""Write-path benchmark: streamvis ``DataLogger.write`` vs tensorboardX ``add_scalar`` vs floors.

Measured in one run on one machine (ratios are what matter; the absolute numbers move with
machine load):

1. scalar: ``--scalars`` calls of ``write("loss", x=step, y=value)``, amortised including the
   final ``close()`` (which flushes); tensorboardX ``SummaryWriter.add_scalar`` the same count,
   including its ``close()``; the floor packs (int64, float64) pairs into a bytearray and writes
   it with one file write.
2. caller vs worker: the same scalar writes with a buffer larger than the run and no timer, so
   the loop is pure caller-thread cost and ``close()`` is pure worker cost (encode + write);
   and per-call latency percentiles of ``write`` and ``add_scalar`` under default settings
   (the worst single call is the stall a training step would see).
3. batched: ``--points`` points in batches of ``--batch`` (int64 x, float32 y) vs
   ``numpy.tofile`` of the same batches, and of the whole arrays at once.

Every run reads back what it wrote and aborts if counts or values are wrong.
Usage: ``.venv/bin/python bench/bench_write.py [--repeat 5] [--scalars 200000]
[--points 1000000 --batch 100] [--sections scalar,batched]``.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (check, environment, fmt_ns, fmt_rate, median_of,  # noqa: E402
                    print_table, timed)

from streamvis.logger import DataLogger, read_log  # noqa: E402
from streamvis.proto import FrameDecoder  # noqa: E402

SPIKE = 1.0e6


def scalar_values(n: int) -> list[float]:
    """Float loss values with one spike at n // 3 (checked on read-back)."""
    ys = [1.0 / (1.0 + 0.001 * i) for i in range(n)]
    ys[n // 3] = SPIKE
    return ys


# -- scalar writers: each returns (loop seconds, total seconds) ------------------------------

def streamvis_scalar(path: str, ys: list[float], **init: object) -> tuple[float, float]:
    logger = DataLogger(scope="bench").init(path=path, **init)
    write = logger.write
    start = time.perf_counter()
    for i in range(len(ys)):
        write("loss", x=i, y=ys[i])
    loop = time.perf_counter() - start
    logger.close()
    return loop, time.perf_counter() - start


def tensorboardx_scalar(logdir: str, ys: list[float]) -> tuple[float, float]:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(logdir=logdir)
    add = writer.add_scalar
    start = time.perf_counter()
    for i in range(len(ys)):
        add("loss", ys[i], i)
    loop = time.perf_counter() - start
    writer.close()
    return loop, time.perf_counter() - start


def floor_scalar(path: str, ys: list[float]) -> tuple[float, float]:
    pack = struct.Struct("<qd").pack
    start = time.perf_counter()
    buf = bytearray()
    for i in range(len(ys)):
        buf += pack(i, ys[i])
    loop = time.perf_counter() - start
    with open(path, "wb") as f:
        f.write(buf)
    return loop, time.perf_counter() - start


# -- read-back checks -------------------------------------------------------------------------

def check_streamvis_scalars(path: str, ys: list[float]) -> None:
    series = read_log(path)
    check(len(series) == 1, f"{path}: expected 1 series, got {len(series)}")
    x, y = series[0].columns["x"], series[0].columns["y"]
    n = len(ys)
    check(len(x) == n and len(y) == n, f"{path}: expected {n} points, got {len(x)}")
    check(x.dtype == np.int64 and y.dtype == np.float64, f"{path}: dtypes {x.dtype}, {y.dtype}")
    check(np.array_equal(x, np.arange(n)), f"{path}: steps are not 0..{n - 1} in order")
    check(np.array_equal(y, np.asarray(ys)), f"{path}: values differ from those written")


def check_tensorboardx_scalars(logdir: str, ys: list[float]) -> None:
    from tensorboardX.proto.event_pb2 import Event

    files = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    check(len(files) == 1, f"{logdir}: expected one event file, got {files}")
    with open(files[0], "rb") as f:
        payloads = FrameDecoder().feed(f.read())
    scalars = [e for e in (Event.FromString(bytes(p)) for p in payloads) if e.HasField("summary")]
    n = len(ys)
    check(len(scalars) == n, f"{files[0]}: expected {n} scalar events, got {len(scalars)}")
    spike, last = scalars[n // 3], scalars[-1]
    check(spike.step == n // 3 and spike.summary.value[0].simple_value == SPIKE,
          f"{files[0]}: spike not found at step {n // 3}")
    check(last.step == n - 1 and last.summary.value[0].simple_value == np.float32(ys[-1]),
          f"{files[0]}: last event is step {last.step}, expected {n - 1}")


def check_floor_scalars(path: str, ys: list[float]) -> None:
    data = np.fromfile(path, dtype=np.dtype([("x", "<i8"), ("y", "<f8")]))
    check(len(data) == len(ys) and data["y"][len(ys) // 3] == SPIKE and data["x"][-1] == len(ys) - 1,
          f"{path}: floor file does not hold the {len(ys)} pairs written")


# -- batched ----------------------------------------------------------------------------------

def batches(points: int, batch: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    x = np.arange(points, dtype=np.int64)
    y = np.random.default_rng(0).standard_normal(points).astype(np.float32)
    y[points // 3] = SPIKE
    return ([x[i:i + batch] for i in range(0, points, batch)],
            [y[i:i + batch] for i in range(0, points, batch)])


def streamvis_batched(path: str, xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[float, float]:
    logger = DataLogger(scope="bench").init(path=path)
    write = logger.write
    start = time.perf_counter()
    for x, y in zip(xs, ys):
        write("batch", x=x, y=y)
    loop = time.perf_counter() - start
    logger.close()
    return loop, time.perf_counter() - start


def tofile_batched(path: str, xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[float, float]:
    start = time.perf_counter()
    with open(path, "wb") as f:
        for x, y in zip(xs, ys):
            x.tofile(f)
            y.tofile(f)
    elapsed = time.perf_counter() - start
    return elapsed, elapsed


def tofile_whole(path: str, xs: list[np.ndarray], ys: list[np.ndarray]) -> tuple[float, float]:
    x, y = np.concatenate(xs), np.concatenate(ys)  # outside the timing: the data exists already
    start = time.perf_counter()
    with open(path, "wb") as f:
        x.tofile(f)
        y.tofile(f)
    elapsed = time.perf_counter() - start
    return elapsed, elapsed


def check_streamvis_batched(path: str, xs: list[np.ndarray], ys: list[np.ndarray]) -> None:
    series = read_log(path)
    check(len(series) == 1, f"{path}: expected 1 series, got {len(series)}")
    x, y = series[0].columns["x"], series[0].columns["y"]
    check(x.dtype == np.int64 and y.dtype == np.float32, f"{path}: dtypes {x.dtype}, {y.dtype}")
    check(np.array_equal(x, np.concatenate(xs)) and np.array_equal(y, np.concatenate(ys)),
          f"{path}: batched points differ from those written ({len(x)} read)")


def check_tofile(path: str, xs: list[np.ndarray], ys: list[np.ndarray]) -> None:
    points = sum(len(x) for x in xs)
    check(os.path.getsize(path) == points * 12, f"{path}: {os.path.getsize(path)} bytes")


# -- driver -----------------------------------------------------------------------------------

def repeat(label: str, runs: int, fn: Callable[[str], tuple[float, float]],
           verify: Callable[[str], None], workdir: str, is_dir: bool = False) -> tuple[float, float]:
    """Median (loop, total) seconds over ``runs`` fresh files, each verified after writing."""
    loops, totals = [], []
    for run in range(runs):
        target = os.path.join(workdir, f"{label}-{run}")
        if is_dir:
            os.mkdir(target)
        loop, total = timed(lambda: fn(target))[1]
        verify(target)
        loops.append(loop)
        totals.append(total)
        if is_dir:
            shutil.rmtree(target)
        else:
            os.remove(target)
    return median_of(loops), median_of(totals)


def latency_percentiles(call: Callable[[int], None], n: int) -> list[float]:
    """p50, p99, p99.9 and max seconds of single calls (timer overhead included)."""
    clock = time.perf_counter_ns
    samples = np.empty(n, dtype=np.int64)
    for i in range(n):
        start = clock()
        call(i)
        samples[i] = clock() - start
    return [float(v) / 1e9 for v in np.percentile(samples, [50, 99, 99.9, 100])]


def scalar_section(args: argparse.Namespace, workdir: str) -> None:
    ys = scalar_values(args.scalars)
    n = len(ys)
    results = {
        "streamvis DataLogger.write": repeat(
            "sv", args.repeat, lambda p: streamvis_scalar(p, ys),
            lambda p: check_streamvis_scalars(p, ys), workdir),
        "tensorboardX add_scalar": repeat(
            "tbx", args.repeat, lambda d: tensorboardx_scalar(d, ys),
            lambda d: check_tensorboardx_scalars(d, ys), workdir, is_dir=True),
        "floor: struct.pack + 1 write": repeat(
            "floor", args.repeat, lambda p: floor_scalar(p, ys),
            lambda p: check_floor_scalars(p, ys), workdir),
    }
    sv = results["streamvis DataLogger.write"][1]
    tbx = results["tensorboardX add_scalar"][1]
    floor = results["floor: struct.pack + 1 write"][1]
    print(f"\n### Scalar writes: {n:,} calls, median of {args.repeat}, total includes close/flush\n")
    print_table(["writer", "ns/call (loop)", "ns/call (total)", "points/s (total)", "vs streamvis"],
                [[k, fmt_ns(loop / n), fmt_ns(total / n), fmt_rate(n / total),
                  f"{total / sv:.2f}x"] for k, (loop, total) in results.items()])
    print(f"\ntensorboardX / streamvis = {tbx / sv:.1f}x (target >= 20x); "
          f"streamvis / floor = {sv / floor:.1f}x")

    caller = repeat("sv-caller", args.repeat,
                    lambda p: streamvis_scalar(p, ys, buffer_max_elem=n + 1, flush_interval=3600.0),
                    lambda p: check_streamvis_scalars(p, ys), workdir)
    print(f"\n### Where a scalar write's time goes (buffer > {n:,} points, no timer)\n")
    print_table(["part", "ns/point"],
                [["caller thread: write() appends to the buffer", fmt_ns(caller[0] / n)],
                 ["worker: encode + append at close()", fmt_ns((caller[1] - caller[0]) / n)],
                 ["default settings: caller loop (worker running alongside)",
                  fmt_ns(results["streamvis DataLogger.write"][0] / n)]])

    lat_rows = []
    path = os.path.join(workdir, "sv-latency")
    logger = DataLogger(scope="bench").init(path=path)
    write = logger.write
    lat_rows.append(["streamvis write (default settings)",
                     *latency_percentiles(lambda i: write("loss", x=i, y=ys[i]), n)])
    logger.close()
    check_streamvis_scalars(path, ys)
    from tensorboardX import SummaryWriter

    logdir = os.path.join(workdir, "tbx-latency")
    writer = SummaryWriter(logdir=logdir)
    add = writer.add_scalar
    lat_rows.append(["tensorboardX add_scalar", *latency_percentiles(lambda i: add("loss", ys[i], i), n)])
    writer.close()
    check_tensorboardx_scalars(logdir, ys)
    print(f"\n### Per-call latency in the caller's thread, {n:,} calls (includes ~50 ns timer)\n")
    print_table(["call", "p50 ns", "p99 ns", "p99.9 ns", "max ns"],
                [[row[0], *(fmt_ns(v) for v in row[1:])] for row in lat_rows])


def batched_section(args: argparse.Namespace, workdir: str) -> None:
    xs, ys = batches(args.points, args.batch)
    n = args.points
    results = {
        f"streamvis write, {len(xs):,} x {args.batch}": repeat(
            "svb", args.repeat, lambda p: streamvis_batched(p, xs, ys),
            lambda p: check_streamvis_batched(p, xs, ys), workdir),
        f"numpy.tofile, {len(xs):,} x {args.batch}": repeat(
            "tofile", args.repeat, lambda p: tofile_batched(p, xs, ys),
            lambda p: check_tofile(p, xs, ys), workdir),
        "numpy.tofile, whole arrays": repeat(
            "tofile1", args.repeat, lambda p: tofile_whole(p, xs, ys),
            lambda p: check_tofile(p, xs, ys), workdir),
    }
    sv = next(iter(results.values()))[1]
    print(f"\n### Batched writes: {n:,} points (int64 x, float32 y), median of {args.repeat}\n")
    print_table(["writer", "ns/point (loop)", "ns/point (total)", "points/s (total)", "vs streamvis"],
                [[k, fmt_ns(loop / n), fmt_ns(total / n), fmt_rate(n / total), f"{total / sv:.2f}x"]
                 for k, (loop, total) in results.items()])
    print(f"\nstreamvis batched = {n / sv / 1e6:.1f}M points/s (target >= 50M); "
          f"streamvis / tofile (same batches) = {sv / list(results.values())[1][1]:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scalars", type=int, default=200_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    parser.add_argument("--sections", default="scalar,batched",
                        help="comma-separated subset of: scalar, batched")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if not sections or sections - {"scalar", "batched"}:
        parser.error(f"--sections: expected scalar and/or batched, got {args.sections!r}")
    print("bench_write:", environment(["tensorboardX"]))
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        if "scalar" in sections:
            scalar_section(args, workdir)
        if "batched" in sections:
            batched_section(args, workdir)
    print("\nall self-checks passed")


if __name__ == "__main__":
    main()
