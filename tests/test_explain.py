"""`sli_rules.explain` and `sli-rules explain`: the chain behind each finding."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

import sli_rules
from sli_rules import Finding, Report, Ruleset
from sli_rules.cli import run
from sli_rules.load.catalogue import catalogue_for
from sli_rules.tools.explain import explain_findings
from strategies import LAWS_RULESET, as_of_dates, event_streams

RULESET = """\
id: explain-test
title: Explain test agreement
source: test.txt
version: "1.0"
effective:
  start: 2013-07-01
parties:
  councils: [E06000015, E06000016, E10000007]
  bodies:
    - id: em-dcs-group
      name: East Midlands DCS group
parameters:
  follow-up-opens:
    basis: interpretation
    rationale: "'Three to six months' is read as starting three months after the review."
    value: P3M
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
    opens: {parameter: follow-up-opens}
    due: P6M
  - id: review-team
    kind: constraint
    title: A team of four core members
    clause: "2.1"
    quote: "a team of four core members"
    trigger: {type: peer_challenge.held, where: {kind: childrens}}
    require:
      team:
        count: {where: {core: true}, at_least: 4}
  - id: annual-self-assessment
    kind: recurring
    title: Annual self-assessment
    clause: "3.1"
    quote: "each authority will complete an annual self-assessment"
    period: {calendar: financial_year}
    fulfil: {type: self_assessment.submitted}
escalations:
  - id: breach-ladder
    title: escalation of concerns
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
    # Derby: review held on the 31st (month-end clamping), feedback late, follow-up early
    {"id": "e1", "type": "peer_challenge.held", "date": "2013-08-31", "council": "E06000015",
     "review": "r1", "kind": "childrens"},
    {"id": "e2", "type": "feedback.published", "date": "2014-03-10", "council": "E06000015",
     "review": "r1", "action_plan": True},
    {"id": "e3", "type": "follow_up_report.submitted", "date": "2013-10-01",
     "council": "E06000015", "review": "r1"},
    # Leicester: feedback on time; a concern raised and its first step taken
    {"id": "e4", "type": "peer_challenge.held", "date": "2013-09-15", "council": "E06000016",
     "review": "r2", "kind": "childrens"},
    {"id": "e5", "type": "feedback.published", "date": "2014-01-10", "council": "E06000016",
     "review": "r2", "action_plan": True},
    {"id": "c1", "type": "concern.raised", "date": "2014-02-03", "council": "em-dcs-group",
     "about": "E06000016", "concern": "leicester-1"},
    {"id": "t1", "type": "escalation.taken", "date": "2014-02-20", "council": "em-dcs-group",
     "about": "E06000016", "concern": "leicester-1", "step": 1},
    # Derbyshire: no feedback for its own review, only one naming another review
    {"id": "e6", "type": "peer_challenge.held", "date": "2013-10-15", "council": "E10000007",
     "review": "r3", "kind": "corporate"},
    {"id": "e7", "type": "feedback.published", "date": "2014-01-20", "council": "E10000007",
     "review": "r9", "action_plan": False},
]  # fmt: skip

AS_OF = dt.date(2014, 6, 30)


@pytest.fixture
def ruleset_path(tmp_path: Path) -> Path:
    path = tmp_path / "explain-test.yaml"
    path.write_text(RULESET, encoding="utf-8")
    return path


@pytest.fixture
def events_path(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in EVENTS), encoding="utf-8")
    return path


@pytest.fixture
def ruleset(ruleset_path: Path) -> Ruleset:
    return sli_rules.load_ruleset(ruleset_path)


@pytest.fixture
def report(ruleset: Ruleset) -> Report:
    return sli_rules.evaluate([ruleset], EVENTS, as_of=AS_OF, complete=True)


def one(report: Report, **fields: object) -> Finding:
    found = report.filter(**fields).findings
    assert len(found) == 1, found
    return found[0]


def explained(finding: Finding, ruleset: Ruleset, report: Report) -> str:
    return sli_rules.explain(finding, [ruleset], EVENTS, report=report)


# ----------------------------------------------------------- the five kinds


