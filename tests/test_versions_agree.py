"""One version per release: every copy the packaging tools need equals ``VERSION``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "dev" / "set_version.py"


def run(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)


def test_every_copy_matches_the_version_file():
    result = run(SCRIPT, "--check")
    assert result.returncode == 0, result.stderr


def test_check_names_a_disagreeing_copy_and_set_version_fixes_it(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "dev", copy / "dev")
    shutil.copy(ROOT / "VERSION", copy / "VERSION")
    for p in ("proto", "logger", "server", "cli"):
        (copy / "packages" / f"streamvis-{p}").mkdir(parents=True)
        for name in ("pyproject.toml", "BUILD"):
            shutil.copy(ROOT / "packages" / f"streamvis-{p}" / name,
                        copy / "packages" / f"streamvis-{p}" / name)
    script = copy / "dev" / "set_version.py"
    server = copy / "packages" / "streamvis-server" / "pyproject.toml"
    server.write_text(server.read_text().replace('"streamvis-logger==', '"streamvis-logger==9'))
    result = run(script, "--check")
    assert result.returncode == 1
    assert "packages/streamvis-server/pyproject.toml:" in result.stderr
    assert "streamvis-logger==9" in result.stderr
    assert run(script, "2.3.4").returncode == 0
    assert run(script, "--check").returncode == 0
    assert (copy / "VERSION").read_text() == "2.3.4\n"
    text = (copy / "packages" / "streamvis-cli" / "pyproject.toml").read_text()
    assert 'version = "2.3.4"' in text and '"streamvis-server==2.3.4"' in text
    assert 'version="2.3.4"' in (copy / "packages" / "streamvis-cli" / "BUILD").read_text()
    assert run(script, "two").returncode != 0
