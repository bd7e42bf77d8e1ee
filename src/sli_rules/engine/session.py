"""The reference engine: a logical clock over a stream of events.

Events are applied one day at a time, in (date, id) order; within a day, membership
changes come first, then triggers, then fulfilments, so that the order of the input never
matters. Statuses are derived from the state as of the evaluation date, so a report as of
D depends only on events dated on or before D.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import json
import operator
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

import attrs
from dateutil.relativedelta import relativedelta

from sli_rules.engine import memo, misses, snapshot
from sli_rules.engine.coverage import COVERAGE_TYPE, Declaration, declaration, uncovered_types
from sli_rules.engine.plan import CompiledRuleset, Hook, Matcher, Plan, ReferenceMatcher
from sli_rules.engine.predicates import Env, resolve
from sli_rules.engine.trace import Counted, Ended, Looked, Note, Sum, Term, Trace, duty_of
from sli_rules.engine.versions import version_fields
from sli_rules.kinds import KINDS
from sli_rules.kinds.base import Family
from sli_rules.load.registry import LIFETIME_KEYS, load_registry, regional_body
from sli_rules.model.conditions import describe_condition
from sli_rules.model.dates import Duration, Period, PeriodSpec, add, as_day, grace_end
from sli_rules.model.errors import SliRulesError
from sli_rules.model.states import STATE_TYPES, STATES, describe_event
from sli_rules.model.states import ends as state_ends
from sli_rules.model.states import starts as state_starts
from sli_rules.model.values import (
    ConstraintRule,
    CountRule,
    DeadlineRule,
    EntitlementRule,
    EscalationLadder,
    Event,
    EventSpec,
    Finding,
    FixedDateRule,
    LimitRule,
    Party,
    RecurringRule,
    Rule,
    Succession,
    WindowRule,
)
from sli_rules.model.vocabulary import Kind, Status

__all__ = ["FAMILIES", "EngineState", "LateEventError", "Session", "family_of"]

Date = _dt.date
DAY = _dt.timedelta(days=1)
_DAY = operator.attrgetter("date")
_BY_DAY = operator.attrgetter("date", "id")  # the order events are applied in
_MEMBERSHIP_ROLES = frozenset(("membership", "revocation"))
_TRIGGER_ROLES = frozenset(("trigger", "limit", "ladder_start", "concern_raised"))
_FULFIL_ROLES = frozenset(("fulfil", "waive", "concern_resolved", "escalation_taken"))
# a set of matched hooks split into a day's passes (see `Session._phase`)
_Phase = tuple[tuple[Hook, ...], tuple[tuple[Hook, bool], ...], tuple[tuple[Hook, bool], ...]]
Hit = tuple[Date, str]  # (date, event id) of a fulfilling or waiving event


class LateEventError(ValueError, SliRulesError):
    """An event dated before the session's clock: the past has already been evaluated."""


def _days(a: Date, b: Date) -> str:
    n = (b - a).days
    return f"{n} day{'' if n == 1 else 's'}"


# ----------------------------------------------------------------- the state


@attrs.define
class Instance:
    """One obligation: a deadline, window, fixed-date or constraint duty of one party."""

    rule: str
    party: str
    key: str
    opens: Date
    due: Date
    trigger: Event | None = None
    match: tuple[Any, ...] = ()
    interps: tuple[str, ...] = ()
    on_time: Hit | None = None
    early: Hit | None = None
    late: Hit | None = None
    waived: Hit | None = None
    handed_to: tuple[str, ...] = ()
    failed: str | None = None  # constraints: what was not satisfied ('' = satisfied)
    inherited_from: str | None = None
    # a duty handed on jointly: every party that can meet it (successors, and bodies the
    # ruleset names as serving them); `party` is the first successor
    joint: tuple[str, ...] = ()
    # a duty started by a state (`trigger: {state: ...}`): the day it started when not the
    # trigger's date (a spell holding on the agreement's start), and the state's end
    state: str = ""
    since: Date | None = None
    ended: Hit | None = None
    ended_why: str = ""
    # a duty met only when each of several parties has acted (`fulfil.by_each`): the
    # first fulfilling event of each so far, by party
    parts: dict[str, Hit] = attrs.Factory(dict)


@attrs.define
class Tally:
    """Fulfilling events counted for one recurring or count instance."""

    hits: list[Hit] = attrs.Factory(list)
    count: int = 0


@attrs.define
class LadderState:
    ladder: str
    about: str
    concern: str
    start: Date
    triggered_by: tuple[str, ...]
    resolved: Hit | None = None
    taken: dict[int, Hit] = attrs.Factory(dict)
    why: str = ""  # why it stopped, when not by a concern.resolved (a state's end)
    note: str = ""  # how it started, when not on its starting event's date


@attrs.define
class Spell:
    """A time a council was in a state: from the event that started it to the one that
    ended it (None while it holds)."""

    state: str
    council: str
    start: Event
    end: Event | None = None


@attrs.define
class LimitState:
    end: Date | None = None  # the last day of the period
    total: float = 0.0
    total_when_exceeded: float = 0.0
    events: list[str] = attrs.Factory(list)
    exceeded: Hit | None = None


@attrs.define
class RulesetState:
    """Everything the engine remembers about one ruleset."""

    joined: dict[str, Date | None] = attrs.Factory(dict)
    left: dict[str, Date | None] = attrs.Factory(dict)
    end: Date | None = None
    end_by: str | None = None
    end_why: str = ""  # what ended the agreement, in words
    left_why: dict[str, str] = attrs.Factory(dict)  # a party's withdrawal, in words
    revoked: dict[str, Hit] = attrs.Factory(dict)  # who has revoked it, and when
    carried: bool = False  # states holding on the effective start have started ladders
    # fulfilling events of rules that look back before their trigger, by rule id
    lookback: dict[str, list[Event]] = attrs.Factory(dict)
    dynamic: dict[str, Party] = attrs.Factory(dict)  # councils that joined by an event
    # successions applied: predecessor -> [day, successors, "joint" | "each", served by]
    handovers: dict[str, list[Any]] = attrs.Factory(dict)
    instances: dict[tuple[str, str, str], Instance] = attrs.Factory(dict)
    index: dict[tuple[Any, ...], list[tuple[str, str, str]]] = attrs.Factory(dict)
    tallies: dict[tuple[str, str, str], Tally] = attrs.Factory(dict)
    fixed: dict[tuple[str, str], Instance] = attrs.Factory(dict)
    limits: dict[tuple[str, str, str], LimitState] = attrs.Factory(dict)
    entitlements: list[tuple[str, str, Date, str, Date | None]] = attrs.Factory(list)
    ladders: dict[tuple[str, str, str], LadderState] = attrs.Factory(dict)
    successions_done: list[int] = attrs.Factory(list)
    past: dict[str, list[tuple[Date | None, Date]]] = attrs.Factory(dict)  # earlier memberships
    breach_concerns: dict[tuple[str, str], LadderState] = attrs.Factory(dict)
    # what drain() has already handed out: recurring periods ending before the floor,
    # and fixed-date duties, are not derived again
    floors: dict[tuple[str, str], Date] = attrs.Factory(dict)
    drained_fixed: dict[tuple[str, str], None] = attrs.Factory(dict)  # a set, as JSON can hold
    # ends of periods drained after one that is not yet final (pruned as the floor passes)
    drained_beyond: dict[tuple[str, str], list[Date]] = attrs.Factory(dict)
    # concern ladders drain() has handed out: raising the same concern again, or acting
    # on it, changes nothing (as in a batch run, where the first raising holds)
    drained_ladders: dict[tuple[str, str, str], None] = attrs.Factory(dict)


@attrs.define
class EngineState:
    clock: Date | None = None
    rulesets: list[RulesetState] = attrs.Factory(list)
    # what the record is declared complete for (engine/coverage.py): the whole stream,
    # or the record.coverage declarations seen so far
    complete: bool = False
    coverage: list[Declaration] = attrs.Factory(list)
    # the states councils have been in (model/states.py), in the order they started
    spells: list[Spell] = attrs.Factory(list)
    # the `source` (provenance) of each event applied that gives one, by event id
    sources: dict[str, str] = attrs.Factory(dict)


_V = TypeVar("_V")
_EMPTY_ROW: dict[str, Any] = {}  # `_ByRule.row` of a rule with no entry (never written)


class _ByRule(Generic[_V]):
    """A table keyed by (rule, party), kept as one dict of parties per rule: the keys are
    the rule's and the party's own strings, with no pair made for each entry (a table of
    `_Asleep` has an entry for each party of each rule for as long as the stream runs)."""

    __slots__ = ("_rules",)

    def __init__(self) -> None:
        self._rules: dict[str, dict[str, _V]] = {}

    def get(self, rp: tuple[str, str]) -> _V | None:
        parties = self._rules.get(rp[0])
        return None if parties is None else parties.get(rp[1])

    def __getitem__(self, rp: tuple[str, str]) -> _V:
        return self._rules[rp[0]][rp[1]]

    def __setitem__(self, rp: tuple[str, str], value: _V) -> None:
        parties = self._rules.get(rp[0])
        if parties is None:
            parties = self._rules[rp[0]] = {}
        parties[rp[1]] = value

    def setdefault(self, rp: tuple[str, str], value: _V) -> _V:
        parties = self._rules.get(rp[0])
        if parties is None:
            parties = self._rules[rp[0]] = {}
        return parties.setdefault(rp[1], value)

    def pop(self, rp: tuple[str, str], default: None = None) -> _V | None:
        parties = self._rules.get(rp[0])
        return default if parties is None else parties.pop(rp[1], default)

    def clear(self) -> None:
        self._rules.clear()

    def row(self, rule: str) -> dict[str, _V]:
        """The rule's entries by party (empty if none; read it, do not write to it)."""
        return self._rules.get(rule) or _EMPTY_ROW


