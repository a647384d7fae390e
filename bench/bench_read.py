"""Read-path benchmark: ``read_log`` vs TensorBoard's ``EventAccumulator`` on the same points.

One run on one machine:

1. a streamvis log of ``--points`` points (int64 x, float32 y, one spike) written in batches of
   ``--batch`` with ``buffer_max_elem=--batch`` (the worker may merge queued buffers into
   larger records; the setup line prints the record count);
   ``read_log`` decodes it, median of ``--repeat``;
2. the first ``--tb-points`` of the same points written with tensorboardX ``add_scalar`` to an
   event file, and the same count as a streamvis log; ``EventAccumulator`` (size_guidance
   scalars=0, i.e. keep every point) loads the event file and ``read_log`` the streamvis log.

EventAccumulator runs at tens of thousands of points per second, so by default it gets fewer
points than ``read_log`` (``--tb-points``, 1M); rates are per point and the table says which
count each row used. Every reader's output is checked: point count, spike and last value.
Usage: ``.venv/bin/python bench/bench_read.py [--points 10000000] [--tb-points 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, environment, fmt_ns, fmt_rate, median_of, print_table, timed  # noqa: E402

from streamvis.logger import DataLogger, read_log  # noqa: E402
from streamvis.proto import FrameDecoder  # noqa: E402

SPIKE = np.float32(1.0e6)


def make_points(points: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(points, dtype=np.int64)
    y = (1.0 / (1.0 + 1e-4 * x)).astype(np.float32)
    y[points // 3] = SPIKE
    return x, y


def write_streamvis(path: str, x: np.ndarray, y: np.ndarray, batch: int) -> None:
    with DataLogger(scope="bench").init(path=path, buffer_max_elem=batch) as logger:
        for i in range(0, len(x), batch):
            logger.write("loss", x=x[i:i + batch], y=y[i:i + batch])


def write_tensorboardx(logdir: str, x: np.ndarray, y: np.ndarray) -> None:
    """The events ``SummaryWriter.add_scalar`` writes, via tensorboardX's synchronous
    ``EventsWriter`` (same file bytes, without the queue hop that makes setup take minutes)."""
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.summary import scalar

    os.makedirs(logdir, exist_ok=True)
    writer = EventsWriter(os.path.join(logdir, "events"))
    now = time.time()
    for step, value in zip(x.tolist(), y.tolist()):
        writer.write_event(Event(summary=scalar("loss", value), step=step, wall_time=now))
    writer.close()


def warm_up_event_accumulator(workdir: str) -> None:
    """Load a tiny event file once, so that TensorFlow's first-use setup is not timed."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logdir = os.path.join(workdir, "tb-warm-up")
    write_tensorboardx(logdir, np.arange(10), np.ones(10, dtype=np.float32))
    acc = EventAccumulator(logdir, size_guidance={"scalars": 0})
    acc.Reload()
    check(len(acc.Scalars("loss")) == 10, "EventAccumulator warm-up did not read 10 points")


def count_records(path: str) -> int:
    with open(path, "rb") as f:
        decoder = FrameDecoder()
        count = len(decoder.feed(f.read())) + len(decoder.finish())
    check(decoder.skipped_bytes == 0, f"{path}: {decoder.skipped_bytes} damaged bytes")
    return count


