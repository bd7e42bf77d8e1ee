"""Agreements with a life, states with a start and an end, and events that cannot fool
the engine (issue 13, points 4-6; docs/ruleset-format.md, "The agreement's life").

The rulesets are variants of the law-test ruleset of tests/strategies.py (agreement from
2013-07-01, owned by the steering group; `feedback` due six months after a review).
Every expected date is worked out by hand here.

Date rules tested at their boundaries:
- `effective.end` is the last day in effect: a duty due on it stands, one due the day
  after is discharged; an event dated on it triggers, one the day after does not.
- an ending event (`agreement.ended`, `agreement.superseded`, a completing
  `agreement.revoked`) is dated by the first day without effect: a duty due that day is
  discharged, one due the day before stands.
- a state holds from its starting event's day up to, not including, its ending event's
  day; one holding on the agreement's start counts as starting that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import EventError, Finding, Plan, Report, parse_ruleset, read_events
from strategies import (
    AGREEMENT,
    BIRMINGHAM,
    BODY,
    COVENTRY,
    HEREFORDSHIRE,
    LAWS_YAML,
    event_streams,
    find,
    one,
    ruleset_from_yaml,
)

D = dt.date


def ev(id_: str, type_: str, day: str, council: str, **attrs: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "date": day, "council": council, **attrs}


def review(day: str, council: str = COVENTRY, rid: str = "r1", id_: str = "pc") -> dict[str, Any]:
    return ev(id_, "peer_challenge.held", day, council, review=rid, kind="childrens")


def judged(id_: str, day: str, grade: str, council: str = COVENTRY) -> dict[str, Any]:
    return ev(id_, "ofsted.judgement", day, council, grade=grade)


def plan_of(text: str) -> Plan:
    return sli_rules.compile_rulesets([ruleset_from_yaml(text)])


def with_effective(extra: str) -> str:
    """The law ruleset with its `effective` owner line replaced by `extra` lines."""
    old = "  owner: wmsli-steering-group\n"
    assert old in LAWS_YAML
    return LAWS_YAML.replace(old, extra, 1)


OWNED = plan_of(LAWS_YAML)
BY_PARTIES = plan_of(with_effective("  owner: wmsli-steering-group\n  revoked_by: parties\n"))


def run(plan: Plan, events: Iterable[dict[str, Any]], as_of: dt.date) -> Report:
    return sli_rules.evaluate(plan, list(events), as_of=as_of, complete=True)


def ending(type_: str, day: str, by: str = BODY, id_: str = "end") -> dict[str, Any]:
    extra = {"by": "test-laws-2"} if type_ == "agreement.superseded" else {}
    return ev(id_, type_, day, by, agreement=AGREEMENT, **extra)


# ------------------------------------------------------------- agreements with a life


class TestOwnerEndsTheAgreement:
    """agreement.ended / agreement.superseded from the owning body end it for all."""

    # review 2014-01-15: feedback due 2014-01-15 + P6M = 2014-07-15

    @pytest.mark.parametrize("type_", ["agreement.ended", "agreement.superseded"])
    def test_a_duty_due_on_the_first_day_without_effect_is_discharged(self, type_: str) -> None:
        r = run(OWNED, [review("2014-01-15"), ending(type_, "2014-07-15")], D(2015, 1, 1))
        f = one(r, "feedback")
        assert f.status == "discharged"
        assert "end" in f.explanation
        assert f"{type_} from the owning body {BODY}, event end" in f.explanation
        assert find(r, "feedback", kind="breach") == []

    def test_a_duty_due_the_day_before_the_end_stays_breached(self) -> None:
        r = run(
            OWNED, [review("2014-01-15"), ending("agreement.ended", "2014-07-16")], D(2015, 1, 1)
        )
        assert one(r, "feedback").status == "breached"
        assert one(r, "feedback", kind="breach").due == D(2014, 7, 15)

    def test_every_party_and_the_body_lose_what_was_not_yet_due(self) -> None:
        events = [
            review("2014-01-15"),
            review("2014-02-01", BIRMINGHAM, "r2", "pc2"),
            ending("agreement.ended", "2014-05-01"),
        ]
        r = run(OWNED, events, D(2015, 6, 1))
        assert one(r, "feedback").status == "discharged"
        assert one(r, "feedback", BIRMINGHAM).status == "discharged"
        assert one(r, "region-report", BODY).status == "discharged"

    def test_events_dated_on_or_after_the_end_create_nothing(self) -> None:
        r = run(
            OWNED, [ending("agreement.ended", "2014-05-01"), review("2014-05-01")], D(2015, 1, 1)
        )
        assert find(r, "feedback") == []
        r = run(
            OWNED, [ending("agreement.ended", "2014-05-02"), review("2014-05-01")], D(2015, 1, 1)
        )
        assert len(find(r, "feedback")) == 1

    def test_an_end_from_a_body_that_does_not_own_it_ends_nothing(self) -> None:
        r = run(
            OWNED,
            [review("2014-01-15"), ending("agreement.ended", "2014-05-01", "lga")],
            D(2015, 1, 1),
        )
        assert one(r, "feedback").status == "breached"


class TestRevocationByAllParties:
    """revoked_by: parties - one council's revocation is that council leaving."""

    def revoked(self, council: str, day: str) -> dict[str, Any]:
        return ev(f"rv-{council}-{day}", "agreement.revoked", day, council, agreement=AGREEMENT)

    def test_one_council_revoking_discharges_only_its_own_later_duties(self) -> None:
        events = [
            review("2014-01-15"),
            review("2014-01-15", BIRMINGHAM, "r2", "pc2"),
            self.revoked(COVENTRY, "2014-05-01"),
        ]
        r = run(BY_PARTIES, events, D(2015, 1, 1))
        f = one(r, "feedback")
        assert f.status == "discharged"
        assert "withdrew from the agreement (agreement.revoked, event rv-" in f.explanation
        assert one(r, "feedback", BIRMINGHAM).status == "breached"
        # the agreement goes on: a review after the revocation still binds Birmingham
        later = [*events, review("2014-06-01", BIRMINGHAM, "r3", "pc3")]
        r = run(BY_PARTIES, later, D(2015, 1, 1))
        assert len(find(r, "feedback", BIRMINGHAM)) == 2
        assert one(r, "region-report", BODY).status == "open"  # due 2015-03-31, not discharged

    def test_revocation_on_the_due_day_discharges_and_the_day_after_does_not(self) -> None:
        on = [review("2014-01-15"), self.revoked(COVENTRY, "2014-07-15")]
        assert one(run(BY_PARTIES, on, D(2015, 1, 1)), "feedback").status == "discharged"
        after = [review("2014-01-15"), self.revoked(COVENTRY, "2014-07-16")]
        assert one(run(BY_PARTIES, after, D(2015, 1, 1)), "feedback").status == "breached"

    def test_the_last_council_revoking_ends_it_for_the_body_too(self) -> None:
        events = [
            self.revoked(COVENTRY, "2014-05-01"),
            self.revoked(BIRMINGHAM, "2014-06-01"),
        ]
        r = run(BY_PARTIES, events, D(2015, 6, 1))
        assert one(r, "region-report", BODY).status == "breached"  # Herefordshire remains
        r = run(BY_PARTIES, [*events, self.revoked(HEREFORDSHIRE, "2014-07-01")], D(2015, 6, 1))
        f = one(r, "region-report", BODY)
        assert f.status == "discharged"
        assert "every council party, the last of them in event rv-E06000019" in f.explanation

    def test_the_owner_revoking_under_revoked_by_parties_only_leaves(self) -> None:
        r = run(BY_PARTIES, [review("2014-01-15"), self.revoked(BODY, "2014-05-01")], D(2015, 1, 1))
        assert one(r, "feedback").status == "breached"
        assert one(r, "region-report", BODY).status == "discharged"


