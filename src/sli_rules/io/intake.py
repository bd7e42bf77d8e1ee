"""Reading events: JSON Lines, CSV and Python mappings, validated against the catalogue.

Strict mode (the default) raises `EventError` naming every bad record's file, line and
field. Lenient mode keeps the good records and returns every rejected one with its
reason, so that accepted + duplicates + rejected always equals the number of records read.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from sli_rules.io.tabular import tabular_records
from sli_rules.load.catalogue import PARTY_FORMS, PARTY_RE, Catalogue, check_object, load_catalogue
from sli_rules.model.dates import DateError, parse_date
from sli_rules.model.errors import EventError, Location, Problem, did_you_mean
from sli_rules.model.values import Event

__all__ = ["Intake", "Rejected", "iter_records", "read_events"]

COMMON = ("id", "type", "date", "council")


@attrs.frozen
class Rejected:
    """An input record that was not evaluated, and why."""

    location: Location
    reasons: tuple[str, ...]
    record: Any = attrs.field(eq=False, repr=False)

    def __str__(self) -> str:
        return f"{self.location}: " + "; ".join(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"where": str(self.location), "reasons": list(self.reasons)}


@attrs.frozen
class Intake:
    """The outcome of reading an input: good events, rejected records, collapsed duplicates."""

    events: tuple[Event, ...]
    rejected: tuple[Rejected, ...] = ()
    duplicates: int = 0

    @property
    def read(self) -> int:
        return len(self.events) + self.duplicates + len(self.rejected)


# ------------------------------------------------------------------ readers


def _jsonl_records(text: Iterable[str], file: str) -> Iterator[tuple[Location, Any]]:
    for n, line in enumerate(text, start=1):
        if not line.strip():
            continue
        loc = Location(file, n)
        try:  # without the line break, so that a cut-off line's column is on the line
            yield loc, json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            yield loc, _Broken(f"broken JSON at column {exc.colno}: {exc.msg}")


@attrs.frozen
class _Broken:
    reason: str


def _gzip_records(path: Path, file: str) -> Iterator[tuple[Location, Any]]:
    """Records from a gzipped file, JSON Lines or (for .csv.gz) CSV; lines are numbered
    in the uncompressed text."""
    if not path.exists():
        raise EventError([Problem(Location(file, 0), "no such file")])
    is_csv = path.name.lower().endswith(".csv.gz")
    try:
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="" if is_csv else None) as fh:
            yield from _csv_records(fh, file) if is_csv else _jsonl_records(fh, file)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise EventError([Problem(Location(file, 0), f"not a readable gzip file: {exc}")]) from None


def _csv_records(handle: Iterable[str], file: str) -> Iterator[tuple[Location, Any]]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip() for h in header]
    for row in reader:
        loc = Location(file, reader.line_num)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield loc, _Broken(f"{len(row)} cells but the header names {len(header)} columns")
            continue
        record: dict[str, Any] = {}
        broken = None
        for name, cell in zip(header, row, strict=False):
            text = cell.strip()
            if text == "":
                continue
            if text[:1] in "[{":
                try:
                    record[name] = json.loads(text)
                except json.JSONDecodeError as exc:
                    broken = f"column {name!r}: broken JSON in the cell ({exc.msg})"
                    break
            else:
                record[name] = _CsvText(text)
        yield loc, _Broken(broken) if broken else record


class _CsvText(str):
    """A CSV cell: text that may stand for a number or true/false, per the catalogue."""

    __slots__ = ()


def iter_records(
    source: Any, name: str | None = None, catalogue: Catalogue | None = None
) -> Iterator[tuple[Location, Any]]:
    """Raw records from a path (.jsonl/.ndjson/.json lines, .csv or .parquet), a pandas
    DataFrame, or an iterable. `catalogue` fits table cells to the attributes' types."""
    tabular = tabular_records(source, name, catalogue)
    if tabular is not None:
        yield from tabular
        return
    if hasattr(source, "read") and hasattr(source, "__iter__"):  # a text stream: stdin
        yield from _jsonl_records(source, name or "<stream>")
        return
    if isinstance(source, (str, os.PathLike)) and os.fspath(source).lower().endswith(".gz"):
        yield from _gzip_records(Path(source), name or os.fspath(source))
        return
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        file = name or str(source)
        if not path.exists():
            raise EventError([Problem(Location(file, 0), "no such file")])
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as fh:
                yield from _csv_records(fh, file)
        else:
            with path.open(encoding="utf-8-sig") as fh:
                yield from _jsonl_records(fh, file)
        return
    file = name or "<events>"
    for n, record in enumerate(source, start=1):
        yield Location(file, n), record


# --------------------------------------------------------------- validation


