"""Visitor regexes run in linear time: a catastrophic pattern from the URL cannot stall."""

from __future__ import annotations

import numpy as np
import pytest
from bokeh.document import Document
from bokeh.models import Div

from streamvis.logger import Series
from streamvis.server import demo_schema_path, load_schema
from streamvis.server.document import build_document
from streamvis.server.layout import LayoutError, parse_layout
from streamvis.server.pages import scopes_html
from streamvis.server.patterns import MAX_PATTERN_CHARS, UserPatternError, compile_user_pattern
from streamvis.server.store import SeriesStore

CATASTROPHIC = "(a+)+$"          # Python's re: 2**n steps on "a" * n + "!"
# 40 characters: Python's re would backtrack for hours; RE2 answers in microseconds. The
# timeout only fails a test that backtracks, it does not measure speed.
VICTIM = "a" * 39 + "!"


@pytest.mark.timeout(20)
def test_catastrophic_pattern_is_linear():
    pattern = compile_user_pattern(CATASTROPHIC)
    assert pattern.fullmatch(VICTIM) is None
    assert pattern.fullmatch("a" * 40) is not None
    assert compile_user_pattern("(x+x+)+y").fullmatch("x" * 5000) is None


@pytest.mark.timeout(20)
def test_catastrophic_scopes_on_the_index_and_a_figure_page():
    store = SeriesStore()
    x = np.arange(10.0)
    for scope in (VICTIM, "a" * 12):
        store.append(Series(scope, "kldiv", 0, {"x": x, "y": x}))
    assert "a" * 12 in scopes_html(store, CATASTROPHIC)
    assert VICTIM not in scopes_html(store, CATASTROPHIC)
    doc = Document()
    build_document(doc, load_schema(demo_schema_path()), store, "p",
                   {"rows": [b"kldiv,cross_entropy;enc_attn_entropy"],
                    "scopes": [CATASTROPHIC.encode()]})
    assert doc.roots and not any("streamvis-error" in m.tags for m in doc.models
                                 if isinstance(m, Div))


@pytest.mark.parametrize(("text", "reason"), [
    (r"(run)\1", "invalid escape sequence"),           # backreference
    ("run(?=2)", "invalid perl operator"),               # lookahead
    ("run(", "missing )"),
])
def test_what_re2_lacks_is_a_clear_error(text, reason):
    with pytest.raises(UserPatternError) as info:
        compile_user_pattern(text)
    message = str(info.value)
    assert message.startswith(f"scopes={text!r} is not a valid regular expression: ")
    assert reason in message and "RE2" in message and "backreferences" in message


def test_bad_scopes_is_a_page_address_problem():
    with pytest.raises(LayoutError) as info:
        parse_layout({"rows": "A", "scopes": r"(r)\1"}, ["A"])
    assert "scopes='(r)\\\\1' is not a valid regular expression" in str(info.value)


def test_overlong_pattern_is_refused():
    compile_user_pattern("a" * MAX_PATTERN_CHARS)
    with pytest.raises(UserPatternError, match=f"{MAX_PATTERN_CHARS + 1} characters long"):
        compile_user_pattern("a" * (MAX_PATTERN_CHARS + 1))


def test_python_syntax_that_re2_shares_still_works():
    pattern = compile_user_pattern(r"(?P<run>run\d+)|eval_.*|r[a-c]{2,3}")
    assert [bool(pattern.fullmatch(s)) for s in ("run12", "eval_x", "rab", "run", "rx")] == [
        True, True, True, False, False]
