"""Pages and per-session streaming, on a real Bokeh Document and a real SeriesStore (no browser).

The browser end-to-end tests (tests/test_browser.py) check the same through Chromium.
"""

from __future__ import annotations

import numpy as np
import pytest
from bokeh.document import Document
from bokeh.models import Div

from streamvis.logger import Series, Tombstone
from streamvis.server import load_schema, demo_schema_path
from streamvis.server.document import build_document
from streamvis.server.figures import FigureView
from streamvis.server.pages import error_html, index_html, scopes_html
from streamvis.server.schema import parse_schema
from streamvis.server.session import PageStreamer, point_budget
from streamvis.server.store import SeriesStore

EVIL = "<img src=x onerror=alert(1)>"


def _series(scope: str, name: str, index: int, x: np.ndarray, y: np.ndarray) -> Series:
    return Series(scope, name, index, {"x": np.asarray(x, dtype=np.float64),
                                       "y": np.asarray(y, dtype=np.float64)})


def _build(store: SeriesStore, **args: str) -> Document:
    doc = Document()
    build_document(doc, load_schema(demo_schema_path()), store, "/logs/a<b>.svl",
                   {k: [v.encode()] for k, v in args.items()})
    return doc


def _divs(doc: Document) -> str:
    return "".join(m.text for m in doc.models if isinstance(m, Div))


def _figs(doc: Document) -> list:
    return [m for m in doc.models if "streamvis-figure" in (getattr(m, "tags", None) or [])]


def _raw_sources(doc: Document, figure: str) -> dict[tuple, int]:
    out = {}
    for fig in _figs(doc):
        if figure in fig.tags and "linear" in fig.tags:
            for r in fig.renderers:
                if "raw" in r.tags:
                    src = r.data_source
                    out[tuple(src.tags[1:])] = len(src.data["x"])
    return out


def test_index_lists_figures_and_escapes_scopes() -> None:
    store = SeriesStore()
    store.append(_series(EVIL, "kldiv", 0, [1, 2], [3, 4]))
    doc = _build(store)
    text = _divs(doc)
    for name in ("kldiv", "cross_entropy", "enc_attn_entropy"):
        assert f'href="/?rows={name}"' in text
    assert EVIL not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "/logs/a&lt;b&gt;.svl" in text


def test_error_page_names_the_problem_and_valid_figures() -> None:
    doc = _build(SeriesStore(), rows="kldiv,<script>x</script>")
    text = _divs(doc)
    assert "unknown figure &#x27;&lt;script&gt;x&lt;/script&gt;&#x27;" in text
    assert "<script>" not in text
    assert ">enc_attn_entropy</a>" in text
    assert _figs(doc) == []


def test_pages_html_helpers_escape() -> None:
    schema = parse_schema({"f": {"scope_pattern": ".*", "group_pattern": "g",
                                 "glyph_kind": "line", "columns": ["x", "y"],
                                 "figure_kwargs": {"title": "<b>t</b>"}}})
    assert "&lt;b&gt;t&lt;/b&gt;" in index_html(schema, "p", scopes="<i>")
    assert "&lt;i&gt;" in index_html(schema, "p", scopes="<i>")
    assert "<li>a &amp; &lt;b&gt;</li>" in error_html(["a & <b>"], schema)
    assert "No data yet" in scopes_html(SeriesStore())


