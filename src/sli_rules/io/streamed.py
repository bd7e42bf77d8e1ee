"""Reading a JSON Lines file for evaluation in bounded memory: index first, events later.

`read_events` returns every event of a file at once, so that duplicate and conflicting
ids can be found across the whole input; on a national stream that is about 1.2 KB per
event. This stage gives the same outcome without holding the events:

1. **Index.** The file is read once, each record validated exactly as `read_events`
   validates it. What is kept of an accepted event is its byte offset, length and line
   number, filed under its date key, and its id (until the pass ends). A repeated id is
   settled on the spot: the first line with that id is read again and the two events
   compared, so identical copies collapse and different events sharing an id are
   rejected with every line that holds it, as `read_events` does. Rejected records are
   kept, as there.
2. **Days.** `StreamedEvents.days()` then reads the accepted events back by offset, one
   date at a time in date order (within a date, by id: the order the engine applies
   them), whatever the order of the lines on disk.

Memory is then a few tens of bytes per event during evaluation, plus the ids during the
first pass, plus the rejected records. Standard input and gzip files, which cannot be
read twice, are copied (decompressed) to a temporary file first. CSV, Parquet, data
frames and iterables go through `read_events` unchanged.

When the caller passes a `sink` (the engine, ready to apply events), the first pass also
hands it each date's events as soon as the date is complete, as long as the file has been
in date order and no id has conflicted so far. A file in date order without conflicts
(the usual case) is then evaluated in that one pass; otherwise the sink is abandoned
and the events are read back as above.

The order is decided by `order_key` alone: when event dates become imprecise, that is
the one function to adapt.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import io
import operator
import os
import shutil
import tempfile
import weakref
import zlib
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import attrs

from sli_rules.io.intake import (
    REVIEW_CLAIMS,
    Intake,
    Rejected,
    _jsonl_record,
    _same_reviews,
    read_events,
    validate_record,
    validator,
)
from sli_rules.io.validators import compiled
from sli_rules.load.catalogue import Catalogue, load_catalogue
from sli_rules.model.errors import EventError, Location, Problem
from sli_rules.model.values import Event

__all__ = ["StreamedEvents", "StreamedIntake", "order_key", "read_events_streamed"]


def order_key(event: Event) -> Any:
    """The key events are grouped and ordered by for evaluation: the engine applies the
    events of one key together, keys in ascending order (today: the event's date)."""
    return event.date


class StreamedEvents:
    """The accepted events of an indexed file, read back from it on demand.

    `len()` is the number of events; iterating yields them in evaluation order, reading
    the file again each time. `days()` yields them one date key at a time.
    """

    def __init__(
        self,
        path: Path,
        file: str,
        catalogue: Catalogue,
        offsets: array[int],
        lines: array[int],
        buckets: dict[Any, array[int]],
        dropped: set[int],
        lengths: array[int],
    ) -> None:
        self._path = path
        self._file = file
        self._catalogue = catalogue
        self._offsets = offsets
        self._lines = lines
        self._lengths = lengths  # of each line, in bytes, its line feed included
        self._buckets = buckets
        self._dropped = dropped

    def __len__(self) -> int:
        return len(self._offsets) - len(self._dropped)

    def __iter__(self) -> Iterator[Event]:
        for _key, events in self.days():
            yield from events

    def days(self) -> Iterator[tuple[Any, list[Event]]]:
        """(key, events) for each order key, ascending; events sorted by id.

        Each line is read by its offset and length, without a buffer: a buffered read
        after a seek reads a whole buffer (8 KiB) for one line, which on a file out of
        date order is most of the system's time."""
        offsets, lines, lengths = self._offsets, self._lines, self._lengths
        with self._path.open("rb", buffering=0) as fh:
            for key in sorted(self._buckets):
                events = [
                    read_event_at(fh, self._file, self._catalogue, offsets[i], lines[i], lengths[i])
                    for i in self._buckets[key]
                    if i not in self._dropped
                ]
                if events:
                    events.sort(key=lambda e: e.id)
                    yield key, events


def read_event_at(
    fh: IO[bytes], file: str, catalogue: Catalogue, offset: int, line: int, length: int = -1
) -> Event:
    """The event on the line starting at `offset` (`length` bytes long, its line feed
    included, if known), validated again as in the first pass."""
    fh.seek(offset)
    raw = fh.readline() if length < 0 else fh.read(length)
    source = f"{file}:{line}"  # as str(Location(file, line)), without making one
    event = compiled(catalogue).line(raw, source)
    if event is not None:
        return event
    item = _jsonl_record(raw, line, file)
    if item is not None:
        event, _reasons = validate_record(catalogue, item[1], source)
        if event is not None:
            return event
    raise EventError(
        [Problem(Location(file, line), "the file changed while it was being evaluated")]
    )


class Sink(Protocol):
    """Takes the events of one order key at a time, keys ascending, events by id."""

    def take(self, events: list[Event]) -> None: ...


_STAND_IN = Event("-", "-", _dt.date.min, "-")
_BY_ID = operator.attrgetter("id")
_NO_KEY = object()


@attrs.frozen
class StreamedIntake:
    """What `read_events` returns, with the events left in the file until evaluated."""

    events: StreamedEvents
    rejected: tuple[Rejected, ...] = ()
    duplicates: int = 0
    sink: Sink | None = attrs.field(default=None, eq=False, repr=False)
    """The sink given to the first pass, if it took every event (in order); else None."""

    @property
    def read(self) -> int:
        return len(self.events) + self.duplicates + len(self.rejected)

    def refusal(self, max_rejected: int | None = None) -> str | None:
        """As `Intake.refusal` (whose wording it uses)."""
        if len(self.events):
            # the same rules, with a stand-in event: only the count of rejections matters
            return Intake((_STAND_IN,), self.rejected).refusal(max_rejected)
        return Intake((), self.rejected, self.duplicates).refusal(max_rejected)


def _spool(chunks: IO[bytes] | gzip.GzipFile) -> Path:
    """A temporary file holding what `chunks` reads (the caller removes it)."""
    fd, name = tempfile.mkstemp(prefix="sli-rules-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(chunks, out, 1 << 20)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _spooled_gzip(path: Path, file: str) -> Path:
    try:
        with gzip.open(path, "rb") as bfh:
            return _spool(bfh)
    except (OSError, EOFError, zlib.error) as exc:  # as read_events reports it
        raise EventError([Problem(Location(file, 0), f"not a readable gzip file: {exc}")]) from None


def read_events_streamed(
    source: Any,
    *,
    lenient: bool = False,
    catalogue: Catalogue | None = None,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
    sink: Sink | None = None,
) -> Intake | StreamedIntake:
    """`read_events`, with a JSON Lines file (plain or gzipped) or a text stream indexed
    rather than held in memory; any other source is read by `read_events`.

    `sink`, if given, is handed the events during the first pass while that is possible
    (see the module's docstring); `StreamedIntake.sink` says whether it took them all."""
    cat = catalogue or load_catalogue()
    spool: Path | None = None
    path: Path | None = None
    if hasattr(source, "read") and hasattr(source, "__iter__"):  # a text stream: stdin
        file = name or "<stream>"
        binary = getattr(source, "buffer", None)  # read as bytes, as a file is
        if binary is None:
            binary = io.BytesIO(source.read().encode("utf-8", "surrogateescape"))
        spool = _spool(binary)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        file = name or os.fspath(source)
        low = path.name.lower()
        if (
            low.endswith((".csv", ".csv.gz", ".parquet"))
            or not path.is_file()
            or not os.access(path, os.R_OK)
        ):
            path = None  # read_events reads it, or says why it cannot
        elif low.endswith(".gz"):
            spool, path = _spooled_gzip(path, file), None
    if spool is not None:
        path = spool
    if path is None:
        return read_events(source, lenient=lenient, catalogue=cat, name=name, progress=progress)
    try:
        with path.open("rb") as fh, path.open("rb") as again:
            intake = _index(fh, again, path, file, cat, lenient, progress, sink)
    except BaseException:
        if spool is not None:
            spool.unlink(missing_ok=True)
        raise
    if spool is not None:  # removed once the events are no longer needed
        weakref.finalize(intake.events, spool.unlink, missing_ok=True)
    return intake


def _index(
    fh: IO[bytes],
    again: IO[bytes],
    path: Path,
    file: str,
    cat: Catalogue,
    lenient: bool,
    progress: Callable[[int], None] | None,
    sink: Sink | None,
) -> StreamedIntake:
    offsets: array[int] = array("q")
    lines: array[int] = array("q")
    lengths: array[int] = array("q")
    buckets: dict[Any, array[int]] = {}
    dropped: set[int] = set()
    by_id: dict[str, int] = {}
    conflicted: dict[str, list[Location]] = {}
    claims: dict[tuple[str, str, str], list[int]] = {}  # review claims, as read_events
    rejected: list[Rejected] = []
    duplicates = 0
    # the events of the latest order key, for the sink (None once the sink is abandoned)
    pending: list[Event] | None = [] if sink is not None else None
    pending_key: Any = None
    validate = validator(cat)
    typed = compiled(cat).line
    bucket_key: Any = _NO_KEY  # the key of `bucket`, the last bucket appended to
    bucket: array[int] = array("q")
    at = fh.tell()  # where the next line starts
    number = 0  # of the line
    n = 0  # records read (lines not blank), for `progress`
    for read in fh:  # split at line feeds only, as readline() does
        start = at
        at += len(read)
        number += 1
        # the usual line: an event straight from the typed decoding; any other line
        # takes intake's usual steps, which decide and word its problems
        event = typed(read, f"{file}:{number}")
        item = None if event is not None else _jsonl_record(read, number, file)
        if event is None and item is None:
            continue  # a blank line
        n += 1
        if progress is not None and n % 1000 == 0:
            progress(n)
        if item is not None:
            loc, record = item
            event, reasons = validate(record, str(loc))
            if event is None:
                rejected.append(Rejected(loc, tuple(reasons), record))
                continue
        assert event is not None
        event_id = event.id
        if conflicted and event_id in conflicted:
            conflicted[event_id].append(Location(file, number))
            continue
        i = by_id.get(event_id)
        if i is None:
            key = order_key(event)
            if pending is not None and sink is not None:
                if pending and key != pending_key:
                    if key < pending_key:  # out of order: read back in order later
                        pending = None
                    else:
                        sink.take(sorted(pending, key=_BY_ID))
                        pending = []
                if pending is not None:
                    pending.append(event)
                    pending_key = key
            i = len(offsets)
            if event.type in REVIEW_CLAIMS and isinstance(review := event.get("review"), str):
                claims.setdefault((event.type, event.council, review), []).append(i)
            by_id[event_id] = i
            offsets.append(start)
            lines.append(number)
            lengths.append(at - start)
            if key != bucket_key:  # the lines of one key usually come together
                found = buckets.get(key)
                if found is None:
                    found = buckets[key] = array("q")
                bucket, bucket_key = found, key
            bucket.append(i)
            continue
        first = read_event_at(again, file, cat, offsets[i], lines[i])
        if first == event:
            duplicates += 1
        else:
            conflicted[event.id] = [Location(file, lines[i]), Location(file, number)]
            dropped.add(i)
            del by_id[event.id]
            pending = None  # the sink may have applied the first event: read back later
    del by_id
    if pending and sink is not None:
        sink.take(sorted(pending, key=_BY_ID))
    # events under different ids claiming one review: settled by read_events' own rule,
    # on the claims that have company (read again: they are few)
    company = sorted(
        i
        for group in claims.values()
        if len(live := [i for i in group if i not in dropped]) > 1
        for i in live
    )
    claimed: dict[str, tuple[Event, Location]] = {}
    index_of: dict[str, int] = {}
    for i in company:
        event = read_event_at(again, file, cat, offsets[i], lines[i])
        claimed[event.id] = (event, Location(file, lines[i]))
        index_of[event.id] = i
    if claimed:
        duplicates += _same_reviews(claimed, rejected)
        for event_id, i in index_of.items():
            if event_id not in claimed:
                dropped.add(i)
                pending = None  # the sink may have applied it: read back later
    for event_id, group in conflicted.items():
        numbers = ", ".join(str(loc.line) for loc in group)
        for loc in group:
            rejected.append(
                Rejected(
                    loc,
                    (
                        f"field 'id': {len(group)} different events share the id {event_id!r} "
                        f"(lines {numbers}); ids must be unique",
                    ),
                    None,
                )
            )
    if rejected and not lenient:
        rejected.sort(key=lambda r: (r.location.file, r.location.line))
        raise EventError(Problem(r.location, "; ".join(r.reasons)) for r in rejected)
    events = StreamedEvents(path, file, cat, offsets, lines, buckets, dropped, lengths)
    return StreamedIntake(
        events, tuple(rejected), duplicates, sink if pending is not None else None
    )
