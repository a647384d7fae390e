"""Build one browser session's document from its URL: the index, an error, or a figure page."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from bokeh.core.templates import get_env
from bokeh.events import DocumentReady
from bokeh.models import (Column, CustomJS, Div, GridBox, RadioButtonGroup, Row, Spinner,
                          Toggle)

from streamvis.server.figures import FigureView, js_source
from streamvis.server.layout import Layout, LayoutError, parse_layout, query_args
from streamvis.server.pages import error_html, index_html, scopes_html
from streamvis.server.runs import RunColors, RunTable
from streamvis.server.schema import Schema
from streamvis.server.session import PageStreamer
from streamvis.server.store import SeriesStore
from streamvis.server.xaxis import X_MODES

__all__ = ["STREAM_PERIOD_MS", "build_document", "grid_for"]

STREAM_PERIOD_MS = 300
INDEX_PERIOD_MS = 1000
# The index page also carries its figure links as plain HTML, for readers without JavaScript
# (curl, scripts, screen readers before BokehJS loads); Bokeh fills the page in after.
_INDEX_TEMPLATE = get_env().from_string("{% extends base %}{% block contents %}{{ super() }}"
                           "<noscript>{{ streamvis_index | safe }}</noscript>{% endblock %}")
# A figure page: the run panel (filled by static/page.js) beside the figures.
_FIGURES_TEMPLATE = get_env().from_string(
    "{% extends base %}{% block postamble %}<style>{{ streamvis_css | safe }}</style>"
    "{% endblock %}{% block contents %}<div class=\"sv-page\"><aside id=\"sv-runs\" "
    "class=\"sv-runs\"></aside><div class=\"sv-plots\">{{ super() }}</div></div>"
    "{% endblock %}")


def build_document(doc: Any, schema: Schema, store: SeriesStore, log_path: str,
                   arguments: dict[str, Any],
                   configs: Callable[[], dict[str, dict]] | None = None) -> None:
    """Fill ``doc`` for a request with these (Tornado-style) query ``arguments``;
    ``configs`` gives the runs' configs as the tailer has them now."""
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
        _figures(doc, schema, store, layout, configs)


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


def _figures(doc: Any, schema: Schema, store: SeriesStore, layout: Layout,
             configs: Callable[[], dict[str, dict]] | None) -> None:
    doc.title = "streamvis: " + ", ".join(layout.figures)
    colors = RunColors()
    runs = RunTable(colors)
    views = {name: FigureView(schema.figures[name], colors) for name in layout.figures}
    streamer = PageStreamer(doc, store, list(views.values()), runs, wait_for_client=True,
                            configs=configs, where=layout.where)
    cells = {n: Column(_controls(v, streamer), v.container, sizing_mode="stretch_both",
                       tags=["streamvis-plot", n]) for n, v in views.items()}
    grid = grid_for(layout, cells)
    grid.tags = ["streamvis-page", runs.source]   # the run table joins the document here
    doc.template = _FIGURES_TEMPLATE
    doc.template_variables["streamvis_css"] = js_source("page.css")
    doc.add_root(grid)
    streamer.tick()
    doc.js_on_event(DocumentReady, CustomJS(code=js_source("page.js"), args=dict(
        runs=runs.source, scopes=layout.scopes,
        figures=[dict(name=n, scatter=v.scatter, lines=v.lines, points=v.points,
                      smooth=v.smooth, highlight=v.highlight, row_filter=v.row_filter,
                      inbox=v.inbox,
                      point_filter=v.point_filter) for n, v in views.items()])))
    doc.add_periodic_callback(streamer.tick, STREAM_PERIOD_MS)


def _controls(view: FigureView, streamer: PageStreamer) -> Row:
    """Per figure, above it: its name, an EMA smoothing spinner (0 = off), a linear/log
    switch, a legend toggle and the x axis (logged x, wall time, time since the run began)."""
    label = Div(text=f"<b>{escape(view.spec.name)}</b> smooth", margin=(6, 4, 0, 4))
    smooth = Spinner(value=0.0, low=0.0, high=0.999, step=0.1, width=70, height=26,
                     tags=["smoothing", view.spec.name])
    scale = RadioButtonGroup(labels=["linear", "log"], active=1 if view.log else 0, height=26,
                             tags=["yscale", view.spec.name])
    legend = Toggle(label="legend", active=False, height=26, tags=["legend", view.spec.name])
    xaxis = RadioButtonGroup(labels=list(X_MODES), active=X_MODES.index(view.x_mode), height=26,
                             tags=["xaxis", view.spec.name])
    view.x_note = Div(text="", margin=(6, 4, 0, 4), tags=["xaxis-note", view.spec.name],
                      styles={"color": "#a33", "font-size": "85%"})

    def on_smooth(attr: str, old: float, new: float | None) -> None:
        value = min(max(float(new or 0.0), 0.0), 0.999)
        streamer.set_smoothing(view, value)

    smooth.on_change("value", on_smooth)
    scale.on_change("active", lambda attr, old, new: view.set_log(new == 1))
    legend.on_change("active", lambda attr, old, new: view.set_legend(True if new else None))
    xaxis.on_change("active", lambda attr, old, new: streamer.set_x_mode(view, X_MODES[new]))
    return Row(label, smooth, scale, legend, xaxis, view.x_note, height=30,
               sizing_mode="stretch_width", tags=["streamvis-controls", view.spec.name])


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
