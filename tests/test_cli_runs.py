"""Runs as users think of them, through the real CLI: configs in `list` and `export`, a
resumed run read as one line with its superseded points counted."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq

from streamvis.logger import DataLogger
from support_cli import run_cli


def sweep(path: str) -> None:
    for scope, lr in (("lr-0.1", 0.1), ("lr-0.01", 0.01)):
        config = {"lr": lr, "model": "tiny", "opt": {"name": "adam", "betas": [0.9, 0.99]}}
        with DataLogger(scope).init(path, config=config) as logger:
            for step in range(10):
                logger.write("loss", x=step, y=1.0 / (step + 1))
    with DataLogger("lr-0.1").init(path, config={"resumed": True}) as logger:  # from step 6
        for step in range(6, 12):
            logger.write("loss", x=step, y=0.5)


def test_list_shows_configs_and_superseded_points(tmp_path):
    path = str(tmp_path / "log")
    sweep(path)
    table = run_cli("list", path)
    assert table.returncode == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if line.startswith("lr-0.1 "))
    assert "lr=0.1 model=tiny opt.name=adam" in row and "0 .. 11" in row
    assert "4 points superseded by resumed runs" in table.stdout
    doc = json.loads(run_cli("list", path, "--json").stdout)
    assert doc["runs"] == [
        {"scope": "lr-0.01", "config": {"lr": 0.01, "model": "tiny",
                                         "opt": {"name": "adam", "betas": [0.9, 0.99]}}},
        {"scope": "lr-0.1", "config": {"lr": 0.1, "model": "tiny", "resumed": True,
                                        "opt": {"name": "adam", "betas": [0.9, 0.99]}}},
    ]
    assert doc["totals"]["superseded_points"] == 4
    assert [s["points"] for s in doc["series"]] == [10, 12]


def test_export_with_config_adds_a_column_per_key(tmp_path):
    path = str(tmp_path / "log")
    sweep(path)
    out = run_cli("export", path, "--with-config")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == ["scope", "name", "index", "x", "y", "config.lr", "config.model",
                             "config.opt.name", "config.opt.betas", "config.resumed"]
    resumed = [r for r in rows if r["scope"] == "lr-0.1"]
    assert [r["x"] for r in resumed] == [str(i) for i in range(12)]  # one clean line
    assert {r["config.resumed"] for r in resumed} == {"true"}
    assert {r["config.opt.betas"] for r in rows} == {"[0.9, 0.99]"}
    assert {r["config.resumed"] for r in rows if r["scope"] == "lr-0.01"} == {""}
    plain = list(csv.DictReader(io.StringIO(run_cli("export", path).stdout)))
    assert list(plain[0]) == ["scope", "name", "index", "x", "y"]
    parquet = tmp_path / "out.parquet"
    assert run_cli("export", path, "--with-config", "-o", str(parquet)).returncode == 0
    table = pq.read_table(parquet)
    assert table.column("config.lr").to_pylist()[:1] == ["0.01"]