def test_breach(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="breach", rule="publish-feedback", party="E10000007")
    assert f.status == "breached"
    text = explained(f, ruleset, report)
    assert text.splitlines()[0].startswith("breach breached: Publish the peer challenge feedback")
    # agreement, clause and exact quote
    assert 'clause 4(b): "publish the feedback letter within six months"' in text
    assert "Explain test agreement (explain-test, version 1.0)" in text
    # what the rule requires, and the arithmetic
    assert "a deadline after a triggering event" in text
    assert "the council of the triggering event" in text
    assert "held 2013-10-15; 6 months (P6M, stated in the text) → due 2014-04-15." in text
    # the trigger with its key attributes
    assert "Triggered by: e6 peer_challenge.held on 2013-10-15, council E10000007" in text
    assert "review r3, kind corporate" in text
    # why not: what was looked for, and the near miss that did not count
    assert (
        "Why not: no feedback.published for review r3 by E10000007 dated between 2013-10-15 "
        "and 2014-04-15 was found, nor any later one up to 2014-06-30." in text
    )
    assert "Not counted: e7 feedback.published on 2014-01-20: its review is r9, not r3." in text
    # interpretations (none: the six months are in the text)
    assert "Interpretations: none" in text
    # escalation: the ladder that covers this rule, its steps and the next one
    assert 'starts ladder breach-ladder (escalation of concerns), clause 5.3: "starting' in text
    assert "it started on 2014-04-16, the day after the due date" in text
    assert "step 1 (informal contact) for em-dcs-group: due, 2014-04-16 to 2014-05-16" in text
    assert "Next step: step 2 (formal engagement) by em-dcs-group (East Midlands DCS group)" in text


def test_unrecorded_says_what_is_missing_and_how_to_declare_it(ruleset: Ruleset) -> None:
    report = sli_rules.evaluate([ruleset], EVENTS, as_of=AS_OF)  # no completeness declared
    assert not report.filter(kind="breach", rule="publish-feedback", party="E10000007").findings
    f = one(report, kind="obligation", rule="publish-feedback", party="E10000007")
    assert f.status == "unrecorded"
    text = explained(f, ruleset, report)
    assert text.splitlines()[0].startswith("obligation unrecorded: Publish the peer challenge")
    assert (
        "Unrecorded, not breached: the record is not declared complete for feedback.published "
        "by E10000007 from 2013-10-15 to 2014-04-15" in text
    )
    assert "record.coverage event" in text
    assert "--complete" in text
    assert "not started, as the duty is unrecorded, not breached" in text


def test_fulfilled(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="obligation", rule="publish-feedback", party="E06000016")
    assert f.status == "fulfilled"
    text = explained(f, ruleset, report)
    assert 'clause 4(b): "publish the feedback letter within six months"' in text
    assert "held 2013-09-15; 6 months (P6M, stated in the text) → due 2014-03-15." in text
    assert (
        "Triggered by: e4 peer_challenge.held on 2013-09-15, council E06000016 (Leicester)" in text
    )
    assert (
        "Fulfilled by: e5 feedback.published on 2014-01-10, council E06000016 (Leicester); "
        "review r2, action_plan true: on time, 64 days before the due date 2014-03-15." in text
    )
    assert "Why not" not in text
    assert "Interpretations: none" in text
    assert "not started, as the duty was fulfilled" in text
    # the concern ladder about the same council is shown too
    assert "Other escalation steps about E06000016 (Leicester)" in text
    assert "breach-ladder step 1 for em-dcs-group: taken" in text


def test_remedied_with_month_end_clamping(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="breach", rule="publish-feedback", party="E06000015")
    assert f.status == "remedied"
    text = explained(f, ruleset, report)
    assert "held 2013-08-31; 6 months (P6M, stated in the text) → due 2014-02-28" in text
    assert "month-end clamping: 2013-08-31 + 6 months would be 2014-02-31" in text
    assert "so the last day of that month, 2014-02-28, is used" in text
    assert "Triggered by: e1 peer_challenge.held on 2013-08-31" in text
    assert (
        "Fulfilled by: e2 feedback.published on 2014-03-10, council E06000015 (Derby); review r1, "
        "action_plan true: late, 10 days after the due date 2014-02-28." in text
    )
    assert "in breach from 2014-03-01 until it was remedied on 2014-03-10" in text
    assert "step 1 (informal contact) for em-dcs-group: stopped, 2014-03-01 to 2014-04-01" in text
    assert "Next step: none; the ladder has stopped." in text


def test_window_early(ruleset: Ruleset, report: Report) -> None:
    f = one(report, rule="follow-up-report", party="E06000015")
    assert f.status == "fulfilled_early"
    text = explained(f, ruleset, report)
    assert 'clause 2.2(d): "a follow up report 3-6 months after the review"' in text
    assert "a window after a triggering event" in text
    assert (
        "Window: held 2013-08-31; opens 3 months later (P3M, parameter follow-up-opens, an "
        "interpretation) → 2013-11-30" in text
    )
    assert "due 6 months later (P6M, stated in the text) → 2014-02-28" in text
    assert "2013-08-31 + 3 months would be 2013-11-31" in text
    assert "Triggered by: e1 peer_challenge.held on 2013-08-31" in text
    assert "Fulfilled by: e3 follow_up_report.submitted on 2013-10-01" in text
    assert "60 days before the window opened on 2013-11-30" in text
    assert "a notice, not a breach" in text
    assert (
        "Interpretation: follow-up-opens = 3 months (P3M): 'Three to six months' is read as "
        "starting three months after the review." in text
    )
    assert "Escalation: no escalation ladder in this ruleset names this rule." in text


