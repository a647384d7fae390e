"""Per-session streaming: keep one page's figures in step with the shared store.

A periodic callback compares the store with what this session has sent. New series get glyphs,
dropped ones lose them, a recreated series (new epoch) is reset, and new points go out with
``ColumnDataSource.stream``. A line longer than the point budget (about 2x the plot's pixel
width) is sent downsampled keeping extremes; when what a session holds would pass twice the
budget, it is downsampled afresh, so nothing sent grows with the total history. Zoom and pan
(``RangesUpdate``) refetch the visible x-window at full resolution within the same budget.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from bokeh.events import RangesUpdate, Reset

from streamvis.logger import SeriesKey
from streamvis.server.downsample import minmax_indices, window
from streamvis.server.figures import FigureView
from streamvis.server.patterns import compile_user_pattern  # visitor regexes: RE2
from streamvis.server.smoothing import ema
from streamvis.server.store import SeriesStore

__all__ = ["PageStreamer", "point_budget"]

DEFAULT_PLOT_WIDTH = 800      # pixels, until the browser reports the real width
MIN_BUDGET = 400
REFETCH_DELAY_MS = 150        # debounce for zoom/pan/resize refetches
# A resize resends the lines only when the budget they were sent with is this far off: a resend
# of many long lines makes the browser repaint every line once per line (100 lines: ~45 s of
# repainting on 2 cores when the first real width, 1,110 px, replaced the 800 px default).
RESIZE_RESEND_RATIO = 1.5


def point_budget(plot_width: int) -> int:
    """Points sent per line: about twice the plot's width in pixels."""
    return max(MIN_BUDGET, 2 * (plot_width or DEFAULT_PLOT_WIDTH))


@dataclass
class _Sent:
    """What this session holds of one series."""

    epoch: int
    consumed: int = 0          # store rows represented
    held: int = 0              # points in the raw data source
    ema_last: float | None = None


class _FigureState:
    def __init__(self, view: FigureView) -> None:
        self.view = view
        self.sent: dict[SeriesKey, _Sent] = {}
        self.window: tuple[float | None, float | None] = (None, None)
        self.dirty = False
        self.budget = 0            # the point budget the lines were last downsampled to


