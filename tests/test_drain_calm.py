"""drain() passes over the recurring and count duties of a party that have nothing to do
(engine/session.py, `_Findings.recurring`).

Three shortcuts, each a switch in engine/session.py so that these laws can turn it off:

- `_CALM_PASS`: a party whose running period was noted as still running (`until`), whose
  memberships are as they were noted, and with no tally or concern that may have woken a
  period asleep, is passed over before anything is built for it.
- `_QUIET`: a party with no period to look at (it left, a count rule's one span is
  over, a span or membership is still to come) is noted as calm until the first day a
  period may begin, as a running period is.
- `_DOZE_PASS`: a duty asleep of a rule that no event has reached since the last drain
  (no fulfilment or waiver offered to the rule, no state ending, no succession) is
  passed over without its note being compared, unless its party's memberships or the
  concern its breach raises may have changed.

The law: a session drained night after night with the shortcuts hands out, every night,
exactly what one drained without them hands out (and what a session restored from its
snapshot that night hands out, which has noted nothing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
import test_state_rules as state_rules
from sli_rules import Plan, Session
from sli_rules.engine import session as engine
from strategies import (
    AGREEMENT,
    COUNCILS,
    JOINER,
    LAWS_PLAN,
    LAWS_YAML,
    nightly_deliveries,
    ruleset_from_yaml,
    to_events,
)
from test_drain_asleep import PERIOD_PLAN, as_json, drained_both_ways, review

Record = dict[str, Any]
Nights = Sequence[tuple[dt.date, Sequence[Record]]]

LAWS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _plan(yaml: str) -> Plan:
    return sli_rules.compile_rulesets([ruleset_from_yaml(yaml)])


_ONE_SPAN = "    span: {end: {parameter: first-period-end}}\n"
# the count rule's span repeated every nine months, or its one span short
REPEATED_PLAN = _plan(
    LAWS_YAML.replace(_ONE_SPAN, "    span: {end: 2014-03-31}\n    repeat: true\n", 1)
)
SHORT_PLAN = _plan(LAWS_YAML.replace(_ONE_SPAN, "    span: {end: 2014-03-31}\n", 1))


@contextlib.contextmanager
def shortcuts(on: bool) -> Iterator[None]:
    before = engine._CALM_PASS, engine._QUIET, engine._DOZE_PASS
    engine._CALM_PASS = engine._QUIET = engine._DOZE_PASS = on
    try:
        yield
    finally:
        engine._CALM_PASS, engine._QUIET, engine._DOZE_PASS = before


def drains(plan: Plan, nights: Nights, *, on: bool, complete: bool = False) -> list[str]:
    """Each night's drain by one session kept in memory, with the shortcuts on or off."""
    kept = Session(plan, complete=complete)
    out = []
    for night, arriving in nights:
        kept.feed(to_events(arriving))
        kept.advance(night)
        with shortcuts(on):
            out.append(as_json(kept.drain()))
    return out


def same_both_ways(plan: Plan, nights: Nights, *, complete: bool = False) -> list[str]:
    """The nights' drains, checked equal with the shortcuts and without, night by night,
    and against a session restored each night."""
    fast = drains(plan, nights, on=True, complete=complete)
    slow = drains(plan, nights, on=False, complete=complete)
    for night, got, want in zip(nights, fast, slow, strict=True):
        assert got == want, f"the night of {night[0]}"
    with shortcuts(True):
        assert drained_both_ways(nights, complete=complete, plan=plan) == fast
    return fast


def by_night(
    records: list[Record], first: dt.date, gaps: list[int]
) -> list[tuple[dt.date, list[Record]]]:
    """Nights `gaps` days apart from `first`, each receiving the records dated since the
    night before."""
    out: list[tuple[dt.date, list[Record]]] = []
    previous, night = dt.date.min, first
    for gap in gaps:
        night += dt.timedelta(days=gap)
        arriving = [r for r in records if previous < dt.date.fromisoformat(r["date"]) <= night]
        out.append((night, arriving))
        previous = night
    return out


