"""``streamvis plot``: the demo schema rendered to PNG, SVG and PDF, checked as files; spikes kept;
layout errors worded as the URL's; colours and legends as in the viewer."""

from __future__ import annotations

import re
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from PIL import Image  # noqa: E402  (matplotlib brings Pillow)

from streamvis.cli.main import main  # noqa: E402
from streamvis.cli.plot_data import collect_panels, reduce_line  # noqa: E402
from streamvis.cli.plot_render import PUBLICATION_RC, build_figure  # noqa: E402
from streamvis.logger import DataLogger, Series, read_log  # noqa: E402
from streamvis.server import demo_schema_path, load_schema, parse_layout  # noqa: E402
from streamvis.server.layout import LayoutError, query_args  # noqa: E402
from streamvis.server.schema import parse_schema  # noqa: E402

DEMO_ROWS = "kldiv,cross_entropy;enc_attn_entropy"
TITLES = ("KL Divergence (bits)", "Cross Entropy (bits)", "Encoder Self Attention Entropy (bits)")
STEPS = 300


def write_demo_log(path: str, scopes: tuple[str, ...] = ("run1", "run2")) -> None:
    """The demo schema's three quantities for each scope, through DataLogger."""
    steps = np.arange(STEPS)
    for k, scope in enumerate(scopes):
        with DataLogger(scope=scope) as logger:
            logger.init(path=path, buffer_max_elem=1000)
            logger.write("kldiv", x=steps, y=3.0 * np.exp(-steps / 100) + 0.1 * k)
            logger.write("cross_entropy", x=steps, y=5.0 * np.exp(-steps / 200) + 1 + k)
            attn = 0.3 + 0.1 * np.arange(3)[:, None] + 0.5 * np.exp(-steps[None, :] / 80)
            logger.write("enc_attn_entropy", x=steps, y=attn.astype(np.float32))


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("plot") / "demo.log")
    write_demo_log(path)
    return path


def plot(*args: str) -> int:
    return main(["plot", *args])


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_demo_schema_renders_to_each_format(demo_log: str, tmp_path: Path, fmt: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"page.{fmt}"
    assert plot(demo_schema_path(), demo_log, "-o", str(out), "--rows", DEMO_ROWS,
                "--width", "1,2,1", "--size", "640x480", "--dpi", "100") == 0
    err = capsys.readouterr().err
    assert f"wrote {out} ({fmt}, 640x480 px at 100 dpi): 3 figure(s), 10 line(s)" in err
    if fmt == "png":
        with Image.open(out) as image:
            image.load()
            assert image.format == "PNG" and image.size == (640, 480)
    elif fmt == "svg":
        root = ET.parse(out).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert (root.get("width"), root.get("height")) == ("460.8pt", "345.6pt")
        texts = " ".join("".join(t.itertext())
                         for t in root.iter("{http://www.w3.org/2000/svg}text"))
        for label in (*TITLES, "run1/0", "run2/0", "run2/2"):   # text stays text
            assert label in texts
    else:
        from pypdf import PdfReader

        reader = PdfReader(out)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((460.8, 345.6))
        text = reader.pages[0].extract_text()
        for label in (*TITLES, "run1/0", "run2/2"):
            assert label in text
        fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
        kinds = {f["/Subtype"] if f["/Subtype"] != "/Type0" else
                 f["/DescendantFonts"][0].get_object()["/Subtype"] for f in fonts}
        assert kinds <= {"/TrueType", "/CIDFontType2"}     # pdf.fonttype 42, never Type 3


def test_png_is_the_requested_size_at_any_dpi(demo_log: str, tmp_path: Path) -> None:
    for size, dpi in (("900x600", "300"), ("1001x333", "72")):
        out = tmp_path / f"{size}.png"
        assert plot(demo_schema_path(), demo_log, "-o", str(out), "--cols", "kldiv",
                    "--size", size, "--dpi", dpi) == 0
        with Image.open(out) as image:
            assert image.size == tuple(int(v) for v in size.split("x"))


def red_runs(path: Path) -> int:
    """The longest vertical run of pure-ish red pixels in any pixel column."""
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    best = 0
    for column in red.T:
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate(([0], column, [0])))))[::2]
        best = max(best, int(runs.max()) if len(runs) else 0)
    return best


