"""The value types: rulesets and their rules, events and findings.

Frozen and slotted; no behaviour beyond small derived views. Change with `attrs.evolve`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union

import attrs
from attrs import field as _field

from sli_rules.model.conditions import Condition, as_condition
from sli_rules.model.dates import DaySpan, Duration, PeriodSpec
from sli_rules.model.event_types import EventType

__all__ = [
    "JOINER_READINGS",
    "ConstraintRule",
    "CountRule",
    "DeadlineRule",
    "Effective",
    "EntitlementRule",
    "EscalationLadder",
    "EscalationStep",
    "Event",
    "EventSpec",
    "Finding",
    "FixedDateRule",
    "LimitRule",
    "ParamRef",
    "Parameter",
    "Party",
    "PartySpec",
    "RecurringRule",
    "Rule",
    "RuleBase",
    "Ruleset",
    "RulesetVersion",
    "SelfDeclaredRule",
    "Succession",
    "WindowRule",
]

Date = _dt.date
Basis = Literal["text", "interpretation"]


@attrs.frozen
class ParamRef:
    """A reference to a ruleset parameter standing where a duration or date is expected."""

    name: str


@attrs.frozen
class Parameter:
    """A named value, possibly date-effective, marked as text or interpretation."""

    name: str
    basis: Basis
    values: tuple[tuple[Date | None, Any], ...]  # (from, value), sorted; None = always
    rationale: str = ""
    description: str = ""
    #: set for one run (`evaluate --set`), not the ruleset file's value; out of the repr,
    #: which a ruleset's fingerprint is a digest of (the values show the change)
    overridden: bool = attrs.field(default=False, repr=False)

    @property
    def label(self) -> str:
        """How findings name it among their interpretations: the name, and for a value
        set for the run, `name=VALUE` so the reading used is on the finding."""
        if not self.overridden:
            return self.name
        return f"{self.name}=" + "; ".join(str(v) for _, v in self.values)

    def value_at(self, day: Date) -> Any:
        chosen = self.values[0][1]
        for start, value in self.values:
            if start is None or start <= day:
                chosen = value
        return chosen


@attrs.frozen
class Party:
    """A council (by GSS code) or a regional or national body, as a party to an agreement."""

    id: str
    kind: Literal["council", "body"]
    name: str
    attributes: Mapping[str, Any] = attrs.field(factory=dict)
    joined: Date | None = None
    left: Date | None = None


@attrs.frozen
class Succession:
    """A council replaced by its successors on a date (a reorganisation): duties of the
    old council pass to them."""

    party: str
    date: Date
    successors: tuple[str, ...]
    #: `joint` (the default): a duty handed on is one duty, met when any successor, or a
    #: party in `served_by`, meets it; `each`: every successor owes its own copy
    duties: str = "joint"
    #: parties (bodies or councils) that act for the successors, e.g. a children's trust
    served_by: tuple[str, ...] = ()


@attrs.frozen
class Effective:
    """When an agreement is in effect: its start, optional end and review dates, and
    whether the start is the text's or an interpretation."""

    start: Date
    end: Date | None = None  # the last day in effect (inclusive)
    start_basis: Basis = "text"
    start_rationale: str = ""
    reviews: tuple[Date, ...] = ()
    # the body that owns the agreement: its agreement.ended / agreement.superseded end it
    owner: str | None = None
    # who may revoke it: "owner", "parties" (every council party), or a list of party ids
    # (all of them); None = the owner if there is one, else the parties
    revoked_by: str | tuple[str, ...] | None = None

    @property
    def revokers(self) -> str | tuple[str, ...]:
        """Who may revoke the agreement, with the default filled in."""
        if self.revoked_by is not None:
            return self.revoked_by
        return "owner" if self.owner else "parties"


