"""What ``LogReader.poll_events`` returns besides ``Series``, and its counters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from streamvis.logger.series import SeriesKey

__all__ = ["ReadStats", "RunConfig", "Superseded", "Tombstone"]


@dataclass(frozen=True)
class Tombstone:
    """A delete: series whose scope and name fully match were hidden at this point (and,
    when ``name_pattern`` is empty, the matching runs' configs)."""

    scope_pattern: str
    name_pattern: str = ""

    def matches(self, scope: str, name: str) -> bool:
        return bool(re.fullmatch(self.scope_pattern, scope)) and (
            not self.name_pattern or bool(re.fullmatch(self.name_pattern, name)))

    def matches_run(self, scope: str) -> bool:
        """Whether this deletes the whole run ``scope`` (config included)."""
        return not self.name_pattern and bool(re.fullmatch(self.scope_pattern, scope))


@dataclass(frozen=True)
class Superseded:
    """A resumed run: a writer's first point of series ``key`` had ``x <= `` the largest x
    earlier writers wrote, so the points returned earlier for ``key`` whose first field is
    ``>= x`` are superseded (TensorBoard's ``purge_step`` rule)."""

    key: SeriesKey
    x: float


@dataclass(frozen=True)
class RunConfig:
    """A config update of run ``scope``: merge ``values`` into what it has (later wins)."""

    scope: str
    values: dict[str, Any]


@dataclass
class ReadStats:
    """What a reader has consumed so far."""

    bytes_read: int = 0
    records: int = 0
    damaged_bytes: int = 0      # bytes of broken framing skipped
    bad_records: int = 0        # intact frames whose content was unusable
    orphan_points: int = 0      # points records naming a group never declared (format 1)
    duplicate_records: int = 0  # records a writer's sequence number showed were read before
    oversized_frames: int = 0   # frames skipped for a length over the reader's cap
    superseded_points: int = 0  # points of resumed runs' earlier writers, no longer shown
