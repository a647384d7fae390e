"""The unit of data readers return: one line of one named quantity of one run."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Series", "SeriesKey"]

SeriesKey = tuple[str, str, int]
"""(scope, name, index): what identifies a series across writers and runs."""


@dataclass
class Series:
    """Points of one (scope, name, index), columns in write order.

    ``columns`` maps each field name (``x``, ``y``, ...) to a 1-D array; all have equal length.
    ``writers`` holds the ids of the writer processes that contributed points.
    """

    scope: str
    name: str
    index: int
    columns: dict[str, np.ndarray]
    writers: frozenset[int] = field(default_factory=frozenset)

    @property
    def key(self) -> SeriesKey:
        return (self.scope, self.name, self.index)

    def __len__(self) -> int:
        for column in self.columns.values():
            return len(column)
        return 0
