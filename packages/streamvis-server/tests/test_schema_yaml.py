"""Hostile or broken schema files: one problem naming the file, fast, in bounded memory."""

from __future__ import annotations

import resource
import time

import pytest

from streamvis.server import SchemaError, load_schema
from streamvis.server.schema_yaml import MAX_DEPTH, MAX_NODES, MAX_SCHEMA_BYTES

FIGURE = ("  scope_pattern: run.*\n  group_pattern: loss\n  glyph_kind: line\n"
          "  columns: [x, y]\n")

# The classic "billion laughs": 9 levels of 9 aliases = 9**9 (387 million) strings.
ALIAS_BOMB = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]"
       for i in range(8)]
    + ["loss:\n" + FIGURE + "  figure_kwargs: {title: *i}"]) + "\n"


def one_problem(path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(SchemaError) as info:
        load_schema(str(path))
    assert len(info.value.problems) == 1, info.value.problems
    assert str(path) in str(info.value)
    return info.value.problems[0]


@pytest.mark.timeout(30)
def test_alias_bomb_is_refused_without_expanding_it(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    problem = one_problem(tmp_path / "bomb.yaml", ALIAS_BOMB)
    elapsed = time.perf_counter() - start
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert f"expands to more than {MAX_NODES} values through YAML aliases" in problem
    # line 6 (f: 9**6 values) is the first over the limit; the value is never repr'd
    assert problem.startswith("the value at line 6 ") and len(problem) < 300
    print(f"alias bomb refused in {elapsed * 1000:.1f} ms, peak RSS grew {grown_kib} KiB")
    assert grown_kib < 100 * 1024  # bounded: expanding it takes gigabytes


def test_aliases_of_modest_size_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("loss:\n" + FIGURE + "  figure_kwargs: &kw {title: Loss}\n"
                    "acc:\n" + FIGURE.replace("loss", "acc") + "  figure_kwargs: *kw\n")
    schema = load_schema(str(path))
    assert schema.figures["acc"].figure_kwargs == {"title": "Loss"}


@pytest.mark.timeout(30)
def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path):
    problem = one_problem(tmp_path / "deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert problem.startswith(f"nested deeper than {MAX_DEPTH} levels (at line 1)")
    problem = one_problem(tmp_path / "deep2.yaml",
                          "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n")
    assert f"nested deeper than {MAX_DEPTH} levels" in problem


def test_self_referencing_alias(tmp_path):
    problem = one_problem(tmp_path / "loop.yaml", "loss: &a [1, *a]\n")
    assert "contains itself through a YAML alias" in problem


def test_duplicate_figure_name(tmp_path):
    problem = one_problem(tmp_path / "dup.yaml", "loss:\n" + FIGURE + "acc:\n" + FIGURE
                          + "loss:\n" + FIGURE)
    assert problem == "figure 'loss' is defined twice (lines 1 and 11); names must be unique"


def test_duplicate_key_inside_a_figure(tmp_path):
    problem = one_problem(tmp_path / "dupkey.yaml", "loss:\n" + FIGURE + "  glyph_kind: scatter\n")
    assert problem == "key 'glyph_kind' is defined twice (lines 4 and 6); names must be unique"


def test_non_utf8_file(tmp_path):
    text = "loss:\n" + FIGURE + "  figure_kwargs: {title: Résumé}\n"
    problem = one_problem(tmp_path / "latin1.yaml", text.encode("latin-1"))
    assert problem == (f"not UTF-8 text: byte 0xe9 at offset {text.index('é')} (line 6); "
                       "save the schema as UTF-8")


def test_oversized_file(tmp_path):
    problem = one_problem(tmp_path / "huge.yaml", "# " + "x" * MAX_SCHEMA_BYTES + "\n")
    assert f"a schema is expected to be under {MAX_SCHEMA_BYTES} bytes" in problem


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SchemaError, match="cannot read the schema file: it does not exist"):
        load_schema(str(tmp_path / "nope.yaml"))
    with pytest.raises(SchemaError, match="is a directory"):
        load_schema(str(tmp_path))
