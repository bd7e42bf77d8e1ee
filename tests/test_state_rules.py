"""Deadline and window rules started by a state (`trigger: {state: inadequate}`; issue 13
point 5, docs/ruleset-format.md "States").

One duty per spell of the state, for the council in it, dated on the spell's start (or on
the agreement's effective start when the spell already holds then), and discharged if
the state ends before the duty is met or falls due. Every expected date is worked out by
hand here.

Date rules tested at their boundaries:
- the duty is due six months after the judgement (`due: P6M`), the due day on time;
- the state ends on the day of the later judgement: ending on the due date itself
  discharges the duty (the state no longer held that day), ending the day after leaves
  the breach standing;
- a spell holding on the agreement's start (2015-04-01) starts the duty that day; one
  that ended on that day starts nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import sli_rules
from sli_rules import Finding, Plan, Report, parse_ruleset
from sli_rules.cli import run as run_cli
from sli_rules.tools.docs import ruleset_blocks, to_markdown
from sli_rules.tools.schema import ruleset_schema

D = dt.date
COVENTRY, BIRMINGHAM = "E08000026", "E08000025"
NORTHAMPTONSHIRE = "E10000021"  # the county council: its last day was 2021-03-31

RULESET = """\
id: test-state-rules
title: A duty started by a state
source: none
version: "1"
effective:
  start: 2015-04-01
  owner: wmsli-steering-group
parties:
  councils: [E08000026, E08000025, E10000021]
  bodies:
    - id: wmsli-steering-group
      name: West Midlands SLI steering group
rules:
  - id: seek-support
    kind: deadline
    title: seek support within six months of an inadequate judgement
    clause: "7"
    quote: "an authority judged inadequate will seek support within six months"
    trigger: {state: inadequate}
    fulfil: {type: support.requested}
    due: P6M
