"""A figure page's runs and their configs: where= keeps the runs whose config matches, live as
configs arrive, and the run table carries each run's config text."""

from __future__ import annotations

import numpy as np
from bokeh.document import Document
from bokeh.models import Column

from streamvis.logger import Series
from streamvis.server.figures import FigureView
from streamvis.server.layout import LayoutError, parse_layout
from streamvis.server.runs import RunColors, RunTable
from streamvis.server.schema import parse_schema
from streamvis.server.session import PageStreamer
from streamvis.server.store import SeriesStore
from streamvis.server.where import parse_where

SPEC = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": "line",
        "columns": ["x", "y"]}


def page(store: SeriesStore, configs: dict, where: str | None):
    colors = RunColors()
    runs = RunTable(colors)
    view = FigureView(parse_schema({"loss": SPEC}).figures["loss"], colors)
    holder = {"configs": configs}
    streamer = PageStreamer(Document(), store, [view], runs,
                            configs=lambda: holder["configs"],
                            where=parse_where(where) if where else None)
    streamer.doc.add_root(Column(view.container, tags=[runs.source]))
    return streamer, view, runs, holder


def test_where_keeps_matching_runs_and_follows_configs_as_they_arrive():
    store = SeriesStore()
    for scope in ("fast", "slow", "new"):
        store.append(Series(scope, "loss", 0, {"x": np.arange(3), "y": np.zeros(3)}))
    configs = {"fast": {"lr": 0.1}, "slow": {"lr": 0.0001}}
    streamer, view, runs, holder = page(store, configs, "lr<0.001")
    streamer.tick()
    assert view.keys == [("slow", "loss", 0)]
    holder["configs"] = {**configs, "new": {"lr": 0.00001}}  # the tailer replaces the dict
    streamer.tick()
    assert sorted(view.keys) == [("new", "loss", 0), ("slow", "loss", 0)]
    holder["configs"] = {**holder["configs"], "slow": {"lr": 0.5}}  # a later write_config
    streamer.tick()
    assert view.keys == [("new", "loss", 0)]


def test_the_run_table_carries_each_runs_config():
    store = SeriesStore()
    store.append(Series("a", "loss", 0, {"x": np.arange(3), "y": np.zeros(3)}))
    streamer, view, runs, holder = page(store, {"a": {"lr": 0.1, "opt": {"name": "adam"}}},
                                        None)
    streamer.tick()
    assert list(runs.source.data["config"]) == ["lr=0.1 opt.name=adam"]
    holder["configs"] = {"a": {"lr": 0.2, "opt": {"name": "adam"}}}
    streamer.tick()
    assert list(runs.source.data["config"]) == ["lr=0.2 opt.name=adam"]


def test_a_bad_where_is_named_on_the_error_page():
    try:
        parse_layout({"rows": "loss", "where": "lr<<1"}, ["loss"])
    except LayoutError as e:
        assert any("where= condition 'lr<<1' is not KEY OP VALUE" in p for p in e.problems)
    else:
        raise AssertionError("where=lr<<1 was accepted")
    assert parse_layout({"rows": "loss", "where": "lr<1"}, ["loss"]).where is not None
