"""What the sessions of one plan share (engine/memo.py) changes no finding.

While `memo.sharing(plan)` is on (the runs of an imprecise-date refinement), sessions
keep the findings they derive for each other, keyed by everything the derivation reads.
A key that missed something would hand one run another run's findings: these laws run
the same streams with sharing on and off and ask for the same findings, finding for
finding, in the same order.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sli_rules import Event, Finding, Session
from sli_rules.engine import memo
from sli_rules.engine.refine import evaluate_refined, spans_of
from strategies import LAWS_PLAN, as_of_dates, event_streams, to_events
from test_imprecise_laws import imprecise_streams

LAWS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _run(as_of: dt.date) -> Any:
    def run(events: Sequence[Event]) -> list[Finding]:
        session = Session(LAWS_PLAN)
        session.feed(events)
        session.advance(as_of)
        return session.findings()

    return run


@LAWS
@given(records=imprecise_streams(), as_of=as_of_dates())
def test_sharing_derivations_changes_no_refined_finding(
    records: list[dict[str, Any]], as_of: dt.date
) -> None:
    events = to_events(records)
    alone = evaluate_refined(events, as_of, _run(as_of))
    with memo.sharing(LAWS_PLAN):
        shared = evaluate_refined(events, as_of, _run(as_of))
        again = evaluate_refined(events, as_of, _run(as_of))  # every derivation recalled
    assert shared == alone
    assert again == alone


@LAWS
@given(
    records=imprecise_streams(),
    as_of=as_of_dates(),
    picks=st.lists(st.integers(0, 10_000), min_size=4, max_size=4),
)
def test_each_run_finds_what_a_session_of_its_own_finds(
    records: list[dict[str, Any]], as_of: dt.date, picks: list[int]
) -> None:
    """Refinements run one after another while sharing: each gets the findings of a
    fresh session that shares nothing, whatever ran before it."""
    events = to_events(records)
    runs = []
    for pick in picks:
        refined = []
        for e in events:
            lo, hi = spans_of(e)
            day = lo + dt.timedelta(days=pick % ((hi - lo).days + 1))
            refined.append(Event(e.id, e.type, day, e.council, e.attrs))
        runs.append(refined)
    alone = [_run(as_of)(r) for r in runs]
    with memo.sharing(LAWS_PLAN):
        shared = [_run(as_of)(r) for r in runs]
    assert shared == alone


MOVES = [dt.date(2014, 6, 30), dt.date(2014, 7, 1), dt.date(2014, 7, 31), dt.date(2014, 8, 1)]


def test_runs_that_move_one_event_across_a_boundary_each_get_their_own_findings() -> None:
    """The runs of a refinement differ in a few events' days, and most duties are the
    same in all: each run must still see its own data return (counted in one quarter or
    the next, on time or in the grace), its own trigger (a review moving its deadlines),
    its own fulfilment, and its own joiner's first day."""
    base: list[dict[str, Any]] = [
        {
            "id": "sa",
            "type": "self_assessment.submitted",
            "date": "2014-05-01",
            "council": "E08000025",
        },
    ]
    moving: list[dict[str, Any]] = [
        {"id": "dr", "type": "data_return.submitted", "council": "E08000026", "period": "2014-Q1"},
        {
            "id": "pc",
            "type": "peer_challenge.held",
            "council": "E06000019",
            "review": "r1",
            "kind": "corporate",
            "team": [],
        },
        {
            "id": "fb",
            "type": "feedback.published",
            "council": "E06000019",
            "review": "r1",
            "action_plan": True,
        },
        {"id": "jn", "type": "party.joined", "council": "E08000029", "agreement": "test-laws"},
    ]
    as_of = dt.date(2015, 6, 30)
    runs = []
    for k, day in enumerate(MOVES):
        records = list(base)
        for j, rec in enumerate(moving):
            # each event on another day of MOVES in each run
            when = MOVES[(k + j) % len(MOVES)] + dt.timedelta(days=10 * j)
            records.append({**rec, "date": when.isoformat()})
        records.append(
            {
                "id": "dr2",
                "type": "data_return.submitted",
                "council": "E08000026",
                "period": "2014-Q2",
                "date": day.isoformat(),
            }
        )
        runs.append(list(to_events(records)))
    alone = [_run(as_of)(r) for r in runs]
    assert len({tuple(f) for f in alone}) == len(runs)  # the runs do differ
    with memo.sharing(LAWS_PLAN):
        shared = [_run(as_of)(r) for r in runs]
        again = [_run(as_of)(r) for r in reversed(runs)]
    assert shared == alone
    assert again == list(reversed(alone))


# Birmingham is succeeded on a day not known exactly (its own spring quarter, or its
# year), by Dudley and by Coventry, which is already a party: Coventry's key (its
# memberships) is the same in every run, but what it owes depends on the day the
# quarterly duty is handed on to it. Herefordshire is in no succession, and its findings
# are shared whatever the succession's day.
_HANDED_ON = ("2014-05", "2014", "2014-04-20/2014-07-10")
_QUARTERLY = ("E08000025", "E08000026", "E06000019")


