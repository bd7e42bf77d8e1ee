"""Laws for imprecise event dates (docs/findings.md, "Imprecise dates"), as hypothesis
properties over random streams on the laws ruleset (tests/strategies.py) in which some
events' days are widened to their month, season, year or an interval around them.

- soundness: for a random refinement (one day in each imprecise event's span), every
  finding the exact engine gives is reported, its status among the reported ones and
  its dates inside the reported intervals;
- certainty: a finding reported with a certain status has it in every refinement, and a
  date reported as exact is that date in every refinement;
- conservative extension: with every date exact, the report is the engine's alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import Finding, Session
from sli_rules.engine.refine import identity, spans_of
from sli_rules.model.values import DATE_FIELDS
from strategies import (
    LAWS_PLAN,
    LAWS_YAML,
    as_of_dates,
    event_streams,
    nightly_deliveries,
    to_events,
)

LAWS = settings(
    max_examples=int(os.environ.get("SLI_IMPRECISE_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Record = dict[str, Any]


def _widen(day: dt.date, how: int, pad: int) -> str:
    """An EDTF text whose span holds `day`: a month, a season, a year or an interval."""
    if how == 0:
        return f"{day.year:04d}-{day.month:02d}"
    if how == 1:
        season = {3: 21, 4: 21, 5: 21, 6: 22, 7: 22, 8: 22, 9: 23, 10: 23, 11: 23}
        if day.month in season:
            return f"{day.year:04d}-{season[day.month]}"
        year = day.year if day.month == 12 else day.year - 1
        return f"{year:04d}-24"
    if how == 2:
        return f"{day.year:04d}"
    lo, hi = day - dt.timedelta(days=pad), day + dt.timedelta(days=pad // 2 + 1)
    return f"{lo.isoformat()}/{hi.isoformat()}"


@st.composite
def imprecise_streams(draw: st.DrawFn) -> list[Record]:
    """A laws stream (small) with one to three events' dates widened."""
    records = draw(event_streams(max_reviews=2, max_singles=5))
    if not records:
        return records
    chosen = draw(st.lists(st.integers(0, len(records) - 1), min_size=1, max_size=3, unique=True))
    out = list(records)
    for i in chosen:
        rec = dict(out[i])
        if rec["type"] == "record.coverage":
            continue
        day = dt.date.fromisoformat(rec["date"])
        how = draw(st.integers(0, 3))
        pad = draw(st.integers(1, 40))
        rec["date"] = _widen(day, how, pad)
        start = rec.get("start")
        if isinstance(start, str) and dt.date.fromisoformat(start) > day:
            del rec["start"]
        out[i] = rec
    return out


def _numbered(findings: tuple[Finding, ...] | list[Finding]) -> dict[tuple[Any, ...], Finding]:
    out: dict[tuple[Any, ...], Finding] = {}
    count: dict[tuple[Any, ...], int] = {}
    for f in sorted(findings, key=Finding.sort_key):
        key = identity(f)
        n = count.get(key, 0)
        count[key] = n + 1
        out[(*key, n)] = f
    return out


def _refine(events: tuple[sli_rules.Event, ...], rnd: Any) -> list[sli_rules.Event]:
    out = []
    for e in events:
        if e.span is None:
            out.append(e)
            continue
        lo, hi = spans_of(e)
        day = lo + dt.timedelta(days=rnd.randint(0, (hi - lo).days))
        out.append(sli_rules.Event(e.id, e.type, day, e.council, e.attrs))
    return out


def _exact(events: list[sli_rules.Event], as_of: dt.date) -> list[Finding]:
    session = Session(LAWS_PLAN)
    session.feed(events)
    session.advance(as_of)
    return session.findings()


def _fits(r: Finding, f: Finding) -> bool:
    """Whether the exact finding `f` is among what the reported `r` allows: its status
    among r's possible ones, each of its dates inside r's interval for that date."""
    if f.status not in (r.possible or (r.status,)):
        return False
    for name in DATE_FIELDS:
        day = getattr(f, name)
        lo, hi = r.date_range(name)
        if day is not None and (lo is None or hi is None or not lo <= day <= hi):
            return False
    return True


