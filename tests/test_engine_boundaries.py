"""Boundary tests for every date rule (docs/time.md), on the test ruleset of
tests/strategies.py. Every expected date is worked out by hand in the test (month
arithmetic clamps to the month's end), never copied from the engine's output.

The ruleset's agreement starts on 2013-07-01. Its rules: `feedback` (deadline P6M),
`action-plan` (deadline: P3M, or P2M for triggers from 2015-04-01; waived by an
intervention), `follow-up` (window P3M to P6M), `region-report` (fixed date 2015-03-31,
owed by the steering group), `annual-self-assessment` (per financial year),
`quarterly-data` (per quarter of the financial year, plus one month's grace),
`peer-challenge-in-period` (a count to 2015-03-31), `team-makeup` and
`meeting-attendance` (constraints), `peer-days` (a limit of 5 days a financial year),
`support-offer` (an entitlement lasting P1Y) and the `concern-ladder` escalation
(P14D, P1M, P2M; started by a concern or by a breach of `follow-up`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest

import sli_rules
from sli_rules import Finding, Report
from strategies import (
    AGREEMENT,
    BIRMINGHAM,
    BODY,
    COVENTRY,
    HEREFORDSHIRE,
    LAWS_PLAN,
    LAWS_YAML,
    find,
    one,
    ruleset_from_yaml,
)

D = dt.date
DUDLEY, SOLIHULL = "E08000027", "E08000029"


def ev(id_: str, type_: str, day: str, council: str, **attrs: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "date": day, "council": council, **attrs}


def review(day: str, council: str = COVENTRY, rid: str = "r1", id_: str = "pc") -> dict[str, Any]:
    return ev(id_, "peer_challenge.held", day, council, review=rid, kind="childrens")


def run(events: Iterable[dict[str, Any]], as_of: dt.date) -> Report:
    return sli_rules.evaluate(LAWS_PLAN, list(events), as_of=as_of, complete=True)


def status(report: Report, rule: str, party: str = COVENTRY, **fields: Any) -> str:
    return one(report, rule, party, **fields).status


# ------------------------------------------------------------------- deadlines


class TestDeadline:
    """feedback: "within six months" of the review, the due day inclusive."""

    def test_on_the_due_day_is_on_time(self) -> None:
        # 2014-01-15 + 6 months = 2014-07-15
        r = run(
            [
                review("2014-01-15"),
                ev(
                    "fb",
                    "feedback.published",
                    "2014-07-15",
                    COVENTRY,
                    review="r1",
                    action_plan=False,
                ),
            ],
            D(2014, 12, 1),
        )
        f = one(r, "feedback")
        assert (f.status, f.opens, f.due) == ("fulfilled", D(2014, 1, 15), D(2014, 7, 15))
        assert f.fulfilled_by == ("fb",)
        assert f.triggered_by == ("pc",)
        assert find(r, "feedback", kind="breach") == []

    def test_the_next_day_is_late_and_the_breach_is_remedied(self) -> None:
        r = run(
            [
                review("2014-01-15"),
                ev(
                    "fb",
                    "feedback.published",
                    "2014-07-16",
                    COVENTRY,
                    review="r1",
                    action_plan=False,
                ),
            ],
            D(2014, 12, 1),
        )
        assert status(r, "feedback") == "fulfilled_late"
        b = one(r, "feedback", kind="breach")
        assert (b.status, b.due, b.remedied_on) == ("remedied", D(2014, 7, 15), D(2014, 7, 16))
        assert b.triggered_by == ("pc",)
        assert b.fulfilled_by == ("fb",)

    def test_month_end_clamps(self) -> None:
        # 31 August + 6 months: there is no 31 February, so the last day of February
        r = run([review("2013-08-31")], D(2013, 9, 1))
        assert one(r, "feedback").due == D(2014, 2, 28)

    def test_month_end_clamps_to_the_leap_day(self) -> None:
        r = run([review("2015-08-31")], D(2015, 9, 1))
        assert one(r, "feedback").due == D(2016, 2, 29)

    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [(D(2014, 1, 15), "open"), (D(2014, 2, 28), "open"), (D(2014, 3, 1), "breached")],
    )
    def test_as_of_the_due_day_is_open_and_the_next_day_breached(
        self, as_of: dt.date, expected: str
    ) -> None:
        r = run([review("2013-08-31")], as_of)
        assert status(r, "feedback") == expected
        breaches = find(r, "feedback", kind="breach")
        assert [b.status for b in breaches] == (["breached"] if expected == "breached" else [])

    def test_a_fulfilment_for_another_review_does_not_count(self) -> None:
        r = run(
            [
                review("2014-01-15"),
                ev(
                    "fb",
                    "feedback.published",
                    "2014-02-01",
                    COVENTRY,
                    review="r2",
                    action_plan=False,
                ),
            ],
            D(2014, 7, 16),
        )
        assert status(r, "feedback") == "breached"

    def test_a_fulfilment_by_another_council_does_not_count(self) -> None:
        r = run(
            [
                review("2014-01-15"),
                ev(
                    "fb",
                    "feedback.published",
                    "2014-02-01",
                    BIRMINGHAM,
                    review="r1",
                    action_plan=False,
                ),
            ],
            D(2014, 7, 16),
        )
        assert status(r, "feedback") == "breached"

    def test_nothing_is_owed_for_a_trigger_before_the_agreement_starts(self) -> None:
        r = run([review("2013-06-30")], D(2014, 12, 1))
        assert find(r, "feedback") == []


class TestWaiver:
    """action-plan is waived by an intervention dated on or before its due day."""

    def test_waived_on_the_due_day(self) -> None:
        # 2014-01-15 + 3 months = 2014-04-15
        r = run(
            [review("2014-01-15"), ev("iv", "intervention.started", "2014-04-15", COVENTRY)],
            D(2014, 12, 1),
        )
        f = one(r, "action-plan")
        assert (f.status, f.due, f.fulfilled_by) == ("waived", D(2014, 4, 15), ("iv",))
        assert find(r, "action-plan", kind="breach") == []

    def test_too_late_to_waive_the_next_day(self) -> None:
        r = run(
            [review("2014-01-15"), ev("iv", "intervention.started", "2014-04-16", COVENTRY)],
            D(2014, 12, 1),
        )
        assert status(r, "action-plan") == "breached"
        assert one(r, "action-plan", kind="breach").status == "breached"


# ---------------------------------------------------------------------- windows


class TestWindow:
    """follow-up: "3-6 months after" the review, [+P3M, +P6M], both ends inclusive."""

    # 2014-01-15: the window is 2014-04-15 to 2014-07-15
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            ("2014-04-14", "fulfilled_early"),
            ("2014-04-15", "fulfilled"),
            ("2014-07-15", "fulfilled"),
            ("2014-07-16", "fulfilled_late"),
        ],
    )
    def test_fulfilment_around_the_window(self, day: str, expected: str) -> None:
        r = run(
            [
                review("2014-01-15"),
                ev("fu", "follow_up_report.submitted", day, COVENTRY, review="r1"),
            ],
            D(2014, 12, 1),
        )
        f = one(r, "follow-up")
        assert (f.status, f.opens, f.due) == (expected, D(2014, 4, 15), D(2014, 7, 15))
        assert f.fulfilled_by == ("fu",)
        breaches = find(r, "follow-up", kind="breach")
        if expected == "fulfilled_late":
            assert [(b.status, b.remedied_on) for b in breaches] == [("remedied", D(2014, 7, 16))]
        else:
            assert breaches == []  # early is a notice, not a breach

    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [
            (D(2014, 1, 15), "upcoming"),
            (D(2014, 4, 14), "upcoming"),
            (D(2014, 4, 15), "open"),
            (D(2014, 7, 15), "open"),
            (D(2014, 7, 16), "breached"),
        ],
    )
    def test_status_as_of_days_around_the_window(self, as_of: dt.date, expected: str) -> None:
        r = run([review("2014-01-15")], as_of)
        assert status(r, "follow-up") == expected
        assert len(find(r, "follow-up", kind="breach")) == (expected == "breached")

    def test_early_fulfilment_not_yet_seen_before_its_date(self) -> None:
        events = [
            review("2014-01-15"),
            ev("fu", "follow_up_report.submitted", "2014-03-01", COVENTRY, review="r1"),
        ]
        assert status(run(events, D(2014, 2, 28)), "follow-up") == "upcoming"
        assert status(run(events, D(2014, 3, 1)), "follow-up") == "fulfilled_early"


# ------------------------------------------------------------------- fixed date


class TestFixedDate:
    """region-report: "before the end of March 2015", due 2015-03-31 inclusive, owed by
    the steering group."""

    def test_on_the_last_day_of_march_is_on_time(self) -> None:
        r = run([ev("rr", "region_report.published", "2015-03-31", BODY)], D(2015, 6, 1))
        f = one(r, "region-report", BODY)
        assert (f.status, f.opens, f.due, f.fulfilled_by) == (
            "fulfilled",
            D(2013, 7, 1),
            D(2015, 3, 31),
            ("rr",),
        )

    def test_on_the_first_of_april_is_late(self) -> None:
        r = run([ev("rr", "region_report.published", "2015-04-01", BODY)], D(2015, 6, 1))
        assert status(r, "region-report", BODY) == "fulfilled_late"
        b = one(r, "region-report", BODY, kind="breach")
        assert (b.status, b.due, b.remedied_on) == ("remedied", D(2015, 3, 31), D(2015, 4, 1))

    @pytest.mark.parametrize(
        ("as_of", "expected"), [(D(2015, 3, 31), "open"), (D(2015, 4, 1), "breached")]
    )
    def test_as_of_around_the_date(self, as_of: dt.date, expected: str) -> None:
        assert status(run([], as_of), "region-report", BODY) == expected

    def test_nothing_before_the_agreement_starts(self) -> None:
        assert find(run([], D(2013, 6, 30)), "region-report", BODY) == []


# -------------------------------------------------------------------- recurring


class TestFinancialYear:
    """annual-self-assessment: one per financial year (1 April to 31 March)."""

    def test_the_thirty_first_of_march_counts_for_the_year_ending(self) -> None:
        r = run([ev("sa", "self_assessment.submitted", "2015-03-31", COVENTRY)], D(2015, 6, 1))
        y14 = one(r, "annual-self-assessment", opens=D(2014, 4, 1))
        assert (y14.status, y14.due, y14.fulfilled_by) == ("fulfilled", D(2015, 3, 31), ("sa",))
        y15 = one(r, "annual-self-assessment", opens=D(2015, 4, 1))
        assert (y15.status, y15.due) == ("open", D(2016, 3, 31))

    def test_the_first_of_april_counts_for_the_year_beginning(self) -> None:
        r = run([ev("sa", "self_assessment.submitted", "2015-04-01", COVENTRY)], D(2015, 6, 1))
        assert status(r, "annual-self-assessment", opens=D(2014, 4, 1)) == "breached"
        y15 = one(r, "annual-self-assessment", opens=D(2015, 4, 1))
        assert (y15.status, y15.fulfilled_by) == ("fulfilled", ("sa",))

    def test_the_first_year_is_owed_from_the_agreements_start(self) -> None:
        # 2013-14 overlaps the agreement from 2013-07-01
        r = run([], D(2013, 7, 1))
        f = one(r, "annual-self-assessment")
        assert (f.status, f.opens, f.due) == ("open", D(2013, 7, 1), D(2014, 3, 31))

    @pytest.mark.parametrize(
        ("as_of", "expected"), [(D(2015, 3, 31), "open"), (D(2015, 4, 1), "breached")]
    )
    def test_as_of_the_year_end(self, as_of: dt.date, expected: str) -> None:
        r = run([], as_of)
        assert status(r, "annual-self-assessment", opens=D(2014, 4, 1)) == expected


class TestQuarterWithGrace:
    """quarterly-data: one a quarter (April-June, July-September, ...), due by the end of
    the month after the quarter (a P1M grace runs from the day after the quarter ends).
    2015-16 Q1 is 2015-04-01 to 2015-06-30, due 2015-07-31; Q2 is 2015-07-01 to
    2015-09-30, due 2015-10-31."""

    def ret(self, day: str, id_: str = "dr") -> dict[str, Any]:
        return ev(id_, "data_return.submitted", day, COVENTRY, period="2015-Q1")

    def test_the_quarters_due_dates(self) -> None:
        r = run([], D(2015, 7, 1))
        q1 = one(r, "quarterly-data", opens=D(2015, 4, 1))
        assert q1.due == D(2015, 7, 31)
        q2 = one(r, "quarterly-data", opens=D(2015, 7, 1))
        assert q2.due == D(2015, 10, 31)
        # the quarter ending on 31 December: the whole of January
        q3 = one(run([], D(2015, 10, 1)), "quarterly-data", opens=D(2015, 10, 1))
        assert q3.due == D(2016, 1, 31)

    def test_the_last_day_of_the_quarter(self) -> None:
        r = run([self.ret("2015-06-30")], D(2015, 11, 1))
        assert status(r, "quarterly-data", opens=D(2015, 4, 1)) == "fulfilled"
        assert status(r, "quarterly-data", opens=D(2015, 7, 1)) == "breached"

    def test_inside_the_grace_it_counts_for_the_quarter_still_short(self) -> None:
        r = run([self.ret("2015-07-31")], D(2015, 8, 1))
        q1 = one(r, "quarterly-data", opens=D(2015, 4, 1))
        assert (q1.status, q1.fulfilled_by) == ("fulfilled", ("dr",))
        assert status(r, "quarterly-data", opens=D(2015, 7, 1)) == "open"

    def test_after_the_grace_it_counts_for_the_new_quarter(self) -> None:
        r = run([self.ret("2015-08-01")], D(2015, 8, 2))
        assert status(r, "quarterly-data", opens=D(2015, 4, 1)) == "breached"
        assert status(r, "quarterly-data", opens=D(2015, 7, 1)) == "fulfilled"

    def test_one_return_does_not_count_twice(self) -> None:
        # the quarter before already has its return: one in the grace counts for the new one
        r = run([self.ret("2015-06-01", "a"), self.ret("2015-07-15", "b")], D(2015, 11, 1))
        assert one(r, "quarterly-data", opens=D(2015, 4, 1)).fulfilled_by == ("a",)
        assert one(r, "quarterly-data", opens=D(2015, 7, 1)).fulfilled_by == ("b",)

    @pytest.mark.parametrize(
        ("as_of", "expected"), [(D(2015, 7, 31), "open"), (D(2015, 8, 1), "breached")]
    )
    def test_as_of_the_end_of_the_grace(self, as_of: dt.date, expected: str) -> None:
        assert status(run([], as_of), "quarterly-data", opens=D(2015, 4, 1)) == expected


# ------------------------------------------------------------------------ count


class TestCountSpan:
    """peer-challenge-in-period: at least one corporate peer challenge from the start
    (2013-07-01) to 2015-03-31, due at the span's end."""

    def corporate(self, day: str) -> dict[str, Any]:
        return ev("pc", "peer_challenge.held", day, COVENTRY, review="r1", kind="corporate")

    def test_on_the_last_day_of_the_span(self) -> None:
        r = run([self.corporate("2015-03-31")], D(2015, 6, 1))
        f = one(r, "peer-challenge-in-period")
        assert (f.status, f.opens, f.due, f.fulfilled_by) == (
            "fulfilled",
            D(2013, 7, 1),
            D(2015, 3, 31),
            ("pc",),
        )

    def test_the_day_after_the_span_is_too_late(self) -> None:
        r = run([self.corporate("2015-04-01")], D(2015, 6, 1))
        assert status(r, "peer-challenge-in-period") == "breached"
        assert one(r, "peer-challenge-in-period", kind="breach").due == D(2015, 3, 31)

    def test_a_review_of_another_kind_does_not_count(self) -> None:
        r = run([review("2014-06-01")], D(2015, 6, 1))
        assert status(r, "peer-challenge-in-period") == "breached"

    @pytest.mark.parametrize(
        ("as_of", "expected"), [(D(2015, 3, 31), "open"), (D(2015, 4, 1), "breached")]
    )
    def test_as_of_the_end_of_the_span(self, as_of: dt.date, expected: str) -> None:
        assert status(run([], as_of), "peer-challenge-in-period") == expected