@attrs.frozen
class RulesetVersion:
    """One dated version of an agreement's rules: in force from `start` until the next
    version's start. A rule belongs to the versions it names (all, if it names none)."""

    id: str
    start: Date
    title: str = ""
    description: str = ""
    start_parameter: str | None = None  # the parameter the start was read from, if any
    cites: str = ""  # where the amendment is recorded (a clause, a rule id, an address)


@attrs.frozen
class EventSpec:
    """Which events a rule listens to: types, a condition, who did it, what must match."""

    types: tuple[str, ...]
    # a mapping given here is parsed into its tree (`where.to_mapping()` gives it back)
    where: Condition | None = attrs.field(default=None, converter=as_condition)
    by: str = "council"
    match: tuple[tuple[str, str], ...] = ()  # (attribute of this event, attribute of trigger)
    # triggers only: the council at `state_of` must be in one of these states that day
    in_state: tuple[str, ...] = ()
    state_of: str = "council"
    # triggers of deadline and window rules only: a state (model/states.py) whose spells
    # start the duty instead of an event type (`trigger: {state: inadequate}`)
    state: str | None = None
    # fulfilments of trigger-based duties: who else may meet the duty besides the party,
    # each a party id or "trigger.PATH" (the party the trigger names there)
    by_any: tuple[str, ...] = ()
    # fulfilments of trigger-based duties: the duty is met only when each party named
    # (party ids, or "trigger.PATH": every party the trigger names there, e.g. each
    # member of a review team) has done a fulfilling event; met on the last one's date
    by_each: tuple[str, ...] = ()
    # fulfilments of trigger-based duties: how long before the trigger an event still
    # counts (on time), e.g. an offer made "prior to" an intervention
    look_back: Duration | ParamRef | None = None


@attrs.frozen
class PartySpec:
    """Who owes a duty: a path into the trigger, a fixed body, or every member."""

    path: str | None = "council"
    body: str | None = None
    each_member: bool = False
    #: with `body`, a family of regional bodies in the registry (one body per English
    #: region): the party is the family's body for the region of the council at this
    #: path of the trigger (`party: {body: ID, region_of: council}`)
    region_of: str | None = None

    def describe(self) -> str:
        if self.body and self.region_of:
            return f"{self.body} of the region of the trigger's {self.region_of}"
        if self.body:
            return self.body
        if self.each_member:
            return "every member"
        return f"the trigger's {self.path}"


DurationLike = Duration | ParamRef
DateLike = Date | ParamRef


def _required(value: Condition | Mapping[str, Any]) -> Condition:
    """A field's converter: a condition that must be given (a mapping is parsed)."""
    cond = as_condition(value)
    if cond is None:
        raise ValueError("a condition is required here, not None")
    return cond


@attrs.frozen(kw_only=True)
class _RuleBase:
    id: str
    clause: str
    quote: str
    title: str = ""
    applies_to: Condition | None = attrs.field(default=None, converter=as_condition)
    party: PartySpec = PartySpec()
    interpretation: str = ""
    monitoring: Literal["events", "self-declared"] = "events"
    severity: Literal["breach", "notice"] = "breach"
    description: str = ""
    # Fields added after release 0.1.0 are left out of the repr, whose digest identifies
    # the rulesets of that release's state files (model/fingerprint.py, fingerprint_0_1).
    # the dated versions the rule belongs to; () = every one
    versions: tuple[str, ...] = attrs.field(default=(), repr=False)
    # where the clause's words can be read, when the source is a set of pages
    url: str = attrs.field(default="", repr=False)


RuleBase = _RuleBase
"""The fields every rule has, for a rule class of a new kind (kinds/, docs/architecture.md)."""


@attrs.frozen(kw_only=True)
class DeadlineRule(_RuleBase):
    """A duty started by a trigger event and due a duration after it (`kind: deadline`)."""

    trigger: EventSpec
    fulfil: EventSpec
    due: DurationLike
    waive: EventSpec | None = None
    kind: Literal["deadline"] = "deadline"


