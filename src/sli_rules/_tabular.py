"""Tabular input and output: pandas DataFrames, Parquet files and SQL tables.

Each of these needs an optional extra (`pandas`, `parquet`, `sql`), imported only when
used. Events read from a table go through the same validation as JSON Lines: a row
becomes a record, empty cells (None, NaN, NaT) are absent attributes, date cells become
ISO dates, and numbers, true/false and JSON text are fitted to the types the event
catalogue gives each attribute (a nullable integer column that pandas stored as floats,
SQLite's 0/1 booleans, a list kept as JSON text in a database).

Findings written to SQL replace earlier findings for the same `as_of` and agreement, in
one transaction, so a nightly job that is re-run does not duplicate its rows.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO

from sli_rules._catalogue import AttributeSpec, Catalogue, load_catalogue
from sli_rules._errors import EventError, Location, Problem
from sli_rules._model import FINDING_FIELDS

if TYPE_CHECKING:
    from sqlalchemy import Engine, Table
    from sqlalchemy.sql import Executable

    from sli_rules._intake import Intake
    from sli_rules._report import Report

__all__ = [
    "FINDING_COLUMNS",
    "MissingExtraError",
    "read_events_sql",
    "tabular_records",
    "write_findings",
    "write_parquet",
]

FINDING_COLUMNS = ("as_of", *FINDING_FIELDS)
"""The columns of a findings table or Parquet file: the report's date, then every field."""

LIST_FIELDS = ("triggered_by", "fulfilled_by", "interpretations")
DATE_FIELDS = ("opens", "due", "remedied_on")
BATCH = 10_000  # rows converted at a time, so a large table is not copied whole
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$")


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, feature: str, extra: str) -> ModuleType:
    """Import `module`, or raise MissingExtraError naming the extra that provides it."""
    try:
        return import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{feature} needs {module.split('.', maxsplit=1)[0]}: install it with "
            f"pip install 'sli-rules[{extra}]'."
        ) from None


# ------------------------------------------------------------------ events in


class _Missing:
    """Marks an empty cell, which is left out of the record."""


_MISSING = _Missing()


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return type(value).__name__ in ("NaTType", "NAType")


def _plain(value: Any) -> Any:
    """A cell as plain JSON-like Python: dates as ISO text, arrays as lists, no NaN."""
    if _is_missing(value):
        return _MISSING
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, _dt.datetime):  # pandas Timestamps too
        if value.tzinfo is None and value.time() == _dt.time(0):
            return value.date().isoformat()
        return value  # refused by validation: events carry dates, not times
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        out = {}
        for k, cell in value.items():
            v = _plain(cell)
            if v is not _MISSING:
                out[str(k)] = v
        return out
    if isinstance(value, (list, tuple)):
        return [None if (v := _plain(x)) is _MISSING else v for x in value]
    module = type(value).__module__
    if module == "numpy" or module.startswith("numpy."):
        if type(value).__name__ == "ndarray":
            return _plain(value.tolist())
        if type(value).__name__ == "datetime64":
            value = value.astype("datetime64[us]")
        return _plain(value.item())
    return value


def _fit(spec: AttributeSpec, value: Any) -> Any:
    """Adjust a cell to the catalogue's type where the table could not store it as such."""
    t = spec.type
    if t in ("list", "object") and isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return value  # validation says what was expected
    if t == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if t == "boolean" and type(value) is int and value in (0, 1):
        return bool(value)
    if t == "list" and spec.items is not None and isinstance(value, list):
        return [_fit(spec.items, v) for v in value]
    if t == "object" and isinstance(value, dict):
        return {
            k: _fit(spec.attributes[k], v) if k in spec.attributes else v for k, v in value.items()
        }
    return value