@attrs.define
class _Asleep:
    """What `drain()` looked at, could not settle, and need not look at again until
    something it reads changes (kept by the session, not in snapshots: a restored
    session looks at everything once and notes it again).

    Everything here is for one ruleset and holds only while `key` (what every
    derivation reads: the record's coverage, the agreement's end, the successions)
    is unchanged; a party's entries only while its memberships are."""

    key: tuple[Any, ...] | None = None
    # unsettled duties by instance key: what their findings read, and whether to look
    # again after the duty's due date too (else only when that changes); see duty_fp
    duties: dict[tuple[str, str, str], tuple[Any, ...]] = attrs.Factory(dict)
    # recurring and count duties, by (rule, party): the start of the periods not yet
    # looked at (every earlier one is drained or asleep) ...
    frontier: _ByRule[Date] = attrs.Factory(_ByRule)
    # ... the periods asleep, by label: (period, first day of the membership, its end,
    # what their findings read), or the period alone for one that reads nothing in the
    # membership of `span` (see `note`) ...
    periods: _ByRule[dict[str, Period | tuple[Any, ...]]] = attrs.Factory(_ByRule)
    span: _ByRule[tuple[Date, Date | None]] = attrs.Factory(_ByRule)
    # ... the due date of the period at the frontier, when it was still running and
    # everything before it drained or asleep: until then, a drain has nothing to do there
    # unless a period asleep wakes ...
    until: _ByRule[Date] = attrs.Factory(_ByRule)
    # ... and the party's memberships when these were noted
    party: _ByRule[tuple[Any, ...]] = attrs.Factory(_ByRule)
    # each party's latest `party_fp`: the notes of its duties and periods asleep share it
    # with every later drain that finds it unchanged (one object held for years)
    fps: dict[str, tuple[Any, ...]] = attrs.Factory(dict)
    # what every `party_fp` reads, for all parties at once, at the last drain
    # (`_Findings.members_token`): while it is unchanged, so is each party's `fps` entry
    members: tuple[Any, ...] | None = None
    stale: dict[str, tuple[Any, ...]] = attrs.Factory(dict)  # `fps` before they changed

    def reset(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.duties.clear()
        self.frontier.clear()
        self.periods.clear()
        self.span.clear()
        self.until.clear()
        self.party.clear()
        self.fps.clear()
        self.members = None
        self.stale.clear()

    def forget(self, rp: tuple[str, str]) -> None:
        """Forget the periods of (rule, party) asleep."""
        self.periods.pop(rp, None)
        self.span.pop(rp, None)
        self.until.pop(rp, None)

    def note(
        self,
        rp: tuple[str, str],
        dormant: dict[str, Period | tuple[Any, ...]],
        period: Period,
        first: Date,
        left: Date | None,
        fp: tuple[Any, ...],
        same: Callable[[Any], Any],
    ) -> None:
        """Put a period of (rule, party) to sleep in `dormant` (`same` gives one object for
        equal values: see `_Findings.same`). Most read nothing (no tally,
        no concern: an `unrecorded` period, one a year for as long as the party is in) and
        lie in the party's one membership: such a one is noted as the period alone (the
        periods are shared by the parties and days of their year), not in a tuple of its
        own."""
        if fp is _NOTHING_READ and self.span.setdefault(rp, same((first, left))) == (first, left):
            dormant[period.label] = period
        else:
            dormant[period.label] = (period, first, left, same(fp))
        self.periods[rp] = dormant

    def noted(
        self, rp: tuple[str, str], value: Period | tuple[Any, ...]
    ) -> tuple[Period, Date, Date | None, tuple[Any, ...]]:
        """What `note` noted: (period, first day of the membership, its end, what the
        period's findings read)."""
        if isinstance(value, Period):
            first, left = self.span[rp]
            return value, first, left, _NOTHING_READ
        return cast(tuple[Period, Date, "Date | None", tuple[Any, ...]], value)


# whether `_Findings.recurring` passes over a calm party of a drain at once (the laws
# turn it off to check that the long way gives the same findings)
_CALM_PASS = True
# whether a drain notes a (rule, party) with no period to look at as calm until its next
# period may begin (`_Findings.recurring`; the laws turn it off likewise)
_QUIET = True
# whether drain() passes over a duty asleep of a rule no event has reached since the last
# drain without comparing its note (`Session._touched`; the laws turn it off likewise)
_DOZE_PASS = True

_NOTHING_READ: tuple[Any, ...] = (None, None)  # a period with no tally and no concern

# the `parts` of every duty asleep whose rule has no `fulfil.by_each`: nothing writes to
# it (only `_fulfil_each` does, for such a rule's duties); see `_Findings.doze`
_NO_PARTS: dict[str, Hit] = {}


def _by_each(rule: Rule) -> bool:
    """Whether a rule's duties are met only when each of several parties has acted."""
    spec = getattr(rule, "fulfil", None)
    return bool(spec is not None and spec.by_each)


def _compact(value: Any) -> Any:
    """`value` (an event attribute) with each string shared with every equal string so
    treated (`sys.intern`), and its dicts and lists rebuilt in the same order."""
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind is dict:
        return {_compact(k): _compact(v) for k, v in value.items()}
    if kind is list:
        return [_compact(v) for v in value]
    return value


def _intern_fields(e: Event) -> None:
    """Share an event's type and council with every equal string interned (`sys.intern`):
    the event is unchanged but for which equal string object it holds."""
    for name in ("type", "council"):
        text = getattr(e, name)
        shared = sys.intern(text)
        if shared is not text:
            object.__setattr__(e, name, shared)  # an equal value: the event is the same


def _compact_attrs(attrs_: Mapping[str, Any]) -> None:
    """Rewrite an event's attributes in place as `_compact` gives them: equal, in the
    same order, with their strings shared (a trigger held by a duty open for years)."""
    if type(attrs_) is dict and attrs_:
        again = _compact(attrs_)
        attrs_.clear()
        attrs_.update(again)


def _handover_parties(predecessor: str, handover: list[Any]) -> tuple[str, ...]:
    """The parties a succession concerns (`RulesetState.handovers`: the day, the
    successors, how duties pass, the bodies serving the successors): the predecessor,
    its successors and those bodies."""
    return (predecessor, *handover[1], *handover[3])


# every field of a duty but its trigger and parts, read at once (what its findings are
# derived from, with those two)
_INSTANCE_PLAIN = operator.attrgetter(
    *(f.name for f in attrs.fields(Instance) if f.name not in ("trigger", "parts"))
)

# the classes a snapshot may contain: restoring one builds only these
STATE_CLASSES = (EngineState, Instance, LadderState, LimitState, RulesetState, Spell, Tally)


# ------------------------------------------------------------------ the engine


class Session:
    """A running evaluation: feed events, advance the clock, read findings, snapshot.

    `evaluate()` is a Session fed once and advanced once. Pipelines keep one: events fed
    are buffered until the clock reaches their date; the clock only moves forward, and an
    event dated on or before the clock is refused with `LateEventError`.
    """

    def __init__(
        self,
        plan: Plan,
        matcher: Matcher | None = None,
        *,
        complete: bool = False,
        trace: bool = False,
    ) -> None:
        self.plan = plan
        # with trace=True, the engine's record of why each duty is what it is
        # (engine/trace.py), written as duties start; None (and no cost) otherwise
        self.trace: Trace | None = Trace() if trace else None
        self.matcher: Matcher = matcher or ReferenceMatcher(plan)
        self.state = EngineState(
            rulesets=[RulesetState() for _ in plan.rulesets], complete=complete
        )
        self._buffer: dict[str, Event] = {}
        # dispatch by party: the hooks that can act only for the event's own council
        # (worked out once per plan, as is everything in engine/memo.py)
        self._council_hooks = memo.for_plan(plan, _council_hooks)
        # the state whose rulesets are all carried in (see `_carry_in`), once they are
        self._carried: EngineState | None = None
        # per set of matched hooks, its passes (see `_phase`)
        self._phases: dict[tuple[Hook, ...], _Phase] = {}
        # per ruleset, for the state it was worked out on: whether a council's events are
        # turned away from its council-only hooks (see `_outsider`)
        self._away: list[tuple[RulesetState | None, dict[str, bool]]] = [
            (None, {}) for _ in plan.rulesets
        ]
        # the periods an event's day counts for, per (ruleset, rule, day): pure, and the
        # costliest part of counting recurring duties when recomputed for every event
        self._periods: dict[tuple[int, str, Date], tuple[Period, ...]] = {}
        self._periods_day: Date | None = None  # the day they are kept for
        # per ruleset, the keys of its triggered duties by (rule, matched values), in the
        # order of `instances` (see `_duties_of`); built from the state's `instances` when
        # first asked, and kept up by `_filed` wherever a triggered duty is created
        self._duty_index: list[tuple[dict[Any, Instance], dict[Any, dict[Any, None]]] | None] = [
            None for _ in plan.rulesets
        ]
        # what drain() need not look at again (see _Asleep), per ruleset
        self._asleep = [_Asleep() for _ in plan.rulesets]
        # per ruleset, the rules whose duties an event may have changed since the last
        # drain (a fulfilment or waiver offered to them, a state's end, a succession):
        # a duty asleep of another rule is passed over without its note being compared
        self._touched: list[set[str]] = [set() for _ in plan.rulesets]
        # the members of a council pattern are the registry's matching councils, each from
        # its first day to its last (never discovered from events), and the successions
        # the registry records among them
        self._members: list[dict[str, Party]] = []
        self._successions: list[tuple[Succession, ...]] = []
        self._memo: list[memo.RulesetMemo] = []
        for cr, rs_state in zip(plan.rulesets, self.state.rulesets, strict=True):
            shared = memo.for_ruleset(cr, _pattern_members)  # the same for every session
            self._memo.append(shared)
            members = shared.members
            self._members.append(members)
            self._successions.append(shared.successions)
            for p in (*cr.ruleset.parties, *members.values()):
                rs_state.joined[p.id] = p.joined
                rs_state.left[p.id] = p.left
            last = cr.ruleset.effective.end  # the last day in effect
            if last is not None:
                rs_state.end = last + DAY  # the engine keeps the first day without effect
                rs_state.end_why = f"its last day in effect, {last}, as the ruleset says"

    # -- input
    @property
    def clock(self) -> Date | None:
        return self.state.clock

    @property
    def complete(self) -> bool:
        """Whether the whole stream is declared complete (absence is evidence everywhere)."""
        return self.state.complete

    @property
    def coverage(self) -> tuple[Declaration, ...]:
        """The record.coverage declarations applied so far."""
        return tuple(self.state.coverage)

    def feed(self, events: Iterable[Event]) -> None:
        """Add events (already validated). Identical duplicates collapse.

        All or nothing: if one event is refused, none of the batch is kept."""
        clock = self.state.clock
        staged: dict[str, Event] = {}
        for e in events:
            if e.span is not None:
                raise ValueError(
                    f"event {e.id!r} has an imprecise date ({e.span.text}); a session "
                    "works with exact days only: use evaluate() or `sli-rules run`, which "
                    "try each day the event could have happened on"
                )
            if clock is not None and e.date <= clock:
                raise LateEventError(
                    f"event {e.id!r} is dated {e.date}, on or before the session clock {clock}; "
                    "the clock only moves forward"
                )
            seen = staged.get(e.id) or self._buffer.get(e.id)
            if seen is not None and seen != e:
                raise ValueError(f"two different events share the id {e.id!r}")
            staged[e.id] = e
        self._buffer.update(staged)
        if self.trace is not None:  # offered to the duties not met (engine/misses.py)
            self.trace.feed(staged.values())

    def advance(self, as_of: Date | _dt.datetime | str) -> None:
        """Apply every buffered event dated on or before `as_of`; the clock becomes `as_of`.

        `as_of` is taken as `evaluate` takes it: a `date`, ISO text, or a `datetime` (a
        pandas Timestamp too) at midnight; anything else, or a time of day, raises
        `DateError` (a `ValueError`) saying what to pass, and the session is unchanged."""
        as_of = as_day(as_of)
        if self.state.clock is not None and as_of < self.state.clock:
            raise LateEventError(f"cannot move the clock back from {self.state.clock} to {as_of}")
        due = sorted((e for e in self._buffer.values() if e.date <= as_of), key=_BY_DAY)
        if len(due) == len(self._buffer):
            self._buffer.clear()
        else:
            for e in due:
                del self._buffer[e.id]
        for _day, events in itertools.groupby(due, key=_DAY):
            self._apply_day(list(events))
        self._static_successions(as_of)
        self._carry_in(as_of)
        self.state.clock = as_of

    @property
    def pending(self) -> int:
        """Events fed but dated after the clock."""
        return len(self._buffer)

    # -- applying one day
    def _apply_day(self, events: Sequence[Event]) -> None:
        day = events[0].date
        self._static_successions(day)
        self._carry_in(day - DAY)  # an agreement that started before today
        # one walk over the day's events: the coverage they declare, their sources, and
        # the hooks each matched (split into the day's passes; see `_phase`)
        coverage, sources = self.state.coverage, self.state.sources
        match = self._matching()
        phases = self._phases
        matched = []
        for e in events:
            if e.type == COVERAGE_TYPE:
                coverage.append(declaration(e))
            source = e.attrs.get("source")
            if source:
                sources[e.id] = str(source)
            hooks = match(e)
            if not hooks:
                continue
            key = hooks if type(hooks) is tuple else tuple(hooks)
            phase = phases.get(key)
            if phase is None:
                phase = phases[key] = self._phase(key)
            matched.append((e, phase))
        started = self._states(events)
        for e, phase in matched:
            for h in phase[0]:
                self._membership(h, e)
        self._carry_in(day)  # an agreement starting today, after today's states
        for spell in started:
            self._state_ladders(spell, spell.start.date, "")
        turned_away = self._turned_away
        for e, phase in matched:
            for h, local in phase[1]:
                if not (local and turned_away(h, e)):
                    self._trigger(h, e)
        for e, phase in matched:
            for h, local in phase[2]:
                if not (local and turned_away(h, e)):
                    self._fulfil(h, e)

    def _phase(self, hooks: tuple[Hook, ...]) -> _Phase:
        """A day's passes over the hooks an event matched, worked out once per set of
        hooks: its memberships and revocations, then its triggers, then its fulfilments
        and waivers, each in the order matched; a trigger or fulfilment with whether it
        acts only for the event's own council (see `_turned_away`, asked only of those)."""
        local = self._council_hooks
        return (
            tuple(h for h in hooks if h.role in _MEMBERSHIP_ROLES),
            tuple((h, h in local) for h in hooks if h.role in _TRIGGER_ROLES),
            tuple((h, h in local) for h in hooks if h.role in _FULFIL_ROLES),
        )

    def _matching(self) -> Callable[[Event], Sequence[Hook]]:
        """`_match`, its choice made once (for a day's events)."""
        if (
            not self._memo
            or not self._memo[0].sharing
            or type(self.matcher) is not ReferenceMatcher
        ):
            return self.matcher.match
        return self._match

    def _match(self, e: Event) -> Sequence[Hook]:
        """The hooks `e` matches; while the plan's sessions share what they derive (a
        refinement's runs, which apply the same events again and again), as kept by the
        first session that matched it."""
        if (
            not self._memo
            or not self._memo[0].sharing
            or type(self.matcher) is not ReferenceMatcher
        ):
            return self.matcher.match(e)
        return self._memo[0].matched(e, self.matcher.match)

    def _turned_away(self, h: Hook, e: Event) -> bool:
        """Whether `h` can do nothing with `e`, known before any of its paths is resolved:
        the hook acts only for the event's own council (see `_council_hooks`), which is no
        party of the hook's ruleset now, nor a body serving the successors of one. Asked
        when the hook would run, so that memberships begun earlier that day count."""
        if h not in self._council_hooks:
            return False
        st = self.state.rulesets[h.ruleset]
        kept = self._away[h.ruleset]
        if kept[0] is not st:  # first asked, or a restored state
            kept = self._away[h.ruleset] = (st, {})
        away = kept[1].get(e.council)
        if away is None:
            away = kept[1][e.council] = self._outsider(self.plan.rulesets[h.ruleset], st, e.council)
        return away

    def _outsider(self, cr: CompiledRuleset, st: RulesetState, council: str) -> bool:
        """Whether `council` is no party of the ruleset now, nor a body serving the
        successors of one (kept per council in `_away` until a party is adopted or a
        succession hands duties on: nothing else changes the answer)."""
        if self.party(cr, st, council) is not None:
            return False
        if not st.handovers:
            return True
        return not any(council in handover[3] for handover in st.handovers.values())

    def _cr(self, h: Hook) -> tuple[CompiledRuleset, RulesetState]:
        return self.plan.rulesets[h.ruleset], self.state.rulesets[h.ruleset]

    # -- states (model/states.py)
    def _states(self, events: Sequence[Event]) -> list[Spell]:
        """Start and end the spells of the day's events; stop the ladders the ended spells
        started. Returns the spells started today."""
        started: list[Spell] = []
        for e in events:
            if e.type not in STATE_TYPES:
                continue
            for name in STATES:
                open_ = [
                    sp
                    for sp in self.state.spells
                    if sp.state == name and sp.council == e.council and sp.end is None
                ]
                for sp in open_:
                    if state_ends(name, e, sp.start):
                        sp.end = e
                        self._state_ended(sp)
                if state_starts(name, e) and (
                    name != "inadequate" or not any(sp.end is None for sp in open_)
                ):
                    spell = Spell(name, e.council, e)
                    self.state.spells.append(spell)
                    started.append(spell)
        return started

    def in_state(self, names: Sequence[str], council: Any, day: Date) -> Spell | None:
        """The spell of one of the states that holds for the council on `day`, if any."""
        for sp in self.state.spells:
            if (
                sp.state in names
                and sp.council == council
                and sp.start.date <= day
                and (sp.end is None or day < sp.end.date)
            ):
                return sp
        return None

    def _state_ladders(self, spell: Spell, day: Date, note: str) -> None:
        """Start the ladders of every ruleset in effect that a spell of its state starts."""
        for cr, st in zip(self.plan.rulesets, self.state.rulesets, strict=True):
            for ladder in cr.ruleset.escalations:
                if ladder.start_state != spell.state:
                    continue
                if not self.in_effect(cr, st, day):
                    continue
                if not self.member_on(cr, st, spell.council, day):
                    continue
                key = (ladder.id, spell.council, spell.start.id)
                if key in st.drained_ladders or key in st.ladders:
                    continue
                st.ladders[key] = LadderState(
                    ladder.id, spell.council, spell.start.id, day, (spell.start.id,), note=note
                )
            self._state_rules(cr, st, spell, day)

    def _state_rules(self, cr: CompiledRuleset, st: RulesetState, spell: Spell, day: Date) -> None:
        """Start the duties of the deadline and window rules a spell of its state triggers:
        one per spell for the council in the state, dated `day`."""
        if not self.in_effect(cr, st, day) or not self.member_on(cr, st, spell.council, day):
            return
        p = self.party(cr, st, spell.council)
        for any_rule in cr.ruleset.rules:
            if family_of(any_rule) is not Family.TRIGGERED or any_rule.monitoring != "events":
                continue
            rule = _triggered(any_rule)
            if rule.trigger.state != spell.state or not cr.ruleset.in_force(rule, day):
                continue
            key = (rule.id, spell.council, spell.start.id)
            if p is None or key in st.instances or not self.applies(cr, rule, p):
                continue
            e = spell.start
            opens, due, refs = _duty_terms(cr, rule, day)
            match = tuple(_first(e, b) for _a, b in rule.fulfil.match)
            st.instances[key] = Instance(
                rule.id,
                p.id,
                e.id,
                opens,
                due,
                trigger=e,
                match=match,
                interps=cr.interpretations(rule, *refs),
                state=spell.state,
                since=day if day != e.date else None,
            )
            st.index.setdefault((rule.id, p.id, *match), []).append(key)
            self._filed(cr, st, key)
            if self.trace is not None:
                self._note_duty(cr, rule, p.id, e, day, st.instances[key])
            if rule.fulfil.look_back is not None:
                self._look_back(cr, st, rule, st.instances[key], rule.fulfil.look_back)

    def _state_ended(self, spell: Spell) -> None:
        assert spell.end is not None
        why = f"the state {spell.state} ended with {describe_event(spell.end, dated=False)}"
        for st, touched in zip(self.state.rulesets, self._touched, strict=True):
            for key, ls in st.ladders.items():
                if key[1] == spell.council and key[2] == spell.start.id and ls.resolved is None:
                    ls.resolved = (spell.end.date, spell.end.id)
                    ls.why = why
            for inst in st.instances.values():
                if (
                    inst.state == spell.state
                    and inst.key == spell.start.id
                    and inst.party == spell.council
                    and inst.ended is None
                ):
                    inst.ended = (spell.end.date, spell.end.id)
                    inst.ended_why = why
                    touched.add(inst.rule)

    def _carry_in(self, upto: Date) -> None:
        """A state that holds on an agreement's effective start counts as starting then."""
        if self._carried is self.state:
            return  # every ruleset's start is past and carried in (asked twice a day)
        for cr, st in zip(self.plan.rulesets, self.state.rulesets, strict=True):
            start = cr.ruleset.effective.start
            if st.carried or start > upto:
                continue
            st.carried = True
            for sp in self.state.spells:
                if sp.start.date < start and (sp.end is None or sp.end.date > start):
                    note = (
                        f"the state {sp.state} ({describe_event(sp.start)}) held on the "
                        f"agreement's start, {start}"
                    )
                    self._state_ladders(sp, start, note)
        if all(st.carried for st in self.state.rulesets):
            self._carried = self.state

    # -- membership and the agreement's life
    def _end(self, st: RulesetState, e: Event, why: str) -> None:
        if st.end is None or e.date < st.end:
            st.end, st.end_by, st.end_why = e.date, e.id, why

    def _withdraw(self, st: RulesetState, e: Event) -> None:
        """One party revoking or ending the agreement alone: that party leaves it."""
        left = st.left.get(e.council)
        if e.council in st.joined and (left is None or e.date < left):
            st.left[e.council] = e.date
            st.left_why[e.council] = f"{e.type}, event {e.id}"

    def _revocation(self, cr: CompiledRuleset, st: RulesetState, e: Event) -> None:
        eff = cr.ruleset.effective
        who = e.council
        if e.type != "agreement.revoked":  # agreement.ended, agreement.superseded
            if who == eff.owner:
                self._end(st, e, f"{e.type} from the owning body {who}, event {e.id}")
            else:
                self._withdraw(st, e)
            return
        revokers = eff.revokers
        if revokers == "owner":
            if who == eff.owner:
                self._end(st, e, f"agreement.revoked from the owning body {who}, event {e.id}")
            else:
                self._withdraw(st, e)
            return
        if who not in st.joined:
            return
        st.revoked.setdefault(who, (e.date, e.id))
        if isinstance(revokers, tuple):
            waiting = [pid for pid in revokers if pid not in st.revoked]
            everyone = "every party it names"
        else:
            waiting = [
                pid
                for pid in st.joined
                if pid != who
                and (p := self.party(cr, st, pid)) is not None
                and p.kind == "council"
                and self.member_on(cr, st, pid, e.date)
            ]
            everyone = "every council party"
        if not waiting:
            self._end(st, e, f"agreement.revoked by {everyone}, the last of them in event {e.id}")
        else:
            self._withdraw(st, e)

    def _membership(self, h: Hook, e: Event) -> None:
        cr, st = self._cr(h)
        if e.get("agreement") != cr.id:
            return
        if h.role == "revocation":
            self._revocation(cr, st, e)
            return
        if e.type == "party.joined":
            if self.member_on(cr, st, e.council, e.date):
                return  # already a member: joining again must not rewrite its past
            left = st.left.get(e.council)
            if e.council in st.joined and left is not None and left <= e.date:
                # rejoining after leaving: the earlier membership is kept as it was
                st.past.setdefault(e.council, []).append((st.joined[e.council], left))
            st.joined[e.council] = e.date
            st.left[e.council] = None
            self._adopt(cr, st, e.council)
        elif e.type == "party.left":
            left = st.left.get(e.council)
            # a party leaves once: a later leaving (or succession) must not bring it back
            if e.council in st.joined and (left is None or e.date < left):
                st.left[e.council] = e.date
        elif e.type == "party.succeeded":
            self._succeed(cr, st, e.council, e.date, tuple(e.get("successors") or ()))

    def _static_successions(self, upto: Date) -> None:
        """Apply the successions written in the rulesets (and, for a council pattern, those
        the registry records among its members), dated on or before `upto`."""
        for cr, st in zip(self.plan.rulesets, self.state.rulesets, strict=True):
            successions = self._successions[cr.index]
            # in the order written, those dated by `upto` (found by date: asked every day)
            due = self._memo[cr.index].successions_by(upto)
            if len(due) == len(st.successions_done):
                continue  # all done (those done are among them): the usual day, at once
            done = set(st.successions_done)  # (a list: asking it of each grew with history)
            for i in due:
                if i not in done:
                    s = successions[i]
                    st.successions_done.append(i)
                    done.add(i)
                    self._succeed(cr, st, s.party, s.date, s.successors, s.duties, s.served_by)

    def _succeed(
        self,
        cr: CompiledRuleset,
        st: RulesetState,
        pred: str,
        day: Date,
        successors: tuple[str, ...],
        duties: str = "joint",
        served_by: tuple[str, ...] = (),
    ) -> None:
        if pred not in st.joined:
            return
        left = st.left.get(pred)
        if left is not None and left < day:
            return  # it had already left: it has nothing to hand on, and stays gone
        st.left[pred] = day
        for s in successors:
            if s not in st.joined:
                st.joined[s] = day
                st.left[s] = None
                self._adopt(cr, st, s)
        if st.end is not None and st.end <= day:
            return  # the agreement had ended: its duties were discharged, not handed on
        successors = tuple(s for s in successors if self.party(cr, st, s) is not None)
        if not successors:
            return
        st.handovers[pred] = [day, list(successors), duties, list(served_by)]
        self._away[cr.index] = (None, {})  # a body serving them: asked again
        for key, inst in list(st.instances.items()):
            if inst.party != pred or inst.due < day or inst.on_time or inst.early or inst.waived:
                continue
            if inst.failed is not None:
                continue
            inst.handed_to = successors
            self._touched[cr.index].add(inst.rule)
            if duties == "each":
                owners: list[tuple[str, tuple[str, ...]]] = [(s, ()) for s in successors]
            else:  # one duty, met by any successor or by a body serving them
                owners = [(successors[0], (*successors, *served_by))]
            for owner, joint in owners:
                new = attrs.evolve(
                    inst, party=owner, inherited_from=pred, handed_to=(), joint=joint
                )
                k = (inst.rule, owner, key[2])
                if k in st.instances:
                    continue
                st.instances[k] = new
                self._filed(cr, st, k)
                if self.trace is not None:  # the duty handed on keeps its dates
                    note = self.trace.get(cr.id, inst.rule, pred, key[2])
                    if note is not None:
                        self.trace.notes.setdefault((cr.id, inst.rule, owner, key[2]), note)
                for m in joint or (owner,):
                    st.index.setdefault((inst.rule, m, *inst.match), []).append(k)

    def party(self, cr: CompiledRuleset, st: RulesetState, pid: str) -> Party | None:
        return cr.parties.get(pid) or self._members[cr.index].get(pid) or st.dynamic.get(pid)

    def _adopt(self, cr: CompiledRuleset, st: RulesetState, code: str) -> None:
        """A council that joined by an event (a party.joined, or a successor) without being
        listed in the ruleset becomes a party, with the registry's attributes, and stops
        being one after its last day."""
        if self.party(cr, st, code) is not None or not _GSS.match(code):
            return
        if cr.pattern is None or cr.pattern.match(code):
            st.dynamic[code] = _registry_party(code)
            self._away[cr.index] = (None, {})  # a new party: asked again
            end = load_registry().get(code, {}).get("to")
            if isinstance(end, Date) and st.left.get(code) is None:
                st.left[code] = end + DAY

    def inherited(self, st: RulesetState, pid: str, day: Date) -> list[tuple[str, Date, str]]:
        """The successions that handed duties to `pid` by `day`: (predecessor, date, mode)."""
        out = []
        for pred, (when, successors, duties, served) in st.handovers.items():
            if when <= day and (pid in successors or pid in served):
                out.append((pred, when, str(duties)))
        return out

    def spans(
        self, cr: CompiledRuleset, st: RulesetState, pid: str
    ) -> list[tuple[Date, Date | None]]:
        """The party's memberships, earliest first: (joined, left), left None if current."""
        if pid not in st.joined:
            return []
        start = cr.ruleset.effective.start
        past = [(j or start, left) for j, left in st.past.get(pid, ())]
        return [*past, (st.joined[pid] or start, st.left.get(pid))]

    def member_on(self, cr: CompiledRuleset, st: RulesetState, pid: str, day: Date) -> bool:
        """Whether `day` falls in one of the party's memberships (`spans`), the current
        one asked first (as most are) without listing them."""
        if pid not in st.joined:
            return False
        start = cr.ruleset.effective.start
        left = st.left.get(pid)
        if (st.joined[pid] or start) <= day and (left is None or day < left):
            return True
        for j, end in st.past.get(pid, ()):
            until: Date | None = end  # (as `spans` reads it, None would be still a member)
            if (j or start) <= day and (until is None or day < until):
                return True
        return False

    def left_after(self, cr: CompiledRuleset, st: RulesetState, pid: str, day: Date) -> Date | None:
        """When the membership that `day` falls in ended (None if it has not)."""
        for j, left in self.spans(cr, st, pid):
            if j <= day and (left is None or day < left):
                return left
        return st.left.get(pid)

    def in_effect(self, cr: CompiledRuleset, st: RulesetState, day: Date) -> bool:
        return cr.ruleset.effective.start <= day and (st.end is None or day < st.end)

    def applies(self, cr: CompiledRuleset, rule: Rule, party: Party) -> bool:
        pred = cr.applies.get(rule.id)
        return pred is None or self._memo[cr.index].applies(rule.id, pred, party)

    def obliged(self, cr: CompiledRuleset, st: RulesetState, rule: Rule, e: Event) -> list[Party]:
        """The parties that owe a triggered duty, members on the trigger's date."""
        spec = rule.party
        if spec.body and spec.region_of:
            # the family's body for the region of each council the trigger names there
            found = (regional_body(spec.body, c) for c in _party_ids(resolve(e, spec.region_of)))
            ids = [b for b in found if b is not None]
        elif spec.body:
            ids = [spec.body]
        elif spec.each_member:
            ids = [
                pid for pid in st.joined if (p := self.party(cr, st, pid)) and p.kind == "council"
            ]
        else:
            ids = _party_ids(resolve(e, spec.path or "council"))
        out = []
        for pid in dict.fromkeys(ids):
            p = self.party(cr, st, pid)
            if p is not None and self.member_on(cr, st, pid, e.date) and self.applies(cr, rule, p):
                out.append(p)
        return out

    def _trigger(self, h: Hook, e: Event) -> None:
        cr, st = self._cr(h)
        if not self.in_effect(cr, st, e.date):
            return
        if (
            h.spec is not None
            and h.spec.in_state
            and h.role in ("trigger", "limit", "ladder_start")
        ):
            of = resolve(e, h.spec.state_of)
            if not of or self.in_state(h.spec.in_state, of[0], e.date) is None:
                return  # the council is in none of the states the trigger asks for
        if h.role == "concern_raised":
            assert h.ladder is not None
            about, concern = e.get("about"), e.get("concern")
            if (
                isinstance(about, str)
                and self.member_on(cr, st, about, e.date)
                and e.council in st.joined
            ):
                key = (h.ladder.id, about, str(concern))
                if key in st.drained_ladders:
                    return
                st.ladders.setdefault(
                    key, LadderState(h.ladder.id, about, str(concern), e.date, (e.id,))
                )
            return
        if h.role == "ladder_start":
            assert h.ladder is not None
            about = resolve(e, h.ladder.about)
            if about and isinstance(about[0], str) and self.member_on(cr, st, about[0], e.date):
                concern = str(e.get("concern") or e.id)
                key = (h.ladder.id, about[0], concern)
                if key in st.drained_ladders:
                    return
                st.ladders.setdefault(
                    key, LadderState(h.ladder.id, about[0], concern, e.date, (e.id,))
                )
            return
        rule = h.rule
        assert rule is not None
        if not cr.ruleset.in_force(rule, e.date):
            return  # a dated version not in force on the trigger's date: the rule starts nothing
        way = FAMILIES[family_of(rule)].trigger
        if way is not None:
            # (not a mark in `_touched`: a trigger adds duties of its own event's key,
            # never one already there, so it changes no duty a drain has noted)
            way(self, cr, st, rule, e)

    # -- each family's triggers (FAMILIES)
    def _trigger_ceiling(self, cr: CompiledRuleset, st: RulesetState, r: Rule, e: Event) -> None:
        """A limit: the event counts (or adds its amount) towards its period's total."""
        rule = cast(LimitRule, r)
        for p in self.obliged(cr, st, rule, e):
            period = _period_of(rule.period, e.date, cr.ruleset.effective.start)
            ls = st.limits.setdefault((rule.id, p.id, period.label), LimitState(period.end))
            amount = 1.0
            if rule.amount:
                vals = resolve(e, rule.amount)
                amount = float(vals[0]) if vals and isinstance(vals[0], (int, float)) else 0.0
            ls.total += amount
            ls.events.append(e.id)
            maximum = float(cr.value(rule.max, period.start))
            if ls.exceeded is None and ls.total > maximum:
                ls.exceeded = (e.date, e.id)
                ls.total_when_exceeded = ls.total
            if self.trace is not None:
                first = Note(Family.CEILING, e, period.start, period=period)
                first.ceiling, first.ceiling_given = maximum, rule.max
                note = self.trace.get(cr.id, rule.id, p.id, ls.events[0])
                note = note or self.trace.add(cr.id, rule.id, p.id, first)
                note.counted.append(Counted(e.id, e.date, amount, ls.total))

    def _trigger_entitlement(
        self, cr: CompiledRuleset, st: RulesetState, r: Rule, e: Event
    ) -> None:
        """An entitlement: the event makes it available to each party it is owed to."""
        rule = cast(EntitlementRule, r)
        for p in self.obliged(cr, st, rule, e):
            if (rule.id, p.id, e.id) in st.instances:
                continue
            lasts = add(e.date, cr.duration(rule.lasts, e.date)) if rule.lasts else None
            st.entitlements.append((rule.id, p.id, e.date, e.id, lasts))
            if self.trace is not None:
                note = self.trace.add(cr.id, rule.id, p.id, Note(Family.ENTITLEMENT, e, e.date))
                if rule.lasts and lasts is not None:
                    amount = cr.duration(rule.lasts, e.date)
                    note.sums["lasts"] = Sum(e.date, amount, rule.lasts, lasts)

    def _trigger_check(self, cr: CompiledRuleset, st: RulesetState, r: Rule, e: Event) -> None:
        """A constraint: the event itself is checked against the requirement."""
        rule = cast(ConstraintRule, r)
        for p in self.obliged(cr, st, rule, e):
            key = (rule.id, p.id, e.id)
            if key in st.instances:
                continue
            env = Env(event=e, party=p)
            failed = [part for part, pred in cr.require_parts[rule.id] if not pred(e, env)]
            # one string for every duty that failed alike (a constraint breached at every
            # meeting keeps its text for as long as the breach is open)
            text = sys.intern("; ".join(describe_condition(part) for part in failed))
            if self.trace is not None:
                keys = tuple(part.entries[0].key for part in failed)
                note = Note(Family.CHECKED, e, e.date, failed=keys)
                self.trace.add(cr.id, rule.id, p.id, note)
            st.instances[key] = Instance(
                rule.id,
                p.id,
                e.id,
                e.date,
                e.date,
                trigger=e,
                failed=text,
                interps=cr.interpretations(rule),
            )

    def _trigger_duty(self, cr: CompiledRuleset, st: RulesetState, r: Rule, e: Event) -> None:
        """A deadline or window: a duty for each party owing it, dated from the event."""
        rule = _triggered(r)
        for p in self.obliged(cr, st, rule, e):
            key = (rule.id, p.id, e.id)
            if key in st.instances:
                continue
            opens, due, refs = _duty_terms(cr, rule, e.date)
            match = tuple(_first(e, b) for _a, b in rule.fulfil.match)
            inst = Instance(
                rule.id,
                p.id,
                e.id,
                opens,
                due,
                trigger=e,
                match=match,
                interps=cr.interpretations(rule, *refs),
            )
            st.instances[key] = inst
            st.index.setdefault((rule.id, p.id, *match), []).append(key)
            self._filed(cr, st, key)
            if self.trace is not None:
                self._note_duty(cr, rule, p.id, e, e.date, inst)
            if rule.fulfil.look_back is not None:
                self._look_back(cr, st, rule, inst, rule.fulfil.look_back)

    def _note_duty(
        self,
        cr: CompiledRuleset,
        rule: DeadlineRule | WindowRule,
        pid: str,
        e: Event,
        start: Date,
        inst: Instance,
    ) -> None:
        """The trace's note of a triggered duty: its due date (and opening) as the sums
        from `start` that gave them."""
        assert self.trace is not None
        note = Note(Family.TRIGGERED, e, start)
        note.sums["due"] = Sum(start, cr.duration(rule.due, start), rule.due, inst.due)
        window = _window_opens(rule)
        if window is not None:
            note.sums["opens"] = Sum(start, cr.duration(window, start), window, inst.opens)
        self.trace.add(cr.id, rule.id, pid, note)

    def _fulfil(self, h: Hook, e: Event) -> None:
        cr, st = self._cr(h)
        if h.role in ("concern_resolved", "escalation_taken"):
            about, concern, step = e.get("about"), str(e.get("concern")), e.get("step")
            ladders = [
                ls for key, ls in st.ladders.items() if key[1] == about and key[2] == concern
            ]
            if not ladders and any(k[1] == about and k[2] == concern for k in st.drained_ladders):
                return  # a settled ladder's concern: the steps it counted are handed out
            if not ladders and isinstance(about, str):
                # a concern no running ladder knows: one a breach started (its id names the
                # rule and the duty, e.g. "quarterly-data-return/2015 Q2"); kept for them
                log = st.breach_concerns.setdefault(
                    (about, concern), LadderState("", about, concern, e.date, ())
                )
                ladders = [log]
            for ls in ladders:
                if h.role == "concern_resolved" and ls.resolved is None:
                    ls.resolved = (e.date, e.id)
                elif h.role == "escalation_taken" and isinstance(step, int):
                    ls.taken.setdefault(step, (e.date, e.id))
            return
        rule, spec = h.rule, h.spec
        assert rule is not None
        assert spec is not None
        # the event's own council, as most fulfilments are by (what the path would give)
        council = e.council
        by = (
            [council]
            if spec.by == "council" and type(council) is str
            else _party_ids(resolve(e, spec.by))
        )
        way = FAMILIES[family_of(rule)].fulfil
        if way is not None:
            self._touched[cr.index].add(rule.id)
            way(self, h, cr, st, rule, spec, e, by)

    # -- each family's fulfilments and waivers (FAMILIES)
    def _fulfil_duty(
        self,
        h: Hook,
        cr: CompiledRuleset,
        st: RulesetState,
        r: Rule,
        spec: EventSpec,
        e: Event,
        by: list[str],
    ) -> None:
        """A deadline or window: the event meets (or waives) the duties it matches."""
        rule = _triggered(r)
        if h.role == "fulfil" and spec.look_back:
            # kept for a trigger to come, as far back as the rule looks (pruned as it ages)
            # (events come in date order, so the expired ones are at the front: the scan
            # stops at the first one still in reach instead of dating every one kept)
            span = cr.duration(spec.look_back, e.date)
            kept = st.lookback.setdefault(rule.id, [])
            gone = 0
            while gone < len(kept) and add(kept[gone].date, span) < e.date:
                gone += 1
            if gone:
                del kept[:gone]
            kept.append(e)  # in place (a copy per event cost the most of any step here)
        if h.role == "fulfil" and spec.by_each:
            self._fulfil_each(cr, st, rule, spec, e, set(by))
            return
        where = cr.fulfil_where[rule.id] if h.role == "fulfil" else cr.waive_where[rule.id]
        match = tuple(_first(e, a) for a, _b in spec.match) if spec.match else ()
        for pid in dict.fromkeys(by):
            keys = (
                st.index.get((rule.id, pid, *match))
                if h.role == "fulfil"
                else [
                    k
                    for k, i in st.instances.items()
                    if i.rule == rule.id
                    and (i.party == pid or pid in i.joint)
                    and tuple(_first(e, a) for a, _b in spec.match)
                    == tuple(_first(i.trigger, b) for _a, b in spec.match)
                    if i.trigger
                ]
            )
            if not keys:
                continue
            for key in list(keys):
                inst = st.instances.get(key)
                if inst is None or inst.trigger is None or e.date < inst.trigger.date:
                    continue
                if inst.since is not None and e.date < inst.since:
                    continue  # before the agreement's start, where a state duty began
                if e.id == inst.trigger.id:
                    continue  # a trigger never fulfils (or waives) its own duty
                if h.role == "fulfil" and self._moot(rule, inst, e):
                    continue
                env = Env(event=e, trigger=inst.trigger, party=self.party(cr, st, pid))
                if not where(e, env):
                    continue
                if h.role == "waive":
                    if inst.waived is None and e.date <= inst.due and not inst.on_time:
                        inst.waived = (e.date, e.id)
                    continue
                self._record(rule, inst, e)
        if h.role == "fulfil" and spec.by_any:
            self._fulfil_by_others(cr, st, rule, spec, e, match, set(by))

    def _fulfil_fixed(
        self,
        h: Hook,
        cr: CompiledRuleset,
        st: RulesetState,
        r: Rule,
        spec: EventSpec,  # noqa: ARG002
        e: Event,
        by: list[str],
    ) -> None:
        """A fixed-date duty: the event meets (or waives) the party's duty."""
        rule = cast(FixedDateRule, r)
        for pid in dict.fromkeys(by):
            p = self.party(cr, st, pid)
            left = st.left.get(pid)
            # A fixed-date duty is open from its `opens` date, which a ruleset may set
            # before the agreement starts (signatures): membership is checked by the
            # opening date below, and by the party not having left.
            if (
                p is None
                or pid not in st.joined
                or not self.applies(cr, rule, p)
                or (left is not None and e.date >= left)
            ):
                continue
            inst = self._fixed(cr, st, rule, p)
            if inst is None or e.date < inst.opens:
                continue
            if h.role == "fulfil" and self._moot(rule, inst, e):
                continue
            env = Env(event=e, party=p)
            where = cr.fulfil_where[rule.id] if h.role == "fulfil" else cr.waive_where[rule.id]
            if not where(e, env):
                continue
            if h.role == "waive":
                if inst.waived is None and e.date <= inst.due and not inst.on_time:
                    inst.waived = (e.date, e.id)
            else:
                self._record(rule, inst, e)

    def _fulfil_tally(
        self,
        h: Hook,  # noqa: ARG002
        cr: CompiledRuleset,
        st: RulesetState,
        r: Rule,
        spec: EventSpec,  # noqa: ARG002
        e: Event,
        by: list[str],
    ) -> None:
        """A recurring or count duty: the event counts for the period (or span) it falls
        in, or the one it names."""
        rule = cast(RecurringRule | CountRule, r)
        period_from = getattr(rule, "period_from", None)  # a PERIODS rule's
        for pid in dict.fromkeys(by):
            if self._handed_on_hit(cr, st, rule, pid, e):
                continue
            p = self.party(cr, st, pid)
            if (
                p is None
                or not self.applies(cr, rule, p)
                or not self.member_on(cr, st, pid, e.date)
            ):
                if self.trace is not None:
                    why = f"{pid} was not a party the rule applies to on {e.date}"
                    self.trace.refuse(cr.id, rule.id, pid, e.id, why)
                continue
            if not self.in_effect(cr, st, e.date):
                if self.trace is not None:
                    why = f"the agreement was not in effect on {e.date}"
                    self.trace.refuse(cr.id, rule.id, pid, e.id, why)
                continue
            if not cr.fulfil_where[rule.id](e, Env(event=e, party=p)):
                continue
            if period_from:
                # the event says which period it is for: it counts there (late if
                # dated after that period's due date), and nowhere else
                declared = e.get(period_from)
                named = (
                    _named_period(
                        cast(RecurringRule, rule).period,
                        declared,
                        e.date,
                        cr.ruleset.effective.start,
                    )
                    if isinstance(declared, str)
                    else None
                )
                if named is None or e.date < named.start:
                    if self.trace is not None:
                        why = (
                            f"its {period_from}, {declared}, names no period of the rule"
                            if named is None
                            else f"it is for {named.label} (its {period_from} is {declared}), "
                            f"which had not begun on {e.date}"
                        )
                        self.trace.refuse(cr.id, rule.id, pid, e.id, why)
                    continue
                tally = st.tallies.setdefault((rule.id, pid, named.label), Tally())
                tally.count += 1
                if len(tally.hits) < max(rule.at_least, 1):
                    tally.hits.append((e.date, e.id))
                continue
            periods = self._periods_for_event(cr, rule, e.date)
            if len(periods) == 2:
                # Dated in one period and in the grace of the one before: the event
                # counts once, for the earlier period while that one is still short
                # (and owed by this party), otherwise for the period it is dated in.
                current, prev = periods
                eff = cr.ruleset.effective.start
                owed = prev.end >= max(eff, st.joined.get(pid) or eff)
                before = st.tallies.get((rule.id, pid, prev.label))
                short = before is None or len(before.hits) < max(rule.at_least, 1)
                periods = [prev] if owed and short else [current]
            for period in periods:
                tally = st.tallies.setdefault((rule.id, pid, period.label), Tally())
                tally.count += 1
                if len(tally.hits) < max(rule.at_least, 1):
                    tally.hits.append((e.date, e.id))

    def _look_back(
        self,
        cr: CompiledRuleset,
        st: RulesetState,
        rule: DeadlineRule | WindowRule,
        inst: Instance,
        look_back: Any,
    ) -> None:
        """A new duty is met by a fulfilling event dated up to `look_back` before the day
        it is counted from (its trigger's, or the agreement's start for a state that
        already held then), on time, as the rule allows."""
        trig = inst.trigger
        assert trig is not None
        start = inst.since or trig.date
        earliest = start - cr.duration(look_back, start).delta
        spec = rule.fulfil
        for e in st.lookback.get(rule.id, ()):
            if not earliest <= e.date < start or inst.on_time is not None:
                continue
            if tuple(_first(e, a) for a, _b in spec.match) != inst.match:
                continue
            by = set(_party_ids(resolve(e, spec.by)))
            if not by & {inst.party, *inst.joint, *_by_any(spec, trig)}:
                continue
            env = Env(event=e, trigger=trig, party=self.party(cr, st, inst.party))
            if cr.fulfil_where[rule.id](e, env):
                inst.on_time = (e.date, e.id)

    def _fulfil_by_others(
        self,
        cr: CompiledRuleset,
        st: RulesetState,
        rule: DeadlineRule | WindowRule,
        spec: EventSpec,
        e: Event,
        match: tuple[Any, ...],
        by: set[str],
    ) -> None:
        """A fulfilment by someone the rule's `by_any` names, for another party's duty."""
        rid = rule.id
        for inst in self._duties_of(cr, st, rid, match):
            if inst.party in by or not by.isdisjoint(inst.joint):
                continue  # met (or not) as the party's own, above
            trig = inst.trigger
            if trig is None or e.date < trig.date or e.id == trig.id:
                continue
            if self._moot(rule, inst, e) or by.isdisjoint(_by_any(spec, trig)):
                continue
            env = Env(event=e, trigger=trig, party=self.party(cr, st, inst.party))
            if cr.fulfil_where[rule.id](e, env):
                self._record(rule, inst, e)

    def _duties_of(
        self, cr: CompiledRuleset, st: RulesetState, rule_id: str, match: tuple[Any, ...]
    ) -> list[Instance]:
        """The duties of a triggered rule with these matched values, in the order of
        `st.instances`: what a walk over every duty, keeping those, would give. Asked for
        each event that may meet another party's duty (`by_any`, `by_each`), where that
        walk cost the most of any step on routine events (tests/test_dispatch.py holds
        the two equal)."""
        kept = self._duty_index[cr.index]
        if kept is None or kept[0] is not st.instances:  # first asked, or a new state
            table: dict[Any, dict[Any, None]] = {}
            for key, inst in st.instances.items():
                if inst.trigger is not None:
                    table.setdefault((inst.rule, inst.match), {})[key] = None
            kept = self._duty_index[cr.index] = (st.instances, table)
        keys = kept[1].get((rule_id, match))
        if not keys:
            return []
        out = []
        for key in list(keys):
            found = st.instances.get(key)
            if found is None:  # settled and handed out by drain()
                del keys[key]
            elif found.rule == rule_id and found.match == match and found.trigger is not None:
                out.append(found)
        return out

    def _filed(self, cr: CompiledRuleset, st: RulesetState, key: Any) -> None:
        """Note a triggered duty just added to `st.instances` under `key` for `_duties_of`
        (last, as the dictionary has it: a key drained earlier and created again moves)."""
        kept = self._duty_index[cr.index]
        if kept is None or kept[0] is not st.instances:
            return  # built from st.instances when next asked
        inst = st.instances[key]
        keys = kept[1].setdefault((inst.rule, inst.match), {})
        keys.pop(key, None)
        keys[key] = None

    def _unfiled(self, cr: CompiledRuleset, st: RulesetState, key: Any, inst: Instance) -> None:
        """Forget a duty that drain() has handed out and removed from `st.instances`
        (`_duties_of` would drop it only when next asked for its rule and matched values,
        which for most is never: a table that grew with history)."""
        kept = self._duty_index[cr.index]
        if kept is None or kept[0] is not st.instances:
            return
        group = (inst.rule, inst.match)
        keys = kept[1].get(group)
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del kept[1][group]

    def _fulfil_each(
        self,
        cr: CompiledRuleset,
        st: RulesetState,
        rule: DeadlineRule | WindowRule,
        spec: EventSpec,
        e: Event,
        by: set[str],
    ) -> None:
        """A fulfilment towards a duty met only when each party of `by_each` has acted:
        the event is kept for the parties it is by, and the duty is met (on the date of
        the event that completes the set) when every one of them has a fulfilling event."""
        match = tuple(_first(e, a) for a, _b in spec.match)
        rid = rule.id
        for inst in self._duties_of(cr, st, rid, match):
            trig = inst.trigger
            if trig is None or e.date < trig.date or e.id == trig.id:
                continue
            if inst.since is not None and e.date < inst.since:
                continue
            need = each_of(spec, trig, inst.party)
            new = (by & need) - set(inst.parts)
            if not new:
                continue
            env = Env(event=e, trigger=trig, party=self.party(cr, st, inst.party))
            if not cr.fulfil_where[rule.id](e, env):
                continue
            for pid in sorted(new):
                inst.parts[pid] = (e.date, e.id)
            if need <= set(inst.parts):
                self._record(rule, inst, e)

    def _handed_on_hit(
        self,
        cr: CompiledRuleset,
        st: RulesetState,
        rule: RecurringRule | CountRule,
        pid: str,
        e: Event,
    ) -> bool:
        """Count `e` for the recurring duties that successions handed on to `pid` (a
        successor or a body serving the successors), where it falls in a period of a
        predecessor's that is still short; True when it was counted there. A successor of
        several predecessors (a new unitary replacing a county and its districts) meets
        all their duties for that period with one event."""
        counted = False
        for pred, when, mode in self.inherited(st, pid, e.date):
            p = self.party(cr, st, pid)
            if p is None or not self.in_effect(cr, st, e.date):
                continue
            if not cr.fulfil_where[rule.id](e, Env(event=e, party=p)):
                continue
            for period in self._periods_for_event(cr, rule, e.date):
                if period.start >= when:
                    continue  # a period of the successor's own
                owner = pred if mode != "each" else f"{pred}>{pid}"
                tally = st.tallies.setdefault((rule.id, owner, period.label), Tally())
                if len(tally.hits) >= max(rule.at_least, 1):
                    continue
                tally.count += 1
                tally.hits.append((e.date, e.id))
                counted = True
                break
        return counted

    def _record(self, rule: Rule, inst: Instance, e: Event) -> None:
        slot = _slot(rule, inst, e)
        if slot is not None:
            setattr(inst, slot, (e.date, e.id))

    def _moot(self, rule: Rule, inst: Instance, e: Event) -> bool:
        """Whether recording `e` as meeting `inst` would change nothing (so its conditions
        need not be asked): the slot it would fill is taken. Never while tracing, whose
        record may name every event considered."""
        return self.trace is None and _slot(rule, inst, e) is None

    def _fixed(
        self, cr: CompiledRuleset, st: RulesetState, rule: FixedDateRule, p: Party
    ) -> Instance | None:
        key = (rule.id, p.id)
        inst = st.fixed.get(key)
        if inst is None:
            if key in st.drained_fixed:
                return None  # settled and handed out by drain(): it stays as it was
            opens, due, interps = self._memo[cr.index].fixed_terms(
                cr, rule, st.joined.get(p.id), _fixed_terms
            )
            inst = Instance(rule.id, p.id, "fixed", opens, due, interps=interps)
            st.fixed[key] = inst
        return inst

    def _periods_for_event(
        self, cr: CompiledRuleset, rule: RecurringRule | CountRule, day: Date
    ) -> list[Period]:
        if day != self._periods_day:
            # asked only for the day being applied, and the clock never goes back: the
            # answers for earlier days are never asked again (a long-running session
            # would otherwise keep thousands of them)
            self._periods.clear()
            self._periods_day = day
        key = (cr.index, rule.id, day)
        found = self._periods.get(key)
        if found is None:
            found = self._periods[key] = tuple(self._event_periods(cr, rule, day))
        return list(found)

    def _event_periods(
        self, cr: CompiledRuleset, r: RecurringRule | CountRule, day: Date
    ) -> list[Period]:
        if family_of(r) is Family.PERIODS:
            rule = cast(RecurringRule, r)
            grace = cr.duration(rule.grace, day) if rule.grace else None
            out = []
            p = _period_of(rule.period, day, cr.ruleset.effective.start)
            if not rule.period.months or p.start.month in rule.period.months:
                out.append(p)
            if grace is not None:
                # a late submission inside the grace of the previous period counts there
                prev = _period_of(rule.period, p.start - DAY, cr.ruleset.effective.start)
                if day <= grace_end(prev.end, grace) and (
                    not rule.period.months or prev.start.month in rule.period.months
                ):
                    out.append(prev)
            return out
        return [s for s in _spans(cr, cast(CountRule, r), day, day) if s.start <= day <= s.end]

    # ------------------------------------------------------------ findings

    def findings(self) -> list[Finding]:
        """Every finding as of the clock (less what `drain` has already handed out)."""
        return self._derive(drain=False)

    def drain(self) -> list[Finding]:
        """Hand out the findings that can no longer change, and forget them.

        For streaming: a pipeline that drains after each `advance` keeps in memory only
        what is still open: duties not yet due, breaches not remedied, and ladders still
        climbing. Drained findings are not returned by `findings()` again.

        What stays open is kept compactly: the attributes of the event that started a
        duty left open are rewritten in place as equal ones (the same keys and values,
        in the same order) whose strings are shared with other events'. Event
        attributes are read-only to everything else; do not read the attributes of
        events fed to a session from another thread while it drains.
        """
        return self._derive(drain=True)

    def _derive(self, *, drain: bool) -> list[Finding]:
        day = self.state.clock
        if day is None:
            return []
        out: list[Finding] = []
        for cr, st in zip(self.plan.rulesets, self.state.rulesets, strict=True):
            derived = _Findings(self, cr, st, day)
            out.extend(derived.drain() if drain else derived.all())
        out.sort(key=Finding.sort_key)
        return out

    # ------------------------------------------------------------ snapshots

    def snapshot(self) -> bytes:
        """The session's state and buffered events as JSON bytes (no code, safe to store)."""
        rulesets = [cr.ruleset for cr in self.plan.rulesets]
        return snapshot.dump(rulesets, self.state, self._buffer.values(), STATE_CLASSES)

    @classmethod
    def restore(cls, plan: Plan, data: bytes, matcher: Matcher | None = None) -> Session:
        """A session from `snapshot()` bytes, for the same rulesets."""
        session = cls(plan, matcher)
        try:
            rulesets = [cr.ruleset for cr in plan.rulesets]
            session.state, session._buffer = snapshot.load(rulesets, data, STATE_CLASSES)
        except ValueError:
            raise
        except (
            KeyError,
            IndexError,
            TypeError,
            AttributeError,
            AssertionError,
            RecursionError,
        ) as exc:
            # well-formed JSON of the wrong shape (or nested past any real state): refuse
            # it as plainly as broken bytes
            raise ValueError(f"not a sli-rules snapshot ({type(exc).__name__}: {exc})") from None
        state: object = session.state  # what the bytes said, until checked
        parts: object = getattr(state, "rulesets", None)
        clock: object = getattr(state, "clock", None)
        if (
            not isinstance(state, EngineState)
            or not isinstance(parts, list)
            or len(parts) != len(plan.rulesets)
            or not all(isinstance(r, RulesetState) for r in parts)
            or not (clock is None or isinstance(clock, Date))
        ):
            raise ValueError("not a sli-rules snapshot: its state is not an engine state")
        return session


_GSS = re.compile(r"^[EWSN]\d{8}$")


def _council_hooks(plan: Plan) -> frozenset[Hook]:
    """The hooks that can act only for the council an event names in its `council`, so
    that an event of a council that is no party of their ruleset is turned away unread:

    - triggers (and limits) of rules owed by the trigger's `council` (not a body, not
      every member): `obliged` finds no party in a council that is not one;
    - fulfilments and waivers by the event's `council` of trigger, fixed-date, recurring
      and count duties, unless the rule lets others meet the duty (`by_any`, `by_each`) or keeps
      fulfilments for triggers to come (`look_back`): duties are owed and counted only
      for parties, or (handed on by a succession) for a body serving the successors,
      which `Session._turned_away` lets through.
    """
    out = []
    for hooks in plan.dispatch.values():
        for h in hooks:
            rule, spec = h.rule, h.spec
            if rule is None or spec is None:
                continue
            party = rule.party
            owed_by_council = party.path == "council" and not party.body and not party.each_member
            met_by_council = (
                spec.by == "council"
                and not spec.by_any
                and not spec.by_each
                and spec.look_back is None
            )
            if (h.role in ("trigger", "limit") and owed_by_council) or (
                h.role in ("fulfil", "waive") and met_by_council
            ):
                out.append(h)
    return frozenset(out)


def _fixed_terms(
    cr: CompiledRuleset, rule: FixedDateRule, joined: Date | None
) -> tuple[Date, Date, tuple[str, ...]]:
    """A fixed-date duty's opening and due dates, and its interpretations, for a party
    that joined on `joined` (None: from the start)."""
    start = cr.ruleset.effective.start
    due = cr.value(rule.due, start)
    opens = cr.value(rule.opens, start) if rule.opens is not None else start
    if joined and joined > opens:
        opens = joined
    interps = cr.interpretations(rule, rule.due, rule.opens)
    if cr.ruleset.effective.start_basis == "interpretation" and opens == start:
        interps = (*interps, "effective-start")
    return opens, due, interps


def family_of(rule: Rule) -> Family:
    """How the engine evaluates `rule`: its kind's family (`kinds/`)."""
    return KINDS[rule.kind].family


def _triggered(rule: Rule) -> DeadlineRule | WindowRule:
    """A rule of the TRIGGERED family, as the engine reads it (its class has the
    attributes `kinds.base.FAMILY_FIELDS` lists, not necessarily one of these classes)."""
    return cast(DeadlineRule | WindowRule, rule)


def _window_opens(rule: Rule) -> Any:
    """When a TRIGGERED duty opens after its trigger (a window's `opens`), or None."""
    return getattr(rule, "opens", None)


def _is_window(rule: Rule) -> bool:
    return family_of(rule) is Family.TRIGGERED and _window_opens(rule) is not None


def _ignores_early(rule: Rule) -> bool:
    """Whether an event before a window opens does not count (`early: ignore`)."""
    return getattr(rule, "early", "accept") == "ignore"


def _missed(rule: Rule) -> Status:
    """The status of a duty not met in time: a notice-only duty is missed, never breached."""
    return Status.MISSED if rule.severity == "notice" else Status.BREACHED


def _types(spec: Any) -> tuple[str, ...]:
    return tuple(spec.types) if spec is not None else ()


def _registry_party(code: str) -> Party:
    """A council as a party, with its attributes and its lifetime from the registry."""
    entry = load_registry().get(code, {})
    attrs_ = {k: v for k, v in entry.items() if k not in LIFETIME_KEYS}
    attrs_.setdefault("services", ["adult_social_care", "childrens"])
    start, end = entry.get("from"), entry.get("to")
    return Party(
        code,
        "council",
        str(entry.get("name", code)),
        attrs_,
        joined=start if isinstance(start, Date) else None,
        left=end + DAY if isinstance(end, Date) else None,
    )


def _pattern_members(cr: CompiledRuleset) -> tuple[dict[str, Party], tuple[Succession, ...]]:
    """A council pattern's members, every registry council it matches that the ruleset does
    not list, and the registry's successions from one member to others."""
    if cr.pattern is None:
        return {}, ()
    registry = load_registry()
    members = {
        code: _registry_party(code)
        for code in registry
        if cr.pattern.match(code) and code not in cr.parties
    }
    declared = {s.party for s in cr.ruleset.successions}
    successions = []
    for code, p in members.items():
        after = tuple(
            s for s in registry[code].get("successors") or () if s in members or s in cr.parties
        )
        if p.left is not None and after and code not in declared:
            successions.append(Succession(code, p.left, after))
    return members, tuple(successions)


def _any_of(ids: Sequence[str]) -> str:
    ids = list(ids)
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " or " + ids[-1]


def parties_named(words: Sequence[str], trigger: Event | None) -> set[str]:
    """The parties a rule's `fulfil.by_any` or `fulfil.by_each` names: ids as written, and
    every party at `trigger.PATH` (none when there is no trigger to read)."""
    out: set[str] = set()
    for who in words:
        if not who.startswith("trigger."):
            out.add(who)
        elif trigger is not None:
            out.update(_party_ids(resolve(trigger, who.removeprefix("trigger."))))
    return out


def _by_any(spec: EventSpec, trigger: Event) -> set[str]:
    """The parties a rule's `fulfil.by_any` lets meet a duty started by `trigger`."""
    return parties_named(spec.by_any, trigger)


def _duty_terms(
    cr: CompiledRuleset, rule: DeadlineRule | WindowRule, start: Date
) -> tuple[Date, Date, list[Any]]:
    """A triggered duty counted from `start` (its trigger's day, or a state's): when it
    opens, when it is due, and the parameters read for them (and for how far back a
    fulfilling event counts), whose interpretations the duty carries."""
    due = add(start, cr.duration(rule.due, start))
    opens = start
    refs: list[Any] = [rule.due]
    window = _window_opens(rule)
    if window is not None:
        opens = add(start, cr.duration(window, start))
        refs.append(window)
    if rule.fulfil.look_back is not None:
        refs.append(rule.fulfil.look_back)
    return opens, due, refs


def _dated(why: str, day: Date | None) -> str:
    """A cause of a discharge with its day, unless its words already give the day."""
    return why if day is None or str(day) in why else f"{why} on {day}"


def each_of(spec: EventSpec, trigger: Event | None, party: str) -> set[str]:
    """The parties a rule's `fulfil.by_each` needs to act before a duty started by
    `trigger` is met; when the trigger names none of them, the duty's own party."""
    return parties_named(spec.by_each, trigger) or {party}


def _slot(rule: Rule, inst: Instance, e: Event) -> str | None:
    """Which of a duty's fulfilments `e` is, if recorded (`early`, `on_time` or `late`);
    None when that one is already recorded (the first counts) or an early one is ignored."""
    if e.date < inst.opens:
        return None if _ignores_early(rule) or inst.early is not None else "early"
    if e.date <= inst.due:
        return "on_time" if inst.on_time is None else None
    return "late" if inst.late is None else None


def _party_ids(values: list[Any]) -> list[str]:
    """Party ids found at a path; a list of ids (e.g. summit contributors) gives each one."""
    if len(values) == 1 and type(values[0]) is str:  # one id, as most paths give
        return [values[0]]
    out: list[str] = []
    for v in values:
        out.extend(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
    return out


def _first(e: Event | None, path: str) -> Any:
    if e is None:
        return None
    found = resolve(e, path)
    if not found:
        return None
    v = found[0]
    return json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v


def _period_of(spec: PeriodSpec, day: Date, anchor: Date) -> Period:
    """The period of `spec` (all months, whatever `months` says) that holds `day`: found
    in its calendar year's periods, enumerated once per year (their month arithmetic was
    the engine's largest cost) and shared by every day of the year (a table by day kept
    a period for each day seen, thousands in a pipeline running for years)."""
    whole = spec if not spec.months else _all_months(spec)
    for p in _year_periods(whole, anchor, day.year):
        if p.start <= day <= p.end:
            return p
    raise AssertionError(f"no period of {spec} holds {day}")  # they tile every year


@functools.lru_cache(maxsize=64)
def _all_months(spec: PeriodSpec) -> PeriodSpec:
    return PeriodSpec(spec.calendar, spec.unit)


@functools.lru_cache(maxsize=64)
def _named_period(spec: PeriodSpec, text: str, near: Date, anchor: Date) -> Period | None:
    """`spec.named(text, near, anchor)`: the period a label names, among those that
    overlap three years (of 366 days) either side of `near`, the first in order. Found in
    the periods of the nine calendar years around `near`'s, each year's enumerated once
    (an enumeration per event day was the costliest part of counting declared returns,
    and filled a cache day by day). Memoised, with a small bound: returns filed on one day
    mostly name the same few periods, and the search reads nine years' labels. (A bound of
    1,024 was hit no more often on the benchmark's stream, and kept answers for past days
    that grew the streaming session's memory with its years.)"""
    wanted = text.strip().replace("-Q", " Q")
    span = _dt.timedelta(days=3 * 366)
    first, last = near - span, near + span
    # a period in two calendar years is met twice, in order: the first match is the
    # first in order of all those that overlap the nine years
    for year in range(max(near.year - 4, 1), min(near.year + 4, 9999) + 1):
        found = _year_labels(spec, anchor, year).get(wanted)
        for p in (found,) if isinstance(found, Period) else found or ():
            if p.end >= first and p.start <= last:
                return p
    return None


@functools.lru_cache(maxsize=512)
def _year_periods(spec: PeriodSpec, anchor: Date, year: int) -> tuple[Period, ...]:
    """The periods of `spec` that overlap the calendar year `year`, in order (those of a
    spec of some months only are the same objects as those of all its months)."""
    if spec.months:
        whole = _year_periods(_all_months(spec), anchor, year)
        return tuple(p for p in whole if p.start.month in spec.months)
    return tuple(spec.periods(Date(year, 1, 1), Date(year, 12, 31), anchor))


@functools.lru_cache(maxsize=512)
def _year_labels(
    spec: PeriodSpec, anchor: Date, year: int
) -> dict[str, Period | tuple[Period, ...]]:
    """`_year_periods` by label: the period a label names in that year (a tuple of them,
    in order, should two share it)."""
    out: dict[str, Period | tuple[Period, ...]] = {}
    for p in _year_periods(spec, anchor, year):
        had = out.get(p.label)
        out[p.label] = p if had is None else (*((had,) if isinstance(had, Period) else had), p)
    return out


def _spans(cr: CompiledRuleset, rule: CountRule, first: Date, last: Date) -> Iterator[Period]:
    eff = cr.ruleset.rule_start(rule)  # the agreement's start, or its first version's
    start = cr.value(rule.start, eff) if rule.start is not None else eff
    end = cr.value(rule.end, start)
    if not isinstance(start, Date) or not isinstance(end, Date):
        return
    k = 0
    while True:
        if k == 0:
            s, e = start, end
        else:
            delta = relativedelta(end + DAY, start)
            s = start + delta * k
            e = start + delta * (k + 1) - DAY
        if s > last:
            return
        if e >= first:
            yield Period(s, e, f"{s.isoformat()} to {e.isoformat()}")
        if not rule.repeat:
            return
        k += 1


# ------------------------------------------------------------------- statuses


class _Findings:
    """Derives the findings of one ruleset as of one day from the engine state."""

    def __init__(self, session: Session, cr: CompiledRuleset, st: RulesetState, day: Date) -> None:
        self.s = session
        self.cr = cr
        self.st = st
        self.day = day
        self.rs = cr.ruleset
        self.breaches: dict[str, list[tuple[Instance, Date | None]]] = defaultdict(list)
        self._shared_key: int | None = None  # see shared_key
        self.memo = session._memo[cr.index]
        self.sharing = self.memo.sharing  # whether derived findings are kept (memo.sharing)
        self._party_keys: dict[str, tuple[Any, ...]] = {}  # see party_key
        self.stuck = ""  # why settled() could not settle a duty ("event" or "date")
        self._drain_periods: dict[tuple[PeriodSpec, Date], tuple[Period, ...]] = {}
        self._drain_spans: dict[tuple[str, Date], tuple[Period, ...]] = {}  # see drain_spans
        self._party_fps: dict[str, tuple[Any, ...]] = {}  # see party_fp
        self._handover_fps: dict[str, tuple[Any, ...]] | None = None  # see handover_fp
        self._stirred: dict[str, dict[str, set[str]]] = {}  # see stirred
        self._same: dict[Any, Any] = {}  # see same
        self._members_same: bool | None = None  # see party_fp

    def finding(self, rule: Rule | EscalationLadder, **kw: Any) -> Finding:
        kw.setdefault("interpretations", ())
        if self.rs.versions:
            # the dated version that governed: in force on the trigger's date (given by the
            # caller), else on the day the duty or step opened
            kw.update(version_fields(self.rs, kw.pop("governed_on", None) or kw.get("opens"), kw))
        known = self.s.state.sources
        ids = (*kw.get("triggered_by", ()), *kw.get("fulfilled_by", ()))
        kw["sources"] = tuple(dict.fromkeys(known[i] for i in ids if i in known))
        # the engine names kinds and statuses by the vocabulary's members; a finding
        # carries their plain text (so its JSON, tables and state files are unchanged)
        kw["kind"] = Kind(kw["kind"]).value
        kw["status"] = Status(kw["status"]).value
        f = Finding(agreement=self.rs.id, rule=rule.id, clause=rule.clause, title=rule.title, **kw)
        if self.s.trace is not None and f.kind != Kind.ESCALATION.value:
            self.look(cast(Rule, rule), f)
        return f

    def look(self, rule: Rule, f: Finding) -> None:
        """Trace hook: what an obligation counted, and for a duty not (or not yet) met,
        what the engine looked for and why each event offered to it did not count."""
        trace = self.s.trace
        assert trace is not None
        if f.kind == Kind.OBLIGATION.value:
            trace.count(f)
        spec = getattr(rule, "fulfil", None)
        if not isinstance(spec, EventSpec) or not misses.looks(f) or trace.looks_for(f):
            return
        family = family_of(rule)
        tally = family in (Family.PERIODS, Family.SPANS)
        inst = None
        if f.triggered_by:
            inst = self.st.instances.get((rule.id, f.party, f.triggered_by[0])) or next(
                (
                    i
                    for i in self.st.instances.values()
                    if i.rule == rule.id
                    and i.trigger is not None
                    and i.trigger.id == f.triggered_by[0]
                    and i.due == f.due
                ),
                None,
            )
        elif family is Family.FIXED:
            inst = self.st.fixed.get((rule.id, f.party))
        trigger = inst.trigger if inst is not None else None
        parts = dict(inst.parts) if inst is not None else None
        party = self.s.party(self.cr, self.st, f.party) or _registry_party(f.party)
        where, offered = self.cr.fulfil_where[rule.id], trace.fed_of(spec.types)
        day, effective = self.day, self.rs.effective

        def offer(looked: Looked) -> None:  # run when the record is first read
            owners = each_of(spec, trigger, f.party) if spec.by_each else {f.party}
            if spec.by_any:  # those who may meet it for the party count as the party here
                owners |= parties_named(spec.by_any, trigger)
            misses.look(
                looked,
                f,
                spec,
                trigger=trigger,
                start=trigger.date if trigger is not None and not tally else f.opens,
                owners=owners,
                party=party,
                where=where,
                offered=offered,
                clock=day,
                effective=effective,
                tally=tally,
                window=_is_window(rule),
                ignores_early=_ignores_early(rule),
                parts=parts,
            )

        trace.look(f, Looked(None, None, f.due, (), offer=offer))

    def all(self) -> list[Finding]:
        out: list[Finding] = []
        for inst in self.st.instances.values():
            if inst.trigger is not None and inst.trigger.date <= self.day:
                out.extend(self.instance(inst))
        for rule in self.rs.rules:
            if rule.monitoring == "self-declared":
                continue
            way = FAMILIES[family_of(rule)].findings
            if way is not None:
                out.extend(way(self, rule))
        out.extend(self.ladders())
        return out

    # -- draining what is final
    def final(self, inst: Instance) -> bool:
        """Whether this duty's findings can no longer change after the evaluation day."""
        day = self.day
        if inst.failed is not None or (inst.on_time and inst.on_time[0] <= day):
            return True
        if inst.late and inst.late[0] <= day:
            return True
        if inst.due < day and any(h and h[0] <= day for h in (inst.early, inst.waived)):
            return True
        end, _why = self.ends_for(inst)
        return end is not None and end <= inst.due

    def settled(self, findings: list[Finding]) -> list[Finding] | None:
        """A duty's findings with the steps of the ladders its breach started, if none of
        them can change any more (else None): a step still due may yet be taken, and a
        ladder not yet at its last step may yet climb."""
        # why not (read by drain): "event" when only an event (or a change of what every
        # derivation reads) can settle it, "date" when the passing of days may
        self.stuck = "date"
        if any(inst.due >= self.day for batch in self.breaches.values() for inst, _ in batch):
            # a breach falling due today starts its ladders tomorrow: not settled until then
            self.breaches.clear()
            return None
        if any(f.status == Status.UNRECORDED.value for f in findings):
            self.breaches.clear()
            self.stuck = "event"
            return None  # a later coverage declaration may still make it breached
        steps = self.breach_ladders()
        self.breaches.clear()
        reached: dict[str, int] = defaultdict(int)
        for f in steps:
            if f.status == Status.DUE.value:
                # a step due stays due (overdue) until it is taken, the concern resolved
                # or the breach remedied (events), or the agreement ends
                self.stuck = "event"
                return None
            reached[f.rule] += 1
        for ladder_id, n in reached.items():
            ladder = next(x for x in self.rs.escalations if x.id == ladder_id)
            stopped = any(f.status == Status.STOPPED.value for f in steps if f.rule == ladder_id)
            if n < len(ladder.steps) and not stopped:
                return None  # its next step opens on a later day
        self.stuck = ""
        return findings + steps

    def drain_key(self) -> tuple[Any, ...]:
        """What every duty's findings read beyond the duty and its party: the record's
        coverage, the agreement's end (and whether it has passed). (A succession is read
        by its parties' findings only: it is in their `party_fp`.)"""
        st, state, day = self.st, self.s.state, self.day
        return (
            len(state.coverage),
            state.complete,
            st.end,
            st.end_by,
            st.end is not None and st.end <= day,
        )

    def party_fp(self, pid: str) -> tuple[Any, ...]:
        """A party's memberships, whether its leaving has passed, and the successions it
        takes part in (as predecessor, successor or a body serving the successors).

        While these stay as they were, every drain gives the object the first one built
        (kept in `_Asleep.fps`): the notes of the party's duties and periods asleep,
        written over years of drains, then share one."""
        found = self._party_fps.get(pid)
        if found is None:
            asleep = self.s._asleep[self.cr.index]
            if self._members_same is None:
                # once a drain: if nothing any party's fingerprint reads has changed since
                # the last drain, every one kept then holds (and is not worked out again);
                # else each is worked out again when asked, and kept as the one before if
                # equal to it
                token = self.members_token()
                self._members_same = token == asleep.members
                if not self._members_same:
                    asleep.stale, asleep.fps, asleep.members = asleep.fps, {}, token
            found = asleep.fps.get(pid)
            if found is None:
                left = self.st.left.get(pid)
                found = (
                    *self.party_key(pid),
                    left is not None and left <= self.day,
                    self.handover_fp(pid),
                )
                before = asleep.stale.get(pid)
                if before == found:
                    found = before
                asleep.fps[pid] = found
            self._party_fps[pid] = found
        return found

    def members_token(self) -> tuple[Any, ...]:
        """Everything the `party_fp` of any party reads, for every party at once: equal
        tokens give each party an equal `party_fp` (the count of leavings passed stands
        for each party's "its leaving has passed", the dates being the same)."""
        st, day = self.st, self.day
        return (
            dict(st.joined),
            dict(st.left),
            dict(st.left_why),
            {pid: tuple(spans) for pid, spans in st.past.items()},
            {p: (h[0], tuple(h[1]), h[2], tuple(h[3])) for p, h in st.handovers.items()},
            sum(1 for left in st.left.values() if left is not None and left <= day),
        )

    def same(self, value: Any) -> Any:
        """One object for equal values noted by this drain (dates, spans, what a period
        asleep reads), so that the notes of many parties share it."""
        return self._same.setdefault(value, value)

    def handover_fp(self, pid: str) -> tuple[Any, ...]:
        """The successions `pid` takes part in, as they stand (for this drain).

        Not needed today, and kept: a succession also changes the predecessor's leaving
        and the memberships of successors that join by it, and for a successor that was
        already a member, or a body serving the successors, it changes only the period
        running on its day, which no drain can have put to sleep before it (the law
        `test_a_successor_that_was_already_a_member_drains_as_batch_evaluates` holds
        without this part). It costs an empty tuple for the other parties, and keeps a
        note from outliving a succession that a later derivation may read."""
        table = self._handover_fps
        if table is None:
            table = self._handover_fps = {}
            for pred, h in self.st.handovers.items():
                entry = (pred, h[0], tuple(h[1]), h[2], tuple(h[3]))
                for p in dict.fromkeys(_handover_parties(pred, h)):
                    table[p] = (*table.get(p, ()), entry)
        return table.get(pid, ())

    def concern_fp(self, pid: str, concern: str) -> tuple[Any, ...] | None:
        """What escalation events have said so far about the concern a breach raises."""
        log = self.st.breach_concerns.get((pid, concern)) if self.st.breach_concerns else None
        return None if log is None else (log.resolved, tuple(log.taken.items()))

    def duty_fp(self, inst: Instance, dated: bool) -> tuple[Any, ...]:
        """What an unsettled duty's findings read that an event can change, in one flat
        tuple (one object a sleeping duty: they stay for as long as the duty is open),
        ending with `dated`: whether the note also lapses after the duty's due date."""
        return (
            *_INSTANCE_PLAIN(inst),
            tuple(inst.parts.items()),
            self.party_fp(inst.party),
            self.concern_fp(inst.party, f"{inst.rule}/{inst.key}"),
            dated,
        )

    def doze(self, inst: Instance, dated: bool) -> tuple[Any, ...]:
        """The note of a duty put to sleep (`duty_fp`), once its trigger is kept compactly.

        A duty asleep may stay open for as long as the stream runs (an unremedied breach
        of a rule no later event can meet, a duty nothing has recorded): its trigger
        event's attributes are rewritten in place to equal values whose strings are
        shared (`_compact`), and an empty `parts` of a rule without `fulfil.by_each`
        (which nothing writes) becomes one shared empty mapping. What the duty holds, its
        findings and its snapshot are unchanged."""
        if inst.trigger is not None:
            _compact_attrs(inst.trigger.attrs)
            _intern_fields(inst.trigger)
        if not inst.parts and inst.parts is not _NO_PARTS and not _by_each(self.rs.rule(inst.rule)):
            inst.parts = _NO_PARTS
        return self.duty_fp(inst, dated)

    def stirred(self, rule: Rule) -> dict[str, set[str]]:
        """The periods of `rule` with a tally or a concern, as labels by party (for this
        drain)."""
        found = self._stirred.get(rule.id)
        if found is None:
            found = self._stirred[rule.id] = {}
            for rid, pid, label in self.st.tallies:
                if rid == rule.id:
                    # ("a>b": what b counted for a's period handed on to each successor)
                    found.setdefault(pid.partition(">")[0], set()).add(label)
            for about, concern in self.st.breach_concerns:
                rid, _, label = concern.partition("/")
                if rid == rule.id:
                    found.setdefault(about, set()).add(label)
        return found

    def period_fp(self, rule: Rule, pid: str, label: str) -> tuple[Any, ...]:
        """What an unsettled period's findings read that an event can change."""
        tally = self.st.tallies.get((rule.id, pid, label))
        concern = self.concern_fp(pid, f"{rule.id}/{label}")
        handover = self.st.handovers.get(pid)
        if handover is not None:
            # a predecessor's period handed on to each successor reads their tallies too
            each = [self.st.tallies.get((rule.id, f"{pid}>{s}", label)) for s in handover[1]]
            concern = (
                concern,
                tuple(None if t is None else (t.count, tuple(t.hits)) for t in each),
            )
        if tally is None and concern is None:
            return _NOTHING_READ
        return (None if tally is None else (tally.count, tuple(tally.hits)), concern)

    def drain(self) -> list[Finding]:
        out: list[Finding] = []
        st = self.st
        self.breaches.clear()
        asleep = self.s._asleep[self.cr.index]
        inputs = self.drain_key()
        if asleep.key != inputs:
            asleep.reset(inputs)  # looked at again, all of it
        sleeping = asleep.duties
        day = self.day
        # a duty asleep of a rule no event has reached since the last drain holds what it
        # held: its note is not compared unless its party's memberships or the concern
        # its breach raises may have changed (tests/test_drain_calm.py holds this to the
        # comparison)
        touched = self.s._touched[self.cr.index]
        concerned = {about for about, _ in st.breach_concerns} if st.breach_concerns else ()
        for key, inst in list(st.instances.items()):
            noted = sleeping.get(key)
            if noted is not None:
                dated = noted[-1]  # (the due date is in the note: not woken if it moved)
                if not dated or day <= inst.due:
                    # (a note ends with the party's fingerprint, the concern's, and `dated`)
                    if (
                        _DOZE_PASS
                        and inst.rule not in touched
                        and noted[-3] is self.party_fp(inst.party)
                        and (
                            noted[-2] is None
                            if inst.party not in concerned
                            else noted[-2] == self.concern_fp(inst.party, f"{inst.rule}/{inst.key}")
                        )
                    ):
                        continue  # nothing it reads can have changed since drain() looked
                    if noted == self.duty_fp(inst, dated):
                        continue  # nothing it reads has changed since drain() last looked
                del sleeping[key]
            if inst.trigger is None or inst.trigger.date > day:
                continue
            if not self.final(inst):
                # unsettled until an event reaches it, its party leaves, the agreement ends
                # or (with an early or waiving event) its due date passes
                sleeping[key] = self.doze(inst, inst.due >= day)
                continue
            found = self.settled(self.instance(inst))
            if found is None:
                if self.stuck == "event":
                    sleeping[key] = self.doze(inst, False)
                continue
            out.extend(found)
            del st.instances[key]
            self.s._unfiled(self.cr, st, key, inst)
            bucket = st.index.get((inst.rule, inst.party, *inst.match))
            if bucket is not None and key in bucket:
                bucket.remove(key)
                if not bucket:
                    del st.index[(inst.rule, inst.party, *inst.match)]
        touched.clear()  # every duty of a rule touched has been looked at
        for rule in self.rs.rules:
            if rule.monitoring != "events":
                continue  # all() derives nothing from these: neither does drain()
            way = FAMILIES[family_of(rule)].drain
            if way is not None:
                out.extend(way(self, rule))
        for key, ls in list(st.limits.items()):
            if ls.end is not None and ls.end < self.day:
                limit = cast(LimitRule, self.rs.rule(key[0]))
                if limit.monitoring == "events":
                    out.extend(self.limit(limit, only=key))
                del st.limits[key]
        keep = []
        for ent in st.entitlements:
            lasts = ent[4]
            if lasts is not None and lasts < self.day:
                entitlement = cast(EntitlementRule, self.rs.rule(ent[0]))
                if entitlement.monitoring == "events":
                    out.extend(self.entitlements(entitlement, only=[ent]))
            else:
                keep.append(ent)
        st.entitlements = keep
        for key, lad in list(st.ladders.items()):
            ladder = next(x for x in self.rs.escalations if x.id == lad.ladder)
            done = lad.resolved is not None and lad.resolved[0] <= self.day
            done = done or (st.end is not None and st.end <= self.day)
            taken_all = all(
                (t := lad.taken.get(s.step)) is not None and t[0] <= self.day for s in ladder.steps
            )
            if (done or taken_all) and lad.start <= self.day:
                out.extend(self.one_ladder(lad))
                del st.ladders[key]
                st.drained_ladders[key] = None
        return out

    def drain_fixed(self, r: Rule) -> list[Finding]:
        """The fixed-date duties of `rule` that can no longer change, handed out."""
        rule = cast(FixedDateRule, r)
        out: list[Finding] = []
        st = self.st
        for pid, party in self.parties(rule):
            duty = self.fixed_instance(rule, pid, party)
            if duty is None or not self.final(duty):
                continue
            found = self.settled(self.instance(duty))
            if found is None:
                continue
            out.extend(found)
            st.drained_fixed[(rule.id, pid)] = None
            del st.fixed[(rule.id, pid)]
        return out

    def drain_tally(self, r: Rule) -> list[Finding]:
        return self.recurring(cast(RecurringRule | CountRule, r), drain=True)

    # the findings each family derives from the rule itself (FAMILIES)
    def fixed_findings(self, r: Rule) -> list[Finding]:
        return self.fixed(cast(FixedDateRule, r))

    def tally_findings(self, r: Rule) -> list[Finding]:
        return self.recurring(cast(RecurringRule | CountRule, r))

    def limit_findings(self, r: Rule) -> list[Finding]:
        return self.limit(cast(LimitRule, r))

    def entitlement_findings(self, r: Rule) -> list[Finding]:
        return self.entitlements(cast(EntitlementRule, r))

    def discharge(
        self,
        rule: Rule,
        party: str,
        trigger: str | None,
        opens: Date | None,
        due: Date | None,
        end: Date,
        why: str,
        heirs: tuple[str, ...] = (),
        each: bool = False,
    ) -> None:
        """Note in the trace the one cause that discharged a duty (`why`, from `ends_for`
        or the period's own test), or the successors it was handed on to."""
        assert self.s.trace is not None
        if heirs:
            how = "to each of them" if each else "as one joint duty"
            why = (
                f"{party} was succeeded on {end} by {' and '.join(heirs)}, which took over "
                f"its duties not yet due {how}"
            )
        elif str(end) not in why:
            why = f"{why} on {end}"
        self.s.trace.discharge(self.cr.id, rule.id, party, trigger, opens, due, Ended(end, why))

    # -- one obligation instance
    def ends_for(self, inst: Instance) -> tuple[Date | None, str]:
        """When the duty stopped binding (before the evaluation day), and why."""
        candidates = []
        if self.st.end is not None and self.st.end <= self.day:
            candidates.append((self.st.end, self.agreement_ended()))
        since = inst.trigger.date if inst.trigger is not None else inst.opens
        left = self.s.left_after(self.cr, self.st, inst.party, since)
        if left is not None and left <= self.day:
            why = f"the party left the agreement on {left}"
            gone = load_registry().get(inst.party, {}).get("to")
            if isinstance(gone, Date) and gone + DAY == left:
                why = f"{inst.party} ceased to exist (its last day was {gone})"
            if inst.party in self.st.left_why and self.st.left.get(inst.party) == left:
                why = f"{inst.party} withdrew from the agreement ({self.st.left_why[inst.party]})"
            if inst.handed_to:
                why = f"{inst.party} was succeeded on {left} by {', '.join(inst.handed_to)}"
            candidates.append((left, why))
        if inst.ended is not None and inst.ended[0] <= self.day:
            candidates.append((inst.ended[0], inst.ended_why))
        if not candidates:
            return None, ""
        return min(candidates)

    def agreement_ended(self) -> str:
        """The agreement's end, in words, with what ended it."""
        why = self.st.end_why
        return f"the agreement ended ({why})" if why else "the agreement ended"

    def instance(self, inst: Instance) -> list[Finding]:
        """The findings of one duty as of the day (`derive_instance`), kept for every
        session of the plan by everything their derivation reads: a refinement of
        imprecise dates runs hundreds of sessions whose duties are mostly the same."""
        if not self.sharing:
            return self.derive_instance(inst)
        alive: list[Any] = []
        key = self.instance_key(inst, alive)
        recalled = self.recall(key, inst)
        if recalled is not None:
            return recalled
        outer = self.swap_breaches()
        found = self.derive_instance(inst)
        self.keep(key, found, outer, inst, alive)
        return found

    # -- findings kept for every session of the plan (engine/memo.py)
    def recall(self, key: tuple[Any, ...], this: Instance | None) -> list[Finding] | None:
        """The findings kept under `key`, if any, with the breaches their derivation
        found noted again (for the ladders they start); `this` is the duty derived, which
        a breach of the duty itself names."""
        kept = self.memo.derived(key)
        if kept is None:
            return None
        if self.s.trace is not None and (
            len(kept) < 4 or any(f.status == Status.DISCHARGED.value for f in kept[0])
        ):
            # derived again: the trace notes what discharged it as it is derived (and an
            # untraced session kept no periods for the trace)
            return None
        for rid, inst, late in kept[1]:
            duty = this if inst is None else inst
            assert duty is not None
            self.breaches[rid].append((duty, late))
        if self.s.trace is not None:
            self.replay(kept[0], kept[3])
        return list(kept[0])

    def replay(self, found: Sequence[Finding], terms: Sequence[tuple[Any, Term]]) -> None:
        """Trace hook: recalled findings are noted as derived ones are (`look`, with this
        session's events), with the periods kept with them."""
        assert self.s.trace is not None
        for duty, term in terms:
            self.s.trace.terms.setdefault(duty, term)
        for f in found:
            if f.kind != Kind.ESCALATION.value:
                self.look(self.rs.rule(f.rule), f)

    def swap_breaches(self) -> dict[str, list[tuple[Instance, Date | None]]]:
        """Start noting breaches afresh (for `keep`); returns those noted so far."""
        outer, self.breaches = self.breaches, defaultdict(list)
        return outer

    def keep(
        self,
        key: tuple[Any, ...],
        found: list[Finding],
        outer: dict[str, list[tuple[Instance, Date | None]]],
        this: Instance | None,
        alive: list[Any],
    ) -> None:
        """Keep `found` under `key` with the breaches noted since `swap_breaches`, which
        are added back to `outer`."""
        noted: list[tuple[str, Instance | None, Date | None]] = []
        for rid, hits in self.breaches.items():
            noted.extend((rid, None if inst is this else inst, late) for inst, late in hits)
            outer.setdefault(rid, []).extend(hits)
        self.breaches = outer
        if self.s.trace is None:
            self.memo.keep(key, (tuple(found), tuple(noted), alive))
            return
        terms = self.s.trace.terms  # kept with the findings, for `replay`
        duties = (duty_of(f) for f in found)
        mine = tuple((d, terms[d]) for d in dict.fromkeys(duties) if d in terms)
        self.memo.keep(key, (tuple(found), tuple(noted), alive, mine))

    def instance_key(self, inst: Instance, alive: list[Any]) -> tuple[Any, ...]:
        """Everything `derive_instance` reads: the duty, the day, the agreement's end, the
        party's memberships and succession, and what the record is complete for; the
        sources of the events it names."""
        st, state, pid = self.st, self.s.state, inst.party
        hits = (inst.on_time, inst.early, inst.late, inst.waived, inst.ended, *inst.parts.values())
        ids = [h[1] for h in hits if h is not None]
        if inst.trigger is not None:
            ids.append(inst.trigger.id)
        return (
            "duty",
            self.shared_key(),
            _INSTANCE_PLAIN(inst),
            memo.event_key(inst.trigger, alive),
            tuple(inst.parts.items()),
            self.party_key(pid),
            memo.frozen(st.handovers.get(pid), alive),
            tuple(state.sources.get(i) for i in ids),
        )

    def party_key(self, pid: str) -> tuple[Any, ...]:
        """A party's memberships (and why it left), as a key: the same for every duty of
        one derivation."""
        found = self._party_keys.get(pid)
        if found is None:
            st = self.st
            found = self._party_keys[pid] = (
                pid in st.joined,
                st.joined.get(pid),
                tuple(st.past.get(pid, ())),
                st.left.get(pid),
                st.left_why.get(pid),
            )
        return found

    def shared_key(self) -> int:
        """What every kept derivation of this ruleset reads, as one number: the day, the
        agreement's end, and what the record is declared complete for."""
        if self._shared_key is None:
            st, state = self.st, self.s.state
            self._shared_key = self.memo.number(
                (self.day, st.end, st.end_why, st.end_by, state.complete, tuple(state.coverage))
            )
        return self._shared_key

    def derive_instance(self, inst: Instance) -> list[Finding]:
        """The findings of one duty as of the day, by the cases of docs/time.md in order."""
        rule = self.rs.rule(inst.rule)
        day = self.day
        trig = inst.trigger

        def seen(hit: Hit | None) -> Hit | None:
            return hit if hit and hit[0] <= day else None

        on_time, early, late, waived = (
            seen(inst.on_time),
            seen(inst.early),
            seen(inst.late),
            seen(inst.waived),
        )
        end, why_end = self.ends_for(inst)
        trig_id = trig.id if trig else None
        base: dict[str, Any] = {
            "party": inst.party,
            "opens": inst.opens,
            "due": inst.due,
            "triggered_by": (trig.id,) if trig else (),
            "interpretations": inst.interps,
        }
        if trig is not None and self.rs.versions:
            base["governed_on"] = trig.date

        def obligation(status: Status, explanation: str, by: Hit | None = None) -> Finding:
            return self.finding(
                rule,
                kind=Kind.OBLIGATION,
                status=status,
                fulfilled_by=(by[1],) if by else (),
                explanation=explanation,
                **base,
            )

        def breached(explanation: str, remedy: Hit | None = None) -> list[Finding]:
            status = Status.FULFILLED_LATE if remedy else _missed(rule)
            return [
                obligation(status, explanation, remedy),
                self.breach_finding(rule, inst, explanation, remedy, base),
            ]

        if family_of(rule) is Family.CHECKED:
            assert trig is not None
            trig_text = self.describe_trigger(inst)
            if not inst.failed:
                met = describe_condition(cast(ConstraintRule, rule).require)
                return [
                    obligation(
                        Status.FULFILLED, f"{trig_text} met the requirement: {met}.", (day, trig.id)
                    )
                ]
            return breached(f"{trig_text} did not meet the requirement: {inst.failed}.")
        fulfil_text = self.describe_fulfil(rule, inst)
        window = self.describe_window(rule, inst)
        if on_time and not (end and on_time[0] >= end):
            when = "was on time"
            if trig is not None and on_time[0] < trig.date:
                when = "came before the trigger, within the time the rule looks back: on time"
            return [
                obligation(
                    Status.FULFILLED, f"{window}; {on_time[1]} on {on_time[0]} {when}.", on_time
                )
            ]
        if early and not (end and early[0] >= end):
            before = _days(early[0], inst.opens)
            return [
                obligation(
                    Status.FULFILLED_EARLY,
                    f"{window}; {early[1]} on {early[0]} came {before} before the window "
                    "opened (early: a notice, not a breach).",
                    early,
                )
            ]
        if waived and not (end and waived[0] >= end):
            return [
                obligation(
                    Status.WAIVED, f"{window}; waived by {waived[1]} on {waived[0]}.", waived
                )
            ]
        if end is not None and end <= inst.due:
            if inst.handed_to and not (self.st.end is not None and self.st.end <= end):
                mode = (self.st.handovers.get(inst.party) or [None, None, "joint"])[2]
                heirs = _any_of(inst.handed_to).replace(" or ", " and ")
                if self.s.trace is not None:
                    heirs_of = (inst.handed_to, mode == "each")
                    self.discharge(
                        rule, inst.party, trig_id, inst.opens, inst.due, end, "", *heirs_of
                    )
                return [
                    obligation(
                        Status.DISCHARGED,
                        f"{window}; not yet due when {inst.party} was succeeded by {heirs} "
                        f"on {end}: handed on "
                        + ("to each of them." if mode == "each" else "as one duty."),
                    )
                ]
            if self.s.trace is not None:
                self.discharge(rule, inst.party, trig_id, inst.opens, inst.due, end, why_end)
            return [
                obligation(
                    Status.DISCHARGED,
                    f"{window}; discharged because {_dated(why_end, end)}, before it fell due.",
                )
            ]
        if day <= inst.due:
            return [
                obligation(
                    Status.UPCOMING if day < inst.opens else Status.OPEN,
                    f"{window}; as of {day} {fulfil_text} has not yet been seen "
                    f"({_days(day, inst.due)} left).",
                )
            ]
        if late:
            return breached(
                f"{window}; {fulfil_text} came late: {late[1]} on {late[0]}, "
                f"{_days(inst.due, late[0])} after the due date.",
                late,
            )
        absent = (
            f"{window}; no {fulfil_text} dated {inst.opens} to {inst.due}"
            f"{' or since' if not _is_window(rule) else ''} as of {day}"
        )
        first = inst.opens
        if trig is not None and not _ignores_early(rule):
            first = inst.since or trig.date
        spec = getattr(rule, "fulfil", None)
        owed = [inst.party]
        if isinstance(spec, EventSpec) and spec.by_each and trig is not None:
            # met only when each has acted: unrecorded if the record is not complete for
            # one still owing its part
            owed = sorted(each_of(spec, trig, inst.party) - set(inst.parts))
        gaps = (self.unrecorded(rule, pid, first, inst.due) for pid in owed)
        missing = next((m for m in gaps if m), "")
        if missing:
            return [obligation(Status.UNRECORDED, f"{absent}: {missing}")]
        return breached(f"{absent}: {_missed(rule)} ({_days(inst.due, day)} overdue).")

    def unrecorded(self, rule: Rule, party: str, first: Date, last: Date) -> str:
        """Why the absence of a fulfilling event is not evidence ('' when it is): the
        event types for which the record is not declared complete over the span."""
        if self.s.state.complete:
            return ""
        types = [*_types(getattr(rule, "fulfil", None)), *_types(getattr(rule, "waive", None))]
        missing = uncovered_types(self.s.state.coverage, types, party, first, last, self.day)
        if not missing:
            return ""
        return (
            f"unrecorded, not {_missed(rule)}: the record is not declared complete for "
            f"{' or '.join(missing)} by {party} from {first} to {last} (declare it with a "
            f"record.coverage event, or --complete / complete=True for a whole stream)."
        )

    def breach_finding(
        self,
        rule: Rule,
        inst: Instance,
        expl: str,
        late: tuple[Date, str] | None,
        base: dict[str, Any],
    ) -> Finding:
        self.breaches[rule.id].append((inst, late[0] if late else None))
        notice = rule.severity == "notice"  # a missed duty that the ruleset marks as a notice
        return self.finding(
            rule,
            kind=Kind.NOTICE if notice else Kind.BREACH,
            status=Status.MISSED if notice else (Status.REMEDIED if late else Status.BREACHED),
            fulfilled_by=(late[1],) if late else (),
            remedied_on=late[0] if late else None,
            explanation=expl,
            **base,
        )

    def describe_trigger(self, inst: Instance) -> str:
        t = inst.trigger
        if t is None:
            return ""
        return f"{t.type} {t.id} ({t.council}) on {t.date}"

    def describe_fulfil(self, rule: Rule, inst: Instance) -> str:
        spec = getattr(rule, "fulfil", None)
        if spec is None:
            return "a fulfilling event"
        text = " or ".join(spec.types)
        if spec.match and inst.match:
            text += " with " + ", ".join(
                f"{a} {v}" for (a, _b), v in zip(spec.match, inst.match, strict=False)
            )
        who = "any of " + _any_of(inst.joint) if inst.joint else inst.party
        others = (
            sorted(_by_any(spec, inst.trigger)) if inst.trigger is not None else list(spec.by_any)
        )
        if spec.by != "council":
            text += f" naming {who} as {spec.by}"
            if others:
                text += f" (or naming {' or '.join(others)} as {spec.by})"
        else:
            text += f" by {who}"
            if others:
                text += " (or by " + " or ".join(others) + ")"
        if spec.by_each and inst.trigger is not None:
            need = sorted(each_of(spec, inst.trigger, inst.party))
            done = [p for p in need if p in inst.parts]
            owed = [p for p in need if p not in inst.parts]
            text = " or ".join(spec.types)
            if spec.match and inst.match:
                text += " with " + ", ".join(
                    f"{a} {v}" for (a, _b), v in zip(spec.match, inst.match, strict=False)
                )
            text += f" by each of {', '.join(need)}, for {inst.party}"
            if done:
                text += "; done by " + ", ".join(f"{p} on {inst.parts[p][0]}" for p in done)
            if owed:
                text += "; not yet by " + ", ".join(owed)
        return text

    def describe_window(self, rule: Rule, inst: Instance) -> str:
        t = inst.trigger
        inherited = f" (inherited from {inst.inherited_from})" if inst.inherited_from else ""
        if inst.joint:
            inherited = (
                f" (inherited from {inst.inherited_from}: one duty owed jointly, met by any of "
                f"{_any_of(inst.joint)})"
            )
        what = self.describe_trigger(inst)
        if inst.state:
            what = f"the state {inst.state} (from {what})"
            if inst.since is not None:
                what += f", holding on the agreement's start, {inst.since},"
        start = inst.since or (t.date if t is not None else None)
        triggered = family_of(rule) is Family.TRIGGERED
        window = _window_opens(rule) if triggered else None
        if window is not None and start is not None:
            o = self.cr.duration(window, start)
            d = self.cr.duration(_triggered(rule).due, start)
            return (
                f"{what} opened a window for {inst.party}{inherited}: "
                f"{start} + {o} = {inst.opens} to {start} + {d} = {inst.due}"
            )
        if triggered and start is not None:
            d = self.cr.duration(_triggered(rule).due, start)
            return (
                f"{what} set {inst.party}{inherited} a deadline of "
                f"{d.describe()}: {start} + {d} = {inst.due}"
            )
        return f"{inst.party} was due by {inst.due} (open from {inst.opens})"

    # -- fixed dates
    def fixed(self, rule: FixedDateRule) -> list[Finding]:
        if self.day < self.rs.effective.start:
            return []
        out = []
        for pid, party in self.parties(rule):
            inst = self.fixed_instance(rule, pid, party)
            if inst is not None:
                out.extend(self.instance(inst))
        return out

    def fixed_instance(self, rule: FixedDateRule, pid: str, party: Party) -> Instance | None:
        """The party's fixed-date duty, if it owes one as of the day (and drain() has not
        handed it out)."""
        if self.day < self.rs.effective.start:
            return None
        inst = self.s._fixed(self.cr, self.st, rule, party)
        if inst is None or not self.rs.in_force(rule, inst.opens):
            return None
        if not any(
            joined <= inst.due and (left is None or left > inst.opens)
            for joined, left in self.s.spans(self.cr, self.st, pid)
        ):
            return None  # not a member at any time between its opening and its due date
        return inst

    def parties(self, rule: Rule) -> list[tuple[str, Party]]:
        spec = rule.party
        if not spec.body:
            # the members listed or matched by a pattern, as worked out once per plan; a
            # council that joined by an event is read here
            out = []
            for pid, listed in self.memo.councils(
                self.cr, rule, tuple(self.st.joined), self.s.applies
            ):
                p = listed or self.st.dynamic.get(pid)
                if listed is None and (
                    p is None or p.kind != "council" or not self.s.applies(self.cr, rule, p)
                ):
                    continue
                assert p is not None
                out.append((pid, p))
            return out
        ids = (
            [spec.body]
            if spec.body
            else [
                pid
                for pid in self.st.joined
                if (p := self.s.party(self.cr, self.st, pid)) is not None and p.kind == "council"
            ]
        )
        out = []
        for pid in ids:
            p = self.s.party(self.cr, self.st, pid)
            if p is not None and self.s.applies(self.cr, rule, p):
                out.append((pid, p))
        return out

    # -- recurring and count duties
    def recurring(self, rule: RecurringRule | CountRule, drain: bool = False) -> list[Finding]:
        out = []
        eff_start = self.rs.effective.start
        if self.day < eff_start:
            return []
        if drain and self.rs.rule_start(rule) > self.day:
            # a rule of a later version: no period that has begun is in force (drain()
            # would look at each party's periods only to pass over every one)
            return []
        tallies: dict[str, list[Any]] | None = None
        asleep = self.s._asleep[self.cr.index]
        # the parties of a succession (who may have inherited a period)
        handing = {p for pred, h in self.st.handovers.items() for p in _handover_parties(pred, h)}
        day = self.day
        if drain:
            # a party whose running period is noted (`until`) with the memberships it was
            # noted with, and with no tally or concern that may have woken a period asleep,
            # has nothing for this drain: passed over here without building anything (the
            # test below gives the same answer, the long way: tests/test_drain_calm.py)
            calm_of = asleep.until.row(rule.id)
            noted_fp = asleep.party.row(rule.id)
            stirred = self.stirred(rule)
        for pid, _party in self.parties(rule):
            if drain and _CALM_PASS:
                calm = calm_of.get(pid)
                if (
                    calm is not None
                    and day <= calm
                    and pid not in stirred
                    and noted_fp.get(pid) is self.party_fp(pid)
                ):
                    continue
            # kept for every session of the plan, unless a succession hands this party's
            # duties on or to it (only then does the derivation read the handovers, which
            # the key does not hold)
            key = None
            if not drain and pid not in handing and self.sharing:
                if tallies is None:
                    tallies = self.tallies_by_party(rule)
                alive: list[Any] = []
                key = self.periods_key(rule, pid, tallies.get(pid, []))
                recalled = self.recall(key, None)
                if recalled is not None:
                    out.extend(recalled)
                    continue
                mark, outer = len(out), self.swap_breaches()
            end = self.st.end if self.st.end is not None and self.st.end <= self.day else None
            items: list[tuple[Period, Date, Date | None]] = []
            seen: set[str] = set()
            floor = self.st.floors.get((rule.id, pid))
            rp = (rule.id, pid)
            # drain() looks at the periods it has not looked at (from the frontier) and
            # at those asleep whose tally or concern has changed since (see _Asleep)
            dozing = drain
            dormant: dict[str, Period | tuple[Any, ...]] = {}
            lowest = floor
            if dozing:
                fp = self.party_fp(pid)
                if asleep.party.get(rp) != fp:  # its memberships changed: look again
                    asleep.frontier.pop(rp, None)
                    asleep.forget(rp)
                    asleep.party[rp] = fp
                dormant = asleep.periods.get(rp) or {}  # kept only once one sleeps
                calm = asleep.until.get(rp)
                if (
                    calm is not None
                    and self.day <= calm
                    and not any(
                        (value := dormant.get(label)) is not None
                        and asleep.noted(rp, value)[3] != self.period_fp(rule, pid, label)
                        for label in self.stirred(rule).get(pid, ())
                    )
                ):
                    continue  # the period at its frontier still runs, and nothing woke
                front = asleep.frontier.get(rp)
                if front is not None and (lowest is None or front > lowest):
                    lowest = front
            # (drain) the first day a period not enumerated today may be: None if none can
            wake: Date | None = None
            for joined, left in self.s.spans(self.cr, self.st, pid):
                first = max(joined, eff_start)
                if first > self.day or (left is not None and lowest is not None and left < lowest):
                    if first > self.day and (wake is None or first < wake):
                        wake = first  # a membership to come
                    continue
                gone = left is not None and left <= self.day
                # what drain() has handed out is not derived again: start at its floor
                since = max(first, lowest) if lowest is not None else first
                if family_of(rule) is Family.PERIODS:
                    spec = cast(RecurringRule, rule).period
                    periods: Iterable[Period] = (
                        memo.periods(spec, since, self.day, eff_start)
                        if not drain  # drain's (from each frontier) are kept for this drain only
                        else self.drain_periods(spec, since)
                    )
                elif drain:
                    periods = self.drain_spans(cast(CountRule, rule), since)
                else:
                    periods = _spans(self.cr, cast(CountRule, rule), since, self.day)
                for period in periods:
                    if (gone and left is not None and period.start >= left) or period.label in seen:
                        continue  # after this membership ended / owed under an earlier one
                    if not self.rs.in_force(rule, period.start):
                        continue  # a dated version without this rule governs this period
                    seen.add(period.label)
                    items.append((period, first, left))
                if dozing and not items and (left is None or left > self.day + DAY):
                    # a later period of this membership may begin after today (asked only
                    # while there is nothing to look at: `wake` is read only then)
                    later = self.next_start(rule, since)
                    if later is not None and (wake is None or later < wake):
                        wake = later
            listed = bool(items)  # (before any period asleep that woke is added)
            # the periods asleep that nothing has woken are passed over unseen (as the
            # first of them is reached, the later ones are "beyond" it); the woken ones are
            # looked at again in their place
            dozing_from: Date | None = None
            woken = False
            if dormant:
                # only a period with a tally or a concern can have been woken (one with
                # neither slept with neither, and neither goes away while it sleeps)
                for label in self.stirred(rule).get(pid, ()):
                    value = dormant.get(label)
                    if value is None:
                        continue
                    noted = asleep.noted(rp, value)
                    if noted[3] == self.period_fp(rule, pid, label):
                        continue
                    del dormant[label]
                    woken = True
                    if label not in seen:
                        seen.add(label)
                        items.append(noted[:3])
                if woken:
                    dozing_from = min(
                        (asleep.noted(rp, n)[0].start for n in dormant.values()), default=None
                    )
                elif sum(1 for label in seen if label in dormant) < len(dormant):
                    # those not enumerated again lie before the frontier, before them all
                    dozing_from = Date.min
            beyond = self.st.drained_beyond.get((rule.id, pid), [])
            drained = set(beyond)
            blocked = False  # has a period that is not final been passed over?
            pin: Date | None = None  # the first period drain() must look at again
            reach: Date | None = None  # the end of the last period looked at
            running: Date | None = None  # the due date of the running period pinned
            # a period a succession handed on to this party is owed as the predecessor's
            # (one duty, or one each); the successor's own duties start with the next one
            handed = (
                [when for _p, when, _m in self.s.inherited(self.st, pid, self.day)]
                if pid in handing
                else []
            )
            for period, first, left in sorted(items, key=lambda item: item[0].start):
                if (floor is not None and period.end < floor) or period.end in drained:
                    continue
                if dozing:
                    if dozing_from is not None and dozing_from < period.start:
                        blocked = True  # a period asleep was passed over
                    if period.label in dormant:
                        continue  # asleep: nothing it reads has changed
                    reach = period.end if reach is None else max(reach, period.end)
                if any(period.start < when <= period.end for when in handed):
                    continue
                if end is not None and period.start >= end:
                    continue
                need, reading = self.joiner_need(rule, period, first)
                if need == 0:
                    continue  # a joiner owes nothing in this span, on this reading
                # (with a trace, derived anyway: a discharge is noted as it is derived)
                if drain and self.s.trace is None and self.period_due(rule, period) >= self.day:
                    if pin is None:
                        pin, running = period.start, self.period_due(rule, period)
                    break  # this period and the later ones are still running
                found = self.period_finding(
                    rule, pid, period, first, left, end, need=need, reading=reading
                )
                if drain:
                    due = found[0].due
                    assert due is not None
                    if due >= self.day:
                        if pin is None:
                            pin = period.start
                        break  # this period and the later ones are still running
                    final = self.settled(found)
                    if (
                        getattr(rule, "period_from", None)  # a PERIODS rule's
                        and any(f.status in (Status.BREACHED, Status.MISSED) for f in found)
                    ):
                        final = None  # a return declaring this period may yet come late
                        self.stuck = "event"
                    if final is None:  # e.g. a breach whose ladder is still climbing
                        self.breaches.clear()
                        blocked = True
                        if dozing and self.stuck == "event":
                            fp = self.period_fp(rule, pid, period.label)
                            asleep.note(rp, dormant, period, first, left, fp, self.same)
                        elif pin is None:
                            pin = period.start
                        continue
                    found = final
                    self.st.tallies.pop((rule.id, pid, period.label), None)
                    if blocked:
                        beyond.append(period.end)
                        drained.add(period.end)
                        self.st.drained_beyond[(rule.id, pid)] = beyond
                    else:  # the drained periods run unbroken up to here
                        floor = period.end + DAY
                        self.st.floors[(rule.id, pid)] = floor
                        beyond = [d for d in beyond if d >= floor]
                        self.st.drained_beyond[(rule.id, pid)] = beyond
                out.extend(found)
            if dozing:
                if pin is not None:
                    asleep.frontier[rp] = self.same(pin)
                elif reach is not None:
                    asleep.frontier[rp] = self.same(reach + DAY)
                if running is not None:
                    asleep.until[rp] = self.same(running)
                elif not listed and not woken and pin is None and _QUIET:
                    # no period to look at, and none until `wake` (see `next_start`): calm
                    # until the day before, as for a running period (a party that left, a
                    # count rule's one span past, a member yet to join)
                    asleep.until[rp] = self.same(Date.max if wake is None else wake - DAY)
                else:
                    asleep.until.pop(rp, None)
            if key is not None:
                self.keep(key, out[mark:], outer, None, alive)
        return out

    def tallies_by_party(self, rule: RecurringRule | CountRule) -> dict[str, list[Any]]:
        """The rule's tallies, by party: (period label, hits, count)."""
        out: dict[str, list[Any]] = {}
        for (rid, pid, label), tally in self.st.tallies.items():
            if rid == rule.id:
                out.setdefault(pid, []).append((label, tuple(tally.hits), tally.count))
        return out

    def periods_key(
        self, rule: RecurringRule | CountRule, pid: str, tallies: list[Any]
    ) -> tuple[Any, ...]:
        """Everything the findings of one party's recurring or count duty read, when no
        succession hands duties on from or to it: the day, the agreement's end, the party's
        memberships, what drain() has handed out, its tallies, what the record is
        complete for, and the sources of the events counted."""
        st, sources = self.st, self.s.state.sources
        return (
            "periods",
            rule.id,
            pid,
            self.shared_key(),
            self.party_key(pid),
            st.floors.get((rule.id, pid)) if st.floors else None,
            tuple(st.drained_beyond.get((rule.id, pid), ())) if st.drained_beyond else (),
            tuple(tallies),
            tuple(sources.get(hit[1]) for _label, hits, _n in tallies for hit in hits)
            if tallies and sources
            else (),
        )

    def drain_periods(self, spec: PeriodSpec, since: Date) -> tuple[Period, ...]:
        """The periods of `spec` from `since` to the day (as memo.periods), shared by the
        parties of this drain only: asked from each party's frontier, they would crowd
        out memo's entries, which the runs of a refinement share."""
        key = (spec, since)
        found = self._drain_periods.get(key)
        if found is None:
            # taken from the tables of their calendar years (the same objects every
            # drain: a period asleep is kept as it was enumerated, for years)
            out: list[Period] = []
            anchor, day = self.rs.effective.start, self.day
            for year in range(since.year, day.year + 1):
                for p in _year_periods(spec, anchor, year):
                    if p.end >= since and p.start <= day and (not out or p.start > out[-1].start):
                        out.append(p)
            found = self._drain_periods[key] = tuple(out)
        return found

    def next_start(self, rule: RecurringRule | CountRule, since: Date) -> Date | None:
        """No later than the first day after today on which a period of `rule` from
        `since` may begin (None if none ever can): the day after today for a recurring
        rule; for a count rule, the start of its first span from `since` that is not over
        before tomorrow (None past a single span's end)."""
        tomorrow = self.day + DAY
        if family_of(rule) is Family.PERIODS:
            return tomorrow
        nxt = next(_spans(self.cr, cast(CountRule, rule), max(since, tomorrow), Date.max), None)
        return None if nxt is None else nxt.start

    def drain_spans(self, rule: CountRule, since: Date) -> tuple[Period, ...]:
        """The spans of a count rule from `since` to the day (`_spans`), worked out once
        for every party of this drain that asks from the same day (most parties' frontiers
        are one date)."""
        key = (rule.id, since)
        found = self._drain_spans.get(key)
        if found is None:
            found = self._drain_spans[key] = tuple(_spans(self.cr, rule, since, self.day))
        return found

    def period_due(self, rule: RecurringRule | CountRule, period: Period) -> Date:
        """A period's due date: its end, or the end of its grace."""
        return self.period_grace(rule, period)[1]

    def period_grace(
        self, rule: RecurringRule | CountRule, period: Period
    ) -> tuple[Duration | None, Date]:
        """A period's grace (a PERIODS rule's, read on the period's first day), if any,
        and its due date: the end of the grace, run from the day after the period."""
        given = getattr(rule, "grace", None)
        grace = self.cr.duration(given, period.start) if given is not None else None
        return grace, grace_end(period.end, grace) if grace else period.end

    def joiner_need(
        self, rule: RecurringRule | CountRule, period: Period, first: Date
    ) -> tuple[int, str]:
        """How many a party owes in a count span it joined after the span began, on the
        rule's reading (`joiners`), and the reading ('' when it does not apply)."""
        if family_of(rule) is not Family.SPANS or first <= period.start:
            return rule.at_least, ""
        reading = str(self.cr.value(cast(CountRule, rule).joiners, period.start))
        if reading == "next_period":
            return 0, reading
        if reading == "pro_rata":
            share = ((period.end - first).days + 1) / ((period.end - period.start).days + 1)
            return int(rule.at_least * share + 0.5), reading
        return rule.at_least, reading

    def period_finding(
        self,
        rule: RecurringRule | CountRule,
        pid: str,
        period: Period,
        first: Date,
        left: Date | None,
        end: Date | None,
        *,
        handed_from: str | None = None,
        need: int | None = None,
        reading: str = "",
    ) -> list[Finding]:
        """The findings of one period of a recurring or count duty. With `handed_from`,
        the period is the predecessor's, handed on to `pid` by a succession."""
        day = self.day
        given = getattr(rule, "grace", None)  # a PERIODS rule's
        interps = self.cr.interpretations(
            rule, given, getattr(rule, "end", None), getattr(rule, "start", None)
        )
        grace, due = self.period_grace(rule, period)
        opens = max(period.start, first)
        eff = self.rs.effective
        if eff.start_basis == "interpretation" and opens == eff.start:
            interps = (*interps, "effective-start")
        tally = self.st.tallies.get((rule.id, handed_from or pid, period.label), Tally())
        hits = [h for h in tally.hits if h[0] <= day]
        joint_text = ""
        who = pid
        if handed_from is not None:
            when, successors, duties, served = self.st.handovers[handed_from]
            if duties == "each":  # its own events, and the predecessor's before it left
                own = self.st.tallies.get((rule.id, f"{handed_from}>{pid}", period.label))
                hits = sorted(hits + [h for h in (own.hits if own else []) if h[0] <= day])
                who = f"{pid} or {handed_from}"
                joint_text = f" (handed on by {handed_from}, succeeded on {when})"
            else:
                who = "any of " + _any_of([handed_from, *successors, *served])
                joint_text = (
                    f" (handed on by {handed_from}, succeeded on {when}: one duty owed jointly "
                    f"by {_any_of(successors).replace(' or ', ' and ')})"
                )
        if reading:  # only a SPANS rule's joiner has one (joiner_need)
            # a party that joined during the span: the reading of what it owes is one
            interps = (*interps, *self.cr.interpretations(rule, cast(CountRule, rule).joiners))
            interps = tuple(dict.fromkeys(interps))
        need = rule.at_least if need is None else need
        fulfil_text = " or ".join(rule.fulfil.types)
        if rule.fulfil.by != "council":
            fulfil_text += f" naming {who} as {rule.fulfil.by}"
        else:
            fulfil_text += f" by {who}"
        what = f"at least {need} {fulfil_text}"
        if reading == "pro_rata":
            what += f" (pro rata: it joined on {first})"
        elif reading == "full":
            what += f" (the whole count, though it joined on {first})"
        span = f"{period.label} ({period.start} to {period.end}"
        span += f", plus {grace.describe()} grace to {due})" if grace else ")"
        base: dict[str, Any] = {
            "party": pid,
            "opens": opens,
            "due": due,
            "triggered_by": (),
            "interpretations": interps,
        }
        if self.rs.versions:
            base["governed_on"] = period.start
        if self.s.trace is not None:  # the period and the sum that gave its due date
            sums = Sum(period.end, grace, given, due) if grace is not None else None
            self.s.trace.term(self.rs.id, rule.id, pid, opens, due, Term(period, sums))
        stop = min(d for d in (left, end, _dt.date.max) if d is not None)
        counted = [h for h in hits if h[0] < stop]
        what += joint_text
        on_time = [h for h in counted if h[0] <= due]  # (a declared period's may come late)
        if len(on_time) >= need:
            counted = on_time
            ids = tuple(h[1] for h in counted[:need])
            return [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=Status.FULFILLED,
                    fulfilled_by=ids,
                    explanation=f"{pid} needed {what} in {span}; "
                    f"found {', '.join(f'{i} on {d}' for d, i in counted[:need])}.",
                    **base,
                )
            ]
        handover = self.st.handovers.get(pid) if handed_from is None else None
        if (
            handover is not None
            and left is not None
            and handover[0] == left == stop
            and stop <= due
            and stop <= day
        ):
            when, successors, duties, _served = handover
            each = duties == "each"
            if self.s.trace is not None:
                self.discharge(rule, pid, None, opens, due, when, "", tuple(successors), each)
            out = [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=Status.DISCHARGED,
                    fulfilled_by=(),
                    explanation=f"{pid} needed {what} in {span}; not yet due when {pid} was "
                    f"succeeded by {_any_of(successors).replace(' or ', ' and ')} on {when}: "
                    + ("handed on to each of them." if each else "handed on as one duty."),
                    **base,
                )
            ]
            for owner in successors if each else successors[:1]:
                out.extend(
                    self.period_finding(rule, owner, period, first, None, end, handed_from=pid)
                )
            return out
        if stop <= due and stop <= day:
            gone = load_registry().get(pid, {}).get("to")
            why = (
                self.agreement_ended()
                if end is not None and stop == end
                else f"{pid} ceased to exist (its last day was {gone})"
                if isinstance(gone, Date) and gone + DAY == stop
                else f"{pid} left the agreement"
            )
            if not (end is not None and stop == end) and pid in self.st.left_why:
                why = f"{pid} withdrew from the agreement ({self.st.left_why[pid]})"
            if self.s.trace is not None:
                self.discharge(rule, pid, None, opens, due, stop, why)
            return [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=Status.DISCHARGED,
                    fulfilled_by=(),
                    explanation=f"{pid} needed {what} in {span}; discharged because {why} "
                    f"on {stop}, before it fell due.",
                    **base,
                )
            ]
        if day <= due:
            status = Status.UPCOMING if day < opens else Status.OPEN
            return [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=status,
                    fulfilled_by=(),
                    explanation=f"{pid} needs {what} in {span}; {len(counted)} so far as of {day}.",
                    **base,
                )
            ]
        if len(counted) >= need:  # completed late, by events declaring this period
            last = counted[need - 1]
            expl = (
                f"{pid} needed {what} in {span}; found {len(on_time)} by the due date, and "
                f"{last[1]} on {last[0]}, {_days(due, last[0])} after it, declaring "
                f"{period.label}: {_missed(rule)}, then remedied."
            )
            inst = Instance(rule.id, pid, period.label, opens, due)
            return [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=Status.FULFILLED_LATE,
                    fulfilled_by=tuple(h[1] for h in counted[:need]),
                    explanation=expl,
                    **base,
                ),
                self.breach_finding(rule, inst, expl, last, base),
            ]
        absent = f"{pid} needed {what} in {span}; found {len(on_time)} by the due date"
        missing = self.unrecorded(rule, pid, opens, due)
        if missing:
            return [
                self.finding(
                    rule,
                    kind=Kind.OBLIGATION,
                    status=Status.UNRECORDED,
                    fulfilled_by=tuple(h[1] for h in counted),
                    explanation=f"{absent}: {missing}",
                    **base,
                )
            ]
        expl = f"{absent}: {_missed(rule)} (due {due})."
        inst = Instance(rule.id, pid, period.label, opens, due)
        return [
            self.finding(
                rule,
                kind=Kind.OBLIGATION,
                status=_missed(rule),
                fulfilled_by=tuple(h[1] for h in counted),
                explanation=expl,
                **base,
            ),
            self.breach_finding(rule, inst, expl, None, base),
        ]

    # -- limits and entitlements
    def limit(self, rule: LimitRule, only: tuple[str, str, str] | None = None) -> list[Finding]:
        out = []
        for (rid, pid, label), ls in self.st.limits.items():
            if only is not None and (rid, pid, label) != only:
                continue
            if rid != rule.id or ls.exceeded is None or ls.exceeded[0] > self.day:
                continue
            maximum = self.cr.value(rule.max, ls.exceeded[0])
            what = f"{rule.amount} of " if rule.amount else "the number of "
            expl = (
                f"{pid} exceeded the ceiling in {label}: {what}"
                f"{'/'.join(rule.trigger.types)} came to "
                f"{ls.total_when_exceeded:g}, more than the ceiling of {maximum:g}, with "
                f"{ls.exceeded[1]} on {ls.exceeded[0]}."
            )
            kind = Kind.BREACH if rule.severity == "breach" else Kind.NOTICE
            out.append(
                self.finding(
                    rule,
                    kind=kind,
                    status=Status.EXCEEDED,
                    party=pid,
                    opens=None,
                    due=ls.exceeded[0],
                    triggered_by=tuple(ls.events),
                    fulfilled_by=(),
                    explanation=expl,
                    interpretations=self.cr.interpretations(rule, rule.max),
                )
            )
        return out

    def entitlements(
        self,
        rule: EntitlementRule,
        only: list[tuple[str, str, Date, str, Date | None]] | None = None,
    ) -> list[Finding]:
        out = []
        for rid, pid, start, eid, lasts in self.st.entitlements if only is None else only:
            if rid != rule.id or start > self.day:
                continue
            status = Status.LAPSED if lasts is not None and lasts < self.day else Status.AVAILABLE
            until = f" until {lasts}" if lasts else ""
            out.append(
                self.finding(
                    rule,
                    kind=Kind.NOTICE,
                    status=status,
                    party=pid,
                    opens=start,
                    due=lasts,
                    triggered_by=(eid,),
                    fulfilled_by=(),
                    explanation=f"{eid} on {start} entitles {pid} to what clause {rule.clause} "
                    f"offers{until}.",
                    interpretations=self.cr.interpretations(rule, rule.lasts),
                )
            )
        return out

    # -- escalation ladders
    def ladders(self) -> list[Finding]:
        out = []
        for ls in self.st.ladders.values():
            out.extend(self.one_ladder(ls))
        out.extend(self.breach_ladders())
        return out

    def one_ladder(self, ls: LadderState) -> list[Finding]:
        if ls.start > self.day:
            return []
        ladder = next(x for x in self.rs.escalations if x.id == ls.ladder)
        resolved, why = self.with_end(ls.resolved, ls.why)
        return self.ladder_steps(
            ladder,
            ls.about,
            ls.concern,
            ls.start,
            ls.triggered_by,
            resolved,
            ls.taken,
            why=why,
            note=ls.note,
        )

    def with_end(self, resolved: Hit | None, why: str) -> tuple[Hit | None, str]:
        """What stops a ladder: its concern resolved (or its state ended), or the
        agreement's end, whichever came first."""
        end = self.st.end
        if end is not None and end <= self.day and (resolved is None or end < resolved[0]):
            return (end, self.st.end_by or ""), self.agreement_ended()
        return resolved, why

    def breach_ladders(self) -> list[Finding]:
        """Ladders started by the breaches found so far (in this derivation)."""
        out = []
        for ladder in self.rs.escalations:
            for rid in ladder.breach_of:
                for inst, remedied in self.breaches.get(rid, []):
                    start = inst.due + DAY
                    if start > self.day:
                        continue
                    concern = f"{rid}/{inst.key}"
                    log = self.st.breach_concerns.get((inst.party, concern))
                    resolved = (remedied, "") if remedied else None
                    if (
                        log is not None
                        and log.resolved
                        and (resolved is None or log.resolved[0] < resolved[0])
                    ):
                        resolved = log.resolved
                    taken = log.taken if log is not None else {}
                    trig = (inst.trigger.id,) if inst.trigger else ()
                    resolved, why = self.with_end(resolved, "")
                    out.extend(
                        self.ladder_steps(
                            ladder, inst.party, concern, start, trig, resolved, taken, why=why
                        )
                    )
        return out

    def ladder_steps(
        self,
        ladder: EscalationLadder,
        about: str,
        concern: str,
        start: Date,
        triggered_by: tuple[str, ...],
        resolved: tuple[Date, str] | None,
        taken: dict[int, tuple[Date, str]],
        *,
        why: str = "",
        note: str = "",
    ) -> list[Finding]:
        day = self.day
        res = resolved if resolved and resolved[0] <= day else None
        out = []
        t = start
        for k, step in enumerate(ladder.steps):
            if t > day:
                break
            if k > 0 and res is not None and res[0] < t:
                break
            window = self.cr.duration(step.window, start)
            due = add(t, window)
            took = taken.get(step.step)
            # a step counts as taken by the clock's day, and only while the concern was open
            took = took if took and took[0] <= day and (res is None or took[0] <= res[0]) else None
            by: tuple[str, ...]
            if took:
                status, by = Status.TAKEN, (took[1],)
                state = f"taken by {took[1]} on {took[0]}"
            elif res is not None:
                status, by = Status.STOPPED, ((res[1],) if res[1] else ())
                state = f"stopped: {why} on {res[0]}" if why else ""
                state = state or f"stopped: the concern was resolved on {res[0]}"
            else:
                status, by = Status.DUE, ()
                state = f"due by {due} ({t} + {window})"
                if day > due:
                    state += f", overdue by {_days(due, day)}"
            title = step.title or f"step {step.step}"
            began = f" ({note})" if note else ""
            expl = (
                f"Concern '{concern}' about {about} since {start}{began}: step {step.step} "
                f"({title}) for {step.actor} opened {t}; {state}."
            )
            out.append(
                self.finding(
                    ladder,
                    kind=Kind.ESCALATION,
                    status=status,
                    party=step.actor,
                    opens=t,
                    due=due,
                    triggered_by=triggered_by,
                    fulfilled_by=by,
                    explanation=expl,
                    step=step.step,
                    actor=step.actor,
                    about=about,
                    interpretations=self.cr.interpretations(ladder, step.window),
                )
            )
            nxt = due + DAY
            nt = taken.get(step.step + 1)
            if nt and nt[0] <= day and (res is None or nt[0] <= res[0]) and nt[0] < nxt:
                nxt = max(nt[0], t)
            t = nxt
        return out


