"""Parse the page URL into a layout: rows or columns of figures with relative sizes.

``?rows=A,B;C&width=1,2,1&height=1,2``: rows split by ``;``, plots in a row by ``,``; ``width``
gives one relative width per plot (normalised within its row), ``height`` one per row.
``?cols=A,B;C&width=2,1&height=1,2,1``: the transpose: ``width`` per column, ``height`` per plot
(normalised within its column). Omitted lists default to all 1s. ``scopes=`` is an optional
regex (RE2 syntax, full match; see ``patterns``) restricting the runs shown. No
``rows``/``cols`` means the index page.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streamvis.server.patterns import UserPatternError, compile_user_pattern
from streamvis.server.where import RunFilter, WhereError, parse_where

__all__ = ["Cell", "Layout", "LayoutError", "PARAMS", "parse_layout", "query_args"]

PARAMS = ("rows", "cols", "width", "height", "scopes", "where")


class LayoutError(ValueError):
    """The URL does not describe a valid page; ``problems`` lists every mistake."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Cell:
    """One plot of the page: its figure and its share of the page (fractions in (0, 1])."""

    figure: str
    group: int          # row index (rows mode) or column index (cols mode)
    width: float        # fraction of the page width
    height: float       # fraction of the page height


@dataclass(frozen=True)
class Layout:
    """A parsed page URL. ``mode`` is ``"index"``, ``"rows"`` or ``"cols"``."""

    mode: str
    groups: tuple[tuple[str, ...], ...] = ()
    outer: tuple[float, ...] = ()                 # relative size of each row / column
    inner: tuple[tuple[float, ...], ...] = ()     # relative size of each plot in its group
    scopes: str | None = None
    where: RunFilter | None = None                # where= on run configs

    @property
    def figures(self) -> list[str]:
        return [name for group in self.groups for name in group]

    def cells(self) -> list[Cell]:
        """Every plot with its fraction of the page width and height."""
        out: list[Cell] = []
        total = sum(self.outer)
        for g, (names, sizes) in enumerate(zip(self.groups, self.inner)):
            share = self.outer[g] / total
            for name, size in zip(names, sizes):
                part = size / sum(sizes)
                w, h = (part, share) if self.mode == "rows" else (share, part)
                out.append(Cell(name, g, w, h))
        return out


def query_args(arguments: Mapping[str, Iterable[bytes | str]]) -> dict[str, str]:
    """Flatten Tornado-style request arguments (name -> list of bytes) to name -> last str."""
    flat: dict[str, str] = {}
    for key, values in arguments.items():
        for value in values:
            flat[key] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return flat


def parse_layout(args: Mapping[str, str], figure_names: Iterable[str]) -> Layout:
    """Validate the URL parameters against the schema's figure names; raises LayoutError."""
    valid = list(figure_names)
    problems: list[str] = []
    for key in args:
        if key not in PARAMS and not key.startswith("bokeh-"):
            hint = difflib.get_close_matches(key, PARAMS, n=1)
            mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(f"unknown URL parameter {key!r}{mean}; expected "
                            f"{', '.join(PARAMS)}")
    scopes = args.get("scopes")
    if scopes is not None:
        try:
            compile_user_pattern(scopes, "scopes")
        except UserPatternError as e:
            problems.append(str(e))
    where = None
    if args.get("where") is not None:
        try:
            where = parse_where(args["where"])
        except WhereError as e:
            problems.append(str(e))
    rows, cols = args.get("rows"), args.get("cols")
    if rows is not None and cols is not None:
        problems.append("give either rows= or cols=, not both")
    elif rows is None and cols is None:
        for key in ("width", "height"):
            if key in args:
                problems.append(f"{key}= needs rows= or cols= to say which plots it sizes")
        if problems:
            raise LayoutError(problems)
        return Layout("index", scopes=scopes, where=where)
    mode = "rows" if rows is not None else "cols"
    spec = rows if rows is not None else cols
    groups = _parse_groups(mode, spec or "", valid, problems)
    n_plots = sum(len(g) for g in groups)
    per_plot, per_group = ("width", "height") if mode == "rows" else ("height", "width")
    plot_sizes = _parse_sizes(per_plot, args.get(per_plot), n_plots,
                              "one per plot" + (" (all rows)" if mode == "rows" else
                                                " (all columns)"), problems)
    group_sizes = _parse_sizes(per_group, args.get(per_group), len(groups),
                               f"one per {'row' if mode == 'rows' else 'column'}", problems)
    if problems:
        raise LayoutError(problems)
    inner, i = [], 0
    for g in groups:
        inner.append(tuple(plot_sizes[i:i + len(g)]))
        i += len(g)
    return Layout(mode, tuple(tuple(g) for g in groups), tuple(group_sizes), tuple(inner),
                  scopes, where)


def _parse_groups(mode: str, spec: str, valid: list[str], problems: list[str]) -> list[list[str]]:
    kind = "row" if mode == "rows" else "column"
    groups: list[list[str]] = []
    seen: set[str] = set()
    for g, part in enumerate(spec.split(";")):
        names = [n.strip() for n in part.split(",")]
        if any(not n for n in names):
            problems.append(f"{mode}={spec!r}: {kind} {g + 1} has an empty figure name "
                            "(check for doubled or trailing ',' and ';')")
        names = [n for n in names if n]
        for n in names:
            if n not in valid:
                hint = difflib.get_close_matches(n, valid, n=1)
                mean = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.append(f"unknown figure {n!r}{mean}")
            elif n in seen:
                problems.append(f"figure {n!r} appears more than once on the page")
            seen.add(n)
        groups.append(names)
    return groups


def _parse_sizes(key: str, text: str | None, count: int, what: str,
                 problems: list[str]) -> list[float]:
    if text is None:
        return [1.0] * count
    sizes: list[float] = []
    for item in text.split(","):
        try:
            value = float(item)
        except ValueError:
            problems.append(f"{key}={text!r}: {item.strip()!r} is not a number")
            continue
        if not math.isfinite(value) or value <= 0:
            problems.append(f"{key}={text!r}: {item.strip()!r} must be a positive number")
            continue
        sizes.append(value)
    n_items = len(text.split(","))
    if n_items != count:
        problems.append(f"{key}={text!r} has {n_items} value(s); expected {count} ({what})")
    return sizes if len(sizes) == count else [1.0] * count
