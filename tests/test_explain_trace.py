"""Explanations from the engine's own trace (engine/trace.py): a session asked to trace
records, as it evaluates, why each duty of the traced families is what it is, and
`explain` renders that record. Plain evaluation keeps no trace."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings

import sli_rules
from sli_rules import Ruleset, parse_ruleset
from sli_rules.api.evaluate import compile_rulesets
from sli_rules.engine import memo, misses
from sli_rules.engine.session import Session, family_of
from sli_rules.engine.trace import Trace, Why
from sli_rules.io.intake import read_events
from sli_rules.kinds.base import Family
from sli_rules.load.catalogue import catalogue_for
from sli_rules.model.values import Event
from sli_rules.tools.explain import NOTED, OUTCOME, TRACED, evaluate_explained, explain_findings
from strategies import LAWS_PLAN, as_of_dates, event_streams, to_events

RULESET = """\
id: trace-test
title: Trace test
source: test.txt
version: "1.0"
effective:
  start: 2020-01-01
parties:
  councils: [E06000015, E06000016]
rules:
  - id: days-ceiling
    kind: limit
    clause: "1"
    quote: "up to 5 days a year"
    severity: notice
    trigger: {type: peer_days.given}
    amount: days
    max: 5
    period: {calendar: financial_year}
  - id: support
    kind: entitlement
    clause: "2"
    quote: "support for a month after it is asked for"
    trigger: {type: support.requested}
    lasts: P1M
  - id: corporate-only
    kind: constraint
    clause: "3"
    quote: "only corporate peer challenges, of review r1"
    trigger: {type: peer_challenge.held}
    require: {kind: corporate, review: r1}
