"""Findings out to tables: SQL (the `sql` extra) and Parquet (the `parquet` extra).

Findings written to SQL replace earlier findings for the same `as_of` and agreement, in
one transaction, so a nightly job that is re-run does not duplicate its rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from sli_rules.io.tabular import safe_url, sql_engine
from sli_rules.model.extras import require
from sli_rules.model.findings_view import FindingsView
from sli_rules.model.values import FINDING_FIELDS

if TYPE_CHECKING:
    from sqlalchemy import Table


__all__ = ["FINDING_COLUMNS", "finding_rows", "findings_table", "write_findings", "write_parquet"]

FINDING_COLUMNS = ("as_of", *FINDING_FIELDS)
LIST_FIELDS = ("triggered_by", "fulfilled_by", "interpretations", "sources")
DATE_FIELDS = ("opens", "due", "remedied_on")
# columns added to findings after the first release: a table without them gets them
ADDED_COLUMNS = ("sources", "version")


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


def finding_rows(report: FindingsView, json_lists: bool = True) -> list[dict[str, Any]]:
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
    report: FindingsView,
    engine_or_url: Any,
    table: str = "findings",
    *,
    schema: str | None = None,
) -> int:
    """Write a report's findings to a SQL table, creating it if needed; return the rows written.

    `engine_or_url` is a SQLAlchemy Engine, a database URL (`postgresql+psycopg://...`,
    `sqlite:///findings.db`) or the path of a SQLite file. The table has a column per
    finding field plus `as_of`; `triggered_by`, `fulfilled_by`, `interpretations` and
    `sources` hold JSON text (a table written by an earlier release is given the columns
    added since). Rows already there for the report's `as_of` and any of its agreements
    are deleted first, in the same transaction as the insert, so writing the same report twice
    leaves one copy (and a rerun that finds less removes what it no longer finds).
    """
    sa = require("sqlalchemy", "write_findings()", "sql")
    engine, made = sql_engine(engine_or_url)
    t = findings_table(table, schema)
    agreements = sorted({*report.rulesets, *(f.agreement for f in report.findings)})
    rows = finding_rows(report)
    try:
        with engine.begin() as conn:
            inspector = sa.inspect(conn)
            if inspector.has_table(table, schema=schema):
                have = {c["name"] for c in inspector.get_columns(table, schema=schema)}
                missing = [c for c in FINDING_COLUMNS if c not in have]
                if missing and set(missing) <= set(ADDED_COLUMNS):
                    # a findings table written by an earlier release: give it the new columns
                    prep = conn.dialect.identifier_preparer
                    for c in missing:
                        kind = t.c[c].type.compile(dialect=conn.dialect)
                        conn.execute(
                            sa.text(
                                f"ALTER TABLE {prep.format_table(t)} "
                                f"ADD COLUMN {prep.format_column(t.c[c])} {kind}"
                            )
                        )
                    missing = []
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


# ------------------------------------------------------------------ Parquet out


def write_parquet(report: FindingsView, path: str | os.PathLike[str]) -> None:
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
