"""``streamvis compact PATH``: merges segments without losing or duplicating a point, also
while a writer is running; a local one-file log is reported as having nothing to compact."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import numpy as np
import pytest

from streamvis.cli.main import main
from streamvis.logger import DataLogger, LogReader, read_log
from streamvis.logger.storage import open_store
from streamvis.logger.storage.segments import SEGMENT_RE
from support_cli import run_cli
from support_emulators import emulator_env, s3_emulator, s3_url, start_writers  # noqa: F401


def segments(url: str) -> list[str]:
    return [n for n in open_store(url).objects.list_names() if SEGMENT_RE.match(n)]


def xs_by_scope(series) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for s in series:
        out[s.scope] += s.columns["x"].tolist()
    return {k: sorted(v) for k, v in out.items()}


def write_flushes(url: str, scope: str, flushes: int, per_flush: int = 4) -> None:
    with DataLogger(scope).init(url, flush_interval=60) as lg:
        for f in range(flushes):
            lg.write("loss", x=np.arange(f * per_flush, (f + 1) * per_flush),
                     y=np.full(per_flush, 0.5))
            lg.flush_buffer()


def test_local_log_has_nothing_to_compact(tmp_path, capsys):
    path = tmp_path / "run.svlog"
    write_flushes(str(path), "a", 3)
    before = path.read_bytes()
    assert main(["compact", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nothing to compact" in out and "single file" in out
    assert path.read_bytes() == before
    assert main(["compact", str(tmp_path / "missing.svlog")]) == 1
    assert "no streamvis log at" in capsys.readouterr().err


def test_compact_memory_log_keeps_every_point_once(capsys):
    url = f"memory://c{uuid.uuid4().hex[:10]}/run"
    write_flushes(url, "a", 40)
    write_flushes(url, "b", 20)
    assert len(segments(url)) == 60
    assert main(["compact", url, "--min-age", "0", "--grace", "0", "--dry-run"]) == 0
    assert "dry run: would merge 60 segments into 1 segment" in capsys.readouterr().out
    assert len(segments(url)) == 60
    assert main(["compact", url, "--min-age", "0", "--grace", "0",
                 "--target-mib", str(4096 / 2**20)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{url}: 60 segments, 60 older than 0 s\n")
    assert "merged 60 segments into" in out and "deleted 60 originals" in out
    after = segments(url)
    assert 1 < len(after) < 10
    assert xs_by_scope(read_log(url)) == {"a": list(range(160)), "b": list(range(80))}
    # Again: the merged segments are already big enough; nothing changes.
    assert main(["compact", url, "--min-age", "0", "--grace", "0",
                 "--target-mib", str(4096 / 2**20)]) == 0
    assert "nothing to compact" in capsys.readouterr().out
    assert segments(url) == after


def test_compact_respects_min_age_and_reports_errors(capsys):
    url = f"memory://c{uuid.uuid4().hex[:10]}/run"
    write_flushes(url, "a", 5)
    assert main(["compact", url]) == 0  # default --min-age 600: everything is too new
    out = capsys.readouterr().out
    assert "nothing to compact" in out and "5 newer segments left as they are" in out
    assert len(segments(url)) == 5
    assert main(["compact", url, "--min-age", "-1"]) == 1
    assert "--min-age must be >= 0" in capsys.readouterr().err
    assert main(["compact", f"memory://c{uuid.uuid4().hex[:10]}/empty"]) == 1
    assert "no streamvis log at" in capsys.readouterr().err


@pytest.mark.emulator
def test_compact_s3_while_a_writer_runs(s3_url, s3_emulator, capsys):
    """``streamvis compact`` on an S3 log (moto_server) while a writer process keeps flushing
    and a reader tails: nothing lost, nothing read twice, fewer segments."""
    url = s3_url
    write_flushes(url, "old", 30)
    reader = LogReader(url)
    seen: dict[str, list[int]] = defaultdict(list)

    def tail() -> None:
        for s in reader.poll():
            seen[s.scope] += s.columns["x"].tolist()

    tail()
    writers = start_writers(url, s3_emulator, 1, 160, 2, pause=0.02, hold=True)  # >= 1.6 s
    deadline = time.monotonic() + 30
    while writers.flushes < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    tail()
    flushes_before = writers.flushes
    assert main(["compact", url, "--min-age", "0", "--grace", "0.2",
                 "--target-mib", str(8192 / 2**20)]) == 0
    out = capsys.readouterr().out
    assert "merged" in out and "deleted" in out
    assert writers.flushes > flushes_before, "the writer did not write during compaction"
    assert writers.alive()
    writers.join()
    tail()
    want = {"old": list(range(120)), "w0": list(range(160))}
    assert {k: sorted(v) for k, v in seen.items()} == want
    assert xs_by_scope(read_log(url)) == want
    assert reader.stats.damaged_bytes == 0
    assert len(segments(url)) < 30 + 80


@pytest.mark.emulator
def test_compact_console_script_on_s3(s3_url, s3_emulator):
    """The installed ``streamvis`` script, in its own process, reaching S3 through the
    standard AWS environment variables only."""
    write_flushes(s3_url, "a", 12)
    result = run_cli("compact", s3_url, "--min-age", "0", "--grace", "0",
                     env=emulator_env(s3_emulator))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{s3_url}: 12 segments, 12 older than 0 s"
    assert "merged 12 segments into 1 segment" in result.stdout
    assert len(segments(s3_url)) == 1
    assert xs_by_scope(read_log(s3_url)) == {"a": list(range(48))}
