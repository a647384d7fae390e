"""``streamvis plot`` benchmark: a long line to PNG and PDF, against plain matplotlib.

One run on one machine, median of ``--repeat``, each variant writing a ``--size`` PNG (then a
PDF) of a ``--points``-point line (int64 x, float32 y: a slow decay with noise and one spike):

- ``streamvis plot, whole``: ``read_log`` of the log, series selection, per-pixel-column
  first/last/min/max reduction, matplotlib draw and PNG encode (the in-process body of the
  command; matplotlib and Bokeh already imported);
- ``streamvis plot, render only``: the same from series already read;
- ``matplotlib, full line`` (the peer): ``Axes.plot`` of every point and ``savefig``, matplotlib's
  defaults (path simplification on), on a figure of the same size, dpi and layout engine; and
  the same with ``path.simplify`` off (every segment drawn: the exact picture's cost);
- once, not in the ratio: the ``streamvis plot`` command as a subprocess (interpreter start and
  imports included).

Every PNG is checked: its size, and whether the spike is drawn (a tall run of line-coloured
pixels in one column); every PDF starts with ``%PDF-``. File sizes are printed: for vector
output, what is drawn is what the reader's viewer has to redraw.
Usage: ``.venv/bin/python bench/bench_plot.py [--points 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, environment, median_of, print_table, timed  # noqa: E402

from streamvis.cli.plot_data import collect_panels  # noqa: E402
from streamvis.cli.plot_render import PUBLICATION_RC, build_figure, render_static  # noqa: E402
from streamvis.logger import DataLogger, read_log  # noqa: E402
from streamvis.server import load_schema, parse_layout  # noqa: E402

COLOR = "#ff0000"
SCHEMA = f"""loss:
  scope_pattern: .*
  group_pattern: loss
  glyph_kind: line
  glyph_kwargs: {{line_color: '{COLOR}'}}
  columns: [x, y]
  figure_kwargs: {{title: loss, x_axis_label: step, y_axis_label: loss}}
"""


def make_points(points: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.arange(points, dtype=np.int64)
    y = (1.0 / (1.0 + 1e-5 * x) + rng.normal(0, 0.01, points)).astype(np.float32)
    y[points // 2 + 777] = 3.0                              # one point in the whole line
    return x, y


def spike_drawn(path: str, height: int) -> bool:
    """True when some pixel column holds a run of red pixels over a third of the image."""
    from PIL import Image

    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    for column in red.T:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], column.astype(int), [0]))))
        if len(edges) and (edges[1::2] - edges[::2]).max() > height // 3:
            return True
    return False


def check_png(path: str, size: tuple[int, int]) -> None:
    from PIL import Image

    with Image.open(path) as image:
        check(image.size == size, f"{path} is {image.size}, expected {size}")


def peer_plot(x: np.ndarray, y: np.ndarray, out: str, fmt: str, size: tuple[int, int],
              dpi: float) -> None:
    """Plain matplotlib: every point to ``Axes.plot``, same figure size, dpi, layout."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, y, color=COLOR, linewidth=72.0 / dpi, label="run/0")
    ax.set_title("loss", loc="left")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.savefig(out, format=fmt, dpi=dpi)


def measure(fmt: str, tmp: str, schema, layout, log: str, series, x: np.ndarray,
            y: np.ndarray, size: tuple[int, int], args: argparse.Namespace) -> list[list[str]]:
    """Rows of the table for one output format: streamvis whole, render only, the peer."""
    out_sv, out_peer = os.path.join(tmp, f"sv.{fmt}"), os.path.join(tmp, f"peer.{fmt}")

    def whole() -> int:
        panels = collect_panels(schema, layout, read_log(log))
        return render_static(panels, layout, out_sv, fmt, size, args.dpi).drawn

    def render_only() -> int:
        panels = collect_panels(schema, layout, series)
        return render_static(panels, layout, out_sv, fmt, size, args.dpi).drawn

    def peer() -> None:
        peer_plot(x, y, out_peer, fmt, size, args.dpi)

    def exact() -> None:
        import matplotlib

        with matplotlib.rc_context({"path.simplify": False}):
            peer_plot(x, y, out_peer + ".exact", fmt, size, args.dpi)

    whole(), peer()                                         # warm-up: fonts, caches
    samples: dict[str, list[float]] = {"whole": [], "render": [], "peer": [], "exact": []}
    drawn = 0
    for _ in range(args.repeat):                            # interleaved: same machine load
        t, drawn = timed(whole)
        samples["whole"].append(t)
        samples["render"].append(timed(render_only)[0])
        samples["peer"].append(timed(peer)[0])
        samples["exact"].append(timed(exact)[0])
    spike = {"sv": "-", "peer": "-"}
    if fmt == "png":
        for path in (out_sv, out_peer):
            check_png(path, size)
        spike = {k: "yes" if spike_drawn(p, size[1]) else "NO"
                 for k, p in (("sv", out_sv), ("peer", out_peer))}
        check(spike["sv"] == "yes", "streamvis plot's PNG lost the spike")
        check(drawn <= 16 * size[0], f"{drawn} points drawn for a {size[0]}-pixel-wide page")
    else:
        for path in (out_sv, out_peer):
            with open(path, "rb") as f:
                check(f.read(5) == b"%PDF-", f"{path} is not a PDF")
    peer_s = median_of(samples["peer"])
    whole_s, render_s = median_of(samples["whole"]), median_of(samples["render"])
    return [
        [f"{fmt}: streamvis plot, whole (read + reduce + draw + save)", f"{whole_s:.3f}",
         f"{whole_s / peer_s:.3f}", f"{drawn:,}", f"{os.path.getsize(out_sv):,}", spike["sv"]],
        [f"{fmt}: streamvis plot, render only", f"{render_s:.3f}", f"{render_s / peer_s:.3f}",
         f"{drawn:,}", f"{os.path.getsize(out_sv):,}", spike["sv"]],
        [f"{fmt}: matplotlib Axes.plot, full line (peer)", f"{peer_s:.3f}", "1.000",
         f"{args.points:,}", f"{os.path.getsize(out_peer):,}", spike["peer"]],
        [f"{fmt}: matplotlib, full line, path.simplify off", f"{median_of(samples['exact']):.3f}",
         f"{median_of(samples['exact']) / peer_s:.3f}", f"{args.points:,}",
         f"{os.path.getsize(out_peer + '.exact'):,}", "-"],
    ]


