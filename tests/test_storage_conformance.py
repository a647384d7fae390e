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
from streamvis.logger.storage import open_store
from streamvis.logger.storage.compact import compact
from streamvis.logger.storage.segmented import RELIST_ENV
from streamvis.logger.storage.segments import SEGMENT_RE, leaf_name
from support_emulators import (  # noqa: F401 (fixtures)
    StallingProxy, emulator_env, env_via, gcs_emulator, s3_emulator, segmented_url,
    start_writers, storage_url)

def points_by_scope(series) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for s in series:
        out[s.scope] += s.columns["x"].tolist()
    return out


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
    start_writers(url, emu, 8, 60, 10).join()
    got = points_by_scope(read_log(url))
    assert sorted(got) == [f"w{k}" for k in range(8)]
    for scope, xs in got.items():
        assert xs == list(range(60)), scope


def test_reader_tails_while_writers_write(storage_url):
    """Three writers at a time write while the reader polls; the second three start only once
    the reader has read all of the first (so it tails over two polls at least, whatever the
    machine's speed: no race decides it), and every point is read once."""
    url, emu = storage_url
    reader = LogReader(url)
    seen: dict[str, list[int]] = defaultdict(list)
    polls_with_data = 0
    for prefix in ("a", "b"):
        writers = start_writers(url, emu, 3, 80, 5, prefix=prefix, pause=0.02)
        want = {f"{prefix}{k}": list(range(80)) for k in range(3)}
        deadline = time.monotonic() + 120
        while {s: sorted(seen.get(s, [])) for s in want} != want and time.monotonic() < deadline:
            new = reader.poll()
            polls_with_data += bool(new)
            for scope, xs in points_by_scope(new).items():
                seen[scope] += xs
            time.sleep(0.05)
        writers.join()
    assert {s: sorted(xs) for s, xs in seen.items()} == {
        f"{p}{k}": list(range(80)) for p in ("a", "b") for k in range(3)}
    assert polls_with_data >= 2
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


def test_writer_killed_mid_upload_leaves_no_partial_data(storage_url, monkeypatch):
    url, emu = storage_url
    if url.startswith("memory://"):
        killed_in_memory(url, monkeypatch)
        return
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
    series = {s.name: s for s in reader.read_all()}
    got = {name: len(s) for name, s in series.items()}
    assert got["small"] == 100
    if proxy is not None:  # the object was never completed: nothing of it is visible
        assert "big" not in got
        assert reader.stats.damaged_bytes == 0
    elif "big" in series:  # a local append lands whole records (of at most 4 MiB): a killed
        # writer leaves a prefix of its flush readable, exact, and a torn tail skipped
        x = series["big"].columns["x"]
        assert len(x) <= 3_000_000 and (x == np.arange(len(x))).all()
    assert reader.stats.bad_records == 0


def killed_in_memory(url, monkeypatch):
    """memory:// is one store per process, so the writer is a thread whose upload of the big
    flush stalls inside the filesystem's put (the slow "network"), then dies there."""
    import fsspec.implementations.memory as memory

    stalled, release = threading.Event(), threading.Event()
    real = memory.MemoryFileSystem.pipe_file

    def slow_pipe_file(self, path, value, *args, **kwargs):
        if len(value) > 1 << 20:
            stalled.set()
            release.wait(30)
            raise ConnectionResetError("writer killed mid-upload")
        return real(self, path, value, *args, **kwargs)

    monkeypatch.setattr(memory.MemoryFileSystem, "pipe_file", slow_pipe_file)
    lg = DataLogger("k").init(url, flush_interval=60, buffer_max_elem=10_000_000)
    lg.write("small", x=np.arange(100), y=np.ones(100))
    lg.flush_buffer()
    lg.write("big", x=np.arange(3_000_000), y=np.zeros(3_000_000))
    flusher = threading.Thread(target=lambda: pytest.raises(Exception, lg.flush_buffer))
    flusher.start()
    try:
        assert stalled.wait(30), "the big flush never started uploading"
        reader = LogReader(url)
        got = {s.name: len(s) for s in reader.read_all()}
        assert got == {"small": 100}
        assert reader.stats.damaged_bytes == 0 and reader.stats.bad_records == 0
    finally:
        release.set()
        flusher.join(30)
        lg._worker.close(5)  # abandon the logger like a killed process: no retry at close
        lg._worker = None
    assert {s.name: len(s) for s in read_log(url)} == {"small": 100}


