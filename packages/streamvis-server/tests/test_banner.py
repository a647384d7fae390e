"""The status banner on a real Bokeh Document fed by a real Tailer: waiting, error, cleared."""

from __future__ import annotations

import os

from bokeh.document import Document
from bokeh.models import Div

from streamvis.logger import DataLogger
from streamvis.server import demo_schema_path, load_schema
from streamvis.server.banner import add_status_banner
from streamvis.server.document import build_document
from streamvis.server.store import SeriesStore
from streamvis.server.tailer import Tailer


def page(tailer: Tailer, **args: str) -> tuple[Document, Div]:
    doc = Document()
    build_document(doc, load_schema(demo_schema_path()), tailer.store, tailer.path,
                   {k: [v.encode()] for k, v in args.items()})
    banner = add_status_banner(doc, tailer)
    return doc, banner


def refresh(doc: Document) -> None:
    """Run the banner's periodic callback as the server would."""
    for cb in list(doc.session_callbacks):
        if getattr(cb.callback, "__name__", "") == "update" and cb.callback.__module__ == \
                "streamvis.server.banner":
            cb.callback()


def test_banner_waits_then_shows_the_error_then_clears(tmp_path):
    path = str(tmp_path / "run<1>.log")
    tailer = Tailer(path, SeriesStore())
    tailer.poll_once()
    for args in ({}, {"rows": "kldiv,cross_entropy"}):
        doc, banner = page(tailer, **args)
        assert doc.roots[0] is banner and len(doc.roots) == 2  # first, above the page
        assert banner.visible and banner.text == (
            f"Waiting for data at {path.replace('<', '&lt;').replace('>', '&gt;')}: nothing "
            "has been written there yet.")
    os.mkdir(path)
    tailer.poll_once()
    refresh(doc)
    assert banner.visible and "Cannot read the log at" in banner.text
    assert "IsADirectoryError" in banner.text or "directory" in banner.text
    assert "Last good read: 20" in banner.text and banner.styles["background"] == "#fdecea"
    os.rmdir(path)
    with DataLogger("run") as logger:
        logger.init(path)
        logger.write("kldiv", x=1, y=2.0)
    tailer.poll_once()
    refresh(doc)
    assert not banner.visible and banner.text == ""
