"""Law: the resume rule of read_log, of a LogReader's events, and of the server's store fed
by its tailer equals a small model: when a writer's first point of a series (x0) appears,
every earlier point of that series (in log order) with x >= x0 is superseded. Writers
restart, resume from earlier steps, and keep writing alongside each other."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from streamvis.logger import DataLogger, LogReader, Series, Superseded, read_log
from streamvis.server.store import SeriesStore
from streamvis.server.tailer import Tailer

ops = st.lists(st.one_of(
    st.tuples(st.just("start"), st.integers(0, 30), st.integers(1, 6)),   # new writer at x0
    st.tuples(st.just("append"), st.integers(0, 5), st.integers(1, 6)),   # writer k appends n
), min_size=1, max_size=12)


def model(batches: list[tuple[int, list[int]]]) -> list[int]:
    points: list[tuple[int, int]] = []  # (writer, x) in log order
    seen: set[int] = set()
    for writer, xs in batches:
        if writer not in seen:
            seen.add(writer)
            points = [p for p in points if p[1] < xs[0]]
        points += [(writer, x) for x in xs]
    return [x for _, x in points]


def apply(shown: list[int], events) -> list[int]:
    """What a tailer shows after a poll's events (as the server's store applies them)."""
    for event in events:
        if isinstance(event, Superseded):
            shown = [x for x in shown if x < event.x]
        elif isinstance(event, Series):
            shown = shown + event.columns["x"].tolist()
    return shown


@settings(max_examples=40, deadline=None)
@given(script=ops)
def test_read_log_and_a_tailer_equal_the_model(tmp_path_factory, script):
    path = str(tmp_path_factory.mktemp("resume") / "log")
    writers: list[tuple[DataLogger, list[int]]] = []  # logger, [next x]
    batches: list[tuple[int, list[int]]] = []
    reader = LogReader(path)
    shown: list[int] = []
    store = SeriesStore()
    tailer = Tailer(path, store)
    for op, a, n in script:
        if op == "start" or not writers:
            writers.append((DataLogger("run").init(path, flush_interval=3600), [a]))
            k = len(writers) - 1
        else:
            k = a % len(writers)
        logger, nxt = writers[k]
        xs = list(range(nxt[0], nxt[0] + n))
        nxt[0] += n
        logger.write("loss", x=np.array(xs), y=np.zeros(n))
        logger.flush_buffer()
        batches.append((k, xs))
        shown = apply(shown, reader.poll_events())
        tailer.poll_once()
    for logger, _ in writers:
        logger.close()
    expected = model(batches)
    (series,) = read_log(path)
    assert series.columns["x"].tolist() == expected
    assert shown == expected
    assert store.view(("run", "loss", 0))["x"].tolist() == expected
    tailer.stop()
    everything = read_log(path, superseded=True)[0].columns["x"].tolist()
    assert everything == [x for _, xs in batches for x in xs]
