"""Dated versions of a ruleset: the loader's checks, the engine's choice of version by the
trigger's date, findings that name their version, explain, docs and `diff ID@VERSION`."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules.cli import run
from sli_rules.tools.docs import render_ruleset
from sli_rules.tools.explain import explain_findings

CPC = "lga-corporate-peer-challenge"

VERSIONED = """\
id: versioned-test
title: Versioned test agreement
source: test.txt
effective:
  start: 2015-01-01
versions:
  - id: first
    from: 2015-01-01
    title: The first text
  - id: second
    from: {parameter: second-start}
    title: The amended text
parameters:
  second-start:
    basis: interpretation
    rationale: "The amendment is undated; read as from 1 April 2018."
    value: 2018-04-01
parties:
  councils: [E06000015, E06000016]
rules:
  - id: publish-slowly
    kind: deadline
    versions: [first]
    clause: "1"
    quote: "publish within a year"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: {review: review}}
    due: P12M
  - id: publish-quickly
    kind: deadline
    versions: [second]
    clause: "1 (amended)"
    quote: "publish within three months"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: {review: review}}
    due: P3M
  - id: reflect
    kind: deadline
    clause: "2"
    quote: "reflect within a month"
    trigger: {type: peer_challenge.held}
    fulfil: {type: reflection.completed, match: {review: review}}
    due: P1M
  - id: annual-return
    kind: recurring
    versions: [second]
    clause: "3"
    quote: "a return every financial year"
    period: {calendar: financial_year}
    fulfil: {type: data_return.submitted}