class TestRevocationByTheOwner:
    """The default with an owner: only the owner's revocation ends the agreement."""

    def test_a_council_revoking_leaves_and_the_owner_revoking_ends(self) -> None:
        events = [
            review("2014-01-15"),
            review("2014-01-15", BIRMINGHAM, "r2", "pc2"),
            ev("rv", "agreement.revoked", "2014-05-01", COVENTRY, agreement=AGREEMENT),
        ]
        r = run(OWNED, events, D(2015, 1, 1))
        assert one(r, "feedback").status == "discharged"
        assert one(r, "feedback", BIRMINGHAM).status == "breached"
        owner = ev("rv2", "agreement.revoked", "2014-05-01", BODY, agreement=AGREEMENT)
        r = run(OWNED, [*events[:2], owner], D(2015, 1, 1))
        assert one(r, "feedback").status == "discharged"
        assert one(r, "feedback", BIRMINGHAM).status == "discharged"

    def test_a_list_of_revokers_needs_every_one(self) -> None:
        plan = plan_of(
            with_effective(
                "  owner: wmsli-steering-group\n  revoked_by: [E08000026, wmsli-steering-group]\n"
            )
        )
        first = ev("rv1", "agreement.revoked", "2014-03-01", BODY, agreement=AGREEMENT)
        second = ev("rv2", "agreement.revoked", "2014-05-01", COVENTRY, agreement=AGREEMENT)
        events = [review("2014-01-15", BIRMINGHAM, "r2", "pc2"), first]
        assert one(run(plan, events, D(2015, 1, 1)), "feedback", BIRMINGHAM).status == "breached"
        r = run(plan, [*events, second], D(2015, 1, 1))
        assert one(r, "feedback", BIRMINGHAM).status == "discharged"


