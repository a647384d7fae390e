"""Shared helpers for the benchmarks: timing, median of repeats, tables, self-checks.

Benchmarks are scripts, not tests: each measures streamvis and a peer in the same run and
prints ratios, and each checks what it wrote or read so that a broken run never prints numbers.
"""

from __future__ import annotations

import datetime
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["BenchError", "check", "environment", "fmt_ns", "fmt_rate", "median_of",
           "print_table", "timed"]


class BenchError(AssertionError):
    """A self-check failed: the numbers of this run must not be used."""


def check(condition: bool, message: str) -> None:
    """Abort the benchmark with ``message`` unless ``condition`` holds."""
    if not condition:
        raise BenchError(f"self-check failed: {message}")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, result) of one call, with the garbage collector paused."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed, result


def median_of(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def fmt_ns(seconds_per_op: float) -> str:
    ns = seconds_per_op * 1e9
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def fmt_rate(per_second: float) -> str:
    if per_second >= 1e9:
        return f"{per_second / 1e9:.2f} G"
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f} M"
    if per_second >= 1e3:
        return f"{per_second / 1e3:.1f} k"
    return f"{per_second:.0f}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A Markdown table (pastes straight into RESULTS.md)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def environment(extra: Sequence[str] = ()) -> str:
    """One line naming the date, machine and package versions of this run."""
    dists = ["streamvis-logger", "streamvis-proto", "numpy", "protobuf", "crc32c", *extra]
    try:
        load = "load %.1f" % os.getloadavg()[0]
    except OSError:
        load = "load ?"
    return (f"{datetime.date.today().isoformat()}, {platform.machine()} {os.cpu_count()} cores "
            f"({load}), Python {platform.python_version()} on {sys.platform}; "
            + ", ".join(f"{d} {_version(d)}" for d in dists))
