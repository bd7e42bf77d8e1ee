"""The engine's own record of why each finding is what it is.

A `Session(plan, trace=True)` keeps a `Trace` as it evaluates: for each duty (or
entitlement, or period of a ceiling) it starts, the day its values were read for, the
date arithmetic it did (each `Sum`: a start, the duration the rule gives, the result),
and what it counted or checked. `sli-rules explain` renders that record instead of
working the reasoning out again. A session without `trace=True` keeps none and pays
nothing for it: the engine writes to the trace only where its `trace` is set, and only
when it starts a duty, never for each event it matches.

The trace is looked up by what a finding says: its agreement, rule, party and the first
event that triggered it (`Trace.note_for`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import attrs

from sli_rules.kinds.base import Family
from sli_rules.model.dates import Duration, Period
from sli_rules.model.values import Event, Finding

__all__ = ["Counted", "Ended", "Note", "Sum", "Trace"]

Date = _dt.date
NoteKey = tuple[str, str, str, str]  # agreement, rule, party, first triggering event
DutyKey = tuple[str, str, str, Date | None, Date | None]  # agreement, rule, party, opens, due


@attrs.frozen
class Sum:
    """One piece of date arithmetic: `start` + `amount` = `result`, where `amount` is the
    value of `given` (the rule's duration, or the parameter it names) read on `start`."""

    start: Date
    amount: Duration
    given: Any
    result: Date


@attrs.frozen
class Counted:
    """One event a ceiling counted: its amount, and the period's total with it."""

    event: str
    date: Date
    amount: float
    total: float


@attrs.define
class Note:
    """What the engine did for one duty: its family, the trigger, the day the rule's
    values were read for, and the family's particulars."""

    family: Family
    trigger: Event
    read_on: Date
    sums: dict[str, Sum] = attrs.Factory(dict)  # by what it dates: "until", "due", ...
    # a ceiling: its period, the ceiling (and the value the rule gives for it), the events
    # counted in the period, in order
    period: Period | None = None
    ceiling: float | None = None
    ceiling_given: Any = None
    counted: list[Counted] = attrs.Factory(list)
    # a checked requirement: the keys of its parts that did not hold, in the rule's order
    failed: tuple[str, ...] = ()


@attrs.frozen
class Ended:
    """What discharged a duty before it fell due: the one cause the engine acted on (the
    earliest, where several could have), in its words, and the day it took effect."""

    day: Date
    why: str


@attrs.define
class Trace:
    """Every note a traced session wrote, by (agreement, rule, party, trigger id)."""

    notes: dict[NoteKey, Note] = attrs.Factory(dict)
    # the duties discharged before they fell due, by what their findings say (every
    # family: a duty of the calendar has no triggering event to key a note by)
    ended: dict[DutyKey, Ended] = attrs.Factory(dict)
    # the fulfilling events the engine turned away from a party's duties of a rule after
    # matching them, and why, by (agreement, rule, party, event); so far written by the
    # periods and spans families (see docs/architecture.md)
    refused: dict[NoteKey, str] = attrs.Factory(dict)

    def add(self, agreement: str, rule: str, party: str, note: Note) -> Note:
        return self.notes.setdefault((agreement, rule, party, note.trigger.id), note)

    def get(self, agreement: str, rule: str, party: str, event: str) -> Note | None:
        return self.notes.get((agreement, rule, party, event))

    def discharge(
        self,
        agreement: str,
        rule: str,
        party: str,
        opens: Date | None,
        due: Date | None,
        end: Ended,
    ) -> None:
        self.ended[(agreement, rule, party, opens, due)] = end

    def refuse(self, agreement: str, rule: str, party: str, event: str, why: str) -> None:
        self.refused.setdefault((agreement, rule, party, event), why)

    def ended_for(self, finding: Finding) -> Ended | None:
        """What discharged the duty a finding is about, if the engine discharged it."""
        return self.ended.get(
            (finding.agreement, finding.rule, finding.party, finding.opens, finding.due)
        )

    def note_for(self, finding: Finding) -> Note | None:
        """The note of the duty a finding is about, if the engine wrote one."""
        if not finding.triggered_by:
            return None
        return self.get(finding.agreement, finding.rule, finding.party, finding.triggered_by[0])