"""


def plan_of(text: str) -> Plan:
    rs, problems = parse_ruleset(text, "t.yaml")
    assert problems == [], problems
    assert rs is not None
    return sli_rules.compile_rulesets([rs])


PLAN = plan_of(RULESET)


def ev(id_: str, type_: str, day: str, council: str = COVENTRY, **attrs: Any) -> dict[str, Any]:
    return {"id": id_, "type": type_, "date": day, "council": council, **attrs}


def judged(id_: str, day: str, grade: str, council: str = COVENTRY) -> dict[str, Any]:
    return ev(id_, "ofsted.judgement", day, council, grade=grade)


def asked(id_: str, day: str, council: str = COVENTRY) -> dict[str, Any]:
    return ev(id_, "support.requested", day, council, request=id_)


def run(events: list[dict[str, Any]], as_of: dt.date, plan: Plan = PLAN) -> Report:
    return sli_rules.evaluate(plan, events, as_of=as_of, complete=True)


def duties(report: Report, party: str = COVENTRY, kind: str = "obligation") -> list[Finding]:
    return [f for f in report.findings if f.party == party and f.kind == kind]


def one(report: Report, party: str = COVENTRY, kind: str = "obligation") -> Finding:
    found = duties(report, party, kind)
    assert len(found) == 1, found
    return found[0]


class TestOneDutyPerSpell:
    # judged inadequate 2016-03-10: due 2016-03-10 + P6M = 2016-09-10

    def test_an_inadequate_judgement_sets_a_six_month_deadline(self) -> None:
        f = one(run([judged("j1", "2016-03-10", "inadequate")], D(2016, 5, 1)))
        assert (f.opens, f.due, f.status) == (D(2016, 3, 10), D(2016, 9, 10), "open")
        assert f.triggered_by == ("j1",)
        assert "the state inadequate" in f.explanation

    def test_met_on_the_due_date_is_on_time(self) -> None:
        r = run(
            [judged("j1", "2016-03-10", "inadequate"), asked("s1", "2016-09-10")], D(2017, 1, 1)
        )
        f = one(r)
        assert (f.status, f.fulfilled_by) == ("fulfilled", ("s1",))

    def test_not_met_by_the_due_date_is_a_breach(self) -> None:
        r = run(
            [judged("j1", "2016-03-10", "inadequate"), asked("s1", "2016-09-11")], D(2017, 1, 1)
        )
        assert one(r).status == "fulfilled_late"
        assert one(r, kind="breach").due == D(2016, 9, 10)

    def test_a_second_inadequate_judgement_in_the_same_spell_starts_nothing(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            judged("j2", "2016-06-01", "inadequate"),
        ]
        assert one(run(events, D(2016, 7, 1))).triggered_by == ("j1",)

    def test_each_spell_starts_its_own_duty(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            asked("s1", "2016-04-01"),
            judged("j2", "2017-01-10", "good"),
            judged("j3", "2018-02-01", "inadequate"),
        ]
        found = sorted(duties(run(events, D(2018, 3, 1))), key=lambda f: f.due or D.min)
        assert [(f.due, f.status) for f in found] == [
            (D(2016, 9, 10), "fulfilled"),
            (D(2018, 8, 1), "open"),
        ]

    def test_other_grades_and_other_councils_start_nothing(self) -> None:
        events = [
            judged("j1", "2016-03-10", "requires_improvement"),
            judged("j2", "2016-03-10", "good", BIRMINGHAM),
        ]
        r = run(events, D(2017, 1, 1))
        assert r.findings == () or list(r.findings) == []


class TestTheStateEnding:
    """A better judgement before the duty is met or falls due discharges it that day."""

    def test_ending_before_the_due_date_discharges_the_duty(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            judged("j2", "2016-06-01", "requires_improvement"),
        ]
        r = run(events, D(2017, 1, 1))
        f = one(r)
        assert f.status == "discharged"
        assert "ofsted.judgement j2 (grade requires_improvement)" in f.explanation
        assert "2016-06-01" in f.explanation
        assert "the state inadequate ended" in f.explanation
        assert duties(r, kind="breach") == []

    def test_ending_on_the_due_date_discharges_the_duty(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            judged("j2", "2016-09-10", "requires_improvement"),
        ]
        r = run(events, D(2017, 1, 1))
        assert one(r).status == "discharged"
        assert duties(r, kind="breach") == []

    def test_ending_the_day_after_the_due_date_leaves_the_breach(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            judged("j2", "2016-09-11", "requires_improvement"),
        ]
        r = run(events, D(2017, 1, 1))
        assert one(r).status == "breached"
        assert one(r, kind="breach").due == D(2016, 9, 10)

    def test_before_the_end_the_duty_is_still_open(self) -> None:
        events = [judged("j1", "2016-03-10", "inadequate"), judged("j2", "2016-06-01", "good")]
        assert one(run(events, D(2016, 5, 31))).status == "open"

    def test_a_duty_met_before_the_end_stays_met(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            asked("s1", "2016-05-31"),
            judged("j2", "2016-06-01", "good"),
        ]
        assert one(run(events, D(2017, 1, 1))).status == "fulfilled"

    def test_a_session_fed_day_by_day_agrees(self) -> None:
        session = sli_rules.Session(PLAN, complete=True)
        events = read([judged("j1", "2016-03-10", "inadequate")])
        session.feed(events)
        session.advance(D(2016, 4, 1))
        restored = sli_rules.Session.restore(PLAN, session.snapshot())
        restored.feed(read([judged("j2", "2016-06-01", "requires_improvement")]))
        restored.advance(D(2017, 1, 1))
        found = [f for f in restored.findings() if f.party == COVENTRY]
        assert [f.status for f in found] == ["discharged"]

    def test_explain_names_the_state_and_the_ending_event(self) -> None:
        events = [
            judged("j1", "2016-03-10", "inadequate"),
            judged("j2", "2016-06-01", "requires_improvement"),
        ]
        r = run(events, D(2017, 1, 1))
        text = sli_rules.explain(one(r), [PLAN.rulesets[0].ruleset], events, report=r)
        assert "the state inadequate ended with ofsted.judgement j2" in text
        assert "2016-06-01" in text


def read(events: list[dict[str, Any]]) -> list[sli_rules.Event]:
    return list(sli_rules.read_events(events).events)


class TestCarryIn:
    """A spell holding on the agreement's start (2015-04-01) counts as starting then."""

    def test_an_inadequate_judgement_before_the_start_gives_a_duty_dated_on_the_start(self) -> None:
        f = one(run([judged("j1", "2014-11-20", "inadequate")], D(2015, 5, 1)))
        assert (f.opens, f.due, f.status) == (D(2015, 4, 1), D(2015, 10, 1), "open")
        assert f.triggered_by == ("j1",)
        assert "agreement's start" in f.explanation

    def test_an_event_before_the_start_does_not_meet_it(self) -> None:
        r = run(
            [judged("j1", "2014-11-20", "inadequate"), asked("s1", "2015-03-31")], D(2016, 1, 1)
        )
        assert one(r).status == "breached"

    def test_met_on_the_start_day(self) -> None:
        r = run(
            [judged("j1", "2014-11-20", "inadequate"), asked("s1", "2015-04-01")], D(2016, 1, 1)
        )
        assert one(r).status == "fulfilled"

    def test_a_state_ended_on_the_start_day_starts_nothing(self) -> None:
        events = [judged("j1", "2014-11-20", "inadequate"), judged("j2", "2015-04-01", "good")]
        assert duties(run(events, D(2016, 1, 1))) == []

    def test_a_state_ended_the_day_after_the_start_discharges_it(self) -> None:
        events = [judged("j1", "2014-11-20", "inadequate"), judged("j2", "2015-04-02", "good")]
        f = one(run(events, D(2016, 1, 1)))
        assert (f.opens, f.status) == (D(2015, 4, 1), "discharged")


