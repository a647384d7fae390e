"""The ``tf.io.gfile`` backend (tensorflow-cpu), chosen explicitly: ``init(backend="gfile")``,
``LogReader``/``read_log(backend="gfile")`` or ``STREAMVIS_STORAGE_BACKEND=gfile``."""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("tensorflow")

from streamvis.logger import DataLogger, LogReader, read_log  # noqa: E402
from streamvis.logger.storage import BACKEND_ENV, open_source, open_store  # noqa: E402
from streamvis.logger.storage.compact import compact  # noqa: E402
from streamvis.logger.storage.gfile import GfileFileSource, GfileFileStore  # noqa: E402
from streamvis.logger.storage.local import LocalStore  # noqa: E402
from streamvis.logger.storage.segmented import SegmentStore  # noqa: E402


def xs(series) -> dict[tuple[str, str], list]:
    return {(s.scope, s.name): s.columns["x"].tolist() for s in series}


def test_gfile_local_round_trip_read_by_both_backends(tmp_path):
    path = str(tmp_path / "run.svlog")
    with DataLogger("g").init(path, backend="gfile") as lg:
        assert isinstance(lg._store, GfileFileStore)
        for step in range(4):
            lg.write("loss", x=step, y=step / 3)
            lg.flush_buffer()
        lg.write("attn", x=np.arange(3), y=np.ones((2, 3), dtype=np.float32))
    want = {("g", "loss"): [0, 1, 2, 3], ("g", "attn"): [0, 1, 2]}
    assert xs(read_log(path, backend="gfile")) == want
    assert xs(read_log(path)) == want  # the same file format as the default local backend
    with DataLogger("d").init(path) as lg:  # and the other way round
        lg.write("loss", x=9, y=0.0)
    assert xs(read_log(path, backend="gfile"))[("d", "loss")] == [9]


def test_env_var_selects_gfile(tmp_path, monkeypatch):
    path = str(tmp_path / "run.svlog")
    monkeypatch.setenv(BACKEND_ENV, "gfile")
    assert isinstance(open_store(path), GfileFileStore)
    assert isinstance(open_source("file://" + path), GfileFileSource)
    assert isinstance(open_store(path, backend="fsspec"), LocalStore)  # explicit wins
    monkeypatch.setenv(BACKEND_ENV, "tensorflow")
    with pytest.raises(OSError, match="unknown storage backend 'tensorflow'"):
        open_store(path)


def test_gfile_reader_tails_incrementally(tmp_path):
    path = str(tmp_path / "run.svlog")
    lg = DataLogger("t").init(path, backend="gfile")
    reader = LogReader(path, backend="gfile")
    assert reader.poll() == []
    try:
        for step in range(3):
            lg.write("loss", x=step, y=0.0)
            lg.flush_buffer()
            assert xs(reader.poll()) == {("t", "loss"): [step]}
            assert reader.poll() == []
    finally:
        lg.close()


def test_gfile_reader_notices_a_replaced_or_deleted_log(tmp_path):
    import os

    path = str(tmp_path / "run.svlog")
    with DataLogger("old").init(path, backend="gfile") as lg:
        for step in range(5):
            lg.write("loss", x=step, y=0.0)
    reader = LogReader(path, backend="gfile")
    assert xs(reader.poll()) == {("old", "loss"): [0, 1, 2, 3, 4]}
    os.remove(path)  # a fresh run replaces the log: a new file, shorter, other first bytes
    with DataLogger("new").init(path, backend="gfile") as lg:
        lg.write("loss", x=0, y=0.0)
    assert reader.poll() == [] and reader.source_generation() == 1
    fresh = LogReader(path, backend="gfile")
    assert xs(fresh.poll()) == {("new", "loss"): [0]}
    os.remove(path)
    assert fresh.poll() == [] and fresh.source_generation() == 1


def test_gfile_segments_on_tf_ram_filesystem():
    """A non-local gfile PATH (TensorFlow's ``ram://``) uses immutable segments, written
    under a temporary name and renamed; compaction works through gfile too."""
    url = f"ram://b{uuid.uuid4().hex[:8]}/run"
    with DataLogger("r").init(url, backend="gfile") as lg:
        assert isinstance(lg._store, SegmentStore)
        for step in range(6):
            lg.write("loss", x=step, y=0.0)
            lg.flush_buffer()
    names = lg._store.objects.list_names()
    assert len(names) == 6 and not any(n.startswith(".tmp") for n in names)
    stats = compact(url, min_age=0, grace=0, backend="gfile")
    assert (stats.merged_inputs, stats.outputs, stats.deleted) == (6, 1, 6)
    assert xs(read_log(url, backend="gfile")) == {("r", "loss"): list(range(6))}