class TestEffectiveEnd:
    """`effective.end` is the last day in effect (inclusive)."""

    def plan(self, end: str) -> Plan:
        return plan_of(with_effective(f"  owner: wmsli-steering-group\n  end: {end}\n"))

    def test_a_duty_due_on_the_last_day_stands(self) -> None:
        r = run(self.plan("2014-07-15"), [review("2014-01-15")], D(2015, 1, 1))
        assert one(r, "feedback").status == "breached"

    def test_a_duty_due_the_day_after_the_last_day_is_discharged(self) -> None:
        r = run(self.plan("2014-07-14"), [review("2014-01-15")], D(2015, 1, 1))
        f = one(r, "feedback")
        assert f.status == "discharged"
        assert "2014-07-14" in f.explanation

    def test_an_event_on_the_last_day_triggers_and_the_day_after_does_not(self) -> None:
        plan = self.plan("2014-07-14")
        assert len(find(run(plan, [review("2014-07-14")], D(2015, 6, 1)), "feedback")) == 1
        assert find(run(plan, [review("2014-07-15")], D(2015, 6, 1)), "feedback") == []


class TestTheRulesetFormat:
    def problems(self, effective_lines: str) -> list[str]:
        _rs, problems = parse_ruleset(with_effective(effective_lines), "t.yaml")
        return [str(p) for p in problems]

    def test_an_owner_must_be_a_registry_body(self) -> None:
        found = self.problems("  owner: wmsli-steering-grup\n")
        assert len(found) == 1
        assert "t.yaml:7" in found[0]
        assert "wmsli-steering-group" in found[0]

    def test_revoked_by_owner_needs_an_owner(self) -> None:
        found = self.problems("  revoked_by: owner\n")
        assert len(found) == 1
        assert "owner" in found[0]

    def test_revoked_by_names_parties_of_the_ruleset(self) -> None:
        found = self.problems("  revoked_by: [E08000026, E08000099]\n")
        assert len(found) == 1
        assert "E08000099" in found[0]
        assert "t.yaml:7" in found[0]

    def test_revoked_by_takes_owner_parties_or_a_list(self) -> None:
        assert self.problems("  revoked_by: anyone\n")

    def test_an_unknown_state_is_refused_with_a_suggestion(self) -> None:
        text = LAWS_YAML + STATE_LADDER.replace("state: inadequate", "state: inadequat")
        _rs, problems = parse_ruleset(text, "t.yaml")
        assert len(problems) == 1
        assert "inadequate" in str(problems[0])


# ------------------------------------------------------------------------- states

STATE_LADDER = """\
  - id: inadequate-ladder
    clause: "13"
    quote: "support for an authority judged inadequate"
    start:
      state: inadequate
    steps:
      - step: 1
        actor: wmsli-steering-group
        window: P14D
      - step: 2
        actor: wmsli-steering-group
        window: P1M
      - step: 3
        actor: wmsli-steering-group
        window: P2M
  - id: intervention-ladder
    clause: "14"
    quote: "support for an authority in intervention"
    start:
      state: intervention
    steps:
      - step: 1
        actor: wmsli-steering-group
        window: P1M
"""
STATES_PLAN = plan_of(LAWS_YAML + STATE_LADDER)


def steps(report: Report, ladder: str = "inadequate-ladder") -> list[Finding]:
    return [f for f in report.findings if f.kind == "escalation" and f.rule == ladder]


