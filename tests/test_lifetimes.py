"""Councils that come and go: the registry's lifetimes, parties from the registry, and
duties handed on by a succession (issue 13, points 1 to 3; docs/ruleset-format.md, "Parties")."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import parse_ruleset, read_events
from sli_rules.cli import run
from sli_rules.load.registry import code_problem, lifetime_problem, load_registry, normalise
from sli_rules.model.errors import EventError

D = dt.date
REG = load_registry()
SOURCES = {"ons-ltla-utla-2021", "onspd-2025-11", "mysociety-register", "wm-csv"}


def _alive(code: str, day: D) -> bool:
    e = REG[code]
    return (e["from"] is None or e["from"] <= day) and (e["to"] is None or day <= e["to"])


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(args), out, err), out.getvalue(), err.getvalue()


def write_events(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


# ------------------------------------------------------------------ the registry


def test_every_entry_has_its_fields_and_says_where_its_code_was_checked() -> None:
    for code, e in REG.items():
        assert re.fullmatch(r"E(06|07|08|09|10)\d{6}", code), code
        assert e["name"], code
        assert e["type"], code
        assert e["region"], code
        assert isinstance(e["services"], list), code
        if e.get("verified") is False:
            assert "checked" not in e, code
        else:
            assert e["checked"], code
            assert set(e["checked"]) <= SOURCES, code
        if e["from"] and e["to"]:
            assert e["from"] <= e["to"], code


def test_the_registry_counts_the_principal_councils_of_england_on_key_days() -> None:
    # 353 in 2013; 317 after the reorganisations of 2023 (and still in 2026)
    assert sum(_alive(c, D(2013, 4, 1)) for c in REG) == 353
    assert sum(_alive(c, D(2019, 4, 1)) for c in REG) == 343
    assert sum(_alive(c, D(2021, 4, 1)) for c in REG) == 333
    assert sum(_alive(c, D(2023, 4, 1)) for c in REG) == 317


@pytest.mark.parametrize(
    ("code", "name", "start"),
    [
        ("E06000058", "Bournemouth, Christchurch and Poole", D(2019, 4, 1)),
        ("E06000059", "Dorset", D(2019, 4, 1)),
        ("E06000060", "Buckinghamshire", D(2020, 4, 1)),
        ("E06000061", "North Northamptonshire", D(2021, 4, 1)),
        ("E06000062", "West Northamptonshire", D(2021, 4, 1)),
        ("E06000063", "Cumberland", D(2023, 4, 1)),
        ("E06000064", "Westmorland and Furness", D(2023, 4, 1)),
        ("E06000065", "North Yorkshire", D(2023, 4, 1)),
        ("E06000066", "Somerset", D(2023, 4, 1)),
    ],
)
def test_the_reorganisations_create_their_councils(code: str, name: str, start: D) -> None:
    assert REG[code]["name"] == name
    assert REG[code]["from"] == start
    assert REG[code]["to"] is None
    # every council they replaced ends the day before and names it as a successor
    replaced = [c for c, e in REG.items() if code in e["successors"]]
    assert replaced
    for old in replaced:
        assert REG[old]["to"] == start - dt.timedelta(days=1), old


def test_successors_exist_and_start_the_day_after_their_predecessor_ends() -> None:
    for code, e in REG.items():
        if e["successors"]:
            assert e["to"] is not None, code
        for s in e["successors"]:
            assert REG[s]["from"] is None or REG[s]["from"] <= e["to"] + dt.timedelta(days=1)
            assert _alive(s, e["to"] + dt.timedelta(days=1)), (code, s)


def test_every_shire_district_of_2013_is_there_under_its_county() -> None:
    districts = [c for c in REG if c.startswith("E07") and _alive(c, D(2013, 4, 1))]
    assert len(districts) == 201
    for c in districts:
        assert REG[REG[c]["county"]]["type"] == "county", c


def test_the_older_created_and_abolished_keys_still_read() -> None:
    # `abolished` was the first day of the new arrangement: `to` is the day before
    e = normalise({"name": "X", "created": D(2019, 4, 1), "abolished": D(2023, 4, 1)})
    assert (e["from"], e["to"]) == (D(2019, 4, 1), D(2023, 3, 31))


# ------------------------------------------------------------------ intake


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("e07000194", "'E07000194' (Lichfield)"),
        ("E07000999", "'E07000199' (Tamworth)"),
        ("Lichfield", "'E07000194' (Lichfield)"),
        ("E07000097", "'E07000242' (East Hertfordshire)"),
    ],
)
def test_a_code_not_in_the_registry_is_refused_with_a_did_you_mean(value: str, hint: str) -> None:
    problem = code_problem(value)
    assert problem is not None
    assert hint in problem
    assert code_problem("E07000194") is None
    assert code_problem("em-dcs-group") is None


def test_unknown_codes_are_input_errors_naming_file_line_and_field(tmp_path: Path) -> None:
    path = write_events(
        tmp_path / "ev.jsonl",
        [
            {"id": "a", "type": "self_assessment.submitted", "date": "2015-05-01",
             "council": "E07000194"},
            {"id": "b", "type": "self_assessment.submitted", "date": "2015-05-01",
             "council": "e07000194"},
            {"id": "c", "type": "self_assessment.submitted", "date": "2015-05-01",
             "council": "E07000999"},
        ],
    )  # fmt: skip
    status, _out, err = cli(
        "evaluate", "--ruleset", "west-midlands-compact-2013", "--events", str(path),
        "--as-of", "2016-01-01",
    )  # fmt: skip
    assert status == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{path}:2: field 'council': 'e07000194'")
    assert "E07000194" in lines[0]
    assert "Lichfield" in lines[0]
    assert lines[1].startswith(f"{path}:3: field 'council': 'E07000999'")
    assert "did you mean" in lines[1]


def test_lenient_mode_reports_both_kinds_as_rejected_records() -> None:
    records = [
        {"id": "ok", "type": "self_assessment.submitted", "date": "2022-05-01",
         "council": "E06000061"},
        {"id": "early", "type": "self_assessment.submitted", "date": "2021-03-31",
         "council": "E06000061"},
        {"id": "late", "type": "self_assessment.submitted", "date": "2021-04-01",
         "council": "E10000021"},
        {"id": "case", "type": "self_assessment.submitted", "date": "2015-05-01",
         "council": "e07000194"},
        {"id": "team", "type": "peer_challenge.held", "date": "2015-05-01",
         "council": "E08000026", "review": "r", "kind": "corporate",
         "team": [{"council": "E07000999", "core": True}]},
    ]  # fmt: skip
    intake = read_events(records, lenient=True)
    assert [e.id for e in intake.events] == ["ok"]
    reasons = [r.reasons[0] for r in intake.rejected]
    assert reasons[0].startswith("field 'date': E06000061 (North Northamptonshire) did not exist")
    assert "created on 2021-04-01" in reasons[0]
    assert reasons[1].startswith("field 'date': E10000021 (Northamptonshire) did not exist")
    assert "last day was 2021-03-31" in reasons[1]
    assert "E06000061" in reasons[1]
    assert reasons[2].startswith("field 'council': 'e07000194'")
    assert reasons[3].startswith("field 'team[0].council': 'E07000999'")
    assert intake.read == len(records)
    with pytest.raises(EventError):
        read_events(records)


@pytest.mark.parametrize(
    ("day", "ok"),
    [(D(2021, 3, 31), True), (D(2021, 4, 1), False)],
)
def test_a_council_may_be_named_up_to_its_last_day_inclusive(day: D, ok: bool) -> None:
    assert (lifetime_problem("E10000021", day) is None) is ok
    assert (lifetime_problem("E06000061", day) is None) is not ok


# ------------------------------------------------------------------ parties from the registry

PATTERN_RULESET = """\
id: pattern-fixture
title: Every upper-tier council, yearly
source: none.txt
version: "1"
effective:
  start: 2013-04-01
