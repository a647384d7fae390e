"""The status banner on top of every page: the log's read error (with the time of the last
good read) or "waiting for data"; hidden while all is well."""

from __future__ import annotations

from html import escape
from typing import Any

from bokeh.models import Div

from streamvis.server.status import describe_problem
from streamvis.server.tailer import Tailer

__all__ = ["BANNER_PERIOD_MS", "add_status_banner", "banner_html"]

BANNER_PERIOD_MS = 1000
_ERROR_STYLE = {"background": "#fdecea", "color": "#611a15", "border": "1px solid #f5c2c0"}
_WAIT_STYLE = {"background": "#eef4fb", "color": "#0b3d6e", "border": "1px solid #c5d9ef"}


def banner_html(tailer: Tailer) -> str:
    """The banner's (escaped) text now; empty when there is nothing to say."""
    problem = describe_problem(tailer)
    return "" if problem is None else escape(problem)


def add_status_banner(doc: Any, tailer: Tailer) -> Div:
    """Put the banner first on ``doc`` (before the roots already there) and keep it current."""
    banner = Div(text="", visible=False, sizing_mode="stretch_width", tags=["streamvis-status"],
                 styles={"padding": "6px 12px", "margin": "0 0 4px 0", "border-radius": "4px",
                         "font-family": "sans-serif", "font-size": "14px"})

    def update() -> None:
        text = banner_html(tailer)
        if text != banner.text:
            banner.text = text
            banner.visible = bool(text)
            style = _ERROR_STYLE if tailer.last_error is not None else _WAIT_STYLE
            banner.styles = {**banner.styles, **style}

    update()
    roots = list(doc.roots)
    for root in roots:
        doc.remove_root(root)
    doc.add_root(banner)
    for root in roots:
        doc.add_root(root)
    doc.add_periodic_callback(update, BANNER_PERIOD_MS)
    return banner