@attrs.frozen(kw_only=True)
class WindowRule(_RuleBase):
    """A duty started by a trigger, to be met inside a window that opens and closes a
    duration after it (`kind: window`)."""

    trigger: EventSpec
    fulfil: EventSpec
    opens: DurationLike
    due: DurationLike
    early: Literal["accept", "ignore"] = "accept"
    waive: EventSpec | None = None
    kind: Literal["window"] = "window"


@attrs.frozen(kw_only=True)
class FixedDateRule(_RuleBase):
    """A duty due by a fixed date, optionally opening on one (`kind: fixed_date`)."""

    fulfil: EventSpec
    due: DateLike
    opens: DateLike | None = None
    waive: EventSpec | None = None
    kind: Literal["fixed_date"] = "fixed_date"


@attrs.frozen(kw_only=True)
class RecurringRule(_RuleBase):
    """A duty to be met in every period, e.g. once each financial year (`kind: recurring`)."""

    fulfil: EventSpec
    period: PeriodSpec
    at_least: int = 1
    grace: DurationLike | None = None
    # an attribute of the fulfilling event naming the period it is for (e.g. 2015-Q2):
    # the event counts for that period, late if dated after its due date
    period_from: str | None = None
    kind: Literal["recurring"] = "recurring"


#: what a count duty asks of a party that joins after its span has started: the whole
#: count by the span's end (`full`), the count scaled by the share of the span it is a
#: member, rounded half up (`pro_rata`; a share rounding to none owes nothing), or nothing
#: until the next full span (`next_period`)
JOINER_READINGS = ("full", "pro_rata", "next_period")


@attrs.frozen(kw_only=True)
class CountRule(_RuleBase):
    """A duty to do something at least N times within a span (`kind: count`)."""

    fulfil: EventSpec
    end: DateLike
    start: DateLike | None = None
    at_least: int = 1
    repeat: bool = False
    #: one of JOINER_READINGS, or a parameter holding one
    joiners: str | ParamRef = "full"
    kind: Literal["count"] = "count"


@attrs.frozen(kw_only=True)
class ConstraintRule(_RuleBase):
    """A condition every trigger event must meet when it happens (`kind: constraint`)."""

    trigger: EventSpec
    require: Condition = attrs.field(converter=_required)
    kind: Literal["constraint"] = "constraint"


@attrs.frozen(kw_only=True)
class LimitRule(_RuleBase):
    """A ceiling on how much of something a party may take in a period (`kind: limit`)."""

    trigger: EventSpec
    period: PeriodSpec
    max: float | ParamRef
    amount: str | None = None
    kind: Literal["limit"] = "limit"


@attrs.frozen(kw_only=True)
class EntitlementRule(_RuleBase):
    """Something a party may call on for a time after a trigger (`kind: entitlement`)."""

    trigger: EventSpec
    lasts: DurationLike | None = None
    kind: Literal["entitlement"] = "entitlement"


@attrs.frozen(kw_only=True)
class SelfDeclaredRule(_RuleBase):
    """A clause that events cannot show, listed and documented but yielding no findings
    (`monitoring: self-declared`)."""

    kind: Literal["self_declared"] = "self_declared"


# typing.Union rather than `A | B`: a types.UnionType cannot carry a docstring, and
# `help(sli_rules.Rule)` should say what a rule is.
Rule = Union[  # noqa: UP007
    DeadlineRule,
    WindowRule,
    FixedDateRule,
    RecurringRule,
    CountRule,
    ConstraintRule,
    LimitRule,
    EntitlementRule,
    SelfDeclaredRule,
]
Rule.__doc__ = """A rule of a ruleset: one clause of an agreement, as one of nine kinds.

Every kind has `id`, `kind`, `clause`, `quote`, `title`, `party` (who owes it),
`applies_to`, `interpretation`, `monitoring`, `severity` (breach or notice) and
`description`; the rest depends on the kind:

- `DeadlineRule`: done within a time after a triggering event (`due`);
- `WindowRule`: done within a window opening and closing after a trigger;
- `FixedDateRule`: done by a fixed date;
- `RecurringRule`: done once in every period (a year, a quarter);
- `CountRule`: done at least a number of times within a span;
- `ConstraintRule`: a condition every triggering event must meet when it happens;
- `LimitRule`: a ceiling on how much of something a party may take in a period;
- `EntitlementRule`: something a party may ask for, available for a time;
- `SelfDeclaredRule`: a clause that events cannot show, listed but never evaluated.

`isinstance(x, Rule)` tells whether `x` is any of them; `Ruleset.rules` holds them, and
`docs/ruleset-format.md` describes each kind's YAML."""