class PageStreamer:
    """Streams the store into one page's figure views; call :meth:`tick` periodically."""

    def __init__(self, doc: Any, store: SeriesStore, views: list[FigureView],
                 scopes: str | None = None) -> None:
        self.doc = doc
        self.store = store
        self.scopes = compile_user_pattern(scopes) if scopes is not None else None  # RE2
        self.figures = [_FigureState(v) for v in views]
        self._version = -1
        self._refetch_pending = False
        for state in self.figures:
            for fig in state.view.figs:
                fig.on_event(RangesUpdate, lambda ev, s=state: self._on_ranges(s, ev))
                fig.on_event(Reset, lambda ev, s=state: self._on_reset(s))
                fig.on_change("inner_width", lambda a, o, n, s=state: self._on_resize(s, o, n))

    # -- the periodic callback -------------------------------------------------------------

    def tick(self) -> None:
        """Bring every figure up to date with the store (cheap when nothing changed)."""
        version = self.store.version
        if version == self._version:
            return
        self._version = version
        keys = self.store.keys()
        with _frozen(self.doc):
            for state in self.figures:
                self._sync(state, keys)

    def _wanted(self, state: _FigureState, key: SeriesKey) -> bool:
        scope, name, _ = key
        if self.scopes is not None and not self.scopes.fullmatch(scope):
            return False
        if not state.view.spec.matches(scope, name):
            return False
        fields = self.store.fields(key)
        return all(c in fields for c in state.view.spec.columns)

    def _sync(self, state: _FigureState, keys: list[SeriesKey]) -> None:
        wanted = [k for k in keys if self._wanted(state, k)]
        present = set(wanted)
        for key in [k for k in state.sent if k not in present]:
            state.view.remove_series(key)
            del state.sent[key]
        for key in wanted:
            epoch = self.store.epoch(key)
            sent = state.sent.get(key)
            if sent is None or sent.epoch != epoch:
                # data first, then the glyphs join the (frozen) document with it
                state.view.add_series(key, attach=False)
                state.sent[key] = sent = _Sent(epoch)
                self._refresh(state, key, sent)
                state.view.attach(key)
                continue
            length = self.store.length(key)
            if length <= sent.consumed:
                continue
            if sent.held + (length - sent.consumed) > 2 * self._budget(state):
                self._refresh(state, key, sent)
            else:
                self._stream(state, key, sent, length)

    # -- sending data ----------------------------------------------------------------------

    def _budget(self, state: _FigureState) -> int:
        return point_budget(state.view.plot_width())

    def _columns(self, state: _FigureState, data: dict[str, np.ndarray],
                 idx: np.ndarray | slice) -> dict[str, np.ndarray]:
        return {c: _js_array(data[c][idx]) for c in state.view.spec.columns}

    def _refresh(self, state: _FigureState, key: SeriesKey, sent: _Sent) -> None:
        """Replace the series' data with the current window, downsampled to the budget."""
        view = state.view
        data = self.store.view(key)
        length = len(data[view.xcol]) if data else 0
        x, y = data.get(view.xcol), data.get(view.ycol)
        glyphs = view.series[key]
        if x is None or y is None:
            return
        is_sorted = self.store.is_sorted(key, view.xcol)
        state.budget = self._budget(state)
        idx = _select(x, y, state.window, is_sorted, state.budget // 4)
        glyphs.raw.data = self._columns(state, data, idx)
        sent.consumed, sent.held, sent.ema_last = length, len(idx), None
        if view.smoothing > 0 and length:
            smooth, sent.ema_last = ema(y, view.smoothing)
            glyphs.smooth.data = {view.xcol: _js_array(x[idx]), view.ycol: smooth[idx]}
        elif len(glyphs.smooth.data[view.xcol]):
            glyphs.smooth.data = {view.xcol: np.zeros(0), view.ycol: np.zeros(0)}

    def _stream(self, state: _FigureState, key: SeriesKey, sent: _Sent, length: int) -> None:
        view = state.view
        data = self.store.view(key, sent.consumed, length)
        glyphs = view.series[key]
        glyphs.raw.stream(self._columns(state, data, slice(None)))
        if view.smoothing > 0:
            smooth, sent.ema_last = ema(data[view.ycol], view.smoothing, sent.ema_last)
            glyphs.smooth.stream({view.xcol: _js_array(data[view.xcol]), view.ycol: smooth})
        sent.held += length - sent.consumed
        sent.consumed = length

    def refresh_figure(self, state: _FigureState) -> None:
        """Resend every series of one figure (after zoom, resize or a smoothing change)."""
        with _frozen(self.doc):
            for key, sent in state.sent.items():
                if self.store.epoch(key) == sent.epoch:
                    self._refresh(state, key, sent)
        self._version = -1   # let the next tick pick up anything else

    def set_smoothing(self, view: FigureView, alpha: float) -> None:
        """Change one figure's EMA smoothing and resend its lines."""
        with _frozen(self.doc):  # one model-graph walk; new glyphs join with their data
            view.set_smoothing(alpha)
            for state in self.figures:
                if state.view is view:
                    self.refresh_figure(state)
            view.add_smooth_glyphs()

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
        budget, sent = point_budget(_int(new)), state.budget
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
        lo: float | None = None
        hi: float | None = None
        col = state.view.xcol
        for key in state.sent:
            x = self.store.view(key).get(col)
            if x is None or not len(x):
                continue
            if self.store.is_sorted(key, col):
                a, b = float(x[0]), float(x[-1])
            else:
                a, b = float(np.nanmin(x)), float(np.nanmax(x))
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
        return lo, hi


def _select(x: np.ndarray, y: np.ndarray, win: tuple[float | None, float | None],
            is_sorted: bool, n_buckets: int) -> np.ndarray:
    """Indices of the points to send: the window (full resolution if it fits), downsampled."""
    x0, x1 = win
    n = len(x)
    if x0 is None and x1 is None:
        return minmax_indices(x if is_sorted else None, y, n_buckets)
    lo = -np.inf if x0 is None else x0
    hi = np.inf if x1 is None else x1
    if is_sorted:
        start, stop = window(x, lo, hi)
        part = minmax_indices(x[start:stop], y[start:stop], n_buckets)
        return part + start
    inside = np.flatnonzero((x >= lo) & (x <= hi)) if n else np.arange(0)
    return inside[minmax_indices(None, y[inside], n_buckets)]


def _frozen(doc: Any) -> Any:
    """Defer the document's model-graph walk to the end of a batch of changes.

    Every glyph, legend item or renderer list set on a model in the document makes Bokeh walk
    the whole model graph again; adding 100 series one by one took 30 s. Frozen, it walks once.
    """
    models = getattr(doc, "models", None)
    freeze = getattr(models, "freeze", None)
    return freeze() if freeze is not None else contextlib.nullcontext()


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _js_array(a: np.ndarray) -> np.ndarray:
    """Arrays BokehJS can hold: 64-bit ints become float64 (exact below 2**53)."""
    a = np.asarray(a)
    if a.dtype.kind in "iu" and a.dtype.itemsize == 8:
        return a.astype(np.float64)
    if a.dtype.kind == "b":
        return a.astype(np.int8)
    return np.ascontiguousarray(a)