class TestLadderStartedByAState:
    """Coventry judged inadequate, then requires improvement 18 months later."""

    events: ClassVar[list[dict[str, Any]]] = [
        judged("j1", "2014-01-10", "inadequate"),
        judged("j2", "2015-07-10", "requires_improvement"),
    ]

    def test_the_ladder_climbs_while_the_state_holds(self) -> None:
        # step 1 2014-01-10 + 14 days = 2014-01-24; step 2 opens 2014-01-25, due
        # 2014-02-25; step 3 opens 2014-02-26, due 2014-04-26
        found = steps(run(STATES_PLAN, self.events, D(2015, 7, 9)))
        assert [f.status for f in found] == ["due", "due", "due"]
        assert [f.due for f in found] == [D(2014, 1, 24), D(2014, 2, 25), D(2014, 4, 26)]
        assert "overdue" in found[2].explanation

    def test_a_better_judgement_stops_it_that_day_and_the_explanation_says_so(self) -> None:
        found = steps(run(STATES_PLAN, self.events, D(2015, 7, 10)))
        assert [f.status for f in found] == ["stopped", "stopped", "stopped"]
        for f in found:
            assert f.fulfilled_by == ("j2",)
            assert "inadequate ended" in f.explanation
            assert "j2" in f.explanation
            assert "requires_improvement" in f.explanation
            assert "2015-07-10" in f.explanation
            assert "overdue" not in f.explanation

    def test_explain_names_the_ending_judgement(self) -> None:
        rs = ruleset_from_yaml(LAWS_YAML + STATE_LADDER)
        r = run(STATES_PLAN, self.events, D(2025, 1, 1))
        text = sli_rules.explain(steps(r)[-1], [rs], list(self.events), report=r)
        stopped = [line for line in text.splitlines() if "Stopped" in line]
        assert len(stopped) == 1
        assert "inadequate ended" in stopped[0]
        assert "j2" in stopped[0]
        assert "requires_improvement" in stopped[0]

    def test_years_later_nothing_is_overdue(self) -> None:
        found = steps(run(STATES_PLAN, self.events, D(2025, 1, 1)))
        assert found
        assert all(f.status == "stopped" for f in found)

    def test_a_second_inadequate_judgement_does_not_start_a_second_ladder(self) -> None:
        events = [
            judged("j1", "2014-01-10", "inadequate"),
            judged("j1b", "2014-09-10", "inadequate"),
        ]
        assert len(steps(run(STATES_PLAN, events, D(2015, 1, 1)))) == 3

    def test_inadequate_again_after_a_better_judgement_starts_a_new_ladder(self) -> None:
        events = [*self.events, judged("j3", "2016-01-10", "inadequate")]
        found = steps(run(STATES_PLAN, events, D(2016, 1, 10)))
        assert sorted({f.triggered_by for f in found}) == [("j1",), ("j3",)]
        assert [f.status for f in found if f.triggered_by == ("j3",)] == ["due"]

    def test_a_judgement_of_another_council_does_not_stop_it(self) -> None:
        events = [self.events[0], judged("j2", "2015-07-10", "good", BIRMINGHAM)]
        assert steps(run(STATES_PLAN, events, D(2015, 8, 1)))[-1].status == "due"

    def test_the_agreement_ending_stops_it(self) -> None:
        # step 2 opened 2014-01-25; step 3 would open 2014-02-26, after the end
        events = [self.events[0], ending("agreement.ended", "2014-02-20")]
        found = steps(run(STATES_PLAN, events, D(2015, 1, 1)))
        assert [f.status for f in found] == ["stopped", "stopped"]
        assert "agreement ended" in found[-1].explanation

    def test_it_survives_a_snapshot(self) -> None:
        session = sli_rules.open_session(STATES_PLAN, complete=True)
        session.feed(read_events([self.events[0]]).events)
        session.advance(D(2015, 1, 1))
        restored = type(session).restore(STATES_PLAN, session.snapshot())
        restored.feed(read_events([self.events[1]]).events)
        restored.advance(D(2015, 8, 1))
        found = [f for f in restored.findings() if f.rule == "inadequate-ladder"]
        assert [f.status for f in found] == ["stopped", "stopped", "stopped"]


