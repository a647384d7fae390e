"""URL layout parsing: the seed's rows/cols rules, and every mistake reported."""

from __future__ import annotations

import pytest

from streamvis.server import LayoutError, parse_layout
from streamvis.server.layout import query_args

NAMES = ["A", "B", "C", "kldiv"]


def _err(args: dict[str, str]) -> str:
    with pytest.raises(LayoutError) as info:
        parse_layout(args, NAMES)
    return str(info.value)


def test_rows_example_from_the_seed() -> None:
    layout = parse_layout({"rows": "A,B;C", "width": "1,2,1", "height": "1,2"}, NAMES)
    assert layout.mode == "rows"
    cells = {c.figure: (round(c.width, 6), round(c.height, 6)) for c in layout.cells()}
    assert cells == {"A": (round(1 / 3, 6), round(1 / 3, 6)),
                     "B": (round(2 / 3, 6), round(1 / 3, 6)),
                     "C": (1.0, round(2 / 3, 6))}


def test_cols_example_from_the_seed() -> None:
    layout = parse_layout({"cols": "A,B;C", "width": "2,1", "height": "1,2,1"}, NAMES)
    cells = {c.figure: (round(c.width, 6), round(c.height, 6)) for c in layout.cells()}
    assert cells == {"A": (round(2 / 3, 6), round(1 / 3, 6)),
                     "B": (round(2 / 3, 6), round(2 / 3, 6)),
                     "C": (round(1 / 3, 6), 1.0)}


def test_sizes_default_to_ones_and_scopes_is_kept() -> None:
    layout = parse_layout({"rows": "A;B,C", "scopes": "run[0-9]+"}, NAMES)
    assert layout.outer == (1.0, 1.0) and layout.inner == ((1.0,), (1.0, 1.0))
    assert layout.scopes == "run[0-9]+"
    assert layout.figures == ["A", "B", "C"]


def test_no_rows_or_cols_is_the_index() -> None:
    assert parse_layout({}, NAMES).mode == "index"
    assert parse_layout({"bokeh-session-id": "x"}, NAMES).mode == "index"


@pytest.mark.parametrize("args, expected", [
    ({"rows": "A,Z"}, "unknown figure 'Z'"),
    ({"rows": "kldv"}, "unknown figure 'kldv' (did you mean 'kldiv'?)"),
    ({"rows": "A", "cols": "B"}, "either rows= or cols=, not both"),
    ({"rows": "A,B;C", "width": "1,2"}, "width='1,2' has 2 value(s); expected 3"),
    ({"rows": "A,B;C", "height": "1,2,3"}, "height='1,2,3' has 3 value(s); expected 2"),
    ({"cols": "A,B;C", "width": "1,2,3"}, "expected 2 (one per column)"),
    ({"rows": "A,B", "width": "1,x"}, "'x' is not a number"),
    ({"rows": "A,B", "width": "1,-2"}, "'-2' must be a positive number"),
    ({"rows": "A,B", "width": "1,0"}, "'0' must be a positive number"),
    ({"rows": "A,B", "width": "1,nan"}, "'nan' must be a positive number"),
    ({"rows": "A", "scopes": "run("}, "scopes='run(' is not a valid regular expression"),
    ({"rows": "A,,B"}, "row 1 has an empty figure name"),
    ({"rows": "A;"}, "row 2 has an empty figure name"),
    ({"rows": "A,A"}, "figure 'A' appears more than once"),
    ({"row": "A"}, "unknown URL parameter 'row' (did you mean 'rows'?)"),
    ({"width": "1"}, "width= needs rows= or cols="),
])
def test_bad_urls(args: dict[str, str], expected: str) -> None:
    assert expected in _err(args)


def test_every_problem_at_once() -> None:
    with pytest.raises(LayoutError) as info:
        parse_layout({"rows": "A,Z", "width": "0,1,2", "scopes": "("}, NAMES)
    assert len(info.value.problems) == 4   # unknown Z, '0', 3 widths for 2 plots, bad regex


def test_query_args_flattens_tornado_arguments() -> None:
    assert query_args({"rows": [b"A,B"], "x": ["s"], "w": [b"1", b"2"]}) == {
        "rows": "A,B", "x": "s", "w": "2"}
