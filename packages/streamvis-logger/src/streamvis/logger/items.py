"""What ``DataLogger`` puts on the worker's queue, and the one check of its batched fast path.

Items are point rows ``(name, time, value, ...)`` of Python numbers (one point each; ``time``
is the write call's wall-clock time), ``Chunk``s of array writes, ``ConfigItem``s, and
``threading.Event``s that the worker sets once everything queued before them is written.
"""

from __future__ import annotations

import numpy as np

from streamvis.logger.arrays import NUMERIC_KINDS, Deferred

__all__ = ["Batch", "Chunk", "ConfigItem", "ConfigUpdate", "FlatChunk", "IndexedChunk",
           "flat_host_batch"]

Batch = dict[str, list]
"""Buffered writes per name, in order: rows ``(name, time, value, ...)`` of Python numbers
(one point each; ``time`` is the write call's wall-clock time) or Chunks."""


class Chunk:
    """One array write at wall-clock ``time``: captured field values that broadcast together
    to ``shape``."""

    __slots__ = ("name", "values", "shape", "points", "time")

    def __init__(self, name: str, values: list[np.ndarray | Deferred], shape: tuple[int, ...],
                 points: int, time: float) -> None:
        self.name = name
        self.values = values
        self.shape = shape
        self.points = points
        self.time = time


class FlatChunk(Chunk):
    """A Chunk whose values are fresh, C-contiguous, 1-D host numpy arrays, all of ``shape``
    (what ``DataLogger.write``'s fast path queues): the encoder need not re-check that."""

    __slots__ = ()


class IndexedChunk(Chunk):
    """A Chunk of 0-D/1-D fields whose points all go to line ``index`` (``write(name, index,
    ...)``); never joined by ``_flat_columns``, which takes only exact Chunk/FlatChunk types."""

    __slots__ = ("index",)

    def __init__(self, name: str, values: list[np.ndarray | Deferred], shape: tuple[int, ...],
                 points: int, time: float, index: int) -> None:
        super().__init__(name, values, shape, points, time)
        self.index = index


class ConfigItem:
    """A run config update waiting on the queue: a JSON object's text and when it was made."""

    __slots__ = ("text", "time")

    def __init__(self, text: str, time: float) -> None:
        self.text = text
        self.time = time


ConfigUpdate = tuple[str, float]
"""A config update as the sink gets it: (JSON object text, wall-clock time)."""


def flat_host_batch(values) -> list[np.ndarray] | None:
    """Fresh copies of ``values`` if they are 1-D, non-empty host numpy arrays of one shape
    and numeric dtypes (a batched write that needs no broadcasting), else ``None``."""
    first = values[0]
    if type(first) is not np.ndarray:
        return None
    shape = first.shape
    if len(shape) != 1 or not shape[0]:
        return None
    copies = []
    for value in values:
        if type(value) is not np.ndarray or value.shape != shape or \
                value.dtype.kind not in NUMERIC_KINDS:
            return None
        copies.append(value.copy())
    return copies