# ------------------------------------------------------------------------ limit


class TestLimit:
    """peer-days: no more than 5 days in a financial year."""

    def days(self, id_: str, day: str, n: float) -> dict[str, Any]:
        return ev(id_, "peer_days.given", day, COVENTRY, days=n)

    def test_exactly_the_ceiling_is_no_notice(self) -> None:
        r = run([self.days("a", "2014-05-01", 2), self.days("b", "2015-03-31", 3)], D(2015, 6, 1))
        assert find(r, "peer-days", kind="notice") == []

    def test_over_the_ceiling_is_exceeded(self) -> None:
        events = [
            self.days("a", "2014-05-01", 2),
            self.days("b", "2014-09-01", 3),
            self.days("c", "2015-01-10", 0.5),
        ]
        r = run(events, D(2015, 6, 1))
        n = one(r, "peer-days", kind="notice")
        assert (n.status, n.due) == ("exceeded", D(2015, 1, 10))
        assert n.triggered_by == ("a", "b", "c")
        assert find(r, "peer-days", kind="breach") == []  # a notice, not a breach
        # not shown before the day it happened
        assert find(run(events, D(2015, 1, 9)), "peer-days", kind="notice") == []

    def test_the_ceiling_is_per_financial_year(self) -> None:
        # 3 days in 2014-15 and 3 days in 2015-16: each year is under the ceiling
        r = run([self.days("a", "2015-03-31", 3), self.days("b", "2015-04-01", 3)], D(2015, 6, 1))
        assert find(r, "peer-days", kind="notice") == []

    def test_the_ceiling_is_per_council(self) -> None:
        r = run(
            [
                self.days("a", "2014-05-01", 3),
                ev("b", "peer_days.given", "2014-05-02", BIRMINGHAM, days=3),
            ],
            D(2015, 6, 1),
        )
        assert find(r, "peer-days", kind="notice") == []
        assert find(r, "peer-days", BIRMINGHAM, kind="notice") == []


