"""The Session API, for pipelines: feed events, advance the clock, read findings, and
snapshot to bytes and restore. The clock only moves forward."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import sli_rules
from sli_rules import Finding, LateEventError, Session
from strategies import BODY, LAWS_PLAN, LAWS_YAML, ruleset_from_yaml, to_events

D = dt.date
COVENTRY, BIRMINGHAM, DUDLEY = "E08000026", "E08000025", "E08000027"

RECORDS: list[dict[str, Any]] = [
    {
        "id": "pc",
        "type": "peer_challenge.held",
        "date": "2014-01-15",
        "council": COVENTRY,
        "review": "r1",
        "kind": "corporate",
    },
    {
        "id": "fb",
        "type": "feedback.published",
        "date": "2014-07-16",
        "council": COVENTRY,
        "review": "r1",
        "action_plan": True,
    },
    {"id": "sa", "type": "self_assessment.submitted", "date": "2014-03-31", "council": COVENTRY},
    {
        "id": "cr",
        "type": "concern.raised",
        "date": "2014-09-01",
        "council": BODY,
        "about": BIRMINGHAM,
        "concern": "c1",
    },
]
EVENTS = to_events(RECORDS)


def feedback(session: Session) -> Finding:
    (f,) = [
        f
        for f in session.findings()
        if f.rule == "feedback" and f.kind == "obligation" and f.party == COVENTRY
    ]
    return f


def test_a_new_session_has_no_clock_and_no_findings() -> None:
    session = sli_rules.open_session(LAWS_PLAN)
    assert session.clock is None
    assert session.pending == 0
    assert session.findings() == []


def test_feed_advance_findings_is_evaluate() -> None:
    session = sli_rules.open_session(LAWS_PLAN)
    session.feed(EVENTS)
    session.advance(D(2015, 1, 1))
    assert session.clock == D(2015, 1, 1)
    assert (
        tuple(session.findings())
        == sli_rules.evaluate(LAWS_PLAN, RECORDS, as_of=D(2015, 1, 1)).findings
    )


def test_events_dated_after_the_clock_stay_pending() -> None:
    session = Session(LAWS_PLAN)
    session.feed(EVENTS)
    # feedback is due 2014-01-15 + 6 months = 2014-07-15; it comes a day late
    session.advance(D(2014, 7, 15))
    assert session.pending == 2  # fb (07-16) and cr (09-01)
    f = feedback(session)
    assert (f.status, f.due, f.fulfilled_by) == ("open", D(2014, 7, 15), ())
    session.advance(D(2014, 7, 16))
    assert session.pending == 1
    f = feedback(session)
    assert (f.status, f.fulfilled_by) == ("fulfilled_late", ("fb",))
    assert BIRMINGHAM not in {e.about for e in session.findings() if e.kind == "escalation"}
    session.advance(D(2014, 9, 1))
    assert session.pending == 0
    assert BIRMINGHAM in {e.about for e in session.findings() if e.kind == "escalation"}


def test_feeding_in_steps_is_feeding_at_once() -> None:
    stepped = Session(LAWS_PLAN)
    for e in sorted(EVENTS, key=lambda e: e.date):
        stepped.feed([e])
        stepped.advance(e.date)
    stepped.advance(D(2015, 1, 1))
    whole = Session(LAWS_PLAN)
    whole.feed(EVENTS)
    whole.advance(D(2015, 1, 1))
    assert stepped.findings() == whole.findings()


@pytest.mark.parametrize("day", ["2014-07-15", "2014-07-14", "2013-01-01"])
def test_an_event_on_or_before_the_clock_is_refused(day: str) -> None:
    session = Session(LAWS_PLAN)
    session.advance(D(2014, 7, 15))
    late = to_events([{**RECORDS[1], "id": "late", "date": day}])
    with pytest.raises(LateEventError, match="late"):
        session.feed(late)
    assert session.pending == 0


def test_the_day_after_the_clock_is_accepted() -> None:
    session = Session(LAWS_PLAN)
    session.advance(D(2014, 7, 15))
    session.feed(to_events([{**RECORDS[1], "date": "2014-07-16"}]))
    assert session.pending == 1


def test_a_refused_batch_leaves_nothing_behind() -> None:
    session = Session(LAWS_PLAN)
    session.advance(D(2014, 2, 1))
    batch = to_events([RECORDS[1], RECORDS[2]])  # fb is after the clock, sa on 2014-03-31 too
    late = to_events([{**RECORDS[1], "id": "late", "date": "2014-01-01"}])
    with pytest.raises(LateEventError):
        session.feed([*batch, *late])
    assert session.pending == 0


def test_identical_duplicates_collapse_and_different_events_may_not_share_an_id() -> None:
    session = Session(LAWS_PLAN)
    session.feed(EVENTS)
    session.feed(EVENTS)
    assert session.pending == len(EVENTS)
    other = to_events([{**RECORDS[1], "date": "2014-07-17"}])
    with pytest.raises(ValueError, match="'fb'"):
        session.feed(other)
    assert session.pending == len(EVENTS)


def test_the_clock_cannot_go_back() -> None:
    session = Session(LAWS_PLAN)
    session.feed(EVENTS)
    session.advance(D(2014, 7, 16))
    before = session.findings()
    with pytest.raises(LateEventError):
        session.advance(D(2014, 7, 15))
    assert session.clock == D(2014, 7, 16)
    session.advance(D(2014, 7, 16))  # standing still is allowed and changes nothing
    assert session.findings() == before


# -------------------------------------------------------------------- snapshots


def advanced(day: dt.date) -> Session:
    session = Session(LAWS_PLAN)
    session.feed(EVENTS)
    session.advance(day)
    return session


def test_a_snapshot_is_json_bytes() -> None:
    data = advanced(D(2014, 7, 15)).snapshot()
    assert isinstance(data, bytes)
    assert isinstance(json.loads(data), dict)


def test_restore_resumes_where_the_snapshot_was_taken() -> None:
    session = advanced(D(2014, 7, 15))
    restored = Session.restore(LAWS_PLAN, session.snapshot())
    assert restored.clock == D(2014, 7, 15)
    assert restored.pending == 2
    assert restored.findings() == session.findings()
    # the restored session keeps the clock's rule
    with pytest.raises(LateEventError):
        restored.feed(to_events([{**RECORDS[1], "id": "late", "date": "2014-07-01"}]))
    restored.advance(D(2015, 1, 1))
    session.advance(D(2015, 1, 1))
    assert restored.findings() == session.findings()
    assert feedback(restored).status == "fulfilled_late"


def test_a_snapshot_of_a_fresh_session_restores() -> None:
    restored = Session.restore(LAWS_PLAN, Session(LAWS_PLAN).snapshot())
    assert restored.clock is None
    restored.feed(EVENTS)
    restored.advance(D(2015, 1, 1))
    assert restored.findings() == advanced(D(2015, 1, 1)).findings()


def test_a_snapshot_survives_a_succession_to_a_new_council() -> None:
    # state with an inherited duty and a council that joined as a successor
    records = [
        {
            "id": "pc",
            "type": "peer_challenge.held",
            "date": "2014-01-15",
            "council": BIRMINGHAM,
            "review": "r1",
            "kind": "childrens",
        },
        {
            "id": "su",
            "type": "party.succeeded",
            "date": "2014-03-01",
            "council": BIRMINGHAM,
            "agreement": "test-laws",
            "successors": [DUDLEY],
        },
        {
            "id": "fb",
            "type": "feedback.published",
            "date": "2014-07-01",
            "council": DUDLEY,
            "review": "r1",
            "action_plan": False,
        },
    ]
    first = Session(LAWS_PLAN)
    first.feed(to_events(records))
    first.advance(D(2014, 4, 1))
    restored = Session.restore(LAWS_PLAN, first.snapshot())
    restored.advance(D(2014, 12, 1))
    (f,) = [
        f
        for f in restored.findings()
        if f.rule == "feedback" and f.party == DUDLEY and f.kind == "obligation"
    ]
    assert (f.status, f.due) == ("fulfilled", D(2014, 7, 15))


def _good() -> dict[str, Any]:
    return json.loads(advanced(D(2014, 7, 15)).snapshot())


GARBAGE: dict[str, Any] = {
    "empty": b"",
    "not json": b"not a snapshot",
    "not utf-8": b"\xff\xfe\x00",
    "a list": b"[]",
    "an empty object": b"{}",
    "wrong format": lambda g: {**g, "format": 999},
    "no rulesets": lambda g: {k: v for k, v in g.items() if k != "rulesets"},
    "no state": lambda g: {k: v for k, v in g.items() if k != "state"},
    "no buffer": lambda g: {k: v for k, v in g.items() if k != "buffer"},
    "state is a number": lambda g: {**g, "state": 5},
    "state is null": lambda g: {**g, "state": None},
    "an unknown class": lambda g: {**g, "state": {"c": "os.system", "f": {}}},
    "unknown fields": lambda g: {**g, "state": {"c": "EngineState", "f": {"x": 1}}},
    "the wrong class": lambda g: {**g, "state": {"c": "Tally", "f": {}}},
    "a bad buffer": lambda g: {**g, "buffer": [5]},
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_restore_rejects_garbage(case: str) -> None:
    made = GARBAGE[case]
    data = made if isinstance(made, bytes) else json.dumps(made(_good())).encode()
    with pytest.raises(ValueError, match="snapshot"):
        Session.restore(LAWS_PLAN, data)


def test_restore_rejects_a_snapshot_of_other_rulesets() -> None:
    data = advanced(D(2014, 7, 15)).snapshot()
    other_id = ruleset_from_yaml(LAWS_YAML.replace("id: test-laws", "id: other-laws", 1))
    with pytest.raises(ValueError, match="rulesets"):
        Session.restore(sli_rules.compile_rulesets([other_id]), data)
    other_version = ruleset_from_yaml(LAWS_YAML.replace('version: "1"', 'version: "2"', 1))
    with pytest.raises(ValueError, match="rulesets"):
        Session.restore(sli_rules.compile_rulesets([other_version]), data)
    with pytest.raises(ValueError, match="rulesets"):
        Session.restore(sli_rules.compile_rulesets([other_id, other_version]), data)


def test_restore_rejects_a_snapshot_of_an_edited_ruleset_with_the_same_version() -> None:
    data = advanced(D(2014, 7, 15)).snapshot()
    edited = ruleset_from_yaml(LAWS_YAML.replace("due: P6M", "due: P9M", 1))
    with pytest.raises(ValueError, match="rulesets"):
        Session.restore(sli_rules.compile_rulesets([edited]), data)


def test_a_snapshot_of_the_previous_release_is_refused_with_what_to_do() -> None:
    """0.1's snapshots (format 2) came from a drain() that could hand out findings that
    changed later: they are refused, saying to feed the events to a new session."""
    old = {**_good(), "format": 2}
    with pytest.raises(ValueError, match="feeding its events to a new Session"):
        Session.restore(LAWS_PLAN, json.dumps(old).encode())


def test_a_concern_raised_again_after_its_ladder_was_drained_stays_settled() -> None:
    """A resolved concern's ladder is handed out by drain(); raising the same concern again
    (same id, same council) starts nothing, as in a batch run, where the first raising
    holds, and a step taken after the resolution changes nothing."""
    common = {"council": BODY, "about": BIRMINGHAM, "concern": "c1"}
    records: list[dict[str, Any]] = [
        {"id": "raised", "type": "concern.raised", "date": "2014-09-01", **common},
        {"id": "resolved", "type": "concern.resolved", "date": "2014-09-05", **common},
        {"id": "again", "type": "concern.raised", "date": "2014-11-01", **common},
        {"id": "took", "type": "escalation.taken", "date": "2014-11-02", "step": 1, **common},
    ]
    session = Session(LAWS_PLAN)
    session.feed(to_events(records[:2]))
    session.advance(D(2014, 10, 1))
    drained = session.drain()
    (step,) = [f for f in drained if f.kind == "escalation"]
    assert (step.status, step.fulfilled_by) == ("stopped", ("resolved",))
    session.feed(to_events(records[2:]))
    session.advance(D(2015, 6, 30))
    got = sorted([*drained, *session.drain(), *session.findings()], key=Finding.sort_key)
    batch = sli_rules.evaluate(LAWS_PLAN, records, as_of=D(2015, 6, 30)).findings
    assert [f for f in got if f.kind == "escalation"] == [step]
    assert got == list(batch)


def test_a_snapshot_keeps_what_the_record_was_declared_complete_for() -> None:
    held = {"id": "pc", "type": "peer_challenge.held", "date": "2014-01-10",
            "council": "E08000026", "review": "r1", "kind": "childrens"}  # fmt: skip
    cover = {"id": "cov", "type": "record.coverage", "date": "2014-01-01", "council": BODY,
             "types": ["feedback.published"], "from": "2014-01-01"}  # fmt: skip

    def feedback(session: Session) -> str:
        session.advance(dt.date(2014, 8, 1))
        [f] = [f for f in session.findings() if f.rule == "feedback" and f.kind == "obligation"]
        return f.status

    for complete, events, expected in [
        (True, [held], "breached"),
        (False, [held], "unrecorded"),
        (False, [held, cover], "breached"),
    ]:
        session = sli_rules.open_session(LAWS_PLAN, complete=complete)
        session.feed(to_events(events))
        session.advance(dt.date(2014, 2, 1))
        restored = Session.restore(LAWS_PLAN, session.snapshot())
        assert restored.complete is complete
        assert feedback(restored) == expected