"""


def _load(text: str = VERSIONED) -> sli_rules.Ruleset:
    ruleset, problems = sli_rules.parse_ruleset(text, "versioned.yaml")
    assert ruleset is not None, "\n".join(str(p) for p in problems)
    return ruleset


def _problems(text: str) -> list[str]:
    ruleset, problems = sli_rules.parse_ruleset(text, "versioned.yaml")
    assert ruleset is None
    return [str(p) for p in problems]


def _cpc(date: str, council: str = "E06000015", review: str = "r1", **kw: Any) -> dict[str, Any]:
    return {
        "id": f"pc-{council}-{date}",
        "type": "peer_challenge.held",
        "date": date,
        "council": council,
        "review": review,
        "kind": "corporate",
        **kw,
    }


# ------------------------------------------------------------------- the loader


def test_versions_load_in_order_with_a_parameter_start() -> None:
    rs = _load()
    assert [(v.id, v.start) for v in rs.versions] == [
        ("first", dt.date(2015, 1, 1)),
        ("second", dt.date(2018, 4, 1)),
    ]
    assert rs.versions[1].start_parameter == "second-start"
    assert rs.rule("reflect").versions == ()
    assert rs.version_at(dt.date(2018, 3, 31)).id == "first"  # type: ignore[union-attr]
    assert rs.version_at(dt.date(2018, 4, 1)).id == "second"  # type: ignore[union-attr]
    assert rs.version_at(dt.date(2014, 12, 31)) is None


@pytest.mark.parametrize(
    ("old", "new", "at", "field"),
    [
        # a rule naming a version that does not exist
        ("versions: [second]", "versions: [secnod]", "versions: [secnod]", "versions"),
        # versions out of date order (reported at the later version's start)
        ("value: 2018-04-01", "value: 2014-04-01", "from: {parameter", "from"),
        # a duplicate version id
        ("  - id: second\n", "  - id: first\n", "  - id: first\n    from: {", "id"),
        # an empty list of versions on a rule
        ("versions: [first]", "versions: []", "versions: []", "versions"),
    ],
)
def test_bad_versions_are_located(old: str, new: str, at: str, field: str) -> None:
    text = VERSIONED.replace(old, new, 1)
    assert text != VERSIONED
    line = text[: text.index(at)].count("\n") + 1
    problems = _problems(text)
    assert any(p.startswith(f"versioned.yaml:{line}:") and field in p for p in problems), problems


def test_a_version_before_the_agreement_starts_is_refused() -> None:
    problems = _problems(VERSIONED.replace("from: 2015-01-01", "from: 2014-06-01", 1))
    assert any(p.startswith("versioned.yaml:8:") and "2014-06-01" in p for p in problems)


def test_a_rule_cannot_name_versions_in_a_ruleset_without_any() -> None:
    text = VERSIONED.split("versions:\n", 1)[0] + "parties:" + VERSIONED.split("\nparties:", 1)[1]
    text = text.replace("value: 2018-04-01", "")
    problems = _problems(text)
    assert any("versions" in p and "no 'versions'" in p for p in problems), problems


def test_a_version_needs_an_id_and_a_start() -> None:
    problems = _problems(VERSIONED.replace("    from: 2015-01-01\n", "", 1))
    assert any(p.startswith("versioned.yaml:7:") and "'from'" in p for p in problems), problems


# ------------------------------------------------------------------- the engine


def test_a_rule_applies_by_the_date_of_its_trigger() -> None:
    rs = _load()
    events = [
        _cpc("2018-03-31", review="a"),
        _cpc("2018-04-01", council="E06000016", review="b"),
    ]
    report = sli_rules.evaluate([rs], events, as_of="2019-12-31", complete=True)
    by = {(f.rule, f.triggered_by): f for f in report.findings if f.kind == "obligation"}
    a, b = ("pc-E06000015-2018-03-31",), ("pc-E06000016-2018-04-01",)
    assert by[("publish-slowly", a)].due == dt.date(2019, 3, 31)
    assert by[("publish-slowly", a)].version == "first"
    assert ("publish-quickly", a) not in by
    assert by[("publish-quickly", b)].due == dt.date(2018, 7, 1)
    assert by[("publish-quickly", b)].version == "second"
    assert ("publish-slowly", b) not in by
    # a rule in every version applies under both, naming the one that governed
    assert by[("reflect", a)].version == "first"
    assert by[("reflect", b)].version == "second"
    # the duty runs to its end under the version of its trigger, although the second
    # version came into force before it was due
    assert by[("publish-slowly", a)].status == "breached"


def test_the_interpreted_start_is_listed_on_both_sides_of_it() -> None:
    rs = _load()
    events = [_cpc("2016-05-01", review="a"), _cpc("2018-05-01", review="b")]
    report = sli_rules.evaluate([rs], events, as_of="2019-12-31", complete=True)
    for f in report.findings:
        assert "second-start" in f.interpretations, f


def test_periods_follow_the_version_of_their_first_day() -> None:
    rs = _load()
    report = sli_rules.evaluate([rs], [], as_of="2020-05-01", complete=True)
    periods = sorted(
        {f.opens for f in report.findings if f.rule == "annual-return"}  # type: ignore[type-var]
    )
    # financial years starting on or after 2018-04-01 only
    assert periods == [dt.date(2018, 4, 1), dt.date(2019, 4, 1), dt.date(2020, 4, 1)]
    assert {f.version for f in report.findings if f.rule == "annual-return"} == {"second"}


def test_an_unversioned_ruleset_names_no_version() -> None:
    report = sli_rules.evaluate(
        ["west-midlands-compact-2013"],
        [
            {
                "id": "e1",
                "type": "peer_challenge.held",
                "date": "2014-05-01",
                "council": "E08000026",
                "review": "r1",
                "kind": "corporate",
            }
        ],
        as_of="2015-12-31",
    )
    assert report.findings
    assert all(f.version is None for f in report.findings)
    assert all(f.to_dict()["version"] is None for f in report.findings)


DATES = st.dates(min_value=dt.date(2014, 6, 1), max_value=dt.date(2021, 6, 1))


@st.composite
def _streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=6))
    events: list[dict[str, Any]] = []
    for i in range(n):
        day = draw(DATES)
        council = draw(st.sampled_from(["E06000015", "E06000016"]))
        events.append({**_cpc(day.isoformat(), council, f"r{i}"), "id": f"pc{i}"})
        if draw(st.booleans()):
            later = day + dt.timedelta(days=draw(st.integers(min_value=0, max_value=500)))
            events.append(
                {
                    "id": f"fb{i}",
                    "type": "feedback.published",
                    "date": later.isoformat(),
                    "council": council,
                    "review": f"r{i}",
                    "action_plan": False,
                }
            )
    return events


def _core(f: sli_rules.Finding) -> tuple[Any, ...]:
    return (f.kind, f.rule, f.party, f.status, f.opens, f.due, f.triggered_by, f.fulfilled_by)


@settings(max_examples=40, deadline=None)
@given(_streams(), st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2023, 1, 1)))
def test_a_versioned_ruleset_is_each_version_on_its_own_dates(
    events: list[dict[str, Any]], as_of: dt.date
) -> None:
    """Law: a triggered finding of a versioned ruleset is exactly the finding of the
    version in force on its trigger's date, evaluated as if in force throughout."""
    rs = _load()
    whole = sli_rules.evaluate([rs], events, as_of=as_of, complete=True)
    dates = {e["id"]: dt.date.fromisoformat(e["date"]) for e in events}
    triggered = [f for f in whole.findings if f.triggered_by]
    for f in triggered:
        version = rs.version_at(dates[f.triggered_by[0]])
        assert version is not None
        assert f.version == version.id
    for version in rs.versions:
        alone = sli_rules.evaluate([rs.as_version(version.id)], events, as_of=as_of, complete=True)
        expected = sorted(
            _core(f)
            for f in alone.findings
            if f.triggered_by and rs.version_at(dates[f.triggered_by[0]]) == version
        )
        got = sorted(_core(f) for f in triggered if f.version == version.id)
        assert got == expected