class TestLifetimes:
    def test_no_duty_for_a_council_that_no_longer_exists_at_the_start(self) -> None:
        # the county was judged inadequate in 2019 and abolished on 2021-03-31; under an
        # agreement starting 2021-06-01 it owes nothing, while Coventry's spell carries in
        plan = plan_of(RULESET.replace("start: 2015-04-01", "start: 2021-06-01"))
        events = [
            judged("j1", "2019-05-01", "inadequate", NORTHAMPTONSHIRE),
            judged("j2", "2019-05-01", "inadequate"),
        ]
        r = run(events, D(2021, 7, 1), plan)
        assert duties(r, NORTHAMPTONSHIRE) == []
        assert one(r).due == D(2021, 12, 1)

    def test_a_duty_not_yet_due_when_the_council_ends_is_discharged(self) -> None:
        # judged 2021-01-15: due 2021-07-15, after the county's last day (2021-03-31)
        r = run([judged("j1", "2021-01-15", "inadequate", NORTHAMPTONSHIRE)], D(2022, 1, 1))
        f = one(r, NORTHAMPTONSHIRE)
        assert f.status == "discharged"
        assert "ceased to exist" in f.explanation


WINDOW = RULESET.replace("    due: P6M\n", "    opens: P1M\n    due: P3M\n").replace(
    "kind: deadline", "kind: window"
)


class TestWindow:
    def test_a_window_counts_from_the_spell_start(self) -> None:
        f = one(run([judged("j1", "2016-03-10", "inadequate")], D(2016, 3, 20), plan_of(WINDOW)))
        assert (f.opens, f.due, f.status) == (D(2016, 4, 10), D(2016, 6, 10), "upcoming")


class TestLoader:
    def problems(self, trigger: str, extra: str = "") -> list[str]:
        text = RULESET.replace("trigger: {state: inadequate}", trigger) + extra
        _rs, found = parse_ruleset(text, "t.yaml")
        return [str(p) for p in found]

    def test_an_unknown_state_is_located_with_a_suggestion(self) -> None:
        found = self.problems("trigger: {state: inadequat}")
        assert len(found) == 1
        assert "t.yaml:19" in found[0]
        assert "inadequate" in found[0]

    @pytest.mark.parametrize(
        "trigger",
        [
            "trigger: {state: inadequate, type: ofsted.judgement}",
            "trigger: {state: inadequate, where: {grade: inadequate}}",
            "trigger: {state: inadequate, in_state: [intervention]}",
        ],
    )
    def test_a_state_with_event_options_is_refused(self, trigger: str) -> None:
        found = self.problems(trigger)
        assert len(found) == 1
        assert "t.yaml:19" in found[0]
        assert "state" in found[0]

    def test_a_state_trigger_owed_by_a_body_is_refused(self) -> None:
        text = RULESET.replace(
            "    due: P6M\n", "    due: P6M\n    party: {body: wmsli-steering-group}\n"
        )
        _rs, found = parse_ruleset(text, "t.yaml")
        assert len(found) == 1
        assert "t.yaml" in str(found[0])
        assert "party" in str(found[0])

    def test_a_state_trigger_is_only_for_deadlines_and_windows(self) -> None:
        text = RULESET.replace("kind: deadline", "kind: entitlement").replace(
            "    fulfil: {type: support.requested}\n    due: P6M\n", "    lasts: P6M\n"
        )
        _rs, found = parse_ruleset(text, "t.yaml")
        assert len(found) == 1
        assert "state" in str(found[0])