class TestStateHoldingOnTheAgreementsStart:
    """The agreement starts on 2013-07-01."""

    def test_a_judgement_before_the_start_counts_from_the_start(self) -> None:
        found = steps(run(STATES_PLAN, [judged("j0", "2013-03-01", "inadequate")], D(2013, 7, 1)))
        assert len(found) == 1
        assert found[0].opens == D(2013, 7, 1)
        assert found[0].due == D(2013, 7, 15)
        assert "held on the agreement's start" in found[0].explanation
        assert "j0" in found[0].explanation

    def test_nothing_before_the_start(self) -> None:
        assert (
            steps(run(STATES_PLAN, [judged("j0", "2013-03-01", "inadequate")], D(2013, 6, 30)))
            == []
        )

    def test_a_state_that_ended_on_the_start_day_starts_nothing(self) -> None:
        events = [judged("j0", "2013-03-01", "inadequate"), judged("j1", "2013-07-01", "good")]
        assert steps(run(STATES_PLAN, events, D(2014, 1, 1))) == []

    def test_a_state_that_ended_the_day_after_the_start_stops_that_day(self) -> None:
        events = [judged("j0", "2013-03-01", "inadequate"), judged("j1", "2013-07-02", "good")]
        found = steps(run(STATES_PLAN, events, D(2014, 1, 1)))
        assert [(f.opens, f.status) for f in found] == [(D(2013, 7, 1), "stopped")]

    def test_a_judgement_on_the_start_day_starts_one_ladder(self) -> None:
        found = steps(run(STATES_PLAN, [judged("j0", "2013-07-01", "inadequate")], D(2013, 7, 2)))
        assert len(found) == 1
        assert "held on the agreement's start" not in found[0].explanation


class TestIntervention:
    def started(self, id_: str, day: str, which: str | None = None) -> dict[str, Any]:
        extra = {"intervention": which} if which else {}
        return ev(id_, "intervention.started", day, COVENTRY, **extra)

    def ended(self, id_: str, day: str, which: str | None = None) -> dict[str, Any]:
        extra = {"intervention": which} if which else {}
        return ev(id_, "intervention.ended", day, COVENTRY, **extra)

    def test_ending_another_intervention_does_not_stop_it(self) -> None:
        events = [
            self.started("s1", "2014-01-10", "dfe-1"),
            self.ended("e1", "2014-01-20", "dfe-2"),
        ]
        assert [
            f.status for f in steps(run(STATES_PLAN, events, D(2014, 3, 1)), "intervention-ladder")
        ] == ["due"]

    def test_ending_it_stops_it(self) -> None:
        for which in ("dfe-1", None):
            events = [
                self.started("s1", "2014-01-10", "dfe-1"),
                self.ended("e1", "2014-01-20", which),
            ]
            found = steps(run(STATES_PLAN, events, D(2014, 3, 1)), "intervention-ladder")
            assert [f.status for f in found] == ["stopped"]
            assert "intervention ended" in found[0].explanation

    def test_a_revision_does_not_stop_it(self) -> None:
        events = [
            self.started("s1", "2014-01-10", "dfe-1"),
            ev("v1", "intervention.revised", "2014-01-20", COVENTRY, intervention="dfe-1"),
        ]
        assert [
            f.status for f in steps(run(STATES_PLAN, events, D(2014, 3, 1)), "intervention-ladder")
        ] == ["due"]


IN_STATE_RULE = """\
  - id: consider-request
    kind: deadline
    title: consider a request from an authority in difficulty
    clause: "15"
    quote: "assist an authority in difficulty"
    trigger:
      type: support.requested
      where: {to: {exists: true}}
      in_state: [inadequate, intervention]
    party: to
    due: P1M
    fulfil: {type: support.responded, match: [request]}
escalations:
"""
IN_STATE_PLAN = plan_of(LAWS_YAML.replace("escalations:\n", IN_STATE_RULE, 1))