def test_escalation_due_after_a_breach(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="escalation", about="E10000007", step=1)
    assert f.status == "due"
    text = explained(f, ruleset, report)
    assert text.splitlines()[0].startswith("escalation due: escalation of concerns (breach-ladder)")
    assert "about E10000007 (Derbyshire)" in text.splitlines()[0]
    assert 'clause 5.3: "starting informally and then escalating"' in text
    assert "has 2 steps: 1 informal contact (em-dcs-group); 2 formal engagement" in text
    assert "Started by: a breach of publish-feedback (clause 4(b)) by E10000007" in text
    assert "due 2014-04-15, so the ladder started the day after, 2014-04-16" in text
    assert "e6 peer_challenge.held on 2013-10-15" in text
    assert (
        "Step 1: opens 2014-04-16 (the day the ladder started); 1 month (P1M, parameter "
        "informal-window, an interpretation) → due 2014-05-16." in text
    )
    assert "Not yet taken: no escalation.taken for step 1 about E10000007" in text
    assert "(concern publish-feedback/e6)" in text
    assert "the breach has been neither remedied nor resolved" in text
    assert "Interpretation: informal-window = 1 month (P1M): Informal contact" in text
    assert "Next step: step 2 (formal engagement) by em-dcs-group" in text
    assert "opening 2014-05-17" in text


@pytest.mark.parametrize(
    ("rule", "party", "extra"),
    [
        ("publish-feedback", "E10000007", []),
        ("annual-self-assessment", "E06000016", []),
        (
            "annual-self-assessment",
            "E06000015",
            [{"id": "s0", "type": "self_assessment.submitted", "date": "2014-05-01",
              "council": "E06000015"}],
        ),
    ],
)  # fmt: skip
def test_the_breach_concern_named_is_the_one_the_engine_takes(
    ruleset_path: Path, rule: str, party: str, extra: list[dict[str, Any]]
) -> None:
    """The name an explanation gives a breach-started ladder, used in an escalation.taken
    event, takes the step: the explanation and the engine agree on it."""
    text = RULESET.replace(
        "breach_of: [publish-feedback]", "breach_of: [publish-feedback, annual-self-assessment]"
    )
    rs = sli_rules.parse_ruleset(text, str(ruleset_path))[0]
    assert rs is not None
    events = [*EVENTS, *extra]
    report = sli_rules.evaluate([rs], events, as_of=AS_OF, complete=True)
    breach = report.filter(kind="breach", rule=rule, party=party).findings[0]
    explanation = sli_rules.explain(breach, rs, events, report=report)
    named = explanation.split("name it as concern ")[1].split(", about ")[0]
    assert breach.due is not None
    start = breach.due + dt.timedelta(days=1)
    step1 = [
        f
        for f in report.filter(kind="escalation", about=party, step=1).findings
        if f.opens == start
    ]
    assert [f.status for f in step1] == ["due"]
    taken = {"id": "tk", "type": "escalation.taken", "date": "2014-06-01",
             "council": "em-dcs-group", "about": party, "concern": named, "step": 1}  # fmt: skip
    after = sli_rules.evaluate([rs], [*events, taken], as_of=AS_OF, complete=True)
    step1 = [
        f
        for f in after.filter(kind="escalation", about=party, step=1).findings
        if f.opens == step1[0].opens
    ]
    assert [(f.status, f.fulfilled_by) for f in step1] == [("taken", ("tk",))]


def test_escalation_step_two_arithmetic(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="escalation", about="E10000007", step=2)
    text = explained(f, ruleset, report)
    assert (
        "Step 2: opens 2014-05-17 (the day after step 1's window ended on 2014-05-16); "
        "2 months (P2M, parameter formal-window, an interpretation) → due 2014-07-17." in text
    )
    assert "Next step: none after this one; it is the ladder's last step." in text


def test_escalation_taken_on_a_concern(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="escalation", about="E06000016", step=1)
    assert f.status == "taken"
    text = explained(f, ruleset, report)
    assert "Started by: a concern raised, c1 concern.raised on 2014-02-03" in text
    assert "concern leicester-1" in text
    assert "Taken: t1 escalation.taken on 2014-02-20" in text
    assert "Next step: step 2 (formal engagement)" in text