def test_figure_page_glyphs_per_scope_and_index() -> None:
    store = SeriesStore()
    for scope in ("r1", "r2"):
        store.append(_series(scope, "kldiv", 0, np.arange(10), np.arange(10)))
        for index in range(3):
            store.append(_series(scope, "enc_attn_entropy", index, np.arange(5), np.ones(5)))
    store.append(_series("r1", "other", 0, [1], [1]))
    doc = _build(store, rows="kldiv;enc_attn_entropy", scopes="r1|r2")
    assert _raw_sources(doc, "kldiv") == {("r1", "kldiv", 0): 10, ("r2", "kldiv", 0): 10}
    enc = _raw_sources(doc, "enc_attn_entropy")
    assert len(enc) == 6 and set(enc.values()) == {5}
    # colours: palette[index % len] for enc_attn_entropy, glyph_kwargs colour for kldiv
    viridis = load_schema(demo_schema_path()).figures["enc_attn_entropy"].colors()
    for fig in _figs(doc):
        for r in fig.renderers:
            if "raw" not in r.tags:
                continue
            index = r.data_source.tags[3]
            want = "blue" if "kldiv" in fig.tags else viridis[index % 6]
            assert r.glyph.line_color == want
    only = _build(store, rows="kldiv", scopes="r2")
    assert list(_raw_sources(only, "kldiv")) == [("r2", "kldiv", 0)]


def _streamer(store: SeriesStore, pattern: str = "loss") -> tuple[PageStreamer, FigureView]:
    spec = parse_schema({"f": {"scope_pattern": ".*", "group_pattern": pattern,
                               "glyph_kind": "line", "columns": ["x", "y"]}}).figures["f"]
    view = FigureView(spec)
    doc = Document()
    doc.add_root(view.container)
    return PageStreamer(doc, store, [view]), view


def test_streaming_new_points_series_and_deletes() -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, np.arange(10), np.arange(10)))
    streamer, view = _streamer(store)
    streamer.tick()
    raw = view.series[("a", "loss", 0)].raw
    assert list(raw.data["x"]) == list(range(10))
    store.append(_series("a", "loss", 0, np.arange(10, 15), np.arange(10, 15)))
    store.append(_series("b", "loss", 1, [0], [7]))
    streamer.tick()
    assert raw is view.series[("a", "loss", 0)].raw          # streamed, not replaced
    assert list(raw.data["x"]) == list(range(15))
    assert set(view.series) == {("a", "loss", 0), ("b", "loss", 1)}
    labels = [i.label["value"] for i in view.linear_fig.legend[0].items]
    assert labels == ["a/0", "b/1"]
    store.drop(Tombstone("a"))
    streamer.tick()
    assert set(view.series) == {("b", "loss", 1)}
    assert len([r for r in view.linear_fig.renderers if "raw" in r.tags]) == 1
    store.append(_series("a", "loss", 0, [100], [1]))      # recreated: new epoch, reset
    streamer.tick()
    assert list(view.series[("a", "loss", 0)].raw.data["x"]) == [100]