parties:
  council_pattern: "^E(06|10)"
rules:
  - id: yearly-self-assessment
    kind: recurring
    title: A self-assessment each financial year
    clause: "1"
    quote: "each council will complete a self assessment every year"
    period: {calendar: financial_year}
    fulfil:
      type: self_assessment.submitted
"""


def test_pattern_parties_are_the_registry_councils_alive_on_each_day(tmp_path: Path) -> None:
    ruleset = tmp_path / "pattern.yaml"
    ruleset.write_text(PATTERN_RULESET, encoding="utf-8")
    three = ["E06000019", "E10000021", "E06000061"]
    events = [
        {"id": f"s-{c}-{y}", "type": "self_assessment.submitted", "date": f"{y}-06-01",
         "council": c}
        for c in three
        for y in range(2013, 2025)
        if _alive(c, D(y, 6, 1))
    ]  # fmt: skip
    path = write_events(tmp_path / "ev.jsonl", events)
    status, out, err = cli(
        "evaluate", "--ruleset", str(ruleset), "--events", str(path), "--as-of", "2024-06-01",
        "--complete", "--format", "json",
    )  # fmt: skip
    assert status == 0, err
    findings = json.loads(out)["findings"]
    owed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in findings:
        if f["kind"] == "obligation":
            owed[f["party"]].append(f)
    matching = {c for c in REG if re.match("^E(06|10)", c)}
    alive = {c for c in matching if any(_alive(c, D(y, 6, 1)) for y in range(2013, 2025))}
    # every matching council that existed has duties, with or without events of its own
    assert set(owed) == alive
    for code, duties in owed.items():
        start, end = REG[code]["from"], REG[code]["to"]
        for f in duties:
            opens, due = D.fromisoformat(f["opens"]), D.fromisoformat(f["due"])
            # nothing owed before the council existed...
            assert start is None or opens >= start, (code, f)
            # ...nor for a year that starts after its last day
            assert end is None or opens <= end, (code, f)
            if f["status"] == "breached":
                assert end is None or due <= end or "handed on" in f["explanation"]
    # the three councils with events met every year they were members for
    for c in three:
        assert all(f["status"] in ("fulfilled", "discharged") for f in owed[c]), c
    # a council with no events at all is breached every year
    assert {f["status"] for f in owed["E06000001"]} == {"breached", "open"}


def test_a_pattern_member_owes_nothing_after_its_life_ends() -> None:
    ruleset, problems = parse_ruleset(PATTERN_RULESET, "pattern.yaml")
    assert ruleset is not None, problems
    report = sli_rules.evaluate([ruleset], [], as_of=D(2024, 6, 1), complete=True)
    dorset = [f for f in report.obligations if f.party == "E10000009"]
    assert [f.due for f in dorset][-1] == D(2019, 3, 31)
    assert not [f for f in report.obligations if f.party == "E06000059" and f.due < D(2019, 4, 1)]


def test_northamptonshire_successors_owe_nothing_before_april_2021_under_any_ruleset() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    for rid in sli_rules.bundled_ids():
        rs = sli_rules.load_ruleset(rid)
        own = examples / f"{rid}.jsonl"  # each ruleset over no events and over its example
        for events in [[], *([own] if own.exists() else [])]:
            report = sli_rules.evaluate([rs], events, as_of=D(2023, 6, 1), complete=True)
            for f in report.findings:
                if f.party not in ("E06000061", "E06000062"):
                    continue
                assert f.due is None or f.due >= D(2021, 4, 1), (rid, f)
                if f.opens is not None and f.opens < D(2021, 4, 1):
                    # only a duty of a council it replaced (the county, or under a pattern
                    # of districts too), handed on by the succession
                    before = [c for c, e in REG.items() if f.party in e["successors"]]
                    assert any(c in f.explanation for c in before), (rid, f)
                    assert "handed on" in f.explanation or "inherited" in f.explanation


# ------------------------------------------------------------------ joint successions

SUCCESSION = """\
id: succession-fixture
title: A county that is split in two
source: none.txt
version: "1"
effective:
  start: 2020-01-01