class TestTriggerInAState:
    """A request counts only while its council is in one of the states."""

    def ask(self, day: str) -> dict[str, Any]:
        return ev("rq", "support.requested", day, COVENTRY, request="q1", to=BIRMINGHAM)

    def duties(self, events: list[dict[str, Any]]) -> list[Finding]:
        return find(run(IN_STATE_PLAN, events, D(2016, 1, 1)), "consider-request", BIRMINGHAM)

    def test_no_state_no_duty(self) -> None:
        assert self.duties([self.ask("2014-03-01")]) == []

    def test_the_day_the_state_starts_counts(self) -> None:
        assert (
            len(self.duties([judged("j1", "2014-03-01", "inadequate"), self.ask("2014-03-01")]))
            == 1
        )

    def test_the_day_the_state_ends_does_not(self) -> None:
        events = [judged("j1", "2014-01-01", "inadequate"), judged("j2", "2014-03-01", "good")]
        assert self.duties([*events, self.ask("2014-03-01")]) == []
        assert len(self.duties([*events, self.ask("2014-02-28")])) == 1

    def test_an_intervention_counts_too(self) -> None:
        events = [ev("s1", "intervention.started", "2014-01-01", COVENTRY), self.ask("2014-02-01")]
        assert len(self.duties(events)) == 1


# ------------------------------------------------------------ events cannot fool it

SELF_RULE = """\
  - id: next-review
    kind: deadline
    title: another review within two years
    clause: "16"
    quote: "a further review within two years"
    trigger: {type: peer_challenge.held}
    fulfil: {type: peer_challenge.held}
    due: P2Y
escalations:
"""
SELF_PLAN = plan_of(LAWS_YAML.replace("escalations:\n", SELF_RULE, 1))


class TestATriggerNeverFulfilsItsOwnDuty:
    def test_the_review_does_not_meet_its_own_follow_on(self) -> None:
        r = run(SELF_PLAN, [review("2014-01-15")], D(2016, 2, 1))
        f = one(r, "next-review")
        assert f.status == "breached"
        assert f.fulfilled_by == ()

    def test_a_later_review_does_meet_it(self) -> None:
        r = run(
            SELF_PLAN,
            [review("2014-01-15"), review("2015-06-01", rid="r2", id_="pc2")],
            D(2016, 2, 1),
        )
        assert one(r, "next-review", triggered_by=("pc",)).status == "fulfilled"
        assert one(r, "next-review", triggered_by=("pc2",)).status == "open"


class TestOneReviewOneRecord:
    """Events claiming the same review id for the same host (tests of io/intake.py)."""

    a = review("2014-01-15", id_="from-lga")
    b = review("2014-01-15", id_="from-council")

    def test_the_same_review_from_two_sources_is_one_whatever_the_order(self) -> None:
        for records in ([self.a, self.b], [self.b, self.a]):
            intake = read_events(records)
            assert [e.id for e in intake.events] == ["from-council"]
            assert intake.duplicates == 1
            assert intake.read == 2
            r = run(OWNED, records, D(2015, 1, 1))
            assert len(find(r, "feedback")) == 1

    def test_different_content_is_a_conflict_naming_both_lines(self) -> None:
        other = {**self.b, "date": "2014-01-16"}
        with pytest.raises(EventError) as caught:
            read_events([self.a, other])
        text = str(caught.value)
        assert "from-lga" in text
        assert "from-council" in text
        assert ":1" in text
        assert ":2" in text

    def test_lenient_reading_rejects_both_with_the_reason(self) -> None:
        other = {**self.b, "kind": "corporate"}
        intake = read_events([self.a, other], lenient=True)
        assert intake.events == ()
        assert len(intake.rejected) == 2
        assert all("review" in str(r) and "r1" in str(r) for r in intake.rejected)
        assert intake.read == 2

    def test_the_same_id_for_different_hosts_is_two_reviews(self) -> None:
        intake = read_events([self.a, review("2014-01-15", BIRMINGHAM, id_="from-council")])
        assert len(intake.events) == 2


# ---------------------------------------------------------------------- the laws


@settings(max_examples=60, deadline=None)
@given(records=event_streams(), end=st.dates(D(2013, 8, 1), D(2017, 6, 30)))
def test_events_on_or_after_the_agreements_end_never_create_duties(
    records: list[dict[str, Any]], end: dt.date
) -> None:
    records = [r for r in records if r["type"] != "agreement.revoked"]
    records.append(ending("agreement.ended", end.isoformat(), id_="the-end"))
    r = run(OWNED, records, D(2018, 6, 30))
    dated = {rec["id"]: rec["date"] for rec in records}
    for f in r.findings:
        for trigger in f.triggered_by:
            assert dt.date.fromisoformat(str(dated[trigger])) < end, f
        met = ("discharged", "fulfilled", "fulfilled_early", "waived")
        if f.kind == "obligation" and f.status not in met:
            assert f.due is None or f.due < end, f


