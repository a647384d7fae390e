"""``streamvis plot SCHEMA PATH -o OUT --rows SPEC``: a page of figures to PNG, SVG, PDF or HTML.

The page is described exactly as in the viewer's URL (``--rows``/``--cols``, ``--width``,
``--height``, ``--scopes`` are the URL's parameters, checked by the same parser with the same
messages). PNG, SVG and PDF are drawn with matplotlib (``pip install 'streamvis-cli[plot]'``);
``.html`` is a standalone interactive Bokeh page that needs no server.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from streamvis.cli.errors import CliError

if TYPE_CHECKING:
    from streamvis.server.layout import Layout
    from streamvis.server.schema import Schema

__all__ = ["FORMATS", "figure_list", "output_format", "pixel_size", "register", "run",
           "smoothing_alpha"]

FORMATS = ("png", "svg", "pdf", "html")
DEFAULT_SIZE = (1200, 800)
DEFAULT_DPI = 100.0
_LAYOUT_FLAGS = ("rows", "cols", "width", "height", "scopes")


def pixel_size(text: str) -> tuple[int, int]:
    """argparse type: ``WIDTHxHEIGHT`` in pixels, e.g. ``1200x800``."""
    parts = text.lower().split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels such as 1200x800, got {text!r}") from None
    if not (0 < width <= 20000 and 0 < height <= 20000):
        raise argparse.ArgumentTypeError(
            f"expected a width and height of 1 to 20000 pixels, got {text!r}")
    return width, height


def positive_dpi(text: str) -> float:
    """argparse type: dots per inch, a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected dots per inch > 0, got {text!r}") from None
    if not 0 < value <= 2400:
        raise argparse.ArgumentTypeError(f"expected dots per inch in (0, 2400], got {text!r}")
    return value


def smoothing_alpha(text: str) -> float:
    """argparse type: the viewer's EMA smoothing, a number in [0, 1) (0 = off)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a number in [0, 1) (0 = off, 0.9 = strong), got {text!r}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot", help="render a page of figures to PNG, SVG, PDF or standalone HTML",
        description="Draw the figures of SCHEMA, laid out as in the viewer's URL, from the "
                    "log at PATH into OUT. The format follows OUT's extension: .png, .svg, "
                    ".pdf (matplotlib: pip install 'streamvis-cli[plot]') or .html (an "
                    "interactive Bokeh page that needs no server). Long lines keep the first, "
                    "last, min and max point of four x-buckets per pixel column, so no spike "
                    "is lost.")
    parser.add_argument("schema", metavar="SCHEMA", help="the YAML schema file")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    parser.add_argument("-o", "--output", metavar="OUT", required=True,
                        help="the file to write: .png, .svg, .pdf or .html")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--rows", metavar="SPEC",
                       help="figures by row, as the URL's rows=: 'A,B;C' (',' within a row, "
                            "';' between rows)")
    which.add_argument("--cols", metavar="SPEC",
                       help="figures by column, as the URL's cols=: 'A,B;C'")
    parser.add_argument("--width", metavar="LIST",
                        help="relative widths, as the URL's width= (rows: one per plot; "
                             "cols: one per column)")
    parser.add_argument("--height", metavar="LIST",
                        help="relative heights, as the URL's height= (rows: one per row; "
                             "cols: one per plot)")
    parser.add_argument("--scopes", metavar="REGEX",
                        help="only runs whose scope fully matches REGEX, as the URL's scopes=")
    parser.add_argument("--where", metavar="EXPR",
                        help="only runs whose config satisfies EXPR, as the URL's where= "
                             "(e.g. 'lr<0.001,model=tiny'; operators = != < <= > >=)")
    parser.add_argument("--smoothing", metavar="A", type=smoothing_alpha, default=0.0,
                        help="EMA smoothing as the viewer's control: a number in [0, 1); the "
                             "raw lines are drawn faint under the smoothed ones (default 0)")
    parser.add_argument("--logy", metavar="FIG,...", type=figure_list, default=[],
                        help="figures drawn with a log y axis (comma-separated names)")
    parser.add_argument("--x-axis", choices=("step", "wall", "relative"), default="step",
                        help="x of every figure: the logged x (default), the wall-clock time "
                             "of each point (UTC), or seconds since the run's first point; a "
                             "figure whose log has no wall times keeps the logged x (a "
                             "warning says so)")
    parser.add_argument("--size", metavar="WxH", type=pixel_size, default=None,
                        help="page size in pixels (default 1200x800; SVG/PDF: W/dpi x H/dpi "
                             "inches; HTML: fills the window unless given)")
    parser.add_argument("--dpi", metavar="N", type=positive_dpi, default=DEFAULT_DPI,
                        help=f"dots per inch (default {DEFAULT_DPI:g}): the PNG is WxH pixels "
                             "whatever the dpi; fonts and lines are sized in points")
    parser.set_defaults(func=run)


def figure_list(text: str) -> list[str]:
    """argparse type: comma-separated figure names (checked against the layout later)."""
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated figure names, got {text!r}")
    return names


def output_format(path: str) -> str:
    """The output format named by ``path``'s extension; ``CliError`` if it names none."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext == "htm":
        ext = "html"
    if ext not in FORMATS:
        raise CliError(f"cannot tell the format of -o {path!r} from its extension "
                       f"{('.' + ext) if ext else '(none)'}; expected one of "
                       + ", ".join("." + f for f in FORMATS))
    return ext


