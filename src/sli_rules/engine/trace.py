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
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from sli_rules.kinds.base import Family
from sli_rules.model.dates import Duration, Period
from sli_rules.model.values import Event, Finding

__all__ = [
    "Counted",
    "DutyKey",
    "Ended",
    "Looked",
    "Miss",
    "Note",
    "Sum",
    "Term",
    "Trace",
    "Why",
    "duty_of",
]

Date = _dt.date
NoteKey = tuple[str, str, str, str]  # agreement, rule, party, first triggering event
# agreement, rule, party, first triggering event (None for a duty of the calendar), opens,
# due: two duties of one rule and party can open and fall due on the same days (two reviews
# held on one day), and only their triggers tell them apart
DutyKey = tuple[str, str, str, str | None, Date | None, Date | None]


def duty_of(finding: Finding) -> DutyKey:
    """The duty a finding is about, as the trace keys its records."""
    trigger = finding.triggered_by[0] if finding.triggered_by else None
    return (finding.agreement, finding.rule, finding.party, trigger, finding.opens, finding.due)


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


@attrs.frozen
class Term:
    """The period (or span) a calendar duty is for, and its grace: `grace.start` is the
    period's last day and `grace.result` the due date, the last day of `grace.amount`
    running from the day after it (`model.dates.grace_end`); None without a grace."""

    period: Period
    grace: Sum | None = None


@attrs.frozen
class Why:
    """One reason an event did not count for a duty, as a code and the values it names
    (explain words it):

    - `by` (by, owners): the event is by (or names) others than the party;
    - `match` (path, has, wanted): it is about something else than the trigger;
    - `where` (): it does not satisfy the rule's `fulfil.where`;
    - `as_of` (day): dated after the session's clock;
    - `before_effect` (start) / `after_effect` (end): dated outside the agreement;
    - `before_trigger` (date): dated before the duty's trigger;
    - `outside` (opens, due): outside the period (or span) the duty is for;
    - `early` (opens): before a window that does not count early events opened;
    - `before_opened` (opens): before the duty opened;
    - `after_due` (due): after the due date of a duty already missed;
    - `elsewhere` (opens, due): counted, once, for another duty of the rule and party;
    - `refused` (text): the engine turned it away from the party's periods (`Trace.refused`).
    """

    code: str
    values: tuple[Any, ...] = ()


@attrs.frozen
class Miss:
    """An event of a rule's fulfilling types that the engine offered a duty and that did
    not count for it: whether it is by the party (or one who may act for it), how many of
    the rule's `match` values it does not share with the trigger, and why."""

    event: Event
    theirs: bool
    mismatched: int
    why: tuple[Why, ...]


