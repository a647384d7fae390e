"""Runs' configs and wall times in Chromium: where= keeps the matching runs, the run panel
shows each run's config, and the x-axis control switches a figure to wall time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from support_browser import READY_JS, chromium, streamvis_server, wait_until

from streamvis.logger import DataLogger

pytestmark = pytest.mark.browser

SCHEMA = """
loss:
  scope_pattern: .*
  group_pattern: loss
  glyph_kind: line
  columns: [x, y]
"""
LRS = {"lr-big": 0.1, "lr-small": 0.001, "lr-tiny": 0.0001}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("configs")
    schema = root / "schema.yaml"
    schema.write_text(SCHEMA)
    log = str(root / "sweep.svl")
    for scope, lr in LRS.items():
        with DataLogger(scope).init(log, config={"lr": lr, "model": "tiny"}) as logger:
            for step in range(20):
                logger.write("loss", x=step, y=1.0 / (step + 1))
    with streamvis_server(str(schema), log, poll=0.2) as url:
        yield url


@pytest.fixture
def page(site: str) -> Iterator[Any]:
    with chromium() as browser:
        p = browser.new_page(viewport={"width": 1200, "height": 700})
        errors: list[str] = []
        p.on("pageerror", lambda e: errors.append(str(e)))
        yield p
        assert errors == []


def lines(page: Any) -> dict[str, int]:
    return page.evaluate("() => window.streamvis.shown()").get("loss", {})


def test_where_keeps_runs_whose_config_matches(site: str, page: Any) -> None:
    page.goto(f"{site}/?rows=loss&where=lr<0.01,model=tiny")
    page.wait_for_function(READY_JS)
    got = wait_until(page, lambda: lines(page), lambda v: len(v) == 2)
    assert got == {"lr-small|loss|0": 20, "lr-tiny|loss|0": 20}


def test_the_run_panel_shows_each_runs_config(site: str, page: Any) -> None:
    page.goto(f"{site}/?rows=loss")
    page.wait_for_function(READY_JS)
    text = wait_until(page, lambda: page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.sv-run[data-scope]')]"
        ".map(r => [r.dataset.scope, r.querySelector('.sv-config').textContent]))"),
        lambda v: len(v) == 3 and all(v.values()))
    assert text == {s: f"lr={lr} model=tiny" for s, lr in LRS.items()}


def test_the_x_axis_control_switches_to_wall_time(site: str, page: Any) -> None:
    page.goto(f"{site}/?rows=loss")
    page.wait_for_function(READY_JS)
    wait_until(page, lambda: lines(page), lambda v: len(v) == 3)
    last = page.evaluate("() => window.streamvis.lastX()")["loss"]
    assert set(last.values()) == {19}
    page.get_by_role("button", name="wall").click()
    now_ms = time.time() * 1000
    last = wait_until(page, lambda: page.evaluate("() => window.streamvis.lastX()")["loss"],
                      lambda v: len(v) == 3 and min(v.values()) > 1e12)
    assert all(now_ms - 600_000 < x <= now_ms for x in last.values()), last