def test_a_single_spike_on_a_long_flat_line_stays_in_the_png(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    n = 1_000_000
    y = np.zeros(n, dtype=np.float32)
    y[n // 2 + 12_345] = 1.0                        # one point in a million
    log = str(tmp_path / "spike.log")
    with DataLogger(scope="run") as logger:
        logger.init(path=log, buffer_max_elem=n)
        logger.write("flat", x=np.arange(n), y=y)
    schema = tmp_path / "flat.yaml"
    schema.write_text("flat:\n  scope_pattern: .*\n  group_pattern: flat\n  glyph_kind: line\n"
                      "  glyph_kwargs: {line_color: '#ff0000', line_width: 1}\n"
                      "  columns: [x, y]\n  figure_kwargs: {y_range: [-0.1, 1.1]}\n")
    out = tmp_path / "spike.png"
    assert plot(str(schema), log, "-o", str(out), "--rows", "flat", "--size", "400x300") == 0
    drawn = int(re.search(r"\(([\d,]+) drawn\)", capsys.readouterr().err)[1].replace(",", ""))
    assert drawn <= 4 * 4 * 400                     # reduced: 4 points per bucket, 4 per px ...
    assert red_runs(out) > 150                      # ... and the spike spans most of the plot
    y[n // 2 + 12_345] = 0.0                        # control: the flat line alone has no run
    with DataLogger(scope="run") as logger:
        logger.init(path=log, buffer_max_elem=n, replace=True)
        logger.write("flat", x=np.arange(n), y=y)
    assert plot(str(schema), log, "-o", str(out), "--rows", "flat", "--size", "400x300") == 0
    assert red_runs(out) < 10


def png_pixels(fig: object) -> np.ndarray:
    import io

    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context({**PUBLICATION_RC, "path.simplify": False}):
        fig.savefig(buffer, format="png")
    return np.asarray(Image.open(buffer).convert("RGB")).astype(int)


def test_the_reduced_picture_matches_the_full_resolution_one() -> None:
    n = 300_000
    rng = np.random.default_rng(1)
    y = (np.exp(-np.arange(n) / 1e5) + rng.normal(0, 0.02, n)).astype(np.float32)
    y[[1000, 123_456, 299_000]] = [3.0, -2.0, 2.5]
    schema = parse_schema({"loss": {"scope_pattern": ".*", "group_pattern": "loss",
                                    "glyph_kind": "line", "columns": ["x", "y"]}})
    layout = parse_layout({"rows": "loss"}, schema.names)
    panels = collect_panels(schema, layout, [Series("r", "loss", 0, {"x": np.arange(n),
                                                                      "y": y})])
    reduced, stats = build_figure(panels, layout, (600, 400), 100.0)
    full, full_stats = build_figure(panels, layout, (600, 400), 100.0, buckets_per_pixel=10**6)
    assert stats.drawn < n // 10 and full_stats.drawn == n
    diff = np.abs(png_pixels(reduced) - png_pixels(full)).max(axis=2)
    assert (diff > 64).sum() < 100, (diff > 64).sum()   # of 240,000: anti-aliasing fringes only


def test_reduction_keeps_first_last_min_and_max_per_bucket() -> None:
    x = np.arange(10_000)
    y = np.sin(x / 50.0)
    y[1234], y[8765] = 5.0, -5.0
    idx = reduce_line(x, y, 100)
    assert len(idx) <= 400 and {0, 1234, 8765, 9999} <= set(idx.tolist())
    idx = reduce_line(x, y, 100, x_limits=(1000.0, 2000.0))   # cut to the shown x range first
    assert x[idx].min() >= 999 and x[idx].max() <= 2001 and 1234 in idx


BAD_LAYOUTS = [
    "rows=kldv,cross_entropy",
    "rows=kldiv,cross_entropy&width=1",
    "cols=kldiv;enc_attn_entropy&width=1,0&height=1,2,x",
    "rows=kldiv,,cross_entropy&scopes=run(",
]


@pytest.mark.parametrize("query", BAD_LAYOUTS)
def test_a_bad_layout_gives_the_urls_error(demo_log: str, tmp_path: Path, query: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = query_args({k: [v[-1]] for k, v in parse_qs(query).items()})
    with pytest.raises(LayoutError) as url_error:      # what the viewer says for this URL
        parse_layout(args, load_schema(demo_schema_path()).names)
    out = tmp_path / "bad.png"
    flags = [a for k, v in args.items() for a in (f"--{k}", v)]
    assert plot(demo_schema_path(), demo_log, "-o", str(out), *flags) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("streamvis: error: invalid layout: ")
    for problem in url_error.value.problems:
        assert problem in err
    assert "figures in" in err and "kldiv, cross_entropy, enc_attn_entropy" in err
    assert not out.exists()


def test_wording_of_a_misspelt_figure(demo_log: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert plot(demo_schema_path(), demo_log, "-o", str(tmp_path / "a.png"),
                "--rows", "kldv") == 1
    assert "unknown figure 'kldv' (did you mean 'kldiv'?)" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["-o", "page.jpeg", "--rows", "kldiv"], "cannot tell the format of -o 'page.jpeg'"),
    (["-o", "page.png", "--rows", "kldiv", "--logy", "cross_entropy"],
     "--logy names figure 'cross_entropy'"),
    (["-o", "page.png", "--rows", "kldiv", "--where", "lr<<1"],
     "invalid --where: where= condition 'lr<<1' is not KEY OP VALUE"),
])
def test_bad_options_are_one_clear_line(demo_log: str, tmp_path: Path, args: list[str],
                                        message: str, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert plot(demo_schema_path(), demo_log, *args) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("flag, value", [("--size", "12x"), ("--size", "0x10"),
                                         ("--dpi", "-1"), ("--smoothing", "1")])
def test_bad_numbers_are_usage_errors(demo_log: str, flag: str, value: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        plot(demo_schema_path(), demo_log, "-o", "x.png", "--rows", "kldiv", flag, value)
    assert exit_.value.code == 2 and repr(value) in capsys.readouterr().err


def test_missing_matplotlib_names_the_extra(demo_log: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # `import matplotlib` now fails
    assert plot(demo_schema_path(), demo_log, "-o", str(tmp_path / "a.pdf"),
                "--rows", "kldiv") == 1
    assert "pip install 'streamvis-cli[plot]'" in capsys.readouterr().err


def test_colours_and_labels_are_the_viewers(demo_log: str) -> None:
    from streamvis.server.figures import FigureView

    schema = load_schema(demo_schema_path())
    layout = parse_layout({"rows": DEMO_ROWS}, schema.names)
    panels = collect_panels(schema, layout, read_log(demo_log), frozenset({"kldiv"}))
    by_name = {p.spec.name: p for p in panels}
    attn = by_name["enc_attn_entropy"]
    viewer = FigureView(attn.spec)
    assert [(line.label, line.color) for line in attn.lines] == [
        (f"{s}/{i}", viewer.color_of((s, "enc_attn_entropy", i)))
        for s in ("run1", "run2") for i in range(3)]
    assert attn.lines[0].color == attn.lines[3].color != attn.lines[1].color   # Viridis6[i]
    assert by_name["kldiv"].log_y and not by_name["cross_entropy"].log_y
    scoped = collect_panels(schema, parse_layout({"rows": "kldiv", "scopes": "run2"},
                                                 schema.names), read_log(demo_log))
    assert [line.key for line in scoped[0].lines] == [("run2", "kldiv", 0)]


def test_legends_sit_outside_every_axes(demo_log: str) -> None:
    schema = load_schema(demo_schema_path())
    layout = parse_layout({"cols": "kldiv;enc_attn_entropy,cross_entropy", "width": "1,3"},
                          schema.names)
    panels = collect_panels(schema, layout, read_log(demo_log))
    fig, stats = build_figure(panels, layout, (900, 600), 100.0, smoothing=0.5)
    assert stats.lines == 10 and stats.drawn == 2 * stats.points   # raw + smoothed
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = fig.get_axes()
    assert len(axes) == 3
    for ax in axes:
        legend = ax.get_legend().get_window_extent(renderer)
        for other in axes:
            assert not legend.overlaps(other.get_window_extent(renderer)), ax.get_title()


def test_memory_path_is_read_through_the_storage_layer(tmp_path: Path) -> None:
    pytest.importorskip("fsspec")
    path = f"memory://streamvis-plot-{uuid.uuid4().hex}/log"
    write_demo_log(path, scopes=("remote",))
    out = tmp_path / "remote.svg"
    assert plot(demo_schema_path(), path, "-o", str(out), "--rows", "kldiv") == 0
    assert "remote/0" in out.read_text()


def test_an_output_folder_that_does_not_exist_is_named(demo_log: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "missing" / "page.png"
    assert plot(demo_schema_path(), demo_log, "-o", str(out), "--rows", "kldiv") == 1
    assert f"the folder {str(out.parent)!r} does not exist" in capsys.readouterr().err


def test_matplotlib_warnings_become_log_lines(demo_log: str, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "tiny.png"                  # far too small for three titled plots
    with caplog.at_level("WARNING", logger="streamvis.cli.plot_render"):
        assert plot(demo_schema_path(), demo_log, "-o", str(out), "--rows", DEMO_ROWS,
                    "--size", "90x60") == 0
    messages = [r.getMessage() for r in caplog.records if r.name == "streamvis.cli.plot_render"]
    assert messages and all(m.startswith("matplotlib: ") and "(page 90x60 px at 100 dpi)" in m
                            for m in messages)
    with Image.open(out) as image:
        assert image.size == (90, 60)


def test_x_axis_wall_and_relative_use_each_points_wall_time(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    log = str(tmp_path / "timed.log")
    write_demo_log(log)
    series = read_log(log)
    schema = load_schema(demo_schema_path())
    layout = parse_layout({"rows": "kldiv;enc_attn_entropy"}, schema.names)
    first = {scope: min(float(np.nanmin(s.wall_time)) for s in series if s.scope == scope)
             for scope in ("run1", "run2")}
    wall = collect_panels(schema, layout, series, x_axis="wall")
    rel = collect_panels(schema, layout, series, x_axis="relative")
    for w, r in zip(wall, rel):
        assert w.spec.figure_kwargs["x_axis_type"] == "datetime"
        assert r.spec.figure_kwargs["x_axis_label"] == "seconds since the run's first point"
        for wl, rl in zip(w.lines, r.lines):
            t = next(s.wall_time for s in series if s.key == wl.key)
            assert np.array_equal(wl.columns["x"], t * 1000.0)
            assert np.array_equal(rl.columns["x"], t - first[wl.key[0]])
    assert min(float(line.columns["x"].min()) for p in rel for line in p.lines) == 0.0
    for fmt in ("png", "svg", "html"):
        out = tmp_path / f"wall.{fmt}"
        assert plot(demo_schema_path(), log, "-o", str(out), "--rows", "kldiv",
                    "--x-axis", "wall") == 0
    assert "DatetimeAxis" in (tmp_path / "wall.html").read_text()
    assert "wall time (UTC)" in (tmp_path / "wall.svg").read_text()


def test_x_axis_falls_back_to_the_logged_x_without_wall_times(caplog: pytest.LogCaptureFixture
                                                              ) -> None:
    old = Series("old", "kldiv", 0, {"x": np.arange(5), "y": np.ones(5)})   # no wall times
    schema = load_schema(demo_schema_path())
    layout = parse_layout({"rows": "kldiv"}, schema.names)
    with caplog.at_level("WARNING", logger="streamvis.cli.plot_xaxis"):
        (panel,) = collect_panels(schema, layout, [old], x_axis="relative")
    assert panel.spec is schema.figures["kldiv"]
    assert np.array_equal(panel.lines[0].columns["x"], np.arange(5))
    assert "drawn against the logged x, not --x-axis relative" in caplog.text
    assert "old/kldiv/0" in caplog.text


def test_a_crowded_legend_lists_the_first_runs_and_counts_the_rest() -> None:
    runs = [Series(f"run{i:02d}", "kldiv", 0, {"x": np.arange(3), "y": np.ones(3) * i})
            for i in range(25)]
    schema = load_schema(demo_schema_path())
    layout = parse_layout({"rows": "kldiv"}, schema.names)
    fig, _ = build_figure(collect_panels(schema, layout, runs), layout, (800, 600), 100.0)
    labels = [t.get_text() for t in fig.get_axes()[0].get_legend().get_texts()]
    assert labels == [f"run{i:02d}/0" for i in range(19)] + ["+6 more"]


def test_where_keeps_the_runs_whose_config_matches(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "sweep")
    for scope, lr in (("fast", 0.1), ("slow", 0.0001), ("slower", 0.00001)):
        with DataLogger(scope).init(path, config={"lr": lr}) as logger:
            logger.write("kldiv", x=np.arange(5), y=np.ones(5))
    out = str(tmp_path / "page.png")
    assert plot(demo_schema_path(), path, "-o", out, "--rows", "kldiv") == 0
    assert "1 figure(s), 3 line(s), 15 points" in capsys.readouterr().err
    assert plot(demo_schema_path(), path, "-o", out, "--rows", "kldiv",
                "--where", "lr<0.001") == 0
    assert "1 figure(s), 2 line(s), 10 points" in capsys.readouterr().err
    assert plot(demo_schema_path(), path, "-o", out, "--rows", "kldiv",
                "--where", "lr>1") == 0
    assert "matched the page's figures and --where 'lr>1'" in capsys.readouterr().err
