"""What the record is declared complete for: absence is evidence only there.

A `record.coverage` event says "this record holds every event of these types, for these
parties, dated in this span". A duty whose due date has passed with no fulfilling event
is `breached` only when the declarations (or a whole-stream `complete` flag) cover its
fulfilling event types, its party and the whole span in which a fulfilment could have
counted; otherwise it is `unrecorded` (docs/findings.md, "Evidence").
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence

from sli_rules.model.dates import parse_date
from sli_rules.model.values import Event

__all__ = ["COVERAGE_TYPE", "Declaration", "covered", "declaration", "uncovered_types"]

COVERAGE_TYPE = "record.coverage"
DAY = _dt.timedelta(days=1)

# (declared on, event id, types, parties or None for all, from, to or None for "to as_of")
Declaration = tuple[
    _dt.date, str, tuple[str, ...], tuple[str, ...] | None, _dt.date, _dt.date | None
]


def declaration(e: Event) -> Declaration:
    """The declaration a `record.coverage` event makes (validated at intake)."""
    types = tuple(str(t) for t in e.get("types") or ())
    parties = e.get("parties")
    start = parse_date(e.get("from"))
    end = e.get("to")
    return (
        e.date,
        e.id,
        types,
        tuple(str(p) for p in parties) if parties else None,
        start,
        parse_date(end) if end else None,
    )


def _spans(
    decls: Iterable[Declaration], event_type: str, party: str, day: _dt.date
) -> list[tuple[_dt.date, _dt.date]]:
    out = []
    for declared, _id, types, parties, start, end in decls:
        if declared > day:
            continue  # no hindsight: a declaration counts from its own date
        if "*" not in types and event_type not in types:
            continue
        if parties is not None and party not in parties:
            continue
        out.append((start, min(end, day) if end is not None else day))
    return out


def _covers(spans: list[tuple[_dt.date, _dt.date]], first: _dt.date, last: _dt.date) -> bool:
    """Whether the union of the spans holds every day from `first` to `last`."""
    reach = first - DAY  # every day up to `reach` is covered
    for start, end in sorted(spans):
        if start > reach + DAY:
            break
        reach = max(reach, end)
        if reach >= last:
            return True
    return reach >= last


def uncovered_types(
    decls: Sequence[Declaration],
    types: Iterable[str],
    party: str,
    first: _dt.date,
    last: _dt.date,
    day: _dt.date,
) -> list[str]:
    """The event types among `types` for which the record, as of `day`, is not declared
    complete for `party` on every day from `first` to `last`."""
    return [
        t for t in dict.fromkeys(types) if not _covers(_spans(decls, t, party, day), first, last)
    ]


def covered(
    decls: Sequence[Declaration],
    types: Iterable[str],
    party: str,
    first: _dt.date,
    last: _dt.date,
    day: _dt.date,
) -> bool:
    return not uncovered_types(decls, types, party, first, last, day)