parties:
  councils: [E10000021, E08000025]
  bodies:
    - id: sdsa
      name: a trust serving both successors
  successions:
    - party: E10000021
      date: 2021-04-01
      successors: [E06000061, E06000062]
      DUTIES
rules:
  - id: report-after-review
    kind: deadline
    title: A report within six months of a review
    clause: "1"
    quote: "a report within six months"
    trigger:
      type: peer_challenge.held
    due: P6M
    fulfil:
      type: follow_up_report.submitted
      match: [review]
  - id: yearly-self-assessment
    kind: recurring
    title: A self-assessment each calendar year
    clause: "2"
    quote: "a self assessment every year"
    period: {calendar: calendar_year}
    fulfil:
      type: self_assessment.submitted
"""


def _succession(duties: str) -> sli_rules.Ruleset:
    ruleset, problems = parse_ruleset(SUCCESSION.replace("DUTIES", duties), "s.yaml")
    assert ruleset is not None, problems
    return ruleset


REVIEW = {"id": "r1", "type": "peer_challenge.held", "date": "2021-01-15",
          "council": "E10000021", "review": "rv", "kind": "childrens"}  # fmt: skip


def _report(by: str, day: str = "2021-06-01") -> dict[str, Any]:
    return {"id": f"f-{by}", "type": "follow_up_report.submitted", "date": day,
            "council": by, "review": "rv"}  # fmt: skip


def _inherited(report: sli_rules.Report, rule: str) -> list[sli_rules.Finding]:
    return [f for f in report.findings if f.rule == rule and f.party in ("E06000061", "E06000062")]


@given(by=st.sampled_from(["E06000061", "E06000062", "sdsa"]), reverse=st.booleans())
@settings(max_examples=12, deadline=None)
def test_a_joint_duty_is_met_by_any_successor_or_the_body_serving_them(
    by: str, reverse: bool
) -> None:
    rs = _succession("served_by: [sdsa]")
    events = [REVIEW, _report(by)]
    if reverse:
        events.reverse()
    report = sli_rules.evaluate([rs], events, as_of=D(2021, 8, 1), complete=True)
    [duty] = _inherited(report, "report-after-review")
    assert duty.status == "fulfilled"
    assert duty.fulfilled_by == (f"f-{by}",)
    assert "jointly" in duty.explanation
    assert "E10000021" in duty.explanation
    [old] = [
        f for f in report.findings if f.rule == "report-after-review" and f.party == "E10000021"
    ]
    assert old.status == "discharged"
    assert "succeeded by E06000061 and E06000062 on 2021-04-01" in old.explanation
    assert "left the agreement" not in old.explanation
    assert not [f for f in report.breaches if f.rule == "report-after-review"]


def test_with_duties_each_every_successor_owes_its_own_copy() -> None:
    rs = _succession("duties: each")
    report = sli_rules.evaluate(
        [rs], [REVIEW, _report("E06000061")], as_of=D(2021, 8, 1), complete=True
    )
    duties = {f.party: f.status for f in _inherited(report, "report-after-review")}
    assert duties == {"E06000061": "fulfilled", "E06000062": "breached"}


def test_served_by_must_name_a_party() -> None:
    ruleset, problems = parse_ruleset(SUCCESSION.replace("DUTIES", "served_by: [adcs]"), "s.yaml")
    assert ruleset is None
    assert any(p.path[-2:] == ("served_by", 0) for p in problems)


@pytest.mark.parametrize(
    ("review_day", "handed_on"),
    # due 2021-03-31 (the day before the succession): stays with the county;
    # due 2021-04-01 (the succession day): handed on
    [("2020-09-30", False), ("2020-10-01", True)],
)
def test_a_duty_due_on_the_succession_day_is_handed_on(review_day: str, handed_on: bool) -> None:
    rs = _succession("")
    review = {**REVIEW, "date": review_day}
    report = sli_rules.evaluate([rs], [review], as_of=D(2021, 8, 1), complete=True)
    assert bool(_inherited(report, "report-after-review")) is handed_on
    county = [
        f for f in report.breaches if f.rule == "report-after-review" and f.party == "E10000021"
    ]
    assert bool(county) is not handed_on


def test_a_recurring_duty_not_yet_due_is_handed_on_not_discharged() -> None:
    rs = _succession("")
    events = [{"id": "sa", "type": "self_assessment.submitted", "date": "2021-11-01",
               "council": "E06000062"}]  # fmt: skip
    report = sli_rules.evaluate([rs], events, as_of=D(2022, 2, 1), complete=True)
    year = [f for f in report.obligations if f.rule == "yearly-self-assessment"
            and f.due == D(2021, 12, 31)]  # fmt: skip
    by_party = {f.party: f for f in year if f.party != "E08000025"}
    assert set(by_party) == {"E10000021", "E06000061"}
    assert by_party["E10000021"].status == "discharged"
    assert "handed on as one duty" in by_party["E10000021"].explanation
    assert by_party["E06000061"].status == "fulfilled"
    assert by_party["E06000061"].fulfilled_by == ("sa",)
    # 2022 is each successor's own
    assert {
        f.party for f in report.obligations
        if f.rule == "yearly-self-assessment" and f.due == D(2022, 12, 31)
    } == {"E08000025", "E06000061", "E06000062"}  # fmt: skip


@given(
    as_of=st.dates(min_value=D(2013, 4, 1), max_value=D(2026, 3, 31)),
    councils=st.lists(
        st.sampled_from(sorted(c for c in REG if c[:3] in ("E06", "E10"))), max_size=4
    ),
)
@settings(max_examples=15, deadline=None)
def test_law_no_council_owes_anything_outside_its_life(as_of: D, councils: list[str]) -> None:
    ruleset, problems = parse_ruleset(PATTERN_RULESET, "pattern.yaml")
    assert ruleset is not None, problems
    events = [
        {"id": f"s-{c}-{y}", "type": "self_assessment.submitted", "date": f"{y}-09-01",
         "council": c}
        for c in councils
        for y in range(2013, 2026)
        if _alive(c, D(y, 9, 1))
    ]  # fmt: skip
    report = sli_rules.evaluate([ruleset], events, as_of=as_of, complete=True)
    for f in report.findings:
        start, end = REG[f.party]["from"], REG[f.party]["to"]
        assert f.opens is not None
        assert start is None or f.opens >= start, f
        # a period that opens after the council's last day is never its duty
        assert end is None or f.opens <= end, f
        # a duty is breached only against a council that existed on its due date (one
        # falling due after its last day was handed on to a successor, or discharged)
        if f.status == "breached":
            assert f.due is not None
            assert _alive(f.party, f.due), f


def test_one_event_of_a_successor_meets_the_duties_of_all_it_replaced() -> None:
    # North Northamptonshire replaced four districts on 1 April 2021: their 2021 years,
    # not yet due, are handed on, and its one self-assessment meets all four
    text = PATTERN_RULESET.replace('"^E(06|10)"', '"^E0[67]"').replace(
        "financial_year", "calendar_year"
    )
    ruleset, problems = parse_ruleset(text, "districts.yaml")
    assert ruleset is not None, problems
    sa = {"id": "sa", "type": "self_assessment.submitted", "date": "2021-06-01",
          "council": "E06000061"}  # fmt: skip
    report = sli_rules.evaluate([ruleset], [sa], as_of=D(2022, 1, 15), complete=True)
    handed = [
        f
        for f in report.obligations
        if f.party == "E06000061" and f.due == D(2021, 12, 31) and "handed on by" in f.explanation
    ]
    assert len(handed) == 4
    assert {f.status for f in handed} == {"fulfilled"}
    assert {f.fulfilled_by for f in handed} == {("sa",)}