# ------------------------------------------------------------------- the families


@attrs.frozen
class Way:
    """How the engine evaluates the rules of one family (`kinds.base.Family`): what a
    triggering event does, what a fulfilling or waiving event does, the findings derived
    from the rule itself (its duties that are not triggered `Instance`s, which
    `_Findings.instance` covers for every family), and what `drain` hands out of those.
    None where the family has no such step."""

    trigger: Callable[[Session, CompiledRuleset, RulesetState, Rule, Event], None] | None = None
    fulfil: (
        Callable[
            [Session, Hook, CompiledRuleset, RulesetState, Rule, EventSpec, Event, list[str]],
            None,
        ]
        | None
    ) = None
    findings: Callable[[_Findings, Rule], list[Finding]] | None = None
    drain: Callable[[_Findings, Rule], list[Finding]] | None = None


_TALLY = Way(
    fulfil=Session._fulfil_tally,
    findings=_Findings.tally_findings,
    drain=_Findings.drain_tally,
)

FAMILIES: Mapping[Family, Way] = {
    Family.TRIGGERED: Way(trigger=Session._trigger_duty, fulfil=Session._fulfil_duty),
    Family.CHECKED: Way(trigger=Session._trigger_check),
    Family.FIXED: Way(
        fulfil=Session._fulfil_fixed,
        findings=_Findings.fixed_findings,
        drain=_Findings.drain_fixed,
    ),
    Family.PERIODS: _TALLY,
    Family.SPANS: _TALLY,
    Family.CEILING: Way(trigger=Session._trigger_ceiling, findings=_Findings.limit_findings),
    Family.ENTITLEMENT: Way(
        trigger=Session._trigger_entitlement, findings=_Findings.entitlement_findings
    ),
    Family.UNCHECKED: Way(),
}
"""The one table the engine dispatches on: every family a kind may name, and how it is
evaluated. tests/test_kinds.py checks that every registered kind's family is here."""