_DAYS = st.dates(dt.date(2013, 7, 1), dt.date(2017, 6, 30))
_GAPS = st.lists(st.one_of(st.integers(1, 20), st.integers(20, 95)), min_size=8, max_size=40)
_QUARTERS = st.tuples(st.integers(2013, 2016), st.integers(1, 4)).map(
    lambda yq: f"{yq[0]}-{(yq[0] + 1) % 100:02d}-Q{yq[1]}"
)


@LAWS
@given(
    returns=st.lists(
        st.tuples(st.sampled_from(COUNCILS), _DAYS, _QUARTERS), min_size=1, max_size=8
    ),
    gaps=_GAPS,
    complete=st.booleans(),
)
def test_returns_naming_quarters_asleep_drain_the_same_with_the_shortcuts_and_without(
    returns: list[tuple[str, dt.date, str]], gaps: list[int], complete: bool
) -> None:
    # A return names the quarter it is for: one naming a quarter asleep (breached or
    # unrecorded) wakes it, while the party's running quarter is calm.
    records = [
        {
            "id": f"ret{i}",
            "type": "data_return.submitted",
            "date": day.isoformat(),
            "council": who,
            "period": quarter,
        }
        for i, (who, day, quarter) in enumerate(returns)
    ]
    same_both_ways(PERIOD_PLAN, by_night(records, dt.date(2013, 7, 1), gaps), complete=complete)


_CHANGE = st.tuples(
    st.sampled_from(("party.left", "party.joined")),
    st.sampled_from((*COUNCILS, JOINER)),
    _DAYS,
)


@LAWS
@given(
    plan=st.sampled_from((REPEATED_PLAN, SHORT_PLAN)),
    changes=st.lists(_CHANGE, max_size=4),
    challenges=st.lists(st.tuples(st.sampled_from((*COUNCILS, JOINER)), _DAYS), max_size=5),
    gaps=_GAPS,
    complete=st.booleans(),
)
def test_parties_with_no_period_to_look_at_drain_the_same_with_the_shortcuts_and_without(
    plan: Plan,
    changes: list[tuple[str, str, dt.date]],
    challenges: list[tuple[str, dt.date]],
    gaps: list[int],
    complete: bool,
) -> None:
    # Parties leave and join (again), the count rule's span repeats or ends: a party
    # with no span to look at waits, calm, for the next one, or for its next membership.
    records: list[Record] = [
        {
            "id": f"c{i}",
            "type": kind,
            "date": day.isoformat(),
            "council": who,
            "agreement": AGREEMENT,
        }
        for i, (kind, who, day) in enumerate(changes)
    ]
    records += [
        review(day.isoformat(), host=who, rid=f"r{i}") for i, (who, day) in enumerate(challenges)
    ]
    same_both_ways(plan, by_night(records, dt.date(2013, 7, 1), gaps), complete=complete)


