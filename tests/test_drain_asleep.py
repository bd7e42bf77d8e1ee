"""drain() looks again only at what could have changed (engine/session.py, `_Asleep`).

A session keeps, between drains, what it could not settle and what each such duty or
period reads; it does not derive it again until that changes. A session restored from
its snapshot keeps nothing of the kind, and so looks at everything again. The law: a
session drained night after night hands out, every night, exactly what a session
restored from the same snapshot that night hands out. A wake-up that the bookkeeping
missed (a late fulfilment, a coverage declaration, an escalation, a party leaving)
leaves a settled duty undrained, and the two differ on that night.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import Finding, Plan, Session
from sli_rules.engine.session import _named_period
from sli_rules.model.dates import PeriodSpec
from strategies import LAWS_PLAN, LAWS_YAML, nightly_deliveries, ruleset_from_yaml, to_events
from test_lifetimes import SUCCESSION

Record = dict[str, Any]

NIGHTS = settings(
    max_examples=int(os.environ.get("SLI_SOAK_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in sorted(findings, key=Finding.sort_key)], indent=1)


def drained_both_ways(
    nights: Sequence[tuple[dt.date, Sequence[Record]]],
    *,
    complete: bool = False,
    plan: Plan = LAWS_PLAN,
    records: list[Record] | None = None,
) -> list[str]:
    """Each night's drain by a session kept in memory, checked against the drain of a
    session restored that night from the kept one's snapshot; the nights' drains. Given
    the `records` the nights hold, everything drained and left at the end is also
    checked against one batch evaluation of them as of the last night."""
    kept = Session(plan, complete=complete)
    out = []
    drained: list[Finding] = []
    for night, arriving in nights:
        kept.feed(to_events(arriving))
        kept.advance(night)
        fresh = Session.restore(plan, kept.snapshot())
        found = kept.drain()
        got, want = as_json(found), as_json(fresh.drain())
        assert got == want, f"the night of {night}"
        assert kept.snapshot() == fresh.snapshot(), f"the state after the night of {night}"
        out.append(got)
        drained.extend(found)
    if records is not None:
        report = sli_rules.evaluate(plan, records, as_of=nights[-1][0], complete=complete)
        assert as_json([*drained, *kept.findings()]) == as_json(report.findings)
    return out


def months(first: dt.date, count: int) -> list[dt.date]:
    """The last day of `count` months from `first`'s."""
    out = []
    y, m = first.year, first.month
    for _ in range(count):
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(dt.date(y, m, 1) - dt.timedelta(days=1))
    return out


def nightly(
    records: list[Record], first: dt.date, count: int
) -> list[tuple[dt.date, list[Record]]]:
    """Monthly nights, each receiving the records dated in its month."""
    out: list[tuple[dt.date, list[Record]]] = []
    previous = dt.date.min
    for night in months(first, count):
        arriving = [r for r in records if previous < dt.date.fromisoformat(r["date"]) <= night]
        out.append((night, arriving))
        previous = night
    return out


def self_assessments(by: list[tuple[str, dt.date]]) -> list[Record]:
    """A self-assessment submitted by each (council, day)."""
    return [
        {
            "id": f"sa{i}",
            "type": "self_assessment.submitted",
            "date": day.isoformat(),
            "council": who,
        }
        for i, (who, day) in enumerate(by)
    ]


def complete_from_2020(covered_on: dt.date | None) -> list[Record]:
    """A declaration, made on `covered_on` if any, that the record of every type is
    complete from 2020."""
    if covered_on is None:
        return []
    return [
        {
            "id": "cov",
            "type": "record.coverage",
            "date": covered_on.isoformat(),
            "council": "sdsa",
            "types": ["*"],
            "from": "2020-01-01",
        }
    ]


def batch(records: list[Record], as_of: dt.date, complete: bool = False) -> str:
    return as_json(sli_rules.evaluate(LAWS_PLAN, records, as_of=as_of, complete=complete).findings)


