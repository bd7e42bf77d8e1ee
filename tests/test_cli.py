"""The command line, driven as a function: `run(argv, stdout, stderr) -> exit status`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

import sli_rules
from sli_rules.cli import run

REPO = Path(__file__).resolve().parents[1]
GALLERY = Path(__file__).parent / "gallery"
LOCATED = re.compile(r"^.+:\d+:\d+: .+")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


# A tiny agreement whose one deadline can be worked out by hand: feedback within three
# months of a corporate peer challenge. Coventry and Birmingham are in the registry.
RULESET = """\
id: cli-example
title: A one-rule agreement for the CLI tests
source: none.txt
version: "1"
effective:
  start: 2013-07-01
parties:
  councils: [E08000026, E08000025]
rules:
  - id: feedback-published
    kind: deadline
    title: Publish feedback within three months
    clause: "4(b)"
    quote: "publish the feedback within three months"
    trigger:
      type: peer_challenge.held
      where: {kind: corporate}
    fulfil:
      type: feedback.published
      match: [review]
    due: P3M
"""

# Coventry's peer challenge ends on 31 August 2013: 2013-08-31 + P3M = 2013-11-30 (the
# end of November, clamped), so feedback is due on 30 November 2013 inclusive.
HELD = {
    "id": "ev-1",
    "type": "peer_challenge.held",
    "date": "2013-08-31",
    "council": "E08000026",
    "review": "cpc-coventry-2013",
    "kind": "corporate",
}


# Coventry's record of feedback is declared complete from 2013: a missing feedback
# letter is then evidence of a breach, not merely unrecorded.
COVERED = {
    "id": "cov-1",
    "type": "record.coverage",
    "date": "2013-01-01",
    "council": "E08000026",
    "types": ["feedback.published"],
    "from": "2013-01-01",
}


def feedback(day: str) -> dict[str, object]:
    return {
        "id": "ev-2",
        "type": "feedback.published",
        "date": day,
        "council": "E08000026",
        "review": "cpc-coventry-2013",
        "action_plan": True,
    }


@pytest.fixture
def ruleset(tmp_path: Path) -> Path:
    path = tmp_path / "cli-example.yaml"
    path.write_text(RULESET, encoding="utf-8")
    return path


def events_file(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# ------------------------------------------------------------------ help, version


def test_version_goes_to_the_given_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli("--version")
    assert status == 0
    assert out.strip() == f"sli-rules {sli_rules.__version__}"
    assert err == ""
    assert capsys.readouterr() == ("", "")  # nothing on the process's own streams


def test_help_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli("--help")
    assert status == 0
    for command in ("evaluate", "check", "list"):
        assert command in out
    assert "exit status" in out
    assert err == ""
    assert capsys.readouterr() == ("", "")


def test_a_commands_help_goes_to_the_given_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli("evaluate", "--help")
    assert status == 0
    for option in ("--ruleset", "--events", "--as-of", "--format", "--fail-on-breach"):
        assert option in out
    assert capsys.readouterr() == ("", "")


def test_usage_errors_exit_2_on_the_given_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli("frobnicate")
    assert status == 2
    assert out == ""
    assert "invalid choice: 'frobnicate'" in err
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------------------- list


def test_list_names_every_bundled_ruleset() -> None:
    status, out, err = cli("list")
    assert status == 0, err
    stems = {p.stem for p in (REPO / "rulesets").glob("*.yaml")}  # not rulesets/registry/
    listed = {line.split("\t")[0] for line in out.splitlines() if line.strip()}
    assert listed == stems
    if stems:
        # Each with its title, as the ruleset gives it.
        for line in out.splitlines():
            rid, title = line.split("\t")
            assert title == sli_rules.load_ruleset(rid).title
    else:
        assert "no bundled rulesets" in err


# ------------------------------------------------------------------------ check


def test_check_reports_every_problem_with_its_line_and_exits_1() -> None:
    path = GALLERY / "rulesets" / "several-mistakes.yaml"
    status, out, err = cli("check", str(path))
    assert status == 1
    assert out == ""
    *problems, summary = err.splitlines()
    assert len(problems) == 6
    for line in problems:
        assert LOCATED.match(line), line
        assert line.startswith(f"{path}:")
    assert [int(line.split(":")[1]) for line in problems] == [20, 38, 40, 51, 69, 71]
    assert summary == f"{path}: 6 problems"


def test_check_accepts_a_good_ruleset(ruleset: Path) -> None:
    status, out, err = cli("check", str(ruleset))
    assert status == 0
    assert err == ""
    assert out.strip() == f"{ruleset}: ok (cli-example, 1 rule, 0 escalation ladders)"


def test_check_of_several_fails_if_any_fails(ruleset: Path) -> None:
    bad = GALLERY / "rulesets" / "unknown-rule-kind.yaml"
    status, out, err = cli("check", str(ruleset), str(bad))
    assert status == 1
    assert f"{ruleset}: ok" in out
    assert f"{bad}:22:5: unknown rule kind 'dealine'" in err


def test_check_of_an_unknown_id_exits_1() -> None:
    status, _, err = cli("check", "no-such-agreement")
    assert status == 1
    assert "no bundled ruleset with id 'no-such-agreement'" in err


# --------------------------------------------------------------------- evaluate


def test_bad_events_exit_2_naming_the_line_and_field(ruleset: Path) -> None:
    events = GALLERY / "events" / "impossible-date.jsonl"
    status, out, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2015-06-30"
    )
    assert status == 2
    assert out == ""
    assert err.startswith(f"{events}:2: field 'date': ")
    assert "2015-02-30" in err


def test_lenient_evaluation_reports_what_it_rejected(ruleset: Path) -> None:
    events = GALLERY / "events" / "impossible-date.jsonl"
    status, out, err = cli(
        "evaluate", "--lenient", "-r", str(ruleset), "-e", str(events), "--as-of", "2015-06-30"
    )
    assert status == 0
    assert f"rejected {events}:2: field 'date'" in err
    assert "2 records read: 1 accepted, 1 rejected" in err
    assert "1 input records were rejected" in out  # the table says so too


def test_the_lenient_summary_does_not_count_copies_as_accepted(
    ruleset: Path, tmp_path: Path
) -> None:
    bad = {**HELD, "id": "ev-9", "date": "2015-02-30"}
    events = events_file(tmp_path, HELD, HELD, HELD, bad)
    status, _, err = cli(
        "evaluate", "--lenient", "-r", str(ruleset), "-e", str(events), "--as-of", "2015-06-30"
    )
    assert status == 0
    assert "4 records read: 1 accepted, 2 identical copies collapsed, 1 rejected" in err


def test_a_bad_ruleset_exits_2(tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD)
    bad = GALLERY / "rulesets" / "bad-date.yaml"
    status, _, err = cli("evaluate", "-r", str(bad), "-e", str(events), "--as-of", "2015-06-30")
    assert status == 2
    assert f"{bad}:10:3: bad date '2015-02-30'" in err


def test_a_missing_events_file_exits_2(ruleset: Path, tmp_path: Path) -> None:
    status, _, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(tmp_path / "none.jsonl"), "--as-of", "2015-06-30"
    )
    assert status == 2
    assert "no such file" in err


@pytest.mark.parametrize("as_of", ["2015-02-30", "30/06/2015", "yesterday"])
def test_a_bad_as_of_exits_2_with_the_legal_form(ruleset: Path, tmp_path: Path, as_of: str) -> None:
    events = events_file(tmp_path, HELD)
    status, out, err = cli("evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", as_of)
    assert status == 2
    assert out == ""
    assert "--as-of" in err
    assert as_of in err
    assert "YYYY-MM-DD" in err


@pytest.mark.parametrize("as_of", ["9999-12-31", "9015-06-30", "2101-01-01", "1899-12-31"])
def test_an_as_of_outside_the_range_exits_2_before_any_work(
    ruleset: Path, tmp_path: Path, as_of: str
) -> None:
    # A mistyped year (9015 for 2015) took minutes and gigabytes; 9999-12-31 crashed.
    events = events_file(tmp_path, HELD)
    status, out, err = cli("evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", as_of)
    assert status == 2
    assert out == ""
    assert f"--as-of: '{as_of}' is outside the dates sli-rules reads" in err
    assert "1900-01-01 to 2100-12-31" in err


def test_the_api_refuses_an_as_of_outside_the_range_too(ruleset: Path) -> None:
    with pytest.raises(ValueError, match="outside the dates sli-rules reads"):
        sli_rules.evaluate([sli_rules.load_ruleset(ruleset)], [HELD], as_of=dt.date(9999, 12, 31))


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("due: P3M", "due: P9999Y", "'P9999Y' is longer than 100 years"),
        ("start: 2013-07-01", "start: 9999-12-31", "'9999-12-31' is outside the dates"),
    ],
)
def test_values_that_crashed_evaluate_are_refused_by_check_and_evaluate(
    tmp_path: Path, old: str, new: str, fragment: str
) -> None:
    path = tmp_path / "far.yaml"
    path.write_text(RULESET.replace(old, new), encoding="utf-8")
    status, _, err = cli("check", str(path))
    assert status == 1
    assert fragment in err
    events = events_file(tmp_path, HELD)
    status, out, err = cli("evaluate", "-r", str(path), "-e", str(events), "--as-of", "2015-06-30")
    assert status == 2
    assert out == ""
    assert f"{path}:" in err
    assert fragment in err
    assert "Traceback" not in err


def evaluate_json(ruleset: Path, events: Path, as_of: str) -> dict[str, object]:
    status, out, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", as_of, "--format", "json"
    )
    assert status == 0, err
    parsed: dict[str, object] = json.loads(out)
    return parsed


def test_json_output_has_as_of_and_the_hand_worked_breach(ruleset: Path, tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD, COVERED)
    report = evaluate_json(ruleset, events, "2013-12-01")
    assert report["as_of"] == "2013-12-01"
    findings = report["findings"]
    assert isinstance(findings, list)
    breaches = [f for f in findings if f["kind"] == "breach"]
    assert len(breaches) == 1
    [breach] = breaches
    assert breach["agreement"] == "cli-example"
    assert breach["rule"] == "feedback-published"
    assert breach["clause"] == "4(b)"
    assert breach["party"] == "E08000026"
    assert breach["opens"] == "2013-08-31"
    assert breach["due"] == "2013-11-30"
    assert breach["triggered_by"] == ["ev-1"]
    assert breach["fulfilled_by"] == []
    assert "2013-11-30" in breach["explanation"]
    for f in findings:  # the contract's fields, on every finding
        for field in ("kind", "agreement", "rule", "clause", "party", "status", "opens", "due",
                      "triggered_by", "fulfilled_by", "explanation"):  # fmt: skip
            assert field in f


def test_on_the_due_day_nothing_is_breached_yet(ruleset: Path, tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD)
    report = evaluate_json(ruleset, events, "2013-11-30")
    findings = report["findings"]
    assert isinstance(findings, list)
    assert [f for f in findings if f["kind"] == "breach"] == []
    [obligation] = findings
    assert obligation["status"] == "open"
    assert obligation["due"] == "2013-11-30"


def test_feedback_on_the_due_day_is_on_time(ruleset: Path, tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD, feedback("2013-11-30"))
    report = evaluate_json(ruleset, events, "2014-06-30")
    findings = report["findings"]
    assert isinstance(findings, list)
    [obligation] = findings
    assert obligation["status"] == "fulfilled"
    assert obligation["fulfilled_by"] == ["ev-2"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table", "markdown"])
def test_every_format_runs(ruleset: Path, tmp_path: Path, fmt: str) -> None:
    events = events_file(tmp_path, HELD, COVERED)
    as_of = "2013-12-01"
    status, out, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", as_of, "--format", fmt
    )
    assert status == 0, err
    expected = json.loads(cli("evaluate", "-r", str(ruleset), "-e", str(events),
                              "--as-of", as_of, "-f", "json")[1])["findings"]  # fmt: skip
    assert len(expected) == 2  # the obligation, breached, and the breach itself
    if fmt == "json":
        assert json.loads(out)["findings"] == expected
    elif fmt == "jsonl":
        assert [json.loads(line) for line in out.splitlines()] == expected
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["kind"], r["rule"], r["due"]) for r in rows] == [
            (f["kind"], f["rule"], f["due"]) for f in expected
        ]
    elif fmt == "table":
        assert "feedback-published" in out
        assert "breached" in out
        assert "2013-11-30" in out
    else:
        assert out.startswith(f"# Findings as of {as_of}")
        assert "| feedback-published |" in out.replace("  ", " ")


def test_output_option_writes_the_report_to_a_file(ruleset: Path, tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD)
    target = tmp_path / "report.json"
    status, out, _ = cli(
        "evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2013-12-01",
        "-f", "json", "-o", str(target),
    )  # fmt: skip
    assert status == 0
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["as_of"] == "2013-12-01"


def test_fail_on_breach_exits_3_when_a_breach_exists(ruleset: Path, tmp_path: Path) -> None:
    events = events_file(tmp_path, HELD, COVERED)
    argv = ["evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2013-12-01"]
    assert cli(*argv)[0] == 0  # breaches alone do not fail the command
    status, _, err = cli(*argv, "--fail-on-breach")
    assert status == 3
    assert "1 breach found" in err


def test_missing_feedback_is_unrecorded_unless_the_record_is_declared_complete(
    ruleset: Path, tmp_path: Path
) -> None:
    events = events_file(tmp_path, HELD)
    argv = ["evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2013-12-01"]
    status, out, err = cli(*argv, "-f", "json", "--fail-on-breach")
    assert status == 0, err
    [obligation] = json.loads(out)["findings"]
    assert obligation["status"] == "unrecorded"
    assert "record.coverage" in obligation["explanation"]
    assert "--complete" in obligation["explanation"]
    status, out, _ = cli(*argv, "--complete", "-f", "json", "--fail-on-breach")
    assert status == 3
    statuses = sorted((f["kind"], f["status"]) for f in json.loads(out)["findings"])
    assert statuses == [("breach", "breached"), ("obligation", "breached")]


def test_the_summary_counts_unrecorded_duties_and_says_when_nothing_was_declared(
    ruleset: Path, tmp_path: Path
) -> None:
    events = events_file(tmp_path, HELD, HELD)
    argv = ["evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2013-12-01"]
    out = cli(*argv)[1]
    assert "Events: 1 accepted, 1 duplicate, 0 rejected (2 records read)" in out
    assert "Duties: 1 unrecorded" in out
    assert "Completeness: none declared" in out
    assert "Completeness: none declared" not in cli(*argv, "--complete")[1]
    accounting = json.loads(cli(*argv, "-f", "json")[1])["accounting"]
    assert accounting == {
        "events_read": 2,
        "accepted": 1,
        "duplicates": 1,
        "rejected": 0,
        "unrecorded": 1,
        "undetermined": 0,
        "complete": False,
        "coverage": 0,
    }
    covered = events_file(tmp_path, HELD, COVERED)
    out = cli("evaluate", "-r", str(ruleset), "-e", str(covered), "--as-of", "2013-12-01")[1]
    assert "Duties: 0 unrecorded" in out
    assert "declared by 1 record.coverage event" in out


def test_lenient_reading_that_accepts_nothing_exits_2(ruleset: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "type": "no.such", "date": "2013-01-01"}\n', encoding="utf-8")
    argv = ["evaluate", "--lenient", "-r", str(ruleset), "--as-of", "2013-12-01"]
    status, _, err = cli(*argv, "-e", str(bad))
    assert status == 2
    assert "none of the 1 records read" in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")  # a quiet night: nothing read, nothing wrong
    assert cli(*argv, "-e", str(empty))[0] == 0


def test_max_rejected_exits_2_when_more_are_rejected(ruleset: Path, tmp_path: Path) -> None:
    bad = {"id": "b", "type": "no.such", "date": "2013-01-01", "council": "E08000026"}
    path = events_file(tmp_path, HELD, bad, {**bad, "id": "c"})
    argv = ["evaluate", "--lenient", "-r", str(ruleset), "-e", str(path), "--as-of", "2013-12-01"]
    assert cli(*argv, "--max-rejected", "2")[0] == 0
    status, _, err = cli(*argv, "--max-rejected", "1")
    assert status == 2
    assert "2 records rejected, more than --max-rejected 1" in err


@pytest.mark.parametrize(
    ("events", "as_of"),
    [
        ((HELD,), "2013-11-30"),  # not due until the end of the day
        ((HELD, feedback("2013-11-30")), "2014-06-30"),  # fulfilled on the due day
        ((), "2014-06-30"),  # nothing triggered
    ],
)
def test_fail_on_breach_exits_0_when_there_is_none(
    ruleset: Path, tmp_path: Path, events: tuple[dict[str, object], ...], as_of: str
) -> None:
    path = events_file(tmp_path, *events)
    status, _, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(path), "--as-of", as_of, "--fail-on-breach"
    )
    assert status == 0, err


def test_late_feedback_is_still_a_breach(ruleset: Path, tmp_path: Path) -> None:
    # positive evidence: no declaration of completeness is needed for a late fulfilment
    path = events_file(tmp_path, HELD, feedback("2013-12-01"))
    status, out, _ = cli(
        "evaluate", "-r", str(ruleset), "-e", str(path), "--as-of", "2014-06-30",
        "-f", "json", "--fail-on-breach",
    )  # fmt: skip
    assert status == 3
    [breach] = [f for f in json.loads(out)["findings"] if f["kind"] == "breach"]
    assert breach["remedied_on"] == "2013-12-01"


def test_csv_events_are_evaluated_too(ruleset: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "id,type,date,council,review,kind,action_plan\n"
        "ev-1,peer_challenge.held,2013-08-31,E08000026,cpc,corporate,\n"
        "ev-2,feedback.published,2013-11-30,E08000026,cpc,,true\n",
        encoding="utf-8",
    )
    status, out, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(path), "--as-of", "2014-01-31",
        "-f", "json", "--fail-on-breach",
    )  # fmt: skip
    assert status == 0, err
    [obligation] = json.loads(out)["findings"]
    assert obligation["status"] == "fulfilled"


@pytest.mark.parametrize("event_id", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_csv_output_cannot_carry_a_formula_from_an_event_id(
    ruleset: Path, tmp_path: Path, event_id: str
) -> None:
    events = events_file(tmp_path, {**HELD, "id": event_id})
    status, out, err = cli(
        "evaluate", "-r", str(ruleset), "-e", str(events), "--as-of", "2014-01-31", "-f", "csv"
    )
    assert status == 0, err
    [row] = [r for r in csv.DictReader(io.StringIO(out)) if r["kind"] == "obligation"]
    assert row["triggered_by"] == "'" + event_id  # shown as text by a spreadsheet
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
