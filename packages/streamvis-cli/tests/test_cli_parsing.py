"""The argparse tree: every subcommand, its arguments, ``--help`` and ``--version``."""

from __future__ import annotations

import pytest

from streamvis.cli.main import SUBCOMMANDS, build_parser, main


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def available() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_required_subcommands_are_registered():
    names = available()
    for name in ("serve", "demo", "list", "export", "delete", "quickstart"):
        assert name in names
    assert set(names) <= set(SUBCOMMANDS)


@pytest.mark.parametrize("name", ["serve", "demo", "list", "export", "delete", "quickstart"])
def test_help_on_every_subcommand(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: streamvis {name}")


def test_serve_arguments():
    args = parse("serve", "5006", "demo.yaml", "gs://b/log", "--host", "0.0.0.0",
                 "--allow-websocket-origin", "a.example:80", "--allow-websocket-origin", "b",
                 "--poll-interval", "0.25")
    assert (args.port, args.schema, args.path) == (5006, "demo.yaml", "gs://b/log")
    assert args.host == "0.0.0.0" and args.poll_interval == 0.25
    assert args.allow_websocket_origin == ["a.example:80", "b"]
    assert parse("serve", "1", "s", "p").host == "127.0.0.1"
    assert parse("serve", "1", "s", "p").backend is None
    assert parse("serve", "1", "s", "p", "--backend", "gfile").backend == "gfile"


def test_demo_defaults_and_options():
    args = parse("demo", "run24", "/tmp/x")
    assert (args.scope, args.path, args.steps, args.replace) == ("run24", "/tmp/x", 1000, False)
    args = parse("demo", "r", "p", "--steps", "7", "--interval", "0", "--replace")
    assert (args.steps, args.interval, args.replace) == (7, 0.0, True)


def test_export_and_delete_options():
    args = parse("export", "p", "-o", "out.parquet", "--scope", "run.*", "--name", "kl")
    assert (args.output, args.format, args.scope, args.name) == ("out.parquet", None, "run.*", "kl")
    args = parse("delete", "p", "--scope", "run1", "--yes")
    assert (args.scope, args.name, args.yes) == ("run1", "", True)


def test_quickstart_defaults():
    args = parse("quickstart")
    assert args.port == 5006 and args.path == "streamvis-quickstart.log"


@pytest.mark.parametrize("argv, fragment", [
    (["serve", "99999", "s", "p"], "port number"),
    (["serve", "x", "s", "p"], "port number"),
    (["serve", "1", "s", "p", "--poll-interval", "0"], "seconds > 0"),
    (["demo", "r", "p", "--steps", "-1"], ">= 0"),
    (["demo", "r", "p", "--interval", "soon"], "seconds"),
    (["export", "p", "--format", "xlsx"], "invalid choice"),
    (["delete", "p"], "--scope"),
    (["list"], "PATH"),
    (["nosuch"], "invalid choice"),
])
def test_usage_errors_are_one_line(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert fragment in err
