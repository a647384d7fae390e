"""Tailer: serving before the first write, logs deleted/truncated/replaced under it, read
errors logged once and recovered from (with a full re-read), on real files and memory://."""

from __future__ import annotations

import logging
import os
import uuid

import pytest

from streamvis.logger import DataLogger
from streamvis.logger.storage.compact import compact, open_objects
from streamvis.server.status import describe_problem, status_of
from streamvis.server.store import SeriesStore
from streamvis.server.tailer import Tailer


def write(path: str, scope: str, n: int, start: int = 0, name: str = "loss") -> None:
    """``n`` points of ``scope``/``name`` appended to ``path`` by a real DataLogger."""
    with DataLogger(scope) as logger:
        logger.init(path, buffer_max_elem=10_000)
        for step in range(start, start + n):
            logger.write(name, x=step, y=float(step))


def held(tailer: Tailer) -> dict[str, int]:
    return {scope: entry["points"] for scope, entry in status_of(tailer)["scopes"].items()}


def test_serves_before_the_first_write(tmp_path):
    path = str(tmp_path / "later.log")
    tailer = Tailer(path, SeriesStore())
    assert tailer.poll_once() == 0
    assert tailer.last_error is None and tailer.last_poll_time > 0
    assert describe_problem(tailer) == (f"Waiting for data at {path}: nothing has been "
                                        "written there yet.")
    write(path, "run1", 5)
    assert tailer.poll_once() == 5
    assert held(tailer) == {"run1": 5} and describe_problem(tailer) is None


def test_deleted_log_drops_its_points_and_reads_the_new_one(tmp_path, caplog):
    path = str(tmp_path / "run.log")
    write(path, "old", 7)
    tailer = Tailer(path, SeriesStore())
    tailer.poll_once()
    assert held(tailer) == {"old": 7}
    os.remove(path)
    with caplog.at_level(logging.WARNING, logger="streamvis.server.tailer"):
        tailer.poll_once()
    assert held(tailer) == {} and tailer.replacements == 1
    assert "deleted, truncated or replaced" in caplog.text and "7 points" in caplog.text
    assert "Waiting for data" in (describe_problem(tailer) or "")
    write(path, "new", 3)
    tailer.poll_once()
    assert held(tailer) == {"new": 3} and tailer.replacements == 1


def test_truncated_and_rewritten_log_is_read_anew(tmp_path):
    path = str(tmp_path / "run.log")
    write(path, "old", 50)
    tailer = Tailer(path, SeriesStore())
    tailer.poll_once()
    with open(path, "r+b") as f:  # same inode, shorter
        f.truncate(0)
    write(path, "new", 2)
    tailer.poll_once()
    assert held(tailer) == {"new": 2} and tailer.replacements == 1


def test_rewritten_in_place_to_a_longer_log_is_read_anew(tmp_path):
    """Same inode, longer than what was read: only the first bytes tell it apart."""
    path = str(tmp_path / "run.log")
    write(path, "old", 3)
    tailer = Tailer(path, SeriesStore())
    tailer.poll_once()
    other = str(tmp_path / "other.log")
    write(other, "new", 400)
    with open(other, "rb") as src, open(path, "r+b") as dst:
        dst.write(src.read())
    assert os.path.getsize(path) > tailer.stats.bytes_read
    tailer.poll_once()
    assert held(tailer) == {"new": 400} and tailer.replacements == 1


def test_rotated_log_is_read_anew(tmp_path):
    path = str(tmp_path / "run.log")
    write(path, "old", 4)
    tailer = Tailer(path, SeriesStore())
    tailer.poll_once()
    fresh = str(tmp_path / "fresh.log")
    write(fresh, "new", 9)
    os.replace(fresh, path)  # what a log rotation does: another inode at the same name
    tailer.poll_once()
    assert held(tailer) == {"new": 9} and tailer.replacements == 1
    write(path, "new", 1, start=9)  # and it keeps tailing the new one
    tailer.poll_once()
    assert held(tailer) == {"new": 10} and tailer.replacements == 1


def test_appends_are_not_mistaken_for_a_replacement(tmp_path):
    path = str(tmp_path / "run.log")
    tailer = Tailer(path, SeriesStore())
    for i in range(5):
        write(path, "run", 10, start=10 * i)
        tailer.poll_once()
    assert held(tailer) == {"run": 50} and tailer.replacements == 0


def test_read_error_is_logged_once_kept_and_cleared_with_a_full_reread(tmp_path, caplog):
    """The PATH becomes a directory: a warning, the stale points stay with the error shown;
    when the same log is back the tailer starts over and holds each point once."""
    path = str(tmp_path / "run.log")
    write(path, "run", 6)
    tailer = Tailer(path, SeriesStore(), poll_interval=0.1)
    tailer.poll_once()
    good = tailer.last_poll_time
    aside = str(tmp_path / "aside.log")
    os.rename(path, aside)
    os.mkdir(path)
    with caplog.at_level(logging.WARNING, logger="streamvis.server.tailer"):
        for _ in range(5):
            tailer.poll_once()
        failures = [r for r in caplog.records if "cannot read the log" in r.getMessage()]
        assert len(failures) == 1, caplog.text
        assert path in failures[0].getMessage() and "directory" in failures[0].getMessage()
        assert tailer.error_count == 5 and held(tailer) == {"run": 6}
        status = status_of(tailer)
        assert "directory" in status["error"] and status["error_since"] is not None
        problem = describe_problem(tailer) or ""
        assert problem.startswith(f"Cannot read the log at {path}") and "Last good read" in problem
        os.rmdir(path)
        os.rename(aside, path)
        write(path, "run", 2, start=6)
        tailer.poll_once()
    assert tailer.last_error is None and tailer.last_poll_time > good
    assert "reading the log at" in caplog.text and " again " in caplog.text
    assert held(tailer) == {"run": 8}   # read again from the start: nothing doubled
    assert status_of(tailer)["error"] is None and describe_problem(tailer) is None