# Northamptonshire's councils, before and after the county was split on 2021-04-01 (the
# registry's dates): five of them leave that day, two join it; a yearly duty in force in
# the first and the third version only, and a count of challenges over two-year spans
REORGANISED_YAML = """\
id: reorganised
title: Councils that end and begin (for the drain's calm laws)
source: none
version: "1"
effective:
  start: 2019-04-01
  owner: lga
versions:
  - {id: first, from: 2019-04-01, title: First}
  - {id: second, from: 2020-04-01, title: Second}
  - {id: third, from: 2022-04-01, title: Third}
parties:
  council_pattern: "^E(06000061|06000062|07000150|07000151|10000021)$"
  bodies:
    - {id: lga, name: Local Government Association}
rules:
  - id: yearly-return
    kind: recurring
    versions: [first, third]
    title: a yearly return
    clause: "1"
    quote: "a return each year"
    fulfil: {type: self_assessment.submitted}
    period: {calendar: financial_year}
  - id: monthly-return
    kind: recurring
    title: a monthly return
    clause: "2"
    quote: "a return each month"
    severity: notice
    fulfil: {type: self_assessment.submitted}
    period: {calendar: calendar_year, unit: month}
  - id: challenges
    kind: count
    title: a challenge every two years
    clause: "3"
    quote: "a challenge every two years"
    fulfil: {type: peer_challenge.held}
    span: {end: 2021-03-31}
    repeat: REPEAT
"""
_OLD_AND_NEW = "06000061|06000062|07000150|07000151|10000021"
# (with the new councils alone no succession names them: nothing about them changes on
# the day they begin, but the day)
REORGANISED = {
    (repeat, who): _plan(REORGANISED_YAML.replace("REPEAT", repeat).replace(_OLD_AND_NEW, who))
    for repeat in ("true", "false")
    for who in (_OLD_AND_NEW, "06000061|06000062")
}
_SPLIT = dt.date(2021, 4, 1)
_NEW = ("E06000061", "E06000062")
_NORTHANTS = st.sampled_from(("E06000061", "E06000062", "E07000150", "E07000151", "E10000021"))
_ACTED = st.tuples(
    st.sampled_from(("self_assessment.submitted", "peer_challenge.held")),
    _NORTHANTS,
    st.dates(dt.date(2019, 4, 1), dt.date(2023, 12, 31)),
)


@LAWS
@given(
    plan=st.sampled_from(sorted(REORGANISED)).map(REORGANISED.__getitem__),
    acted=st.lists(_ACTED, max_size=8),
    gaps=_GAPS,
    complete=st.booleans(),
)
def test_councils_that_end_and_begin_drain_the_same_with_the_shortcuts_and_without(
    plan: Plan, acted: list[tuple[str, str, dt.date]], gaps: list[int], complete: bool
) -> None:
    # Before 2021-04-01 the new councils have no period to look at until they begin; the
    # old ones have none after they end; the yearly duty is not in force in the second
    # version, and the count's span is over or begins again.
    records = [
        {"id": f"a{i}", "type": kind, "date": day.isoformat(), "council": who}
        | ({"review": f"r{i}", "kind": "corporate"} if kind == "peer_challenge.held" else {})
        for i, (kind, who, day) in enumerate(acted)
        if (day >= _SPLIT) == (who in _NEW)  # while the council exists
    ]
    nights = by_night(records, dt.date(2019, 4, 30), [gap * 2 for gap in gaps])
    same_both_ways(plan, nights, complete=complete)


def test_a_council_that_begins_later_is_looked_at_once_it_has_begun() -> None:
    # North Northamptonshire begins on 2021-04-01: its monthly returns are due from then,
    # and its first month, April 2021, is handed out once over (as a notice: none came).
    nights = by_night([], dt.date(2019, 4, 30), [30] * 30)
    drains = same_both_ways(REORGANISED["false", "06000061|06000062"], nights, complete=True)
    first = [i for i, d in enumerate(drains) if '"party": "E06000061"' in d]
    assert first, "North Northamptonshire's duties are handed out"
    assert nights[first[0]][0] > dt.date(2021, 4, 30)
    assert '"opens": "2021-04-01"' in drains[first[0]]


@LAWS
@given(delivery=nightly_deliveries(late=False), complete=st.booleans())
def test_every_kind_of_event_drains_the_same_with_the_shortcuts_and_without(
    delivery: tuple[list[Record], list[tuple[dt.date, list[Record], bool]]], complete: bool
) -> None:
    # Reviews and their follow-ups, escalations, states, parties leaving, joining and
    # succeeded: whatever may wake a duty asleep or a period.
    _records, nights = delivery
    same_both_ways(
        LAWS_PLAN, [(night, arriving) for night, arriving, _ in nights], complete=complete
    )


