"""The index page and the error page, as escaped HTML (every log or URL string goes through
``html.escape``)."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from streamvis.server.patterns import compile_user_pattern
from streamvis.server.schema import Schema
from streamvis.server.store import SeriesStore

__all__ = ["error_html", "figure_links_html", "index_html", "page_url", "scopes_html"]

_STYLE = "font-family: sans-serif; font-size: 14px; line-height: 1.5; padding: 0 1em;"


def page_url(rows: str, scopes: str | None = None) -> str:
    """The relative URL of a rows page, with an optional scopes filter."""
    params = {"rows": rows}
    if scopes is not None:
        params["scopes"] = scopes
    return "/?" + urlencode(params)


def figure_links_html(schema: Schema, scopes: str | None = None) -> str:
    """A list of links, one page per figure, plus one page with every figure in a column."""
    items = []
    for name, spec in schema.figures.items():
        title = spec.figure_kwargs.get("title")
        extra = f" &mdash; {escape(str(title))}" if title else ""
        items.append(f'<li><a href="{escape(page_url(name, scopes))}">{escape(name)}</a>'
                     f"{extra}</li>")
    every = ";".join(schema.names)
    items.append(f'<li><a href="{escape(page_url(every, scopes))}">all figures, one per row'
                 "</a></li>")
    return "<ul>" + "".join(items) + "</ul>"


def scopes_html(store: SeriesStore, scopes: str | None = None) -> str:
    """A table of the scopes seen so far: series and points held per scope."""
    pattern = compile_user_pattern(scopes) if scopes is not None else None
    counts: dict[str, list[int]] = {}
    for key in store.keys():
        if pattern is not None and not pattern.fullmatch(key[0]):
            continue
        entry = counts.setdefault(key[0], [0, 0])
        entry[0] += 1
        entry[1] += store.length(key)
    if not counts:
        return "<p><em>No data yet: waiting for the log to be written.</em></p>"
    rows = "".join(f'<tr><td class="sv-scope">{escape(scope)}</td><td>{n}</td><td>{pts}</td>'
                   "</tr>" for scope, (n, pts) in counts.items())
    return ('<table style="border-collapse: collapse;" cellpadding="4">'
            "<tr><th align=left>scope</th><th>series</th><th>points</th></tr>"
            f"{rows}</table>")


def index_html(schema: Schema, log_path: str, scopes: str | None = None) -> str:
    """The top of the index page: what is served, and the figure links."""
    note = (f"<p>Showing scopes matching <code>{escape(scopes)}</code>.</p>"
            if scopes is not None else "")
    return (f'<div style="{_STYLE}"><h2>streamvis</h2>'
            f"<p>Log: <code>{escape(log_path)}</code></p>{note}"
            f"<h3>Figures</h3>{figure_links_html(schema, scopes)}"
            '<p>Lay out several on one page with <code>?rows=A,B;C&amp;width=1,2,1&amp;'
            "height=1,2</code> or <code>?cols=A,B;C&amp;width=2,1&amp;height=1,2,1</code>, "
            "and filter runs with <code>&amp;scopes=REGEX</code>.</p>"
            "<h3>Scopes seen so far</h3></div>")


def error_html(problems: list[str], schema: Schema) -> str:
    """A readable error page: what was wrong with the URL, and the valid figure names."""
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return (f'<div style="{_STYLE}" class="sv-error"><h2>This page address has a problem</h2>'
            f"<ul>{items}</ul><h3>Valid figure names</h3>{figure_links_html(schema)}"
            '<p><a href="/">Back to the index</a></p></div>')
