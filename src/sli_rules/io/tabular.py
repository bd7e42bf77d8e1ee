"""Events from tables: pandas DataFrames, Parquet files and SQL connections.

Each of these needs an optional extra (`pandas`, `parquet`, `sql`), imported only when
used. Events read from a table go through the same validation as JSON Lines: a row
becomes a record, empty cells (None, NaN, NaT) are absent attributes, date cells become
ISO dates, and numbers, true/false and JSON text are fitted to the types the event
catalogue gives each attribute (a nullable integer column that pandas stored as floats,
a boolean column with gaps that pandas stored as 1.0/0.0, SQLite's 0/1 booleans, a list
kept as JSON text in a database).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sli_rules.load.catalogue import AttributeSpec, Catalogue, load_catalogue
from sli_rules.model.errors import EventError, Location, Problem
from sli_rules.model.extras import require

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["record_of", "safe_url", "sql_engine", "tabular_records"]

BATCH = 10_000  # rows converted at a time, so a large table is not copied whole
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?$")


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
    if t == "boolean" and type(value) in (int, float) and value in (0, 1):
        # SQLite's 0/1, and pandas' 1.0/0.0 for a boolean column with gaps
        return bool(value)
    if t == "list" and spec.items is not None and isinstance(value, list):
        return [_fit(spec.items, v) for v in value]
    if t == "object" and isinstance(value, dict):
        return {
            k: _fit(spec.attributes[k], v) if k in spec.attributes else v for k, v in value.items()
        }
    return value


def record_of(row: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Any]:
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
            yield record_of(row, catalogue)


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
        batches = handle.iter_batches(batch_size=BATCH)
        done = 0  # rows read so far
        while True:
            try:  # a damaged page shows only when its batch is read
                batch = next(batches, None)
                rows = [] if batch is None else batch.to_pylist()
            except Exception as exc:  # pyarrow's own error types, and OSError
                raise EventError(
                    [
                        Problem(
                            Location(file, done + 1),
                            f"a damaged Parquet file: row {done + 1:,} and those after it "
                            f"cannot be read ({exc}); the file is refused as a whole",
                        )
                    ]
                ) from None
            if batch is None:
                return
            for row in rows:
                yield record_of(row, catalogue)
            done += len(rows)


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


def sql_engine(target: Any) -> tuple[Engine, bool]:
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
