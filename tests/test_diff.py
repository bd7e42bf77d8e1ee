"""`sli_rules.diff_rulesets` and `sli-rules diff`: what changed, and what difference it makes."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

import sli_rules
from sli_rules.cli import run
from sli_rules.load.loader import bundled_dir
from sli_rules.tools.diff import Change

RULESET = """\
id: diff-test
title: Diff test agreement
source: test.txt
version: "1.0"
effective:
  start: 2013-07-01
parties:
  councils: [E06000015, E06000016, E10000007]
  attributes:
    E10000007: {left: 2020-04-01}
  bodies:
    - id: em-dcs-group
      name: East Midlands DCS group
parameters:
  informal-window:
    basis: interpretation
    rationale: "Informal contact is read as within one month."
    value: P1M
  formal-window:
    basis: interpretation
    rationale: "Formal engagement is read as within two months."
    value: P2M
rules:
  - id: publish-feedback
    kind: deadline
    title: Publish the peer challenge feedback
    clause: "4(b)"
    quote: "publish the feedback letter within six months"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: feedback.published
      match: {review: review}
    due: P6M
  - id: follow-up-report
    kind: window
    title: Follow-up report three to six months on
    clause: "2.2(d)"
    quote: "a follow up report 3-6 months after the review"
    trigger: {type: peer_challenge.held, where: {kind: childrens}}
    fulfil:
      type: follow_up_report.submitted
      match: {review: review}
    opens: P3M
    due: P6M
escalations:
  - id: breach-ladder
    clause: "5.3"
    quote: "starting informally and then escalating"
    start:
      concern: true
      breach_of: [publish-feedback]
    steps:
      - step: 1
        title: informal contact
        actor: em-dcs-group
        window: {parameter: informal-window}
      - step: 2
        title: formal engagement
        actor: em-dcs-group
        window: {parameter: formal-window}