def _layout(args: argparse.Namespace, schema: Schema) -> Layout:
    from streamvis.server.layout import LayoutError, parse_layout

    query = {k: getattr(args, k) for k in _LAYOUT_FLAGS if getattr(args, k) is not None}
    try:
        return parse_layout(query, schema.names)
    except LayoutError as err:
        raise CliError(f"invalid layout: {'; '.join(err.problems)}; figures in "
                       f"{args.schema}: {', '.join(schema.names)}") from None


def _where(text: str | None):
    """The ``--where`` filter, or a ``CliError`` naming the bad condition."""
    if text is None:
        return None
    from streamvis.server.where import WhereError, parse_where

    try:
        return parse_where(text)
    except WhereError as err:
        raise CliError(f"invalid --where: {err}") from None


def _check_logy(names: list[str], shown: list[str]) -> frozenset[str]:
    for name in names:
        if name not in shown:
            hint = difflib.get_close_matches(name, shown, n=1)
            mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise CliError(f"--logy names figure {name!r}{mean}, which is not on the page; "
                           f"expected some of {', '.join(shown)}")
    return frozenset(names)


def _write(out: str, data_writer: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in OUT's folder, renamed over OUT when complete."""
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise CliError(f"cannot write -o {out!r}: the folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".streamvis-plot-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            data_writer(f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def run(args: argparse.Namespace) -> int:
    fmt = output_format(args.output)
    if fmt != "html":
        from streamvis.cli.plot_render import import_matplotlib

        import_matplotlib()          # say what to install before reading a large log
    from streamvis.cli.plot_data import collect_panels
    from streamvis.logger import read_log
    from streamvis.server.schema import load_schema

    schema = load_schema(args.schema)
    layout = _layout(args, schema)
    logy = _check_logy(args.logy, layout.figures)
    where = _where(args.where)
    series = read_log(args.path)
    if where is not None:
        from streamvis.logger import read_configs

        configs = read_configs(args.path)
        series = [s for s in series if where.matches(configs.get(s.scope))]
    panels = collect_panels(schema, layout, series, logy, args.x_axis)
    lines = sum(len(p.lines) for p in panels)
    points = sum(p.points for p in panels)
    if fmt == "html":
        from streamvis.cli.plot_html import render_html

        title = "streamvis: " + ", ".join(layout.figures)
        text, drawn = render_html(panels, layout, title, args.size, args.smoothing)
        _write(args.output, lambda f: f.write(text.encode("utf-8")))
        size = "fills the window" if args.size is None else "%dx%d px" % args.size
    else:
        from streamvis.cli.plot_render import render_static

        size_px = args.size or DEFAULT_SIZE
        stats = []
        _write(args.output, lambda f: stats.append(render_static(
            panels, layout, f, fmt, size_px, args.dpi, args.smoothing)))
        drawn = stats[0].drawn
        size = "%dx%d px at %g dpi" % (*size_px, args.dpi)
    print(f"wrote {args.output} ({fmt}, {size}): {len(panels)} figure(s), {lines} line(s), "
          f"{points:,} points ({drawn:,} drawn)", file=sys.stderr)
    if lines == 0:
        print(f"streamvis: warning: no series of {args.path!r} matched the page's figures"
              + (f" and --scopes {args.scopes!r}" if args.scopes else "")
              + (f" and --where {args.where!r}" if args.where else ""), file=sys.stderr)
    return 0
