"""PageStreamer against a real Bokeh Document: what one tick sends, and what it costs.

The document's change events stand for the messages a browser would get: per figure and tick at
most one of new points (the inbox), one of new lines, none when nothing changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml
from bokeh.document import Document
from bokeh.models import Column

from streamvis.logger import Series, Tombstone
from streamvis.server import figures as figures_module
from streamvis.server.figures import FigureView
from streamvis.server.runs import RunColors, RunTable, run_color
from streamvis.server.schema import parse_schema
from streamvis.server.session import PageStreamer, line_budget, point_budget
from streamvis.server.store import SeriesStore

SCHEMA = """
acc: {scope_pattern: .*, group_pattern: acc, glyph_kind: line, columns: [x, y]}
loss: {scope_pattern: .*, group_pattern: loss, glyph_kind: line, columns: [x, y]}
dots: {scope_pattern: .*, group_pattern: dots, glyph_kind: scatter, columns: [x, y]}
attn: {scope_pattern: .*, group_pattern: attn, glyph_kind: line, columns: [x, y],
       palette: Viridis6}
"""


def series(scope: str, name: str, x: Any, y: Any, index: int = 0) -> Series:
    return Series(scope, name, index, {"x": np.asarray(x, dtype=np.int64),
                                       "y": np.asarray(y, dtype=np.float32)})


class Page:
    """A page of some figures on a document, recording every change event."""

    def __init__(self, store: SeriesStore, names: list[str]) -> None:
        schema = parse_schema(yaml.safe_load(SCHEMA))
        colors = RunColors()
        self.runs = RunTable(colors)
        self.views = {n: FigureView(schema.figures[n], colors) for n in names}
        self.doc = Document()
        self.streamer = PageStreamer(self.doc, store, list(self.views.values()), self.runs)
        self.doc.add_root(Column(*[v.container for v in self.views.values()]))
        self.events: list[Any] = []
        self.doc.on_change(self.events.append)
        # what a browser would hold: per figure, per row, the x values appended
        self.held: dict[str, list[list[tuple[float, float]]]] = {n: [] for n in names}
        self.doc.on_change(self._mirror)

    def _mirror(self, event: Any) -> None:
        """Apply a change the way static/inbox.js does in the browser."""
        tags = getattr(getattr(event, "model", None), "tags", [])
        if len(tags) < 2 or tags[1] not in self.held:
            return
        rows = self.held[tags[1]]
        kind = type(event).__name__
        if tags[0] == "streamvis-lines" and kind in ("ModelChangedEvent", "ColumnDataChangedEvent"):
            rows[:] = [[] for _ in event.model.data["key"]]
        elif tags[0] == "streamvis-lines" and kind == "ColumnsStreamedEvent":
            rows.extend([] for _ in event.data["key"])
        elif tags[0] == "streamvis-inbox":
            data = event.model.data
            for r, x, y in zip(data["row"], data["x"], data["y"]):
                if r == -1:              # a full resend: clear every line first
                    rows[:] = [[] for _ in rows]
                else:
                    rows[int(r)].append((float(x), float(y)))

    def tick(self) -> list[Any]:
        self.events.clear()
        self.streamer.tick()
        return list(self.events)

    def lines(self, name: str) -> dict[str, int]:
        keys = self.views[name].lines.data["key"]
        return {k: len(x) for k, x in zip(keys, self.held[name])}

    def xy(self, name: str, key: str) -> tuple[list[float], list[float]]:
        """The x and y a browser would hold for one line."""
        row = list(self.views[name].lines.data["key"]).index(key)
        points = self.held[name][row]
        return [p[0] for p in points], [p[1] for p in points]


def sweep(store: SeriesStore, runs: int, points: int) -> None:
    x = np.arange(points)
    for r in range(runs):
        for name in ("acc", "loss"):
            store.append(series(f"run{r}", name, x, np.sin(x + r)))


def test_first_fill_draws_every_line_in_one_source_per_figure() -> None:
    store = SeriesStore()
    sweep(store, 30, 50)
    page = Page(store, ["acc", "loss"])
    page.streamer.tick()
    for name in ("acc", "loss"):
        assert page.lines(name) == {f"run{r}|{name}|0": 50 for r in range(30)}
        renderers = page.views[name].linear_fig.renderers
        assert len(renderers) == 3        # raw, smoothed, highlight: not one per line
    assert list(page.runs.source.data["scope"]) == [f"run{r}" for r in range(30)]
    assert list(page.runs.source.data["points"]) == [100] * 30
    # a run has one colour on every figure
    assert page.views["acc"].lines.data["color"] == page.views["loss"].lines.data["color"]
    assert len(set(page.views["acc"].lines.data["color"][:10])) == 10


def test_new_points_of_all_lines_go_in_one_message_per_figure() -> None:
    store = SeriesStore()
    sweep(store, 40, 20)
    page = Page(store, ["acc", "loss"])
    page.streamer.tick()
    for r in range(40):
        for name in ("acc", "loss"):
            store.append(series(f"run{r}", name, [20, 21], [0.5, 0.25]))
    events = page.tick()
    inbox = [e for e in events if getattr(e, "attr", None) == "data"
             and "streamvis-inbox" in e.model.tags]
    assert len(inbox) == 2                       # one per figure, for 80 new points each
    others = [e for e in events if e not in inbox and
              "streamvis-runs" not in getattr(e.model, "tags", [])]
    assert others == []                          # no line resent, no model created
    data = page.views["acc"].inbox.data
    assert list(data["row"]) == [r for r in range(40) for _ in range(2)]
    assert list(data["x"]) == [20, 21] * 40 and list(data["y"]) == [0.5, 0.25] * 40
    assert list(page.runs.source.data["points"]) == [2 * 22] * 40
    assert list(page.runs.source.data["last"]) == [21] * 40
    assert page.tick() == []                     # nothing new: nothing sent


def test_regexes_are_matched_once_per_new_series(monkeypatch: pytest.MonkeyPatch) -> None:
    store = SeriesStore()
    sweep(store, 5, 10)
    page = Page(store, ["acc"])
    calls: list[tuple[str, str]] = []
    spec = page.views["acc"].spec
    original = type(spec).matches
    monkeypatch.setattr(type(spec), "matches",
                        lambda self, s, n: calls.append((s, n)) or original(self, s, n))
    page.streamer.tick()
    assert len(calls) == 10                      # 5 runs x 2 names
    for step in range(10, 15):
        for r in range(5):
            store.append(series(f"run{r}", "acc", [step], [0.0]))
        page.streamer.tick()
    assert len(calls) == 10
    store.append(series("run9", "acc", [0], [0.0]))
    page.streamer.tick()
    assert calls[10:] == [("run9", "acc")]
    assert page.lines("acc")["run9|acc|0"] == 1


def test_long_lines_share_the_figure_budget_and_new_runs_join_as_rows() -> None:
    store = SeriesStore()
    sweep(store, 200, 3000)
    page = Page(store, ["acc"])
    page.streamer.tick()
    budget = line_budget(0, 200)
    assert budget < point_budget(0)
    sizes = page.lines("acc")
    assert len(sizes) == 200 and max(sizes.values()) <= budget
    store.append(series("late", "acc", np.arange(5), np.zeros(5)))
    events = page.tick()
    kinds = [(type(e).__name__, e.model.tags[0]) for e in events
             if "streamvis-runs" not in e.model.tags]
    # the new row, then its points: nothing for the 200 lines already drawn
    assert kinds == [("ColumnsStreamedEvent", "streamvis-lines"),
                     ("ColumnsStreamedEvent", "streamvis-smooth"),
                     ("ColumnDataChangedEvent", "streamvis-inbox")], kinds
    assert page.lines("acc")["late|acc|0"] == 5


def test_a_dropped_series_resends_the_figure_without_it() -> None:
    store = SeriesStore()
    sweep(store, 3, 10)
    page = Page(store, ["acc", "loss"])
    page.streamer.tick()
    store.drop(Tombstone("run1", ""))
    page.streamer.tick()
    assert page.lines("acc") == {"run0|acc|0": 10, "run2|acc|0": 10}
    assert list(page.views["acc"].lines.data["scope"]) == ["run0", "run2"]


def test_scatter_points_stay_flat_with_their_row_and_palette_colours_by_index() -> None:
    store = SeriesStore()
    store.append(series("a", "dots", [0, 1, 2], [1, 2, 3]))
    store.append(series("b", "dots", [0, 1], [5, 6]))
    store.append(Series("a", "attn", 2, {"x": np.arange(4), "y": np.ones(4)}))
    page = Page(store, ["dots", "attn"])
    page.streamer.tick()
    pts = page.views["dots"].points.data
    assert list(pts["row"]) == [0, 0, 0, 1, 1] and list(pts["y"]) == [1, 2, 3, 5, 6]
    from bokeh.palettes import Viridis6
    assert page.views["attn"].lines.data["color"] == [Viridis6[2]]
    legend = page.views["dots"].legends[0]
    assert legend.visible and [i.label["value"] for i in legend.items] == ["a/0", "b/0"]


def test_smoothing_sends_smoothed_lines_and_smoothed_new_points() -> None:
    store = SeriesStore()
    store.append(series("a", "acc", [0, 1], [0.0, 1.0]))
    page = Page(store, ["acc"])
    page.streamer.tick()
    page.streamer.set_smoothing(page.views["acc"], 0.5)
    assert list(page.views["acc"].inbox.data["s"])[1:] == [0.0, 0.5]
    store.append(series("a", "acc", [2], [1.0]))
    page.streamer.tick()
    assert list(page.views["acc"].inbox.data["s"]) == [0.75]


def test_the_scripts_ship_with_the_package() -> None:
    for name in ("page.js", "inbox.js", "page.css"):
        assert len(figures_module.js_source(name)) > 100


# -- one long line: downsampling, zoom, smoothing, resize -----------------------------------

def one_line(x: Any, y: Any) -> tuple[SeriesStore, Page]:
    store = SeriesStore()
    store.append(Series("a", "acc", 0, {"x": np.asarray(x, dtype=np.float64),
                                        "y": np.asarray(y, dtype=np.float64)}))
    page = Page(store, ["acc"])
    page.streamer.tick()
    return store, page


def test_new_points_series_and_deletes_reach_the_page() -> None:
    store, page = one_line(np.arange(10), np.arange(10))
    store.append(series("a", "acc", np.arange(10, 15), np.arange(10, 15)))
    store.append(series("b", "acc", [0], [7], index=1))
    page.streamer.tick()
    assert page.xy("acc", "a|acc|0")[0] == list(range(15))
    assert page.lines("acc") == {"a|acc|0": 15, "b|acc|1": 1}
    labels = [i.label["value"] for i in page.views["acc"].legends[0].items]
    assert labels == ["a/0", "b/1"]
    store.drop(Tombstone("a"))
    page.streamer.tick()
    assert page.lines("acc") == {"b|acc|1": 1}
    store.append(series("a", "acc", [100], [1]))             # recreated: new epoch, reset
    page.streamer.tick()
    assert page.xy("acc", "a|acc|0")[0] == [100]


def test_long_lines_are_downsampled_and_zoom_refetches_full_resolution() -> None:
    n = 200_000
    y = np.zeros(n)
    y[123_457] = 50.0                                          # one spike
    store, page = one_line(np.arange(n), y)
    budget = point_budget(0)
    xs, ys = page.xy("acc", "a|acc|0")
    assert 0 < len(xs) <= budget and 50.0 in ys               # the spike survives
    state = page.streamer.figures[0]
    state.window = (1000.0, 1100.0)
    page.streamer.refresh_figure(state)
    assert page.xy("acc", "a|acc|0")[0] == list(range(999, 1102))   # full resolution
    state.window = (None, None)
    page.streamer.refresh_figure(state)
    # appending more than the budget re-downsamples instead of growing without bound
    for start in range(n, n + 5 * budget, budget // 2):
        store.append(series("a", "acc", np.arange(start, start + budget // 2),
                            np.ones(budget // 2)))
        page.streamer.tick()
        assert len(page.xy("acc", "a|acc|0")[0]) <= 2 * budget
    assert page.xy("acc", "a|acc|0")[0][-1] == n + 5 * budget - 1


def test_unsorted_x_window_uses_a_mask() -> None:
    _, page = one_line([5, 1, 3, 2, 4], [5, 1, 3, 2, 4])
    state = page.streamer.figures[0]
    state.window = (2.0, 4.0)
    page.streamer.refresh_figure(state)
    assert page.xy("acc", "a|acc|0")[0] == [3, 2, 4]


def test_smoothing_on_and_off_dims_the_raw_lines() -> None:
    _, page = one_line(np.arange(4), [0.0, 1.0, 1.0, 1.0])
    view = page.views["acc"]
    assert not any(r.visible for r in view.smoothed)
    page.streamer.set_smoothing(view, 0.5)
    assert list(view.inbox.data["s"])[1:] == [0.0, 0.5, 0.75, 0.875]   # after the reset
    assert all(r.visible for r in view.smoothed)
    assert all(r.glyph.line_alpha < 1 for r in view.raw)       # raw kept faint
    page.streamer.set_smoothing(view, 0.0)
    assert "s" not in view.inbox.data and not any(r.visible for r in view.smoothed)
    assert all(r.glyph.line_alpha == 1 for r in view.raw)


def test_log_toggle_swaps_the_twin_sharing_data() -> None:
    _, page = one_line([1, 2], [1, 10])
    view = page.views["acc"]
    assert view.container.children == [view.linear_fig]
    view.set_log(True)
    assert view.container.children == [view.log_fig]
    lin = [r.data_source for r in view.linear_fig.renderers]
    log = [r.data_source for r in view.log_fig.renderers]
    assert lin == log and view.log_fig.x_range is view.linear_fig.x_range


@pytest.mark.parametrize("pattern, label", [("acc", "a/0"), ("ac.*", "a/acc/0")])
def test_legend_label_includes_name_when_pattern_is_not_literal(pattern: str,
                                                                label: str) -> None:
    schema = parse_schema({"f": {"scope_pattern": ".*", "group_pattern": pattern,
                                 "glyph_kind": "line", "columns": ["x", "y"]}})
    store = SeriesStore()
    store.append(series("a", "acc", [1], [1]))
    view = FigureView(schema.figures["f"])
    doc = Document()
    doc.add_root(view.container)
    PageStreamer(doc, store, [view]).tick()
    assert view.legends[0].items[0].label["value"] == label


def test_legend_hides_itself_past_ten_lines_unless_asked_for() -> None:
    store = SeriesStore()
    sweep(store, 10, 3)
    page = Page(store, ["acc"])
    page.streamer.tick()
    view = page.views["acc"]
    assert view.legends[0].visible and len(view.legends[0].items) == 10
    store.append(series("run10", "acc", [0], [0]))
    page.streamer.tick()
    assert not view.legends[0].visible
    view.set_legend(True)
    assert view.legends[0].visible and len(view.legends[0].items) == 11


def test_resize_resends_lines_only_when_the_budget_is_far_off() -> None:
    _, page = one_line(np.arange(100_000), np.zeros(100_000))
    state = page.streamer.figures[0]
    assert state.budget == point_budget(0)                   # sent for the default width
    page.streamer._on_resize(state, None, 1100)              # 2,200 vs 1,600: keep
    assert not state.dirty
    page.streamer._on_resize(state, 1100, 2000)              # 4,000 vs 1,600: resend
    assert state.dirty


def test_without_a_palette_each_run_gets_one_colour_on_every_figure() -> None:
    from bokeh.palettes import Category10_10

    body = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": "line",
            "columns": ["x", "y"]}
    colors = RunColors()
    view = FigureView(parse_schema({"loss": body}).figures["loss"], colors)
    other = FigureView(parse_schema({"acc": {**body, "group_pattern": "acc"}}).figures["acc"],
                       colors)
    keys = [("r1", "loss", 0), ("r2", "loss", 0), ("r3", "loss", 0)]
    assert [view.color_of(k) for k in keys] == list(Category10_10[:3])  # in order of arrival
    assert other.color_of(("r2", "acc", 0)) == view.color_of(("r2", "loss", 5))
    # with a palette, the seed's rule: palette[index % len], whatever the scope
    viridis = FigureView(parse_schema({"loss": {**body, "palette": "Viridis6"}}).figures["loss"])
    assert viridis.color_of(("r1", "loss", 1)) == viridis.color_of(("r9", "loss", 1)) \
        == viridis.palette[1]
    # past the ten Category10 colours: still distinct
    assert len({run_color(i) for i in range(300)}) == 300


def test_a_zoom_resends_points_without_emptying_the_lines_first() -> None:
    store = SeriesStore()
    sweep(store, 3, 100)
    page = Page(store, ["acc"])
    page.streamer.tick()
    state = page.streamer.figures[0]
    state.window = (10.0, 20.0)
    page.events.clear()
    page.streamer.refresh_figure(state)
    kinds = [(type(e).__name__, e.model.tags[0]) for e in page.events]
    # one message: the browser clears and refills every line at once
    assert kinds == [("ColumnDataChangedEvent", "streamvis-inbox")], kinds
    assert page.lines("acc") == {f"run{r}|acc|0": 13 for r in range(3)}
