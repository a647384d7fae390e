"""Pages and per-session streaming, on a real Bokeh Document and a real SeriesStore (no browser).

The browser end-to-end tests (tests/test_browser.py) check the same through Chromium.
"""

from __future__ import annotations

import numpy as np
from bokeh.document import Document
from bokeh.models import Div

from streamvis.logger import Series
from streamvis.server import load_schema, demo_schema_path
from streamvis.server.document import build_document
from streamvis.server.pages import error_html, index_html, scopes_html
from streamvis.server.schema import parse_schema
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


def _drawn(doc: Document, figure: str) -> dict[tuple, int]:
    """(scope, name, index) -> points of one figure as the browser gets them on load: rows in
    the figure's ``lines`` source, their points flat in its ``inbox``."""
    models = list(doc.models)
    lines = next(m for m in models if m.tags[:2] == ["streamvis-lines", figure])
    inbox = next(m for m in models if m.tags[:2] == ["streamvis-inbox", figure])
    rows = np.asarray(inbox.data["row"], dtype=np.int64)
    counts = np.bincount(rows[rows >= 0], minlength=len(lines.data["key"]))   # -1: reset
    return {(s, n, i): int(c) for s, n, i, c in zip(lines.data["scope"], lines.data["name"],
                                                    lines.data["index"], counts)}


def _colors(doc: Document, figure: str) -> dict[tuple, str]:
    lines = next(m for m in doc.models if m.tags[:2] == ["streamvis-lines", figure])
    return {(s, i): c for s, i, c in zip(lines.data["scope"], lines.data["index"],
                                         lines.data["color"])}


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


def test_figure_page_draws_every_matching_series_with_its_colour() -> None:
    store = SeriesStore()
    for scope in ("r1", "r2"):
        store.append(_series(scope, "kldiv", 0, np.arange(10), np.arange(10)))
        for index in range(3):
            store.append(_series(scope, "enc_attn_entropy", index, np.arange(5), np.ones(5)))
    store.append(_series("r1", "other", 0, [1], [1]))
    doc = _build(store, rows="kldiv;enc_attn_entropy", scopes="r2")
    assert _drawn(doc, "kldiv") == {("r1", "kldiv", 0): 10, ("r2", "kldiv", 0): 10}
    enc = _drawn(doc, "enc_attn_entropy")
    assert len(enc) == 6 and set(enc.values()) == {5}
    # colours: palette[index % len] for enc_attn_entropy, glyph_kwargs colour for kldiv
    viridis = load_schema(demo_schema_path()).figures["enc_attn_entropy"].colors()
    assert set(_colors(doc, "kldiv").values()) == {"blue"}
    assert _colors(doc, "enc_attn_entropy") == {(s, i): viridis[i] for s in ("r1", "r2")
                                                for i in range(3)}
    # scopes= goes to the page's script, which shows the matching runs (the panel lists all)
    (ready,) = doc.callbacks.js_event_callbacks["document_ready"]
    assert ready.args["scopes"] == "r2"
    assert list(ready.args["runs"].data["scope"]) == ["r1", "r2"]