def review(day: str, host: str = "E08000026", rid: str = "r1") -> Record:
    team = [
        {"council": c, "core": True, "role": "member"}
        for c in ("E08000025", "E06000019", "E08000025", "E06000019")
    ]
    return {
        "id": f"{rid}-held",
        "type": "peer_challenge.held",
        "date": day,
        "council": host,
        "review": rid,
        "kind": "corporate",
        "team": team,
    }


@NIGHTS
@given(delivery=nightly_deliveries(late=False))
def test_a_kept_session_drains_what_a_restored_one_drains_every_night(
    delivery: tuple[list[Record], list[tuple[dt.date, list[Record], bool]]],
) -> None:
    records, nights = delivery
    drained_both_ways([(night, arriving) for night, arriving, _ in nights])
    # and nightly still equals batch: what was drained plus what is left
    kept = Session(LAWS_PLAN)
    drained: list[Finding] = []
    for night, arriving, _ in nights:
        kept.feed(to_events(arriving))
        kept.advance(night)
        drained.extend(kept.drain())
    assert as_json([*drained, *kept.findings()]) == batch(records, nights[-1][0])


def test_a_coverage_declaration_wakes_the_unrecorded_periods_it_covers() -> None:
    # Quarterly returns never come: each quarter is unrecorded (not breached) and stays
    # undrained, until a declaration says the record was complete all along.
    cover = {
        "id": "cov",
        "type": "record.coverage",
        "date": "2015-06-15",
        "council": "wmsli-steering-group",
        "types": ["data_return.submitted"],
        "from": "2013-07-01",
    }
    nights = nightly([cover], dt.date(2013, 7, 1), 30)
    drains = drained_both_ways(nights)
    before = "".join(drains[:23])  # the nights before the declaration's
    assert '"rule": "quarterly-data"' not in before
    assert '"status": "breached"' in drains[23]
    assert '"rule": "quarterly-data"' in drains[23]


def test_a_late_fulfilment_wakes_a_breach_that_slept() -> None:
    # The follow-up report of a review is missed (the record is complete), its breach
    # ladder's first step stays due for months; a report then remedies the breach.
    records = [
        review("2013-08-01"),
        {
            "id": "late",
            "type": "follow_up_report.submitted",
            "date": "2014-09-10",
            "council": "E08000026",
            "review": "r1",
        },
    ]
    nights = nightly(records, dt.date(2013, 8, 1), 18)
    drains = drained_both_ways(nights, complete=True)
    remedied = [i for i, d in enumerate(drains) if '"status": "remedied"' in d]
    assert remedied == [13]  # the night of the report's month
    last = nights[-1][0]
    kept = Session(LAWS_PLAN, complete=True)
    for night, arriving in nights:
        kept.feed(to_events(arriving))
        kept.advance(night)
    assert as_json(kept.findings()) == batch(records, last, complete=True)


def test_escalations_taken_while_a_breach_slept_are_handed_out_with_it() -> None:
    # An unremedied breach never settles (a late fulfilment may still come): it sleeps,
    # while its ladder's steps are taken; the report that remedies it comes later, and
    # the night it comes the breach is handed out with the steps as taken.
    concern = {"council": "wmsli-steering-group", "about": "E08000026"}
    records = [
        review("2013-08-01"),
        *(
            {
                "id": f"step{n}",
                "type": "escalation.taken",
                "date": day,
                "step": n,
                "concern": "follow-up/r1-held",
                **concern,
            }
            for n, day in ((1, "2014-02-10"), (2, "2014-03-03"), (3, "2014-04-04"))
        ),
        {
            "id": "late",
            "type": "follow_up_report.submitted",
            "date": "2014-08-10",
            "council": "E08000026",
            "review": "r1",
        },
    ]
    drains = drained_both_ways(nightly(records, dt.date(2013, 8, 1), 14), complete=True)
    settled = [i for i, d in enumerate(drains) if '"rule": "follow-up"' in d]
    assert settled == [12]  # August 2014, when the report came
    assert drains[12].count('"status": "taken"') == 3


