"""Schema styling (Bokeh ``figure_kwargs``/``glyph_kwargs``) translated for matplotlib."""

from __future__ import annotations

import pytest

from streamvis.cli.plot_style import axes_style, glyph_style, to_mpl_color
from streamvis.server.schema import parse_schema


def spec(kind: str = "line", figure_kwargs: dict | None = None,
         glyph_kwargs: dict | None = None):
    body = {"scope_pattern": ".*", "group_pattern": "loss", "glyph_kind": kind,
            "columns": ["x", "y"], "figure_kwargs": figure_kwargs or {},
            "glyph_kwargs": glyph_kwargs or {}}
    return parse_schema({"loss": body}).figures["loss"]


@pytest.mark.parametrize("bokeh, mpl", [
    ("navy", "navy"), ("#ff000080", "#ff000080"), ((255, 0, 0), (1.0, 0.0, 0.0)),
    ((0, 255, 0, 0.5), (0.0, 1.0, 0.0, 0.5)), ("rgb(0, 0, 255)", (0.0, 0.0, 1.0)),
    ("rgba(255,255,255,0.25)", (1.0, 1.0, 1.0, 0.25)), (None, None),
])
def test_bokeh_colours_become_matplotlib_colours(bokeh, mpl) -> None:
    assert to_mpl_color(bokeh) == mpl


def test_line_width_dash_and_alpha_follow_glyph_kwargs() -> None:
    s = spec(glyph_kwargs={"line_color": "green", "line_width": 3, "line_dash": "dashed",
                           "line_alpha": 0.5})
    assert glyph_style(s, "red", dpi=100) == {"color": "green", "linewidth": pytest.approx(2.16),
                                               "alpha": 0.5, "linestyle": "--"}
    assert glyph_style(spec(), "#1f77b4", dpi=72) == {"color": "#1f77b4", "linewidth": 1.0,
                                                       "alpha": 1.0}
    assert glyph_style(spec(glyph_kwargs={"line_dash": [6, 3]}), "k", 72)["linestyle"] == (
        0, (6.0, 3.0))


def test_scatter_size_marker_and_colours() -> None:
    s = spec("scatter", glyph_kwargs={"size": 10, "marker": "square", "fill_color": "red",
                                      "fill_alpha": 0.3})
    style = glyph_style(s, "blue", dpi=72)
    assert style == {"marker": "s", "s": 100.0, "facecolors": "red", "edgecolors": "blue",
                     "linewidths": 1.0, "alpha": 0.3}


def test_titles_labels_scales_and_ranges() -> None:
    s = spec(figure_kwargs={"title": "Loss", "x_axis_label": "step", "y_axis_label": "nats",
                            "y_axis_type": "log", "x_range": [0, 100], "y_range": (1, 2),
                            "tools": "pan", "width": 300})
    style = axes_style(s, log_y=True)
    assert (style.title, style.x_label, style.y_label) == ("Loss", "step", "nats")
    assert style.log_y and not style.log_x and not style.x_datetime
    assert style.x_limits == (0.0, 100.0) and style.y_limits == (1.0, 2.0)


def test_untranslated_kwargs_are_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    s = spec(figure_kwargs={"x_axis_location": "above", "tools": "pan"},
             glyph_kwargs={"line_cap": "round"})
    with caplog.at_level("WARNING", logger="streamvis.cli.plot_style"):
        axes_style(s, log_y=False)
    messages = [r.getMessage() for r in caplog.records]
    assert any("figure_kwargs x_axis_location is not drawn" in m for m in messages)
    assert any("glyph_kwargs line_cap is not drawn" in m for m in messages)
    assert not any("tools" in m for m in messages)          # meaningless on paper: silent