# ------------------------------------------------------------------------ by_any

BY_ANY_RULE = """\
  - id: deposit
    kind: deadline
    title: the report is deposited
    clause: "17"
    quote: "deposit the report"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: review_report.deposited
      match: [review]
      by_any: [trigger.lead, wmsli-steering-group]
    due: P3M
escalations:
"""
BY_ANY_PLAN = plan_of(LAWS_YAML.replace("escalations:\n", BY_ANY_RULE, 1))


class TestFulfilledByAny:
    """The host's duty may be met by the review's lead or by the steering group."""

    held = ev(
        "pc",
        "peer_challenge.held",
        "2014-01-15",
        COVENTRY,
        review="r1",
        kind="childrens",
        lead=BIRMINGHAM,
    )

    def deposit(self, by: str, day: str = "2014-04-15", rid: str = "r1") -> dict[str, Any]:
        return ev(f"d-{by}-{day}", "review_report.deposited", day, by, review=rid)

    def status_with(self, *events: dict[str, Any]) -> str:
        return one(run(BY_ANY_PLAN, [self.held, *events], D(2014, 6, 1)), "deposit").status

    def test_the_party_itself_the_lead_or_the_named_body_meet_it(self) -> None:
        for by in (COVENTRY, BIRMINGHAM, BODY):
            assert self.status_with(self.deposit(by)) == "fulfilled", by

    def test_anyone_else_does_not(self) -> None:
        assert self.status_with(self.deposit(HEREFORDSHIRE)) == "breached"

    def test_the_match_still_holds(self) -> None:
        assert self.status_with(self.deposit(BIRMINGHAM, rid="r2")) == "breached"

    def test_the_due_day_is_on_time_and_the_day_after_late(self) -> None:
        # 2014-01-15 + P3M = 2014-04-15
        assert self.status_with(self.deposit(BIRMINGHAM, "2014-04-15")) == "fulfilled"
        assert self.status_with(self.deposit(BIRMINGHAM, "2014-04-16")) == "fulfilled_late"

    def test_a_deposit_before_the_review_does_not_count(self) -> None:
        assert self.status_with(self.deposit(BIRMINGHAM, "2014-01-14")) == "breached"

    def test_the_lead_meets_only_the_duty_it_may_act_for(self) -> None:
        # Birmingham's own review (no lead): Coventry depositing it does not count
        own = ev(
            "pc2", "peer_challenge.held", "2014-01-15", BIRMINGHAM, review="r1", kind="childrens"
        )
        r = run(BY_ANY_PLAN, [own, self.deposit(COVENTRY)], D(2014, 6, 1))
        assert one(r, "deposit", BIRMINGHAM).status == "breached"

    def test_by_any_names_parties_or_trigger_attributes(self) -> None:
        for bad in ("trigger.leed", "lgaa"):
            text = LAWS_YAML.replace(
                "escalations:\n", BY_ANY_RULE.replace("wmsli-steering-group]", f"{bad}]"), 1
            )
            _rs, problems = parse_ruleset(text, "t.yaml")
            assert len(problems) == 1, problems
            assert bad.removeprefix("trigger.") in str(problems[0])


# ------------------------------------------------------------ returns by their period

PERIOD_PLAN = plan_of(
    LAWS_YAML.replace(
        "    grace: {parameter: data-return-grace}\n",
        "    grace: {parameter: data-return-grace}\n    period_from: period\n",
        1,
    )
)