def test_a_changed_error_is_logged_again(tmp_path, caplog):
    path = str(tmp_path / "run.log")
    tailer = Tailer(path, SeriesStore())
    os.mkdir(path)
    with caplog.at_level(logging.WARNING, logger="streamvis.server.tailer"):
        tailer.poll_once()
        tailer.poll_once()
        os.rmdir(path)
        os.mkdir(tmp_path / "sub")
        tailer.path = str(tmp_path / "sub")  # another message: logged again
        tailer._discard_reader()
        tailer.poll_once()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and messages[1].startswith("still cannot read"), messages


def memory_url() -> str:
    return f"memory://t{uuid.uuid4().hex[:10]}/run"


def test_deleted_segments_drop_their_points(tmp_path):
    url = memory_url()
    write(url, "old", 5)
    tailer = Tailer(url, SeriesStore())
    tailer.poll_once()
    assert held(tailer) == {"old": 5}
    objects = open_objects(url)
    objects.delete(objects.list_names())
    tailer._reader._source._need_full = True  # as after relist_interval
    tailer.poll_once()
    assert held(tailer) == {} and tailer.replacements == 1
    write(url, "new", 2)
    tailer.poll_once()
    assert held(tailer) == {"new": 2}


def test_a_fresh_log_at_the_same_prefix_replaces_the_old(tmp_path):
    url = memory_url()
    write(url, "old", 5)
    tailer = Tailer(url, SeriesStore())
    tailer.poll_once()
    objects = open_objects(url)
    old = objects.list_names()
    write(url, "new", 3)
    objects.delete(old)
    tailer._reader._source._need_full = True
    tailer.poll_once()
    assert held(tailer) == {"new": 3} and tailer.replacements == 1


def test_compaction_is_not_a_replacement(tmp_path):
    url = memory_url()
    for i in range(3):
        write(url, "run", 4, start=4 * i)
    tailer = Tailer(url, SeriesStore())
    tailer.poll_once()
    stats = compact(url, min_age=0, grace=0)
    assert stats.deleted == 3
    tailer._reader._source._need_full = True
    write(url, "run", 4, start=12)
    tailer.poll_once()
    assert held(tailer) == {"run": 16} and tailer.replacements == 0


@pytest.mark.parametrize("interval", [0, -1.0])
def test_poll_interval_must_be_positive(tmp_path, interval):
    with pytest.raises(ValueError, match="poll_interval"):
        Tailer(str(tmp_path / "x"), SeriesStore(), poll_interval=interval)


def test_old_run_deleted_after_the_new_one_was_tailed(tmp_path):
    """The new run's segments were read by incremental listings before the old ones vanished:
    the next full listing lacks the log's first segment, so the old points go."""
    url = memory_url()
    write(url, "old", 5)
    tailer = Tailer(url, SeriesStore())
    tailer.poll_once()
    objects = open_objects(url)
    old = objects.list_names()
    write(url, "new", 3)
    tailer.poll_once()  # an incremental listing: reads the new run's segment
    assert held(tailer) == {"old": 5, "new": 3} and tailer.replacements == 0
    objects.delete(old)
    tailer._reader._source._need_full = True
    tailer.poll_once()
    assert held(tailer) == {"new": 3} and tailer.replacements == 1


def test_the_tailer_keeps_run_configs_and_resolves_resumed_runs(tmp_path):
    from streamvis.logger import DataLogger, delete_series
    from streamvis.server.store import SeriesStore
    from streamvis.server.tailer import Tailer

    path = str(tmp_path / "log")
    store = SeriesStore()
    tailer = Tailer(path, store)
    with DataLogger("run").init(path, config={"lr": 0.1}) as logger:
        for step in range(10):
            logger.write("loss", x=step, y=float(step))
    tailer.poll_once()
    assert tailer.configs == {"run": {"lr": 0.1}}
    with DataLogger("run").init(path, config={"lr": 0.05}) as resumed:  # from checkpoint 5
        for step in range(5, 8):
            resumed.write("loss", x=step, y=-float(step))
    tailer.poll_once()
    assert store.view(("run", "loss", 0))["x"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert store.view(("run", "loss", 0))["y"].tolist()[5:] == [-5.0, -6.0, -7.0]
    assert tailer.configs == {"run": {"lr": 0.05}}
    delete_series(path, "run")
    tailer.poll_once()
    assert tailer.configs == {} and len(store) == 0
    tailer.stop()


def test_the_tailer_shows_a_v1_pairs_run_configs():
    from pathlib import Path

    from streamvis.server.store import SeriesStore
    from streamvis.server.tailer import Tailer

    prefix = Path(__file__).parents[3] / "tests" / "fixtures" / "legacy" / "v1_ddb3f0c"
    tailer = Tailer(str(prefix), SeriesStore())
    tailer.poll_once()
    assert tailer.configs["run24"]["model"] == "mamba"
    tailer.stop()
