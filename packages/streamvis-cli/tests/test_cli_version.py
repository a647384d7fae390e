"""``streamvis --version`` reports the installed streamvis-cli distribution's version."""

from __future__ import annotations

import pytest

from streamvis.cli.main import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("streamvis 0.1.0")
