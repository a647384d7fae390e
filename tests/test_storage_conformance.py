"""One conformance suite over every storage backend: local file, memory://, S3 (moto_server)
and GCS (fake-gcs-server), both real servers on 127.0.0.1."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import defaultdict

import numpy as np
import pytest

from streamvis.logger import DataLogger, LogReader, read_log
from support_emulators import (  # noqa: F401 (fixtures)
    StallingProxy, emulator_env, env_via, gcs_emulator, s3_emulator, storage_url)

WRITER = textwrap.dedent("""
    import sys
    from streamvis.logger import DataLogger
    url, scope, points, per_flush = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with DataLogger(scope).init(url, flush_interval=60) as lg:
        for i in range(points):
            lg.write("loss", x=i, y=i * 0.25)
            if (i + 1) % per_flush == 0:
                lg.flush_buffer()
""")


def points_by_scope(series) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for s in series:
        out[s.scope] += s.columns["x"].tolist()
    return out


def start_writers(url, emu, n, points, per_flush):
    """``n`` concurrent writers; processes, except for memory:// (one store per process)."""
    if url.startswith("memory://"):
        def run(scope):
            with DataLogger(scope).init(url, flush_interval=60) as lg:
                for i in range(points):
                    lg.write("loss", x=i, y=i * 0.25)
                    if (i + 1) % per_flush == 0:
                        lg.flush_buffer()
        threads = [threading.Thread(target=run, args=(f"w{k}",)) for k in range(n)]
        for t in threads:
            t.start()
        return threads
    return [subprocess.Popen([sys.executable, "-c", WRITER, url, f"w{k}", str(points),
                              str(per_flush)], env=emulator_env(emu)) for k in range(n)]


def wait_all(writers) -> None:
    for w in writers:
        if isinstance(w, threading.Thread):
            w.join(120)
        else:
            assert w.wait(120) == 0


def test_round_trip(storage_url):
    url, _ = storage_url
    big = 2**53 + 1
    with DataLogger("run").init(url) as lg:
        for step in range(5):
            lg.write("loss", x=big + step, y=step / 3)
            lg.write("acc", x=step, y=np.float32(step) / 7)
            lg.flush_buffer()
        lg.write("curves", x=np.arange(4), y=np.arange(8, dtype=np.float64).reshape(2, 4))
    got = {(s.name, s.index): s for s in read_log(url)}
    assert got[("loss", 0)].columns["x"].tolist() == [big + s for s in range(5)]
    assert got[("loss", 0)].columns["y"].tolist() == [s / 3 for s in range(5)]
    assert got[("acc", 0)].columns["y"].dtype == np.float32
    assert got[("curves", 1)].columns["y"].tolist() == [4.0, 5.0, 6.0, 7.0]


def test_eight_concurrent_writers_lose_nothing(storage_url):
    url, emu = storage_url
    wait_all(start_writers(url, emu, 8, 60, 10))
    got = points_by_scope(read_log(url))
    assert sorted(got) == [f"w{k}" for k in range(8)]
    for scope, xs in got.items():
        assert xs == list(range(60)), scope


def test_reader_tails_while_writers_write(storage_url):
    url, emu = storage_url
    writers = start_writers(url, emu, 3, 80, 5)
    reader = LogReader(url)
    seen: dict[str, list[int]] = defaultdict(list)
    polls_with_data = 0
    while any(w.is_alive() if isinstance(w, threading.Thread) else w.poll() is None
              for w in writers):
        new = reader.poll()
        polls_with_data += bool(new)
        for scope, xs in points_by_scope(new).items():
            seen[scope] += xs
        time.sleep(0.05)
    wait_all(writers)
    for scope, xs in points_by_scope(reader.poll()).items():
        seen[scope] += xs
    assert {s: sorted(xs) for s, xs in seen.items()} == {f"w{k}": list(range(80)) for k in range(3)}
    assert reader.poll() == []
    assert reader.stats.damaged_bytes == 0 and reader.stats.bad_records == 0


KILLED = textwrap.dedent("""
    import sys
    import numpy as np
    from streamvis.logger import DataLogger
    # buffer_max_elem above the big write: it must not start flushing (and block on
    # backpressure) before UPLOADING is printed.
    lg = DataLogger("k").init(sys.argv[1], flush_interval=60, buffer_max_elem=10_000_000)
    lg.write("small", x=np.arange(100), y=np.ones(100))
    lg.flush_buffer()
    lg.write("big", x=np.arange(3_000_000), y=np.zeros(3_000_000))
    print("UPLOADING", flush=True)
    lg.flush_buffer()
    print("DONE", flush=True)
""")


def test_writer_killed_mid_upload_leaves_no_partial_data(storage_url):
    url, emu = storage_url
    if url.startswith("memory://"):
        pytest.skip("memory:// is one store per process: no other process can be killed in it")
    proxy = None
    env = emulator_env(emu)
    if emu is not None:  # stall the upload after 1 MB of 48 MB, then kill: surely mid-upload
        proxy = StallingProxy(emu.endpoint, stall_after=1 << 20)
        env = env_via(emu, proxy.endpoint)
    proc = subprocess.Popen([sys.executable, "-c", KILLED, url], stdout=subprocess.PIPE,
                            env=env, text=True)
    try:
        assert proc.stdout.readline().strip() == "UPLOADING"
        if proxy is not None:
            assert proxy.stalled.wait(60), "the upload never reached the proxy"
        else:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proxy is not None:
            proxy.close()
    reader = LogReader(url)
    got = {s.name: len(s) for s in reader.read_all()}
    assert got["small"] == 100
    if proxy is not None:  # the object was never completed: nothing of it is visible
        assert "big" not in got
        assert reader.stats.damaged_bytes == 0
    else:  # a local append is all or nothing for the reader (a torn tail is skipped)
        assert got.get("big", 0) in (0, 3_000_000)
    assert reader.stats.bad_records == 0