# ------------------------------------------------------------------- the bundled CPC


def test_the_strengthened_deadlines_of_a_challenge_held_29_to_31_october_2024() -> None:
    report = sli_rules.evaluate(
        [CPC], [_cpc("2024-10-31", start="2024-10-29")], as_of="2026-01-01", complete=True
    )
    due = {f.rule: f.due for f in report.findings if f.kind == "obligation"}
    assert due["report-published-2024"] == dt.date(2025, 1, 31)
    assert due["action-plan-with-report-2024"] == dt.date(2025, 1, 31)
    assert due["action-plan-published-2024"] == dt.date(2025, 3, 31)
    assert due["progress-review-report-2024"] == dt.date(2025, 10, 31)
    assert {f.version for f in report.findings if f.triggered_by} == {"strengthened-2024"}


def test_the_same_challenge_in_january_2024_breaches_no_deadline() -> None:
    report = sli_rules.evaluate(
        [CPC], [_cpc("2024-01-31", start="2024-01-29")], as_of="2026-01-01", complete=True
    )
    triggered = [f for f in report.findings if f.triggered_by]
    assert triggered
    assert {f.version for f in triggered} == {"expectations-2019"}
    assert not [f for f in triggered if f.kind == "breach" and f.party == "E06000015"]
    assert {f.status for f in triggered if f.kind == "notice"} <= {"missed"}


@pytest.mark.parametrize(("complete", "status"), [(True, "missed"), (False, "unrecorded")])
def test_no_challenge_in_five_years(complete: bool, status: str) -> None:
    # E06000015 appears in the events (not as a challenge); E06000016 in none at all
    events = [
        {"id": "x", "type": "chief_executive.changed", "date": "2020-02-03", "council": "E06000015"}
    ]
    report = sli_rules.evaluate([CPC], events, as_of="2024-04-01", complete=complete)
    for council in ("E06000015", "E06000016"):
        five = [f for f in report.findings if f.rule == "five-yearly-2019" and f.party == council]
        assert {f.status for f in five} == {status}, council
        assert {f.version for f in five} == {"expectations-2019"}
        assert {f.due for f in five} == {dt.date(2024, 3, 31)}
        kinds = sorted(f.kind for f in five)
        assert kinds == (["notice", "obligation"] if complete else ["obligation"])


# ------------------------------------------------------------------- outputs and tools