class TestReturnsByDeclaredPeriod:
    """quarterly-data: financial-year quarters, due by the end of the month after the
    quarter. 2014-15 Q1 is April-June 2014, due 2014-07-31 (a P1M grace from 1 July)."""

    def ret(self, day: str, period: str, id_: str = "d1") -> dict[str, Any]:
        return ev(id_, "data_return.submitted", day, COVENTRY, period=period)

    def q1(self, r: Report, kind: str = "obligation") -> Finding:
        return one(r, "quarterly-data", kind=kind, opens=D(2014, 4, 1))

    def test_on_the_due_day_on_time_the_day_after_late_and_remedied(self) -> None:
        r = run(PERIOD_PLAN, [self.ret("2014-07-31", "2014-15-Q1")], D(2014, 12, 1))
        assert self.q1(r).status == "fulfilled"
        r = run(PERIOD_PLAN, [self.ret("2014-08-01", "2014-15-Q1")], D(2014, 12, 1))
        assert self.q1(r).status == "fulfilled_late"
        breach = self.q1(r, "breach")
        assert breach.status == "remedied"
        assert breach.remedied_on == D(2014, 8, 1)

    def test_a_late_return_does_not_fill_the_quarter_it_is_dated_in(self) -> None:
        r = run(PERIOD_PLAN, [self.ret("2014-08-15", "2014-15-Q1")], D(2014, 12, 1))
        assert one(r, "quarterly-data", opens=D(2014, 7, 1)).status == "breached"

    def test_the_label_as_the_report_writes_it_is_accepted_too(self) -> None:
        r = run(PERIOD_PLAN, [self.ret("2014-06-15", "2014-15 Q1")], D(2014, 12, 1))
        assert self.q1(r).status == "fulfilled"

    def test_an_unknown_or_future_period_counts_for_nothing(self) -> None:
        for period in ("2014-Q7", "2014-15-Q2"):
            r = run(PERIOD_PLAN, [self.ret("2014-06-15", period)], D(2014, 12, 1))
            assert self.q1(r).status == "breached", period

    def test_a_drained_session_still_sees_a_late_remedy(self) -> None:
        session = sli_rules.open_session(PERIOD_PLAN, complete=True)
        session.advance(D(2014, 9, 1))
        drained = session.drain()
        assert not any(f.rule == "quarterly-data" and f.opens == D(2014, 4, 1) for f in drained)
        session.feed(read_events([self.ret("2014-10-01", "2014-15-Q1")]).events)
        session.advance(D(2014, 12, 1))
        found = [f for f in session.drain() if f.rule == "quarterly-data" and f.party == COVENTRY]
        q1 = [f for f in found if f.opens == D(2014, 4, 1)]
        assert {f.status for f in q1} == {"fulfilled_late", "remedied"}


# --------------------------------------------------------------------- look_back

LOOK_BACK_RULE = """\
  - id: support-offer-made
    kind: deadline
    title: support offered prior to and during an intervention
    clause: "18"
    quote: "offer to work with councils prior to and during intervention"
    trigger: {type: intervention.started}
    party: {body: wmsli-steering-group}
    fulfil:
      type: support.offered
      match: {to: council}
      look_back: P3M
    due: P3M
escalations:
"""
LOOK_BACK_PLAN = plan_of(LAWS_YAML.replace("escalations:\n", LOOK_BACK_RULE, 1))


class TestLookBack:
    """Intervention on 2014-02-01: an offer from 2013-11-01 (P3M before) counts."""

    started = ev("s1", "intervention.started", "2014-02-01", COVENTRY)

    def offer(self, day: str, to: str = COVENTRY) -> dict[str, Any]:
        return ev(f"o-{day}", "support.offered", day, BODY, request=f"q-{day}", to=to)

    def status_with(self, *events: dict[str, Any]) -> Finding:
        return one(
            run(LOOK_BACK_PLAN, [self.started, *events], D(2014, 6, 1)), "support-offer-made", BODY
        )

    def test_an_offer_exactly_the_look_back_before_counts(self) -> None:
        f = self.status_with(self.offer("2013-11-01"))
        assert f.status == "fulfilled"
        assert f.fulfilled_by == ("o-2013-11-01",)
        assert "before the trigger" in f.explanation

    def test_an_offer_a_day_earlier_does_not(self) -> None:
        assert self.status_with(self.offer("2013-10-31")).status == "breached"

    def test_an_offer_to_another_council_does_not(self) -> None:
        assert self.status_with(self.offer("2014-01-10", BIRMINGHAM)).status == "breached"

    def test_an_offer_after_the_trigger_counts_as_before(self) -> None:
        assert self.status_with(self.offer("2014-03-01")).status == "fulfilled"

    def test_without_look_back_an_earlier_offer_does_not_count(self) -> None:
        plan = plan_of(
            LAWS_YAML.replace(
                "escalations:\n", LOOK_BACK_RULE.replace("      look_back: P3M\n", ""), 1
            )
        )
        r = run(plan, [self.started, self.offer("2014-01-10")], D(2014, 6, 1))
        assert one(r, "support-offer-made", BODY).status == "breached"
