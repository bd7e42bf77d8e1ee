"""Dispatch by party (issue 17): a Session turns away, unread, an event that a hook could
use only for the event's own council when that council is no party of the hook's
ruleset. The law: turning events away changes no finding, whatever the stream, the
memberships begun or ended in it, the successions, or the day evaluated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import Event, Finding, Plan, Session, read_events
from strategies import (
    COUNCILS,
    FOLLOW_ON_TYPES,
    JOINER,
    LAWS_PLAN,
    LAWS_YAML,
    as_of_dates,
    event_streams,
    ruleset_from_yaml,
    to_events,
)

EXAMPLES = Path(__file__).parents[1] / "examples"
AGREEMENT = LAWS_PLAN.rulesets[0].id


def _findings(
    plan: Plan, events: tuple[Event, ...], as_of: dt.date, *, dispatch: bool
) -> list[Finding]:
    session = Session(plan)
    if not dispatch:
        session._turned_away = lambda _h, _e: False  # type: ignore[method-assign]
    session.feed(e for e in events if e.date <= as_of)
    session.advance(as_of)
    return sorted(session.findings(), key=lambda f: (f.sort_key(), repr(f)))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=event_streams(), as_of=as_of_dates())
def test_turning_events_away_changes_no_finding(records: list[dict[str, Any]], as_of: Any) -> None:
    events = to_events(records)
    assert _findings(LAWS_PLAN, events, as_of, dispatch=True) == _findings(
        LAWS_PLAN, events, as_of, dispatch=False
    )


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.jsonl")), ids=lambda p: p.stem)
def test_every_bundled_ruleset_over_every_example_finds_the_same_with_each_shortcut(
    path: Path,
) -> None:
    """Turning events away by party, and the fulfil shortcuts (duties another party may
    meet, from a table; an event that would change nothing, not asked the conditions),
    each change no finding of any example under every bundled ruleset."""
    plan = sli_rules.compile_rulesets(sli_rules.bundled_ids())
    events = tuple(read_events(path, catalogue=plan.catalogue, lenient=True).events)
    exact = tuple(e for e in events if e.span is None)
    as_of = max(e.date for e in exact)
    assert _findings(plan, exact, as_of, dispatch=True) == _findings(
        plan, exact, as_of, dispatch=False
    )
    assert _drained_monthly(plan, exact, as_of, shortcuts=True) == _drained_monthly(
        plan, exact, as_of, shortcuts=False
    )


def test_an_event_of_a_council_that_is_no_party_is_not_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point of it: an outsider's routine event costs no work, and once the council
    joins, its events are read."""
    read: list[str] = []
    real = Session._fulfil

    def spy(self: Session, h: Any, e: Event) -> None:
        read.append(e.id)
        real(self, h, e)

    monkeypatch.setattr(Session, "_fulfil", spy)
    records = [
        {"id": "out-1", "type": "self_assessment.submitted", "date": "2016-03-01"},
        {"id": "join", "type": "party.joined", "date": "2016-04-01", "agreement": AGREEMENT},
        {"id": "in-1", "type": "self_assessment.submitted", "date": "2016-05-01"},
    ]
    for record in records:
        record["council"] = JOINER
    hooked = {h.rule.id for h in LAWS_PLAN.dispatch["self_assessment.submitted"] if h.rule}
    assert hooked == {"annual-self-assessment"}
    session = Session(LAWS_PLAN)
    session.feed(to_events(records))
    session.advance(dt.date(2016, 6, 1))
    assert "out-1" not in read
    assert "in-1" in read


BY_ANY = """\
  - id: deposit
    kind: deadline
    title: the report is deposited
    clause: "17"
    quote: "deposit the report"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: review_report.deposited
      match: [review]
      by_any: [trigger.lead]
    due: P3M
escalations:
"""


def test_a_council_that_is_no_party_still_meets_a_duty_it_may_act_for() -> None:
    """A review's lead may deposit the host's report (`by_any`): the lead's event is
    read although the lead is no party of the agreement."""
    plan = sli_rules.compile_rulesets(
        [ruleset_from_yaml(LAWS_YAML.replace("escalations:\n", BY_ANY, 1))]
    )
    outsider = "E08000027"  # Dudley: not a party of the laws' ruleset
    assert all(outsider not in cr.parties for cr in plan.rulesets)
    records = [
        {
            "id": "pc",
            "type": "peer_challenge.held",
            "date": "2014-01-15",
            "council": COUNCILS[0],
            "review": "r1",
            "kind": "childrens",
            "lead": outsider,
        },
        {
            "id": "dep",
            "type": "review_report.deposited",
            "date": "2014-03-01",
            "council": outsider,
            "review": "r1",
        },
    ]
    found = _findings(plan, to_events(records), dt.date(2014, 6, 1), dispatch=True)
    deposit = [f for f in found if f.rule == "deposit" and f.kind == "obligation"]
    assert [f.status for f in deposit] == ["fulfilled"]