# ------------------------------------------------------------------ escalation


class TestEscalationLadder:
    """concern-ladder: step 1 within 14 days of the concern, step 2 within a month of
    opening, step 3 within two months of opening. A concern raised on 2015-01-10:
    step 1 2015-01-10 to 2015-01-24; step 2 opens 2015-01-25, due 2015-02-25;
    step 3 opens 2015-02-26, due 2015-04-26."""

    concern = ev("cr", "concern.raised", "2015-01-10", BODY, about=COVENTRY, concern="c1")

    def steps(self, report: Report) -> list[tuple[int | None, str, dt.date | None, dt.date | None]]:
        return [
            (f.step, f.status, f.opens, f.due) for f in report.escalations if f.about == COVENTRY
        ]

    def test_step_one_is_due_the_window_after_the_start(self) -> None:
        r = run([self.concern], D(2015, 1, 24))
        assert self.steps(r) == [(1, "due", D(2015, 1, 10), D(2015, 1, 24))]
        f = r.escalations[0]
        assert (f.actor, f.party, f.triggered_by, f.rule) == (BODY, BODY, ("cr",), "concern-ladder")

    def test_later_steps_open_the_day_after_the_previous_is_due(self) -> None:
        assert self.steps(run([self.concern], D(2015, 1, 25))) == [
            (1, "due", D(2015, 1, 10), D(2015, 1, 24)),
            (2, "due", D(2015, 1, 25), D(2015, 2, 25)),
        ]
        assert self.steps(run([self.concern], D(2015, 2, 26))) == [
            (1, "due", D(2015, 1, 10), D(2015, 1, 24)),
            (2, "due", D(2015, 1, 25), D(2015, 2, 25)),
            (3, "due", D(2015, 2, 26), D(2015, 4, 26)),
        ]

    def test_nothing_before_the_concern(self) -> None:
        assert self.steps(run([self.concern], D(2015, 1, 9))) == []

    def test_taking_a_step_marks_it_taken(self) -> None:
        taken = ev(
            "t1", "escalation.taken", "2015-01-20", BODY, about=COVENTRY, concern="c1", step=1
        )
        r = run([self.concern, taken], D(2015, 1, 25))
        first = next(f for f in r.escalations if f.step == 1)
        assert (first.status, first.fulfilled_by) == ("taken", ("t1",))
        # not yet taken as of the day before
        assert self.steps(run([self.concern, taken], D(2015, 1, 19)))[0][1] == "due"

    def test_resolution_stops_the_ladder(self) -> None:
        resolved = ev("rs", "concern.resolved", "2015-02-01", BODY, about=COVENTRY, concern="c1")
        r = run([self.concern, resolved], D(2015, 6, 1))
        # step 3 would have opened on 2015-02-26, after the resolution: never reached
        assert self.steps(r) == [
            (1, "stopped", D(2015, 1, 10), D(2015, 1, 24)),
            (2, "stopped", D(2015, 1, 25), D(2015, 2, 25)),
        ]
        assert all(f.fulfilled_by == ("rs",) for f in r.escalations)

    def test_a_breach_starts_a_ladder_the_day_after_the_missed_due_date(self) -> None:
        # follow-up for a review on 2014-01-15 is due 2014-07-15: the ladder starts 07-16
        r = run([review("2014-01-15")], D(2014, 7, 16))
        assert self.steps(r) == [(1, "due", D(2014, 7, 16), D(2014, 7, 30))]
        assert run([review("2014-01-15")], D(2014, 7, 15)).escalations == ()

    def test_a_breach_ladder_stops_when_the_breach_is_remedied(self) -> None:
        late = ev("fu", "follow_up_report.submitted", "2014-07-20", COVENTRY, review="r1")
        r = run([review("2014-01-15"), late], D(2014, 12, 1))
        assert self.steps(r) == [(1, "stopped", D(2014, 7, 16), D(2014, 7, 30))]


