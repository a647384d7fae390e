"""Storage backends without servers: scheme dispatch, errors naming the extra to install,
segment names and manifests, and the segmented reader's listing rules over a fake store."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import uuid

import numpy as np
import pytest

from streamvis.logger import DataLogger, LogReader, read_log
from streamvis.logger.storage import StorageError, open_source, open_store, scheme_of
from streamvis.logger.storage.local import LocalSource, LocalStore
from streamvis.logger.storage.segmented import ObjectFs, SegmentSource, SegmentStore
from streamvis.logger.storage.segments import (
    SEGMENT_RE, compacted_name, leaf_name, pack_compacted, split_segment)


def test_scheme_dispatch(tmp_path):
    assert scheme_of("/a/b") == "" and scheme_of("S3://b/p") == "s3"
    assert isinstance(open_store(str(tmp_path / "l")), LocalStore)
    assert isinstance(open_source("file://" + str(tmp_path / "l")), LocalSource)
    assert isinstance(open_store(f"memory://m{uuid.uuid4().hex[:8]}/run"), SegmentStore)
    with pytest.raises(StorageError, match=r"unsupported scheme 'ftp://'.*s3://"):
        open_store("ftp://host/x")
    with pytest.raises(StorageError, match=r"unknown storage backend 'tensorflow'.*'gfile'"):
        open_store(str(tmp_path / "l"), backend="tensorflow")
    with pytest.raises(StorageError, match="names only a bucket"):
        open_store("s3://bucket")


BLOCKED = textwrap.dedent("""
    import sys
    blocked = set(sys.argv[1].split(","))

    class Blocker:  # as if these packages were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    from streamvis.logger import DataLogger, StorageError, read_log
    for attempt in (lambda: DataLogger("r").init(sys.argv[2]), lambda: read_log(sys.argv[2])):
        try:
            attempt()
        except StorageError as err:
            print(err)
        else:
            print("NO ERROR")