def _coerce_csv(catalogue: Catalogue, type_name: str, record: dict[str, Any]) -> None:
    et = catalogue.types.get(type_name)
    if et is None:
        return
    for key, value in list(record.items()):
        if not isinstance(value, _CsvText):
            continue
        spec = et.attributes.get(key)
        text = str(value)
        if spec is None:
            record[key] = text
        elif spec.type == "integer":
            try:
                record[key] = int(text)
            except ValueError:
                record[key] = text
        elif spec.type == "number":
            try:
                record[key] = float(text) if "." in text else int(text)
            except ValueError:
                record[key] = text
        elif spec.type == "boolean":
            low = text.lower()
            record[key] = True if low == "true" else False if low == "false" else text
        else:
            record[key] = text


def validate_record(catalogue: Catalogue, record: Any) -> tuple[Event | None, list[str]]:
    """An Event, or the reasons the record is not one (each naming the field)."""
    if isinstance(record, Event):
        record = record.to_dict()
    if isinstance(record, _Broken):
        return None, [record.reason]
    if not isinstance(record, Mapping):
        return None, [f"expected an object with id, type, date and council, got {record!r}"]
    rec = {str(k): v for k, v in record.items()}
    problems: list[str] = []
    type_name = rec.get("type")
    if isinstance(type_name, str) and any(isinstance(v, _CsvText) for v in rec.values()):
        _coerce_csv(catalogue, str(type_name), rec)
        rec = {k: str(v) if isinstance(v, _CsvText) else v for k, v in rec.items()}
    for key in COMMON:
        if rec.get(key) in (None, ""):
            problems.append(
                f"field '{key}': missing (every event needs id, type, date and council)"
            )
    event_id = rec.get("id")
    if event_id is not None and not isinstance(event_id, str):
        problems.append(f"field 'id': expected text, got {event_id!r}")
    day: _dt.date | None = None
    if rec.get("date") not in (None, ""):
        try:
            day = parse_date(rec["date"])
        except DateError as exc:
            problems.append(f"field 'date': {exc}")
    council = rec.get("council")
    if council not in (None, "") and (not isinstance(council, str) or not PARTY_RE.match(council)):
        problems.append(f"field 'council': expected {PARTY_FORMS}, got {council!r}")
    et = catalogue.types.get(type_name) if isinstance(type_name, str) else None
    if type_name not in (None, "") and et is None:
        hint = did_you_mean(str(type_name), catalogue.types)
        problems.append(f"field 'type': unknown event type {type_name!r}{hint}")
    others = {k: v for k, v in rec.items() if k not in COMMON}
    if et is not None:
        for path, message in check_object(et.attributes, others, ""):
            problems.append(f"field '{path}': {message}")
    if problems or day is None or et is None:
        return None, problems
    attrs_ = {k: v for k, v in others.items() if v is not None}
    return Event(str(event_id), str(type_name), day, str(council), attrs_), []


def read_events(
    source: Any,
    *,
    lenient: bool = False,
    catalogue: Catalogue | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Intake:
    """Read and validate events from a path, an iterable of mappings or of Events.

    A path may name JSON Lines, CSV or (with the `parquet` extra) a Parquet file, and a
    `.jsonl.gz` or `.csv.gz` path a gzipped one; an open text stream (`sys.stdin`) is
    read as JSON Lines; a pandas DataFrame is read row by row, its empty cells being
    absent attributes.
    """
    cat = catalogue or load_catalogue()
    by_id: dict[str, tuple[Event, Location]] = {}
    conflicted: dict[str, list[tuple[Event, Location]]] = {}
    rejected: list[Rejected] = []
    duplicates = 0
    for n, (loc, record) in enumerate(iter_records(source, name, cat), start=1):
        if progress is not None and n % 1000 == 0:
            progress(n)  # records read so far, for a progress line
        event, reasons = validate_record(cat, record)
        if event is None:
            rejected.append(Rejected(loc, tuple(reasons), record))
            continue
        event = attrs.evolve(event, source=str(loc))
        if event.id in conflicted:
            conflicted[event.id].append((event, loc))
            continue
        seen = by_id.get(event.id)
        if seen is None:
            by_id[event.id] = (event, loc)
        elif seen[0] == event:
            duplicates += 1
        else:
            conflicted[event.id] = [by_id.pop(event.id), (event, loc)]
    for event_id, group in conflicted.items():
        lines = ", ".join(str(loc.line) for _, loc in group)
        for _event, loc in group:
            rejected.append(
                Rejected(
                    loc,
                    (
                        f"field 'id': {len(group)} different events share the id {event_id!r} "
                        f"(lines {lines}); ids must be unique",
                    ),
                    None,
                )
            )
    if rejected and not lenient:
        rejected.sort(key=lambda r: (r.location.file, r.location.line))
        raise EventError(Problem(r.location, "; ".join(r.reasons)) for r in rejected)
    events = tuple(e for e, _ in by_id.values())
    return Intake(events, tuple(rejected), duplicates)