# ------------------------------------------------------------------ membership


class TestLeaving:
    """A party leaving discharges what had not yet fallen due; a breach stays."""

    def left(self, day: str, council: str = COVENTRY) -> dict[str, Any]:
        return ev("gone", "party.left", day, council, agreement=AGREEMENT)

    def test_leaving_before_the_due_date_discharges(self) -> None:
        # feedback for 2014-01-15 is due 2014-07-15
        r = run([review("2014-01-15"), self.left("2014-05-01")], D(2014, 12, 1))
        f = one(r, "feedback")
        assert (f.status, f.due) == ("discharged", D(2014, 7, 15))
        assert find(r, "feedback", kind="breach") == []
        assert "2014-05-01" in f.explanation

    def test_leaving_on_the_due_date_discharges(self) -> None:
        # a party that leaves on a day is no longer a member on that day
        r = run([review("2014-01-15"), self.left("2014-07-15")], D(2014, 12, 1))
        assert status(r, "feedback") == "discharged"

    def test_leaving_after_the_due_date_leaves_the_breach(self) -> None:
        r = run([review("2014-01-15"), self.left("2014-07-16")], D(2014, 12, 1))
        assert status(r, "feedback") == "breached"
        assert one(r, "feedback", kind="breach").status == "breached"

    def test_a_member_owes_nothing_new_after_leaving(self) -> None:
        r = run([self.left("2014-05-01"), review("2014-06-01")], D(2015, 6, 1))
        assert find(r, "feedback") == []
        # the financial year it left in is discharged, and no later year is owed
        y14 = one(r, "annual-self-assessment", opens=D(2014, 4, 1))
        assert y14.status == "discharged"
        assert find(r, "annual-self-assessment", opens=D(2015, 4, 1)) == []

    def test_leaving_twice_the_first_date_stands(self) -> None:
        # a second leaving, later, must not bring the party back in between
        events = [
            review("2014-01-15"),
            self.left("2014-05-01"),
            ev("again", "party.left", "2015-01-01", COVENTRY, agreement=AGREEMENT),
        ]
        assert status(run(events, D(2015, 6, 1)), "feedback") == "discharged"

    def test_rejoining_owes_the_years_of_each_membership_and_not_the_gap(self) -> None:
        # left 2014-05-01 (in 2014-15), back 2016-06-01 (in 2016-17): 2014-15 is
        # discharged, 2015-16 falls in the gap and is not owed, 2016-17 is owed again
        events = [
            self.left("2014-05-01"),
            ev("back", "party.joined", "2016-06-01", COVENTRY, agreement=AGREEMENT),
        ]
        r = run(events, D(2017, 6, 1))
        assert status(r, "annual-self-assessment", opens=D(2014, 4, 1)) == "discharged"
        assert find(r, "annual-self-assessment", opens=D(2015, 4, 1)) == []
        y16 = one(r, "annual-self-assessment", opens=D(2016, 6, 1))
        assert (y16.status, y16.due) == ("breached", D(2017, 3, 31))
        assert (
            status(run(events, D(2015, 6, 1)), "annual-self-assessment", opens=D(2014, 4, 1))
            == "discharged"
        )

    def test_joining_again_while_a_member_changes_nothing(self) -> None:
        # Coventry is a party from the start; a later party.joined must not rewrite the past
        joined = ev("j", "party.joined", "2015-01-01", COVENTRY, agreement=AGREEMENT)
        r = run([joined], D(2015, 6, 1))
        assert status(r, "annual-self-assessment", opens=D(2013, 7, 1)) == "breached"

    def test_a_council_that_joins_owes_from_its_joining(self) -> None:
        joined = ev("j", "party.joined", "2014-10-01", SOLIHULL, agreement=AGREEMENT)
        r = run([joined, review("2014-11-01", SOLIHULL)], D(2015, 6, 1))
        # 2014-15 Q3 (2014-10-01 to 2014-12-31) is its first quarter
        quarters = sorted(f.opens for f in find(r, "quarterly-data", SOLIHULL))
        assert quarters[0] == D(2014, 10, 1)
        assert one(r, "feedback", SOLIHULL).due == D(2015, 5, 1)

    def test_rejoining_after_leaving_keeps_what_was_discharged(self) -> None:
        events = [
            review("2014-01-15"),
            self.left("2014-05-01"),
            ev("back", "party.joined", "2015-01-01", COVENTRY, agreement=AGREEMENT),
        ]
        assert status(run(events, D(2014, 12, 1)), "feedback") == "discharged"
        assert status(run(events, D(2015, 6, 1)), "feedback") == "discharged"


