"""``where=`` run filters: parsing, numbers as numbers, nested keys, clear errors."""

from __future__ import annotations

import pytest

from streamvis.server.where import WhereError, parse_where

RUNS = {
    "a": {"lr": 0.0005, "model": "tiny", "layers": 6, "opt": {"name": "adam"}, "ema": True},
    "b": {"lr": 0.01, "model": "big", "layers": 24, "opt": {"name": "sgd"}, "ema": False},
    "c": {"lr": "1e-4", "model": "tiny"},  # a string that reads as a number
    "d": {},
}


def chosen(text: str) -> list[str]:
    where = parse_where(text)
    return [run for run, config in RUNS.items() if where.matches(config)]


@pytest.mark.parametrize("text, runs", [
    ("lr<0.001", ["a"]),
    ("lr<0.001,model=tiny", ["a"]),
    ("model=tiny", ["a", "c"]),
    ("model!=tiny", ["b", "d"]),           # a missing key passes only !=
    ("layers>=6", ["a", "b"]),
    ("layers>6", ["b"]),
    ("layers<=6 , model = tiny", ["a"]),   # spaces around parts
    ("opt.name=adam", ["a"]),              # nested keys
    ("ema=true", ["a"]),
    ("ema=false", ["b"]),
    ("lr>=1e-3", ["b"]),                   # 10 > 9: numbers, not text
    ("model>big", ["a", "c"]),             # text compares as text
])
def test_conditions_select_runs(text, runs):
    assert chosen(text) == runs


def test_numbers_compare_as_numbers_not_text():
    assert parse_where("layers<10").matches({"layers": 9})
    assert not parse_where("layers<10").matches({"layers": "9"})  # no order: text vs number
    assert not parse_where("model=1").matches({"model": "1"})
    assert parse_where("step=100").matches({"step": 100.0})


@pytest.mark.parametrize("text, named", [
    ("lr", "'lr'"),
    ("lr<<1", "'lr<<1'"),
    ("lr<", "'lr<'"),
    ("<3", "'<3'"),
    ("lr<1,,model=x", "empty condition"),
    ("a b=1", "'a b=1'"),
])
def test_bad_expressions_name_the_condition(text, named):
    with pytest.raises(WhereError, match=named):
        parse_where(text)


def test_a_long_expression_is_refused():
    with pytest.raises(WhereError, match="at most"):
        parse_where("a=1," * 1000)