def test_json_and_csv_carry_the_version() -> None:
    report = sli_rules.evaluate([CPC], [_cpc("2024-10-31")], as_of="2025-01-01")
    data = json.loads(report.to_json())
    versions = {f["version"] for f in data["findings"] if f["triggered_by"]}
    assert versions == {"strengthened-2024"}
    assert "version" in report.to_csv().splitlines()[0].split(",")


def test_explain_names_the_version_and_the_date_that_chose_it() -> None:
    events = [_cpc("2024-10-31", start="2024-10-29")]
    rs = sli_rules.load_ruleset(CPC)
    report = sli_rules.evaluate([rs], events, as_of="2025-02-01", complete=True)
    breach = next(f for f in report.findings if f.rule == "report-published-2024")
    text = explain_findings([breach], [rs], sli_rules.read_events(events), report=report)[0]
    assert "Version: strengthened-2024" in text
    assert "2024-10-31" in text
    assert "from 2024-04-01" in text


def test_docs_render_the_history() -> None:
    page = render_ruleset(sli_rules.load_ruleset(CPC))
    assert "History: versions of the rules" in page
    for version in ("voluntary-offer-2011", "expectations-2019", "strengthened-2024"):
        assert f"`{version}`" in page
    assert "| `report-published-2024` |  |  | yes |" in page


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_diff_compares_two_versions_of_one_ruleset(tmp_path: Path) -> None:
    events = tmp_path / "cpc.jsonl"
    events.write_text(json.dumps(_cpc("2020-06-30")) + "\n", encoding="utf-8")
    code, out, err = cli(
        "diff",
        f"{CPC}@expectations-2019",
        f"{CPC}@strengthened-2024",
        "-e",
        str(events),
        "--as-of",
        "2021-12-31",
        "--complete",
        "-f",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    changed = {(c["section"], c["action"], c["item"]) for c in data["changes"]}
    assert ("rule", "added", "report-published-2024") in changed
    assert ("rule", "removed", "check-in-2019") in changed
    appears = {r["rule"] for r in data["impact"] if r["change"] == "appears"}
    assert "report-published-2024" in appears


def test_diff_of_an_unknown_version_is_an_input_error() -> None:
    code, _out, err = cli("diff", f"{CPC}@expectations-2019", f"{CPC}@strengthened-2042")
    assert code == 2
    assert "strengthened-2042" in err
    assert "strengthened-2024" in err


def test_as_version_keeps_only_that_versions_rules() -> None:
    rs = sli_rules.load_ruleset(CPC)
    only = rs.as_version("strengthened-2024")
    assert only.versions == ()
    assert {r.id for r in only.rules} == {
        r.id for r in rs.rules if not r.versions or "strengthened-2024" in r.versions
    }
    assert attrs.evolve(only, version=rs.version).id == rs.id


def test_a_findings_table_from_an_earlier_release_gains_the_version_column(
    tmp_path: Path,
) -> None:
    sa = pytest.importorskip("sqlalchemy")
    from sli_rules.outputs.tables import FINDING_COLUMNS

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    old = [c for c in FINDING_COLUMNS if c != "version"]
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE findings ({', '.join(f'{c} TEXT' for c in old)})"))
    report = sli_rules.evaluate([CPC], [_cpc("2024-10-31")], as_of="2025-02-01")
    assert sli_rules.write_findings(report, engine) == len(report.findings)
    with engine.connect() as conn:
        versions = {r[0] for r in conn.execute(sa.text("SELECT version FROM findings"))}
    engine.dispose()
    assert "strengthened-2024" in versions


def test_explain_counts_a_versioned_span_from_its_versions_start() -> None:
    events = [
        {"id": "x", "type": "chief_executive.changed", "date": "2020-02-03", "council": "E06000015"}
    ]
    rs = sli_rules.load_ruleset(CPC)
    report = sli_rules.evaluate([rs], events, as_of="2024-04-01", complete=True)
    notice = next(f for f in report.findings if f.rule == "five-yearly-2019" and f.kind == "notice")
    text = explain_findings([notice], [rs], sli_rules.read_events(events), report=report)[0]
    assert "between 2019-04-01 (the start of its first version) and 2024-03-31" in text