class TestRevocation:
    """agreement.revoked discharges what had not yet fallen due."""

    revoked = ev("rv", "agreement.revoked", "2014-05-01", BODY, agreement=AGREEMENT)

    def test_what_was_not_due_is_discharged_and_what_was_stays_breached(self) -> None:
        # action-plan due 2014-04-15 (P3M), feedback due 2014-07-15 (P6M)
        r = run([review("2014-01-15"), self.revoked], D(2014, 12, 1))
        assert status(r, "action-plan") == "breached"
        assert one(r, "action-plan", kind="breach").due == D(2014, 4, 15)
        assert status(r, "feedback") == "discharged"
        assert find(r, "feedback", kind="breach") == []
        assert status(r, "region-report", BODY) == "discharged"

    def test_nothing_new_after_revocation(self) -> None:
        r = run([self.revoked, review("2014-06-01")], D(2015, 6, 1))
        assert find(r, "feedback") == []
        assert find(r, "annual-self-assessment", opens=D(2015, 4, 1)) == []
        assert status(r, "annual-self-assessment", opens=D(2014, 4, 1)) == "discharged"

    def test_not_discharged_before_the_revocation_is_known(self) -> None:
        r = run([review("2014-01-15"), self.revoked], D(2014, 4, 30))
        assert status(r, "feedback") == "open"


