"""Per-session streaming: keep one page's figures in step with the shared store.

A periodic callback compares the store with what this session has sent. Per figure and tick it
sends at most one message of new points (all lines together), one message of new lines, and
the run table's changes; a tick without new data costs one integer comparison. Which series a
figure wants is decided once per new series (its regexes are not matched again).

Each figure has a point budget (``FIGURE_POINTS_PER_PIXEL`` points per pixel of width, shared by
its lines, at most ``2 x width`` per line, at least ``MIN_LINE_POINTS``): a line longer than its
share is sent downsampled keeping extremes. When what a figure holds passes twice its budget
(new points accumulate), or a line is dropped or recreated, the figure is sent afresh, so
nothing sent grows with the total history. Zoom and pan (``RangesUpdate``) refetch the visible
x-window at full resolution within the same budget.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import numpy as np
from bokeh.events import DocumentReady, RangesUpdate, Reset

from streamvis.logger import SeriesKey
from streamvis.server.downsample import select_indices
from streamvis.server.figures import FigureView
from streamvis.server.linedata import Line
from streamvis.server.runs import RunTable
from streamvis.server.smoothing import ema
from streamvis.server.store import WALL, SeriesStore
from streamvis.server.where import RunFilter
from streamvis.server.xaxis import RunStarts, choose_x_mode, x_values

__all__ = ["PageStreamer", "line_budget", "point_budget"]

DEFAULT_PLOT_WIDTH = 800      # pixels, until the browser reports the real width
MIN_BUDGET = 400
MIN_LINE_POINTS = 48
FIGURE_POINTS_PER_PIXEL = 100
REFETCH_DELAY_MS = 150        # debounce for zoom/pan/resize refetches
# A resize resends the lines only when the budget they were sent with is this far off.
RESIZE_RESEND_RATIO = 1.5


def point_budget(plot_width: int) -> int:
    """Points sent for a line alone in its figure: about twice the plot's width in pixels."""
    return max(MIN_BUDGET, 2 * (plot_width or DEFAULT_PLOT_WIDTH))


def line_budget(plot_width: int, n_lines: int) -> int:
    """Points sent per line when ``n_lines`` share a figure ``plot_width`` pixels wide."""
    width = plot_width or DEFAULT_PLOT_WIDTH
    share = FIGURE_POINTS_PER_PIXEL * width // max(1, n_lines)
    return max(MIN_LINE_POINTS, min(point_budget(width), share))


@dataclass
class _Sent:
    """What this session holds of one series in one figure."""

    epoch: int
    consumed: int = 0          # store rows represented
    held: int = 0              # points sent
    ema_last: float | None = None


class _FigureState:
    def __init__(self, view: FigureView) -> None:
        self.view = view
        self.sent: dict[SeriesKey, _Sent] = {}
        self.wanted: dict[SeriesKey, bool] = {}   # matched once per series
        self.window: tuple[float | None, float | None] = (None, None)
        self.dirty = False
        self.budget = 0            # the per-line budget the lines were last sent with
        self.held = 0              # points sent in all


