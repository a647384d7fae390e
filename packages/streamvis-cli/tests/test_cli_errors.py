"""How ``main`` reports failures: the project's errors in one line, anything else (a bug) as a
traceback plus a line asking to report it, every traceback with --debug / STREAMVIS_DEBUG=1."""

from __future__ import annotations

import pytest

import streamvis.cli.list as list_command
from streamvis.cli.main import DEBUG_ENV, main


@pytest.fixture(autouse=True)
def no_debug_env(monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)


def test_own_error_is_one_line(tmp_path, capsys):
    assert main(["list", str(tmp_path / "none.log")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("streamvis: error: no streamvis log at PATH")


@pytest.mark.parametrize("argv_debug", [["--debug"], ["list", "--debug"]])
def test_debug_option_prints_the_traceback_too(tmp_path, capsys, argv_debug):
    path = str(tmp_path / "none.log")
    argv = ["--debug", "list", path] if argv_debug == ["--debug"] else ["list", path, "--debug"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "StorageError" in err
    assert err.strip().splitlines()[-1].startswith("streamvis: error: no streamvis log")


def test_debug_environment_variable(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(DEBUG_ENV, "1")
    assert main(["list", str(tmp_path / "none.log")]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.parametrize("bug", [ValueError("index 3 out of range"), OSError(5, "I/O"),
                                 KeyError("x")])
def test_a_bug_is_not_worded_as_bad_input(tmp_path, capsys, monkeypatch, bug):
    """A stand-in for any bug: a command that raises an exception the project never raises
    on purpose. Before, a ValueError or OSError read like the user's mistake."""
    def broken(args):
        raise bug

    monkeypatch.setattr(list_command, "run", broken)
    assert main(["list", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "in broken" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"streamvis: error: internal error {type(bug).__name__}: this is a "
                           "bug in streamvis, not a problem with your input; please report it")


def test_unwritable_output_is_the_users_error(tmp_path, capsys):
    from streamvis.logger import DataLogger

    log = str(tmp_path / "a.log")
    with DataLogger("r") as logger:
        logger.init(log)
        logger.write("loss", x=1, y=1.0)
    assert main(["export", log, "-o", str(tmp_path / "no" / "dir.csv")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == (f"streamvis: error: cannot write -o '{tmp_path}/no/dir.csv': "
                           "No such file or directory")