def test_a_party_leaving_wakes_the_duties_it_owed() -> None:
    # An unrecorded follow-up (no coverage) would never settle; the party's leaving
    # before the duty fell due discharges it.
    records = [
        review("2013-08-01", host="E06000019"),
        {
            "id": "gone",
            "type": "party.left",
            "date": "2013-12-01",
            "council": "E06000019",
            "agreement": "test-laws",
        },
    ]
    drains = drained_both_ways(nightly(records, dt.date(2013, 8, 1), 12))
    assert any('"status": "discharged"' in d for d in drains)


# quarterly-data, with each return naming the quarter it is for (period_from)
PERIOD_PLAN = sli_rules.compile_rulesets(
    [
        ruleset_from_yaml(
            LAWS_YAML.replace(
                "    grace: {parameter: data-return-grace}\n",
                "    grace: {parameter: data-return-grace}\n    period_from: period\n",
                1,
            )
        )
    ]
)


def test_a_return_naming_a_quarter_that_slept_wakes_it() -> None:
    # 2014-15 Q1 (April to June 2014, due 2014-07-31) gets no return in time: breached
    # with the record complete, unrecorded without; either way it sleeps (a return may
    # still name it) until the return comes in November.
    late = {
        "id": "q1-late",
        "type": "data_return.submitted",
        "date": "2014-11-15",
        "council": "E08000026",
        "period": "2014-15-Q1",
    }
    for complete in (True, False):
        drains = drained_both_ways(
            nightly([late], dt.date(2014, 4, 1), 10), complete=complete, plan=PERIOD_PLAN
        )
        woken = [i for i, d in enumerate(drains) if '"fulfilled_by": [\n   "q1-late"' in d]
        assert woken == [7], complete  # the night of 30 November 2014


@settings(max_examples=300, deadline=None)
@given(
    calendar=st.sampled_from(("financial_year", "calendar_year", "agreement_year")),
    unit=st.sampled_from(("year", "quarter", "month")),
    months=st.sampled_from(((), (4,), (1, 7))),
    anchor=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    near=st.dates(dt.date(2005, 1, 1), dt.date(2040, 12, 31)),
    label_of=st.integers(-8, 8),
    dashed=st.booleans(),
)
def test_the_period_a_return_names_is_the_one_the_calendar_names(
    calendar: str,
    unit: str,
    months: tuple[int, ...],
    anchor: dt.date,
    near: dt.date,
    label_of: int,
    dashed: bool,
) -> None:
    # the label of a period some years from `near` (in or out of the three years
    # searched), written as reports write it or as the engine does
    spec = PeriodSpec(calendar, unit, months)
    day = near + dt.timedelta(days=label_of * 200)
    periods = list(spec.periods(day, day + dt.timedelta(days=400), anchor))
    label = periods[0].label if periods else "2015-16 Q2"
    text = label.replace(" Q", "-Q") if dashed else label
    assert _named_period(spec, text, near, anchor) == spec.named(text, near, anchor)