class PageStreamer:
    """Streams the store into one page's figure views; call :meth:`tick` periodically."""

    def __init__(self, doc: Any, store: SeriesStore, views: list[FigureView],
                 runs: RunTable | None = None, wait_for_client: bool = False,
                 configs: Callable[[], dict[str, dict]] | None = None,
                 where: RunFilter | None = None) -> None:
        self.doc = doc
        # New points go out as deltas: none may be sent between the first fill (part of the
        # document the browser pulls) and the browser holding that document, or they are lost.
        self._ready = not wait_for_client
        self._filled = False
        if wait_for_client:
            doc.on_event(DocumentReady, lambda ev: self._on_client_ready())
        self.store = store
        self.runs = runs
        self.figures = [_FigureState(v) for v in views]
        self._version = -1
        self._refetch_pending = False
        self._counted: dict[SeriesKey, tuple[int, int]] = {}   # run table: (epoch, rows)
        self._starts = RunStarts(store)       # run -> wall time of its first point
        self._configs = configs or _no_configs   # scope -> config, as the tailer has them
        self._configs_seen: dict[str, dict] | None = None
        self.where = where                    # where=: only runs whose config matches
        for state in self.figures:
            for fig in state.view.figs:
                fig.on_event(RangesUpdate, lambda ev, s=state: self._on_ranges(s, ev))
                fig.on_event(Reset, lambda ev, s=state: self._on_reset(s))
                fig.on_change("inner_width", lambda a, o, n, s=state: self._on_resize(s, o, n))

    # -- the periodic callback -------------------------------------------------------------

    def _on_client_ready(self) -> None:
        self._ready = True
        self.tick()

    def tick(self) -> None:
        """Bring every figure up to date with the store (cheap when nothing changed).

        With ``wait_for_client``, only the first call (the document's first fill) sends
        anything until the browser reports the document ready."""
        if not self._ready and self._filled:
            return
        self._filled = True
        configs = self._configs()
        if configs is not self._configs_seen:   # the tailer replaces it on every change
            self._configs_seen = configs
            if self.runs is not None:
                self.runs.set_configs(configs)
            if self.where is not None:          # which runs match may have changed
                for state in self.figures:
                    state.wanted.clear()
            self._version = -1
        version = self.store.version
        if version == self._version:
            return
        self._version = version
        keys = self.store.keys()
        with _frozen(self.doc):
            for state in self.figures:
                self._sync(state, keys)
            if self.runs is not None:
                self.runs.flush()

    def _wanted(self, state: _FigureState, key: SeriesKey) -> bool:
        known = state.wanted.get(key)
        if known is not None:
            return known
        spec = state.view.spec
        if not spec.matches(key[0], key[1]) or (
                self.where is not None and not self.where.matches((self._configs_seen or {}).get(key[0]))):
            state.wanted[key] = False
            return False
        fields = self.store.fields(key)
        ok = all(c in fields for c in spec.columns)
        if ok:   # a series may gain its fields later: only a full answer is kept
            state.wanted[key] = True
        return ok

    def _sync(self, state: _FigureState, keys: list[SeriesKey]) -> None:
        wanted = [k for k in keys if self._wanted(state, k)]
        store = self.store
        if len(state.sent) > len(wanted) or any(
                store.epoch(k) != s.epoch for k, s in state.sent.items()):
            self._resend(state, wanted)       # a series was dropped or recreated
            return
        new = [k for k in wanted if k not in state.sent]
        view = state.view
        if new and view.x_mode != "step":   # wall times now there, or a series without any
            shown = view.x_shown
            self._choose_x(view, wanted)
            if view.x_shown != shown:
                self._resend(state, wanted)   # what was sent is in the other units
                return
        parts: list[tuple[int, dict[str, np.ndarray], np.ndarray | None]] = []
        added = 0
        for key, sent in state.sent.items():
            length = store.length(key)
            if length <= sent.consumed:
                continue
            data = store.view(key, sent.consumed, length)
            smooth = None
            if view.smoothing > 0:
                smooth, sent.ema_last = ema(data[view.ycol], view.smoothing, sent.ema_last)
            self._count(key, sent.epoch, length, data)
            parts.append((view.rows[key], data, smooth))
            added += length - sent.consumed
            sent.held += length - sent.consumed
            sent.consumed = length
        n_lines = len(state.sent) + len(new)
        budget = line_budget(view.plot_width(), n_lines)
        if state.held + added > 2 * n_lines * budget and n_lines:
            self._resend(state, wanted)
            return
        state.held += added
        rows = [np.full(len(d[view.xcol]), r, np.float64) for r, d, _ in parts]
        xs = [_js_array(self._x(view, view.keys[r], d)) for r, d, _ in parts]
        ys = [_js_array(d[view.ycol]) for _, d, _ in parts]
        ss = [s for _, _, s in parts if s is not None]
        if new:   # their rows first; a line figure's points go with this tick's others
            flat = view.add_lines([self._line(state, k, budget) for k in new])
            if flat is not None:
                rows.append(flat[0])
                xs.append(flat[1])
                ys.append(flat[2])
                if flat[3] is not None:
                    ss.append(flat[3])
            if not state.budget:
                state.budget = budget
        if rows and sum(len(r) for r in rows):
            smooth = np.concatenate(ss) if view.smoothing > 0 and ss else None
            view.send_points(np.concatenate(rows), np.concatenate(xs), np.concatenate(ys),
                             smooth)

    # -- sending data ----------------------------------------------------------------------

    def _count(self, key: SeriesKey, epoch: int, length: int,
               data: dict[str, np.ndarray]) -> None:
        """Tell the run table about new rows of ``key`` (once per series, not per figure)."""
        if self.runs is None:
            return
        old_epoch, old = self._counted.get(key, (epoch, 0))
        if old_epoch != epoch:
            self.runs.forget(key[0], old)
            old = 0
        if length <= old:
            return
        self._counted[key] = (epoch, length)
        x = next((data[c] for c in ("x",) if c in data), None)
        if x is None:
            x = next(iter(data.values()))
        last = float(x[-1]) if len(x) else None
        self.runs.note(key[0], length - old, last)

    def _line(self, state: _FigureState, key: SeriesKey, budget: int) -> Line:
        """One series' points to send: the current window, downsampled to ``budget``."""
        view = state.view
        data = self.store.view(key)
        x, y = self._x(view, key, data), data[view.ycol]
        length = len(x)
        sent = state.sent[key] = _Sent(self.store.epoch(key))
        self._count(key, sent.epoch, length, data)
        idx = select_indices(x, y, state.window, self.store.is_sorted(key, self._xcol(view)),
                      budget // 4)
        sent.consumed, sent.held = length, len(idx)
        state.held += len(idx)
        smooth = None
        if view.smoothing > 0 and length:
            full, sent.ema_last = ema(y, view.smoothing)
            smooth = full[idx]
        return key, _js_array(x[idx]), _js_array(y[idx]), smooth

    def _resend(self, state: _FigureState, wanted: list[SeriesKey] | None = None) -> None:
        """Send every line of one figure afresh (zoom, resize, smoothing, drops, budget)."""
        if wanted is None:
            wanted = [k for k in self.store.keys() if self._wanted(state, k)]
        for key in [k for k in state.sent if k not in set(wanted)]:
            if self.runs is not None and key in self._counted and not any(
                    key in s.sent for s in self.figures if s is not state):
                self.runs.forget(key[0], self._counted.pop(key)[1])
        state.sent, state.held = {}, 0
        self._choose_x(state.view, wanted)
        state.budget = line_budget(state.view.plot_width(), len(wanted))
        state.view.set_lines([self._line(state, k, state.budget) for k in wanted])

    def refresh_figure(self, state: _FigureState) -> None:
        """Resend every series of one figure (after zoom, resize or a smoothing change)."""
        with _frozen(self.doc):
            self._resend(state)
            if self.runs is not None:
                self.runs.flush()
        self._version = -1   # let the next tick pick up anything else

    # -- the x axis ------------------------------------------------------------------------

    def set_x_mode(self, view: FigureView, mode: str) -> None:
        """Show one figure against the logged x, wall time or time since each run began."""
        view.x_mode = mode
        for state in self.figures:
            if state.view is view:
                state.window = (None, None)   # the old window is in other units
                self.refresh_figure(state)

    def _choose_x(self, view: FigureView, keys: list[SeriesKey]) -> None:
        choose_x_mode(view, any(WALL not in self.store.fields(k) for k in keys))

    def _xcol(self, view: FigureView) -> str:
        return view.xcol if view.x_shown == "step" else WALL

    def _x(self, view: FigureView, key: SeriesKey, data: dict[str, np.ndarray]) -> np.ndarray:
        start = self._starts.start(key[0]) if view.x_shown == "relative" else 0.0
        return x_values(view.x_shown, data, view.xcol, self.store.wall_base or 0.0, start)

    def set_smoothing(self, view: FigureView, alpha: float) -> None:
        """Change one figure's EMA smoothing and resend its lines."""
        view.set_smoothing(alpha)
        for state in self.figures:
            if state.view is view:
                self.refresh_figure(state)

    # -- zoom, pan, reset, resize ----------------------------------------------------------

    def _on_ranges(self, state: _FigureState, event: RangesUpdate) -> None:
        lo, hi = self._data_extent(state)
        x0, x1 = event.x0, event.x1
        if x0 is None or x1 is None:
            return
        state.window = (None if lo is None or x0 <= lo else x0,
                        None if hi is None or x1 >= hi else x1)
        self._schedule(state)

    def _on_reset(self, state: _FigureState) -> None:
        state.window = (None, None)
        self._schedule(state)

    def _on_resize(self, state: _FigureState, old: int | None, new: int | None) -> None:
        budget = line_budget(_int(new), len(state.sent))
        sent = state.budget
        if sent and not sent / RESIZE_RESEND_RATIO <= budget <= sent * RESIZE_RESEND_RATIO:
            self._schedule(state)

    def _schedule(self, state: _FigureState) -> None:
        state.dirty = True
        if not self._refetch_pending:
            self._refetch_pending = True
            self.doc.add_timeout_callback(self._refetch, REFETCH_DELAY_MS)

    def _refetch(self) -> None:
        self._refetch_pending = False
        for state in self.figures:
            if state.dirty:
                state.dirty = False
                self.refresh_figure(state)

    def _data_extent(self, state: _FigureState) -> tuple[float | None, float | None]:
        lo, hi = math.inf, -math.inf
        col = self._xcol(state.view)
        for key in state.sent:
            data = self.store.view(key)
            if col not in data or not len(data[col]):
                continue
            x = self._x(state.view, key, data)
            if self.store.is_sorted(key, col):
                a, b = float(x[0]), float(x[-1])
            else:
                a, b = float(np.nanmin(x)), float(np.nanmax(x))
            lo, hi = min(lo, a), max(hi, b)
        return (lo, hi) if lo <= hi else (None, None)


_NO_CONFIGS: dict[str, dict] = {}


def _no_configs() -> dict[str, dict]:
    return _NO_CONFIGS


def _frozen(doc: Any) -> Any:
    """Defer the document's model-graph walk to the end of a batch of changes."""
    models = getattr(doc, "models", None)
    freeze = getattr(models, "freeze", None)
    return freeze() if freeze is not None else contextlib.nullcontext()


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _js_array(a: np.ndarray) -> np.ndarray:
    """Arrays BokehJS can hold: every value as float64 (64-bit ints exact below 2**53)."""
    a = np.asarray(a)
    if a.dtype != np.float64:
        return a.astype(np.float64)
    return np.ascontiguousarray(a)