@attrs.frozen
class EscalationStep:
    """One step of an escalation ladder: its number, who acts, and how long it has."""

    step: int
    actor: str
    window: DurationLike
    title: str = ""


@attrs.frozen(kw_only=True)
class EscalationLadder:
    """Steps taken in turn when a concern persists: started, advanced, stopped by events."""

    id: str
    clause: str
    quote: str
    steps: tuple[EscalationStep, ...]
    title: str = ""
    on_concern: bool = True
    breach_of: tuple[str, ...] = ()
    start_on: EventSpec | None = None
    about: str = "about"  # attribute of a starting event naming the council of concern
    start_state: str | None = None  # a state (model/states.py) whose spells start ladders
    interpretation: str = ""


@attrs.frozen(kw_only=True)
class Ruleset:
    """One agreement as rules: its parties, parameters, rules and escalation ladders.

    Frozen; made by `load_ruleset` or `parse_ruleset`, which check it where it is read."""

    id: str
    title: str
    source: str
    version: str
    effective: Effective
    parties: tuple[Party, ...]
    rules: tuple[Rule, ...]
    parameters: Mapping[str, Parameter] = attrs.field(factory=dict)
    escalations: tuple[EscalationLadder, ...] = ()
    successions: tuple[Succession, ...] = ()
    council_pattern: str | None = None
    description: str = ""
    file: str = ""
    rule_lines: Mapping[str, int] = attrs.field(factory=dict, eq=False)
    # the event types this ruleset declares (its own; other rulesets ignore their events).
    # Left out of the repr, which release 0.1.0's fingerprint is a digest of.
    events: Mapping[str, EventType] = attrs.field(factory=dict, repr=False)
    # where each declared type is written: (file, line), for messages
    event_lines: Mapping[str, tuple[str, int]] = attrs.field(factory=dict, eq=False, repr=False)
    # dated versions, earliest first (not in the repr: see _RuleBase)
    versions: tuple[RulesetVersion, ...] = attrs.field(default=(), repr=False)

    def version_at(self, day: Date) -> RulesetVersion | None:
        """The dated version in force on `day`: the latest whose start is on or before it
        (None when the ruleset has no versions, or `day` is before the first)."""
        chosen = None
        for v in self.versions:
            if v.start <= day:
                chosen = v
        return chosen

    def in_force(self, rule: Rule | str, day: Date) -> bool:
        """Whether `rule` governs a duty dated `day` (a trigger's date, or the first day of
        a period or span): always, unless the ruleset has dated versions and the version in
        force on `day` is not one the rule belongs to."""
        if not self.versions:
            return True
        r = self.rule(rule) if isinstance(rule, str) else rule
        version = self.version_at(day)
        if version is None:
            return False
        return not r.versions or version.id in r.versions

    def rule_start(self, rule: Rule) -> Date:
        """The first day on which `rule` can govern a duty: the agreement's start, or the
        start of the first version it belongs to."""
        for v in self.versions:
            if not rule.versions or v.id in rule.versions:
                return max(v.start, self.effective.start)
        return self.effective.start

    def as_version(self, version_id: str) -> Ruleset:
        """This ruleset with one version's rules in force at every date: the rules of the
        other versions dropped, and no dated versions (for comparing versions)."""
        if not any(v.id == version_id for v in self.versions):
            known = ", ".join(v.id for v in self.versions) or "none"
            raise KeyError(f"{self.id} has no version {version_id!r}; versions: {known}")
        rules = tuple(
            attrs.evolve(r, versions=())
            for r in self.rules
            if not r.versions or version_id in r.versions
        )
        keep = {r.id for r in rules}
        ladders = tuple(
            attrs.evolve(x, breach_of=tuple(b for b in x.breach_of if b in keep))
            for x in self.escalations
        )
        return attrs.evolve(
            self,
            rules=rules,
            escalations=ladders,
            versions=(),
            version=f"{self.version} as {version_id}",
        )

    def party(self, party_id: str) -> Party | None:
        for p in self.parties:
            if p.id == party_id:
                return p
        return None

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


