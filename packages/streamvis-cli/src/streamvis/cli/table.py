"""Plain-text tables and number formatting for terminal output."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["format_bytes", "format_number", "format_table"]


def format_number(value: object) -> str:
    """A compact rendering of one value: ints exact, floats to 6 significant digits."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    return str(value)


def format_bytes(count: int) -> str:
    """``1234567`` -> ``'1.2 MiB'``; exact below 1 KiB."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                 right: Sequence[bool] | None = None) -> str:
    """Columns padded to their widest cell, two spaces apart; ``right`` aligns numbers."""
    right = list(right) if right is not None else [False] * len(header)
    widths = [len(h) for h in header]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"table row {list(row)} has {len(row)} cells; "
                             f"expected {len(header)} like the header {list(header)}")
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]

    def line(cells: Sequence[str]) -> str:
        padded = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])