def test_constraint_breach_names_the_failed_requirement(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="breach", rule="review-team", party="E06000015")
    text = explained(f, ruleset, report)
    assert "Requirement not met: team has at least 4 entries with core is true" in text


def test_recurring_breach_and_its_near_miss(ruleset: Ruleset) -> None:
    events = [
        *EVENTS,
        {"id": "s1", "type": "self_assessment.submitted", "date": "2014-04-02",
         "council": "E06000015"},
    ]  # fmt: skip
    report = sli_rules.evaluate([ruleset], events, as_of=AS_OF, complete=True)
    f = one(report, kind="breach", rule="annual-self-assessment", party="E06000015")
    text = sli_rules.explain(f, [ruleset], events, report=report)
    assert "Period: 2013-14, 2013-04-01 to 2014-03-31" in text
    assert "counted from 2013-07-01" in text
    assert "Triggered by: no event; the duty runs by the calendar." in text
    assert (
        "no self_assessment.submitted by E06000015 dated between 2013-07-01 and 2014-03-31" in text
    )
    assert "Not counted: s1 self_assessment.submitted on 2014-04-02: it is dated outside" in text


# ------------------------------------------------------------ how it is built


def test_every_finding_explains(ruleset: Ruleset, report: Report) -> None:
    texts = explain_findings(report.findings, [ruleset], EVENTS, report=report)
    assert len(texts) == len(report.findings)
    for f, text in zip(report.findings, texts, strict=True):
        assert text.startswith(f"{f.kind} {f.status}: ")
        assert f"clause {f.clause}: " in text
        assert "Note: the finding says" not in text  # the arithmetic agrees with the engine


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records=event_streams(), day=as_of_dates())
def test_every_kind_of_rule_explains(records: list[dict[str, Any]], day: dt.date) -> None:
    """Over random streams on a ruleset with every kind of rule: every finding explains,
    its arithmetic agrees with the engine's dates, and its events are named."""
    report = sli_rules.evaluate([LAWS_RULESET], records, as_of=day)
    texts = explain_findings(report.findings, [LAWS_RULESET], records, report=report)
    for f, text in zip(report.findings, texts, strict=True):
        assert text.startswith(f"{f.kind} {f.status}: ")
        assert f"clause {f.clause}: " in text
        assert "Note: the finding says" not in text, text
        for eid in (*f.triggered_by, *f.fulfilled_by):
            assert f"{eid} " in text, (eid, text)


def test_derived_from_the_finding_not_its_explanation(ruleset: Ruleset, report: Report) -> None:
    for f in report.findings:
        blank = attrs.evolve(f, explanation="")
        assert explained(blank, ruleset, report) == explained(f, ruleset, report)


def test_without_events_or_report(ruleset: Ruleset, report: Report) -> None:
    f = one(report, kind="breach", rule="publish-feedback", party="E10000007")
    text = sli_rules.explain(f, ruleset)
    assert "Triggered by: e6 (pass the events to see it)." in text
    # a deadline opens on the trigger's date, so the arithmetic is still shown
    assert "triggered 2013-10-15; 6 months (P6M, stated in the text) → due 2014-04-15." in text
    assert "Why not: no feedback.published with the same review as the trigger by E10000007" in text
    assert "Steps, unless the duty is met first: step 1 (informal contact)" in text


def test_a_ruleset_given_by_path(ruleset_path: Path, report: Report) -> None:
    f = one(report, kind="breach", rule="publish-feedback", party="E10000007")
    assert 'clause 4(b): "publish' in sli_rules.explain(f, ruleset_path, EVENTS)


def test_a_finding_from_another_agreement(ruleset: Ruleset, report: Report) -> None:
    f = attrs.evolve(report.findings[0], agreement="some-other-agreement")
    with pytest.raises(ValueError, match="some-other-agreement"):
        sli_rules.explain(f, [ruleset])


# ------------------------------------------------------------------------ CLI


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def heads(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(" ")][:-1]


@pytest.fixture
def base(ruleset_path: Path, events_path: Path) -> list[str]:
    return [
        "explain",
        "-r",
        str(ruleset_path),
        "-e",
        str(events_path),
        "--as-of",
        "2014-06-30",
        "--complete",
    ]