def _sound_on_every_day(records: list[Record], as_of: dt.date) -> None:
    """Soundness checked exhaustively for a stream with ONE imprecise event: every exact
    finding of every refinement (each day of the event's span) fits a reported one."""
    events = to_events(records)
    (vague,) = [e for e in events if e.span is not None]
    reported = sli_rules.evaluate(LAWS_PLAN, events, as_of=as_of).findings
    by_identity: dict[tuple[Any, ...], list[Finding]] = {}
    for r in reported:
        by_identity.setdefault(identity(r), []).append(r)
    lo, hi = spans_of(vague)
    for n in range((hi - lo).days + 1):
        day = lo + dt.timedelta(days=n)
        refined = [
            sli_rules.Event(e.id, e.type, day, e.council, e.attrs) if e is vague else e
            for e in events
        ]
        for f in _exact(refined, as_of):
            candidates = by_identity.get(identity(f), [])
            assert any(_fits(r, f) for r in candidates), (day, f, candidates)


@LAWS
@given(records=imprecise_streams(), as_of=as_of_dates(), rnd=st.randoms(use_true_random=False))
def test_soundness_and_certainty(records: list[Record], as_of: dt.date, rnd: Any) -> None:
    events = to_events(records)
    reported = sli_rules.evaluate(LAWS_PLAN, events, as_of=as_of).findings
    # a report keyed by identity: an undetermined finding (existing in some refinements
    # only) may be numbered differently from an exact run, so match on identity first
    by_identity: dict[tuple[Any, ...], list[Finding]] = {}
    for f in reported:
        by_identity.setdefault(identity(f), []).append(f)
    for _ in range(3):
        exact = _exact(_refine(events, rnd), as_of)
        for key, f in _numbered(exact).items():
            candidates = by_identity.get(key[:-1], [])
            assert candidates, f"a finding no refinement was reported for: {f}"

            assert any(_fits(r, f) for r in candidates), (f, candidates)
        # certainty: every certain reported finding is found, with its status, in this run
        exact_by_identity: dict[tuple[Any, ...], list[Finding]] = {}
        for f in exact:
            exact_by_identity.setdefault(identity(f), []).append(f)
        for r in reported:
            if r.status == "undetermined":
                continue
            same = exact_by_identity.get(identity(r), [])
            assert any(f.status == r.status for f in same), (r, same)
            for name in DATE_FIELDS:
                lo, hi = r.date_range(name)
                if lo == hi:
                    assert any(getattr(f, name) == lo for f in same), (name, r, same)


@LAWS
@given(records=event_streams(max_reviews=2, max_singles=6), as_of=as_of_dates())
def test_exact_dates_are_the_engine_alone(records: list[Record], as_of: dt.date) -> None:
    events = to_events(records)
    for complete in (False, True):
        report = sli_rules.evaluate(LAWS_PLAN, events, as_of=as_of, complete=complete)
        session = Session(LAWS_PLAN, complete=complete)
        session.feed(events)
        session.advance(as_of)
        assert report.findings == tuple(session.findings())
        assert all(f.status != "undetermined" and not f.ranges for f in report.findings)


