"""A sweep in a real browser: 300 runs in one log, a page of two figures (600 lines), the run
panel beside them. A streamvis server (subprocess) and headless Debian Chromium (Playwright);
assertions read the page's test hooks (``window.streamvis.shown()``, ``lastX()``, ``colors()``,
``highlighted()``) and its DOM, waiting on them rather than sleeping.
"""

from __future__ import annotations

import os
import shutil
import urllib.parse
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

if not os.environ.get("CI"):  # in CI a missing browser is a failure, never a silent skip
    pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium is not installed", allow_module_level=True)

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # noqa: E402

from streamvis.logger import DataLogger  # noqa: E402

from support_browser import READY_JS, chromium, screenshot, streamvis_server  # noqa: E402

pytestmark = pytest.mark.browser

RUNS = 300
POINTS = 20
OUTLIER = "run299"          # drawn far above the others, so the mouse can find its line
VIEWPORT = {"width": 1300, "height": 800}
TIMEOUT_MS = 60_000
SCHEMA = """
acc:
  scope_pattern: .*
  group_pattern: acc
  glyph_kind: line
  columns: [x, y]
loss:
  scope_pattern: .*
  group_pattern: loss
  glyph_kind: line
  columns: [x, y]
"""
FIGURES = ("acc", "loss")


def scope(r: int) -> str:
    return f"run{r:03d}"


def write_points(log: str, x: np.ndarray) -> None:
    """Points ``x`` of both metrics for every run (the outlier at y >= 10)."""
    for r in range(RUNS):
        with DataLogger(scope(r)).init(log, buffer_max_elem=10_000) as logger:
            for m, name in enumerate(FIGURES):
                y = 0.5 + 0.4 * np.sin(x / 3.0 + r + m)
                logger.write(name, x=x, y=y + (10.0 if scope(r) == OUTLIER else 0.0))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("runs")
    schema = root / "schema.yaml"
    schema.write_text(SCHEMA)
    log = str(root / "sweep.svl")
    write_points(log, np.arange(POINTS))
    with streamvis_server(str(schema), log, poll=0.2) as url:
        yield url, log


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert errors == []


def open_sweep(page: Any, url: str, query: str = "rows=acc,loss") -> None:
    page.goto(f"{url}/?{query}")
    page.wait_for_function(READY_JS)


def shown(page: Any) -> dict[str, dict[str, int]]:
    return page.evaluate("() => window.streamvis.shown()")


def wait_shown(page: Any, scopes: set[str], points: int = POINTS) -> dict[str, dict[str, int]]:
    """Wait until every figure draws exactly the lines of ``scopes``, ``points`` each."""
    want = {f: {f"{s}|{f}|0": points for s in scopes} for f in FIGURES}
    page.wait_for_function("(want) => JSON.stringify(window.streamvis.shown()) === "
                           "JSON.stringify(want)", arg=_ordered(want), polling=50)
    got = shown(page)
    assert got == want
    return got


