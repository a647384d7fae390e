"""``streamvis plot ... -o page.html``: the standalone page, opened from disk in headless Chromium
(no server running), holds the expected lines, axes and sizes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from support_browser import BOXES_JS, chromium, dumps, wait_until
from support_cli import run_cli

from streamvis.logger import DataLogger
from streamvis.server import demo_schema_path

pytestmark = pytest.mark.browser

STEPS = 120
LONG = 200_000          # above the HTML's full-resolution limit: reduced keeping extremes


# {"figure:axis shown": {"scope|name|index": points}} read from the lines' sources (a file has
# no server, so no page script and no window.streamvis test hooks)
LINES_JS = """() => {
  const out = {};
  if (!window.Bokeh || !Bokeh.documents.length) return out;
  const all = [...Bokeh.documents[0].all_models];
  const axis = {};
  for (const m of all) {
    const t = m.tags || [];
    if (t.includes('streamvis-figure') && Bokeh.index.find_one(m)) axis[t[1]] = t[2];
  }
  for (const m of all) {
    const t = m.tags || [];
    if (t[0] !== 'streamvis-lines' || !(t[1] in axis)) continue;
    const o = out[t[1] + ':' + axis[t[1]]] = {};
    for (let r = 0; r < m.data.key.length; r++) o[m.data.key[r]] = m.data.xs[r].length;
  }
  return out;
}"""


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plot-html")
    log = str(root / "demo.log")
    steps = np.arange(STEPS)
    for k, scope in enumerate(("run1", "run2")):
        with DataLogger(scope=scope) as logger:
            logger.init(path=log, buffer_max_elem=1000)
            logger.write("kldiv", x=steps, y=3.0 * np.exp(-steps / 100) + 0.1 * k)
            logger.write("cross_entropy", x=steps, y=5.0 * np.exp(-steps / 200) + 1 + k)
            logger.write("enc_attn_entropy", x=steps,
                         y=(0.3 + 0.1 * np.arange(2)[:, None] + 0 * steps).astype(np.float32))
    with DataLogger(scope="long") as logger:
        logger.init(path=log, buffer_max_elem=LONG)
        y = np.zeros(LONG)
        y[LONG // 3] = 50.0
        logger.write("kldiv", x=np.arange(LONG), y=y)
    out = root / "page.html"
    done = run_cli("plot", demo_schema_path(), log, "-o", str(out),
                   "--rows", "kldiv,cross_entropy;enc_attn_entropy", "--width", "1,2,1",
                   "--height", "1,1", "--logy", "cross_entropy", "--size", "900x600")
    assert done.returncode == 0, done.stderr
    assert f"wrote {out} (html, 900x600 px)" in done.stderr
    return out


@pytest.fixture(scope="module")
def page(page_file: Path) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        p = context.new_page()
        errors: list[str] = []
        p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        p.on("pageerror", lambda e: errors.append(str(e)))
        p.errors = errors
        p.goto(page_file.as_uri())
        p.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0 && "
                            "Bokeh.documents[0].roots().length > 0", timeout=30_000)
        yield p
        context.close()


def test_the_page_holds_every_line_with_its_points(page: Any) -> None:
    got = wait_until(page, lambda: page.evaluate(LINES_JS), lambda v: len(v) == 3)
    kldiv = got.pop("kldiv:linear")
    long_held = kldiv.pop("long|kldiv|0")
    assert kldiv == {"run1|kldiv|0": STEPS, "run2|kldiv|0": STEPS}, dumps(got)
    assert 0 < long_held <= 4 * 10_000
    assert got == {"cross_entropy:log": {"run1|cross_entropy|0": STEPS,
                                         "run2|cross_entropy|0": STEPS},
                   "enc_attn_entropy:linear": {f"run{r}|enc_attn_entropy|{i}": STEPS
                                               for r in (1, 2) for i in (0, 1)}}, dumps(got)
    assert page.errors == []


def test_the_reduced_long_line_keeps_its_spike(page: Any) -> None:
    peak = page.evaluate("""() => {
      for (const m of Bokeh.documents[0].all_models) {
        const t = m.tags || [];
        if (t[0] !== 'streamvis-lines' || t[1] !== 'kldiv') continue;
        const r = m.data.key.indexOf('long|kldiv|0');
        if (r >= 0) return Math.max(...m.data.ys[r]);
      }
      return null;
    }""")
    assert peak == 50.0


def test_the_page_has_the_requested_size_and_ratios(page: Any) -> None:
    boxes = wait_until(page, lambda: page.evaluate(BOXES_JS),
                       lambda v: len(v) == 3 and all(b["width"] > 0 for b in v.values()))
    kl, ce, attn = boxes["kldiv"], boxes["cross_entropy"], boxes["enc_attn_entropy"]
    assert abs(ce["width"] / kl["width"] - 2.0) < 0.1, dumps(boxes)
    assert abs(attn["width"] - (kl["width"] + ce["width"])) < 12, dumps(boxes)
    assert abs(attn["width"] - 900) < 12 and abs(attn["y"] + attn["height"] - 600) < 12


def test_legends_sit_beside_the_plots_not_over_them(page: Any) -> None:
    places = page.evaluate("""() => {
      const out = {};
      for (const m of Bokeh.documents[0]._all_models.values()) {
        const tags = m.tags || [];
        if (!tags.includes('streamvis-figure')) continue;
        const legends = (side) => side.filter(r => r.constructor.__name__ === 'Legend').length;
        out[tags[1]] = [legends(m.center), legends(m.right)];
      }
      return out;
    }""")
    assert places == {"kldiv": [0, 1], "cross_entropy": [0, 1], "enc_attn_entropy": [0, 1]}
