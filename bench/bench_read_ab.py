"""A/B of the read path across two checkouts, in one run: each side writes its own log of the
same points with its own logger, then ``read_log`` times it (median of ``--repeat``,
interleaved A, B, A, B, ... so machine load hits both alike). Also times each side's reader
on a log holding a zero-filled region (a crash can leave one), where format-2 skips damage
with a regex scan.

Usage: ``python bench/bench_read_ab.py SRC_A SRC_B [--points N] [--repeat R]`` where SRC_X is
a checkout root (its four packages/*/src go on PYTHONPATH; data_pb2.py must be generated:
``source dev/worktree-env.sh``). Each measurement runs in a child process of that checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
import numpy as np
from streamvis.logger import DataLogger, read_log
mode, path, points = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "write":
    x = np.arange(points, dtype=np.int64)
    y = (1.0 / (1.0 + 1e-4 * x)).astype(np.float32)
    with DataLogger("run").init(path, buffer_max_elem=10_000) as lg:
        for s in range(0, points, 10_000):
            lg.write("loss", x=x[s:s + 10_000], y=y[s:s + 10_000])
    if len(sys.argv) > 4:  # then a zero-filled region and a few more points
        with open(path, "ab") as f:
            f.write(bytes(int(sys.argv[4])))
        with DataLogger("run").init(path) as lg:
            lg.write("loss", x=points, y=0.0)
else:
    t = time.perf_counter()
    (s,) = read_log(path)
    dt = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "points": len(s)}))
"""


def run(src: str, *args: str) -> dict | None:
    env = dict(os.environ)
    env["PYTHONPATH"] = ":".join(f"{src}/packages/streamvis-{p}/src"
                                 for p in ("proto", "logger", "server", "cli"))
    out = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--zeros", type=int, default=64 * 1024 * 1024,
                        help="bytes of zeros in the second log (0: no such log)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        logs = {}
        for side, src in (("A", args.a), ("B", args.b)):
            logs[side] = f"{tmp}/{side}.log"
            run(src, "write", logs[side], str(args.points))
            if args.zeros:
                logs[side + "0"] = f"{tmp}/{side}0.log"
                run(src, "write", logs[side + "0"], "1000", str(args.zeros))
        times: dict[str, list[float]] = {k: [] for k in logs}
        for _ in range(args.repeat):
            for key, path in logs.items():
                src = args.a if key.startswith("A") else args.b
                times[key].append(run(src, "read", path, "0")["seconds"])
    print(f"| side | log | points | read_log median s (min..max of {args.repeat}) | M points/s |")
    print("|---|---|---|---|---|")
    for key, ts in times.items():
        side, zero = key[0], key.endswith("0")
        what = (f"1,001 points + {args.zeros / 2**20:.0f} MiB zeros" if zero
                else f"{args.points:,} points")
        med = statistics.median(ts)
        rate = f"{args.points / med / 1e6:.1f}" if not zero else f"{args.zeros / med / 2**20:.0f} MiB/s"
        spread = f"{med:.3f} ({min(ts):.3f}..{max(ts):.3f})"
        print(f"| {side} | {what} | {'' if zero else args.points} | {spread} | {rate} |")
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(f"B/A read time: {b / a:.3f} (B is {(b / a - 1) * 100:+.1f}% vs A)")


if __name__ == "__main__":
    main()