def _record(row: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    record: dict[str, Any] = {}
    spread = row.get("attrs")
    if isinstance(spread, str) and spread.lstrip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            spread = json.loads(spread)
    if isinstance(spread, Mapping):  # attributes kept together in one object column
        row = {**spread, **{k: v for k, v in row.items() if k != "attrs"}}
    for key, cell in row.items():
        value = _plain(cell)
        if value is not _MISSING:
            record[str(key)] = value
    type_name = record.get("type")
    event_type = catalogue.types.get(type_name) if isinstance(type_name, str) else None
    if event_type is not None:
        for key, value in record.items():
            spec = event_type.attributes.get(key)
            if spec is not None:
                record[key] = _fit(spec, value)
    return record


def is_dataframe(source: Any) -> bool:
    """True for a pandas DataFrame (without importing pandas when it is not loaded)."""
    module = type(source).__module__
    return type(source).__name__ == "DataFrame" and module.split(".")[0] == "pandas"


def dataframe_records(frame: Any, catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One record per row of a DataFrame, in row order."""
    if "id" not in frame.columns and frame.index.name == "id":
        frame = frame.reset_index()
    for start in range(0, len(frame), BATCH):
        for row in frame.iloc[start : start + BATCH].to_dict("records"):
            yield _record(row, catalogue)


def parquet_records(path: Path, file: str, catalogue: Catalogue) -> Iterator[dict[str, Any]]:
    """One record per row of a Parquet file, read a batch at a time."""
    pq = require("pyarrow.parquet", "reading Parquet events", "parquet")
    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own error types, and OSError
        raise EventError(
            [Problem(Location(file, 0), f"not a readable Parquet file: {exc}")]
        ) from None
    with handle:
        for batch in handle.iter_batches(batch_size=BATCH):
            for row in batch.to_pylist():
                yield _record(row, catalogue)


def tabular_records(
    source: Any, name: str | None, catalogue: Catalogue | None = None
) -> Iterator[tuple[Location, Any]] | None:
    """Records from a DataFrame or a .parquet path, or None for any other source."""
    if is_dataframe(source):
        file = name or "<dataframe>"
        return _numbered(dataframe_records(source, catalogue or load_catalogue()), file)
    if isinstance(source, (str, os.PathLike)) and Path(source).suffix.lower() == ".parquet":
        path = Path(source)
        file = name or str(source)
        if not path.exists():
            raise EventError([Problem(Location(file, 0), "no such file")])
        return _numbered(parquet_records(path, file, catalogue or load_catalogue()), file)
    return None


def _numbered(records: Iterable[Any], file: str) -> Iterator[tuple[Location, Any]]:
    """Each record with its place: the file (or table) and the 1-based row number."""
    for n, record in enumerate(records, start=1):
        yield Location(file, n), record


# ------------------------------------------------------------------ SQL


def _engine(target: Any) -> tuple[Engine, bool]:
    """An engine for `target` (an Engine, a URL, or a SQLite file path) and whether we made it."""
    sa = require("sqlalchemy", "SQL input and output", "sql")
    if isinstance(target, sa.Engine):
        return target, False
    if isinstance(target, (str, os.PathLike)):
        text = os.fspath(target)
        if "://" not in text:  # a plain path: the embedded default, SQLite
            text = f"sqlite:///{text}"
        target = sa.make_url(text)
    if isinstance(target, sa.URL):
        if target.drivername in ("postgresql", "postgres"):
            # A bare postgresql:// means psycopg2 to SQLAlchemy; the `sql` extra installs
            # psycopg (version 3), so use that driver unless psycopg2 is what is there.
            try:
                import_module("psycopg2")
            except ImportError:
                target = target.set(drivername="postgresql+psycopg")
        return sa.create_engine(target), True
    raise TypeError(
        f"expected a SQLAlchemy Engine, a database URL or a SQLite file path, got {target!r}"
    )


def safe_url(engine: Engine) -> str:
    """The engine's URL with any password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def findings_table(name: str = "findings", schema: str | None = None) -> Table:
    """The SQLAlchemy definition of a findings table (lists are kept as JSON text)."""
    sa = require("sqlalchemy", "SQL output", "sql")
    types: dict[str, Any] = {
        "as_of": sa.Date,
        "opens": sa.Date,
        "due": sa.Date,
        "remedied_on": sa.Date,
        "step": sa.Integer,
    }
    metadata = sa.MetaData()
    columns = [
        sa.Column(c, types.get(c, sa.Text), nullable=c not in ("as_of", "kind", "agreement"))
        for c in FINDING_COLUMNS
    ]
    index_name = f"ix_{name}_as_of_agreement"
    if len(index_name) > 60:  # cut to fit every database, kept apart by a digest of the name
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
        index_name = f"ix_{name[:30]}_{digest}_as_of_agreement"  # 60 characters
    index = sa.Index(index_name, "as_of", "agreement")
    table: Table = sa.Table(name, metadata, *columns, index, schema=schema)
    return table


def finding_rows(report: Report, json_lists: bool = True) -> list[dict[str, Any]]:
    """The report's findings as rows of FINDING_COLUMNS, with dates as date objects."""
    rows = []
    for f in report.findings:
        row: dict[str, Any] = {"as_of": report.as_of}
        for name in FINDING_FIELDS:
            value = getattr(f, name)
            if name in LIST_FIELDS:
                value = json.dumps(list(value)) if json_lists else list(value)
            row[name] = value
        rows.append(row)
    return rows


def write_findings(
    report: Report,
    engine_or_url: Any,
    table: str = "findings",
    *,
    schema: str | None = None,
) -> int:
    """Write a report's findings to a SQL table, creating it if needed; return the rows written.

    `engine_or_url` is a SQLAlchemy Engine, a database URL (`postgresql+psycopg://...`,
    `sqlite:///findings.db`) or the path of a SQLite file. The table has a column per
    finding field plus `as_of`; `triggered_by`, `fulfilled_by` and `interpretations` hold
    JSON text. Rows already there for the report's `as_of` and any of its agreements are
    deleted first, in the same transaction as the insert, so writing the same report twice
    leaves one copy (and a rerun that finds less removes what it no longer finds).
    """
    sa = require("sqlalchemy", "write_findings()", "sql")
    engine, made = _engine(engine_or_url)
    t = findings_table(table, schema)
    agreements = sorted({*report.rulesets, *(f.agreement for f in report.findings)})
    rows = finding_rows(report)
    try:
        with engine.begin() as conn:
            inspector = sa.inspect(conn)
            if inspector.has_table(table, schema=schema):
                have = {c["name"] for c in inspector.get_columns(table, schema=schema)}
                missing = [c for c in FINDING_COLUMNS if c not in have]
                if missing:
                    raise ValueError(
                        f"table {table!r} in {safe_url(engine)} exists but lacks the columns "
                        f"{', '.join(missing)}: it was not made for findings; "
                        "choose another table name"
                    )
            else:
                t.create(conn, checkfirst=True)
            if conn.dialect.name == "postgresql":
                # Two writers at once must not both delete, then both insert: queue them.
                # This mode lets readers through and conflicts with itself and all writes.
                name = conn.dialect.identifier_preparer.format_table(t)
                conn.execute(sa.text(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE"))
            if agreements:
                conn.execute(
                    t.delete().where(t.c.as_of == report.as_of, t.c.agreement.in_(agreements))
                )
            if rows:
                conn.execute(t.insert(), rows)
    finally:
        if made:
            engine.dispose()
    return len(rows)


def _sql_rows(
    engine: Engine, made: bool, source: Any, file: str, schema: str | None
) -> Iterator[dict[str, Any]]:
    sa = require("sqlalchemy", "read_events_sql()", "sql")
    try:
        with engine.connect() as conn:
            if isinstance(source, str) and _IDENTIFIER.fullmatch(source):
                table_schema, _, table_name = source.rpartition(".")
                table_schema = table_schema or schema or ""
                try:
                    t = sa.Table(
                        table_name, sa.MetaData(), autoload_with=conn, schema=table_schema or None
                    )
                except sa.exc.NoSuchTableError:
                    raise EventError(
                        [Problem(Location(file, 0), f"no such table in {safe_url(engine)}")]
                    ) from None
                statement: Executable = sa.select(t)
            elif isinstance(source, str):
                # Not run as SQL: a table name that came from a user must not become a
                # statement. SQL text is given as sqlalchemy.text("...") instead.
                raise EventError(
                    [
                        Problem(
                            Location(file, 0),
                            f"{source[:60]!r} is not a table name (name or schema.name); "
                            'to read with a query, pass sqlalchemy.text("SELECT ...") '
                            "or a select()",
                        )
                    ]
                )
            else:
                statement = source
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(statement)
            for row in result.mappings():
                yield dict(row)
    finally:
        if made:
            engine.dispose()


def read_events_sql(
    engine_or_url: Any,
    source: Any = "events",
    *,
    lenient: bool = False,
    catalogue: Catalogue | None = None,
    schema: str | None = None,
    name: str | None = None,
) -> Intake:
    """Read and validate events from a SQL table or query.

    `source` is a table name (optionally `schema.table`), or a query as SQLAlchemy
    `text("SELECT ...")` or `select()`; a plain string is never run as SQL. Each row is an
    event: columns `id`, `type`, `date`, `council` and the type's attributes (NULL means
    absent); a column named `attrs` holding a JSON object is spread into the attributes,
    for tables that keep them together. Problems are reported as `TABLE:ROW` (or
    `<query>:ROW`), counting rows in the order the database returned them.
    """
    from sli_rules._intake import read_events

    cat = catalogue or load_catalogue()
    engine, made = _engine(engine_or_url)
    if name is None:
        is_table = isinstance(source, str) and bool(_IDENTIFIER.fullmatch(source))
        name = str(source) if is_table else "<query>"
    rows = _sql_rows(engine, made, source, name, schema)
    return read_events(
        (_record(row, cat) for row in rows), lenient=lenient, catalogue=cat, name=name
    )


# ------------------------------------------------------------------ Parquet out


def write_parquet(report: Report, path: str | os.PathLike[str]) -> None:
    """Write the findings to a Parquet file: FINDING_COLUMNS, dates as dates, lists as lists."""
    pa = require("pyarrow", "to_parquet()", "parquet")
    pq = require("pyarrow.parquet", "to_parquet()", "parquet")
    types = {name: pa.string() for name in FINDING_COLUMNS}
    types.update({name: pa.date32() for name in ("as_of", *DATE_FIELDS)})
    types.update({name: pa.list_(pa.string()) for name in LIST_FIELDS})
    types["step"] = pa.int64()
    schema = pa.schema([pa.field(name, types[name]) for name in FINDING_COLUMNS])
    rows = finding_rows(report, json_lists=False)
    columns = {name: [row[name] for row in rows] for name in FINDING_COLUMNS}
    table = pa.Table.from_pydict(columns, schema=schema)
    pq.write_table(table, os.fspath(path))


# ------------------------------------------------------------------ the CLI's evaluate


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
    from sli_rules._plot import PLOT_FORMATS

    if args.format == "parquet" and not args.output:
        return "--format parquet writes a binary file: give it --output FILE"
    if args.table is not None and not args.to_sql:
        return "--table names the table for --to-sql: give --to-sql URL too"
    if args.plot is not None:
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        if suffix not in PLOT_FORMATS:
            kinds = ", ".join("." + s for s in PLOT_FORMATS)
            return f"--plot {args.plot}: the file name must end with {kinds}"
    return None


def write_evaluate_outputs(args: argparse.Namespace, report: Report, stderr: TextIO) -> bool:
    """Write the Parquet, SQL and plot outputs asked for; False (with a message) on failure."""
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
            engine, made = _engine(args.to_sql)
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
        from sli_rules._plot import plot_timeline

        try:
            plot_timeline(report, args.plot, events=args.events)
        except OSError as exc:
            stderr.write(f"cannot write {args.plot}: {exc.strerror or exc}\n")
            ok = False
    return ok