"""

EVENTS = [
    {"id": "d1", "type": "peer_days.given", "date": "2020-04-06", "council": "E06000015",
     "days": 2},
    {"id": "d2", "type": "peer_days.given", "date": "2020-05-06", "council": "E06000015",
     "days": 2.5},
    {"id": "d3", "type": "peer_days.given", "date": "2020-06-06", "council": "E06000015",
     "days": 1},
    {"id": "d4", "type": "peer_days.given", "date": "2020-07-06", "council": "E06000015",
     "days": 3},
    {"id": "s1", "type": "support.requested", "date": "2020-01-31", "council": "E06000016",
     "request": "q1"},
    {"id": "h1", "type": "peer_challenge.held", "date": "2020-03-10", "council": "E06000015",
     "review": "r2", "kind": "corporate"},
    {"id": "h2", "type": "peer_challenge.held", "date": "2020-03-11", "council": "E06000016",
     "review": "r1", "kind": "corporate"},
]  # fmt: skip

AS_OF = dt.date(2020, 12, 31)

# every reason the engine gives for a near miss (engine/trace.py, Why)
WHY_CODES = {
    "by", "match", "where", "as_of", "before_effect", "after_effect", "before_trigger",
    "outside", "early", "before_opened", "after_due", "elsewhere", "refused",
}  # fmt: skip


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    rs, problems = parse_ruleset(RULESET, "trace.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    return rs


def _events(rs: Ruleset) -> list[Event]:
    return list(read_events(EVENTS, catalogue=catalogue_for([rs])).events)


def _session(rs: Ruleset, *, trace: bool) -> Session:
    session = Session(compile_rulesets(rs), trace=trace)
    session.feed(_events(rs))
    session.advance(AS_OF)
    return session


def test_plain_evaluation_keeps_no_trace(ruleset: Ruleset) -> None:
    assert _session(ruleset, trace=False).trace is None


def test_tracing_changes_no_finding(ruleset: Ruleset) -> None:
    plain = _session(ruleset, trace=False).findings()
    traced = _session(ruleset, trace=True).findings()
    assert traced == plain
    assert {f.rule for f in plain} == {"days-ceiling", "support", "corporate-only"}


def test_the_trace_holds_what_the_engine_did(ruleset: Ruleset) -> None:
    session = _session(ruleset, trace=True)
    trace = session.trace
    assert isinstance(trace, Trace)
    findings = {(f.rule, f.party): f for f in session.findings()}
    # the ceiling: every event of the year counted, with the running total
    ceiling = trace.note_for(findings["days-ceiling", "E06000015"])
    assert ceiling is not None
    assert ceiling.family is Family.CEILING
    assert ceiling.period is not None
    assert ceiling.period.start == dt.date(2020, 4, 1)
    assert [(c.event, c.amount, c.total) for c in ceiling.counted] == [
        ("d1", 2.0, 2.0), ("d2", 2.5, 4.5), ("d3", 1.0, 5.5), ("d4", 3.0, 8.5)
    ]  # fmt: skip
    assert ceiling.ceiling == 5
    # the entitlement: 31 January plus a month is clamped to the end of February
    support = trace.note_for(findings["support", "E06000016"])
    assert support is not None
    lasts = support.sums["lasts"]
    assert (lasts.start, lasts.result) == (dt.date(2020, 1, 31), dt.date(2020, 2, 29))
    assert findings["support", "E06000016"].due == lasts.result
    # the requirement: the part that failed, and only it
    failed = trace.note_for(findings["corporate-only", "E06000015"])
    met = trace.note_for(findings["corporate-only", "E06000016"])
    assert failed is not None
    assert failed.failed == ("review",)
    assert met is not None
    assert met.failed == ()


def test_every_finding_of_a_traced_family_has_its_note(ruleset: Ruleset) -> None:
    session = _session(ruleset, trace=True)
    assert session.trace is not None
    for f in session.findings():
        assert session.trace.note_for(f) is not None, f


def test_explain_renders_the_trace(ruleset: Ruleset) -> None:
    report = sli_rules.evaluate(ruleset, EVENTS, as_of=AS_OF)
    texts = dict(
        zip(
            [(f.rule, f.party) for f in report.findings],
            explain_findings(report.findings, [ruleset], EVENTS, report=report),
            strict=True,
        )
    )
    ceiling = texts["days-ceiling", "E06000015"]
    assert "Period: 2020-21, 2020-04-01 to 2021-03-31; ceiling 5.0 (stated in the text)" in ceiling
    assert "d3 on 2020-06-06: 1 (running total 5.5)" in ceiling
    assert "Exceeded: the ceiling was passed on 2020-06-06." in ceiling
    support = texts["support", "E06000016"]
    assert "Available: from 2020-01-31; lasts 1 month (P1M, stated in the text)" in support
    assert "→ until 2020-02-29 (month-end clamping: 2020-01-31 + 1 month would be 2020-02-31" in (
        support
    )
    assert "Lapsed: the entitlement ended on 2020-02-29" in support
    failed = texts["corporate-only", "E06000015"]
    assert "Requirement not met: review is r1 (the event has review: r2)." in failed
    assert "kind" not in failed.split("Requirement not met", 1)[1]  # that part held
    assert "Requirement met by the event itself" in texts["corporate-only", "E06000016"]


def test_without_events_there_is_no_trace_to_render(ruleset: Ruleset) -> None:
    report = sli_rules.evaluate(ruleset, EVENTS, as_of=AS_OF)
    (f,) = report.filter(rule="days-ceiling").findings
    (text,) = explain_findings([f], [ruleset])
    assert "Counted: d1, d2, d3, d4 (pass the events to see the amounts)." in text


def test_the_traced_families_are_families() -> None:
    assert set(TRACED) <= set(Family)
    assert set(OUTCOME) <= set(NOTED) <= set(TRACED)
    # every family the engine evaluates is explained from its trace
    assert set(Family) - set(TRACED) == {Family.UNCHECKED}


def test_a_stream_with_imprecise_dates_is_traced_too(ruleset: Ruleset) -> None:
    """With an imprecise date the engine runs once per choice of day (engine/refine.py);
    explain takes each duty's note from those runs."""
    vague = {"id": "s2", "type": "support.requested", "date": "2020-09",
             "council": "E06000015", "request": "q2"}  # fmt: skip
    events = [*EVENTS, vague]
    report = sli_rules.evaluate(ruleset, events, as_of=AS_OF)
    (ceiling,) = report.filter(rule="days-ceiling").findings
    (text,) = explain_findings([ceiling], [ruleset], events, report=report)
    assert "d4 on 2020-07-06: 3 (running total 8.5)" in text
    (support,) = report.filter(rule="support", party="E06000015").findings
    (text,) = explain_findings([support], [ruleset], events, report=report)
    assert "Available: from " in text
    assert "lasts 1 month (P1M, stated in the text) → until " in text