def as_json(text: str) -> Any:
    """The YAML as JSON would carry it (dates as text), for the JSON Schema."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


class TestEndToEnd:
    def test_the_cli_reports_the_discharge(self, tmp_path: Path) -> None:
        ruleset = tmp_path / "state-rules.yaml"
        ruleset.write_text(RULESET)
        events = tmp_path / "events.jsonl"
        rows = [judged("j1", "2016-03-10", "inadequate"), judged("j2", "2016-06-01", "good")]
        events.write_text("".join(json.dumps(e) + "\n" for e in rows))
        out, err = io.StringIO(), io.StringIO()
        argv = ["evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2017-01-01"]
        status = run_cli([*argv, "--complete", "--format", "json"], out, err)
        assert status == 0, err.getvalue()
        found = [f for f in json.loads(out.getvalue())["findings"] if f["party"] == COVENTRY]
        assert [(f["status"], f["due"]) for f in found] == [("discharged", "2016-09-10")]
        assert "ofsted.judgement j2 (grade good)" in found[0]["explanation"]

    def test_the_schema_knows_the_state_trigger(self) -> None:
        schema = ruleset_schema()
        validator = jsonschema.Draft202012Validator(schema)
        good = as_json(RULESET)
        assert list(validator.iter_errors(good)) == []
        bad = as_json(RULESET.replace("state: inadequate", "state: inadequat"))
        assert list(validator.iter_errors(bad)) != []

    def test_the_ruleset_page_describes_it(self) -> None:
        page = to_markdown(ruleset_blocks(PLAN.rulesets[0].ruleset))
        line = next(x for x in page.splitlines() if "Triggered by" in x)
        assert "`inadequate`" in line
        assert "discharged if the state ends" in line


class TestIntervention:
    PLAN = plan_of(RULESET.replace("{state: inadequate}", "{state: intervention}"))

    def test_an_intervention_ended_before_the_due_date_discharges_the_duty(self) -> None:
        events = [
            ev("i1", "intervention.started", "2016-01-15", intervention="x1", service="childrens"),
            ev("i2", "intervention.ended", "2016-03-01", intervention="x1", service="childrens"),
        ]
        before = one(run(events, D(2016, 2, 1), self.PLAN))
        assert (before.due, before.status) == (D(2016, 7, 15), "open")
        after = one(run(events, D(2017, 1, 1), self.PLAN))
        assert after.status == "discharged"
        assert "the state intervention ended with intervention.ended i2" in after.explanation


LOOK_BACK = RULESET.replace(
    "rules:\n",
    "parameters:\n"
    "  recent-request:\n"
    "    basis: interpretation\n"
    '    rationale: "A request in the three months before the judgement still counts."\n'
    "    value: P3M\n"
    "rules:\n",
).replace(
    "    fulfil: {type: support.requested}\n",
    "    fulfil: {type: support.requested, look_back: {parameter: recent-request}}\n",
)


@pytest.mark.parametrize(
    ("asked_on", "status"),
    [("2015-12-10", "fulfilled"), ("2015-12-09", "breached"), ("2016-03-09", "fulfilled")],
)
def test_a_state_duty_looks_back_as_a_triggered_one_does(asked_on: str, status: str) -> None:
    """`look_back` on a duty started by a state: a request up to three months before the
    inadequate judgement (2016-03-10) meets it, the day exactly P3M before included, the
    day before that not (the engine ignored look_back here). The duty carries the
    parameter's interpretation, as a duty started by an event does."""
    events = [judged("j1", "2016-03-10", "inadequate"), asked("s1", asked_on)]
    duty = one(run(events, D(2016, 12, 31), plan_of(LOOK_BACK)))
    assert duty.status == status
    assert "recent-request" in duty.interpretations
