"""End to end in a real browser: a streamvis server (subprocess) against a log written by
``DataLogger``, pages opened in headless Debian Chromium (Playwright), and assertions read from
the page's own Bokeh document (glyphs, points held, pixel sizes) and its DOM.

One server and one browser serve the whole module; each test owns its own series names (one
figure per test in the schema below), so tests do not disturb each other's counts.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

if not os.environ.get("CI"):  # in CI a missing browser is a failure, never a silent skip
    pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium is not installed", allow_module_level=True)

from streamvis.logger import DataLogger, delete_series  # noqa: E402

from support_browser import (FIGURES_JS, READY_JS, chromium, dumps,  # noqa: E402
                             screenshot, streamvis_server, wait_until)

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>"
BIG_N = 200_000
SPIKE_AT, SPIKE = 123_457, 50.0
VIEWPORT = {"width": 1200, "height": 800}
SETTLE_S = 30.0      # generous: two cores shared with other test runs

SCHEMA = """
loss:
  scope_pattern: .*
  group_pattern: loss
  figure_kwargs: {title: Loss}
  glyph_kind: line
  columns: [x, y]
attn:
  scope_pattern: .*
  group_pattern: attn
  palette: Viridis6
  glyph_kind: line
  columns: [x, y]
live:
  scope_pattern: .*
  group_pattern: live
  glyph_kind: scatter
  columns: [x, y]
big:
  scope_pattern: .*
  group_pattern: big
  glyph_kind: line
  columns: [x, y]
gone:
  scope_pattern: .*
  group_pattern: gone
  glyph_kind: line
  columns: [x, y]
xss:
  scope_pattern: .*
  group_pattern: xss
  glyph_kind: line
  columns: [x, y]