def test_long_lines_are_downsampled_and_zoom_refetches_full_resolution() -> None:
    n = 200_000
    y = np.zeros(n)
    y[123_457] = 50.0                                          # one spike
    store = SeriesStore()
    store.append(_series("a", "loss", 0, np.arange(n), y))
    streamer, view = _streamer(store)
    streamer.tick()
    budget = point_budget(0)
    raw = view.series[("a", "loss", 0)].raw
    assert 0 < len(raw.data["x"]) <= budget
    assert 50.0 in raw.data["y"]                               # the spike survives
    state = streamer.figures[0]
    state.window = (1000.0, 1100.0)
    streamer.refresh_figure(state)
    assert list(raw.data["x"]) == list(range(999, 1102))      # full resolution, 1-point margin
    state.window = (None, None)
    streamer.refresh_figure(state)
    # appending more than the budget re-downsamples instead of growing without bound
    for start in range(n, n + 5 * budget, budget // 2):
        store.append(_series("a", "loss", 0, np.arange(start, start + budget // 2),
                             np.ones(budget // 2)))
        streamer.tick()
        assert len(raw.data["x"]) <= 2 * budget
    assert raw.data["x"][-1] == n + 5 * budget - 1


def test_smoothing_adds_an_ema_line_and_streams_it() -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, np.arange(4), [0.0, 1.0, 1.0, 1.0]))
    streamer, view = _streamer(store)
    streamer.tick()
    glyphs = view.series[("a", "loss", 0)]
    assert len(glyphs.smooth.data["y"]) == 0
    assert all(r.visible for r in glyphs.smooth_renderers)  # empty, and the legend's to hide
    streamer.set_smoothing(view, 0.5)
    assert list(glyphs.smooth.data["y"]) == [0.0, 0.5, 0.75, 0.875]
    assert all(r.visible for r in glyphs.smooth_renderers)
    assert all(r.glyph.line_alpha < 1 for r in glyphs.renderers)  # raw kept faint
    store.append(_series("a", "loss", 0, [4], [1.0]))
    streamer.tick()
    assert list(glyphs.smooth.data["y"]) == [0.0, 0.5, 0.75, 0.875, 0.9375]
    streamer.set_smoothing(view, 0.0)
    assert len(glyphs.smooth.data["y"]) == 0
    assert all(r.glyph.line_alpha == 1 for r in glyphs.renderers)


def test_log_toggle_swaps_the_twin_sharing_data() -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, [1, 2], [1, 10]))
    streamer, view = _streamer(store)
    streamer.tick()
    assert view.container.children == [view.linear_fig]
    view.set_log(True)
    assert view.container.children == [view.log_fig]
    lin = [r.data_source for r in view.linear_fig.renderers]
    log = [r.data_source for r in view.log_fig.renderers]
    assert lin == log and view.log_fig.x_range is view.linear_fig.x_range


def test_unsorted_x_window_uses_a_mask() -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, [5, 1, 3, 2, 4], [5, 1, 3, 2, 4]))
    streamer, view = _streamer(store)
    streamer.tick()
    state = streamer.figures[0]
    state.window = (2.0, 4.0)
    streamer.refresh_figure(state)
    assert list(view.series[("a", "loss", 0)].raw.data["x"]) == [3, 2, 4]


@pytest.mark.parametrize("pattern, label", [("loss", "a/0"), ("lo.*", "a/loss/0")])
def test_legend_label_includes_name_when_pattern_is_not_literal(pattern: str,
                                                                label: str) -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, [1], [1]))
    streamer, view = _streamer(store, pattern)
    streamer.tick()
    assert view.linear_fig.legend[0].items[0].label["value"] == label


def test_resize_resends_lines_only_when_the_budget_is_far_off() -> None:
    store = SeriesStore()
    store.append(_series("a", "loss", 0, np.arange(100_000), np.zeros(100_000)))
    streamer, view = _streamer(store)
    streamer.tick()
    state = streamer.figures[0]
    assert state.budget == point_budget(0)                   # sent for the default width
    streamer._on_resize(state, None, 1100)                   # 2,200 vs 1,600: keep
    assert not state.dirty
    streamer._on_resize(state, 1100, 2000)                   # 4,000 vs 1,600: resend
    assert state.dirty


def test_without_a_palette_each_run_gets_its_own_colour() -> None:
    from bokeh.palettes import Category10_10

    from streamvis.server.figures import FigureView
    from streamvis.server.schema import parse_schema

    body = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": "line",
            "columns": ["x", "y"]}
    view = FigureView(parse_schema({"loss": body}).figures["loss"])
    keys = [("r1", "loss", 0), ("r2", "loss", 0), ("r1", "loss", 1), ("r3", "loss", 0)]
    colors = [view.color_of(k) for k in keys]
    assert colors == list(Category10_10[:4])     # distinct, in order of appearance
    assert view.color_of(("r2", "loss", 0)) == colors[1]   # stable for a series
    # with a palette, the seed's rule: palette[index % len], whatever the scope
    viridis = FigureView(parse_schema({"loss": {**body, "palette": "Viridis6"}}).figures["loss"])
    assert viridis.color_of(("r1", "loss", 1)) == viridis.color_of(("r9", "loss", 1)) \
        == viridis.colors[1]
