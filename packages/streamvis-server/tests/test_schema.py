"""Schema loading and validation: every problem reported at once, each naming figure and key."""

from __future__ import annotations

import textwrap

import pytest

from streamvis.server import SchemaError, demo_schema_path, load_schema
from streamvis.server.schema import parse_schema

GOOD = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": "line",
        "columns": ["x", "y"]}


def _problems(data: object) -> list[str]:
    with pytest.raises(SchemaError) as info:
        parse_schema(data)
    return info.value.problems


def test_demo_schema_has_the_seed_figures() -> None:
    schema = load_schema(demo_schema_path())
    assert schema.names == ["kldiv", "cross_entropy", "enc_attn_entropy"]
    kl = schema.figures["kldiv"]
    assert kl.glyph_kwargs == {"line_color": "blue"}
    assert kl.columns == ("x", "y")
    assert kl.figure_kwargs["title"] == "KL Divergence (bits)"
    enc = schema.figures["enc_attn_entropy"]
    assert enc.palette == "Viridis6" and len(enc.colors()) == 6
    assert enc.matches("any-run", "enc_attn_entropy")
    assert not enc.matches("any-run", "enc_attn_entropy_2")   # fullmatch, not search


def test_all_problems_are_reported_at_once() -> None:
    problems = _problems({
        "a": {"scope_patern": ".*", "group_pattern": "(x", "glyph_kind": "bar",
              "columns": ["x"], "palette": "Viridis7x", "figure_kwargs": {"titel": "t"}},
        "b": {**GOOD, "glyph_kwargs": {"line_colr": "red", "line_width": "fat"}},
    })
    text = "\n".join(problems)
    assert "figure 'a': unknown key 'scope_patern' (did you mean 'scope_pattern'?)" in text
    assert "figure 'a': missing required key 'scope_pattern'" in text
    assert "group_pattern '(x' is not a valid regular expression: missing )" in text
    assert "glyph_kind 'bar' is not supported; expected one of line, scatter" in text
    assert "columns ['x']" in text
    assert "unknown palette 'Viridis7x' (did you mean 'Viridis7'" in text
    assert "figure_kwargs titel='t' rejected by bokeh.plotting.figure" in text
    assert "similar attributes are title" in text
    assert "figure 'b': glyph_kwargs line_colr='red' rejected by figure.line" in text
    assert "figure 'b': glyph_kwargs line_width='fat' rejected by figure.line" in text
    assert len(problems) == 9


def test_scatter_and_palette_are_accepted() -> None:
    schema = parse_schema({"s": {**GOOD, "glyph_kind": "scatter", "palette": "Category10_10",
                                 "glyph_kwargs": {"size": 3}}})
    assert schema.figures["s"].glyph_kind == "scatter"


def test_glyph_kwargs_valid_for_line_but_not_scatter_checked_per_kind() -> None:
    problems = _problems({"s": {**GOOD, "glyph_kind": "line", "glyph_kwargs": {"size": 3}}})
    assert problems == [p for p in problems if "glyph_kwargs size=3 rejected by figure.line"
                        in p] and problems


def test_reserved_glyph_kwargs_and_bad_names() -> None:
    problems = _problems({"a,b": {**GOOD, "glyph_kwargs": {"legend_label": "x"}}})
    assert any("must not contain" in p for p in problems)
    assert any("glyph_kwargs may not set legend_label" in p for p in problems)


@pytest.mark.parametrize("data", [None, [], "text", {}])
def test_top_level_must_be_a_mapping(data: object) -> None:
    assert "expected a mapping of figure names" in _problems(data)[0]


def test_figure_body_must_be_a_mapping() -> None:
    assert "figure 'a': expected a mapping" in _problems({"a": [1, 2]})[0]


def test_load_schema_file_errors(tmp_path) -> None:
    with pytest.raises(SchemaError, match="cannot read the schema file"):
        load_schema(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [unclosed\n")
    with pytest.raises(SchemaError, match="not valid YAML"):
        load_schema(str(bad))
    ok = tmp_path / "ok.yaml"
    ok.write_text(textwrap.dedent("""\
        loss:
          scope_pattern: run.*
          group_pattern: loss
          glyph_kind: line
          columns: [step, value]
        """))
    schema = load_schema(str(ok))
    assert schema.figures["loss"].columns == ("step", "value")
    message = str(pytest.raises(SchemaError, load_schema, str(bad)).value)
    assert str(bad) in message