WINDOW_RULESET = (
    RULESET.split("rules:", maxsplit=1)[0]
    + """rules:
  - id: follow-up
    kind: window
    clause: "4"
    quote: "a follow-up between one and three months after the challenge"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: feedback.published
      match: {review: review}
    opens: P1M
    due: P3M
"""
)


def test_a_triggered_duty_dates_come_from_the_engine() -> None:
    """A window's opening and due date are the engine's sums, month-end clamping and
    all; explain shows those sums, not sums of its own."""
    rs, problems = parse_ruleset(WINDOW_RULESET, "window.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    events = [
        {"id": "h1", "type": "peer_challenge.held", "date": "2020-11-30",
         "council": "E06000015", "review": "r1", "kind": "corporate"},
    ]  # fmt: skip
    report = sli_rules.evaluate(rs, events, as_of=AS_OF, complete=True)
    (f,) = report.filter(kind="obligation").findings
    session = Session(compile_rulesets(rs), complete=True, trace=True)
    session.feed(read_events(events, catalogue=catalogue_for([rs])).events)
    session.advance(AS_OF)
    assert session.trace is not None
    note = session.trace.note_for(f)
    assert note is not None
    assert note.family is Family.TRIGGERED
    # 30 November + 3 months is 28 February (clamped); + 1 month is 30 December
    assert (note.sums["opens"].result, note.sums["due"].result) == (f.opens, f.due)
    assert f.due == dt.date(2021, 2, 28)
    (text,) = explain_findings([f], [rs], events, report=report)
    assert (
        "Window: held 2020-11-30; opens 1 month later (P1M, stated in the text) → 2020-12-30; "
        "due 3 months later (P3M, stated in the text) → 2021-02-28 (month-end clamping: "
        "2020-11-30 + 3 months would be 2021-02-30" in text
    )


# Two reviews of one council on one day give two duties of one rule with the same
# window: the trace told them apart by their days alone, so the duty met early took the
# other's record of what discharged it and what was looked for (found by this law).
_TWIN_REVIEWS: list[dict[str, object]] = [
    {"id": "ev-002", "type": "peer_challenge.held", "date": "2013-07-01",
     "council": "E08000025", "review": "r2", "kind": "corporate", "team": []},
    {"id": "ev-003", "type": "follow_up_report.submitted", "date": "2013-09-01",
     "council": "E08000025", "review": "r2"},
    {"id": "ev-004", "type": "peer_challenge.held", "date": "2013-07-01",
     "council": "E08000025", "review": "r3", "kind": "corporate", "team": []},
]  # fmt: skip
_LEFT: dict[str, object] = {
    "id": "ev-005", "type": "party.left", "council": "E08000025", "date": "2013-09-30",
    "agreement": "test-laws",
}  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(records=_TWIN_REVIEWS, day=dt.date(2013, 9, 30))
@example(records=[*_TWIN_REVIEWS, _LEFT], day=dt.date(2013, 9, 30))
@given(records=event_streams(), day=as_of_dates())
def test_tracing_is_only_a_record(records: list[dict[str, object]], day: dt.date) -> None:
    """Over random streams on a ruleset with every kind of rule: a traced session finds
    exactly what a plain one does, and every finding of a family explained from the
    trace has a note whose sums gave the finding's dates."""
    events = to_events(records)
    plain = Session(LAWS_PLAN)
    traced = Session(LAWS_PLAN, trace=True)
    for session in (plain, traced):
        session.feed(events)
        session.advance(day)
    findings = traced.findings()
    assert findings == plain.findings()
    assert traced.trace is not None
    families = {r.id: family_of(r) for r in LAWS_PLAN.rulesets[0].ruleset.rules}
    for f in findings:
        # every discharged duty has the one cause that discharged it, on or before its due
        ended = traced.trace.ended_for(f)
        assert (ended is not None) == (f.status == "discharged"), f
        assert ended is None or f.due is None or ended.day <= f.due
        # a duty not (or not yet) met has what the engine looked for; each near miss has a
        # reason the engine gave and did not count for the duty (nor, if it counted
        # elsewhere, for a duty opening on the same day)
        looked = traced.trace.looked_for(f)
        rule = LAWS_PLAN.rulesets[0].ruleset.rule(f.rule) if f.rule in families else None
        if (
            rule is not None
            and getattr(rule, "fulfil", None) is not None
            and f.kind != "escalation"
        ):
            assert (looked is not None) == misses.looks(f), f
        for m in looked.misses if looked is not None else ():
            assert m.why, m
            assert {w.code for w in m.why} <= WHY_CODES, m
            assert m.event.id not in f.fulfilled_by
            if m.why[0].code == "elsewhere":
                assert m.why[0].values[0] != f.opens
        family = families.get(f.rule)
        if family not in NOTED or not f.triggered_by:
            continue
        note = traced.trace.note_for(f)
        assert note is not None, f
        if "due" in note.sums:
            assert note.sums["due"].result == f.due
        if "opens" in note.sums:
            assert note.sums["opens"].result == f.opens
        if "lasts" in note.sums:
            assert note.sums["lasts"].result == f.due


