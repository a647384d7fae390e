"""``streamvis --version`` reports the version of the streamvis-cli project."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from streamvis.cli.main import main

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_version(capsys):
    expected = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"streamvis {expected}\n"
