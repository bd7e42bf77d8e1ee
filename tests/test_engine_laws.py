"""The engine's laws (docs/time.md), each stated as a hypothesis property over random
event streams on a ruleset that uses every kind of rule (tests/strategies.py).

A report must not depend on how its input was presented (order, duplicates), on events
dated after the evaluation date, or on how a session was paused and resumed; and a
breach, once shown, stays shown.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import Finding, Session
from strategies import LAWS_PLAN, as_of_dates, as_of_pairs, event_streams, to_events

# A deeper run: SLI_LAW_EXAMPLES=2000 python -m pytest tests/test_engine_laws.py
LAWS = settings(
    max_examples=int(os.environ.get("SLI_LAW_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

Record = dict[str, Any]


def findings(
    records: Iterable[Record], as_of: dt.date, *, complete: bool = False
) -> tuple[Finding, ...]:
    return sli_rules.evaluate(LAWS_PLAN, list(records), as_of=as_of, complete=complete).findings


def day_of(record: Record) -> dt.date:
    return dt.date.fromisoformat(record["date"])


def breach_key(f: Finding) -> tuple[Any, ...]:
    return (f.agreement, f.rule, f.party, f.due, f.triggered_by)


def session_through(events: Sequence[sli_rules.Event], *days: dt.date) -> Session:
    session = Session(LAWS_PLAN)
    session.feed(events)
    for day in days:
        session.advance(day)
    return session


@LAWS
@given(records=event_streams(), as_of=as_of_dates(), rnd=st.randoms(use_true_random=False))
def test_order_of_the_input_does_not_matter(
    records: list[Record], as_of: dt.date, rnd: Any
) -> None:
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert findings(shuffled, as_of) == findings(records, as_of)


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_no_hindsight(records: list[Record], as_of: dt.date) -> None:
    """The report as of D uses only what was known by D: later events change nothing."""
    known = [r for r in records if day_of(r) <= as_of]
    assert findings(records, as_of) == findings(known, as_of)


@LAWS
@given(records=event_streams(), as_of=as_of_dates(), data=st.data())
def test_duplicate_identical_events_change_nothing(
    records: list[Record], as_of: dt.date, data: st.DataObject
) -> None:
    again = data.draw(st.lists(st.sampled_from(records), max_size=8)) if records else []
    doubled = records + [dict(r) for r in again]
    assert findings(doubled, as_of) == findings(records, as_of)
    # fed to a session as Events, twice over, the same
    events = to_events(records)
    session = session_through((*events, *events), as_of)
    assert tuple(session.findings()) == findings(records, as_of)


@LAWS
@given(records=event_streams(), days=as_of_pairs())
def test_a_breach_once_shown_stays_shown(
    records: list[Record], days: tuple[dt.date, dt.date]
) -> None:
    d1, d2 = days
    earlier = [f for f in findings(records, d1) if f.kind == "breach"]
    later = {breach_key(f): f for f in findings(records, d2) if f.kind == "breach"}
    for f in earlier:
        assert breach_key(f) in later, f"breach shown as of {d1} vanished as of {d2}: {f}"
        now = later[breach_key(f)]
        if f.status == "remedied":
            assert now.status == "remedied"
            assert now.remedied_on == f.remedied_on
        else:
            assert now.status in ("breached", "remedied")
            if now.status == "remedied":
                assert now.remedied_on is not None
                assert now.remedied_on > d1


SETTLED = ("fulfilled", "fulfilled_early", "fulfilled_late", "waived", "discharged")


@LAWS
@given(records=event_streams(), days=as_of_pairs())
def test_the_past_stays_settled(records: list[Record], days: tuple[dt.date, dt.date]) -> None:
    """An obligation that had fallen due by D1 keeps its status at every later date, except
    that a breach may be remedied (breached -> fulfilled_late)."""
    d1, d2 = days

    def key(f: Finding) -> tuple[Any, ...]:
        return (f.agreement, f.rule, f.party, f.due, f.triggered_by)

    later = {key(f): f for f in findings(records, d2) if f.kind == "obligation"}
    for f in findings(records, d1):
        if f.kind != "obligation" or f.due is None or f.due >= d1:
            continue
        assert key(f) in later, f"obligation due before {d1} vanished as of {d2}: {f}"
        now = later[key(f)].status
        if f.status in SETTLED:
            assert now == f.status, f"{f.status} as of {d1} became {now} as of {d2}: {f}"
        else:
            # a late fulfilment remedies; a later coverage declaration makes an
            # unrecorded duty breached (or missed); nothing else moves
            assert now in PAST_CAN_BECOME[f.status], f"{f.status} became {now}: {f}"


PAST_CAN_BECOME = {
    "breached": ("breached", "fulfilled_late"),
    "missed": ("missed", "fulfilled_late"),
    "unrecorded": ("unrecorded", "breached", "missed", "fulfilled_late"),
}
ABSENCE_KINDS = ("deadline", "window", "fixed_date", "recurring", "count")


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.kind, f.agreement, f.rule, f.party, f.due, f.triggered_by, f.step, f.about)


def _without_coverage(records: list[Record]) -> list[Record]:
    return [r for r in records if r["type"] != "record.coverage"]


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_absence_is_not_a_breach_unless_the_record_is_complete(
    records: list[Record], as_of: dt.date
) -> None:
    """Without a declaration, a duty missing its fulfilling event is unrecorded: no
    breached (or missed) obligation of a kind that only absence can break, and no breach
    finding that is not remedied, except from a constraint (positive evidence)."""
    rules = {r.id: r for r in LAWS_PLAN.rulesets[0].ruleset.rules}
    for f in findings(_without_coverage(records), as_of):
        if f.rule not in rules or rules[f.rule].kind not in ABSENCE_KINDS:
            continue
        if f.kind == "obligation":
            assert f.status not in ("breached", "missed"), f
        else:  # a breach, or the notice of a notice-only duty: only when met late
            assert f.remedied_on is not None, f


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_declaring_completeness_changes_only_unrecorded_duties(
    records: list[Record], as_of: dt.date
) -> None:
    """Conservative extension: with the whole record declared complete, every finding is
    as without the declaration, except that each unrecorded duty becomes breached (or
    missed, for a notice-only duty), with the breach or notice and the escalation steps
    that follow from that."""
    plain = _without_coverage(records)
    before = findings(plain, as_of)
    after = findings(plain, as_of, complete=True)
    unrecorded = {
        (f.agreement, f.rule, f.party, f.due, f.triggered_by)
        for f in before
        if f.status == "unrecorded"
    }
    kept = [f for f in before if f.status != "unrecorded"]
    assert set(kept) <= set(after)
    rules = {r.id: r for r in LAWS_PLAN.rulesets[0].ruleset.rules}
    for f in set(after) - set(kept):
        if f.kind == "escalation":  # a step of a ladder that a new breach started
            assert f.about in {key[2] for key in unrecorded}, f
            continue
        assert (f.agreement, f.rule, f.party, f.due, f.triggered_by) in unrecorded, f
        missed = "missed" if rules[f.rule].severity == "notice" else "breached"
        assert f.status == missed, f
    assert len([f for f in after if f.kind == "obligation"]) == len(
        [f for f in before if f.kind == "obligation"]
    )


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_covering_every_type_and_party_is_declaring_the_record_complete(
    records: list[Record], as_of: dt.date
) -> None:
    everything = {
        "id": "cov-all",
        "type": "record.coverage",
        "date": "2000-01-01",
        "council": "wmsli-steering-group",
        "types": ["*"],
        "from": "2000-01-01",
    }
    plain = _without_coverage(records)
    assert findings([*plain, everything], as_of) == findings(plain, as_of, complete=True)


@LAWS
@given(records=event_streams(), days=as_of_pairs())
def test_snapshot_and_resume_is_the_same_as_running_on(
    records: list[Record], days: tuple[dt.date, dt.date]
) -> None:
    d1, d2 = days
    events = to_events(records)
    before = [e for e in events if e.date <= d1]
    after = [e for e in events if e.date > d1]

    uninterrupted = session_through(events, d2)
    stepped = session_through(events, d1, d2)

    first = session_through(before, d1)
    data = first.snapshot()
    resumed = Session.restore(LAWS_PLAN, data)
    assert resumed.clock == d1
    assert resumed.findings() == first.findings()
    resumed.feed(after)
    resumed.advance(d2)

    expected = uninterrupted.findings()
    assert stepped.findings() == expected
    assert resumed.findings() == expected
    assert tuple(expected) == findings(records, d2)


@LAWS
@given(records=event_streams(), days=as_of_pairs())
def test_snapshot_with_pending_events_resumes_them(
    records: list[Record], days: tuple[dt.date, dt.date]
) -> None:
    """Events fed before the snapshot but dated after its clock are kept and applied later."""
    d1, d2 = days
    events = to_events(records)
    first = session_through(events, d1)
    resumed = Session.restore(LAWS_PLAN, first.snapshot())
    assert resumed.pending == first.pending
    resumed.advance(d2)
    assert tuple(resumed.findings()) == findings(records, d2)


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_findings_are_sorted(records: list[Record], as_of: dt.date) -> None:
    out = findings(records, as_of)
    assert list(out) == sorted(out, key=Finding.sort_key)
    # and deterministic: the same input twice gives the same tuple
    assert findings(records, as_of) == out


CONSTRAINTS = ("team-makeup", "meeting-attendance")


@LAWS
@given(records=event_streams(), as_of=as_of_dates())
def test_findings_cite_their_evidence(records: list[Record], as_of: dt.date) -> None:
    """Every event id a finding cites exists and is dated on or before the evaluation date;
    a breach shares its obligation's rule, party, due and trigger."""
    dates = {r["id"]: day_of(r) for r in records}
    out = findings(records, as_of)
    for f in out:
        for eid in (*f.triggered_by, *f.fulfilled_by):
            assert eid in dates, f
            assert dates[eid] <= as_of, f
        if f.kind == "breach":
            assert f.due is not None
            # a duty is breached only after its due day; a constraint, on the event's day
            assert f.due <= as_of if f.rule in CONSTRAINTS else f.due < as_of, f
            twins = [o for o in out if o.kind == "obligation" and breach_key(o) == breach_key(f)]
            assert [o.status for o in twins] == [
                "breached" if f.status == "breached" else "fulfilled_late"
            ], f
