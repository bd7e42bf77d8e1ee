"""Reading events: JSON Lines, CSV and Python mappings, validated against the catalogue.

Strict mode (the default) raises `EventError` naming every bad record's file, line and
field. Lenient mode keeps the good records and returns every rejected one with its
reason, so that accepted + duplicates + rejected always equals the number of records read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import gzip
import io
import json
import math
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import attrs

from sli_rules.io.tabular import tabular_records
from sli_rules.io.validators import SLOW, compiled, fast_decode
from sli_rules.load.catalogue import (
    PARTY_FORMS,
    PARTY_RE,
    PROVENANCE,
    Catalogue,
    check_object,
    load_catalogue,
)
from sli_rules.load.registry import code_problem, lifetime_problem
from sli_rules.model.dates import DateError, DaySpan, parse_date, parse_event_date
from sli_rules.model.errors import EventError, Location, Problem, did_you_mean
from sli_rules.model.values import Event

__all__ = ["Intake", "Rejected", "iter_records", "read_events"]

COMMON = ("id", "type", "date", "council")

# The types whose `review` attribute gives the id of the review they record (the review's
# own record, not a later event about it): one review per host and id.
REVIEW_CLAIMS = ("peer_challenge.held",)


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

    def refusal(self, max_rejected: int | None = None) -> str | None:
        """Why a lenient run should stop rather than go on quietly (None when it may go
        on): it read records and accepted none, or it rejected more than `max_rejected`."""
        if self.read and not self.events:
            return f"none of the {self.read} records read was accepted"
        if max_rejected is not None and len(self.rejected) > max_rejected:
            return f"{len(self.rejected)} records rejected, more than --max-rejected {max_rejected}"
        return None


# ------------------------------------------------------------------ readers


MAX_DEPTH = 32
"""Lists and objects nest at most this deep in one event (a team's conflicts are 3 deep)."""
MAX_DIGITS = 100
"""A number in an event is written with at most this many characters."""
MAX_CELL = 131_072
"""A CSV cell holds at most this many characters (the csv module's own limit)."""

# Numbers in CSV cells: plain ASCII digits only (int() and float() also take full-width
# digits, 'nan' and 'inf'); the exponent is short, so that a float cannot be huge.
_CSV_INTEGER = re.compile(rf"-?[0-9]{{1,{MAX_DIGITS}}}")
_CSV_NUMBER = re.compile(
    rf"-?[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_DIGITS}}})?(?:[eE][-+]?[0-9]{{1,2}})?"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class _RefusedError(ValueError):
    """A JSON value that JSON allows (or Python's json does) but an event may not hold."""


def _json_constant(name: str) -> Any:
    raise _RefusedError(
        f"{name} is not a number: JSON has no NaN or Infinity; write a finite number"
    )


def _json_int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _RefusedError(f"a number written with {len(text)} digits (at most {MAX_DIGITS})")
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_DIGITS:
        raise _RefusedError(f"a number written with {len(text)} characters (at most {MAX_DIGITS})")
    value = float(text)
    if not math.isfinite(value):
        raise _RefusedError(f"the number {text} is too large to hold")
    return value


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _RefusedError(f"the key {key!r} is given twice in one object; give it once")
        out[key] = value
    return out


_DECODER = json.JSONDecoder(
    object_pairs_hook=_json_object,
    parse_int=_json_int,
    parse_float=_json_float,
    parse_constant=_json_constant,
)


def _loads(text: str) -> Any:
    """JSON text as a value, or _Broken saying what is wrong with it (never raises)."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return _Broken(f"broken JSON at column {exc.colno}: {exc.msg}")
    except _RefusedError as exc:
        return _Broken(str(exc))
    except RecursionError:
        return _Broken(f"lists or objects nested too deeply (at most {MAX_DEPTH} levels)")


def _undecodable(raw: bytes, exc: UnicodeDecodeError) -> str:
    column = len(raw[: exc.start].decode("utf-8", "replace")) + 1
    return f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column}; save the file as UTF-8"


def _jsonl_records(
    handle: Iterable[bytes], file: str, typed: Typed | None = None
) -> Iterator[Item]:
    """(where, record) for each line that is not blank. With `typed` (a catalogue's
    `CompiledCatalogue.line`), a line it makes an event of comes as a `_Read` instead."""
    # Read as bytes: a record ends at a line feed only (a stray carriage return or form
    # feed does not split it), and a line that is not UTF-8 is reported, not fatal.
    for n, read in enumerate(handle, start=1):
        if typed is not None and (event := typed(read, f"{file}:{n}")) is not None:
            yield _Read(event, file, n)
            continue
        item = _jsonl_record(read, n, file)
        if item is not None:
            yield item


def _jsonl_record(read: bytes, n: int, file: str) -> tuple[Location, Any] | None:
    """Line `n` of a JSON Lines file as (where, value or _Broken); None when blank."""
    loc = Location(file, n)
    raw = read[len(codecs.BOM_UTF8) :] if n == 1 and read.startswith(codecs.BOM_UTF8) else read
    raw = raw[:-1] if raw.endswith(b"\n") else raw
    raw = raw[:-1] if raw.endswith(b"\r") else raw
    value = fast_decode(raw)
    if value is not SLOW:
        return loc, value
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return loc, _Broken(_undecodable(raw, exc))
    if not line.strip(" \t"):
        return None
    return loc, _loads(line)


Typed = Callable[[bytes, str], Event | None]
"""A line (bytes) and where it was read, to the event it certainly is, or None."""


class _Read:
    """A line that `CompiledCatalogue.line` made an event of: nothing left to check.

    It comes without a `Location`, which is made only if one is needed: intake keeps
    nothing per line but the event (fewer objects for the garbage collector to visit)."""

    __slots__ = ("event", "file", "line")

    def __init__(self, event: Event, file: str, line: int) -> None:
        self.event = event
        self.file = file
        self.line = line


Item = tuple[Location, Any] | _Read
"""A record read and where it was read from, or a line already made an event."""


@attrs.frozen
class _Broken:
    reason: str


def _gzip_records(path: Path, file: str, typed: Typed | None = None) -> Iterator[Item]:
    """Records from a gzipped file, JSON Lines or (for .csv.gz) CSV; lines are numbered
    in the uncompressed text."""
    if not path.exists():
        raise EventError([Problem(Location(file, 0), "no such file")])
    try:
        if path.name.lower().endswith(".csv.gz"):
            # as for .csv: undecodable bytes become lone surrogates, which are reported
            with gzip.open(
                path, "rt", encoding="utf-8-sig", errors="surrogateescape", newline=""
            ) as fh:
                yield from _csv_records(fh, file)
        else:
            with gzip.open(path, "rb") as bfh:
                yield from _jsonl_records(bfh, file, typed)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise EventError([Problem(Location(file, 0), f"not a readable gzip file: {exc}")]) from None


class _Lines:
    """The lines of a text file for csv.reader, numbered, with those of the record being
    read kept so that they can be read again after a broken record."""

    def __init__(self, handle: Iterable[str]) -> None:
        self._handle = iter(handle)
        self._again: list[str] = []
        self.taken: list[str] = []
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else next(self._handle)
        self.taken.append(line)
        self.count += 1
        return line

    def start_record(self) -> int:
        """Forget the lines read so far; the number of the next line."""
        self.taken = []
        return self.count + 1

    def reread_after(self, start: int) -> None:
        """Read again every line after `start` that the broken record took."""
        self._again.extend(reversed(self.taken[1:]))
        self.taken = []
        self.count = start


def _csv_broken(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a cell longer than {MAX_CELL:,} characters (the limit for one cell)"
    if "unexpected end of data" in str(exc):
        return (
            "a quote opened in this record is never closed; the lines after it are "
            "read as records of their own"
        )
    return f"broken CSV quoting ({exc}); quote a cell that holds a comma or a quote"


_CSV_SPANS = (
    "a quote opened on this line is not closed on it, so the record would take in the "
    "lines after it; a record is one line (close the quote, or double a quote inside a "
    'quoted cell: "")'
)


def _csv_records(handle: Iterable[str], file: str) -> Iterator[tuple[Location, Any]]:
    lines = _Lines(handle)
    # strict: an unclosed quote is an error at the end of the file, not a record that
    # silently swallows every line after it
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    header_problem = None
    while True:
        start = lines.start_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Location(file, start), _Broken(_csv_broken(exc))
            lines.reread_after(start)
            continue
        if lines.count > start:  # a quote left open on its line took the lines after it
            yield Location(file, start), _Broken(_CSV_SPANS)
            lines.reread_after(start)
            continue
        loc = Location(file, start)
        if header is None:
            header = [h.strip(" ") for h in row]
            header_problem = _header_problem(header)
            continue
        if not any(cell.strip(" ") for cell in row):
            continue
        if header_problem:
            yield loc, _Broken(header_problem)
            continue
        if len(row) > len(header):
            yield loc, _Broken(f"{len(row)} cells but the header names {len(header)} columns")
            continue
        record: dict[str, Any] = {}
        broken = None
        for name, cell in zip(header, row, strict=False):
            if (bad := _SURROGATE.search(cell)) is not None:
                byte = ord(bad.group()) - 0xDC00  # what surrogateescape made of the byte
                broken = f"column {name!r}: not UTF-8 text (byte 0x{byte:02x}); save it as UTF-8"
                break
            text = cell.strip(" ")
            if text == "":
                continue
            if text[:1] in "[{":
                value = _loads(text)
                if isinstance(value, _Broken):
                    reason = value.reason.removeprefix("broken JSON ")
                    broken = f"column {name!r}: broken JSON in the cell {reason}"
                    break
                record[name] = value
            else:
                record[name] = _CsvText(text)
        yield loc, _Broken(broken) if broken else record


def _header_problem(header: list[str]) -> str | None:
    """Why no row under this header can be read, or None."""
    for i, name in enumerate(header):
        if _SURROGATE.search(name):
            return f"the header's column {i + 1} is not UTF-8 text; save the file as UTF-8"
        if name in header[:i]:
            first = header.index(name) + 1
            return (
                f"the header names the column {name!r} twice (columns {first} and {i + 1}); "
                "each column may be named once"
            )
    return None


class _CsvText(str):
    """A CSV cell: text that may stand for a number or true/false, per the catalogue."""

    __slots__ = ()


def iter_records(
    source: Any, name: str | None = None, catalogue: Catalogue | None = None
) -> Iterator[tuple[Location, Any]]:
    """Raw records from a path (.jsonl/.ndjson/.json lines, .csv or .parquet), a pandas
    DataFrame, or an iterable. `catalogue` fits table cells to the attributes' types."""
    # without `typed`, every item is a (where, record) pair
    return cast(Iterator[tuple[Location, Any]], _records(source, name, catalogue))


def _records(
    source: Any, name: str | None, catalogue: Catalogue | None, typed: Typed | None = None
) -> Iterator[Item]:
    """iter_records; with `typed`, JSON Lines that it makes events of come as `_Read`."""
    tabular = tabular_records(source, name, catalogue)
    if tabular is not None:
        yield from tabular
        return
    if hasattr(source, "read") and hasattr(source, "__iter__"):  # a text stream: stdin
        binary = getattr(source, "buffer", None)  # read as bytes, as a file is
        if binary is None:
            binary = io.BytesIO(source.read().encode("utf-8", "surrogateescape"))
        yield from _jsonl_records(binary, name or "<stream>", typed)
        return
    if isinstance(source, (str, os.PathLike)) and os.fspath(source).lower().endswith(".gz"):
        yield from _gzip_records(Path(source), name or os.fspath(source), typed)
        return
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        file = name or str(source)
        if not path.exists():
            raise EventError([Problem(Location(file, 0), "no such file")])
        if path.is_dir():  # a device such as /dev/null, or a named pipe, reads as a file
            raise EventError([Problem(Location(file, 0), "a directory, not a file of events")])
        if not os.access(path, os.R_OK):
            raise EventError([Problem(Location(file, 0), "cannot read the file (permission)")])
        if path.suffix.lower() == ".csv":
            # undecodable bytes become lone surrogates, which _csv_records reports
            with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
                yield from _csv_records(fh, file)
        else:
            with path.open("rb") as bfh:
                yield from _jsonl_records(bfh, file, typed)
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
        elif _CSV_INTEGER.fullmatch(text) and spec.type in ("integer", "number"):
            record[key] = int(text)
        elif _CSV_NUMBER.fullmatch(text) and spec.type == "number":
            record[key] = float(text)
        elif spec.type == "boolean":
            low = text.lower()
            record[key] = True if low == "true" else False if low == "false" else text
        else:
            record[key] = text


def _unfit(record: Mapping[Any, Any]) -> list[str]:
    """What makes a record's values unusable whatever its type: text that is not text (a
    lone surrogate), numbers that are not numbers (NaN, infinities, hundreds of digits),
    nesting deeper than MAX_DEPTH. Checked without recursion, so depth cannot crash it."""
    problems: list[str] = []
    stack: list[tuple[Any, str, int]] = [(record, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                problems.append(
                    f"field '{path}': {value!r} holds a lone surrogate, which is not text"
                )
        elif isinstance(value, float):
            if not math.isfinite(value):
                problems.append(f"field '{path}': {value!r} is not a number; write a finite one")
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > MAX_DIGITS * 3:  # about MAX_DIGITS decimal digits
                problems.append(f"field '{path}': a number of more than {MAX_DIGITS} digits")
        elif isinstance(value, (Mapping, list, tuple)):
            if depth >= MAX_DEPTH:
                problems.append(
                    f"field '{path}': lists or objects nested too deeply "
                    f"(at most {MAX_DEPTH} levels)"
                )
                continue
            items = value.items() if isinstance(value, Mapping) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _SURROGATE.search(key):
                    problems.append(f"field '{path}': a key {key!r} holds a lone surrogate")
                    continue
                sub = (
                    f"{path}[{key}]"
                    if isinstance(key, int)
                    else (f"{path}.{key}" if path else str(key))
                )
                stack.append((item, sub, depth + 1))
    problems.reverse()
    return problems


def validate_record(
    catalogue: Catalogue, record: Any, source: str = ""
) -> tuple[Event | None, list[str]]:
    """An Event, or the reasons the record is not one (each naming the field). `source`
    is where the record was read from, kept on the event (e.g. file:line).

    The checks compiled for the catalogue (io/validators.py) accept a valid record
    quickly; anything they are not sure of goes through the full checks, which word
    every problem."""
    return validator(catalogue)(record, source)


def validator(catalogue: Catalogue) -> Callable[[Any, str], tuple[Event | None, list[str]]]:
    """`validate_record` for one catalogue, its checks looked up once (for a loop)."""
    fast = compiled(catalogue).event

    def validate(record: Any, source: str = "") -> tuple[Event | None, list[str]]:
        if type(record) is dict and type(record.get("id")) is _CsvText:
            event = fast(_csv_coerced(catalogue, record), source)
        else:
            event = fast(record, source)
        if event is not None:
            return event, []
        event, reasons = _validate_fully(catalogue, record)
        if event is not None and source:
            event = attrs.evolve(event, source=source)
        return event, reasons

    return validate


def _csv_coerced(catalogue: Catalogue, record: dict[str, Any]) -> dict[str, Any]:
    """A CSV record with its cells fitted to the catalogue, as `_validate_fully` fits it."""
    rec = dict(record)
    type_name = rec.get("type")
    if isinstance(type_name, str):
        _coerce_csv(catalogue, str(type_name), rec)
    return {k: str(v) if isinstance(v, _CsvText) else v for k, v in rec.items()}


def _validate_fully(catalogue: Catalogue, record: Any) -> tuple[Event | None, list[str]]:
    """validate_record's full checks, which word every problem."""
    if isinstance(record, Event):
        record = record.to_dict()
    if isinstance(record, _Broken):
        return None, [record.reason]
    if not isinstance(record, Mapping):
        return None, [f"expected an object with id, type, date and council, got {record!r}"]
    unfit = _unfit(record)
    if unfit:
        return None, unfit
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
    span: DaySpan | None = None
    if rec.get("date") not in (None, ""):
        try:
            when = parse_event_date(rec["date"])
        except DateError as exc:
            problems.append(f"field 'date': {exc}")
        else:
            span = when if isinstance(when, DaySpan) else None
            day = when.latest if isinstance(when, DaySpan) else when
    council = rec.get("council")
    unknown = code_problem(council) if council not in (None, "") else None
    if unknown is not None:
        problems.append(f"field 'council': {unknown}")
    elif council not in (None, "") and (
        not isinstance(council, str) or not PARTY_RE.fullmatch(council)
    ):
        problems.append(f"field 'council': expected {PARTY_FORMS}, got {council!r}")
    elif isinstance(council, str) and day is not None:
        outside = lifetime_problem(council, day)
        if outside is not None:
            problems.append(f"field 'date': {outside}")
    et = catalogue.types.get(type_name) if isinstance(type_name, str) else None
    if type_name not in (None, "") and et is None:
        hint = did_you_mean(str(type_name), catalogue.types)
        problems.append(
            f"field 'type': unknown event type {type_name!r}{hint}: neither the event "
            "catalogue nor a ruleset evaluated declares it"
        )
    others = {k: v for k, v in rec.items() if k not in COMMON}
    if et is not None:
        # provenance (source, confidence) is common to every type
        provenance = {k: catalogue.common[k] for k in PROVENANCE if k in catalogue.common}
        for path, message in check_object({**provenance, **et.attributes}, others, "", day):
            problems.append(f"field '{path}': {message}")
    if et is not None and type_name == "record.coverage" and not problems:
        problems.extend(_coverage_problems(catalogue, others))
    first = others.get("start")
    if (
        span is not None
        and not problems
        and isinstance(first, str)
        and (parse_date(first) > span.latest)
    ):
        problems.append(
            f"field 'start': {first} is after the last day of the date "
            f"{span.text} ({span.latest}); the first on-site day comes first"
        )
    if problems or day is None or et is None:
        return None, problems
    attrs_ = {k: v for k, v in others.items() if v is not None}
    return Event(str(event_id), str(type_name), day, str(council), attrs_, span=span), []


def _coverage_problems(catalogue: Catalogue, attrs_: Mapping[str, Any]) -> list[str]:
    """What the catalogue alone cannot check in a record.coverage declaration."""
    out = []
    for i, name in enumerate(attrs_.get("types") or ()):
        if name != "*" and name not in catalogue.types:
            hint = did_you_mean(str(name), catalogue.types)
            out.append(f"field 'types[{i}]': unknown event type {name!r}{hint} (or \"*\" for all)")
    if not attrs_.get("types"):
        out.append("field 'types': empty; list the event types covered, or [\"*\"] for all")
    start, end = attrs_.get("from"), attrs_.get("to")
    if start is not None and end is not None and parse_date(end) < parse_date(start):
        out.append(f"field 'to': {end} is before 'from' {start}")
    return out


def _content(event: Event) -> str:
    """What an event says, less its id (and where it was read from)."""
    body = {"type": event.type, "date": event.date.isoformat(), "council": event.council}
    body["attrs"] = dict(event.attrs)  # type: ignore[assignment]
    return json.dumps(body, sort_keys=True, default=str)


def _same_reviews(by_id: dict[str, tuple[Event, Location]], rejected: list[Rejected]) -> int:
    """Events under different ids that claim the same review of the same host: recorded
    identically, they are one review (the smallest id is kept, whatever the input order);
    recorded differently, they conflict and every one of them is rejected, naming the
    others' lines. Returns how many were collapsed as duplicates."""
    claims: dict[tuple[str, str, str], list[tuple[Event, Location]]] = {}
    for event, loc in by_id.values():
        review = event.get("review")
        if event.type in REVIEW_CLAIMS and isinstance(review, str):
            claims.setdefault((event.type, event.council, review), []).append((event, loc))
    collapsed = 0
    for (type_, host, review), group in claims.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda item: item[0].id)
        if len({_content(e) for e, _ in group}) == 1:
            for e, _ in group[1:]:
                del by_id[e.id]
                collapsed += 1
            continue
        for e, loc in group:
            del by_id[e.id]
            others = ", ".join(f"{o.id} (line {oloc.line})" for o, oloc in group if o is not e)
            rejected.append(
                Rejected(
                    loc,
                    (
                        f"field 'review': {type_} {e.id} claims review {review!r} of {host}, "
                        f"which {others} also claims with different content; one review has "
                        "one record (give it one id, or correct the differing one)",
                    ),
                    None,
                )
            )
    return collapsed


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
    # Per accepted event, only the event and an int are kept: a `Location` (an object
    # the garbage collector visits) is made only when one is reported.
    by_id: dict[str, Event] = {}
    where: dict[str, Location | int] = {}  # an int: the line of a `_Read`, in `jsonl`
    jsonl = ""
    claims: list[str] = []  # ids of events claiming a review, in the order first read
    conflicted: dict[str, list[tuple[Event, Location]]] = {}
    rejected: list[Rejected] = []
    duplicates = 0
    validate = validator(cat)
    records = _records(source, name, cat, compiled(cat).line)

    def located(at: Location | int) -> Location:
        return at if isinstance(at, Location) else Location(jsonl, at)

    at: Location | int
    for n, item in enumerate(records, start=1):
        if progress is not None and n % 1000 == 0:
            progress(n)  # records read so far, for a progress line
        if isinstance(item, _Read):
            event: Event | None = item.event
            at, jsonl = item.line, item.file
        else:
            loc, record = item
            event, reasons = validate(record, str(loc))
            if event is None:
                rejected.append(Rejected(loc, tuple(reasons), record))
                continue
            at = loc
        assert event is not None
        event_id = event.id
        if conflicted and event_id in conflicted:
            conflicted[event_id].append((event, located(at)))
            continue
        seen = by_id.get(event_id)
        if seen is None:
            by_id[event_id] = event
            where[event_id] = at
            if event.type in REVIEW_CLAIMS:
                claims.append(event_id)
        elif seen == event:
            duplicates += 1
        else:
            del by_id[event_id]
            conflicted[event_id] = [(seen, located(where.pop(event_id))), (event, located(at))]
    # the claims of events still accepted, in the order of `by_id`
    claimed = {i: (by_id[i], located(where[i])) for i in claims if i in by_id}
    duplicates += _same_reviews(claimed, rejected)
    for event_id in claims:
        if event_id not in claimed:
            by_id.pop(event_id, None)
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
    return Intake(tuple(by_id.values()), tuple(rejected), duplicates)