"""
FIGURES = ["loss", "attn", "live", "big", "gone", "xss"]

VIRIDIS6 = [c.upper() for c in __import__("bokeh.palettes").palettes.Viridis6]

# Per line one figure draws: [[scope, name, index], points, colour, legend label or null]
GLYPHS_JS = """(fig) => {
  const shown = window.streamvis.shown()[fig] || {};
  const models = [...Bokeh.documents[0].all_models];
  const src = tag => models.find(m => (m.tags || [])[0] === tag && m.tags[1] === fig);
  const lines = src('streamvis-lines');
  const plot = models.find(m => (m.tags || []).includes('streamvis-figure') &&
                                m.tags[1] === fig && Bokeh.index.find_one(m));
  const labels = new Map();
  for (const legend of [...plot.right, ...plot.center].filter(x => x.type === 'Legend'))
    for (const item of legend.items) {
      if (!legend.visible) continue;
      const label = item.label && item.label.value !== undefined ? item.label.value : item.label;
      labels.set(item.index, label);
    }
  const d = lines.data, out = [];
  for (let r = 0; r < d.key.length; r++) {
    if (!(d.key[r] in shown)) continue;
    out.push([[d.scope[r], d.name[r], d.index[r]], shown[d.key[r]], d.color[r],
              labels.has(r) ? labels.get(r) : null]);
  }
  return out;
}"""

# Pixel boxes of each figure's cell (its controls and plot) on the page, by figure name, and
# the plot's inner width.
SIZES_JS = """() => {
  const out = {};
  const models = [...Bokeh.documents[0].all_models];
  for (const m of models) {
    if (!(m.tags || []).includes('streamvis-plot')) continue;
    const view = Bokeh.index.find_one(m);
    if (!view) continue;
    const r = view.el.getBoundingClientRect();
    const plot = models.find(p => (p.tags || []).includes('streamvis-figure') &&
                                  p.tags[1] === m.tags[1] && Bokeh.index.find_one(p));
    out[m.tags[1]] = [r.x, r.y, r.width, r.height, plot ? plot.inner_width : null];
  }
  return out;
}"""

# One figure's shown twin: [axis kind, raw lines' alpha, smoothed lines visible, points per
# smoothed line, legend labels]
SMOOTH_JS = """(fig) => {
  const models = [...Bokeh.documents[0].all_models];
  const plot = models.find(m => (m.tags || []).includes('streamvis-figure') &&
                                m.tags[1] === fig && Bokeh.index.find_one(m));
  if (!plot) return null;
  const raw = plot.renderers.find(r => (r.tags || []).includes('raw'));
  const smooth = plot.renderers.find(r => (r.tags || []).includes('smooth'));
  const alpha = raw.glyph.line_alpha.value !== undefined ? raw.glyph.line_alpha.value :
    raw.glyph.line_alpha;
  const legend = plot.right.find(x => x.type === 'Legend');
  return [plot.tags[2], alpha, smooth.visible, Array.from(smooth.data_source.data.xs,
    x => x.length), legend.visible ? legend.items.map(i => i.label.value) : []];
}"""

# One figure's first line: [x min, x max, length, max y, all x steps equal to 1, plot width]
SOURCE_JS = """(fig) => {
  const models = [...Bokeh.documents[0].all_models];
  const lines = models.find(m => (m.tags || [])[0] === 'streamvis-lines' && m.tags[1] === fig);
  const plot = models.find(m => (m.tags || []).includes('streamvis-figure') &&
                                m.tags[1] === fig && Bokeh.index.find_one(m));
  if (!lines || !plot || !lines.data.xs.length) return null;
  const x = lines.data.xs[0], y = lines.data.ys[0];
  if (!x.length) return [null, null, 0, null, false, plot.inner_width];
  let ymax = -Infinity, unit = true;
  for (let i = 0; i < x.length; i++) {
    if (y[i] > ymax) ymax = y[i];
    if (i && x[i] - x[i - 1] !== 1) unit = false;
  }
  return [x[0], x[x.length - 1], x.length, ymax, unit, plot.inner_width];
}"""

# Page coordinates of one figure's first line's points (to hover them with the mouse)
POINTS_JS = """(fig) => {
  const models = [...Bokeh.documents[0].all_models];
  const lines = models.find(m => (m.tags || [])[0] === 'streamvis-lines' && m.tags[1] === fig);
  for (const m of models) {
    if (!(m.tags || []).includes('streamvis-figure') || m.tags[1] !== fig) continue;
    const view = Bokeh.index.find_one(m);
    if (!view) continue;
    const box = view.canvas_view.el.getBoundingClientRect();
    const x = lines.data.xs[0], y = lines.data.ys[0];
    return Array.from(x, (xi, i) => [box.left + view.frame.x_scale.compute(xi),
                                     box.top + view.frame.y_scale.compute(y[i])]);
  }
  return [];
}"""

# Press one figure's reset tool (from JS: what the toolbar button does)
RESET_JS = """(fig) => {
  for (const m of Bokeh.documents[0].all_models)
    if ((m.tags || []).includes('streamvis-figure') && m.tags[1] === fig) {
      Bokeh.index.find_one(m).reset();
      return true;
    }
  return false;
}"""

# Zoom one figure's x range from JS the way Bokeh's zoom tools do: set the range through the
# plot view (which marks it as set interactively, so auto-ranging leaves it alone), then emit
# RangesUpdate. (A bare ``x_range.setv`` is not a zoom: DataRange1d re-fits it to the data on
# the next change, and the server sees it only as an auto-range.)
ZOOM_JS = """([fig, start, end]) => {
  for (const m of Bokeh.documents[0].all_models) {
    if ((m.tags || []).includes('streamvis-figure') && m.tags[1] === fig) {
      const view = Bokeh.index.find_one(m);
      view.update_range({xrs: new Map([[m.x_range, {start: start, end: end}]]), yrs: new Map()});
      view.trigger_ranges_update_event();
      return [m.x_range.start, m.x_range.end];
    }
  }
  return null;
}"""


@dataclass
class Site:
    """The module's server: its URL, the log, and the loggers writing to it."""

    url: str
    log: str
    loggers: dict[str, DataLogger] = field(default_factory=dict)

    def logger(self, scope: str) -> DataLogger:
        if scope not in self.loggers:
            self.loggers[scope] = DataLogger(scope).init(self.log, flush_interval=0.2)
        return self.loggers[scope]

    def write(self, scope: str, name: str, **fields: Any) -> None:
        logger = self.logger(scope)
        logger.write(name, **fields)
        logger.flush_buffer()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("browser")
    schema = root / "schema.yaml"
    schema.write_text(SCHEMA)
    log = str(root / "run.svl")
    s = Site("", log)
    rng = np.random.default_rng(0)
    s.write("run1", "loss", x=np.arange(100), y=rng.random(100))
    s.write("run2", "loss", x=np.arange(60), y=rng.random(60))
    s.write("run1", "attn", x=np.arange(50), y=rng.random((3, 50)))
    s.write("live1", "live", x=np.arange(10), y=rng.random(10))
    big_y = np.sin(np.arange(BIG_N) / 5000.0)
    big_y[SPIKE_AT] = SPIKE
    s.write("long", "big", x=np.arange(BIG_N), y=big_y)
    s.write("doomed", "gone", x=np.arange(20), y=rng.random(20))
    s.write("kept", "gone", x=np.arange(30), y=rng.random(30))
    s.write(EVIL, "xss", x=np.arange(5), y=rng.random(5))
    with streamvis_server(str(schema), log, poll=0.2) as url:
        s.url = url
        yield s
    for logger in s.loggers.values():
        logger.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page; ``page.dialogs`` collects every alert/confirm the page tries to open."""
    context = browser.new_context(viewport=VIEWPORT)
    p = context.new_page()
    p.set_default_timeout(SETTLE_S * 1000)
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    p.on("dialog", on_dialog)
    p.dialogs = dialogs
    yield p
    context.close()


def open_doc(page: Any, url: str) -> None:
    """Navigate and wait until BokehJS holds the document and is idle (and, on a figure
    page, until the page's test hooks are set)."""
    page.goto(url)
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].roots().length > 0")
    page.wait_for_function("() => Bokeh.documents[0].is_idle")
    if "rows=" in url or "cols=" in url:
        if page.locator(".sv-error").count() == 0:
            page.wait_for_function(READY_JS)


