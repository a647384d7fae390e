"""Control records written outside a ``DataLogger``: deletes (tombstones)."""

from __future__ import annotations

import re

from streamvis.logger.encoder import new_id
from streamvis.logger.storage import open_store
from streamvis.proto import encode_frames, header_record, tombstone_record

__all__ = ["delete_series"]


def delete_series(path: str, scope_pattern: str, name_pattern: str = "",
                  backend: str | None = None) -> None:
    """Hide every series whose scope (and name, if given) fully match, without rewriting.

    Appends a tombstone: readers drop matching series written before it; points written
    after it to the same scope start a fresh series. Raises ``ValueError`` naming a bad regex.
    """
    for what, pattern in (("scope", scope_pattern), ("name", name_pattern)):
        try:
            re.compile(pattern)
        except re.error as err:
            raise ValueError(f"invalid {what} regex {pattern!r}: {err}") from None
    if not scope_pattern:
        raise ValueError("scope_pattern must not be empty (use '.*' to match every scope)")
    store = open_store(path, backend)
    try:
        store.append(encode_frames([
            header_record(new_id(), "").SerializeToString(),
            tombstone_record(scope_pattern, name_pattern).SerializeToString(),
        ]))
    finally:
        store.close()
