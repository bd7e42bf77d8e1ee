"""The evaluate command's options for tables and plots: Parquet, SQL and a timeline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from sli_rules.io.tabular import safe_url, sql_engine
from sli_rules.model.extras import require
from sli_rules.outputs.files import STDOUT, output_problem
from sli_rules.outputs.plot import PLOT_FORMATS, plot_timeline
from sli_rules.outputs.report import Report
from sli_rules.outputs.tables import write_findings, write_parquet

__all__ = ["add_evaluate_options", "check_evaluate_options", "write_evaluate_outputs"]


def add_evaluate_options(parser: argparse.ArgumentParser) -> None:
    """The evaluate options for Parquet, SQL and plots."""
    group = parser.add_argument_group("tables and plots (optional extras)")
    group.add_argument(
        "--to-sql",
        metavar="URL",
        help="also write the findings to a database table: a SQLAlchemy URL "
        "(postgresql+psycopg://..., sqlite:///file.db) or a SQLite file path; findings "
        "already there for the same as-of date and agreement are replaced (extra: sql)",
    )
    group.add_argument(
        "--table",
        metavar="NAME",
        help="the table for --to-sql (default: findings); created if missing",
    )
    group.add_argument(
        "--to-parquet",
        metavar="FILE",
        help="also write the findings to a Parquet file (extra: parquet); "
        "--format parquet --output FILE does the same",
    )
    group.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw a timeline of the findings, one row per party, to a .png, .svg or "
        ".pdf file (extra: plot)",
    )


def check_evaluate_options(args: argparse.Namespace) -> str | None:
    """What is wrong with the combination of options, before any work is done."""
    if args.format == "parquet" and (not args.output or args.output == STDOUT):
        return "--format parquet writes a binary file: give it --output FILE"
    for option, path in (
        ("--output", args.output),
        ("--to-parquet", args.to_parquet),
        ("--plot", args.plot),
    ):
        problem = output_problem(path, option) if path else None
        if problem:
            return problem
    if args.table is not None and not args.to_sql:
        return "--table names the table for --to-sql: give --to-sql URL too"
    if args.plot is not None:
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        if suffix not in PLOT_FORMATS:
            kinds = ", ".join("." + s for s in PLOT_FORMATS)
            return f"--plot {args.plot}: the file name must end with {kinds}"
    return None


def write_evaluate_outputs(
    args: argparse.Namespace, report: Report, stderr: TextIO, shown: Report | None = None
) -> bool:
    """Write the Parquet, SQL and plot outputs asked for; False (with a message) on failure.

    The tables get every finding of `report`; the plot draws `shown` (the findings the
    --party/--status/--kind/--rule filters keep), when given."""
    ok = True
    if args.to_parquet:
        try:
            write_parquet(report, args.to_parquet)
        except OSError as exc:
            stderr.write(f"cannot write {args.to_parquet}: {exc.strerror or exc}\n")
            ok = False
    if args.to_sql:
        sa = require("sqlalchemy", "--to-sql", "sql")
        table = args.table or "findings"
        try:
            engine, made = sql_engine(args.to_sql)
        except (sa.exc.ArgumentError, ValueError) as exc:
            stderr.write(f"--to-sql: not a database URL or SQLite path: {exc}\n")
            return False
        except ImportError as exc:
            stderr.write(f"--to-sql: the database driver is not installed ({exc})\n")
            return False
        try:
            n = write_findings(report, engine, table)
            stderr.write(f"wrote {n} findings to table {table!r} in {safe_url(engine)}\n")
        except (sa.exc.SQLAlchemyError, ValueError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            stderr.write(f"cannot write findings to {safe_url(engine)}: {detail}\n")
            ok = False
        finally:
            if made:
                engine.dispose()
    if args.plot:
        try:
            plot_timeline(shown or report, args.plot, events=args.events)
        except OSError as exc:
            stderr.write(f"cannot write {args.plot}: {exc.strerror or exc}\n")
            ok = False
    return ok
