"""Load and validate the YAML schema: which series go in which figure, and how they look.

Every problem is collected and reported at once in one :class:`SchemaError`, each naming the
figure, the key and the bad value with what was expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

__all__ = ["FigureSpec", "GLYPH_KINDS", "Schema", "SchemaError", "demo_schema_path",
           "load_schema", "parse_schema"]

GLYPH_KINDS = ("line", "scatter")
REQUIRED_KEYS = ("scope_pattern", "group_pattern", "glyph_kind", "columns")
OPTIONAL_KEYS = ("figure_kwargs", "glyph_kwargs", "palette", "x_axis")
X_AXES = ("step", "wall", "relative")
"""What a figure's x axis shows: the logged x, the wall-clock time of each point, or the
seconds since its run's first point."""
ALL_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
# Glyph arguments the viewer sets itself: one glyph per series, its own data source and legend.
RESERVED_GLYPH_KWARGS = ("x", "y", "source", "name", "legend", "legend_label", "legend_field",
                         "legend_group", "view")
DEFAULT_PALETTE = "Category10_10"


class SchemaError(ValueError):
    """The schema is unusable; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid schema {source}: {len(self.problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class FigureSpec:
    """One validated figure of the schema."""

    name: str
    scope_pattern: str
    group_pattern: str
    glyph_kind: str
    columns: tuple[str, ...]
    figure_kwargs: dict[str, Any] = field(default_factory=dict)
    glyph_kwargs: dict[str, Any] = field(default_factory=dict)
    palette: str | None = None
    x_axis: str = "step"

    def matches(self, scope: str, name: str) -> bool:
        """True when a series (scope, name) belongs in this figure (``re.fullmatch`` both)."""
        return (re.fullmatch(self.scope_pattern, scope) is not None
                and re.fullmatch(self.group_pattern, name) is not None)

    def colors(self) -> tuple[str, ...]:
        """The palette colours; a series of index i gets ``colors()[i % len]``."""
        import bokeh.palettes as palettes

        return tuple(getattr(palettes, self.palette or DEFAULT_PALETTE))


@dataclass(frozen=True)
class Schema:
    """Figures by name, in file order."""

    figures: dict[str, FigureSpec]

    @property
    def names(self) -> list[str]:
        return list(self.figures)


def demo_schema_path() -> str:
    """Path of the demo schema shipped inside the package (the seed's three figures)."""
    return str(resources.files("streamvis.server").joinpath("data", "demo.yaml"))


def load_schema(path: str) -> Schema:
    """Read and validate a YAML schema file; raises :class:`SchemaError` listing all problems.

    Hostile or broken files fail fast, in bounded memory, with one problem naming the cause:
    a missing or non-UTF-8 file, more than ``MAX_SCHEMA_BYTES``, nesting deeper than
    ``MAX_DEPTH``, aliases expanding to more than ``MAX_NODES`` values, duplicate keys."""
    from streamvis.server.schema_yaml import SchemaFileError, read_schema_file

    try:
        data = read_schema_file(path)
    except SchemaFileError as e:
        raise SchemaError(path, [str(e)]) from None
    return parse_schema(data, source=path)


def parse_schema(data: Any, source: str = "<schema>") -> Schema:
    """Validate an already-parsed schema mapping; raises :class:`SchemaError`."""
    if not isinstance(data, dict) or not data:
        raise SchemaError(source, [
            f"expected a mapping of figure names to figure definitions, got {_short(data)}"])
    problems: list[str] = []
    figures: dict[str, FigureSpec] = {}
    for name, body in data.items():
        spec = _parse_figure(name, body, problems)
        if spec is not None:
            figures[spec.name] = spec
    if problems:
        raise SchemaError(source, problems)
    return Schema(figures)


def _parse_figure(name: Any, body: Any, problems: list[str]) -> FigureSpec | None:
    start = len(problems)
    if not isinstance(name, str) or not name:
        problems.append(f"figure name {name!r}: expected a non-empty string")
        return None
    if any(c in name for c in ",;&=#?") or name != name.strip():
        problems.append(f"figure {name!r}: the name is used in page URLs and must not contain "
                        "',', ';', '&', '=', '#', '?' or surrounding spaces")
    if not isinstance(body, dict):
        problems.append(f"figure {name!r}: expected a mapping with keys {', '.join(ALL_KEYS)}; "
                        f"got {_short(body)}")
        return None
    for key in body:
        if key not in ALL_KEYS:
            hint = difflib.get_close_matches(str(key), ALL_KEYS, n=1)
            mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            problems.append(f"figure {name!r}: unknown key {key!r}{mean}; "
                            f"expected one of {', '.join(ALL_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in body:
            problems.append(f"figure {name!r}: missing required key {key!r}")
    for key in ("scope_pattern", "group_pattern"):
        if key in body:
            _check_regex(name, key, body[key], problems)
    kind = body.get("glyph_kind")
    if "glyph_kind" in body and kind not in GLYPH_KINDS:
        problems.append(f"figure {name!r}: glyph_kind {_short(kind)} is not supported; "
                        f"expected one of {', '.join(GLYPH_KINDS)}")
    columns = body.get("columns")
    if "columns" in body and not (isinstance(columns, list) and len(columns) >= 2
                                  and all(isinstance(c, str) and c for c in columns)
                                  and len(set(columns)) == len(columns)):
        problems.append(f"figure {name!r}: columns {_short(columns)} must be a list of at "
                        "least two distinct field names (x first, then y), e.g. [x, y]")
    palette = body.get("palette")
    if palette is not None:
        _check_palette(name, palette, problems)
    x_axis = body.get("x_axis", "step")
    if x_axis not in X_AXES:
        problems.append(f"figure {name!r}: x_axis {_short(x_axis)} is not one of "
                        f"{', '.join(X_AXES)}")
    fig_kwargs = _mapping(name, "figure_kwargs", body.get("figure_kwargs"), problems)
    glyph_kwargs = _mapping(name, "glyph_kwargs", body.get("glyph_kwargs"), problems)
    if fig_kwargs is not None:
        _check_figure_kwargs(name, fig_kwargs, problems)
    if glyph_kwargs is not None and kind in GLYPH_KINDS:
        _check_glyph_kwargs(name, kind, glyph_kwargs, problems)
    if len(problems) > start:
        return None
    return FigureSpec(name=name, scope_pattern=body["scope_pattern"],
                      group_pattern=body["group_pattern"], glyph_kind=kind,
                      columns=tuple(columns), figure_kwargs=fig_kwargs or {},
                      glyph_kwargs=glyph_kwargs or {}, palette=palette, x_axis=x_axis)


def _check_regex(fig: str, key: str, value: Any, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"figure {fig!r}: {key} {_short(value)} must be a regular expression "
                        "string")
        return
    try:
        re.compile(value)
    except re.error as e:
        problems.append(f"figure {fig!r}: {key} {value!r} is not a valid regular expression: {e}")


def _check_palette(fig: str, palette: Any, problems: list[str]) -> None:
    from bokeh.palettes import __palettes__

    if isinstance(palette, str) and palette in __palettes__:
        return
    hint = difflib.get_close_matches(str(palette), __palettes__, n=3)
    mean = f" (did you mean {', '.join(repr(h) for h in hint)}?)" if hint else ""
    problems.append(f"figure {fig!r}: unknown palette {_short(palette)}{mean}; expected a name "
                    "in bokeh.palettes.__palettes__ such as 'Viridis6' or 'Category10_10'")


def _mapping(fig: str, key: str, value: Any, problems: list[str]) -> dict[str, Any] | None:
    if value is None:
        return {}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return dict(value)
    problems.append(f"figure {fig!r}: {key} must be a mapping of keyword arguments, "
                    f"got {_short(value)}")
    return None


def _check_figure_kwargs(fig: str, kwargs: dict[str, Any], problems: list[str]) -> None:
    from bokeh.plotting import figure

    _try_each(fig, "figure_kwargs", "bokeh.plotting.figure", lambda **kw: figure(**kw), kwargs,
              problems)


def _check_glyph_kwargs(fig: str, kind: str, kwargs: dict[str, Any],
                        problems: list[str]) -> None:
    from bokeh.plotting import figure

    reserved = [k for k in kwargs if k in RESERVED_GLYPH_KWARGS]
    if reserved:
        problems.append(f"figure {fig!r}: glyph_kwargs may not set {', '.join(reserved)}: the "
                        "viewer sets these itself (data comes from 'columns')")
        return
    _try_each(fig, "glyph_kwargs", f"figure.{kind}",
              lambda **kw: getattr(figure(), kind)(x=[], y=[], **kw), kwargs, problems)


def _try_each(fig: str, key: str, target: str, build: Any, kwargs: dict[str, Any],
              problems: list[str]) -> None:
    """Construct with each kwarg alone (to report every bad one), then with all together."""
    bad = False
    for name, value in kwargs.items():
        try:
            build(**{name: value})
        except Exception as e:  # noqa: BLE001  (Bokeh raises AttributeError/ValueError/...)
            bad = True
            problems.append(f"figure {fig!r}: {key} {name}={_short(value)} rejected by "
                            f"{target}: {_first_line(e)}")
    if not bad and kwargs:
        try:
            build(**kwargs)
        except Exception as e:  # noqa: BLE001
            problems.append(f"figure {fig!r}: {key} {_short(kwargs)} rejected by {target}: "
                            f"{_first_line(e)}")


def _first_line(e: Exception) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:300]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
