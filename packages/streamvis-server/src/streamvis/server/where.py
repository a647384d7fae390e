"""``where=`` filters on run configs: ``lr<0.001,model=tiny`` keeps the runs whose config
satisfies every condition.

A condition is ``KEY OP VALUE``: ``KEY`` a config key (``opt.lr`` reaches into nested dicts),
``OP`` one of ``= != < <= > >=``, ``VALUE`` a number (compared as a number), ``true``,
``false``, ``null``, or text (compared as text). A run whose config lacks ``KEY`` fails every
condition but ``!=``. Linear-time by construction: no user regex is involved.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Condition", "RunFilter", "WhereError", "parse_where"]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
    "=": operator.eq, "<": operator.lt, ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(!=|<=|>=|=|<|>)\s*(.*?)\s*$")
_LITERALS = {"true": True, "false": False, "null": None}
MAX_LENGTH = 2000


class WhereError(ValueError):
    """A ``where=`` expression that cannot be used; the message names it."""


@dataclass(frozen=True)
class Condition:
    """One ``KEY OP VALUE``."""

    key: str
    op: str
    value: Any

    def holds(self, config: Mapping[str, Any]) -> bool:
        found, actual = _lookup(config, self.key)
        if not found:
            return self.op == "!="
        want = self.value
        if _is_number(want) and _is_number(actual):
            return _OPS[self.op](float(actual), float(want))
        if self.op in ("=", "!="):
            equal = _same(actual, want)
            return equal if self.op == "=" else not equal
        if isinstance(actual, str) and isinstance(want, str):
            return _OPS[self.op](actual, want)
        return False  # an order between a number and text, or with true/false/null


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(actual: Any, want: Any) -> bool:
    """Equality of a config value and a non-number filter value (numbers are done by then)."""
    if isinstance(want, bool) or want is None or isinstance(actual, bool) or actual is None:
        return actual is want
    return isinstance(actual, str) and actual == want


def _lookup(config: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    if key in config:
        return True, config[key]
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _value(text: str) -> Any:
    if text in _LITERALS:
        return _LITERALS[text]
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else number


@dataclass(frozen=True)
class RunFilter:
    """All conditions of one ``where=`` expression."""

    text: str
    conditions: tuple[Condition, ...]

    def matches(self, config: Mapping[str, Any] | None) -> bool:
        config = config or {}
        return all(c.holds(config) for c in self.conditions)


def parse_where(text: str) -> RunFilter:
    """``text`` (comma-separated conditions) as a ``RunFilter``; ``WhereError`` names the bad
    part and says what was expected."""
    if len(text) > MAX_LENGTH:
        raise WhereError(f"where= is {len(text)} characters long; at most {MAX_LENGTH}")
    conditions = []
    for part in text.split(","):
        if not part.strip():
            raise WhereError(f"where={text!r} has an empty condition; expected KEY OP VALUE "
                             "conditions separated by commas, e.g. lr<0.001,model=tiny")
        match = _CONDITION.match(part)
        if match is None or match.group(3) == "" or re.search(r"[<>=!]", match.group(3)):
            raise WhereError(f"where= condition {part.strip()!r} is not KEY OP VALUE with OP "
                             "one of = != < <= > >= (e.g. lr<0.001 or model=tiny)")
        key, op, value = match.groups()
        conditions.append(Condition(key, op, _value(value)))
    return RunFilter(text, tuple(conditions))