def glyphs(page: Any, fig: str) -> dict[tuple[str, ...], int]:
    """(scope, name, index) -> points held, for one figure's raw glyphs."""
    return {tuple(map(str, tags)): n for tags, n, _, _ in page.evaluate(GLYPHS_JS, fig)}


def settled_sizes(page: Any) -> dict[str, list[float]]:
    """Figure boxes once two readings 400 ms apart agree (layout settles after is_idle)."""
    last = None
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        now = page.evaluate(SIZES_JS)
        if now and now == last:
            return now
        last = now
        page.wait_for_timeout(400)
    return last or {}


def near(a: float, b: float, rel: float = 0.03, abs_px: float = 3.0) -> bool:
    return abs(a - b) <= max(abs_px, rel * max(abs(a), abs(b)))


# -- what the page holds ------------------------------------------------------------------


def test_figures_hold_one_glyph_per_scope_and_index_with_all_points(site: Site,
                                                                     page: Any) -> None:
    open_doc(page, site.url + "/?rows=loss,attn")
    want = {"loss:linear": {"run1|loss|0": 100, "run2|loss|0": 60},
            "attn:linear": {"run1|attn|0": 50, "run1|attn|1": 50, "run1|attn|2": 50}}
    got = wait_until(page, lambda: page.evaluate(FIGURES_JS), lambda v: v == want)
    assert got == want, dumps(got)
    attn = page.evaluate(GLYPHS_JS, "attn")
    # palette colour per index, one legend entry "scope/index" per glyph
    assert sorted((t[2], c.upper(), label) for t, _, c, label in attn) == [
        (i, VIRIDIS6[i], f"run1/{i}") for i in range(3)]