def _ordered(want: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Keys in the page's order (rows in order of arrival: run000, run001, ...)."""
    return {f: dict(sorted(lines.items())) for f, lines in want.items()}


ALL = {scope(r) for r in range(RUNS)}


def test_every_line_of_every_run_is_drawn_and_listed(site: tuple[str, str], page: Any) -> None:
    url, _ = site
    open_sweep(page, url)
    wait_shown(page, ALL)
    rows = page.locator(".sv-list .sv-run")
    assert rows.count() == RUNS
    assert page.locator(".sv-count").inner_text() == f"{RUNS} / {RUNS} shown"
    first = page.locator(".sv-run[data-scope='run000']").inner_text().split()
    assert first[:3] == ["run000", str(2 * POINTS), str(POINTS - 1)], first
    # 300 lines: no legend over or beside the plot
    legends = page.evaluate("() => [...Bokeh.documents[0].all_models].filter(m => "
                            "m.type === 'Legend' && m.visible).length")
    assert legends == 0
    # mouse-wheel zoom is active from the start on every figure
    wheel = page.evaluate("() => [...Bokeh.documents[0].all_models].filter(m => "
                          "(m.tags || []).includes('streamvis-figure')).map(m => "
                          "m.toolbar.active_scroll && m.toolbar.active_scroll.type)")
    assert wheel == ["WheelZoomTool"] * len(FIGURES), wheel   # the figures shown
    screenshot(page, "sweep-300.png")


def test_filter_hides_and_shows_runs_on_every_figure(site: tuple[str, str], page: Any) -> None:
    url, _ = site
    open_sweep(page, url)
    wait_shown(page, ALL)
    box = page.locator(".sv-filter")
    box.fill("run01")                                   # a substring
    wait_shown(page, {scope(r) for r in range(10, 20)})
    assert page.locator(".sv-list .sv-run:visible").count() == 10
    box.fill("^run2[0-4]5$")                            # a regex
    wait_shown(page, {"run205", "run215", "run225", "run235", "run245"})
    box.fill("")
    wait_shown(page, ALL)
    # checkboxes and shortcuts act on every figure at once
    page.locator(".sv-run[data-scope='run007'] input.sv-check").uncheck()
    wait_shown(page, ALL - {"run007"})
    page.locator(".sv-run[data-scope='run042'] .sv-only").click()
    wait_shown(page, {"run042"})
    page.locator(".sv-all").click()
    wait_shown(page, ALL)


def test_a_run_has_one_colour_on_every_figure(site: tuple[str, str], page: Any) -> None:
    url, _ = site
    open_sweep(page, url)
    wait_shown(page, ALL)
    colors = page.evaluate("() => window.streamvis.colors()")
    assert colors["acc"] == colors["loss"] and len(colors["acc"]) == RUNS
    first_ten = [colors["acc"][scope(r)] for r in range(10)]
    assert len(set(first_ten)) == 10, first_ten
    swatch = page.locator(".sv-run[data-scope='run003'] .sv-swatch").evaluate(
        "e => getComputedStyle(e).backgroundColor")
    hex_color = colors["acc"]["run003"].lstrip("#")
    assert swatch == "rgb({}, {}, {})".format(*(int(hex_color[i:i + 2], 16) for i in (0, 2, 4)))


# Page coordinates of the outlier's 11th point in the loss figure
OUTLIER_POINT_JS = """(outlier) => {
  const models = [...Bokeh.documents[0].all_models];
  const lines = models.find(m => (m.tags || [])[0] === 'streamvis-lines' && m.tags[1] === 'loss');
  const row = lines.data.scope.indexOf(outlier);
  for (const m of models) {
    if (!(m.tags || []).includes('streamvis-figure') || m.tags[1] !== 'loss') continue;
    const view = Bokeh.index.find_one(m);
    if (!view) continue;
    const box = view.canvas_view.el.getBoundingClientRect();
    return [box.left + view.frame.x_scale.compute(lines.data.xs[row][10]),
            box.top + view.frame.y_scale.compute(lines.data.ys[row][10])];
  }
  return null; }"""


def test_hovering_a_line_or_a_run_highlights_it_everywhere(site: tuple[str, str],
                                                          page: Any) -> None:
    url, _ = site
    open_sweep(page, url)
    wait_shown(page, ALL)
    want = {"scope": "run123", "figures": {f: [f"run123|{f}|0"] for f in FIGURES}}
    page.locator(".sv-run[data-scope='run123'] .sv-name").hover()
    page.wait_for_function("() => window.streamvis.highlighted().scope === 'run123'")
    assert page.evaluate("() => window.streamvis.highlighted()") == want
    # the mouse over the outlier's line in one figure: tooltip and highlight in both
    # the plot may still be settling its ranges: aim again until the hover lands
    for _ in range(10):
        point = page.evaluate(OUTLIER_POINT_JS, OUTLIER)
        page.mouse.move(point[0], point[1] + 30)
        page.mouse.move(*point)
        try:
            page.wait_for_function(f"() => window.streamvis.highlighted().scope === '{OUTLIER}'",
                                   timeout=2000)
            break
        except PlaywrightTimeoutError:
            continue
    got = page.evaluate("() => window.streamvis.highlighted()")
    assert got == {"scope": OUTLIER, "figures": {f: [f"{OUTLIER}|{f}|0"] for f in FIGURES}}
    assert page.get_by_text(OUTLIER, exact=True).count() >= 2    # panel row and tooltip


def test_selection_round_trips_through_the_url(site: tuple[str, str], page: Any) -> None:
    url, _ = site
    open_sweep(page, url)
    wait_shown(page, ALL)
    page.locator(".sv-filter").fill("run1")
    page.locator(".sv-run[data-scope='run150'] input.sv-check").uncheck()
    want = {s for s in ALL if "run1" in s} - {"run150"}
    wait_shown(page, want)
    query = urllib.parse.urlparse(page.url).query
    scopes = urllib.parse.parse_qs(query)["scopes"][0]
    assert scopes, query
    open_sweep(page, url, query)                        # the link reproduces the view
    wait_shown(page, want)
    assert page.locator(".sv-count").inner_text() == f"{len(want)} / {RUNS} shown"
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["scopes"] == [scopes]
    page.locator(".sv-all").click()                     # everything shown: no scopes=
    wait_shown(page, ALL)
    assert "scopes" not in urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)


def test_live_appends_reach_every_line(site: tuple[str, str], page: Any) -> None:
    url, log = site
    open_sweep(page, url)
    lines = page.evaluate("() => window.streamvis.shown()")
    base = max(n for f in lines.values() for n in f.values())
    wait_shown(page, ALL, base)
    write_points(log, np.arange(base, base + 3))
    page.wait_for_function(f"""() => Object.values(window.streamvis.lastX()).every(
        l => Object.keys(l).length === {RUNS} && Object.values(l).every(x => x === {base + 2}))""",
                           polling=50)
    wait_shown(page, ALL, base + 3)
    row = page.locator(f".sv-run[data-scope='{OUTLIER}']").inner_text().split()
    assert row[1:3] == [str(2 * (base + 3)), str(base + 2)], row