@LAWS
@given(
    when=st.sampled_from(_HANDED_ON),
    successors=st.sampled_from([["E08000027", "E08000026"], ["E08000026"]]),
    returns=st.lists(
        st.tuples(st.sampled_from(_QUARTERLY), st.dates(dt.date(2014, 1, 1), dt.date(2015, 6, 30))),
        max_size=8,
    ),
    as_of=st.dates(dt.date(2014, 6, 1), dt.date(2016, 3, 31)),
    picks=st.lists(st.integers(0, 10_000), min_size=3, max_size=3),
)
def test_a_succession_on_a_day_not_known_exactly_is_not_shared_between_runs(
    when: str,
    successors: list[str],
    returns: list[tuple[str, dt.date]],
    as_of: dt.date,
    picks: list[int],
) -> None:
    """The runs of a refinement that put a succession on different days hand different
    periods on: the parties of the succession get each run's own findings, and the
    parties outside it, whose findings are shared, get what a session of their own gets."""
    records: list[dict[str, Any]] = [
        {
            "id": "succ",
            "type": "party.succeeded",
            "date": when,
            "council": "E08000025",
            "agreement": "test-laws",
            "successors": successors,
        },
        *(
            {
                "id": f"dr{i}",
                "type": "data_return.submitted",
                "date": day.isoformat(),
                "council": who,
                "period": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
            }
            for i, (who, day) in enumerate(returns)
        ),
    ]
    events = to_events(records)
    alone = evaluate_refined(events, as_of, _run(as_of))
    with memo.sharing(LAWS_PLAN):
        shared = evaluate_refined(events, as_of, _run(as_of))
    assert shared == alone
    (succession,) = [e for e in events if e.span is not None]
    lo, hi = spans_of(succession)
    runs = [
        [
            Event(
                e.id,
                e.type,
                lo + dt.timedelta(days=pick % ((hi - lo).days + 1)),
                e.council,
                e.attrs,
            )
            if e.span is not None
            else e
            for e in events
        ]
        for pick in picks
    ]
    one_by_one = [_run(as_of)(r) for r in runs]
    with memo.sharing(LAWS_PLAN):
        assert [_run(as_of)(r) for r in runs] == one_by_one


@LAWS
@given(records=event_streams(max_reviews=2, max_singles=5), as_of=as_of_dates())
def test_a_session_drained_while_sharing_hands_out_the_same(
    records: list[dict[str, Any]], as_of: dt.date
) -> None:
    """A pipeline that drains and reads findings inside `sharing` (a notebook that also
    refines) gets what it gets outside it, and its snapshot is the same."""
    events = to_events(records)

    def pipeline() -> tuple[list[Finding], list[Finding], bytes]:
        session = Session(LAWS_PLAN)
        session.feed(events)
        session.advance(as_of)
        seen = session.findings()
        drained = session.drain()
        return seen, drained, session.snapshot()

    alone = pipeline()
    with memo.sharing(LAWS_PLAN):
        shared = pipeline()
    assert shared == alone


def test_a_refinement_holds_no_runs_findings_once_it_has_merged_them() -> None:
    """Each run's findings are merged as the run ends: however many runs there are, the
    findings still alive are at most two versions of each merged finding (the first and
    the last), not every run's."""
    records: list[dict[str, Any]] = [
        {
            "id": "sa",
            "type": "self_assessment.submitted",
            "date": "2014-05",
            "council": "E08000025",
        },
        {
            "id": "dr",
            "type": "data_return.submitted",
            "date": "2014-06",
            "council": "E08000025",
            "period": "2014-Q1",
        },
        {
            "id": "lv",
            "type": "party.left",
            "date": "2015-06",
            "council": "E06000019",
            "agreement": "test-laws",
        },
    ]
    as_of = dt.date(2016, 6, 30)
    alive: list[weakref.ref[Finding]] = []
    most = 0

    def run(events: Sequence[Event]) -> list[Finding]:
        nonlocal most
        gc.collect(0)
        most = max(most, sum(1 for r in alive if r() is not None))
        found = _run(as_of)(events)  # no sharing: every run's findings are its own
        alive.extend(weakref.ref(f) for f in found)
        return found

    merged = evaluate_refined(to_events(records), as_of, run)
    runs = len(alive) // len(merged)
    assert runs > 20  # many runs, each with its own findings
    assert most <= 2 * len(merged) + len(alive) // runs


@settings(LAWS, max_examples=3)
@given(records=imprecise_streams(), as_of=as_of_dates())
def test_what_was_shared_is_let_go_on_leaving(
    records: list[dict[str, Any]], as_of: dt.date
) -> None:
    with memo.sharing(LAWS_PLAN):
        evaluate_refined(to_events(records), as_of, _run(as_of))
    tables = [memo.for_ruleset(cr, lambda _cr: ({}, ())) for cr in LAWS_PLAN.rulesets]
    assert all(not t.sharing and not t._derived for t in tables)