"""

EVENTS: list[dict[str, Any]] = [
    {"id": "e1", "type": "peer_challenge.held", "date": "2013-09-15", "council": "E06000016",
     "review": "r1", "kind": "childrens"},
    {"id": "e2", "type": "feedback.published", "date": "2014-01-10", "council": "E06000016",
     "review": "r1", "action_plan": True},
    {"id": "e3", "type": "follow_up_report.submitted", "date": "2014-01-20",
     "council": "E06000016", "review": "r1"},
    {"id": "e4", "type": "peer_challenge.held", "date": "2013-10-15", "council": "E10000007",
     "review": "r2", "kind": "childrens"},
]  # fmt: skip

AS_OF = dt.date(2014, 6, 30)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    return write(tmp_path, "old.yaml", RULESET)


@pytest.fixture
def events_path(tmp_path: Path) -> Path:
    return write(tmp_path, "events.jsonl", "".join(json.dumps(e) + "\n" for e in EVENTS))


SHORTER = edit(
    RULESET, "    due: P6M\n  - id: follow-up-report", "    due: P3M\n  - id: follow-up-report"
)
WITHOUT_FOLLOW_UP = (
    RULESET[: RULESET.index("  - id: follow-up-report")] + RULESET[RULESET.index("escalations:") :]
)


# -------------------------------------------------------------- the changes


def test_a_shorter_deadline(old: Path, tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", SHORTER)
    result = sli_rules.diff_rulesets(old, new)
    assert result.changes == (
        Change("rule", "changed", "publish-feedback", field="due", old="P6M", new="P3M"),
    )
    assert result.impact is None
    assert "rule publish-feedback: due changed from P6M to P3M" in result.render("table")


def test_a_shorter_deadline_turns_a_fulfilled_obligation_into_a_breach(
    old: Path, tmp_path: Path
) -> None:
    new = write(tmp_path, "new.yaml", SHORTER)
    result = sli_rules.diff_rulesets(old, new, events=EVENTS, as_of=AS_OF, complete=True)
    assert result.impact is not None
    rows = {(r.change, r.finding.kind, r.finding.rule, r.finding.party): r for r in result.impact}
    # Leicester's feedback (2014-01-10) was on time for six months, late for three
    was = rows["changed", "obligation", "publish-feedback", "E06000016"]
    assert was.old is not None
    assert was.new is not None
    assert (was.old.status, was.old.due) == ("fulfilled", dt.date(2014, 3, 15))
    assert (was.new.status, was.new.due) == ("fulfilled_late", dt.date(2013, 12, 15))
    breach = rows["appears", "breach", "publish-feedback", "E06000016"]
    assert breach.old is None
    assert breach.new is not None
    assert breach.new.status == "remedied"
    assert breach.new.triggered_by == ("e1",)
    # Derbyshire's breach moves earlier, so its escalation steps move too
    moved = rows["changed", "breach", "publish-feedback", "E10000007"]
    assert moved.old is not None
    assert moved.new is not None
    assert (moved.old.due, moved.new.due) == (dt.date(2014, 4, 15), dt.date(2014, 1, 15))
    assert ("appears", "escalation", "breach-ladder", "em-dcs-group") in rows
    # the follow-up report is untouched
    assert not [r for r in result.impact if r.finding.rule == "follow-up-report"]
    table = result.render("table")
    assert "Impact over 4 events as of 2014-06-30:" in table
    assert "OLD_STATUS" in table
    assert "fulfilled_late" in table


def test_removing_a_rule(old: Path, tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", WITHOUT_FOLLOW_UP)
    result = sli_rules.diff_rulesets(old, new, events=EVENTS, as_of=AS_OF)
    assert result.changes == (
        Change(
            "rule",
            "removed",
            "follow-up-report",
            old="window, clause 2.2(d); opens P3M; due P6M",
        ),
    )
    assert result.impact is not None
    assert result.impact
    assert {r.change for r in result.impact} == {"disappears"}
    assert {r.finding.rule for r in result.impact} == {"follow-up-report"}
    before = sli_rules.evaluate([old], EVENTS, as_of=AS_OF)
    assert len(result.impact) == len(before.filter(rule="follow-up-report").findings)
    assert "rule follow-up-report removed" in result.render("table")


def test_identical_rulesets(old: Path, tmp_path: Path) -> None:
    same = write(tmp_path, "same.yaml", RULESET)
    result = sli_rules.diff_rulesets(old, same, events=EVENTS, as_of="2014-06-30")
    assert result.identical
    assert result.changes == ()
    assert result.impact == ()
    assert "No changes" in result.render("table")
    assert "0 findings appear, 0 disappear, 0 change" in result.render("table")
    assert json.loads(result.render("json"))["changes"] == []


def test_parameters_parties_successions_and_ladders(old: Path, tmp_path: Path) -> None:
    text = RULESET
    text = edit(text, 'version: "1.0"', 'version: "1.1"')
    text = edit(text, "    value: P2M", "    value: P3M")
    text = edit(text, "    E10000007: {left: 2020-04-01}", "    E10000007: {left: 2019-04-01}")
    text = edit(text, "  councils: [E06000015, E06000016, E10000007]",
                "  councils: [E06000015, E06000016, E10000007, E06000018]\n"
                "  successions:\n"
                "    - party: E10000007\n"
                "      date: 2019-04-01\n"
                "      successors: [E06000015]")  # fmt: skip
    text = edit(text, "        title: formal engagement\n", "        title: formal challenge\n")
    text = edit(text, '    rationale: "Informal contact is read as within one month."\n',
                '    rationale: "Informal contact within a month."\n')  # fmt: skip
    text = edit(text, "  formal-window:", "  extra-window:\n"
                "    basis: text\n"
                "    value: P14D\n"
                "  formal-window:")  # fmt: skip
    new = write(tmp_path, "new.yaml", text)
    result = sli_rules.diff_rulesets(old, new)
    lines = [c.describe() for c in result.changes]
    assert 'version changed from "1.0" to "1.1"' in lines
    assert "parameter formal-window: value changed from P2M to P3M (used by breach-ladder)" in lines
    assert (
        'parameter informal-window: rationale changed from "Informal contact is read as within '
        'one month." to "Informal contact within a month."' in lines
    )
    assert "parameter extra-window added: P14D (text)" in lines
    assert "party E10000007: left changed from 2020-04-01 to 2019-04-01" in lines
    assert "party E06000018 added: council Nottingham" in lines
    assert "succession E10000007 added: on 2019-04-01 by E06000015" in lines
    assert (
        'escalation breach-ladder: steps[2].title changed from "formal engagement" to '
        '"formal challenge"' in lines
    )
    assert len(lines) == 8, lines


def test_rule_details(old: Path, tmp_path: Path) -> None:
    text = RULESET
    text = edit(text, "      match: {review: review}\n    due: P6M\n  - id: follow-up-report",
                "      match: {review: review}\n      where: {action_plan: true}\n"
                "    due: P6M\n  - id: follow-up-report")  # fmt: skip
    text = edit(text, 'clause: "2.2(d)"', 'clause: "2.2(e)"')
    text = edit(text, "trigger: {type: peer_challenge.held, where: {kind: childrens}}",
                "trigger: {type: peer_challenge.held, where: {kind: safeguarding}}")  # fmt: skip
    text = edit(text, "    opens: P3M\n", "    opens: {parameter: informal-window}\n")
    new = write(tmp_path, "new.yaml", text)
    lines = [c.describe() for c in sli_rules.diff_rulesets(old, new).changes]
    assert lines == [
        "rule publish-feedback: fulfil.where changed from null to {action_plan: true}",
        'rule follow-up-report: clause changed from "2.2(d)" to "2.2(e)"',
        "rule follow-up-report: trigger.where changed from {kind: childrens} to "
        "{kind: safeguarding}",
        "rule follow-up-report: opens changed from P3M to {parameter: informal-window} "
        "(new informal-window = P1M, interpretation)",
    ]


def test_a_rules_url_and_the_period_its_returns_name_are_compared(tmp_path: Path) -> None:
    # neither was compared before: a ruleset that moved returns to the period they
    # declare, or pointed a rule at another page, diffed as identical
    returns = (
        "  - id: quarterly-returns\n"
        "    kind: recurring\n"
        '    title: "Quarterly data returns"\n'
        '    clause: "1.5(b)"\n'
        '    quote: "quarterly"\n'
        "    fulfil: {type: data_return.submitted}\n"
        "    period: {calendar: financial_year, unit: quarter}\n"
    )
    before = edit(RULESET, "escalations:", returns + "escalations:")
    after = edit(before, "    period: {calendar: financial_year, unit: quarter}\n",
                 "    period: {calendar: financial_year, unit: quarter}\n"
                 "    period_from: period\n")  # fmt: skip
    after = edit(after, "    due: P6M\n  - id: follow-up-report",
                 "    due: P6M\n    url: https://example.org/compact#4b\n"
                 "  - id: follow-up-report")  # fmt: skip
    changes = sli_rules.diff_rulesets(
        write(tmp_path, "a.yaml", before), write(tmp_path, "b.yaml", after)
    ).changes
    lines = [c.describe() for c in changes]
    assert any(line.startswith("rule publish-feedback: url changed") for line in lines), lines
    assert "rule quarterly-returns: period_from changed from null to period" in lines, lines


def test_events_need_a_date(old: Path) -> None:
    with pytest.raises(ValueError, match="both events and as_of"):
        sli_rules.diff_rulesets(old, old, events=EVENTS)


def test_formats(old: Path, tmp_path: Path) -> None:
    new = write(tmp_path, "new.yaml", SHORTER)
    result = sli_rules.diff_rulesets(old, new, events=EVENTS, as_of=AS_OF)
    data = json.loads(result.render("json"))
    assert data["changes"][0]["field"] == "due"
    assert data["as_of"] == "2014-06-30"
    assert any(r["change"] == "changed" and r["old_status"] == "fulfilled" for r in data["impact"])
    md = result.render("markdown")
    assert "| rule | publish-feedback | changed | due | P6M | P3M |  |" in md
    assert "## Impact" in md
    with pytest.raises(ValueError, match="unknown format"):
        result.render("html")


# ------------------------------------------------------------------------ CLI


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_diff(old: Path, tmp_path: Path, events_path: Path) -> None:
    new = write(tmp_path, "new.yaml", SHORTER)
    code, out, _err = cli("diff", str(old), str(new))
    assert code == 0
    assert "rule publish-feedback: due changed from P6M to P3M" in out
    code, out, _err = cli(
        "diff", str(old), str(new), "--events", str(events_path), "--as-of", "2014-06-30"
    )
    assert code == 0
    assert "Impact over 4 events as of 2014-06-30" in out
    code, out, _err = cli("diff", str(old), str(old), "--format", "json")
    assert code == 0
    assert json.loads(out)["changes"] == []


def test_cli_diff_bad_input(old: Path, tmp_path: Path, events_path: Path) -> None:
    code, _out, err = cli("diff", str(old), str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "missing.yaml" in err
    broken = write(tmp_path, "broken.yaml", RULESET.replace('clause: "4(b)"\n', ""))
    code, _out, err = cli("diff", str(old), str(broken))
    assert code == 2
    assert "broken.yaml:" in err
    code, _out, err = cli("diff", str(old), str(old), "--events", str(events_path))
    assert code == 2
    assert "--events and --as-of go together" in err
    code, _out, err = cli("diff", str(old), str(old), "--format", "yaml")
    assert code == 2


# ------------------------------------------------------------- bundled rulesets


def test_bundled_deadline_change(tmp_path: Path) -> None:
    rid = "west-midlands-compact-2013"
    rs, _problems = sli_rules.check_ruleset(rid)
    if rs is None:
        pytest.skip(f"{rid} does not load yet")
    text = (bundled_dir() / f"{rid}.yaml").read_text(encoding="utf-8")
    marker = "    due: P6M"
    if marker not in text:
        pytest.skip(f"{rid} has no literal P6M deadline")
    changed = write(tmp_path, "changed.yaml", text.replace(marker, "    due: P3M", 1))
    result = sli_rules.diff_rulesets(rid, changed)
    assert [(c.section, c.action, c.field, c.old, c.new) for c in result.changes] == [
        ("rule", "changed", "due", "P6M", "P3M")
    ]
    assert sli_rules.diff_rulesets(rid, rid).identical