class TestSuccession:
    """party.succeeded hands an open duty to the successors as one joint duty, with the
    same due date, met when any of them meets it."""

    succeeded = ev(
        "su",
        "party.succeeded",
        "2014-03-01",
        BIRMINGHAM,
        agreement=AGREEMENT,
        successors=[DUDLEY, COVENTRY],
    )

    def test_the_duty_passes_to_the_successors_as_one_duty(self) -> None:
        r = run([review("2014-01-15", BIRMINGHAM), self.succeeded], D(2014, 5, 1))
        old = one(r, "feedback", BIRMINGHAM)
        assert (old.status, old.due) == ("discharged", D(2014, 7, 15))
        assert f"succeeded by {DUDLEY} and {COVENTRY} on 2014-03-01" in old.explanation
        f = one(r, "feedback", DUDLEY)  # reported under the first successor
        assert (f.status, f.opens, f.due, f.triggered_by) == (
            "open",
            D(2014, 1, 15),
            D(2014, 7, 15),
            ("pc",),
        )
        assert BIRMINGHAM in f.explanation
        assert COVENTRY in f.explanation
        assert find(r, "feedback", COVENTRY) == []

    @pytest.mark.parametrize("by", [DUDLEY, COVENTRY])
    def test_either_successor_meets_the_joint_duty_on_the_due_day(self, by: str) -> None:
        fb = ev("fb", "feedback.published", "2014-07-15", by, review="r1", action_plan=True)
        r = run([review("2014-01-15", BIRMINGHAM), self.succeeded, fb], D(2014, 8, 1))
        f = one(r, "feedback", DUDLEY)
        assert (f.status, f.fulfilled_by) == ("fulfilled", ("fb",))
        assert find(r, "feedback", COVENTRY) == []
        assert status(r, "feedback", BIRMINGHAM) == "discharged"
        assert [b for b in r.breaches if b.rule == "feedback"] == []

    def test_the_joint_duty_met_a_day_late_is_one_late_duty(self) -> None:
        fb = ev("fb", "feedback.published", "2014-07-16", COVENTRY, review="r1", action_plan=True)
        r = run([review("2014-01-15", BIRMINGHAM), self.succeeded, fb], D(2014, 8, 1))
        assert status(r, "feedback", DUDLEY) == "fulfilled_late"
        assert [b.party for b in r.breaches if b.rule == "feedback"] == [DUDLEY]

    def test_a_duty_already_due_is_not_handed_on(self) -> None:
        # action-plan (P3M) for a review on 2013-11-15 fell due on 2014-02-15
        r = run([review("2013-11-15", BIRMINGHAM), self.succeeded], D(2014, 5, 1))
        assert status(r, "action-plan", BIRMINGHAM) == "breached"
        assert find(r, "action-plan", DUDLEY) == []

    def test_a_new_successor_becomes_a_member(self) -> None:
        # Dudley is not listed in the ruleset: from the succession it owes what members owe
        dr = ev("dr", "data_return.submitted", "2014-05-01", DUDLEY, period="2014-Q1")
        r = run([self.succeeded, dr], D(2014, 8, 1))
        q = one(r, "quarterly-data", DUDLEY, opens=D(2014, 4, 1))
        assert (q.status, q.fulfilled_by) == ("fulfilled", ("dr",))

    def test_succession_after_leaving_changes_nothing(self) -> None:
        left = ev("gone", "party.left", "2014-02-01", BIRMINGHAM, agreement=AGREEMENT)
        r = run([review("2014-01-15", BIRMINGHAM), left, self.succeeded], D(2014, 8, 1))
        assert status(r, "feedback", BIRMINGHAM) == "discharged"
        assert find(r, "feedback", DUDLEY) == []

    def test_a_succession_written_in_the_ruleset_hands_on_too(self) -> None:
        text = LAWS_YAML.replace(
            "  bodies:\n",
            "  successions:\n"
            "    - {party: E08000025, date: 2014-03-01, successors: [E08000027]}\n"
            "  bodies:\n",
            1,
        )
        plan = sli_rules.compile_rulesets([ruleset_from_yaml(text)])
        fb = ev("fb", "feedback.published", "2014-07-15", DUDLEY, review="r1", action_plan=False)
        events = [review("2014-01-15", BIRMINGHAM), fb]
        before = sli_rules.evaluate(plan, events, as_of=D(2014, 2, 28), complete=True)
        assert status(before, "feedback", BIRMINGHAM) == "open"
        assert find(before, "feedback", DUDLEY) == []
        r = sli_rules.evaluate(plan, events, as_of=D(2014, 8, 1), complete=True)
        assert status(r, "feedback", BIRMINGHAM) == "discharged"
        f = one(r, "feedback", DUDLEY)
        assert (f.status, f.due, f.fulfilled_by) == ("fulfilled", D(2014, 7, 15), ("fb",))