def test_cli_explains_the_chosen_finding(base: list[str]) -> None:
    code, out, _err = cli(
        *base, "--party", "E10000007", "--kind", "breach", "--rule", "publish-feedback"
    )
    assert code == 0
    assert heads(out) == [
        "breach breached: Publish the peer challenge feedback (publish-feedback), "
        "E10000007 (Derbyshire), as of 2014-06-30"
    ]
    assert "Why not: no feedback.published for review r3 by E10000007" in out
    assert out.rstrip().endswith("findings explained.")


@pytest.mark.parametrize(
    ("args", "check"),
    [
        (["--rule", "follow-up-report"], lambda h: "(follow-up-report)" in h),
        (["--status", "fulfilled_early"], lambda h: h.startswith("obligation fulfilled_early")),
        (["--kind", "escalation"], lambda h: h.startswith("escalation ")),
        (["--trigger", "e4"], lambda h: "E06000016" in h),
        (["--party", "E10000007"], lambda h: "E10000007" in h),
    ],
)
def test_cli_filters(
    base: list[str], report: Report, args: list[str], check: Callable[[str], bool]
) -> None:
    code, out, _err = cli(*base, *args)
    assert code == 0
    found = heads(out)
    assert found
    assert all(check(h) for h in found)
    key, value = args[0].lstrip("-"), args[1]
    expected = [
        f
        for f in report.findings
        if (key == "party" and value in (f.party, f.about))
        or (key == "trigger" and value in f.triggered_by)
        or (key not in ("party", "trigger") and getattr(f, key) == value)
    ]
    assert len(found) == len(expected)


def test_cli_party_filter_takes_escalations_about_the_party(base: list[str]) -> None:
    _code, out, _err = cli(*base, "--party", "E10000007", "--kind", "escalation")
    assert len(heads(out)) == 2
    assert all("about E10000007" in h for h in heads(out))


def test_cli_no_match_says_so(base: list[str]) -> None:
    code, out, err = cli(*base, "--party", "E06000016", "--status", "remedied")
    assert code == 0
    assert out == ""
    assert "no finding matches --party E06000016 --status remedied as of 2014-06-30" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "publish-feedbak"], "did you mean 'publish-feedback'?"),
        (["--status", "breachd"], "did you mean 'breached'?"),
        (["--kind", "breaches"], "invalid choice"),
    ],
)
def test_cli_bad_filters(base: list[str], args: list[str], message: str) -> None:
    code, out, err = cli(*base, *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_cli_bad_input(ruleset_path: Path, events_path: Path, tmp_path: Path) -> None:
    code, _out, err = cli(
        "explain", "-r", str(ruleset_path), "-e", str(events_path), "--as-of", "2014-02-30"
    )
    assert code == 2
    assert "not a date" in err
    code, _out, err = cli(
        "explain",
        "-r",
        str(ruleset_path),
        "-e",
        str(tmp_path / "none.jsonl"),
        "--as-of",
        "2014-06-30",
    )
    assert code == 2
    assert "none.jsonl" in err
    assert "no such file" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "type": "peer_challenge.held"}\n', encoding="utf-8")
    code, _out, err = cli(
        "explain", "-r", str(ruleset_path), "-e", str(bad), "--as-of", "2014-06-30"
    )
    assert code == 2
    assert "bad.jsonl:1" in err
    code, _out, err = cli(
        "explain",
        "-r",
        str(tmp_path / "nope.yaml"),
        "-e",
        str(events_path),
        "--as-of",
        "2014-06-30",
    )
    assert code == 2
    assert "nope.yaml" in err
    code, _out, _err = cli("explain", "-r", str(ruleset_path), "--as-of", "2014-06-30")
    assert code == 2


# ------------------------------------------------------------- bundled rulesets

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("ruleset_id", sli_rules.bundled_ids())
def test_bundled_examples_explain(ruleset_id: str) -> None:
    events = EXAMPLES / f"{ruleset_id}.jsonl"
    rs, _problems = sli_rules.check_ruleset(ruleset_id)
    if rs is None or not events.exists():
        pytest.skip(f"{ruleset_id}: no loadable ruleset with an example stream yet")
    intake = sli_rules.read_events(events, lenient=True, catalogue=catalogue_for([rs]))
    assert not intake.rejected
    report = sli_rules.evaluate([rs], intake, as_of=dt.date(2016, 3, 31))
    texts = explain_findings(report.findings, [rs], intake, report=report)
    notices = {r.id for r in rs.rules if r.severity == "notice"}
    for f, text in zip(report.findings, texts, strict=True):
        assert f"clause {f.clause}: " in text
        assert "Note: the finding says" not in text, text
        if f.rule in notices:  # a notice-only duty is never said to be breached
            for words in (f.status, f.explanation, text):
                assert "breached" not in words, words
                assert "in breach" not in words, words
