"""Explanations: the chain of reasoning behind one finding, in plain English.

`explain(finding, rulesets, events)` rebuilds the chain from the finding's fields, the
ruleset it came from and (when given) the events, never from the finding's one-line
`explanation`: the agreement, clause and quote; what the rule requires; the date
arithmetic (with month-end clamping called out); the triggering event; the fulfilling
event or, when there is none, what was looked for and not found; the interpretations the
finding rests on; and what the agreement's escalation ladders say happens next.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from dateutil.relativedelta import relativedelta

from sli_rules.api.evaluate import evaluate_traced
from sli_rules.engine.batch import evaluate_batch
from sli_rules.engine.plan import Plan, compile_plan
from sli_rules.engine.predicates import resolve
from sli_rules.engine.session import Session, each_of, family_of, parties_named
from sli_rules.engine.trace import DutyKey, Ended, Looked, Note, Sum, Term, Trace, Why, duty_of
from sli_rules.io.intake import Intake, read_events
from sli_rules.kinds import KINDS
from sli_rules.kinds.base import Family
from sli_rules.load.catalogue import catalogue_for
from sli_rules.load.loader import load_registry, load_ruleset
from sli_rules.model.conditions import (
    Attribute,
    Condition,
    Entry,
    Quantity,
    describe_condition,
)
from sli_rules.model.dates import Duration, PeriodSpec, add, as_day
from sli_rules.model.values import (
    CountRule,
    DeadlineRule,
    EscalationLadder,
    EscalationStep,
    Event,
    EventSpec,
    Finding,
    FixedDateRule,
    ParamRef,
    Party,
    RecurringRule,
    Rule,
    Ruleset,
    WindowRule,
)
from sli_rules.model.vocabulary import STATUSES, Kind, Status
from sli_rules.outputs.report import Report

__all__ = ["explain", "explain_findings"]

Date = _dt.date
DAY = _dt.timedelta(days=1)
EventsLike = Iterable[Event | Mapping[str, Any]] | str | Path | Intake
RulesetsLike = Ruleset | str | Path | Iterable[Ruleset | str | Path]

MAX_CANDIDATES = 5
MAX_LISTED = 8

MET = tuple(s.value for s, w in STATUSES.items() if w.met)

# the families whose findings are explained from the engine's trace (engine/trace.py):
# every family the engine evaluates (a self-declared duty has nothing to trace)
TRACED = tuple(f for f in Family if f is not Family.UNCHECKED)
# of those, the families with a `Note` for each duty a triggering event started (its
# sums, what it counted or checked) ...
NOTED = (Family.CHECKED, Family.CEILING, Family.ENTITLEMENT, Family.TRIGGERED)
# ... and the families whose outcome is that note's (`traced`); the others' outcome is a
# duty's: what met or waived it, what discharged it (Trace.ended), or what the engine
# looked for and each event that did not count (Trace.looked)
OUTCOME = (Family.CHECKED, Family.CEILING, Family.ENTITLEMENT)


# --------------------------------------------------------------------- public


def explain(
    finding: Finding,
    rulesets: RulesetsLike,
    events: EventsLike | None = None,
    *,
    report: Report | None = None,
    as_of: Date | _dt.datetime | str | None = None,
) -> str:
    """The chain of reasoning behind `finding`, as several short plain-English lines.

    `rulesets` are the rulesets (objects, bundled ids or paths) the finding may come from.
    `events` (optional, as for `evaluate`) lets the explanation show the triggering and
    fulfilling events and the events that were looked at but did not count. `report`
    (optional) is the report the finding is from: its date bounds the search, and its
    escalation findings show where a ladder has got to.
    """
    return _Explainer(rulesets, events, report, as_of).explain(finding)


def explain_findings(
    findings: Iterable[Finding],
    rulesets: RulesetsLike,
    events: EventsLike | None = None,
    *,
    report: Report | None = None,
    as_of: Date | _dt.datetime | str | None = None,
) -> list[str]:
    """`explain` for several findings, reading the rulesets and events once."""
    ex = _Explainer(rulesets, events, report, as_of)
    return [ex.explain(f) for f in findings]


def evaluate_explained(
    plan: Plan, intake: Intake, as_of: Date, *, complete: bool = False
) -> tuple[Report, Callable[[Iterable[Finding]], list[str]]]:
    """The report of `evaluate(plan, intake, ...)` and a function that explains its
    findings, from one traced evaluation (`explain_findings` after `evaluate` would
    evaluate twice: once for the report and once for the engine's record)."""
    traces = _Traces()
    report = evaluate_traced(plan, intake, as_of, complete=complete, seen=traces.seen)
    ex = _Explainer([cr.ruleset for cr in plan.rulesets], intake, report, None)
    ex.adopt(traces)

    def explained(findings: Iterable[Finding]) -> list[str]:
        return [ex.explain(f) for f in findings]

    return report, explained


# ------------------------------------------------------------------- helpers


def _load(rulesets: RulesetsLike) -> dict[str, Ruleset]:
    if isinstance(rulesets, (Ruleset, str, Path)):
        rulesets = [rulesets]
    out: dict[str, Ruleset] = {}
    for r in rulesets:
        rs = r if isinstance(r, Ruleset) else load_ruleset(r)
        out[rs.id] = rs
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _days_between(a: Date, b: Date) -> str:
    return _plural(abs((b - a).days), "day")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Date):
        return value.isoformat()
    if isinstance(value, Duration):
        return f"{value.describe()} ({value})"
    if isinstance(value, (list, tuple)):
        if not value:
            return "(empty)"
        if all(isinstance(v, Mapping) for v in value):
            return _plural(len(value), "entry").replace("entrys", "entries")
        return ", ".join(_show(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _first(event: Event | None, path: str) -> Any:
    if event is None:
        return None
    found = resolve(event, path)
    return found[0] if found else None


def _a(text: str) -> str:
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


def _period_words(spec: PeriodSpec) -> str:
    cal = spec.calendar.replace("_", " ")
    text = cal if spec.unit == "year" else f"{spec.unit} of the {cal}"
    if spec.months:
        text += f" (months {', '.join(str(m) for m in spec.months)} only)"
    return text


def _inner_keys(entry: Entry) -> list[str]:
    """The attributes of list entries that a test on a list looks at, e.g. 'council'."""
    keys: list[str] = []
    if not isinstance(entry, Attribute) or entry.shorthand:
        return keys
    for test in entry.tests:
        arg = test.argument
        if test.name in ("some", "none", "every") and isinstance(arg, Condition):
            keys.extend(_attribute_keys(arg))
        elif test.name in ("count", "distinct") and isinstance(arg, Quantity):
            keys.extend(_attribute_keys(arg.where))
            if test.name == "distinct" and arg.field is not None:
                keys.append(arg.field)
    return list(dict.fromkeys(keys))


def _attribute_keys(cond: Condition | None) -> list[str]:
    """The attribute paths a condition tests directly (not inside all, any or not)."""
    return [e.path for e in cond.entries if isinstance(e, Attribute)] if cond else []


def _trigger_text(spec: EventSpec) -> str:
    if spec.state is not None:
        return (
            f"spell of the state {spec.state} (from its start, or from the agreement's start "
            "if it already holds then; discharged if the state ends first)"
        )
    text = " or ".join(spec.types)
    if spec.where:
        text += f" where {describe_condition(spec.where)}"
    return text


def _verb(event_type: str) -> str:
    """'held' for peer_challenge.held: the word that says what happened on the date."""
    return event_type.rsplit(".", 1)[-1].replace("_", " ")


def _add_explained(start: Date, dur: Duration) -> tuple[Date, str]:
    """start + dur, and a note when the month arithmetic clamped to a month's end."""
    return add(start, dur), _clamping(start, dur)


def _sum_text(s: Sum) -> str:
    """The result of a sum the engine did, with the note on month-end clamping."""
    return f"{s.result}{_clamping(s.start, s.amount)}"


def _clamping(start: Date, dur: Duration) -> str:
    """A note when start + dur (in months or years) clamps to a month's end, else ''."""
    note = ""
    if dur.years or dur.months:
        months = start.month - 1 + dur.months
        year = start.year + dur.years + months // 12
        month = months % 12 + 1
        last = calendar.monthrange(year, month)[1]
        if start.day > last:
            note = (
                f" (month-end clamping: {start} + {dur.describe()} would be "
                f"{year:04d}-{month:02d}-{start.day:02d}, which does not exist, so the last day "
                f"of that month, {year:04d}-{month:02d}-{last:02d}, is used)"
            )
    return note


class _Traces:
    """The records of the traced sessions of one evaluation, merged: a stream with
    imprecise dates runs the engine once for each choice of their days that could change
    a finding (engine/refine.py), so a duty has a note from each run that started it, and
    `_Explainer.note` picks the one that gave the finding its due date."""

    def __init__(self) -> None:
        self.notes: dict[tuple[str, str, str, str], list[Note]] = {}
        # what discharged each duty the engine discharged (Trace.ended), by what its
        # finding says
        self.ended: dict[DutyKey, Ended] = {}
        # the trace holding what the engine looked for to meet each duty not met (its
        # Trace.looked, read with Trace.looked_for)
        self.looked: dict[DutyKey, Trace] = {}
        # the period each calendar duty is for (Trace.terms)
        self.terms: dict[DutyKey, Term] = {}
        self.last: list[Trace] = []
        # the one session of an evaluation without imprecise dates (None after a second)
        self.only: Session | None = None
        self.runs = 0

    def seen(self, session: Session) -> None:
        """`evaluate_batch`'s `seen`: shown each run before its findings are derived, so
        the run before it is done."""
        assert session.trace is not None
        self.runs += 1
        self.only = session if self.runs == 1 else None
        if self.last:
            self.merge(self.last.pop())
        self.last.append(session.trace)

    def done(self) -> None:
        while self.last:
            self.merge(self.last.pop())

    def merge(self, trace: Trace) -> None:
        for key, note in trace.notes.items():
            self.notes.setdefault(key, []).append(note)
        for duty, ended in trace.ended.items():
            self.ended.setdefault(duty, ended)
        for duty in list(trace.looked):
            if self.looked.setdefault(duty, trace) is not trace:
                del trace.looked[duty]  # another run's record is read: drop this one
        for duty, term in trace.terms.items():
            self.terms.setdefault(duty, term)


# ------------------------------------------------------------------ explainer


class _Explainer:
    def __init__(
        self,
        rulesets: RulesetsLike,
        events: EventsLike | None,
        report: Report | None,
        as_of: Date | _dt.datetime | str | None,
    ) -> None:
        self.rulesets = _load(rulesets)
        self.events: dict[str, Event] | None = None
        if events is not None:
            intake = (
                events
                if isinstance(events, Intake)
                else read_events(events, catalogue=catalogue_for(self.rulesets.values()))
            )
            self.events = {e.id: e for e in intake.events}
        self.report = report
        day = as_day(as_of) if as_of is not None else None
        self.as_of = day or (report.as_of if report is not None else None)
        self._by_type: dict[str, list[Event]] | None = None
        self._trace: dict[tuple[str, str, str, str], list[Note]] | None = None
        self._traced = False
        # what discharged each duty the engine discharged (Trace.ended), by what its
        # finding says
        self._ended: dict[DutyKey, Ended] = {}
        # the trace holding what the engine looked for to meet each duty not met (its
        # Trace.looked, read with Trace.looked_for)
        self._looked: dict[DutyKey, Trace] = {}
        # the period each calendar duty is for (Trace.terms)
        self._terms: dict[DutyKey, Term] = {}

    def trace(self) -> dict[tuple[str, str, str, str], list[Note]] | None:
        """The engine's record of its reasoning (engine/trace.py), from evaluating the
        rulesets over the events as of the date with tracing on, as `evaluate` does;
        None without the events or the date."""
        if self._traced:
            return self._trace
        self._traced = True
        if self.events is None or self.as_of is None:
            return None
        complete = self.report.complete if self.report is not None else False
        plan = compile_plan(self.rulesets.values())
        traces = _Traces()
        evaluate_batch(
            plan,
            list(self.events.values()),
            self.as_of,
            complete=complete,
            trace=True,
            seen=traces.seen,
        )
        self.adopt(traces)
        return self._trace

    def adopt(self, traces: _Traces) -> None:
        """Read the engine's record from the traced runs `traces` was shown."""
        traces.done()
        self._traced = True
        self._trace = traces.notes
        self._ended = traces.ended
        self._looked = traces.looked
        self._terms = traces.terms

    def note(self, rule: Rule, f: Finding) -> Note | None:
        """The engine's note on the duty behind `f`, for a family explained from it."""
        if family_of(rule) not in NOTED or not f.triggered_by:
            return None
        trace = self.trace()
        if trace is None:
            return None
        notes = trace.get((f.agreement, f.rule, f.party, f.triggered_by[0]), [])
        due = [n for n in notes if "due" in n.sums and n.sums["due"].result == f.due]
        return due[0] if due else (notes[0] if notes else None)

    # -- look-ups
    def ruleset(self, f: Finding) -> Ruleset:
        rs = self.rulesets.get(f.agreement)
        if rs is None:
            raise ValueError(
                f"the finding comes from agreement {f.agreement!r}, which is not among the "
                f"rulesets given ({', '.join(self.rulesets) or 'none'})"
            )
        return rs

    def event(self, eid: str) -> Event | None:
        return self.events.get(eid) if self.events is not None else None

    def events_of(self, types: Sequence[str]) -> list[Event]:
        if self.events is None:
            return []
        if self._by_type is None:
            self._by_type = {}
            for e in sorted(self.events.values(), key=lambda e: (e.date, e.id)):
                self._by_type.setdefault(e.type, []).append(e)
        out = [e for t in types for e in self._by_type.get(t, [])]
        return sorted(out, key=lambda e: (e.date, e.id))

    def name(self, rs: Ruleset, pid: str | None) -> str:
        if not pid:
            return "-"
        p = rs.party(pid)
        label = p.name if p is not None else str(load_registry().get(pid, {}).get("name", ""))
        return f"{pid} ({label})" if label and label != pid else pid

    def party_obj(self, rs: Ruleset, pid: str) -> Party:
        p = rs.party(pid)
        if p is not None:
            return p
        entry = load_registry().get(pid, {})
        attrs_ = {k: v for k, v in entry.items() if k not in ("name", "created", "abolished")}
        return Party(pid, "council", str(entry.get("name", pid)), attrs_)

    def source(self, rs: Ruleset, ref: Any) -> str:
        """Where a value comes from: the text itself, or a parameter and its basis."""
        if isinstance(ref, ParamRef):
            p = rs.parameters.get(ref.name)
            basis = "an interpretation" if p is None or p.basis == "interpretation" else "text"
            return f"parameter {ref.name}, " + ("stated in the text" if basis == "text" else basis)
        return "stated in the text"

    def value(self, rs: Ruleset, ref: Any, day: Date) -> Any:
        if isinstance(ref, ParamRef):
            return rs.parameters[ref.name].value_at(day)
        return ref

    def with_source(self, rs: Ruleset, ref: Any, day: Date) -> str:
        v = self.value(rs, ref, day)
        if isinstance(v, Duration):
            return f"{v.describe()} ({v}, {self.source(rs, ref)})"
        return f"{_show(v)} ({self.source(rs, ref)})"

    def describe_event(self, rs: Ruleset, e: Event, skip: Iterable[str] = ()) -> str:
        attrs_ = [
            f"{k} {_show(v)}" for k, v in e.attrs.items() if k not in skip and v not in (None, "")
        ]
        tail = f"; {', '.join(attrs_)}" if attrs_ else ""
        when = (
            f"on {e.date}"
            if e.span is None
            else f"in {e.span.text} (one unknown day from {e.span.earliest} to {e.span.latest})"
        )
        return f"{e.id} {e.type} {when}, council {self.name(rs, e.council)}{tail}"

    def event_or_id(self, rs: Ruleset, eid: str) -> str:
        e = self.event(eid)
        if e is not None:
            return self.describe_event(rs, e)
        if self.events is None:
            return f"{eid} (pass the events to see it)"
        return f"{eid} (not among the events given)"

    def who(self, rs: Ruleset, rule: Rule) -> str:
        spec = rule.party
        if spec.body and spec.region_of:
            text = (
                f"the body of {self.name(rs, spec.body)} for the region of the council in "
                f"the trigger's {spec.region_of} (from the registry)"
            )
        elif spec.body:
            text = self.name(rs, spec.body)
        elif spec.each_member:
            text = "each member council"
        elif spec.path in (None, "council"):
            text = "the council of the triggering event"
        else:
            text = f"each council named in the trigger's {spec.path}"
        if rule.applies_to:
            text += f" (where {describe_condition(rule.applies_to)})"
        return text

    def wanted(
        self, spec: EventSpec, trigger: Event | None, party: str, with_party: bool = True
    ) -> str:
        """'follow_up_report.submitted for review r1 by E06000015': the event looked for."""
        text = " or ".join(spec.types)
        for a, b in spec.match:
            v = _first(trigger, b)
            if v is not None:
                text += f" for {a} {_show(v)}"
            elif a == b:
                text += f" with the same {a} as the trigger"
            else:
                text += f" whose {a} is the trigger's {b}"
        if spec.where:
            text += f" where {describe_condition(spec.where)}"
        if with_party and spec.by_each:
            need = sorted(each_of(spec, trigger, party))
            text += " by each of " + ", ".join(need) + f", for {party}"
        elif with_party:
            text += f" by {party}" if spec.by == "council" else f" naming {party} as {spec.by}"
            others = sorted(parties_named(spec.by_any, trigger) - {party})
            if others:
                who = " or ".join(others)
                text += (
                    f" (or by {who})"
                    if spec.by == "council"
                    else f" (or naming {who} as {spec.by})"
                )
        return text

    # -- the explanation
    def explain(self, f: Finding) -> str:
        rs = self.ruleset(f)
        if f.kind == Kind.ESCALATION.value:
            ladder = next((x for x in rs.escalations if x.id == f.rule), None)
            if ladder is None:
                raise ValueError(f"{f.agreement} has no escalation ladder {f.rule!r}")
            lines = self.escalation(rs, ladder, f)
        else:
            try:
                rule = rs.rule(f.rule)
            except KeyError:
                raise ValueError(f"{f.agreement} has no rule {f.rule!r}") from None
            lines = self.rule_finding(rs, rule, f)
        if f.status == Status.UNDETERMINED.value or f.ranges:
            lines.extend(self.imprecise(rs, f))
        lines = [*lines, *self.source_lines(f)]
        head = f"{f.kind} {f.status}: {f.title or f.rule} ({f.rule}), {self.name(rs, f.party)}"
        if f.about:
            head += f", about {self.name(rs, f.about)}"
        if self.as_of is not None:
            head += f", as of {self.as_of}"
        return "\n".join([head, *(f"  {line}" for line in lines)])

    def source_lines(self, f: Finding) -> list[str]:
        """Where the events the finding rests on are known from (their `source`), with
        each one's `confidence` when the events are at hand; nothing when none says."""
        out = []
        shown: set[str] = set()
        for event_id in dict.fromkeys((*f.triggered_by, *f.fulfilled_by)):
            e = self.event(event_id)
            if e is None or not e.attrs.get("source"):
                continue
            source = str(e.attrs["source"])
            shown.add(source)
            sure = e.attrs.get("confidence")
            out.append(
                f"Source of {e.id} ({e.type}, {e.date}): {source}"
                + (f" (confidence: {sure})" if sure else "")
            )
        rest = [s for s in f.sources if s not in shown]
        if rest:
            out.append("Sources: " + "; ".join(rest))
        return out

    def agreement_line(self, rs: Ruleset, clause: str, quote: str) -> str:
        return (
            f"Agreement: {rs.title} ({rs.id}, version {rs.version}), clause {clause}: "
            f'"{quote.strip()}"'
        )

    # -- obligations, breaches and notices
    def rule_finding(self, rs: Ruleset, rule: Rule, f: Finding) -> list[str]:
        trigger = self.event(f.triggered_by[0]) if len(f.triggered_by) == 1 else None
        lines = [self.agreement_line(rs, rule.clause, rule.quote)]
        lines.extend(self.version_lines(rs, rule, f, trigger))
        note = self.note(rule, f)
        if family_of(rule) in OUTCOME:
            day = note.read_on if note is not None else rs.effective.start
        elif note is not None:
            day = note.read_on
        else:
            day = self.read_on(rs, rule, f, trigger)
        lines.append(
            f"Rule {rule.id}, {KINDS[rule.kind].explain_noun}: {self.requires(rs, rule, day)}"
        )
        if family_of(rule) in OUTCOME:
            lines.extend(self.traced(rs, rule, f, note))
        else:
            if family_of(rule) is Family.TRIGGERED:
                lines.extend(self.duty_dates(rs, rule, f, note, trigger))
            else:
                lines.extend(self.arithmetic(rs, rule, f))
            lines.extend(self.trigger_lines(rs, rule, f))
            lines.extend(self.outcome(rs, rule, f, trigger))
        lines.extend(self.interpretations(rs, f, day))
        lines.extend(self.escalation_outlook(rs, rule, f))
        return lines

    def version_lines(
        self, rs: Ruleset, rule: Rule, f: Finding, trigger: Event | None
    ) -> list[str]:
        """Which dated version governed the finding, chosen by which date, and since when."""
        if not rs.versions or f.version is None:
            return []
        version = next((v for v in rs.versions if v.id == f.version), None)
        if version is None:
            return [f"Version: {f.version} (not a version of {rs.id} as loaded here)."]
        if trigger is not None:
            by = f"the trigger's date, {trigger.date}"
        else:
            by = "the first day of the duty's period or span"
        later = [v for v in rs.versions if v.start > version.start]
        until = (
            f" until {later[0].start - DAY} ({later[0].id} from {later[0].start})" if later else ""
        )
        title = f" ({version.title})" if version.title else ""
        start = (
            f"{version.start} (parameter {version.start_parameter})"
            if version.start_parameter
            else str(version.start)
        )
        text = f"Version: {version.id}{title}, in force from {start}{until}, chosen by {by}"
        if rule.versions:
            text += f"; this rule belongs to {', '.join(rule.versions)}"
        else:
            text += "; this rule belongs to every version"
        cites = f" (cites {version.cites})" if version.cites else ""
        return [text + cites + "."]

    # -- the families whose outcome is their note's (OUTCOME)
    def traced(self, rs: Ruleset, rule: Rule, f: Finding, note: Note | None) -> list[str]:
        """The arithmetic, the events and the outcome, as the engine recorded them."""
        family = family_of(rule)
        lines: list[str] = []
        if family is Family.CHECKED:
            lines.append(f"Checked on the event's own date, {f.due}.")
        elif family is Family.CEILING:
            lines.extend(self.ceiling_lines(rs, f, note))
        elif family is Family.ENTITLEMENT:
            lasts = note.sums.get("lasts") if note is not None else None
            if lasts is not None:
                lines.append(
                    f"Available: from {lasts.start}; lasts {lasts.amount.describe()} "
                    f"({lasts.amount}, {self.source(rs, lasts.given)}) → until "
                    f"{_sum_text(lasts)}."
                )
            elif note is not None or f.due is None:
                lines.append(f"Available: from {f.opens}, with no end given.")
            else:
                lines.append(
                    f"Available: from {f.opens} until {f.due} (pass the events to see the "
                    "arithmetic)."
                )
        if family is not Family.CEILING:
            lines.extend(f"Triggered by: {self.event_or_id(rs, eid)}." for eid in f.triggered_by)
        if f.status == Status.UNDETERMINED.value:
            return lines  # explained by imprecise(), status by status
        if family is Family.CHECKED:
            lines.extend(self.check_outcome(rule, f, note))
        elif f.status == Status.LAPSED.value:
            lines.append(f"Lapsed: the entitlement ended on {f.due}, before {self.as_of}.")
        elif f.status == Status.AVAILABLE.value:
            lines.append(f"Available: still open as of {self.as_of or 'the report date'}.")
        elif f.status == Status.EXCEEDED.value:
            lines.append(f"Exceeded: the ceiling was passed on {f.due}.")
        return lines

    def ceiling_lines(self, rs: Ruleset, f: Finding, note: Note | None) -> list[str]:
        """A ceiling's period and value, and the events it counted with the running total."""
        if note is None or note.period is None:
            return [
                f"Period: the one holding {f.due}; first exceeded on {f.due}.",
                f"Counted: {', '.join(f.triggered_by)} (pass the events to see the amounts).",
            ]
        p = note.period
        shown = self.amount(rs, note.ceiling_given, p.start)
        parts = [
            f"{c.event} on {c.date}: {c.amount:g} (running total {c.total:g})" for c in note.counted
        ]
        listed = parts[:MAX_LISTED]
        more = f"; and {len(parts) - MAX_LISTED} more" if len(parts) > MAX_LISTED else ""
        return [
            f"Period: {p.label}, {p.start} to {p.end}; ceiling {shown}; first exceeded on {f.due}.",
            f"Counted: {'; '.join(listed)}{more}.",
        ]

    def duty_dates(
        self, rs: Ruleset, rule: Rule, f: Finding, note: Note | None, trigger: Event | None
    ) -> list[str]:
        """A triggered duty's due date (and a window's opening), as the engine's sums;
        worked out from the trigger when there is no trace (see `note`)."""
        if note is None or "due" not in note.sums:
            return self.derived_dates(rs, cast(DeadlineRule | WindowRule, rule), f, trigger)
        due = note.sums["due"]
        verb = _verb(note.trigger.type)
        opens = note.sums.get("opens")
        out: list[str] = []
        if opens is None:
            out.append(
                f"Deadline: {verb} {due.start}; {due.amount.describe()} ({due.amount}, "
                f"{self.source(rs, due.given)}) → due {_sum_text(due)}."
            )
        else:
            out.append(
                f"Window: {verb} {due.start}; opens {opens.amount.describe()} later "
                f"({opens.amount}, {self.source(rs, opens.given)}) → {_sum_text(opens)}; "
                f"due {due.amount.describe()} later ({due.amount}, "
                f"{self.source(rs, due.given)}) → {_sum_text(due)}; both ends included."
            )
            if opens.result != f.opens:
                out.append(f"Note: the finding says the window opens {f.opens}.")
        if due.result != f.due:
            out.append(f"Note: the finding says due {f.due}.")
        return out

    def derived_dates(
        self, rs: Ruleset, rule: DeadlineRule | WindowRule, f: Finding, trigger: Event | None
    ) -> list[str]:
        """A triggered duty's dates worked out from the trigger, where there is no trace:
        no events given, or a stream with imprecise dates."""
        out: list[str] = []
        start = trigger.date if trigger is not None else None
        if start is not None and rule.trigger.state and start < rs.effective.start:
            start = rs.effective.start  # a state holding on the agreement's start
        window = getattr(rule, "opens", None)  # a window's; None for a deadline
        if start is None and window is None:
            start = f.opens
        if start is None:
            return [
                f"Window: opens {f.opens}, due {f.due}, both counted from the trigger's "
                "date (pass the events to see the arithmetic)."
            ]
        verb = _verb(trigger.type) if trigger is not None else "triggered"
        due_d = self.value(rs, rule.due, start)
        due, clamp = _add_explained(start, due_d)
        if window is None:
            out.append(
                f"Deadline: {verb} {start}; {due_d.describe()} ({due_d}, "
                f"{self.source(rs, rule.due)}) → due {due}{clamp}."
            )
        else:
            open_d = self.value(rs, window, start)
            opens, oclamp = _add_explained(start, open_d)
            out.append(
                f"Window: {verb} {start}; opens {open_d.describe()} later ({open_d}, "
                f"{self.source(rs, window)}) → {opens}{oclamp}; due "
                f"{due_d.describe()} later ({due_d}, {self.source(rs, rule.due)}) → "
                f"{due}{clamp}; both ends included."
            )
            if opens != f.opens:
                out.append(f"Note: the finding says the window opens {f.opens}.")
        if due != f.due:
            out.append(f"Note: the finding says due {f.due}.")
        return out

    def check_outcome(self, rule: Rule, f: Finding, note: Note | None) -> list[str]:
        """A checked requirement: which of its parts the triggering event failed, as the
        engine found, with what the event has there."""
        require: Condition | None = getattr(rule, "require", None)
        if f.status == Status.FULFILLED.value:
            return [f"Requirement met by the event itself: {describe_condition(require)}."]
        if note is None or require is None:
            return [
                f"Requirement not met: {describe_condition(require)} "
                "(pass the events to see which part failed)."
            ]
        by_key = {entry.key: entry for entry in require.entries}
        out = []
        for key in note.failed:
            entry = by_key[key]
            have = resolve(note.trigger, key) if isinstance(entry, Attribute) else []
            shown = f" (the event has {key}: {_show(have if len(have) != 1 else have[0])}"
            entries = [x for v in have for x in (v if isinstance(v, list) else [v])]
            if entries and all(isinstance(x, Mapping) for x in entries):
                for inner in _inner_keys(entry):
                    values = [str(v) for v in resolve(entries, inner)]
                    shown += f"; {inner}: {', '.join(dict.fromkeys(values)) or 'none given'}"
            text = describe_condition(require.part(entry)).replace(
                "the party", f"the party ({f.party})"
            )
            out.append(f"Requirement not met: {text}{shown + ')' if have else ''}.")
        return out

    def read_on(self, rs: Ruleset, rule: Rule, f: Finding, trigger: Event | None) -> Date:
        """The date the rule's parameters are read for (as the engine reads them)."""
        if trigger is not None:
            return trigger.date
        if isinstance(rule, DeadlineRule) and f.opens:
            return f.opens
        if isinstance(rule, RecurringRule) and f.opens:
            term = self.term(f)
            return term.period.start if term is not None else f.opens
        return rs.effective.start

    def period_of(self, rs: Ruleset, spec: PeriodSpec, day: Date) -> tuple[Date, Date, str]:
        base = PeriodSpec(spec.calendar, spec.unit)
        p = next(base.periods(day, day, rs.effective.start))
        return p.start, p.end, p.label

    def requires(self, rs: Ruleset, rule: Rule, day: Date) -> str:
        """What the rule asks, in the words of its kind's module (`kinds/`)."""
        return KINDS[rule.kind].explain(self, rs, rule, day)

    # the phrases a kind's sentence is made of (kinds.base.ExplainWords)
    def wanted_text(self, spec: EventSpec) -> str:
        return self.wanted(spec, None, "the party", with_party=False)

    def amount(self, rs: Ruleset, value: Any, day: Date) -> str:
        return self.with_source(rs, value, day)

    def trigger_text(self, spec: EventSpec) -> str:
        return _trigger_text(spec)

    def a(self, text: str) -> str:
        return _a(text)

    def period_words(self, spec: PeriodSpec) -> str:
        return _period_words(spec)

    def condition(self, cond: Condition | None) -> str:
        return describe_condition(cond)

    def arithmetic(self, rs: Ruleset, rule: Rule, f: Finding) -> list[str]:
        out: list[str] = []
        if isinstance(rule, FixedDateRule):
            given = (
                f"the later of {self.with_source(rs, rule.opens, rs.effective.start)} and the "
                "party's joining"
                if rule.opens is not None
                else "the later of the agreement's start and the party's joining"
            )
            return [f"Due: {f.due} ({self.source(rs, rule.due)}); open from {f.opens} ({given})."]
        if isinstance(rule, RecurringRule) and f.opens and f.due:
            term = self.term(f)
            if term is None:
                return [
                    f"Period: the one from {f.opens}, due {f.due} (pass the events to see the "
                    "arithmetic)."
                ]
            p = term.period
            text = f"Period: {p.label}, {p.start} to {p.end}"
            if term.grace is not None:
                g = term.grace
                text += (
                    f"; plus {g.amount.describe()} of grace ({g.amount}, "
                    f"{self.source(rs, g.given)}), from the day after it ends → due {g.result}"
                )
            else:
                text += f"; due on its last day, {p.end}"
            if f.opens != p.start:
                text += f"; counted from {f.opens}, when the agreement took effect for this party"
            return [text + "."]
        if isinstance(rule, CountRule):
            return [f"Span: {f.opens} to {f.due}; due on its last day, {f.due}."]
        return out

    def trigger_lines(self, rs: Ruleset, rule: Rule, f: Finding) -> list[str]:
        if not f.triggered_by:
            if isinstance(rule, (RecurringRule, CountRule, FixedDateRule)):
                return ["Triggered by: no event; the duty runs by the calendar."]
            return []
        return [f"Triggered by: {self.event_or_id(rs, eid)}." for eid in f.triggered_by]

    def outcome(self, rs: Ruleset, rule: Rule, f: Finding, trigger: Event | None) -> list[str]:
        status = f.status
        if status == Status.UNDETERMINED.value:
            return []  # explained by imprecise(), status by status
        out: list[str] = []
        if status == Status.WAIVED.value:
            out.extend(f"Waived by: {self.event_or_id(rs, eid)}." for eid in f.fulfilled_by)
            return out
        if f.fulfilled_by and status in MET:
            for eid in f.fulfilled_by:
                e = self.event(eid)
                timing = self.timing(rule, f, e)
                out.append(f"Fulfilled by: {self.event_or_id(rs, eid)}{timing}.")
            late = [e.date for e in map(self.event, f.fulfilled_by) if e is not None]
            remedied = f.remedied_on or (min(late) if late else None)
            if status in (Status.FULFILLED_LATE, Status.REMEDIED) and f.due is not None:
                if rule.severity == "notice":  # a notice-only duty is missed, never breached
                    out.append(
                        f"Late: missed from {f.due + DAY}"
                        + (f" until it was met on {remedied}" if remedied else "")
                        + "; a notice, not a breach."
                    )
                else:
                    out.append(
                        f"Late: in breach from {f.due + DAY}"
                        + (
                            f" until it was remedied on {remedied}"
                            if remedied
                            else " until remedied"
                        )
                        + "; the breach stays on the record."
                    )
            return out
        if status == Status.DISCHARGED.value:
            return [self.discharged(f)]
        # not (or not fully) met: what was looked for and not found
        if isinstance(rule, (RecurringRule, CountRule)):
            counted = list(f.fulfilled_by)
            if counted:
                out.append(
                    f"Found only {len(counted)} of {rule.at_least}: "
                    + "; ".join(self.event_or_id(rs, eid) for eid in counted)
                    + "."
                )
        out.extend(self.not_met(rule, f, trigger))
        if status == Status.UNRECORDED.value:
            out.append(self.unrecorded(rule, f, trigger))
        return out

    def imprecise(self, rs: Ruleset, f: Finding) -> list[str]:
        """What an imprecisely dated event leaves open: the statuses, the dates' ranges, the
        events whose day is not known, and how to settle it."""
        out: list[str] = []
        if f.status == Status.UNDETERMINED.value:
            statuses = " or ".join(f.possible)
            out.append(
                f"Undetermined: {statuses}, depending on the day on which events with "
                "imprecise dates happened"
                + (
                    " (the finding exists on some of those days only)."
                    if len(f.possible) == 1
                    else "."
                )
            )
        for name, lo, hi in f.ranges:
            label = {"opens": "Opens", "due": "Due", "remedied_on": "Remedied"}[name]
            out.append(f"{label} between {lo} and {hi}, by the day of those events.")
        vague = [
            e
            for eid in dict.fromkeys((*f.triggered_by, *f.fulfilled_by))
            if (e := self.event(eid)) is not None and e.span is not None
        ]
        if not vague and self.events is not None:
            vague = [
                e
                for e in self.events.values()
                if e.span is not None and f.party in (e.council, *map(str, e.attrs.values()))
            ]
        for e in vague[:MAX_LISTED]:
            out.append(f"Date not exact: {self.describe_event(rs, e)}.")
        if f.status == Status.UNDETERMINED.value:
            out.append(f"By status: {f.explanation}")
            out.append(
                "To settle it, give those events' days (YYYY-MM-DD) or a narrower span "
                "(docs/events.md, Imprecise dates)."
            )
        return out

    def unrecorded(self, rule: Rule, f: Finding, trigger: Event | None) -> str:
        spec: EventSpec | None = getattr(rule, "fulfil", None)
        whose = f.party
        if spec is not None and spec.by_each:
            whose = "each of " + ", ".join(sorted(each_of(spec, trigger, f.party)))
        waive: EventSpec | None = getattr(rule, "waive", None)
        types = [*(spec.types if spec else ()), *(waive.types if waive else ())]
        lo = trigger.date if trigger is not None else f.opens
        if isinstance(rule, (RecurringRule, CountRule)) or (
            isinstance(rule, WindowRule) and rule.early == "ignore"
        ):
            lo = f.opens
        missed = "missed" if rule.severity == "notice" else "breached"
        return (
            f"Unrecorded, not {missed}: the "
            f"record is not declared complete for {' or '.join(dict.fromkeys(types))} by "
            f"{whose} from {lo} to {f.due}, so the missing event is not evidence that it "
            "did not happen. If the record does hold every such event, say so with a "
            f"record.coverage event (types, parties, from, to, source) dated on or before "
            f"{self.as_of or 'the report date'}, or with --complete (complete=True) for a "
            f"whole stream; the duty is then {missed}."
        )

    def timing(self, rule: Rule, f: Finding, e: Event | None) -> str:
        if e is None or f.due is None:
            return ""
        if f.status == Status.FULFILLED_EARLY.value and f.opens:
            how = (
                "which the rule accepts as early (a notice, not a breach)"
                if not isinstance(rule, WindowRule) or rule.early == "accept"
                else "which this rule does not count"
            )
            return (
                f": {_days_between(e.date, f.opens)} before the window opened on {f.opens}, {how}"
            )
        if e.date > f.due:
            return f": late, {_days_between(f.due, e.date)} after the due date {f.due}"
        if e.date == f.due:
            return f": on the due day {f.due} itself, which counts as on time"
        return f": on time, {_days_between(e.date, f.due)} before the due date {f.due}"

    def term(self, f: Finding) -> Term | None:
        """The period of a calendar duty, as the engine dated it (Trace.terms)."""
        self.trace()
        return self._terms.get(duty_of(f))

    def looked_for(self, f: Finding) -> Looked | None:
        """What the engine looked for to meet the duty of `f` (Trace.looked)."""
        self.trace()
        trace = self._looked.get(duty_of(f))
        return trace.looked_for(f) if trace is not None else None

    def not_met(self, rule: Rule, f: Finding, trigger: Event | None) -> list[str]:
        """What the engine looked for and did not find, and each event it offered the duty
        that did not count, with the engine's reasons (engine/misses.py)."""
        spec: EventSpec | None = getattr(rule, "fulfil", None)
        if spec is None:
            return ["Why not: the rule names no fulfilling event."]
        looked = self.looked_for(f)
        if looked is not None:
            trigger = looked.trigger
        want = self.wanted(spec, trigger, f.party)
        if trigger is None and f.triggered_by and self.events is None:
            want += " (the trigger's values need the events)"
        lo = looked.start if looked is not None else f.opens
        hi = f.due
        as_of = self.as_of
        out: list[str] = []
        if f.status in (Status.OPEN, Status.UPCOMING):
            left = f" ({_days_between(as_of, hi)} left)" if as_of and hi else ""
            upto = as_of or hi
            out.append(
                f"Not yet fulfilled: no {want} dated between {lo} and {upto} was found; "
                f"due {hi}{left}."
            )
        else:
            later = ""
            if family_of(rule) in (Family.TRIGGERED, Family.FIXED):
                later = f", nor any later one up to {as_of}" if as_of else ", nor any later one"
            out.append(f"Why not: no {want} dated between {lo} and {hi} was found{later}.")
        if looked is not None:
            out.extend(self.misses(spec, f, looked))
        return out

    def misses(self, spec: EventSpec, f: Finding, looked: Looked) -> list[str]:
        """The near misses the engine noted, nearest first: the party's own events before
        others', those about the trigger's subject before the rest, then by date."""
        scored: list[tuple[tuple[Any, ...], str]] = []
        for m in looked.misses:
            e = m.event
            reasons = "; ".join(self.why_text(spec, f, e, w) for w in m.why)
            distance = abs((e.date - (f.due or e.date)).days)
            key = (not m.theirs, m.mismatched, distance, e.id)
            given = self.event(e.id)
            when = f"{e.date}" + (
                f" (the day taken for {given.span.text})"
                if given is not None and given.span is not None
                else ""
            )
            scored.append((key, f"Not counted: {e.id} {e.type} on {when}: {reasons}."))
        done: set[str] = set()
        for e, mine in looked.parts:
            done.update(mine)
            text = f"Counted as {', '.join(mine)}'s part: {e.id} {e.type} on {e.date}."
            scored.append(((False, -1, 0, e.id), text))
        if spec.by_each and done:
            owners = looked.owners
            owed = sorted(set(owners) - done)
            scored.append(
                (
                    (False, -1, 1, ""),
                    f"The duty is met only when each of {', '.join(owners)} has "
                    + (f"acted; still to act: {', '.join(owed)}." if owed else "acted."),
                )
            )
        scored.sort()
        lines = [text for _k, text in scored[:MAX_CANDIDATES]]
        if len(scored) > MAX_CANDIDATES:
            lines.append(f"... and {len(scored) - MAX_CANDIDATES} more near misses.")
        return lines

    def why_text(self, spec: EventSpec, f: Finding, e: Event, why: Why) -> str:
        """One of the engine's reasons for not counting `e` (trace.Why), in words."""
        v = why.values
        if why.code == "by":
            by, owners = v
            if spec.by == "council":
                return f"it is by {', '.join(by) or 'no one'}, not {' or '.join(owners)}"
            return f"its {spec.by} is {', '.join(by) or 'empty'}, not {f.party}"
        if why.code == "match":
            return f"its {v[0]} is {_show(v[1])}, not {_show(v[2])}"
        if why.code == "where":
            has = [
                f"{k} {_show(x if len(x) != 1 else x[0])}"
                for k in _attribute_keys(spec.where)
                if (x := resolve(e, k))
            ]
            return f"it does not satisfy: {describe_condition(spec.where)}" + (
                f" (it has {', '.join(has)})" if has else ""
            )
        words = {
            "as_of": "it is dated after the as-of date {0}",
            "before_effect": "it is dated before the agreement took effect ({0})",
            "after_effect": "it is dated after the agreement's last day in effect ({0})",
            "before_trigger": "it is dated before the trigger ({0})",
            "outside": "it is dated outside {0} to {1}",
            "early": "it came before the window opened ({0}); early ones do not count",
            "before_opened": "it is dated before the duty opened ({0})",
            "after_due": "it is dated after the due date {0}",
            "elsewhere": "it counted instead for the duty open from {0}, due {1} "
            "(an event counts once)",
            "refused": "{0}",
        }
        return words[why.code].format(*v)

    def discharged(self, f: Finding) -> str:
        """The one cause that discharged the duty, as the engine recorded it."""
        trace = self.trace()
        ended = None if trace is None else self._ended.get(duty_of(f))
        if ended is None:
            return f"Discharged before it fell due ({f.due}); pass the events to see what ended it."
        return f"Discharged before it fell due ({f.due}): {ended.why}."

    def interpretations(self, rs: Ruleset, f: Finding, day: Date) -> list[str]:
        if not f.interpretations:
            return ["Interpretations: none; every date here is stated in the text."]
        out = []
        for name in f.interpretations:
            if name == "effective-start":
                out.append(
                    f"Interpretation: the agreement's start, {rs.effective.start}: "
                    f"{rs.effective.start_rationale}"
                )
                continue
            if name.startswith("rule "):
                rid = name[5:]
                target: Rule | EscalationLadder | None = next(
                    (r for r in rs.rules if r.id == rid), None
                ) or next((x for x in rs.escalations if x.id == rid), None)
                why = target.interpretation if target is not None else ""
                out.append(f"Interpretation: {name} as a whole: {why}")
                continue
            p = rs.parameters.get(name)
            if p is None:
                out.append(f"Interpretation: {name}")
                continue
            value = p.value_at(day)
            dated = ""
            if len(p.values) > 1:
                since = max((s for s, _v in p.values if s is not None and s <= day), default=None)
                dated = f" (the value in force from {since})" if since else ""
            out.append(f"Interpretation: {name} = {_show(value)}{dated}: {p.rationale}")
        return out

    # -- escalations
    def steps_text(self, ladder: EscalationLadder) -> str:
        return "; ".join(f"{s.step} {s.title or 'untitled'} ({s.actor})" for s in ladder.steps)

    def chain(
        self, ladder: EscalationLadder, about: str, trig: tuple[str, ...], start: Date
    ) -> list[Finding]:
        """The escalation findings of one ladder instance in the report, step by step."""
        if self.report is None:
            return []
        pool = sorted(
            (
                e
                for e in self.report.escalations
                if e.rule == ladder.id
                and e.about == about
                and e.triggered_by == trig
                and e.opens is not None
                and e.opens >= start
            ),
            key=lambda e: (e.step or 0, e.opens or start),
        )
        out: list[Finding] = []
        for e in pool:
            if not out:
                if e.step == 1 and e.opens == start:
                    out.append(e)
                continue
            prev = out[-1]
            if e.step == (prev.step or 0) + 1 and prev.opens and e.opens and e.opens >= prev.opens:
                out.append(e)
        return out

    def schedule(self, rs: Ruleset, ladder: EscalationLadder, start: Date) -> list[str]:
        out, t = [], start
        for s in ladder.steps:
            due = add(t, self.value(rs, s.window, start))
            out.append(f"step {s.step} ({s.title or 'untitled'}) for {s.actor}: {t} to {due}")
            t = due + DAY
        return out

    def escalation_outlook(self, rs: Ruleset, rule: Rule, f: Finding) -> list[str]:
        ladders = [x for x in rs.escalations if rule.id in x.breach_of]
        out: list[str] = []
        for ladder in ladders:
            intro = (
                f"Escalation: a missed {rule.id} starts ladder {ladder.id}"
                + (f" ({ladder.title})" if ladder.title else "")
                + f', clause {ladder.clause}: "{ladder.quote.strip()}"'
            )
            if f.due is None:
                out.append(intro + ".")
                continue
            start = f.due + DAY
            if f.status in (
                Status.FULFILLED,
                Status.FULFILLED_EARLY,
                Status.WAIVED,
                Status.DISCHARGED,
            ):
                out.append(f"{intro}; not started, as the duty was {f.status.replace('_', ' ')}.")
                continue
            if f.status == Status.UNRECORDED.value:
                out.append(f"{intro}; not started, as the duty is unrecorded, not breached.")
                continue
            if f.status in (Status.OPEN, Status.UPCOMING):
                out.append(f"{intro}; if the duty is missed it starts on {start}.")
                continue
            concern = self.breach_concern(rs, f)
            named = (
                f" Events about this breach name it as concern {concern}, about {f.party}."
                if concern
                else ""
            )
            out.append(f"{intro}; it started on {start}, the day after the due date.{named}")
            chain = self.chain(ladder, f.party, f.triggered_by, start)
            if chain:
                for e in chain:
                    out.append(
                        f"  step {e.step} ({self.step_title(ladder, e.step)}) for {e.actor}: "
                        f"{e.status}, {e.opens} to {e.due}"
                        + (f", by {', '.join(e.fulfilled_by)}" if e.fulfilled_by else "")
                    )
                out.append(self.next_step(rs, ladder, chain[-1]))
            elif f.remedied_on is not None:
                out.append(f"  It stopped when the duty was met late, on {f.remedied_on}.")
            else:
                out.append(
                    "  Steps, unless the duty is met first: "
                    + "; ".join(self.schedule(rs, ladder, start))
                    + "."
                )
        if not ladders:
            out.append("Escalation: no escalation ladder in this ruleset names this rule.")
            open_to = [x.id for x in rs.escalations if x.on_concern]
            if open_to and f.status not in MET:
                out.append(
                    f"  A concern about {f.party} may still be raised under {', '.join(open_to)}."
                )
        out.extend(self.other_escalations(rs, f, ladders))
        return out

    def other_escalations(
        self, rs: Ruleset, f: Finding, covered: Sequence[EscalationLadder]
    ) -> list[str]:
        """Escalation findings in the report about this party, not already shown."""
        if self.report is None:
            return []
        mine = {x.id for x in covered}
        found = [
            e
            for e in self.report.escalations
            if e.agreement == f.agreement
            and e.about == f.party
            and not (e.rule in mine and e.triggered_by == f.triggered_by)
        ]
        if not found:
            return []
        out = [f"Other escalation steps about {self.name(rs, f.party)} as of {self.report.as_of}:"]
        for e in found[:MAX_LISTED]:
            out.append(
                f"  {e.rule} step {e.step} for {e.actor}: {e.status}, {e.opens} to {e.due}"
                f" ({self.started_text(e)})"
            )
        if len(found) > MAX_LISTED:
            out.append(f"  ... and {len(found) - MAX_LISTED} more.")
        return out

    def start_of(self, e: Finding) -> Date | None:
        """The day the ladder of an escalation finding started (its step 1 opening)."""
        if e.step == 1 or e.opens is None:
            return e.opens
        if self.report is None:
            return None
        opens = e.opens
        starts = [
            x.opens
            for x in self.report.escalations
            if x.agreement == e.agreement
            and x.rule == e.rule
            and x.about == e.about
            and x.triggered_by == e.triggered_by
            and x.step == 1
            and x.opens is not None
            and x.opens <= opens
        ]
        return max(starts, default=None)

    def started_text(self, e: Finding) -> str:
        for eid in e.triggered_by:
            ev = self.event(eid)
            if ev is not None and ev.type == "concern.raised":
                return f"started by concern {ev.get('concern')}, {eid}"
        ladder = next((x for x in self.rulesets[e.agreement].escalations if x.id == e.rule), None)
        breach = self.started_by_breach(ladder, e, self.start_of(e)) if ladder else None
        if breach is not None:
            trig = f", trigger {', '.join(breach.triggered_by)}" if breach.triggered_by else ""
            return f"started by a breach of {breach.rule} due {breach.due}{trig}"
        if e.triggered_by:
            return f"trigger {', '.join(e.triggered_by)}"
        return "started by a missed duty with no triggering event"

    def step_title(self, ladder: EscalationLadder, number: int | None) -> str:
        step = self.step(ladder, number)
        return (step.title if step and step.title else None) or f"step {number}"

    def step(self, ladder: EscalationLadder, number: int | None) -> EscalationStep | None:
        return next((s for s in ladder.steps if s.step == number), None)

    def next_step(self, rs: Ruleset, ladder: EscalationLadder, e: Finding) -> str:
        if e.status == Status.STOPPED.value:
            return "Next step: none; the ladder has stopped."
        if e.status == Status.DUE.value:
            return (
                f"Next step: step {e.step} ({self.step_title(ladder, e.step)}) by "
                f"{self.name(rs, e.actor)}, due by {e.due}."
            )
        nxt = self.step(ladder, (e.step or 0) + 1)
        if nxt is None:
            return "Next step: none; this was the ladder's last step."
        return (
            f"Next step: step {nxt.step} ({nxt.title or 'untitled'}) by "
            f"{self.name(rs, nxt.actor)}, opening {e.due + DAY if e.due else '-'} if the "
            "concern is still unresolved."
        )

    def escalation(self, rs: Ruleset, ladder: EscalationLadder, f: Finding) -> list[str]:
        about = f.about or ""
        step = self.step(ladder, f.step)
        start = self.start_of(f)
        read = start or f.opens or rs.effective.start
        lines = [self.agreement_line(rs, ladder.clause, ladder.quote)]
        lines.append(
            f"Ladder {ladder.id}"
            + (f" ({ladder.title})" if ladder.title else "")
            + f" has {_plural(len(ladder.steps), 'step')}: {self.steps_text(ladder)}."
        )
        if step is not None:
            lines.append(
                f"Step {step.step} ({step.title or 'untitled'}) falls to "
                f"{self.name(rs, step.actor)}, within {self.with_source(rs, step.window, read)} "
                "of the step opening."
            )
        lines.extend(self.ladder_start(rs, ladder, f, start))
        if step is not None and f.opens and f.due:
            window = self.value(rs, step.window, read)
            due, clamp = _add_explained(f.opens, window)
            why = "the day the ladder started" if f.step == 1 else self.opened_because(ladder, f)
            lines.append(
                f"Step {step.step}: opens {f.opens} ({why}); {window.describe()} ({window}, "
                f"{self.source(rs, step.window)}) → due {due}{clamp}."
            )
            if due != f.due:
                lines.append(f"Note: the finding says due {f.due}.")
        if f.status == Status.TAKEN.value:
            lines.extend(f"Taken: {self.event_or_id(rs, eid)}." for eid in f.fulfilled_by)
        elif f.status == Status.STOPPED.value:
            said = f.explanation.split("; stopped: ", 1)
            why = said[1].rstrip(".") if len(said) == 2 else ""
            if why.startswith(("the state ", "the agreement ended")):
                # stopped by a state's end or the agreement's end, which the engine names
                lines.append(f"Stopped: {why}.")
            elif f.fulfilled_by:
                lines.extend(
                    f"Stopped: the concern was resolved by {self.event_or_id(rs, eid)}."
                    for eid in f.fulfilled_by
                )
            else:
                breach = self.started_by_breach(ladder, f, start)
                when = f" on {breach.remedied_on}" if breach and breach.remedied_on else ""
                lines.append(f"Stopped: the breach that started the ladder was remedied{when}.")
        else:
            breach = self.started_by_breach(ladder, f, start)
            concern = (
                self.breach_concern(rs, breach)
                if breach is not None
                else self.concern_of(ladder, f)
            )
            unresolved = (
                "the breach has been neither remedied nor resolved"
                if breach is not None or (concern is None and ladder.breach_of)
                else "the concern has not been resolved"
            )
            overdue = (
                ", which has passed"
                if self.as_of is not None and f.due is not None and self.as_of > f.due
                else ""
            )
            lines.append(
                f"Not yet taken: no escalation.taken for step {f.step} about {about}"
                + (f" (concern {concern})" if concern else "")
                + f" dated on or before {self.as_of or 'the report date'} was found, and "
                f"{unresolved}; due by {f.due}{overdue}."
            )
        lines.extend(self.interpretations(rs, f, read))
        lines.append(
            self.next_step(rs, ladder, f)
            if f.status != Status.DUE.value
            else self.after(rs, ladder, f)
        )
        return lines

    def after(self, rs: Ruleset, ladder: EscalationLadder, f: Finding) -> str:
        nxt = self.step(ladder, (f.step or 0) + 1)
        if nxt is None:
            return "Next step: none after this one; it is the ladder's last step."
        return (
            f"Next step: step {nxt.step} ({nxt.title or 'untitled'}) by "
            f"{self.name(rs, nxt.actor)}, opening {f.due + DAY if f.due else '-'} if the "
            "concern is still unresolved then (or earlier, if it is taken earlier)."
        )

    def opened_because(self, ladder: EscalationLadder, f: Finding) -> str:
        if self.report is None or f.opens is None:
            return f"after step {(f.step or 1) - 1}'s window"
        prev = next(
            (
                e
                for e in self.report.escalations
                if e.rule == ladder.id
                and e.about == f.about
                and e.triggered_by == f.triggered_by
                and e.step == (f.step or 0) - 1
                and e.due is not None
                and e.opens is not None
                and e.opens <= f.opens
            ),
            None,
        )
        if prev is None or prev.due is None:
            return f"after step {(f.step or 1) - 1}'s window"
        if prev.due + DAY == f.opens:
            return f"the day after step {prev.step}'s window ended on {prev.due}"
        return f"early, on the date step {f.step} was taken"

    def breach_concern(self, rs: Ruleset, b: Finding) -> str | None:
        """The name a breach-started ladder goes by, RULE/KEY, as events must give it."""
        rule = next((r for r in rs.rules if r.id == b.rule), None)
        if rule is None:
            return None
        if isinstance(rule, FixedDateRule):
            key = "fixed"
        elif isinstance(rule, RecurringRule) and b.opens is not None:
            key = self.period_of(rs, rule.period, b.opens)[2]
        elif isinstance(rule, CountRule) and b.due is not None:
            key = self.span_label(rs, rule, b.due)
        elif b.triggered_by:
            key = b.triggered_by[0]
        else:
            return None
        return f"{rule.id}/{key}"

    def span_label(self, rs: Ruleset, rule: CountRule, due: Date) -> str:
        eff = rs.rule_start(rule)
        start = self.value(rs, rule.start, eff) if rule.start is not None else eff
        end = self.value(rs, rule.end, start)
        s, e, k = start, end, 0
        if rule.repeat:
            delta = relativedelta(end + DAY, start)
            while e < due:
                k += 1
                s, e = start + delta * k, start + delta * (k + 1) - DAY
        return f"{s.isoformat()} to {e.isoformat()}"

    def concern_of(self, ladder: EscalationLadder, f: Finding) -> str | None:
        """The concern id that escalation.taken events must name (as the engine keys it)."""
        for eid in f.triggered_by:
            e = self.event(eid)
            if e is None:
                continue
            if e.get("concern") is not None:
                return str(e.get("concern"))
            if ladder.start_on is not None and e.type in ladder.start_on.types:
                return e.id
        return None

    def started_by_breach(
        self, ladder: EscalationLadder, f: Finding, start: Date | None
    ) -> Finding | None:
        if self.report is None or start is None:
            return None
        return next(
            (
                b
                for b in self.report.findings
                if b.kind in (Kind.BREACH, Kind.NOTICE)
                and b.agreement == f.agreement
                and b.rule in ladder.breach_of
                and b.party == f.about
                and b.triggered_by == f.triggered_by
                and b.due is not None
                and b.due + DAY == start
            ),
            None,
        )

    def ladder_start(
        self, rs: Ruleset, ladder: EscalationLadder, f: Finding, start: Date | None
    ) -> list[str]:
        breach = self.started_by_breach(ladder, f, start)
        if breach is not None:
            return [
                f"Started by: a breach of {breach.rule} (clause {breach.clause}) by "
                f"{self.name(rs, breach.party)}, due {breach.due}, so the ladder started the "
                f"day after, {start}; the missed duty was triggered by "
                + (
                    ", ".join(self.event_or_id(rs, t) for t in breach.triggered_by)
                    or "no event (the duty runs by the calendar)"
                )
                + "."
            ]
        out = []
        for eid in f.triggered_by:
            e = self.event(eid)
            if e is not None and e.type == "concern.raised":
                out.append(f"Started by: a concern raised, {self.describe_event(rs, e)}.")
            elif e is not None and ladder.start_on and e.type in ladder.start_on.types:
                out.append(f"Started by: {self.describe_event(rs, e)}.")
            elif ladder.breach_of:
                out.append(
                    f"Started by: a breach of {', '.join(ladder.breach_of)} by {f.about}, whose "
                    f"trigger was {self.event_or_id(rs, eid)}."
                )
            else:
                out.append(f"Started by: {self.event_or_id(rs, eid)}.")
        if not out:
            out.append(
                f"Started by: a breach of {', '.join(ladder.breach_of) or 'a rule'} by {f.about}"
                + (f", the ladder starting on {start}" if start else "")
                + "."
            )
        return out
