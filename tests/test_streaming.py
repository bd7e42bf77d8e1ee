"""Streaming: a session drained as it goes hands out exactly the findings of one batch run,
and keeps in memory only what is still open."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

import sli_rules
from sli_rules.engine.plan import compile_plan

RULESET = """
id: streaming-test
title: Streaming test
source: none.txt
effective: {start: 2013-07-01}
parties:
  councils: [E08000026, E08000025, E06000019]
  bodies: [{id: wmsli-steering-group, name: Steering group}]
parameters:
  step-window: {basis: interpretation, rationale: a month to act, value: P1M}
rules:
  - id: publish
    kind: deadline
    clause: "1"
    quote: "publish within six months"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: [review]}
    due: P6M
  - id: follow-up
    kind: window
    clause: "2"
    quote: "3-6 months after"
    trigger: {type: peer_challenge.held}
    fulfil: {type: follow_up_report.submitted, match: [review]}
    opens: P3M
    due: P6M
  - id: annual-report
    kind: recurring
    clause: "3"
    quote: "annual report"
    party: {body: wmsli-steering-group}
    fulfil: {type: region_report.published}
    period: {calendar: financial_year}
  - id: days
    kind: limit
    clause: "4"
    quote: "up to 5 days per year"
    trigger: {type: peer_days.given}
    amount: days
    max: 5
    period: {calendar: financial_year}
escalations:
  - id: ladder
    clause: "5"
    quote: "escalating"
    start: {concern: true, breach_of: [publish, annual-report]}
    steps:
      - {step: 1, actor: wmsli-steering-group, window: {parameter: step-window}}
      - {step: 2, actor: wmsli-steering-group, window: P2M}
"""

COUNCILS = ["E08000026", "E08000025", "E06000019"]
START = dt.date(2013, 7, 1)


def _stream(seed: int, n_reviews: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)  # noqa: S311 - a synthetic stream, not cryptography
    events: list[dict[str, Any]] = []
    for i in range(n_reviews):
        council = rnd.choice(COUNCILS)
        held = START + dt.timedelta(days=rnd.randrange(0, 5 * 365))
        review = f"r{i}"
        events.append(
            {
                "id": f"h{i}",
                "type": "peer_challenge.held",
                "date": held.isoformat(),
                "council": council,
                "review": review,
                "kind": "corporate",
            }
        )
        if rnd.random() < 0.8:
            pub = held + dt.timedelta(days=rnd.randrange(0, 250))
            events.append(
                {
                    "id": f"p{i}",
                    "type": "feedback.published",
                    "date": pub.isoformat(),
                    "council": council,
                    "review": review,
                    "action_plan": True,
                }
            )
        if rnd.random() < 0.7:
            fu = held + dt.timedelta(days=rnd.randrange(60, 220))
            events.append(
                {
                    "id": f"f{i}",
                    "type": "follow_up_report.submitted",
                    "date": fu.isoformat(),
                    "council": council,
                    "review": review,
                }
            )
        if rnd.random() < 0.5:
            day = held + dt.timedelta(days=rnd.randrange(0, 30))
            events.append(
                {
                    "id": f"d{i}",
                    "type": "peer_days.given",
                    "date": day.isoformat(),
                    "council": council,
                    "days": rnd.randrange(1, 4),
                }
            )
    for year in range(2013, 2018):
        if rnd.random() < 0.6:
            events.append(
                {
                    "id": f"rr{year}",
                    "type": "region_report.published",
                    "date": f"{year}-12-01",
                    "council": "wmsli-steering-group",
                }
            )
        # the steering group sometimes takes the steps a missed annual report calls for
        if rnd.random() < 0.5:
            for step in (1, 2)[: rnd.randrange(1, 3)]:
                events.append(
                    {
                        "id": f"tk{year}-{step}",
                        "type": "escalation.taken",
                        "date": f"{year + 1}-04-{10 * step:02d}",
                        "council": "wmsli-steering-group",
                        "about": "wmsli-steering-group",
                        "concern": f"annual-report/{year}-{(year + 1) % 100:02d}",
                        "step": step,
                    }
                )
    return events


def _plan() -> sli_rules.Plan:
    ruleset, problems = sli_rules.parse_ruleset(RULESET, "streaming-test.yaml")
    assert ruleset is not None, problems
    return compile_plan([ruleset])


@pytest.mark.parametrize("seed", range(8))
def test_drained_findings_equal_one_batch_run(seed: int) -> None:
    plan = _plan()
    events = sli_rules.read_events(_stream(seed, 40)).events
    end = dt.date(2019, 3, 31)

    batch = sli_rules.Session(plan)
    batch.feed(events)
    batch.advance(end)
    expected = batch.findings()

    streamed = sli_rules.Session(plan)
    streamed.feed(events)
    drained: list[sli_rules.Finding] = []
    day = START
    while day < end:
        day = min(day + dt.timedelta(days=45), end)
        streamed.advance(day)
        drained.extend(streamed.drain())
    got = sorted(drained + streamed.findings(), key=sli_rules.Finding.sort_key)
    assert got == expected


def test_memory_follows_open_obligations_not_history() -> None:
    plan = _plan()
    events = sli_rules.read_events(_stream(1, 200)).events
    session = sli_rules.Session(plan)
    session.feed(events)
    session.advance(dt.date(2025, 1, 1))
    session.drain()
    state = session.state.rulesets[0]
    # every duty is long past; only unremedied breaches stay (they may still be remedied)
    assert all(i.on_time is None and i.late is None for i in state.instances.values())
    assert not state.tallies
    assert not state.limits
    undrained = sli_rules.Session(plan)
    undrained.feed(events)
    undrained.advance(dt.date(2025, 1, 1))
    assert len(state.instances) < len(undrained.state.rulesets[0].instances) / 2


def test_intake_remembers_a_bounded_number_of_days() -> None:
    # A pipeline reads a month at a time for years: intake's memory of the dates it has
    # parsed starts again when full instead of keeping every day it ever met, and the
    # days read after a new start are the same days.
    from sli_rules.io.validators import DAYS_CACHED, compiled
    from sli_rules.load.catalogue import load_catalogue

    day, records = dt.date(2013, 1, 1), []
    for n in range(DAYS_CACHED + 400):
        when = day + dt.timedelta(days=n)
        records.append(
            {
                "id": f"r{n}",
                "type": "self_assessment.submitted",
                "date": when.isoformat(),
                "council": "E08000026",
            }
        )
    seen = []
    for start in range(0, len(records), 30):
        intake = sli_rules.read_events(records[start : start + 30])
        assert not intake.rejected
        seen.extend(e.date for e in intake.events)
        made = compiled(load_catalogue())
        assert len(made._days) <= DAYS_CACHED
    assert seen == [day + dt.timedelta(days=n) for n in range(len(records))]