def test_appended_points_new_scopes_and_indexes_arrive_live(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?rows=live")
    start = wait_until(page, lambda: glyphs(page, "live"), lambda v: v)
    assert start == {("live1", "live", "0"): 10}, start
    site.write("live1", "live", x=np.arange(10, 35), y=np.ones(25))
    t0 = time.monotonic()
    got = wait_until(page, lambda: glyphs(page, "live"),
                     lambda v: v.get(("live1", "live", "0")) == 35, timeout=SETTLE_S)
    latency = time.monotonic() - t0
    assert got == {("live1", "live", "0"): 35}, got
    assert latency < 10.0, f"new points took {latency:.1f} s to reach the page"
    # a new index of the same scope and a new writer (scope) each get their own glyph
    site.write("live1", "live", x=np.arange(35, 40), y=np.ones((2, 5)))
    site.write("live2", "live", x=np.arange(7), y=np.zeros(7))
    want = {("live1", "live", "0"): 40, ("live1", "live", "1"): 5, ("live2", "live", "0"): 7}
    got = wait_until(page, lambda: glyphs(page, "live"), lambda v: v == want,
                     timeout=SETTLE_S)
    assert got == want, got
    labels = sorted(label for _, _, _, label in page.evaluate(GLYPHS_JS, "live"))
    assert labels == ["live1/0", "live1/1", "live2/0"]


def test_smoothing_log_axis_legend_and_run_panel_controls(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?rows=attn")
    got = wait_until(page, lambda: page.evaluate(SMOOTH_JS, "attn"),
                     lambda v: v is not None and len(v[4]) == 3)
    # few lines: the legend is shown (beside the plot); no smoothed lines yet
    assert got == ["linear", 1, False, [0, 0, 0], ["run1/0", "run1/1", "run1/2"]], got
    # EMA smoothing from the figure's own spinner: a smoothed line per series, raw ones faint
    spinner = page.locator("input.bk-input").first
    spinner.fill("0.5")
    spinner.press("Enter")
    got = wait_until(page, lambda: page.evaluate(SMOOTH_JS, "attn"),
                     lambda v: v[3] == [50, 50, 50])
    assert got[1:4] == [0.25, True, [50, 50, 50]], got
    # the run panel's checkbox hides the run's lines, and brings them back
    box = page.locator(".sv-run[data-scope='run1'] input.sv-check")
    box.uncheck()
    got = wait_until(page, lambda: glyphs(page, "attn"), lambda v: not v)
    assert got == {}, got
    box.check()
    got = wait_until(page, lambda: glyphs(page, "attn"), lambda v: len(v) == 3)
    assert set(got.values()) == {50}, got
    # the log toggle shows the log twin with the same data
    page.get_by_text("log", exact=True).click()
    got = wait_until(page, lambda: page.evaluate(SMOOTH_JS, "attn"),
                     lambda v: v is not None and v[0] == "log")
    assert got[0] == "log" and got[3] == [50, 50, 50], got
    assert set(glyphs(page, "attn").values()) == {50}
    screenshot(page, "controls.png")
    assert page.dialogs == []


# -- layouts ------------------------------------------------------------------------------


def panel_width(page: Any) -> float:
    """Width of the run panel beside the figures."""
    return page.locator("#sv-runs").bounding_box()["width"]


def test_rows_layout_sizes_follow_the_requested_ratios(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?rows=loss,attn;live&width=1,2,1&height=1,2")
    box = settled_sizes(page)
    screenshot(page, "layout-rows.png")
    assert set(box) == {"loss", "attn", "live"}, box
    width = VIEWPORT["width"] - panel_width(page)     # what the run panel leaves
    (ax, ay, aw, ah, _), (bx, by, bw, bh, _), (cx, cy, cw, ch, _) = (
        box["loss"], box["attn"], box["live"])
    assert near(bw, 2 * aw), box                      # A : B = 1 : 2 in the first row
    assert near(cw, aw + bw) and near(cw, width), box   # C fills the width
    assert near(ah, bh) and near(ch, 2 * ah), box     # rows 1 : 2
    assert near(ay, by) and near(bx, ax + aw) and near(cy, ay + ah), box
    assert cy + ch <= VIEWPORT["height"] + 1 and near(cy + ch, VIEWPORT["height"]), box
    # the plots follow the window
    page.set_viewport_size({"width": 900, "height": 600})
    box = settled_sizes(page)
    assert near(box["live"][2], 900 - panel_width(page)), box
    assert near(box["attn"][2], 2 * box["loss"][2]), box
    assert near(box["live"][3], 2 * box["loss"][3]), box
    # collapsing the run panel gives its width to the figures
    page.locator(".sv-collapse").click()
    box = settled_sizes(page)
    assert panel_width(page) < 40 and near(box["live"][2], 900 - panel_width(page)), box


def test_cols_layout_sizes_follow_the_requested_ratios(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?cols=loss,attn;live&width=2,1&height=1,2,1")
    box = settled_sizes(page)
    screenshot(page, "layout-cols.png")
    assert set(box) == {"loss", "attn", "live"}, box
    (ax, ay, aw, ah, _), (bx, by, bw, bh, _), (cx, cy, cw, ch, _) = (
        box["loss"], box["attn"], box["live"])
    assert near(aw, bw) and near(aw, 2 * cw), box     # columns 2 : 1
    assert near(aw + cw, VIEWPORT["width"] - panel_width(page)), box
    assert near(bh, 2 * ah) and near(ch, ah + bh), box   # A : B = 1 : 2, C full height
    assert near(ax, bx) and near(by, ay + ah) and near(cx, ax + aw) and near(cy, ay), box


# Per figure: [its spinner's box (top, bottom, left, right), its plot's box (same order)]
CONTROLS_JS = """() => {
  const out = {}, models = [...Bokeh.documents[0].all_models];
  const box = m => { const r = Bokeh.index.find_one(m).el.getBoundingClientRect();
                     return [r.top, r.bottom, r.left, r.right]; };
  for (const m of models) {
    if (!(m.tags || []).includes('smoothing')) continue;
    const plot = models.find(p => (p.tags || []).includes('streamvis-figure') &&
                                  p.tags[1] === m.tags[1] && Bokeh.index.find_one(p));
    out[m.tags[1]] = [box(m), box(plot)];
  }
  return out;
}"""


def test_crowded_page_keeps_each_figures_controls_with_its_figure(site: Site,
                                                                   page: Any) -> None:
    open_doc(page, site.url + "/?rows=loss,attn,live;big,gone,xss")
    box = settled_sizes(page)
    screenshot(page, "layout-six.png")
    assert set(box) == set(FIGURES), box
    controls = page.evaluate(CONTROLS_JS)
    assert set(controls) == set(FIGURES), controls
    for name, ((top, bottom, left, right), (ptop, pbottom, pleft, pright)) in controls.items():
        # right above its own plot, within its width, never under another plot
        assert bottom <= ptop + 1 and ptop - bottom < 20, (name, controls[name])
        assert pleft - 1 <= left and right <= pright + 1, (name, controls[name])
    assert near(max(b[1] + b[3] for b in box.values()), VIEWPORT["height"]), box


def test_index_page_lists_every_figure_with_working_links(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/")
    links = wait_until(page, lambda: page.locator("a").evaluate_all(
        "els => els.map(e => [e.textContent, e.getAttribute('href')])"), lambda v: len(v) > 0)
    screenshot(page, "index.png")
    by_text = dict(links)
    for name in FIGURES:
        assert by_text.get(name) == f"/?rows={name}", links
    text = page.locator(".sv-scope").all_text_contents()
    assert {"run1", "run2", "live1", "long", "doomed", "kept", EVIL} <= set(text), text
    assert "newcomer" not in text
    site.write("newcomer", "unplotted", x=np.arange(3), y=np.zeros(3))   # in no figure
    text = wait_until(page, lambda: page.locator(".sv-scope").all_text_contents(),
                      lambda v: "newcomer" in v, timeout=SETTLE_S)
    assert "newcomer" in text, text                      # the summary updates live
    page.locator("a", has_text="attn").first.click()
    page.wait_for_url("**/?rows=attn")
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                           "Bokeh.documents[0].roots().length > 0")
    got = wait_until(page, lambda: glyphs(page, "attn"), lambda v: len(v) == 3)
    assert set(got.values()) == {50}, got


def test_bad_url_renders_an_error_page_and_the_server_lives_on(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?rows=loss,nope&width=1")
    error = page.locator(".sv-error")
    error.wait_for()
    text = error.inner_text()
    screenshot(page, "error.png")
    assert "unknown figure 'nope'" in text, text
    assert "width='1' has 1 value(s); expected 2" in text, text
    listed = error.locator("a").all_text_contents()
    assert set(FIGURES) <= set(listed), listed
    assert page.evaluate("() => [...Bokeh.documents[0].all_models]"
                         ".filter(m => m.type === 'Figure').length") == 0
    open_doc(page, site.url + "/?rows=loss&cols=attn")
    assert "not both" in page.locator(".sv-error").inner_text()
    open_doc(page, site.url + "/?rows=loss&scopes=run%5B2-9%5D")     # still serving
    got = wait_until(page, lambda: glyphs(page, "loss"), lambda v: len(v) > 0)
    assert got == {("run2", "loss", "0"): 60}, got       # and scopes= filters the runs


def test_markup_in_scopes_and_urls_is_shown_as_text_and_never_runs(site: Site,
                                                                   page: Any) -> None:
    open_doc(page, site.url + "/")
    cells = wait_until(page, lambda: page.locator(".sv-scope").all_text_contents(),
                       lambda v: EVIL in v)
    assert EVIL in cells, cells
    assert page.locator("img").count() == 0
    open_doc(page, site.url + "/?rows=xss")
    got = wait_until(page, lambda: page.evaluate(GLYPHS_JS, "xss"), lambda v: len(v) == 1)
    assert got[0][0][0] == EVIL and got[0][3] == f"{EVIL}/0", got
    # hovering the line shows the scope in the tooltip, as text
    for x, y in page.evaluate(POINTS_JS, "xss"):
        page.mouse.move(x, y)
        page.wait_for_timeout(150)
    tip = wait_until(page, lambda: page.get_by_text(EVIL, exact=True).count(), bool, timeout=5)
    assert tip >= 1, "the hover tooltip did not show the scope"
    open_doc(page, site.url + "/?rows=" + EVIL.replace(" ", "%20"))
    assert f"unknown figure '{EVIL}'" in page.locator(".sv-error").inner_text()
    assert page.locator("img").count() == 0
    page.wait_for_timeout(500)            # an onerror handler would have fired by now
    assert page.dialogs == []


# -- long lines: downsampling and zoom ----------------------------------------------------


def test_long_line_is_downsampled_and_zoom_refetches_full_resolution(site: Site,
                                                                     page: Any) -> None:
    open_doc(page, site.url + "/?rows=big")
    src = wait_until(page, lambda: page.evaluate(SOURCE_JS, "big"),
                     lambda v: v is not None and v[2] > 0 and v[5])
    # the first send uses a default width; once the browser reports the real one, the line
    # is resent for it: wait until two readings a second apart agree
    last, deadline = None, time.monotonic() + SETTLE_S
    while src != last and time.monotonic() < deadline:
        last = src
        page.wait_for_timeout(1000)
        src = page.evaluate(SOURCE_JS, "big")
    x0, x1, n, ymax, _, width = src
    assert 0 < width < VIEWPORT["width"], src
    # about 2 points per pixel at most (plus the ends); the spike and both ends kept
    assert width / 2 <= n <= 2 * width + 2, src
    assert (x0, x1, ymax) == (0, BIG_N - 1, SPIKE), src
    screenshot(page, "downsampled.png")
    lo, hi = 100_000, 100_500
    t0 = time.monotonic()
    assert page.evaluate(ZOOM_JS, ["big", lo, hi]) == [lo, hi]
    src = wait_until(page, lambda: page.evaluate(SOURCE_JS, "big"),
                     lambda v: v[0] >= lo - 1 and v[1] <= hi + 1, timeout=SETTLE_S)
    elapsed = time.monotonic() - t0
    # every point of the window (one point of margin each side), consecutive: full resolution
    assert src[:3] == [lo - 1, hi + 1, hi - lo + 3] and src[4], src
    assert elapsed < 10.0, f"zoom refetch took {elapsed:.1f} s"
    # zooming on the spike shows it at full resolution too
    page.evaluate(ZOOM_JS, ["big", SPIKE_AT - 100, SPIKE_AT + 100])
    src = wait_until(page, lambda: page.evaluate(SOURCE_JS, "big"),
                     lambda v: v[0] == SPIKE_AT - 101, timeout=SETTLE_S)
    assert src[:4] == [SPIKE_AT - 101, SPIKE_AT + 101, 203, SPIKE] and src[4], src
    # reset: back to the whole line, downsampled again
    assert page.evaluate(RESET_JS, "big")
    src = wait_until(page, lambda: page.evaluate(SOURCE_JS, "big"),
                     lambda v: v[:2] == [0, BIG_N - 1], timeout=SETTLE_S)
    assert src[:2] == [0, BIG_N - 1] and src[3] == SPIKE and src[2] <= 2 * src[5] + 2, src


# -- deletes ------------------------------------------------------------------------------


def test_delete_tombstone_drops_the_line_from_an_open_page(site: Site, page: Any) -> None:
    open_doc(page, site.url + "/?rows=gone")
    want = {("doomed", "gone", "0"): 20, ("kept", "gone", "0"): 30}
    got = wait_until(page, lambda: glyphs(page, "gone"), lambda v: v == want)
    assert got == want, got
    delete_series(site.log, "doomed", "gone")
    kept = {("kept", "gone", "0"): 30}      # (the rows go out before their points: wait)
    got = wait_until(page, lambda: glyphs(page, "gone"), lambda v: v == kept, timeout=SETTLE_S)
    assert got == kept, got
    labels = [label for _, _, _, label in page.evaluate(GLYPHS_JS, "gone")]
    assert labels == ["kept/0"]
    screenshot(page, "after-delete.png")
