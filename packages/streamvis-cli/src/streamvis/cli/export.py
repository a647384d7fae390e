"""``streamvis export PATH``: every point, full resolution, long format (CSV or Parquet)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import IO, Any

import numpy as np

from streamvis.cli.errors import CliError
from streamvis.cli.logs import compile_pattern, read_contents, select
from streamvis.logger import Series
from streamvis.logger.runconfig import flatten_config, value_text

__all__ = ["field_names", "register", "run", "write_csv", "write_parquet"]

FORMATS = ("csv", "parquet")
PARQUET_HINT = "pip install 'streamvis-cli[parquet]'"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export points as CSV or Parquet",
        description="Write every point of the selected series at full resolution, one row per "
                    "point: scope, name, index, then the fields (x, y, ...). Fields a series "
                    "does not have are left empty.")
    parser.add_argument("path", metavar="PATH", help="the log (local path, gs://, s3://, ...)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="csv (default) or parquet (needs pyarrow); inferred from a "
                             "FILE ending in .parquet")
    parser.add_argument("--scope", metavar="REGEX", help="only scopes that fully match REGEX")
    parser.add_argument("--name", metavar="REGEX", help="only names that fully match REGEX")
    parser.add_argument("--with-config", action="store_true",
                        help="add the run's config to every row: a column config.KEY per key "
                             "(nested keys dotted, lists and other values as JSON)")
    parser.set_defaults(func=run)


def field_names(series: list[Series]) -> list[str]:
    """The union of the series' fields, in first-seen order."""
    names: list[str] = []
    for s in series:
        names += [f for f in s.columns if f not in names]
    return names


def _text(column: np.ndarray) -> list[str]:
    # numpy prints the shortest string that reads back to the same value (float32 included)
    if column.dtype.kind == "b":
        return ["1" if v else "0" for v in column]
    return column.astype(str).tolist()


def config_columns(series: list[Series], configs: dict[str, dict]) -> tuple[list[str],
                                                                           dict[str, list]]:
    """(column names ``config.KEY``, per scope the row of cells) for ``--with-config``."""
    flat = {s.scope: flatten_config(configs.get(s.scope, {})) for s in series}
    keys = list(dict.fromkeys(k for c in flat.values() for k in c))
    cells = {scope: [value_text(c[k]) if k in c else "" for k in keys]
             for scope, c in flat.items()}
    return [f"config.{k}" for k in keys], cells


def write_csv(series: list[Series], out: IO[str],
              configs: dict[str, dict] | None = None) -> int:
    """Long-format CSV of ``series`` to ``out`` (with ``configs``: config columns after the
    fields); returns the number of rows."""
    fields = field_names(series)
    extra, cells = config_columns(series, configs) if configs is not None else ([], {})
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["scope", "name", "index", *fields, *extra])
    rows = 0
    for s in series:
        n = len(s)
        texts = [_text(s.columns[f]) if f in s.columns else [""] * n for f in fields]
        key = [s.scope, s.name, str(s.index)]
        config = cells.get(s.scope, [])
        writer.writerows([*key, *values, *config] for values in zip(*texts))
        rows += n
    return rows


def _import_pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise CliError(f"--format parquet needs pyarrow, which is not installed ({err}); "
                       f"install it with: {PARQUET_HINT}") from err
    return pa, pq


def write_parquet(series: list[Series], out: IO[bytes],
                  configs: dict[str, dict] | None = None) -> int:
    """Long-format Parquet of ``series`` to ``out`` (field dtypes kept; with ``configs``,
    string columns ``config.KEY``); returns rows."""
    pa, pq = _import_pyarrow()
    fields = field_names(series)
    columns: dict[str, object] = {
        "scope": pa.array([s.scope for s in series for _ in range(len(s))], pa.string()),
        "name": pa.array([s.name for s in series for _ in range(len(s))], pa.string()),
        "index": pa.array(np.concatenate([np.full(len(s), s.index, np.int64) for s in series])
                          if series else np.zeros(0, np.int64)),
    }
    for f in fields:
        present = [s.columns[f] for s in series if f in s.columns]
        dtype = np.result_type(*present)
        chunks = [pa.array(s.columns[f].astype(dtype, copy=False)) if f in s.columns
                  else pa.nulls(len(s), pa.from_numpy_dtype(dtype)) for s in series]
        columns[f] = pa.chunked_array(chunks, pa.from_numpy_dtype(dtype))
    if configs is not None:
        names, cells = config_columns(series, configs)
        for i, column in enumerate(names):
            columns[column] = pa.array([cells[s.scope][i] or None for s in series
                                        for _ in range(len(s))], pa.string())
    table = pa.table(columns)
    pq.write_table(table, out)
    return table.num_rows


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    return "parquet" if args.output and args.output.endswith(".parquet") else "csv"


def run(args: argparse.Namespace) -> int:
    fmt = _format(args)
    if fmt == "parquet":
        _import_pyarrow()  # fail before reading a large log
        if args.output is None and sys.stdout.isatty():
            raise CliError("refusing to write Parquet (binary) to a terminal; "
                           "pass -o FILE or redirect standard output")
    scope = compile_pattern("--scope", args.scope)
    name = compile_pattern("--name", args.name)
    log = read_contents(args.path)
    configs = log.configs if args.with_config else None
    chosen = sorted(select(log.series, scope, name), key=lambda s: s.key)
    if fmt == "csv":
        if args.output is None:
            rows = write_csv(chosen, sys.stdout, configs)
        else:
            with _open_output(args.output, "w") as f:
                rows = write_csv(chosen, f, configs)
    else:
        buffer = io.BytesIO()  # Parquet needs a seekable sink; stdout may be a pipe
        rows = write_parquet(chosen, buffer, configs)
        if args.output is None:
            sys.stdout.buffer.write(buffer.getvalue())
            sys.stdout.flush()
        else:
            with _open_output(args.output, "wb") as f:
                f.write(buffer.getvalue())
    if args.output is not None:
        print(f"wrote {rows} rows of {len(chosen)} series to {args.output} ({fmt})",
              file=sys.stderr)
    return 0


def _open_output(path: str, mode: str) -> IO[Any]:
    """``path`` opened for writing, or a ``CliError`` naming it (a missing directory, no
    permission: the user's input, not a bug)."""
    try:
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, newline="", encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot write -o {path!r}: {err.strerror or err}") from None
