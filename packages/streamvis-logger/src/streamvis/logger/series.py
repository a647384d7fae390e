"""The unit of data readers return: one line of one named quantity of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from streamvis.logger.walltimes import wall_times_of

__all__ = ["Series", "SeriesKey"]

SeriesKey = tuple[str, str, int]
"""(scope, name, index): what identifies a series across writers and runs."""


@dataclass
class Series:
    """Points of one (scope, name, index), columns in write order.

    ``columns`` maps each field name (``x``, ``y``, ...) to a 1-D array; all have equal length.
    ``writers`` holds the ids of the writer processes that contributed points. ``wall_time``
    is when each point was written (see the property).
    """

    scope: str
    name: str
    index: int
    columns: dict[str, np.ndarray]
    writers: frozenset[int] = field(default_factory=frozenset)
    wall_parts: list = field(default_factory=list, repr=False, compare=False)
    """(count, WallTimeParts or None) per record, decoded into ``wall_time`` on demand."""

    @cached_property
    def wall_time(self) -> np.ndarray | None:
        """float64 seconds since the epoch of the ``write`` call that made each point (one
        time per call); NaN for points from format-1 writers; ``None`` if no point has one."""
        return wall_times_of(self.wall_parts) if self.wall_parts else None

    @property
    def key(self) -> SeriesKey:
        return (self.scope, self.name, self.index)

    def __len__(self) -> int:
        for column in self.columns.values():
            return len(column)
        return 0
