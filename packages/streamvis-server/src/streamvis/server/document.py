"""Build one browser session's document from its URL: the index, an error, or a figure page."""

from __future__ import annotations

from html import escape
from typing import Any

from bokeh.core.templates import get_env
from bokeh.models import Column, Div, GridBox, RadioButtonGroup, Row, Spinner

from streamvis.server.figures import FigureView
from streamvis.server.layout import Layout, LayoutError, parse_layout, query_args
from streamvis.server.pages import error_html, index_html, scopes_html
from streamvis.server.schema import Schema
from streamvis.server.session import PageStreamer
from streamvis.server.store import SeriesStore

__all__ = ["STREAM_PERIOD_MS", "build_document", "grid_for"]

STREAM_PERIOD_MS = 300
INDEX_PERIOD_MS = 1000
# The index page also carries its figure links as plain HTML, for readers without JavaScript
# (curl, scripts, screen readers before BokehJS loads); Bokeh fills the page in after.
_INDEX_TEMPLATE = get_env().from_string("{% extends base %}{% block contents %}{{ super() }}"
                           "<noscript>{{ streamvis_index | safe }}</noscript>{% endblock %}")


def build_document(doc: Any, schema: Schema, store: SeriesStore, log_path: str,
                   arguments: dict[str, Any]) -> None:
    """Fill ``doc`` for a request with these (Tornado-style) query ``arguments``."""
    try:
        layout = parse_layout(query_args(arguments), schema.names)
    except LayoutError as e:
        doc.title = "streamvis: bad page address"
        doc.add_root(Div(text=error_html(e.problems, schema), sizing_mode="stretch_width",
                         tags=["streamvis-error"]))
        return
    if layout.mode == "index":
        _index(doc, schema, store, log_path, layout.scopes)
    else:
        _figures(doc, schema, store, layout)


def _index(doc: Any, schema: Schema, store: SeriesStore, log_path: str,
           scopes: str | None) -> None:
    doc.title = "streamvis"
    head_html = index_html(schema, log_path, scopes)
    doc.template = _INDEX_TEMPLATE
    doc.template_variables["streamvis_index"] = head_html   # escaped by index_html
    head = Div(text=head_html, sizing_mode="stretch_width")
    table = Div(text=scopes_html(store, scopes), sizing_mode="stretch_width",
                tags=["streamvis-scopes"], styles={"padding": "0 1em"})
    seen = [store.version]

    def update() -> None:
        if store.version != seen[0]:
            seen[0] = store.version
            table.text = scopes_html(store, scopes)

    doc.add_root(Column(head, table, sizing_mode="stretch_width"))
    doc.add_periodic_callback(update, INDEX_PERIOD_MS)


def _figures(doc: Any, schema: Schema, store: SeriesStore, layout: Layout) -> None:
    doc.title = "streamvis: " + ", ".join(layout.figures)
    views = {name: FigureView(schema.figures[name]) for name in layout.figures}
    streamer = PageStreamer(doc, store, list(views.values()), layout.scopes)
    # no fixed height: with many figures the controls wrap onto more lines (a fixed height
    # clipped every control past the first line) and the plots get what is left
    bar = Row(*[_controls(v, streamer) for v in views.values()], sizing_mode="stretch_width",
              styles={"flex-wrap": "wrap", "gap": "0 1.5em"}, tags=["streamvis-controls"])
    grid = grid_for(layout, {n: v.container for n, v in views.items()})
    doc.add_root(Column(bar, grid, sizing_mode="stretch_both"))
    streamer.tick()
    doc.add_periodic_callback(streamer.tick, STREAM_PERIOD_MS)


def _controls(view: FigureView, streamer: PageStreamer) -> Row:
    """Per figure: its name, an EMA smoothing spinner (0 = off) and a linear/log switch."""
    label = Div(text=f"<b>{escape(view.spec.name)}</b> smooth", margin=(8, 4, 0, 0))
    smooth = Spinner(value=0.0, low=0.0, high=0.999, step=0.1, width=70, height=28,
                     tags=["smoothing", view.spec.name])
    scale = RadioButtonGroup(labels=["linear", "log"], active=1 if view.log else 0, height=28,
                             tags=["yscale", view.spec.name])

    def on_smooth(attr: str, old: float, new: float | None) -> None:
        value = min(max(float(new or 0.0), 0.0), 0.999)
        streamer.set_smoothing(view, value)

    smooth.on_change("value", on_smooth)
    scale.on_change("active", lambda attr, old, new: view.set_log(new == 1))
    return Row(label, smooth, scale)


def grid_for(layout: Layout, cells: dict[str, Any]) -> GridBox:
    """Nested CSS grids: the outer one sized by rows (or columns), each inner one by plots."""
    groups = []
    for names, sizes in zip(layout.groups, layout.inner):
        children = [(cells[n], 0, j) if layout.mode == "rows" else (cells[n], j, 0)
                    for j, n in enumerate(names)]
        tracks = [_fr(s) for s in sizes]
        if layout.mode == "rows":
            groups.append(GridBox(children=children, cols=tracks, rows=["minmax(0, 1fr)"],
                                  sizing_mode="stretch_both"))
        else:
            groups.append(GridBox(children=children, rows=tracks, cols=["minmax(0, 1fr)"],
                                  sizing_mode="stretch_both"))
    outer = [_fr(s) for s in layout.outer]
    if layout.mode == "rows":
        return GridBox(children=[(g, i, 0) for i, g in enumerate(groups)], rows=outer,
                       cols=["minmax(0, 1fr)"], sizing_mode="stretch_both")
    return GridBox(children=[(g, 0, i) for i, g in enumerate(groups)], cols=outer,
                   rows=["minmax(0, 1fr)"], sizing_mode="stretch_both")


def _fr(size: float) -> str:
    return f"minmax(0, {size:g}fr)"