@attrs.frozen(slots=True)
class Event:
    """One thing that happened: an id, a type from the catalogue, a date and a council.

    `attrs` holds the type's other attributes (treat it as read-only). `source` says where
    the event was read from (file:line) and does not take part in equality.

    `span` is set when the date is imprecise (a month, a season, a year, an interval): the
    event happened on one unknown day from `span.earliest` to `span.latest`, and `date`
    is then `span.latest`, the day by which it had surely happened. The engine evaluates
    exact days only; `evaluate()` refines imprecise events (engine/refine.py).
    """

    id: str
    type: str
    date: Date
    council: str
    attrs: Mapping[str, Any] = _field(factory=dict)
    source: str = _field(default="", eq=False, repr=False)
    span: DaySpan | None = None

    @property
    def earliest(self) -> Date:
        """The first day the event may have happened on (its date when exact)."""
        return self.span.earliest if self.span is not None else self.date

    def get(self, name: str, default: Any = None) -> Any:
        if name == "council":
            return self.council
        if name == "date":
            return self.date
        if name == "id":
            return self.id
        if name == "type":
            return self.type
        return self.attrs.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "date": self.span.text if self.span is not None else self.date.isoformat(),
            "council": self.council,
        }
        out.update(self.attrs)
        return out


def _event_maker() -> Callable[[str, str, Date, str, Mapping[str, Any], str], Event]:
    """`exact_event(id, type, date, council, attrs, source)`: the same as
    `Event(id, type, date, council, attrs, source)` (an exact date: no span), made a
    third faster for intake, which makes one per line: each slot is set directly
    (the class has no converter or validator for it to skip)."""
    names = ("id", "type", "date", "council", "attrs", "source", "span")
    fields = attrs.fields(Event)
    if tuple(f.name for f in fields) != names or any(
        f.converter is not None or f.validator is not None for f in fields
    ):  # the class changed: this must change with it
        raise TypeError("exact_event does not know Event's fields")
    new = object.__new__
    set_id, set_type, set_date, set_council, set_attrs, set_source, set_span = (
        Event.__dict__[n].__set__ for n in names
    )

    def exact_event(
        id: str, type: str, date: Date, council: str, attrs: Mapping[str, Any], source: str
    ) -> Event:
        event = new(Event)
        set_id(event, id)
        set_type(event, type)
        set_date(event, date)
        set_council(event, council)
        set_attrs(event, attrs)
        set_source(event, source)
        set_span(event, None)
        return event

    return exact_event


exact_event = _event_maker()


FindingKind = Literal["obligation", "breach", "escalation", "notice"]
"""What a finding is: the values of `model.vocabulary.Kind`."""

FindingStatus = Literal[
    "upcoming",
    "open",
    "fulfilled",
    "fulfilled_late",
    "fulfilled_early",
    "breached",
    "unrecorded",
    "undetermined",
    "waived",
    "discharged",
    "remedied",
    "missed",
    "exceeded",
    "available",
    "lapsed",
    "due",
    "taken",
    "stopped",
]
"""Where a finding stands: the values of `model.vocabulary.Status` (a test keeps the two
equal). A `Status` member is one of these strings, so either may be given."""