# ------------------------------------------------------------------- constraints


class TestConstraint:
    """team-makeup: at least four core members from at least two councils, none from the
    council reviewed. meeting-attendance: every member attends."""

    def reviewed(self, team: list[str], day: str = "2014-03-03") -> dict[str, Any]:
        return ev(
            "pc",
            "peer_challenge.held",
            day,
            COVENTRY,
            review="r1",
            kind="corporate",
            team=[{"council": c, "core": True} for c in team],
        )

    def test_a_compliant_team(self) -> None:
        r = run([self.reviewed([BIRMINGHAM, BIRMINGHAM, HEREFORDSHIRE, SOLIHULL])], D(2014, 3, 3))
        f = one(r, "team-makeup")
        assert (f.status, f.due, f.fulfilled_by) == ("fulfilled", D(2014, 3, 3), ("pc",))
        assert find(r, "team-makeup", kind="breach") == []

    def test_a_team_with_the_host_names_that_requirement(self) -> None:
        r = run([self.reviewed([BIRMINGHAM, HEREFORDSHIRE, SOLIHULL, COVENTRY])], D(2014, 3, 3))
        b = one(r, "team-makeup", kind="breach")
        assert (b.status, b.due, b.triggered_by) == ("breached", D(2014, 3, 3), ("pc",))
        assert "team.council is not the event's council" in b.explanation
        assert "at least 4" not in b.explanation  # the size was fine

    def test_a_small_team_names_that_requirement(self) -> None:
        r = run([self.reviewed([BIRMINGHAM, HEREFORDSHIRE, SOLIHULL])], D(2014, 3, 3))
        b = one(r, "team-makeup", kind="breach")
        assert "at least 4" in b.explanation
        assert "event's council" not in b.explanation

    def test_attendance_is_checked_for_every_member(self) -> None:
        meeting = ev(
            "m",
            "meeting.held",
            "2014-03-03",
            BODY,
            meeting="m1",
            attendees=[{"council": COVENTRY}, {"council": HEREFORDSHIRE}],
        )
        r = run([meeting], D(2014, 3, 3))
        assert status(r, "meeting-attendance", COVENTRY) == "fulfilled"
        assert status(r, "meeting-attendance", HEREFORDSHIRE) == "fulfilled"
        assert status(r, "meeting-attendance", BIRMINGHAM) == "breached"
        assert one(r, "meeting-attendance", BIRMINGHAM, kind="breach").triggered_by == ("m",)

    def test_not_seen_before_the_event(self) -> None:
        r = run([self.reviewed([COVENTRY])], D(2014, 3, 2))
        assert find(r, "team-makeup") == []


# ------------------------------------------------------------------ entitlement


class TestEntitlement:
    """support-offer: available for a year after an inadequate judgement."""

    judged = ev("oj", "ofsted.judgement", "2015-01-10", COVENTRY, grade="inadequate")

    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [(D(2015, 1, 10), "available"), (D(2016, 1, 10), "available"), (D(2016, 1, 11), "lapsed")],
    )
    def test_available_then_lapsed(self, as_of: dt.date, expected: str) -> None:
        n = one(run([self.judged], as_of), "support-offer", kind="notice")
        assert (n.status, n.opens, n.due, n.triggered_by) == (
            expected,
            D(2015, 1, 10),
            D(2016, 1, 10),
            ("oj",),
        )

    def test_nothing_before_the_judgement_or_for_another_grade(self) -> None:
        assert find(run([self.judged], D(2015, 1, 9)), "support-offer", kind="notice") == []
        good = ev("oj", "ofsted.judgement", "2015-01-10", COVENTRY, grade="good")
        assert find(run([good], D(2015, 6, 1)), "support-offer", kind="notice") == []


# ------------------------------------------------------------------- parameters