def check_streamvis(series: list, x: np.ndarray, y: np.ndarray, what: str) -> None:
    check(len(series) == 1, f"{what}: expected 1 series, got {len(series)}")
    sx, sy = series[0].columns["x"], series[0].columns["y"]
    n = len(x)
    check(len(sx) == n and len(sy) == n, f"{what}: expected {n} points, read {len(sx)}")
    check(sx.dtype == np.int64 and sy.dtype == np.float32, f"{what}: dtypes {sx.dtype}, {sy.dtype}")
    check(sy[n // 3] == SPIKE and sx[n // 3] == n // 3, f"{what}: spike missing at {n // 3}")
    check(sx[-1] == x[-1] and sy[-1] == y[-1], f"{what}: last point ({sx[-1]}, {sy[-1]}) wrong")
    check(np.array_equal(sx, x) and np.array_equal(sy, y), f"{what}: values differ")


def read_streamvis(path: str, x: np.ndarray, y: np.ndarray, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        elapsed, series = timed(lambda: read_log(path))
        check_streamvis(series, x, y, f"read_log({path!r})")
        del series
        samples.append(elapsed)
    return samples


def read_event_accumulator(logdir: str, x: np.ndarray, y: np.ndarray, repeat: int) -> list[float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    samples = []
    for _ in range(repeat):
        def load() -> list:
            acc = EventAccumulator(logdir, size_guidance={"scalars": 0})
            acc.Reload()
            return acc.Scalars("loss")

        elapsed, events = timed(load)
        n = len(x)
        check(len(events) == n, f"EventAccumulator({logdir!r}): expected {n} points, got {len(events)}")
        spike, last = events[n // 3], events[-1]
        check(spike.step == n // 3 and np.float32(spike.value) == SPIKE,
              f"EventAccumulator: spike missing at step {n // 3} (got {spike})")
        check(last.step == x[-1] and np.float32(last.value) == y[-1],
              f"EventAccumulator: last point {last} wrong, expected ({x[-1]}, {y[-1]})")
        del events
        samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--tb-points", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tb-repeat", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()
    print("bench_read:", environment(["tensorboardX", "tensorboard", "tensorflow-cpu"]))
    # import TensorBoard (which imports TensorFlow when present) before any timing
    from tensorboard.backend.event_processing import event_accumulator  # noqa: F401

    x, y = make_points(args.points)
    tx, ty = make_points(args.tb_points)
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        big = os.path.join(workdir, "big.svlog")
        small = os.path.join(workdir, "small.svlog")
        logdir = os.path.join(workdir, "tb")
        start = time.perf_counter()
        write_streamvis(big, x, y, args.batch)
        write_streamvis(small, tx, ty, args.batch)
        print(f"setup: wrote streamvis logs in {time.perf_counter() - start:.1f} s "
              f"({os.path.getsize(big):,} bytes in {count_records(big)} records, "
              f"{os.path.getsize(small):,} bytes in {count_records(small)} records)")
        start = time.perf_counter()
        write_tensorboardx(logdir, tx, ty)
        size = sum(os.path.getsize(os.path.join(logdir, f)) for f in os.listdir(logdir))
        print(f"setup: wrote {args.tb_points:,} tensorboardX scalars in "
              f"{time.perf_counter() - start:.1f} s ({size:,} bytes)")

        warm_up_event_accumulator(workdir)
        s_big = read_streamvis(big, x, y, args.repeat)
        s_small = read_streamvis(small, tx, ty, args.repeat)
        s_ea = read_event_accumulator(logdir, tx, ty, args.tb_repeat)
    t_big, t_small, t_ea = median_of(s_big), median_of(s_small), median_of(s_ea)

    def row(reader: str, points: int, samples: list[float]) -> list:
        t = median_of(samples)
        return [reader, f"{points:,}", len(samples), f"{t:.3f}",
                f"{min(samples):.3f} .. {max(samples):.3f}", fmt_ns(t / points),
                fmt_rate(points / t)]

    rows = [row("streamvis read_log", args.points, s_big),
            row("streamvis read_log", args.tb_points, s_small),
            row("TensorBoard EventAccumulator", args.tb_points, s_ea)]
    print(f"\n### Reading a log (int64 x, float32 y; streamvis written in {args.batch:,}-point "
          "batches, EventAccumulator size_guidance scalars=0)\n")
    print_table(["reader", "points", "runs", "seconds (median)", "min .. max s", "ns/point",
                 "points/s"], rows)
    rate_big = args.points / t_big
    rate_ea = args.tb_points / t_ea
    print(f"\nread_log on {args.points:,} points: {rate_big / 1e6:.1f}M points/s median, "
          f"{args.points / max(s_big) / 1e6:.1f}M .. {args.points / min(s_big) / 1e6:.1f}M over "
          f"{len(s_big)} runs (target >= 50M)")
    print(f"per-point speed-up vs EventAccumulator: {rate_big / rate_ea:.0f}x with read_log on "
          f"{args.points:,} points, {t_ea / t_small:.0f}x on the same {args.tb_points:,} points "
          "(target >= 100x)")
    print("\nall self-checks passed")


if __name__ == "__main__":
    main()