@attrs.frozen(slots=True)
class Finding:
    """What the engine concludes: an obligation, a breach, an escalation step or a notice."""

    kind: FindingKind
    agreement: str
    rule: str
    clause: str
    party: str
    status: FindingStatus
    opens: Date | None
    due: Date | None
    triggered_by: tuple[str, ...]
    fulfilled_by: tuple[str, ...]
    explanation: str
    remedied_on: Date | None = None
    step: int | None = None
    actor: str | None = None
    about: str | None = None
    interpretations: tuple[str, ...] = ()
    title: str = ""
    sources: tuple[str, ...] = ()
    version: str | None = None
    possible: tuple[str, ...] = ()
    """When `status` is 'undetermined': every status the finding has in some refinement of
    the imprecise event dates (sorted); empty otherwise."""
    ranges: tuple[tuple[str, Date, Date], ...] = ()
    """The date fields (opens, due, remedied_on) whose day differs between refinements, as
    (field, earliest, latest); the field itself then holds the earliest."""

    def date_range(self, name: str) -> tuple[Date | None, Date | None]:
        """(earliest, latest) of a date field: the same day twice when it is exact."""
        for field, lo, hi in self.ranges:
            if field == name:
                return lo, hi
        day: Date | None = getattr(self, name)
        return day, day

    def date_text(self, name: str) -> str | None:
        """A date field as text: ISO for a day, an EDTF interval when it is not exact."""
        lo, hi = self.date_range(name)
        if lo is None or hi is None:
            return None
        return lo.isoformat() if lo == hi else f"{lo.isoformat()}/{hi.isoformat()}"

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.due or _dt.date.max,
            self.party,
            self.agreement,
            self.rule,
            self.triggered_by,
            _KIND_ORDER[self.kind],
            self.step or 0,
            self.opens or _dt.date.min,
            self.status,
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "agreement": self.agreement,
            "rule": self.rule,
            "clause": self.clause,
            "party": self.party,
            "status": self.status,
            "opens": self.date_text("opens"),
            "due": self.date_text("due"),
            "triggered_by": list(self.triggered_by),
            "fulfilled_by": list(self.fulfilled_by),
            "remedied_on": self.date_text("remedied_on"),
            "step": self.step,
            "actor": self.actor,
            "about": self.about,
            "interpretations": list(self.interpretations),
            "title": self.title,
            "version": self.version,
            "explanation": self.explanation,
            "sources": list(self.sources),
        }
        if self.possible:
            out["possible"] = list(self.possible)
        return out

    def to_row(self) -> dict[str, Any]:
        """The finding as a row of TABULAR_FIELDS: dates as dates (the exact column empty
        where the day is not known, its *_earliest and *_latest columns always set)."""
        row: dict[str, Any] = {}
        for name in FINDING_FIELDS:
            if name in DATE_FIELDS:
                lo, hi = self.date_range(name)
                row[name] = lo if lo == hi else None
                row[f"{name}_earliest"], row[f"{name}_latest"] = lo, hi
            else:
                row[name] = getattr(self, name)
        return row


_KIND_ORDER = {"obligation": 0, "breach": 1, "escalation": 2, "notice": 3}

DATE_FIELDS = ("opens", "due", "remedied_on")
FINDING_FIELDS = tuple(n for n in attrs.fields_dict(Finding) if n != "ranges")
"""The fields of a finding as the JSON record and the tables name them."""
TABULAR_FIELDS = tuple(
    c
    for n in FINDING_FIELDS
    for c in ((n, f"{n}_earliest", f"{n}_latest") if n in DATE_FIELDS else (n,))
)
"""The columns of CSV, Parquet, SQL and DataFrame output: each date column is followed by
its earliest and latest day, which differ when the finding's date is not exact."""