DISCHARGE_RULESET = (
    RULESET.split("rules:", maxsplit=1)[0].replace(
        "  start: 2020-01-01", "  start: 2020-01-01\n  end: 2020-06-30"
    )
    + """rules:
  - id: report-back
    kind: deadline
    clause: "5"
    quote: "a report within six months of the challenge"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published}
    due: P6M
  - id: yearly-challenge
    kind: recurring
    clause: "6"
    quote: "feedback every financial year"
    fulfil: {type: feedback.published}
    period: {calendar: financial_year}
"""
)


def _challenged_then_gone(how: str) -> list[dict[str, object]]:
    """E06000015 holds a peer challenge on 10 February 2020 and leaves the agreement on
    1 March by an event of type `how` (a withdrawal or `party.left`)."""
    return [
        {"id": "h1", "type": "peer_challenge.held", "date": "2020-02-10",
         "council": "E06000015", "review": "r1", "kind": "corporate"},
        {"id": "gone", "type": how, "date": "2020-03-01",
         "council": "E06000015", "agreement": "trace-test"},
    ]  # fmt: skip


def test_the_one_cause_that_discharged_a_duty_is_the_engines() -> None:
    """E06000015 withdraws on 1 March, before the agreement's last day in effect (30 June):
    both could discharge its duties; the engine acts on the withdrawal, the earlier, and
    explain names that one only, for a triggered duty and for a duty of the calendar."""
    rs, problems = parse_ruleset(DISCHARGE_RULESET, "discharge.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    events = _challenged_then_gone("agreement.revoked")
    report = sli_rules.evaluate(rs, events, as_of=AS_OF, complete=True)
    gone = report.filter(party="E06000015", status="discharged").findings
    assert {f.rule for f in gone} == {"report-back", "yearly-challenge"}
    session = Session(compile_rulesets(rs), complete=True, trace=True)
    session.feed(read_events(events, catalogue=catalogue_for([rs])).events)
    session.advance(AS_OF)
    assert session.findings() == list(report.findings)  # the trace is written as they are
    assert session.trace is not None
    texts = explain_findings(list(gone), [rs], events, report=report)
    for f, text in zip(gone, texts, strict=True):
        ended = session.trace.ended_for(f)
        assert ended is not None, f
        assert ended.day == dt.date(2020, 3, 1)
        assert "withdrew" in ended.why
        line = next(x for x in text.splitlines() if "Discharged before it fell due" in x)
        assert line.strip() == f"Discharged before it fell due ({f.due}): {ended.why}."
        assert "2020-06-30" not in line  # the later cause was not the one acted on
    # the other party stays: only its duty of 2020-21 is discharged, by the agreement's
    # end, and its other findings have no such record
    for f in report.filter(party="E06000016").findings:
        ended = session.trace.ended_for(f)
        assert (ended is not None) == (f.status == "discharged"), f
        if ended is not None:
            assert "the agreement ended" in ended.why
            assert f.due == dt.date(2021, 3, 31)


def test_a_party_that_left_is_dated_once_in_the_finding() -> None:
    """A `party.left` before the due day discharges the duty, and the finding says on
    which day the party left once (it read "left the agreement on D on D")."""
    rs, problems = parse_ruleset(DISCHARGE_RULESET.replace("  end: 2020-06-30\n", ""), "x.yaml")
    assert not problems
    assert rs is not None
    events = _challenged_then_gone("party.left")
    report = sli_rules.evaluate(rs, events, as_of=AS_OF, complete=True)
    gone = report.filter(party="E06000015", status="discharged").findings
    assert {f.rule for f in gone} == {"report-back", "yearly-challenge"}
    for f in gone:
        assert f.explanation.count("2020-03-01") == 1, f.explanation
        assert "left the agreement on 2020-03-01, before it fell due" in f.explanation


DECLARED_RULESET = (
    RULESET.split("rules:", maxsplit=1)[0]
    + """rules:
  - id: quarterly-return
    kind: recurring
    clause: "7"
    quote: "a return for each quarter"
    period: {calendar: calendar_year, unit: quarter}
    period_from: period
    fulfil: {type: data_return.submitted}
"""
)


def test_an_event_the_engine_turned_away_is_explained_by_the_engine() -> None:
    """A return dated in Q1 that names Q2 counts for neither: not for Q1, which it does
    not name, nor for Q2, which had not begun on its date. The engine records why it
    turned the event away, and explain gives that reason for Q1's near miss (where it
    could find none of its own)."""
    rs, problems = parse_ruleset(DECLARED_RULESET, "declared.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    events = [
        {"id": "r1", "type": "data_return.submitted", "date": "2020-03-20",
         "council": "E06000015", "period": "2020-Q2"},
        {"id": "r2", "type": "data_return.submitted", "date": "2020-03-21",
         "council": "E06000016", "period": "2020-Q1"},
    ]  # fmt: skip
    day = dt.date(2020, 5, 1)
    report = sli_rules.evaluate(rs, events, as_of=day, complete=True)
    session = Session(compile_rulesets(rs), complete=True, trace=True)
    session.feed(read_events(events, catalogue=catalogue_for([rs])).events)
    session.advance(day)
    assert session.findings() == list(report.findings)
    assert session.trace is not None
    why = "it is for 2020 Q2 (its period is 2020-Q2), which had not begun on 2020-03-20"
    # only the event turned away is recorded, for its own party only
    assert session.trace.refused == {("trace-test", "quarterly-return", "E06000015", "r1"): why}
    (q1,) = report.filter(party="E06000015", status="breached", kind="obligation").findings
    assert q1.due == dt.date(2020, 3, 31)
    (text,) = explain_findings([q1], [rs], events, report=report)
    assert f"Not counted: r1 data_return.submitted on 2020-03-20: {why}." in text
    assert "no reason found here" not in text


def test_a_discharge_is_noted_where_a_refinement_shares_findings() -> None:
    """A refinement's runs share the findings they derive (engine/memo.py); a traced run
    that would reuse a discharged duty's findings derives them again, so that its trace
    still names what discharged the duty."""
    rs, problems = parse_ruleset(DISCHARGE_RULESET, "discharge.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    events = read_events(
        [{"id": "rv", "type": "agreement.revoked", "date": "2020-03-01",
          "council": "E06000015", "agreement": "trace-test"}],
        catalogue=catalogue_for([rs]),
    ).events  # fmt: skip
    plan = compile_rulesets(rs)
    traces = []
    with memo.sharing(plan):
        for _run in range(2):
            session = Session(plan, trace=True)
            session.feed(events)
            session.advance(AS_OF)
            gone = [f for f in session.findings() if f.status == "discharged"]
            assert gone
            assert session.trace is not None
            traces.append({f.rule: session.trace.ended_for(f) for f in gone})
    assert traces[0] == traces[1]
    assert all(ended is not None for ended in traces[1].values())


NEAR_RULESET = (
    RULESET.split("rules:", maxsplit=1)[0]
    + """rules:
  - id: report-back
    kind: deadline
    clause: "8"
    quote: "a full report on the review within two months of the challenge"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: feedback.published
      match: {review: review}
      where: {action_plan: true}
    due: P2M
  - id: quarterly-return
    kind: recurring
    clause: "9"
    quote: "a return for each quarter, within a month of its end"
    period: {calendar: calendar_year, unit: quarter}
    grace: P1M
    fulfil: {type: data_return.submitted}
"""
)

NEAR_EVENTS = [
    {"id": "h1", "type": "peer_challenge.held", "date": "2020-03-01", "council": "E06000015",
     "review": "r1", "kind": "corporate"},
    # before the trigger
    {"id": "f1", "type": "feedback.published", "date": "2020-02-20", "council": "E06000015",
     "review": "r1", "action_plan": True},
    # about another review
    {"id": "f2", "type": "feedback.published", "date": "2020-03-10", "council": "E06000015",
     "review": "r9", "action_plan": True},
    # by another council
    {"id": "f3", "type": "feedback.published", "date": "2020-03-11", "council": "E06000016",
     "review": "r1", "action_plan": True},
    # by another council about another review: no near miss at all
    {"id": "f4", "type": "feedback.published", "date": "2020-03-12", "council": "E06000016",
     "review": "r7", "action_plan": True},
    # not what the rule's `where` asks
    {"id": "f5", "type": "feedback.published", "date": "2020-03-15", "council": "E06000015",
     "review": "r1", "action_plan": False},
    # after the as-of date
    {"id": "f6", "type": "feedback.published", "date": "2021-01-10", "council": "E06000015",
     "review": "r1", "action_plan": True},
    # in Q2, and in Q1's grace: it counts once, for Q1, which is still short
    {"id": "q1", "type": "data_return.submitted", "date": "2020-04-10",
     "council": "E06000015", "period": "2020-Q1"},
]  # fmt: skip


def _near() -> tuple[Ruleset, sli_rules.Report, Session]:
    rs, problems = parse_ruleset(NEAR_RULESET, "near.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    report = sli_rules.evaluate(rs, NEAR_EVENTS, as_of=AS_OF, complete=True)
    session = Session(compile_rulesets(rs), complete=True, trace=True)
    session.feed(read_events(NEAR_EVENTS, catalogue=catalogue_for([rs])).events)
    session.advance(AS_OF)
    assert session.findings() == list(report.findings)
    return rs, report, session


def test_each_near_miss_of_a_deadline_has_the_engines_reason() -> None:
    """The traced session offers the duty every fulfilling event it was fed and notes,
    for each that did not count, the first reason in the engine's order; an event by
    someone else about something else is no near miss."""
    rs, report, session = _near()
    (f,) = report.filter(rule="report-back", kind="obligation").findings
    assert f.status == "breached"
    assert session.trace is not None
    looked = session.trace.looked_for(f)
    assert looked is not None
    assert looked.trigger is not None
    assert looked.trigger.id == "h1"
    assert looked.start == dt.date(2020, 3, 1)
    assert looked.owners == ("E06000015",)
    why = {m.event.id: m.why for m in looked.misses}
    assert why == {
        "f1": (Why("before_trigger", (dt.date(2020, 3, 1),)),),
        "f2": (Why("match", ("review", "r9", "r1")),),
        "f3": (Why("by", (("E06000016",), ("E06000015",))),),
        "f5": (Why("where"),),
        "f6": (Why("as_of", (AS_OF,)),),
    }
    (text,) = explain_findings([f], [rs], NEAR_EVENTS, report=report)
    assert (
        "Why not: no feedback.published for review r1 where action plan is true by E06000015 "
        "dated between 2020-03-01 and 2020-05-01 was found, nor any later one up to "
        "2020-12-31." in text
    )
    for line in (
        "Not counted: f5 feedback.published on 2020-03-15: it does not satisfy: action plan "
        "is true (it has action_plan false).",
        "Not counted: f1 feedback.published on 2020-02-20: it is dated before the trigger "
        "(2020-03-01).",
        "Not counted: f6 feedback.published on 2021-01-10: it is dated after the as-of date "
        "2020-12-31.",
        "Not counted: f2 feedback.published on 2020-03-10: its review is r9, not r1.",
        "Not counted: f3 feedback.published on 2020-03-11: it is by E06000016, not E06000015.",
    ):
        assert line in text
    assert "f4" not in text
    # nearest first: the party's own events about the review, then by distance from the
    # due date; then those about another review; then other councils'
    order = [text.index(f"Not counted: {e} ") for e in ("f5", "f1", "f6", "f2", "f3")]
    assert order == sorted(order)


def test_an_event_counted_for_another_period_is_a_near_miss_of_this_one() -> None:
    """An event dated in Q2 and in Q1's grace counts once, for Q1: Q2's duty notes it
    as counted there, and every later quarter notes it as dated outside its own."""
    rs, report, session = _near()
    assert session.trace is not None
    q1, q2, q3 = (
        report.filter(
            rule="quarterly-return", party="E06000015", kind="obligation", due=d
        ).findings[0]
        for d in (dt.date(2020, 4, 30), dt.date(2020, 7, 31), dt.date(2020, 10, 31))
    )
    assert q1.status == "fulfilled"
    assert q1.fulfilled_by == ("q1",)
    assert q2.status == "breached"
    for f, why in (
        (q2, Why("elsewhere", (dt.date(2020, 1, 1), dt.date(2020, 4, 30)))),
        (q3, Why("outside", (dt.date(2020, 7, 1), dt.date(2020, 10, 31)))),
    ):
        looked = session.trace.looked_for(f)
        assert looked is not None
        assert [(m.event.id, m.why) for m in looked.misses] == [("q1", (why,))]
    assert session.trace.looked_for(q1) is None  # met: nothing looked for
    text = "\n".join(explain_findings([q2, q3], [rs], NEAR_EVENTS, report=report))
    assert (
        "Not counted: q1 data_return.submitted on 2020-04-10: it counted instead for the "
        "duty open from 2020-01-01, due 2020-04-30 (an event counts once)." in text
    )
    assert (
        "Not counted: q1 data_return.submitted on 2020-04-10: it is dated outside "
        "2020-07-01 to 2020-10-31." in text
    )
    # the period and its grace are the engine's: a June quarter's month of grace runs to
    # 31 July (from the day after the quarter ends), not 30 July
    assert (
        "Period: 2020 Q2, 2020-04-01 to 2020-06-30; plus 1 month of grace (P1M, stated in "
        "the text), from the day after it ends → due 2020-07-31." in text
    )


def test_near_misses_are_noted_where_a_refinement_shares_findings() -> None:
    """A traced run that recalls the findings another run derived (engine/memo.py) notes
    what it looked for and each duty's period just as the run that derived them."""
    rs, problems = parse_ruleset(NEAR_RULESET, "near.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    events = read_events(NEAR_EVENTS, catalogue=catalogue_for([rs])).events
    plan = compile_rulesets(rs)
    runs = []
    with memo.sharing(plan):
        for _run in range(2):
            session = Session(plan, complete=True, trace=True)
            session.feed(events)
            session.advance(AS_OF)
            assert session.trace is not None
            runs.append((session.findings(), session.trace))
    (found, first), (again, second) = runs
    assert again == found
    looked = [first.looked_for(f) for f in found]
    assert any(x is not None and x.misses for x in looked)
    assert [second.looked_for(f) for f in found] == looked
    assert first.terms
    assert second.terms == first.terms


@pytest.mark.parametrize("vague", [False, True], ids=["exact", "imprecise"])
def test_one_traced_evaluation_gives_the_report_and_its_explanations(
    ruleset: Ruleset, vague: bool
) -> None:
    """`sli-rules explain` evaluates once, traced (`evaluate_explained`): the report is
    the one `evaluate` gives, and each explanation the one `explain_findings` gives after
    it (which evaluates again to trace)."""
    records = [*EVENTS]
    if vague:
        records.append({"id": "s2", "type": "support.requested", "date": "2020-09",
                        "council": "E06000015", "request": "q2"})  # fmt: skip
    records.append({"id": "c1", "type": "record.coverage", "date": "2020-02-01",
                    "council": "E06000015", "from": "2020-01-01", "to": "2020-12-31",
                    "types": ["peer_days.given"]})  # fmt: skip
    plan = compile_rulesets(ruleset)
    intake = read_events(records, catalogue=plan.catalogue)
    report, explained = evaluate_explained(plan, intake, AS_OF)
    assert report == sli_rules.evaluate(plan, intake, as_of=AS_OF)
    assert report.coverage == 1
    texts = explained(report.findings)
    assert texts == explain_findings(report.findings, [ruleset], intake, report=report)
    # the engine's record was read (its running total is nowhere else)
    (ceiling,) = report.filter(rule="days-ceiling").findings
    (text,) = explained([ceiling])
    assert "d4 on 2020-07-06: 3 (running total 8.5)" in text