@attrs.define
class Looked:
    """What a traced session looked for to meet a duty it did not find met: the trigger
    whose values a fulfilling event had to carry, the days it looked between, the parties
    whose events count, the events that did not count (`misses`), and, for a duty met only
    when each of several parties has acted, the event counted as each one's part."""

    trigger: Event | None
    start: Date | None
    end: Date | None
    owners: tuple[str, ...]
    misses: list[Miss] = attrs.Factory(list)
    # by_each: each event counted as a part, with the parties whose part it is
    parts: list[tuple[Event, tuple[str, ...]]] = attrs.Factory(list)
    # the engine's tests of the events offered, with what they read kept as the duty's
    # finding was derived; run once, when the record is first asked for
    # (`Trace.looked_for`): a refinement's hundreds of runs note every duty not met and
    # explain reads a few
    offer: Callable[[Looked], None] | None = attrs.field(default=None, eq=False, repr=False)


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
    # what the engine looked for to meet each duty not (or not yet) met, by what its
    # finding says (see `Looked`), and the events the session was fed, by id
    looked: dict[DutyKey, Looked] = attrs.Factory(dict)
    # the period each duty of the periods and spans families is for (see `Term`)
    terms: dict[DutyKey, Term] = attrs.Factory(dict)
    fed: dict[str, Event] = attrs.Factory(dict)
    # the events each obligation finding counted, by (agreement, rule, party): for a
    # miss counted instead for another duty (`_settle`)
    counted: dict[tuple[str, str, str], list[tuple[Date | None, Date | None, tuple[str, ...]]]] = (
        attrs.Factory(dict)
    )
    _by_type: dict[tuple[str, ...], list[Event]] | None = None

    def add(self, agreement: str, rule: str, party: str, note: Note) -> Note:
        return self.notes.setdefault((agreement, rule, party, note.trigger.id), note)

    def get(self, agreement: str, rule: str, party: str, event: str) -> Note | None:
        return self.notes.get((agreement, rule, party, event))

    def discharge(
        self,
        agreement: str,
        rule: str,
        party: str,
        trigger: str | None,
        opens: Date | None,
        due: Date | None,
        end: Ended,
    ) -> None:
        self.ended[(agreement, rule, party, trigger, opens, due)] = end

    def refuse(self, agreement: str, rule: str, party: str, event: str, why: str) -> None:
        self.refused.setdefault((agreement, rule, party, event), why)

    def feed(self, events: Iterable[Event]) -> None:
        """Keep the events a session is fed (offered to the duties in `misses.look`)."""
        self.fed.update((e.id, e) for e in events)
        self._by_type = None

    def fed_of(self, types: tuple[str, ...]) -> list[Event]:
        """The fed events of these types, in date order."""
        if self._by_type is None:
            self._by_type = {}
        found = self._by_type.get(types)
        if found is None:
            wanted = set(types)
            found = self._by_type[types] = sorted(
                (e for e in self.fed.values() if e.type in wanted), key=lambda e: (e.date, e.id)
            )
        return found

    def term(
        self, agreement: str, rule: str, party: str, opens: Date, due: Date, term: Term
    ) -> None:
        self.terms.setdefault((agreement, rule, party, None, opens, due), term)

    def look(self, finding: Finding, looked: Looked) -> None:
        self.looked.setdefault(duty_of(finding), looked)

    def count(self, finding: Finding) -> None:
        """Keep what an obligation finding counted (for `_settle`)."""
        if finding.fulfilled_by:
            self.counted.setdefault((finding.agreement, finding.rule, finding.party), []).append(
                (finding.opens, finding.due, finding.fulfilled_by)
            )

    def _settle(self, duty: DutyKey, misses: list[Miss]) -> list[Miss]:
        """A miss for which the engine had no reason of its own was counted for another
        duty of the rule and party (an event counts once), or turned away from the
        party's periods (`refused`); one that was neither is no miss, and is dropped."""
        agreement, rule, party, _trigger, opens, _due = duty
        kept = []
        for miss in misses:
            why = miss.why
            if not why:
                other = next(
                    (
                        (o, d)
                        for o, d, ids in self.counted.get((agreement, rule, party), ())
                        if o != opens and miss.event.id in ids
                    ),
                    None,
                )
                refused = self.refused.get((agreement, rule, party, miss.event.id))
                if other is not None:
                    why = (Why("elsewhere", other),)
                elif refused is not None:
                    why = (Why("refused", (refused,)),)
                else:
                    continue
            kept.append(attrs.evolve(miss, why=why) if why is not miss.why else miss)
        return kept

    def looks_for(self, finding: Finding) -> bool:
        """Whether a record of what the engine looked for is kept for the duty of `finding`."""
        return duty_of(finding) in self.looked

    def looked_for(self, finding: Finding) -> Looked | None:
        """What the engine looked for to meet the duty a finding is about, each event
        offered to it that did not count and why (read once every finding is derived)."""
        duty = duty_of(finding)
        looked = self.looked.get(duty)
        if looked is not None and looked.offer is not None:
            offer, looked.offer = looked.offer, None
            offer(looked)
            looked.misses = self._settle(duty, looked.misses)
        return looked

    def ended_for(self, finding: Finding) -> Ended | None:
        """What discharged the duty a finding is about, if the engine discharged it."""
        return self.ended.get(duty_of(finding))

    def note_for(self, finding: Finding) -> Note | None:
        """The note of the duty a finding is about, if the engine wrote one."""
        if not finding.triggered_by:
            return None
        return self.get(finding.agreement, finding.rule, finding.party, finding.triggered_by[0])
