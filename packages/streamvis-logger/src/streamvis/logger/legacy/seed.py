"""Reader of the original streamvis's seed format (2023-08 to 2025-05): one file of
``kind:u8 | length:u32 BE | protobuf`` records, kind 0 Group, 1 Points, 2 Control (delete).

Group ids are random 32-bit numbers that may collide across runs: each Points record belongs
to the most recent Group with its id. Values come back as stored: float32 (FLOAT) or int32
(INT, the 2023 period). A Control drops every group seen so far whose scope and name are
exactly equal (an empty name: the whole scope), with its points, and the points that later
name a dropped id; groups declared after it are visible again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from streamvis.logger.legacy.reader import FileTail, LegacyReader, Pending, exact_tombstone
from streamvis.logger.legacy.wire import WireError, decode_values, fields_of
from streamvis.logger.events import Tombstone
from streamvis.logger.series import SeriesKey

__all__ = ["SeedReader", "parse_seed_group"]

GROUP, POINTS, CONTROL = 0, 1, 2
_TYPES = {0: np.dtype("<f4"), 1: np.dtype("<i4")}


@dataclass(frozen=True)
class SeedGroup:
    """One Group record: a (scope, name, index) and its ordered fields, for one run."""

    id: int
    key: SeriesKey
    fields: tuple[str, ...]
    dtypes: tuple[np.dtype, ...]
    ordinal: int = 0  # which Group record of the file: ids may collide, ordinals do not


def _text(value: memoryview) -> str:
    return bytes(value).decode("utf-8", "replace")


def parse_seed_group(payload: memoryview) -> SeedGroup:
    """A Group record's payload; ``WireError`` if it is not one."""
    group_id, scope, name, index = 0, "", "", 0
    fields: list[str] = []
    dtypes: list[np.dtype] = []
    for number, wiretype, value in fields_of(payload):
        if number == 1 and wiretype == 0:
            group_id = value & 0xFFFFFFFF
        elif number == 2 and wiretype == 2:
            scope = _text(value)
        elif number == 3 and wiretype == 2:
            name = _text(value)
        elif number == 4 and wiretype == 0:
            index = value & 0xFFFFFFFF
        elif number == 5 and wiretype == 2:
            field_name, field_type = "", 0
            for inner, inner_type, item in fields_of(value):
                if inner == 1 and inner_type == 2:
                    field_name = _text(item)
                elif inner == 2 and inner_type == 0:
                    field_type = item
            if field_type not in _TYPES:
                raise WireError(f"unknown field type {field_type}")
            fields.append(field_name)
            dtypes.append(_TYPES[field_type])
        else:
            raise WireError(f"unexpected field {number} (wire type {wiretype}) in a Group")
    if not name or not fields:
        raise WireError("a Group without a name or fields")
    return SeedGroup(group_id, (scope, name, index), tuple(fields), tuple(dtypes))


def parse_points(payload: memoryview) -> tuple[int, list[np.ndarray]]:
    """(group id, one array per field) of a Points record; ``WireError`` if it is not one."""
    group_id = 0
    arrays: list[np.ndarray] = []
    for number, wiretype, value in fields_of(payload):
        if number == 1 and wiretype == 0:
            group_id = value & 0xFFFFFFFF
        elif number == 3 and wiretype == 2:
            arrays.append(decode_values(value))
        elif number != 2:
            raise WireError(f"unexpected field {number} in a Points record")
    return group_id, arrays


def parse_control(payload: memoryview) -> tuple[str, str]:
    """(scope, name) of a delete; an empty name means the whole scope."""
    scope = name = ""
    for number, wiretype, value in fields_of(payload):
        if number == 1 and wiretype == 2:
            scope = _text(value)
        elif number == 2 and wiretype == 2:
            name = _text(value)
    return scope, name


def typed(arrays: list[np.ndarray], dtypes: tuple[np.dtype, ...]) -> list[np.ndarray]:
    """An empty write is stored as an empty FloatList whatever the field's type: give empty
    arrays the declared dtype so that concatenation keeps int32 columns int32."""
    return [a.astype(d) if not len(a) and a.dtype != d else a for a, d in zip(arrays, dtypes)]


class SeedReader(LegacyReader):
    """Incremental reader of a seed-format file (tails a file still being appended to)."""

    format_name = "seed"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._tail = FileTail(path)
        self._buffer = b""
        self._groups: dict[int, SeedGroup] = {}
        self._deleted: set[int] = set()

    def exists(self) -> bool:
        return self._tail.exists()

    def _consume(self, pending: dict[SeriesKey, Pending], tombstones: list[Tombstone],
                 final: bool) -> None:
        total = self._tail.size()
        while data := self._tail.read_new():
            self.stats.bytes_read += len(data)
            self._feed(self._buffer + data if self._buffer else data, pending, tombstones)
            if self._stopped:
                return
            if self.on_progress is not None:
                self.on_progress(self._tail.offset, max(total, self._tail.offset))
        if final and self._buffer:
            self._stop_at_damage("an incomplete record", self._tail.offset - len(self._buffer),
                                 len(self._buffer))
            self._buffer = b""

    def _feed(self, buf: bytes, pending: dict[SeriesKey, Pending],
              tombstones: list[Tombstone]) -> None:
        pos = 0
        for kind, payload, _, end in self._frames(buf, range(CONTROL + 1),
                                                  "unknown record kind {kind}"):
            pos = end
            self.stats.records += 1
            try:
                self._apply(kind, payload, pending, tombstones)
            except WireError:
                self.stats.bad_records += 1
        self._buffer = b"" if self._stopped else buf[pos:]

    def _apply(self, kind: int, payload: memoryview, pending: dict[SeriesKey, Pending],
               tombstones: list[Tombstone]) -> None:
        if kind == GROUP:
            group = replace(parse_seed_group(payload), ordinal=self.stats.records)
            self._groups[group.id] = group  # the most recent group with this id wins
            self._deleted.discard(group.id)
        elif kind == POINTS:
            group_id, arrays = parse_points(payload)
            group = self._groups.get(group_id)
            if group is None:
                if group_id not in self._deleted:
                    self.stats.orphan_points += 1
                return
            if len(arrays) != len(group.fields) or len({len(a) for a in arrays}) > 1:
                self.stats.bad_records += 1
                return
            self._add(pending, group.key, group.fields, typed(arrays, group.dtypes), group.id,
                      group.ordinal)
        else:
            scope, name = parse_control(payload)
            for group_id in [i for i, g in self._groups.items()
                             if g.key[0] == scope and (not name or g.key[1] == name)]:
                del self._groups[group_id]
                self._deleted.add(group_id)
            self._delete(exact_tombstone(scope, name), pending, tombstones)
