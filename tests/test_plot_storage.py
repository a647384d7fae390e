"""``streamvis plot`` reads every PATH the viewer reads: a local file, memory://, and S3 and GCS
(moto_server and fake-gcs-server) and logs of the original streamvis, through
``streamvis.logger.read_log``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from streamvis.cli.main import main
from streamvis.logger import DataLogger
from streamvis.server import demo_schema_path
from support_cli import run_cli
from support_emulators import (emulator_env, gcs_emulator, s3_emulator, s3_url,  # noqa: F401
                               storage_url)

pytest.importorskip("matplotlib")


def write_runs(url: str) -> None:
    for k, scope in enumerate(("alpha", "beta")):
        with DataLogger(scope).init(url, flush_interval=60) as logger:
            for step in range(0, 40, 10):            # several flushes: several segments
                xs = np.arange(step, step + 10)
                logger.write("kldiv", x=xs, y=np.exp(-xs / 20.0) + k)
                logger.flush_buffer()


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    return " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_plot_reads_every_storage_backend(storage_url, tmp_path: Path,  # noqa: F811
                                          capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = storage_url
    write_runs(url)
    out = tmp_path / "page.svg"
    assert main(["plot", demo_schema_path(), url, "-o", str(out), "--rows", "kldiv"]) == 0
    assert "1 figure(s), 2 line(s), 80 points" in capsys.readouterr().err
    texts = svg_texts(out)
    assert "alpha/0" in texts and "beta/0" in texts


@pytest.mark.emulator
def test_plot_console_script_on_s3(s3_url, s3_emulator, tmp_path: Path) -> None:  # noqa: F811
    """The installed command in its own process, reaching S3 through the AWS variables only."""
    write_runs(s3_url)
    out = tmp_path / "page.png"
    done = run_cli("plot", demo_schema_path(), s3_url, "-o", str(out), "--rows", "kldiv",
                   "--scopes", "beta", env=emulator_env(s3_emulator))
    assert done.returncode == 0, done.stderr
    assert "1 line(s), 40 points" in done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


LEGACY = Path(__file__).resolve().parent / "fixtures" / "legacy"


@pytest.mark.parametrize("log, lines, points", [("seed_e18e0a6.svlog", 2, 750),
                                                ("v1_ddb3f0c.idx", 2, 450)])
def test_plot_reads_logs_of_the_original_streamvis(log: str, lines: int, points: int,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "legacy.svg"
    assert main(["plot", demo_schema_path(), str(LEGACY / log), "-o", str(out),
                 "--rows", "kldiv"]) == 0
    assert f"1 figure(s), {lines} line(s), {points} points" in capsys.readouterr().err
    assert "run24/0" in svg_texts(out)
