"""Gather the points records of one poll into ``Series``, applying the resume rule."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from streamvis.logger.series import Series, SeriesKey
from streamvis.logger.walltimes import WallTimeParts, wall_times_of

__all__ = ["GroupInfo", "Part", "PendingSeries", "ResumeRule"]


@dataclass
class GroupInfo:
    """What a points record belongs to."""

    key: SeriesKey
    fields: tuple[str, ...]
    dtypes: tuple[int, ...]
    writer: int


@dataclass
class Part:
    """One points record: its fields' arrays, wall times (parts, an array, or None)."""

    fields: tuple[str, ...]
    arrays: list[np.ndarray]
    wall: WallTimeParts | np.ndarray | None

    def keep(self, mask: np.ndarray) -> Part:
        wall = self.wall
        if wall is not None:
            wall = (wall if isinstance(wall, np.ndarray) else wall_times_of([(len(mask), wall)]))
            wall = wall[mask]
        return Part(self.fields, [a[mask] for a in self.arrays], wall)


@dataclass
class PendingSeries:
    """The parts of one series read in this poll, in log order."""

    parts: list[Part] = field(default_factory=list)
    writers: set[int] = field(default_factory=set)

    def supersede(self, x: float) -> int:
        """Drop points whose first field is >= ``x``; how many were dropped."""
        dropped = 0
        kept = []
        for part in self.parts:
            mask = part.arrays[0] < x
            n = int(mask.sum())
            dropped += len(mask) - n
            if n == len(mask):
                kept.append(part)
            elif n:
                kept.append(part.keep(mask))
        self.parts = kept
        return dropped

    def merge(self, key: SeriesKey) -> Series:
        names: list[str] = []
        for part in self.parts:
            names += [f for f in part.fields if f not in names]
        columns: dict[str, np.ndarray] = {}
        for name in names:
            pieces = []
            for part in self.parts:
                if name in part.fields:
                    pieces.append(part.arrays[part.fields.index(name)])
                else:  # this writer did not log the field: fill with NaN
                    pieces.append(np.full(len(part.arrays[0]), np.nan))
            columns[name] = pieces[0].copy() if len(pieces) == 1 else np.concatenate(pieces)
        wall = [(len(p.arrays[0]), p.wall) for p in self.parts]
        return Series(key[0], key[1], key[2], columns, frozenset(self.writers),
                      wall if any(w is not None for _, w in wall) else [])


class ResumeRule:
    """TensorBoard's ``purge_step`` rule, per series: when a writer's first point has
    ``x <=`` the largest x that earlier writers wrote, their points with x >= it are
    superseded. Decided by the first field; a writer is judged once, by its first point, so
    a writer running alongside another never loses the points it writes after that."""

    def __init__(self) -> None:
        self._writers: dict[SeriesKey, set[int]] = {}
        self._max: dict[SeriesKey, float] = {}

    def first_x(self, key: SeriesKey, writer: int, x: np.ndarray) -> float | None:
        """Note the points ``x`` of ``writer``; the x from which earlier points are
        superseded when this is the writer's first record in the series, else None."""
        writers = self._writers.setdefault(key, set())
        high = float(x.max()) if len(x) else float("-inf")
        if writer in writers or not len(x):
            self._max[key] = max(self._max.get(key, float("-inf")), high)
            return None
        writers.add(writer)
        first = float(x[0])
        previous = self._max.get(key)
        if previous is not None and first <= previous:
            self._max[key] = high  # what survives of earlier writers lies below ``first``
            return first
        self._max[key] = max(previous if previous is not None else float("-inf"), high)
        return None

    def forget_matching(self, tombstone) -> None:
        """Series the ``tombstone`` deleted start afresh with their next writer."""
        for key in [k for k in self._writers if tombstone.matches(k[0], k[1])]:
            del self._writers[key]
            self._max.pop(key, None)