class TestParameters:
    """action-plan-due is P3M for triggers before 2015-04-01 and P2M from that day."""

    def test_the_value_in_force_on_the_trigger_date_is_used(self) -> None:
        r = run(
            [review("2015-03-31", rid="a", id_="pa"), review("2015-04-01", rid="b", id_="pb")],
            D(2015, 4, 1),
        )
        # 2015-03-31 + 3 months = 2015-06-30; 2015-04-01 + 2 months = 2015-06-01
        assert one(r, "action-plan", triggered_by=("pa",)).due == D(2015, 6, 30)
        assert one(r, "action-plan", triggered_by=("pb",)).due == D(2015, 6, 1)

    def test_interpretations_are_listed(self) -> None:
        r = run(
            [
                review("2015-01-10"),
                ev("cr", "concern.raised", "2015-01-10", BODY, about=COVENTRY, concern="c1"),
            ],
            D(2015, 3, 1),
        )
        assert one(r, "action-plan").interpretations == ("action-plan-due",)
        assert one(r, "feedback").interpretations == ()  # P6M is the text's own deadline
        assert one(r, "follow-up").interpretations == ()
        q = one(r, "quarterly-data", opens=D(2015, 1, 1))
        assert q.interpretations == ("data-return-grace",)
        # as of 2015-03-01 the ladder has reached step 3 (opened 2015-02-26)
        steps = {f.step: f.interpretations for f in r.escalations}
        assert steps == {
            1: ("informal-window",),
            2: ("formal-window",),
            3: ("chief-executive-window",),
        }

    def test_a_text_parameter_is_not_an_interpretation(self) -> None:
        days = [ev(f"d{i}", "peer_days.given", "2014-05-01", COVENTRY, days=3) for i in range(2)]
        n = one(run(days, D(2014, 6, 1)), "peer-days", kind="notice")
        assert n.interpretations == ()
        # a count whose end is a text parameter
        assert one(run([], D(2014, 6, 1)), "peer-challenge-in-period").interpretations == ()

    def test_overriding_a_parameter_moves_the_due_date(self) -> None:
        text = LAWS_YAML.replace("        value: P2M\n", "        value: P1M\n", 1)
        assert text != LAWS_YAML
        plan = sli_rules.compile_rulesets([ruleset_from_yaml(text)])
        r = sli_rules.evaluate(plan, [review("2015-04-01")], as_of=D(2015, 4, 1), complete=True)
        # 2015-04-01 + 1 month
        assert one(r, "action-plan").due == D(2015, 5, 1)


class TestCoverage:
    """Absence is evidence only where the record is declared complete (docs/findings.md,
    "Evidence"). quarterly-data's 2015-16 Q1 runs 2015-04-01 to 2015-06-30, with a
    month's grace to 2015-07-31: a declaration must cover every day of that."""

    def cover(self, start: str, end: str | None = None, **extra: Any) -> dict[str, Any]:
        rec = ev("cov", "record.coverage", "2015-01-01", COVENTRY, types=["*"], **extra)
        rec["from"] = start
        if end is not None:
            rec["to"] = end
        return rec

    def q1(self, *events: dict[str, Any], as_of: dt.date | None = None) -> Finding:
        r = sli_rules.evaluate(LAWS_PLAN, list(events), as_of=as_of or D(2015, 8, 1))
        return one(r, "quarterly-data", opens=D(2015, 4, 1))

    def test_without_a_declaration_a_missing_return_is_unrecorded(self) -> None:
        q1 = self.q1()
        assert q1.status == "unrecorded"
        assert "record.coverage" in q1.explanation

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("2015-04-01", "2015-07-31", "breached"),  # exactly the period and its grace
            ("2015-04-02", "2015-07-31", "unrecorded"),  # misses the period's first day
            ("2015-04-01", "2015-07-30", "unrecorded"),  # misses the last day of grace
            ("2015-04-01", None, "breached"),  # open-ended: up to the report's date
        ],
    )
    def test_the_span_must_hold_every_day_a_return_could_count(
        self, start: str, end: str | None, expected: str
    ) -> None:
        assert self.q1(self.cover(start, end)).status == expected

    def test_declarations_add_up_day_by_day(self) -> None:
        first = self.cover("2015-04-01", "2015-05-31")
        second = {**self.cover("2015-06-01", "2015-07-31"), "id": "cov-2"}
        assert self.q1(first, second).status == "breached"
        gap = {**self.cover("2015-06-02", "2015-07-31"), "id": "cov-2"}
        assert self.q1(first, gap).status == "unrecorded"

    def test_another_type_or_party_does_not_cover_it(self) -> None:
        other_type = {**self.cover("2015-01-01"), "types": ["feedback.published"]}
        assert self.q1(other_type).status == "unrecorded"
        right_type = {**self.cover("2015-01-01"), "types": ["data_return.submitted"]}
        assert self.q1(right_type).status == "breached"
        other_party = self.cover("2015-01-01", parties=[DUDLEY])
        assert self.q1(other_party).status == "unrecorded"

    def test_a_declaration_counts_from_its_own_date(self) -> None:
        later = {**self.cover("2015-01-01"), "date": "2015-08-02"}
        assert self.q1(later, as_of=D(2015, 8, 1)).status == "unrecorded"
        assert self.q1(later, as_of=D(2015, 8, 2)).status == "breached"

    def test_a_return_in_the_grace_is_evidence_without_any_declaration(self) -> None:
        q1 = self.q1(ev("dr", "data_return.submitted", "2015-07-30", COVENTRY, period="2015-Q1"))
        assert q1.status == "fulfilled"

    def test_an_unrecorded_duty_starts_no_breach_and_no_ladder(self) -> None:
        r = sli_rules.evaluate(LAWS_PLAN, [], as_of=D(2016, 6, 30))
        assert [f for f in r.findings if f.status == "unrecorded"]
        assert not r.breaches
        assert not r.escalations