# Two shortcuts of the fulfil path, held to what they replace: the duties an event may
# meet for someone other than their party (`by_any`, `by_each`) are found from a table by
# rule and matched values (Session._duties_of) instead of a walk over every duty; and a
# fulfilling event whose recording would change nothing (the duty's slot for it is
# taken) is not asked the rule's conditions (Session._moot).
BY_OTHERS = """\
  - id: follow-up-by-team
    kind: deadline
    title: a follow-up report, which a team member may send
    clause: "21"
    quote: "a follow-up report"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: follow_up_report.submitted
      match: [review]
      by_any: [trigger.team.council]
    due: P4M
  - id: days-by-team
    kind: deadline
    title: peer days given by the team after a review
    clause: "22"
    quote: "peer days given"
    trigger: {type: peer_challenge.held}
    fulfil: {type: peer_days.given, by_any: [trigger.team.council]}
    due: P6M
  - id: feedback-by-each
    kind: deadline
    title: feedback from the host and each team member
    clause: "23"
    quote: "feedback from each"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: feedback.published
      match: [review]
      by_each: [trigger.team.council, trigger.council]
    due: P6M
escalations:
"""
OTHERS_PLAN = sli_rules.compile_rulesets(
    [ruleset_from_yaml(LAWS_YAML.replace("escalations:\n", BY_OTHERS, 1))]
)


def _walk_every_duty() -> Any:
    def walk(_cr: Any, st: Any, rule_id: str, match: tuple[Any, ...]) -> list[Any]:
        return [
            i
            for i in st.instances.values()
            if i.rule == rule_id and i.match == match and i.trigger is not None
        ]

    return walk


def _without_shortcuts(session: Session) -> Session:
    session._duties_of = _walk_every_duty()  # type: ignore[method-assign]
    session._moot = lambda _rule, _inst, _e: False  # type: ignore[method-assign]
    return session


def _drained_monthly(
    plan: Plan, events: tuple[Event, ...], as_of: dt.date, *, shortcuts: bool
) -> list[Finding]:
    """Every finding handed out by drain() month by month, then the rest, in order."""
    session = Session(plan) if shortcuts else _without_shortcuts(Session(plan))
    due = sorted((e for e in events if e.date <= as_of), key=lambda e: (e.date, e.id))
    out: list[Finding] = []
    month: list[Event] = []
    for e in due:
        if month and (e.date.year, e.date.month) != (month[0].date.year, month[0].date.month):
            session.feed(month)
            session.advance(month[-1].date)
            out.extend(session.drain())
            month = []
        month.append(e)
    session.feed(month)
    session.advance(as_of)
    out.extend(session.drain())
    return out + session.findings()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=event_streams(max_reviews=6), as_of=as_of_dates())
def test_the_fulfil_shortcuts_change_no_finding(records: list[dict[str, Any]], as_of: Any) -> None:
    # each follow-on event comes again earlier and later, so that duties are met more
    # than once (early, on time, late) and the shortcuts meet slots already taken
    shifts = (dt.timedelta(days=-70), dt.timedelta(days=40))
    echoes = [
        {**r, "id": f"{r['id']}-{n}", "date": str(dt.date.fromisoformat(r["date"]) + shift)}
        for r in records
        if r["type"] in FOLLOW_ON_TYPES
        for n, shift in enumerate(shifts)
    ]
    events = to_events([*records, *echoes])
    for plan in (OTHERS_PLAN, LAWS_PLAN):
        assert _drained_monthly(plan, events, as_of, shortcuts=True) == _drained_monthly(
            plan, events, as_of, shortcuts=False
        )


_DAYS = st.dates(dt.date(2012, 1, 1), dt.date(2020, 12, 31))


@st.composite
def _memberships(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """`joined`, `left` and `past` of a ruleset's state for a few councils: joined on the
    agreement's start (None) or a day, still a member (no `left`, or None) or left on a
    day, with earlier memberships that may overlap, touch or come in any order."""
    joined: dict[str, Any] = {}
    left: dict[str, Any] = {}
    past: dict[str, Any] = {}
    for pid in draw(st.lists(st.sampled_from(COUNCILS), max_size=4, unique=True)):
        joined[pid] = draw(st.none() | _DAYS)
        end = draw(st.sampled_from(["absent", "none", "day"]))
        if end != "absent":
            left[pid] = draw(_DAYS) if end == "day" else None
        earlier = draw(st.lists(st.tuples(st.none() | _DAYS, _DAYS), max_size=3))
        if earlier:
            past[pid] = earlier
    return joined, left, past


@settings(max_examples=300, deadline=None)
@given(memberships=_memberships(), pid=st.sampled_from(COUNCILS), day=_DAYS)
def test_member_on_answers_as_the_memberships_listed_by_spans(
    memberships: tuple[dict[str, Any], dict[str, Any], dict[str, Any]], pid: str, day: dt.date
) -> None:
    """`member_on`, the hot path's membership test, answers without listing the spans: it
    agrees with reading the list `spans` gives, whatever the joins, leavings and earlier
    memberships (a council never a member, the start of the agreement as the join, a
    membership ending the day asked or the day after)."""
    joined, left, past = memberships
    session = Session(LAWS_PLAN)
    cr = LAWS_PLAN.rulesets[0]
    state = session.state.rulesets[0]
    state.joined.update(joined)
    state.left.update(left)
    state.past.update(past)
    listed = any(
        j <= day and (end is None or day < end) for j, end in session.spans(cr, state, pid)
    )
    assert session.member_on(cr, state, pid, day) == listed
