"""A figure's x axis: logged x, wall time or time since the run began; switched live, set by
the schema, and falling back (with a note) for series written before wall times existed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from bokeh.document import Document
from bokeh.models import Column, DatetimeTickFormatter, Div, HoverTool

from streamvis.logger import DataLogger, Series, read_log
from streamvis.server.figures import FigureView
from streamvis.server.runs import RunColors
from streamvis.server.schema import SchemaError, parse_schema
from streamvis.server.session import PageStreamer
from streamvis.server.store import SeriesStore
from streamvis.server.xaxis import FALLBACK_NOTE


def figure(x_axis: str | None = None) -> FigureView:
    body = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": "line",
            "columns": ["x", "y"], "figure_kwargs": {"x_axis_label": "step"}}
    if x_axis is not None:
        body["x_axis"] = x_axis
    return FigureView(parse_schema({"loss": body}).figures["loss"], RunColors())


class Page:
    def __init__(self, store: SeriesStore, view: FigureView) -> None:
        self.view = view
        view.x_note = Div(text="")
        self.doc = Document()
        self.streamer = PageStreamer(self.doc, store, [view])
        self.doc.add_root(Column(view.container))
        self.sent: list[np.ndarray] = []
        send = view.send_points

        def record(rows, xs, ys, smooth=None, **kwargs):
            keep = np.asarray(rows) >= 0   # a reset marker (row -1) is not a point
            self.sent.append(np.asarray(xs)[keep])
            return send(rows, xs, ys, smooth, **kwargs)

        view.send_points = record

    def xs(self) -> np.ndarray:
        return np.concatenate(self.sent) if self.sent else np.zeros(0)


@pytest.fixture
def logged(tmp_path) -> list[Series]:
    path = str(tmp_path / "log")
    with DataLogger("run").init(path) as logger:
        for step in range(3):
            logger.write("loss", x=step * 10, y=float(step))
            time.sleep(0.02)
    return read_log(path)


def test_the_schema_sets_wall_time_and_the_axis_shows_dates(logged):
    store = SeriesStore()
    store.append(logged[0])
    page = Page(store, figure("wall"))
    page.streamer.tick()
    np.testing.assert_allclose(page.xs(), logged[0].wall_time * 1000.0)
    for fig in page.view.figs:
        assert isinstance(fig.xaxis[0].formatter, DatetimeTickFormatter)
        tips = dict(fig.select_one(HoverTool).tooltips)
        assert tips["wall time"] == "$x{%F %T}"
    assert page.view.x_note.text == ""


def test_relative_time_counts_from_the_runs_first_point_and_switches_back(logged):
    store = SeriesStore()
    store.append(logged[0])
    page = Page(store, figure())
    page.streamer.tick()
    assert page.xs().tolist() == [0, 10, 20]  # the logged x by default
    page.sent.clear()
    page.streamer.set_x_mode(page.view, "relative")
    wall = logged[0].wall_time
    np.testing.assert_allclose(page.xs(), wall - wall[0], atol=1e-6)  # ms resolution
    assert page.view.figs[0].xaxis[0].axis_label == "seconds since the run's first point"
    page.sent.clear()
    page.streamer.set_x_mode(page.view, "step")
    assert page.xs().tolist() == [0, 10, 20]
    assert page.view.figs[0].xaxis[0].axis_label == "step"


def test_series_without_wall_times_fall_back_to_the_logged_x_and_say_so(logged):
    store = SeriesStore()
    store.append(Series("old", "loss", 0, {"x": np.arange(3), "y": np.zeros(3)}))  # format 1
    store.append(logged[0])
    page = Page(store, figure("wall"))
    page.streamer.tick()
    assert sorted(page.xs().tolist()) == [0, 0, 1, 2, 10, 20]
    assert page.view.x_shown == "step" and page.view.x_note.text == FALLBACK_NOTE


def test_a_bad_x_axis_in_the_schema_is_named():
    with pytest.raises(SchemaError, match="x_axis 'time' is not one of step, wall, relative"):
        figure("time")