def test_a_return_naming_a_quarter_asleep_wakes_it_while_the_running_quarter_is_calm() -> None:
    # 2014-15 Q1 (due 2014-07-31) is breached and sleeps; by the night of 2014-12-31 the
    # running quarter (Q3, due 2015-01-31) was noted as calm; a return naming Q1 comes
    # on 2014-12-15 and is handed out that night.
    late = {
        "id": "q1-late",
        "type": "data_return.submitted",
        "date": "2014-12-15",
        "council": "E08000026",
        "period": "2014-15-Q1",
    }
    nights = by_night([late], dt.date(2014, 3, 31), [30, 31, 30, 31, 31, 30, 31, 30, 31, 31])
    assert nights[8][0] == dt.date(2014, 12, 31)
    drains = same_both_ways(PERIOD_PLAN, nights, complete=True)
    woken = [i for i, d in enumerate(drains) if '"fulfilled_by": [\n   "q1-late"' in d]
    assert woken == [8]


def test_a_count_span_that_repeats_is_looked_at_again_when_the_next_one_begins() -> None:
    # E06000019 leaves and rejoins; the nine-month spans go on: each span's finding is
    # handed out once it is over, the shortcuts or not.
    records: list[Record] = [
        {
            "id": "out",
            "type": "party.left",
            "date": "2013-09-01",
            "council": "E06000019",
            "agreement": AGREEMENT,
        },
        {
            "id": "in",
            "type": "party.joined",
            "date": "2014-06-01",
            "council": "E06000019",
            "agreement": AGREEMENT,
        },
        review("2014-08-01", host="E06000019"),
    ]
    nights = by_night(records, dt.date(2013, 7, 1), [30] * 36)
    drains = same_both_ways(REPEATED_PLAN, nights, complete=True)
    spans = "".join(drains).count('"rule": "peer-challenge-in-period"')
    assert spans >= 3 * 3  # three spans over at least, for each of the three councils


# the concern ladder started by a bad team too (a constraint's breach, final at once)
LADDER_PLAN = _plan(
    LAWS_YAML.replace("breach_of: [follow-up]", "breach_of: [follow-up, team-makeup]", 1)
)


def test_a_concern_resolved_while_a_breach_slept_hands_it_out_that_night() -> None:
    # A review's team is too small: the breach of team-makeup cannot change, but the
    # first step of the ladder it starts stays due, so it sleeps; no event reaches the
    # rule again, but the concern is resolved in March 2014: the ladder stops, and the
    # breach is handed out that night.
    bad = review("2013-08-01") | {"team": review("2013-08-01")["team"][:2]}
    resolved = {
        "id": "ok",
        "type": "concern.resolved",
        "date": "2014-03-10",
        "council": "wmsli-steering-group",
        "about": "E08000026",
        "concern": "team-makeup/r1-held",
    }
    nights = by_night([bad, resolved], dt.date(2013, 8, 31), [30] * 12)
    drains = same_both_ways(LADDER_PLAN, nights, complete=True)
    settled = [nights[i][0] for i, d in enumerate(drains) if '"rule": "team-makeup"' in d]
    assert settled == [dt.date(2014, 3, 29)]


def test_a_duty_asleep_that_its_state_ends_is_handed_out_that_night() -> None:
    # Coventry is judged inadequate on 2015-05-01: it must seek support by 2015-11-01,
    # and the duty sleeps, open. No event reaches the rule; a better judgement on
    # 2015-08-10 ends the state, which discharges the duty: handed out that night, not
    # when its due date passes.
    records = [
        state_rules.judged("j1", "2015-05-01", "inadequate"),
        state_rules.judged("j2", "2015-08-10", "good"),
    ]
    nights = by_night(records, dt.date(2015, 4, 30), [31, 30, 31, 31, 30, 31, 30, 31])
    assert nights[3][0] == dt.date(2015, 8, 31)
    drains = same_both_ways(state_rules.PLAN, nights, complete=True)
    settled = [nights[i][0] for i, d in enumerate(drains) if '"rule": "seek-support"' in d]
    assert settled == [dt.date(2015, 8, 31)]
    assert '"status": "discharged"' in drains[3]
