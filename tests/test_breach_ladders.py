"""A ladder started by a breach can be advanced, taken and stopped by events naming it."""

from __future__ import annotations

import sli_rules
from sli_rules.engine.plan import compile_plan

RULESET = """
id: breach-ladder-test
title: Breach ladder test
source: none.txt
effective: {start: 2015-01-01}
parties:
  councils: [E06000015]
  bodies: [{id: em-dcs-group, name: EM DCS group}]
rules:
  - id: quarterly-data
    kind: recurring
    clause: "1.5"
    quote: "quarterly agreed data"
    fulfil: {type: data_return.submitted}
    period: {calendar: calendar_year, unit: quarter}
escalations:
  - id: follow-up
    clause: "5.3"
    quote: "starting informally"
    start: {breach_of: [quarterly-data]}
    steps:
      - {step: 1, actor: em-dcs-group, window: P1M}
      - {step: 2, actor: em-dcs-group, window: P1M}
"""


def _steps(events: list[dict[str, object]], as_of: str) -> list[tuple[int | None, str]]:
    ruleset, problems = sli_rules.parse_ruleset(RULESET, "t.yaml")
    assert ruleset is not None, problems
    report = sli_rules.evaluate(compile_plan([ruleset]), events, as_of=as_of, complete=True)
    return [(f.step, f.status) for f in report.escalations if f.about == "E06000015"]


BASE = [
    {
        "id": "q2",
        "type": "data_return.submitted",
        "date": "2015-05-01",
        "council": "E06000015",
        "period": "2015-Q2",
    },
]


def test_a_missed_quarter_climbs_the_ladder() -> None:
    # Q1 (January to March 2015) missed: step 1 opens 2015-04-01, is due 2015-05-01;
    # step 2 opens 2015-05-02
    assert _steps(BASE, "2015-04-15") == [(1, "due")]
    assert _steps(BASE, "2015-05-02") == [(1, "due"), (2, "due")]


def test_steps_taken_and_resolution_name_the_breach() -> None:
    concern = "quarterly-data/2015 Q1"
    events = [
        *BASE,
        {
            "id": "t1",
            "type": "escalation.taken",
            "date": "2015-04-10",
            "council": "em-dcs-group",
            "about": "E06000015",
            "concern": concern,
            "step": 1,
        },
        {
            "id": "ok",
            "type": "concern.resolved",
            "date": "2015-04-20",
            "council": "em-dcs-group",
            "about": "E06000015",
            "concern": concern,
        },
    ]
    assert _steps(events, "2015-04-15") == [(1, "taken")]
    # step 2 is never reached: the concern was resolved before step 1's window passed
    assert _steps(events, "2015-06-30") == [(1, "taken")]