""")


@pytest.mark.parametrize(("url", "blocked", "extra", "package"), [
    ("hdfs://namenode:8020/logs/run", "pyarrow", "hdfs", "pyarrow"),
    ("s3://bucket/logs/run", "s3fs", "s3", "s3fs"),
    ("gs://bucket/logs/run", "gcsfs", "gcs", "gcsfs"),
])
def test_missing_backend_names_the_extra(url, blocked, extra, package):
    out = subprocess.run([sys.executable, "-c", BLOCKED, blocked, url], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stdout  # init and read_log: one clear line each
    for line in lines:
        assert f"pip install 'streamvis-logger[{extra}]'" in line
        assert repr(package) in line and url in line


def test_hdfs_without_hadoop_is_one_clear_error():
    pytest.importorskip("pyarrow.fs")
    with pytest.raises(StorageError) as info:
        open_store("hdfs://namenode:8020/logs/run")
    message = str(info.value)
    assert "\n" not in message and "HADOOP_HOME" in message and "JAVA_HOME" in message


def test_segment_names_sort_in_log_order():
    names = [leaf_name(10**18 + t, w, s) for t, w, s in [(5, 2, 1), (5, 1, 2), (6, 0, 1)]]
    assert all(SEGMENT_RE.match(n) for n in names)
    assert sorted(names) == [names[1], names[0], names[2]]
    merged = compacted_name(sorted(names))
    assert SEGMENT_RE.match(merged) and merged < min(names)


def test_pack_compacted_keeps_each_leaf_once():
    a, b, c = (leaf_name(10**18 + i, 1, i) for i in range(3))
    name1, one = pack_compacted([(a, b"AA"), (b, b"BBB")])
    manifest, body = split_segment(one)
    assert [leaf for leaf, _, _ in manifest.leaves] == [a, b] and body == b"AABBB"
    # Re-merging a compacted segment with a leaf it already holds and a new one.
    name2, two = pack_compacted([(name1, one), (b, b"BBB"), (c, b"C")])
    manifest, body = split_segment(two)
    assert [leaf for leaf, _, _ in manifest.leaves] == [a, b, c] and body == b"AABBBC"
    assert name2 != name1 and split_segment(b"plain") == (None, b"plain")


class FakeObjects(ObjectFs):
    """An in-memory object store that records listings; ``hidden`` objects exist but are not
    yet visible (an upload still in flight)."""

    def __init__(self) -> None:
        super().__init__("fake://b/run")
        self.objects: dict[str, bytes] = {}
        self.lists: list[str | None] = []
        self.on_list = None

    def put_new(self, name: str, data: bytes) -> None:
        if name in self.objects:
            raise FileExistsError(name)
        self.objects[name] = data

    def list_names(self, start_after: str | None = None) -> list[str]:
        self.lists.append(start_after)
        if self.on_list is not None:
            self.on_list()
        return sorted(n for n in self.objects if start_after is None or n > start_after)

    def get_many(self, names):
        return {n: self.objects.get(n, FileNotFoundError(n)) for n in names}

    def delete(self, names) -> None:
        for n in names:
            self.objects.pop(n, None)


def one_flush(scope: str, xs) -> bytes:
    """The bytes of one self-contained flush (what a segment holds)."""
    url = f"memory://f{uuid.uuid4().hex[:10]}/run"
    with DataLogger(scope).init(url) as lg:
        lg.write("loss", x=np.asarray(xs), y=np.zeros(len(xs)))
    store = open_store(url)
    (data,) = store.objects.get_many(store.objects.list_names()).values()
    return data


def reader_over(objects: FakeObjects, **kwargs) -> LogReader:
    reader = LogReader(f"memory://unused{uuid.uuid4().hex[:8]}/x")
    reader._source = SegmentSource("fake://b/run", objects, **kwargs)
    return reader


def xs(series) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for s in series:
        out.setdefault(s.scope, []).extend(s.columns["x"].tolist())
    return out


def test_steady_state_lists_only_recent_names():
    objects = FakeObjects()
    now = time.time_ns()
    objects.put_new(leaf_name(now - 10**9, 1, 1), one_flush("a", [0]))
    reader = reader_over(objects, lookback=60, relist_interval=3600)
    assert xs(reader.poll()) == {"a": [0]}
    objects.put_new(leaf_name(time.time_ns(), 1, 2), one_flush("a", [1]))
    assert xs(reader.poll()) == {"a": [1]}
    assert reader.poll() == []
    first, *later = objects.lists
    assert first is None and later and all(s is not None for s in later)
    assert all(s >= f"{now - 61 * 10**9:019d}" for s in later)  # never the whole prefix


def test_late_segment_found_by_full_listing_and_read_once():
    objects = FakeObjects()
    now = time.time_ns()
    objects.put_new(leaf_name(now, 1, 1), one_flush("a", [0]))
    reader = reader_over(objects, lookback=1, relist_interval=0.2)
    assert xs(reader.poll()) == {"a": [0]}
    objects.put_new(leaf_name(now - 3600 * 10**9, 2, 1), one_flush("late", [7]))  # finished now
    assert reader.poll() == []  # outside the recent window: not listed yet
    time.sleep(0.25)
    assert xs(reader.poll()) == {"late": [7]}
    time.sleep(0.25)
    assert reader.poll() == [] and objects.lists.count(None) == 3  # listed again, not re-read


def test_poll_lists_once_even_while_writers_outpace_it():
    objects = FakeObjects()
    counter = iter(range(20))  # each listing finds one more new segment (20 at most)
    flushes = [one_flush("a", [0]) for _ in range(4)]  # distinct writers: not repeats

    def add_one() -> None:
        i = next(counter, None)
        if i is not None and i < len(flushes):
            objects.put_new(leaf_name(time.time_ns(), 1, i), flushes[i])

    objects.on_list = add_one
    reader = reader_over(objects, lookback=60, relist_interval=3600)
    for _ in range(3):
        before = len(objects.lists)
        assert xs(reader.poll()) == {"a": [0]}
        assert len(objects.lists) == before + 1


def test_vanished_segment_triggers_full_listing_and_compacted_copy_is_read():
    objects = FakeObjects()
    now = time.time_ns()
    leaves = [leaf_name(now - 3600 * 10**9 + i, 1, i) for i in range(3)]
    for i, name in enumerate(leaves):
        objects.put_new(name, one_flush("a", [i]))
    reader = reader_over(objects, lookback=1, relist_interval=3600)
    source = reader._source
    source._refill()  # listed all three; now a compactor replaces them before they are read
    merged, data = pack_compacted([(n, objects.objects[n]) for n in leaves])
    objects.put_new(merged, data)
    objects.delete(leaves)
    got = xs(reader.poll()) if source._queue else {}
    got2 = xs(reader.poll())
    assert sorted(got.get("a", []) + got2.get("a", [])) == [0, 1, 2]
    assert reader.poll() == []


def test_read_log_memory_round_trip_and_missing():
    url = f"memory://m{uuid.uuid4().hex[:8]}/run"
    with pytest.raises(StorageError, match="no streamvis log"):
        read_log(url)
    with DataLogger("s").init(url) as lg:
        for i in range(3):
            lg.write("loss", x=i, y=i)
            lg.flush_buffer()
    assert xs(read_log(url)) == {"s": [0, 1, 2]}