# who may act when: the county until its last day, its successors from their first
_ACTING = {
    "E10000021": (dt.date(2020, 1, 1), dt.date(2021, 3, 31)),
    "E06000061": (dt.date(2021, 4, 1), dt.date(2022, 12, 31)),
    "E06000062": (dt.date(2021, 4, 1), dt.date(2022, 12, 31)),
    "E08000025": (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
    "sdsa": (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
}


@settings(max_examples=12, deadline=None)
@given(
    mode=st.sampled_from(("", "duties: each", "served_by: [sdsa]")),
    by=st.lists(
        st.sampled_from(sorted(_ACTING)).flatmap(
            lambda who: st.tuples(st.just(who), st.dates(*_ACTING[who]))
        ),
        max_size=6,
    ),
    covered_on=st.one_of(st.none(), st.dates(dt.date(2020, 6, 1), dt.date(2022, 12, 31))),
)
def test_the_parties_of_a_succession_sleep_and_wake_as_a_restored_session_would(
    mode: str, by: list[tuple[str, dt.date]], covered_on: dt.date | None
) -> None:
    # A county split in two on 2021-04-01 (tests/test_lifetimes.py): the yearly duty of
    # 2021 is handed on, jointly, to each successor, or to them and a body serving them;
    # self-assessments come from any of them, and the record may be declared complete.
    rs, problems = sli_rules.parse_ruleset(SUCCESSION.replace("DUTIES", mode), "s.yaml")
    assert rs is not None, problems
    plan = sli_rules.compile_rulesets([rs])
    records = self_assessments(by) + complete_from_2020(covered_on)
    drained_both_ways(nightly(records, dt.date(2020, 1, 1), 36), plan=plan)


def test_a_duty_handed_out_leaves_nothing_behind_in_the_session() -> None:
    # A pipeline drained month after month for years holds what is open, not what it
    # has handed out: a review's duties, met and drained, leave no entry in the table of
    # duties by matched values (which used to keep every drained duty's key until asked
    # for its review again: never), and the periods an event counts for are kept for the
    # day being applied only.
    records: list[Record] = []
    for n in range(24):
        day = dt.date(2013 + n // 12, n % 12 + 1, 3)
        held = review(day.isoformat(), rid=f"r{n}")
        records.append(held)
        records.append(
            {
                "id": f"r{n}-report",
                "type": "follow_up_report.submitted",
                "date": (day + dt.timedelta(days=120)).isoformat(),
                "council": "E08000026",
                "review": f"r{n}",
            }
        )
    records.append(
        {
            "id": "ret",
            "type": "data_return.submitted",
            "date": "2015-03-20",
            "council": "E08000026",
            "period": "2014-Q4",
        }
    )
    kept = Session(LAWS_PLAN, complete=True)
    cr, st = LAWS_PLAN.rulesets[0], kept.state.rulesets[0]
    kept._duties_of(cr, st, "follow-up", ("r0",))  # the table, built when first asked
    nights = nightly(records, dt.date(2013, 1, 1), 36)
    handed_out = 0
    for night, arriving in nights:
        kept.feed(to_events(arriving))
        kept.advance(night)
        handed_out += sum(f.rule == "follow-up" for f in kept.drain())
    # every follow-up duty (of the reviews in the agreement's life) was met and handed out
    assert handed_out >= 12
    assert not [f for f in kept.findings() if f.rule == "follow-up"]
    table = kept._duty_index[cr.index]
    assert table is not None
    assert table[0] is st.instances
    filed = {key for keys in table[1].values() for key in keys}
    assert filed <= set(st.instances)
    assert not any(key[0] == "follow-up" for key in filed)
    assert {key[2] for key in kept._periods} <= {dt.date(2015, 3, 20)}


# who may act when, when one successor (E08000025) was a member all along
_ACTING_MEMBER = {
    "E10000021": (dt.date(2020, 1, 1), dt.date(2021, 3, 31)),
    "E06000061": (dt.date(2021, 4, 1), dt.date(2022, 12, 31)),
    "E08000025": (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
    "sdsa": (dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from(("", "duties: each", "served_by: [sdsa]")),
    reviews=st.lists(
        st.tuples(
            st.sampled_from(("E10000021", "E08000025")),
            st.dates(dt.date(2020, 1, 1), dt.date(2021, 3, 31)),
        ),
        max_size=3,
    ),
    reports=st.lists(
        st.tuples(
            st.sampled_from(sorted(_ACTING_MEMBER)).flatmap(
                lambda who: st.tuples(st.just(who), st.dates(*_ACTING_MEMBER[who]))
            ),
            st.integers(0, 2),
        ),
        max_size=4,
    ),
    by=st.lists(
        st.sampled_from(sorted(_ACTING_MEMBER)).flatmap(
            lambda who: st.tuples(st.just(who), st.dates(*_ACTING_MEMBER[who]))
        ),
        max_size=5,
    ),
    covered_on=st.one_of(st.none(), st.dates(dt.date(2020, 6, 1), dt.date(2022, 12, 31))),
)
def test_a_successor_that_was_already_a_member_drains_as_batch_evaluates(
    mode: str,
    reviews: list[tuple[str, dt.date]],
    reports: list[tuple[tuple[str, dt.date], int]],
    by: list[tuple[str, dt.date]],
    covered_on: dt.date | None,
) -> None:
    # The county's duties pass on 2021-04-01 to a new council and to E08000025, a member
    # since the start, whose memberships the succession leaves as they were: its periods
    # and duties asleep across the succession (a year unrecorded, a review's report
    # overdue) must still be handed out as a restored session hands them out, night
    # after night, and nightly must still equal batch. (The succession is in the
    # fingerprint of each of its parties' notes, `_Findings.handover_fp`.)
    text = SUCCESSION.replace("DUTIES", mode).replace(
        "successors: [E06000061, E06000062]", "successors: [E06000061, E08000025]"
    )
    rs, problems = sli_rules.parse_ruleset(text, "s.yaml")
    assert rs is not None, problems
    plan = sli_rules.compile_rulesets([rs])
    records: list[Record] = [
        {
            "id": f"rv{i}",
            "type": "peer_challenge.held",
            "date": day.isoformat(),
            "council": host,
            "review": f"rv{i}",
            "kind": "childrens",
        }
        for i, (host, day) in enumerate(reviews)
    ]
    records += [
        {
            "id": f"f{i}",
            "type": "follow_up_report.submitted",
            "date": day.isoformat(),
            "council": who,
            "review": f"rv{n}",
        }
        for i, ((who, day), n) in enumerate(reports)
    ]
    records += self_assessments(by) + complete_from_2020(covered_on)
    drained_both_ways(nightly(records, dt.date(2020, 1, 1), 36), plan=plan, records=records)


def test_a_duty_open_for_years_keeps_its_trigger_compactly_and_as_it_was() -> None:
    # A council missing from an EM DCS meeting's attendees is in breach, and nothing can
    # remedy it: the duty stays open for as long as the stream runs, holding its trigger.
    # Asleep, the trigger's type, council, attribute names and values are kept once for
    # every such trigger (not once per event, as decoded), and each event stays equal to
    # what was fed, key for key and in order: its findings and the session's snapshot do
    # not change.
    plan = sli_rules.compile_rulesets(["east-midlands-childrens-mou-2015"])
    records: list[Record] = [
        {
            "id": f"m{n}",
            "type": "meeting.held",
            "date": f"2016-{month:02d}-12",
            "council": "em-dcs-group",
            "meeting": f"mt-{n}",
            "format": "full_day",
            "attendees": [{"council": "E06000015", "representative": False}],
        }
        for n, month in enumerate((1, 5))
    ]
    fed = json.loads(json.dumps(records))  # every string its own object, as decoded
    events = to_events(fed)
    kept = Session(plan)
    for night in months(dt.date(2015, 12, 1), 8):
        kept.feed([e for e in events if night - dt.timedelta(days=31) < e.date <= night])
        kept.advance(night)
        fresh = Session.restore(plan, kept.snapshot())
        assert as_json(kept.drain()) == as_json(fresh.drain())
        assert kept.snapshot() == fresh.snapshot()
    st = kept.state.rulesets[0]
    open_ = [i for i in st.instances.values() if i.rule == "attend-em-dcs-meetings"]
    assert {i.trigger.id for i in open_ if i.trigger is not None} == {"m0", "m1"}
    first, second = (e.attrs for e in events)
    for record, event in zip(records, events, strict=True):
        assert json.dumps(event.to_dict()) == json.dumps(to_events([record])[0].to_dict())
    (a_key,) = [k for k in first if k == "attendees"]
    (b_key,) = [k for k in second if k == "attendees"]
    assert a_key is b_key
    assert first["format"] is second["format"]
    assert first["attendees"][0]["council"] is second["attendees"][0]["council"]
    assert events[0].type is events[1].type
    assert events[0].council is events[1].council
