"""Events from a SQL table or query (the `sql` extra)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sli_rules.io.intake import Intake, read_events
from sli_rules.io.tabular import BATCH, IDENTIFIER, record_of, safe_url, sql_engine
from sli_rules.load.catalogue import Catalogue, load_catalogue
from sli_rules.model.errors import EventError, Location, Problem
from sli_rules.model.extras import require

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.sql import Executable

__all__ = ["read_events_sql"]


def _sql_rows(
    engine: Engine, made: bool, source: Any, file: str, schema: str | None
) -> Iterator[dict[str, Any]]:
    sa = require("sqlalchemy", "read_events_sql()", "sql")
    try:
        with engine.connect() as conn:
            if isinstance(source, str) and IDENTIFIER.fullmatch(source):
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
    cat = catalogue or load_catalogue()
    engine, made = sql_engine(engine_or_url)
    if name is None:
        is_table = isinstance(source, str) and bool(IDENTIFIER.fullmatch(source))
        name = str(source) if is_table else "<query>"
    rows = _sql_rows(engine, made, source, name, schema)
    return read_events(
        (record_of(row, cat) for row in rows), lenient=lenient, catalogue=cat, name=name
    )