def png_pixels(panels, layout, size: tuple[int, int], dpi: float, buckets_per_pixel: int,
               simplify: bool) -> np.ndarray:
    import io

    import matplotlib
    from PIL import Image

    with matplotlib.rc_context({**PUBLICATION_RC, "path.simplify": simplify}):
        fig, _ = build_figure(panels, layout, size, dpi, 0.0, buckets_per_pixel)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    return np.asarray(Image.open(buffer).convert("RGB")).astype(int)


def fidelity(panels, layout, size: tuple[int, int], dpi: float) -> list[list[str]]:
    """Pixels that differ from the full-resolution picture (every point, no simplification)."""
    full = png_pixels(panels, layout, size, dpi, 10**9, simplify=False)
    rows = []
    for name, bpp, simplify in (("streamvis plot (reduced, 4 buckets per pixel column)", 4,
                                 False),
                                ("every point, matplotlib path simplification on", 10**9,
                                 True),
                                ("reduced, 1 bucket per pixel column (not used)", 1, False)):
        diff = np.abs(png_pixels(panels, layout, size, dpi, bpp, simplify) - full).max(axis=2)
        rows.append([name, f"{int((diff > 0).sum()):,}", f"{int((diff > 32).sum()):,}",
                     f"{int(diff.max())}"])
    check(int((np.abs(png_pixels(panels, layout, size, dpi, 4, False) - full).max(axis=2) > 64)
              .sum()) < 0.001 * size[0] * size[1], "the reduced picture is not the full one")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", default="1200x800")
    parser.add_argument("--dpi", type=float, default=100.0)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(environment(["matplotlib", "bokeh", "tsdownsample"]))
    with tempfile.TemporaryDirectory() as tmp:
        log, schema_path = os.path.join(tmp, "bench.log"), os.path.join(tmp, "schema.yaml")
        with open(schema_path, "w") as f:
            f.write(SCHEMA)
        x, y = make_points(args.points)
        with DataLogger(scope="run").init(path=log, buffer_max_elem=args.points) as logger:
            logger.write("loss", x=x, y=y)
        schema = load_schema(schema_path)
        layout = parse_layout({"rows": "loss"}, schema.names)
        series = read_log(log)
        check(len(series) == 1 and len(series[0]) == args.points, "log read back whole")
        table = []
        for fmt in ("png", "pdf"):
            table += measure(fmt, tmp, schema, layout, log, series, x, y, size, args)
        same = fidelity(collect_panels(schema, layout, series), layout, size, args.dpi)

        start = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "streamvis.cli", "plot", schema_path, log,
                              "-o", os.path.join(tmp, "cli.png"), "--rows", "loss",
                              "--size", args.size, "--dpi", str(args.dpi)],
                             capture_output=True, text=True)
        cli_s = time.perf_counter() - start
        check(cli.returncode == 0, f"streamvis plot failed: {cli.stderr}")

    print(f"\n{args.points:,}-point line to a {args.size} page at {args.dpi:g} dpi, "
          f"median of {args.repeat}, variants interleaved\n")
    print_table(["variant", "seconds", "vs peer", "points drawn", "file bytes", "spike drawn"],
                table)
    print(f"\nPNG pixels (of {size[0] * size[1]:,}) that differ from the full-resolution "
          "picture (every point drawn, path simplification off), same styling:\n")
    print_table(["picture", "pixels differing", "by > 32 of 255", "largest difference"],
                same)
    print(f"\n`streamvis plot ... -o cli.png` as a command (one run, interpreter start and "
          f"imports included): {cli_s:.2f} s")
    print("all self-checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
