"""A/B of the scalar write path across two checkouts, in one run (interleaved A, B, A, B...,
each measurement in a fresh child process): ns per ``write("loss", x=step, y=value)`` in the
caller's thread (buffer larger than the run, no timer: pure caller cost), ns per point for
the worker's encode + write at ``close()``, and bytes per point on disk.

Usage: ``python bench/bench_write_ab.py SRC_A SRC_B [--calls N] [--repeat R]`` where SRC_X is
a checkout root whose data_pb2.py is generated (``source dev/worktree-env.sh``).
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
import json, os, sys, time
from streamvis.logger import DataLogger, read_log
path, calls = sys.argv[1], int(sys.argv[2])
logger = DataLogger("run").init(path, buffer_max_elem=calls + 1, flush_interval=1e6,
                                max_queued_batches=2)
write = logger.write
t0 = time.perf_counter_ns()
for step in range(calls):
    write("loss", x=step, y=0.5)
t1 = time.perf_counter_ns()
logger.close()
t2 = time.perf_counter_ns()
(s,) = read_log(path)
assert len(s) == calls and s.columns["x"][-1] == calls - 1
print(json.dumps({"caller": (t1 - t0) / calls, "worker": (t2 - t1) / calls,
                  "bytes": os.path.getsize(path) / calls}))
"""


def run(src: str, path: str, calls: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ":".join(f"{src}/packages/streamvis-{p}/src"
                                 for p in ("proto", "logger", "server", "cli"))
    out = subprocess.run([sys.executable, "-c", CHILD, path, str(calls)], env=env, check=True,
                         capture_output=True, text=True).stdout
    os.remove(path)
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    got: dict[str, list[dict]] = {"A": [], "B": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for side, src in (("A", args.a), ("B", args.b)):
                got[side].append(run(src, f"{tmp}/{side}.log", args.calls))
    print(f"| side | caller ns/write (median, min..max of {args.repeat}) | worker ns/point | "
          "bytes/point |")
    print("|---|---|---|---|")
    med = {}
    for side, runs in got.items():
        caller = [r["caller"] for r in runs]
        med[side] = statistics.median(caller)
        print(f"| {side} | {med[side]:.0f} ({min(caller):.0f}..{max(caller):.0f}) | "
              f"{statistics.median(r['worker'] for r in runs):.0f} | "
              f"{statistics.median(r['bytes'] for r in runs):.2f} |")
    print(f"B/A caller cost per write: {med['B'] / med['A']:.3f}")


if __name__ == "__main__":
    main()
