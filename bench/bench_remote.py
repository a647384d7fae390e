"""Remote-storage benchmark against a real S3 emulator (moto_server on 127.0.0.1).

One run on one machine:

1. Cost per flush as the log grows: one ``DataLogger`` flushes ``--points-per-flush`` points
   ``--flushes`` times (default 1000) to ``s3://.../run``; each ``flush_buffer()`` is timed.
   Reported around flush 1, 100 and 1000 (median of the 10 flushes ending there) with the size
   of that flush's segment. Peer, same server: "append by rewrite" (GET the whole object, PUT it
   back with the new bytes), the only way to append to one S3 object, timed at the log sizes
   reached after 1, 100 and 1000 flushes.
2. Time for a tailing reader to see a new segment: a ``LogReader`` polls every
   ``--poll-interval`` s in a thread; the writer flushes one point; the delay from the end of
   ``flush_buffer()`` until ``poll()`` returned it (median and max of ``--trials``), on the log
   of step 1. Also the cost of a poll that finds nothing (one LIST of recent names).
3. ``read_log`` over the log of step 1 (1000+ segments): segments, MB and points per second,
   median of ``--repeat``; peer: the same segments fetched one by one with ``cat_file``
   (sequential), which is what a reader without batching would do. Then the same log after
   ``compact()`` (few large segments).

Every number is self-checked (point counts, one object per flush, equal segment sizes).
Usage: ``.venv/bin/python bench/bench_remote.py [--flushes 1000]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import check, environment, fmt_rate, median_of, print_table, timed  # noqa: E402
from support_emulators import _stop, start_s3  # noqa: E402


def flush_cost(url: str, flushes: int, per_flush: int) -> tuple[list[float], list[int]]:
    from streamvis.logger import DataLogger

    times = []
    with DataLogger("bench").init(url, flush_interval=3600, buffer_max_elem=10 * per_flush) as lg:
        for f in range(flushes):
            lg.write("loss", x=np.arange(f * per_flush, (f + 1) * per_flush, dtype=np.int64),
                     y=np.full(per_flush, 0.5, dtype=np.float32))
            start = time.perf_counter()
            lg.flush_buffer()
            times.append(time.perf_counter() - start)
        objects = lg._store.objects
    names = objects.list_names()
    check(len(names) == flushes, f"{len(names)} objects after {flushes} flushes")
    sizes = [objects.fs.info(f"{objects.prefix}/{names[i]}")["size"]
             for i in (0, min(99, flushes - 1), flushes - 1)]
    return times, sizes


def rewrite_cost(fs, path: str, size: int, add: int, repeat: int = 5) -> float:
    """Seconds to append ``add`` bytes to a ``size``-byte object by GET + PUT of the whole."""
    fs.pipe_file(path, b"\0" * size)
    samples = []
    for _ in range(repeat):
        def append():
            data = fs.cat_file(path)
            fs.pipe_file(path, data[:size] + b"\1" * add)
        samples.append(timed(append)[0])
    return median_of(samples)


def reader_latency(url: str, trials: int, poll_interval: float):
    from streamvis.logger import DataLogger, LogReader
    from streamvis.logger.storage.segmented import LOOKBACK_ENV

    reader = LogReader(url)
    reader.read_all()
    empty = [timed(reader.poll)[0] for _ in range(10)]
    os.environ[LOOKBACK_ENV] = "2"  # a reader listing only the last 2 s of names
    try:
        short = LogReader(url)
    finally:
        del os.environ[LOOKBACK_ENV]
    short.read_all()
    empty_short = [timed(short.poll)[0] for _ in range(10)]
    seen: dict[int, float] = {}
    stop = threading.Event()

    def tail():
        while not stop.is_set():
            for s in reader.poll():
                if s.scope == "lat":
                    for x in s.columns["x"].tolist():
                        seen[x] = time.perf_counter()
            time.sleep(poll_interval)

    thread = threading.Thread(target=tail, daemon=True)
    thread.start()
    delays = []
    with DataLogger("lat").init(url, flush_interval=3600) as lg:
        for i in range(trials):
            lg.write("loss", x=i, y=0.0)
            lg.flush_buffer()
            done = time.perf_counter()
            deadline = done + 30
            while i not in seen and time.perf_counter() < deadline:
                time.sleep(0.001)
            check(i in seen, f"reader never saw point {i}")
            delays.append(seen[i] - done)
            time.sleep(0.05)
    stop.set()
    thread.join()
    return delays, median_of(empty), median_of(empty_short)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flushes", type=int, default=1000)
    parser.add_argument("--points-per-flush", type=int, default=100)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--poll-interval", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    check(args.flushes >= 100, "--flushes must be at least 100")

    emu = start_s3()
    emu.apply()
    try:
        import s3fs
        from streamvis.logger import read_log
        from streamvis.logger.storage.compact import compact

        bucket = emu.make_bucket()
        url = f"s3://{bucket}/logs/run"
        print(environment(["s3fs", "moto", "botocore"]))
        print(f"moto_server at {emu.endpoint}; {args.flushes} flushes of "
              f"{args.points_per_flush} points (int64 x, float32 y)\n")

        times, sizes = flush_cost(url, args.flushes, args.points_per_flush)
        check(len(set(sizes)) == 1, f"segment sizes differ: {sizes}")
        seg = sizes[0]
        fs = s3fs.S3FileSystem(endpoint_url=emu.endpoint, skip_instance_cache=True)
        at = [1, 100, args.flushes]
        rows = []
        for n in at:
            window = times[max(1, n - 10):n] if n > 1 else times[:1]
            peer = rewrite_cost(fs, f"{bucket}/peer/one-object", seg * n, seg)
            rows.append([n, f"{median_of(window) * 1e3:.1f}", f"{seg} B",
                         f"{seg * n / 1024:.0f} KiB", f"{peer * 1e3:.1f}"])
        print("### Cost per flush as the log grows")
        print("(flush 1 alone, including the first connection; others: median of the 10 "
              "flushes ending there)")
        print_table(["flush #", "streamvis flush (ms, median of 10)", "bytes PUT",
                     "log size", "peer: GET+PUT whole object (ms)"], rows)
        first, last = median_of(times[1:11]), median_of(times[-10:])
        print(f"\nall {args.flushes} flushes: median {median_of(times) * 1e3:.1f} ms, "
              f"p90 {np.percentile(times, 90) * 1e3:.1f} ms; flushes {args.flushes - 9}-"
              f"{args.flushes} / flushes 2-11 = {last / first:.2f}\n")

        delays, empty, empty_short = reader_latency(url, args.trials, args.poll_interval)
        print("### Time for a tailing reader to see a new segment")
        print_table(["poll interval", "median (ms)", "max (ms)",
                     "poll finding nothing (ms): lookback 60 s / 2 s", "log"],
                    [[f"{args.poll_interval * 1e3:.0f} ms", f"{median_of(delays) * 1e3:.1f}",
                      f"{max(delays) * 1e3:.1f}",
                      f"{empty * 1e3:.1f} / {empty_short * 1e3:.1f}",
                      f"{args.flushes} segments"]])

        points = args.flushes * args.points_per_flush
        total_bytes = seg * args.flushes
        samples = []
        for _ in range(args.repeat):
            elapsed, series = timed(lambda: read_log(url))
            got = {s.scope: len(s) for s in series}
            check(got == {"bench": points, "lat": args.trials}, f"read_log got {got}")
            samples.append(elapsed)
        t_read = median_of(samples)
        names = [n for n in fs.ls(f"{bucket}/logs/run", detail=False)]
        check(len(names) == args.flushes + args.trials + 0, f"{len(names)} segments listed")

        def sequential():
            return [fs.cat_file(n) for n in names]
        t_seq, blobs = timed(sequential)
        check(sum(map(len, blobs)) >= total_bytes, "sequential fetch short")

        stats = compact(url, min_age=0, grace=0)
        check(stats.merged_inputs == len(names), f"compaction merged {stats.merged_inputs}")
        t_comp, series = timed(lambda: read_log(url))
        check(sum(len(s) for s in series) == points + args.trials, "compacted log lost points")
        print("\n### read_log over many segments")
        n_seg = len(names)
        print_table(["reader", "segments", "seconds", "segments/s", "MB/s", "points/s"], [
            ["read_log (batched parallel GETs)", n_seg, f"{t_read:.2f}",
             fmt_rate(n_seg / t_read), f"{total_bytes / t_read / 1e6:.2f}",
             fmt_rate(points / t_read)],
            ["peer: cat_file one by one", n_seg, f"{t_seq:.2f}", fmt_rate(n_seg / t_seq),
             f"{total_bytes / t_seq / 1e6:.2f}", "-"],
            [f"read_log after compact ({stats.outputs} segment(s))", stats.outputs,
             f"{t_comp:.2f}", "-", f"{total_bytes / t_comp / 1e6:.2f}",
             fmt_rate(points / t_comp)],
        ])
    finally:
        _stop(emu.process)


if __name__ == "__main__":
    main()