def test_late_finishing_segment_is_read_once(segmented_url, monkeypatch):
    """A segment whose name was chosen long before its upload finished (a slow or retried
    put) sorts before what the reader has read already: the reader must still find it (the
    next full listing) and read it, and every segment, exactly once."""
    url, _ = segmented_url
    monkeypatch.setenv(RELIST_ENV, "0.3")  # full listing at most every 0.3 s (default 300 s)
    with DataLogger("early").init(url) as lg:
        lg.write("loss", x=np.arange(10), y=np.zeros(10))
    reader = LogReader(url)
    assert points_by_scope(reader.poll()) == {"early": list(range(10))}

    def segment(scope: str) -> bytes:  # one flush's bytes, written to a scratch prefix
        scratch = url + "-scratch-" + scope
        with DataLogger(scope).init(scratch) as lg:
            lg.write("loss", x=np.arange(5), y=np.ones(5))
        (data,) = open_store(scratch).objects.get_many(
            [n for n in open_store(scratch).objects.list_names() if SEGMENT_RE.match(n)]).values()
        return data

    objects = open_store(url).objects
    now = time.time_ns()
    objects.put_new(leaf_name(now - 5 * 10**9, 1, 1), segment("recent"))     # within lookback
    objects.put_new(leaf_name(now - 3600 * 10**9, 2, 1), segment("hour"))    # far behind
    seen: dict[str, list[int]] = defaultdict(list)
    deadline = time.monotonic() + 10
    while "hour" not in seen and time.monotonic() < deadline:
        for scope, xs in points_by_scope(reader.poll()).items():
            seen[scope] += xs
        time.sleep(0.1)
    for _ in range(5):  # more polls, and more full listings: nothing is read twice
        time.sleep(0.1)
        for scope, xs in points_by_scope(reader.poll()).items():
            seen[scope] += xs
    assert dict(seen) == {"recent": list(range(5)), "hour": list(range(5))}
    assert reader._source.full_lists >= 2
    assert points_by_scope(read_log(url)) == {"early": list(range(10)), "hour": list(range(5)),
                                              "recent": list(range(5))}


def test_compaction_while_writing_and_tailing(segmented_url):
    """Compaction runs repeatedly while writers write and a reader tails: the reader gets
    every point exactly once, and the log ends up with fewer, larger segments."""
    url, emu = segmented_url
    writers = start_writers(url, emu, 3, 60, 2, pause=0.02)
    reader = LogReader(url)
    seen: dict[str, list[int]] = defaultdict(list)
    merged = 0
    while writers.alive():
        merged += compact(url, min_age=0, grace=0.05, target_bytes=2048).merged_inputs
        for scope, xs in points_by_scope(reader.poll()).items():
            seen[scope] += xs
    writers.join()
    merged += compact(url, min_age=0, grace=0, target_bytes=2048).merged_inputs
    for scope, xs in points_by_scope(reader.poll()).items():
        seen[scope] += xs
    want = {f"w{k}": list(range(60)) for k in range(3)}
    assert {s: sorted(xs) for s, xs in seen.items()} == want
    assert merged > 0
    names = [n for n in open_store(url).objects.list_names() if SEGMENT_RE.match(n)]
    assert len(names) < 3 * 30 / 2
    assert {s: sorted(xs) for s, xs in points_by_scope(read_log(url)).items()} == want
    assert reader.poll() == []