# Each example of the nightly law refines every night's run and the batch (hundreds of
# engine runs, seconds of CPU): `make test` runs a few, `make soak` many more
# (SLI_IMPRECISE_NIGHTS, SOAK_IMPRECISE_NIGHTS in the Makefile).
NIGHTS = settings(
    max_examples=int(os.environ.get("SLI_IMPRECISE_NIGHTS", "4")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@NIGHTS
@given(delivery=nightly_deliveries(late=True), data=st.data())
def test_nightly_runs_with_imprecise_dates_end_as_one_batch_evaluation(
    delivery: tuple[list[Record], list[tuple[dt.date, list[Record], bool]]], data: Any
) -> None:
    """The nightly law (tests/test_nightly_law.py) with some dates widened: the state
    after the last night holds the findings of one batch evaluation, byte for byte."""
    _, nights = delivery
    widened = []
    for night, arriving, _killed in nights:
        out = []
        for rec in arriving:
            if rec["type"] != "record.coverage" and data.draw(st.integers(0, 3)) == 0:
                # the span holds the day, so a review's `start` stays before its end
                day = dt.date.fromisoformat(rec["date"])
                out.append({**rec, "date": _widen(day, data.draw(st.integers(0, 3)), 10)})
            else:
                out.append(rec)
        widened.append((night, out))
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state.sqlite"
        ruleset = Path(folder) / "laws.yaml"  # later nights load it again from here
        ruleset.write_text(LAWS_YAML)
        for i, (night, arriving) in enumerate(widened):
            sli_rules.run_incremental(
                state, arriving, as_of=night, rulesets=[ruleset] if i == 0 else None
            )
        last = widened[-1][0]
        delivered = [r for _, arriving in widened for r in arriving]
        got = [f.to_dict() for f in sli_rules.state_report(state).findings]
        want = [f.to_dict() for f in sli_rules.evaluate(LAWS_PLAN, delivered, as_of=last).findings]
        assert json.dumps(got, indent=1) == json.dumps(want, indent=1)


def test_a_revocation_dated_by_year_reaches_every_partys_periods() -> None:
    # found by the soundness law: the steering group's revocation of the laws agreement
    # dated only "2017" ends Birmingham's quarterly duties on some day of that year, so a
    # quarter that straddles the end is discharged in some refinements and unrecorded in
    # others; the candidate days must include Birmingham's due dates, not only the
    # steering group's own
    revoked = {
        "id": "rv",
        "type": "agreement.revoked",
        "date": "2017",
        "council": "wmsli-steering-group",
        "agreement": "test-laws",
    }
    events = to_events([revoked])
    as_of = dt.date(2018, 1, 6)
    reported = sli_rules.evaluate(LAWS_PLAN, events, as_of=as_of).findings
    by_identity: dict[tuple[Any, ...], list[Finding]] = {}
    for f in reported:
        by_identity.setdefault(identity(f), []).append(f)
    lo, hi = spans_of(events[0])
    day = lo
    while day <= hi:  # every day of the year, one exact run each, a week apart
        (e,) = events
        for f in _exact([sli_rules.Event(e.id, e.type, day, e.council, e.attrs)], as_of):
            candidates = by_identity.get(identity(f), [])
            assert any(f.status in (r.possible or (r.status,)) for r in candidates), (day, f)
        day += dt.timedelta(days=7)


def test_a_joiner_dated_by_season_may_open_its_first_period_on_any_day_of_it() -> None:
    # found by the soundness law: a council joining in "autumn 2015" owes its first
    # quarterly return from the day it joins, any day from 1 September to 30 November;
    # the refinement sampled only the first days of each piece between thresholds, so
    # the first period's `opens` was reported as 1-5 September, missing the rest
    joined = {
        "id": "j",
        "type": "party.joined",
        "council": "E08000029",
        "date": "2015-23",
        "agreement": "test-laws",
    }
    _sound_on_every_day([joined], dt.date(2016, 6, 1))


def test_a_concern_dated_by_month_moves_its_ladder_with_it() -> None:
    # found by the soundness law: a concern raised "2014-12" and resolved on 27 January
    # 2015; the ladder's later steps open a fixed time after the concern is raised, so
    # whether a step opened before the resolution depends on the day in December, and
    # the step's reported `opens` must reach every day that yields
    raised = {
        "id": "c",
        "type": "concern.raised",
        "date": "2014-12",
        "council": "wmsli-steering-group",
        "about": "E08000026",
        "concern": "c0",
    }
    resolved = {**raised, "id": "r", "type": "concern.resolved", "date": "2015-01-27"}
    _sound_on_every_day([raised, resolved], dt.date(2015, 6, 1))
