"""Which record sequence numbers of each writer a reader has already taken."""

from __future__ import annotations

from bisect import bisect_right

__all__ = ["SeenSequences"]


class SeenSequences:
    """Per writer, the set of sequence numbers seen, kept as sorted disjoint ranges.

    A writer's records usually arrive in order, so a writer costs one range; each gap (a
    damaged record, a segment listed late) costs one more until it fills. ``add`` says whether
    a number is new, so a record stored twice (a retried flush, a copied stretch of a log) is
    taken once.
    """

    def __init__(self) -> None:
        self._ranges: dict[int, tuple[list[int], list[int]]] = {}  # writer -> (starts, ends)

    def add(self, writer: int, seq: int) -> bool:
        """Record ``seq`` of ``writer``; False if it was seen before."""
        ranges = self._ranges.get(writer)
        if ranges is None:
            self._ranges[writer] = ([seq], [seq])
            return True
        starts, ends = ranges
        if seq == ends[-1] + 1:  # the common case: the next record in order
            ends[-1] = seq
            if len(starts) > 1:
                self._join(starts, ends, len(starts) - 1)
            return True
        i = bisect_right(starts, seq) - 1  # the range starting at or before seq
        if i >= 0 and seq <= ends[i]:
            return False
        if i >= 0 and seq == ends[i] + 1:
            ends[i] = seq
        elif i + 1 < len(starts) and seq == starts[i + 1] - 1:
            starts[i + 1] = seq
            return True
        else:
            starts.insert(i + 1, seq)
            ends.insert(i + 1, seq)
            return True
        self._join(starts, ends, i)
        return True

    @staticmethod
    def _join(starts: list[int], ends: list[int], i: int) -> None:
        """Merge range ``i`` with the next one when they touch."""
        if i + 1 < len(starts) and ends[i] + 1 >= starts[i + 1]:
            ends[i] = max(ends[i], ends[i + 1])
            del starts[i + 1], ends[i + 1]

    def ranges(self, writer: int) -> list[tuple[int, int]]:
        """The seen ranges of ``writer`` (inclusive), for tests and diagnostics."""
        starts, ends = self._ranges.get(writer, ([], []))
        return list(zip(starts, ends))
