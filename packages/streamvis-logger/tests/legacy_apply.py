"""Apply a reader's events the way the server's store does, for tailing tests."""

from __future__ import annotations

import numpy as np

from streamvis.logger import Series, Tombstone


def apply_events(held: dict, events: list) -> None:
    """``held`` maps (scope, name, index) to {field: array}; events are applied in order."""
    for event in events:
        if isinstance(event, Tombstone):
            for key in [k for k in held if event.matches(k[0], k[1])]:
                del held[key]
        else:
            assert isinstance(event, Series)
            old = held.get(event.key)
            if old is None:
                held[event.key] = dict(event.columns)
            else:
                held[event.key] = {f: np.concatenate([old[f], event.columns[f]])
                                   for f in event.columns}


def as_held(series: list[Series]) -> dict:
    held: dict = {}
    apply_events(held, series)
    return held


def assert_same(a: dict, b: dict) -> None:
    assert list(a) == list(b) or sorted(a) == sorted(b)
    for key in a:
        assert list(a[key]) == list(b[key]), key
        for f in a[key]:
            assert a[key][f].dtype == b[key][f].dtype, (key, f)
            np.testing.assert_array_equal(a[key][f], b[key][f])
