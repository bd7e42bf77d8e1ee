"""Imprecise event dates (docs/events.md and docs/findings.md): the forms read, their
bounds, and the findings they give, through the API, the CLI and every output format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules.cli.main import run as cli
from sli_rules.engine.refine import CERTAIN_ON_EVERY_DAY
from sli_rules.model.dates import DateError, DaySpan, parse_event_date

D = dt.date

# ------------------------------------------------------------------ the forms


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2014-10", D(2014, 10, 1), D(2014, 10, 31)),
        ("2014-02", D(2014, 2, 1), D(2014, 2, 28)),
        ("2016-02", D(2016, 2, 1), D(2016, 2, 29)),  # a leap year
        ("2000-02", D(2000, 2, 1), D(2000, 2, 29)),  # divisible by 400: a leap year
        ("1900-02", D(1900, 2, 1), D(1900, 2, 28)),  # divisible by 100 only: not one
        ("2013-21", D(2013, 3, 1), D(2013, 5, 31)),  # spring
        ("2013-22", D(2013, 6, 1), D(2013, 8, 31)),  # summer
        ("2013-23", D(2013, 9, 1), D(2013, 11, 30)),  # autumn
        ("2013-24", D(2013, 12, 1), D(2014, 2, 28)),  # winter runs into the next year
        ("2015-24", D(2015, 12, 1), D(2016, 2, 29)),  # ... to a leap day
        ("2014", D(2014, 1, 1), D(2014, 12, 31)),
        ("2014-10-01/2014-10-31", D(2014, 10, 1), D(2014, 10, 31)),
        ("2014-01/2014-02", D(2014, 1, 1), D(2014, 2, 28)),
        ("2013/2014", D(2013, 1, 1), D(2014, 12, 31)),
        ("2014-10-30/2014-10-31", D(2014, 10, 30), D(2014, 10, 31)),
        ("../2016-03-31", sli_rules.model.dates.EARLIEST, D(2016, 3, 31)),
    ],
)
def test_each_form_spans_the_days_it_names(text: str, earliest: D, latest: D) -> None:
    span = parse_event_date(text)
    assert isinstance(span, DaySpan)
    assert (span.earliest, span.latest, span.text) == (earliest, latest, text)


def test_a_day_and_a_one_day_interval_are_exact() -> None:
    assert parse_event_date("2014-10-15") == D(2014, 10, 15)
    assert parse_event_date("2014-10-15/2014-10-15") == D(2014, 10, 15)


@pytest.mark.parametrize(
    "text",
    [
        "2014?",  # uncertain
        "2014-10~",  # approximate
        "2014-10%",
        "201X",  # unspecified digits
        "[2014,2015]",  # a set
        "{2014,2015}",
        "2014/..",  # an open end
        "2014-10-15/..",
        "/2014",  # an unknown start
        "2015/2014",  # backwards
        "2014-25",  # a level-2 season
        "2014-13",
        "2014-02-30",
        "2014-10-15T10:00",
        " 2014-10",
        "1899",  # out of range
        "../1899-12-31",
    ],
)
def test_other_edtf_features_are_refused_naming_the_forms(text: str) -> None:
    with pytest.raises(DateError):
        parse_event_date(text)


def test_the_error_in_a_file_names_line_field_and_forms(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "a",
                "type": "feedback.published",
                "date": "2014-10~",
                "council": "E08000026",
                "review": "r1",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(sli_rules.EventError) as info:
        sli_rules.read_events(path)
    text = str(info.value)
    assert "events.jsonl:1" in text
    assert "'date'" in text
    assert "../2016-03-31" in text


def test_start_after_the_last_day_of_an_imprecise_date_is_refused() -> None:
    record = _held("2014-04") | {"start": "2014-05-02"}
    intake = sli_rules.read_events([record], lenient=True)
    assert not intake.events
    assert "'start'" in "; ".join(intake.rejected[0].reasons)


# ------------------------------------------------------------- the done-when case

WM = "west-midlands-compact-2013"
HOST = "E08000026"  # Coventry


def _held(day: str) -> dict[str, Any]:
    return {
        "id": "held",
        "type": "peer_challenge.held",
        "date": day,
        "council": HOST,
        "review": "r1",
        "kind": "corporate",
    }


def _feedback(day: str) -> dict[str, Any]:
    return {
        "id": "fb",
        "type": "feedback.published",
        "date": day,
        "council": HOST,
        "review": "r1",
        "action_plan": True,
    }


def _duty(report: sli_rules.Report, kind: str = "obligation") -> list[sli_rules.Finding]:
    return [f for f in report.findings if f.rule == "feedback-published" and f.kind == kind]


def _evaluate(feedback: str, as_of: str = "2015-06-30") -> sli_rules.Report:
    return sli_rules.evaluate(
        WM, [_held("2014-04-15"), _feedback(feedback)], as_of=as_of, complete=True
    )


def test_feedback_in_the_month_of_the_deadline_is_undetermined() -> None:
    report = _evaluate("2014-10")
    (duty,) = _duty(report)
    assert duty.status == "undetermined"
    assert duty.possible == ("fulfilled", "fulfilled_late")
    assert duty.due == D(2014, 10, 15)
    (breach,) = _duty(report, "breach")
    assert breach.status == "undetermined"
    assert breach.possible == ("remedied",)
    assert breach.date_range("remedied_on") == (D(2014, 10, 16), D(2014, 10, 31))
    # the action plan came with the feedback: its duty and breach are undetermined too
    undetermined = [f.rule for f in report.findings if f.status == "undetermined"]
    assert sorted(undetermined) == ["action-plan-published"] * 2 + ["feedback-published"] * 2
    assert report.accounting()["undetermined"] == 4


@pytest.mark.parametrize(
    ("month", "status"), [("2014-09", "fulfilled"), ("2014-11", "fulfilled_late")]
)
def test_feedback_in_a_month_wholly_before_or_after_is_certain(month: str, status: str) -> None:
    report = _evaluate(month)
    (duty,) = _duty(report)
    assert (duty.status, duty.possible) == (status, ())
    breaches = _duty(report, "breach")
    assert [b.status for b in breaches] == (["remedied"] if status == "fulfilled_late" else [])
    if breaches:  # remedied some day in November
        assert breaches[0].date_range("remedied_on") == (D(2014, 11, 1), D(2014, 11, 30))


@pytest.mark.parametrize(
    ("feedback", "possible"),
    [
        ("2014-10-15/2014-10-16", ("fulfilled", "fulfilled_late")),  # due day, day after
        ("2014-10-14/2014-10-15", ()),  # both on time: the due day is on time
        ("2014-10-16/2014-10-17", ()),
        ("2014-23", ("fulfilled", "fulfilled_late")),  # autumn holds the due day
        ("2014-05-01/2014-10-15", ()),  # after the challenge, by the due day: on time
        # "by" the due day, but perhaps before the challenge, when it fulfils nothing
        ("../2014-10-15", ("breached", "fulfilled")),
    ],
)
def test_interval_ends_are_inclusive(feedback: str, possible: tuple[str, ...]) -> None:
    (duty,) = _duty(_evaluate(feedback))
    assert duty.possible == possible


def test_an_imprecise_trigger_gives_an_interval_due_date() -> None:
    report = sli_rules.evaluate(
        WM, [_held("2014-04"), _feedback("2014-12-01")], as_of="2015-06-30", complete=True
    )
    (duty,) = _duty(report)
    assert duty.status == "fulfilled_late"
    assert duty.date_range("due") == (D(2014, 10, 1), D(2014, 10, 30))
    assert duty.to_dict()["due"] == "2014-10-01/2014-10-30"
    row = duty.to_row()
    assert row["due"] is None
    assert (row["due_earliest"], row["due_latest"]) == (
        D(2014, 10, 1),
        D(2014, 10, 30),
    )


def test_a_certain_finding_worded_with_one_refinements_days_says_so() -> None:
    """A finding certain on every day of an imprecise trigger is explained in the words
    of one refinement, which name its days: the text says they are one choice, so that
    it does not state a day the record does not give."""
    report = sli_rules.evaluate(
        WM, [_held("2014-04"), _feedback("2014-12-01")], as_of="2015-06-30", complete=True
    )
    (duty,) = _duty(report)
    assert duty.status == "fulfilled_late"
    assert duty.possible == ()
    assert duty.explanation.endswith(CERTAIN_ON_EVERY_DAY)
    assert duty.explanation.count(CERTAIN_ON_EVERY_DAY) == 1
    # a fulfilment in a month wholly before the due date: the text names one of its days
    (duty,) = _duty(_evaluate("2014-09"))
    assert duty.status == "fulfilled"
    assert duty.explanation.endswith(CERTAIN_ON_EVERY_DAY)
    # with exact days, or where every refinement words it alike (the only imprecise
    # event is another council's), nothing is added
    other = {**_held("2014-05"), "id": "other", "council": "E08000025", "review": "r2"}
    for report in (
        _evaluate("2014-09-01"),
        sli_rules.evaluate(
            WM,
            [_held("2014-04-15"), _feedback("2014-09-01"), other],
            as_of="2015-06-30",
            complete=True,
        ),
    ):
        (duty,) = [f for f in _duty(report) if f.party == HOST]
        assert duty.status == "fulfilled"
        assert CERTAIN_ON_EVERY_DAY not in duty.explanation
    assert any(CERTAIN_ON_EVERY_DAY in f.explanation for f in report.findings)


def test_no_hindsight_an_event_counts_only_on_days_up_to_as_of() -> None:
    # as of 2014-10-20 the October feedback may not have happened yet: the duty is
    # fulfilled (by the 15th), fulfilled late (16th to 20th) or breached (after the 20th)
    (duty,) = _duty(_evaluate("2014-10", as_of="2014-10-20"))
    assert duty.possible == ("breached", "fulfilled", "fulfilled_late")
    (before,) = _duty(_evaluate("2014-10", as_of="2014-09-30"))
    assert before.status == "open"


# --------------------------------------------------------------- through the CLI


def _write(tmp_path: Path, feedback: str) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in (_held("2014-04-15"), _feedback(feedback))),
        encoding="utf-8",
    )
    return path


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli(list(args), out, err)
    return code, out.getvalue()


def test_cli_json_and_csv_carry_the_uncertainty(tmp_path: Path) -> None:
    events = _write(tmp_path, "2014-10")
    common = (
        "evaluate",
        "--ruleset",
        WM,
        "--events",
        str(events),
        "--as-of",
        "2015-06-30",
        "--complete",
    )
    code, text = _cli(*common, "--format", "json")
    assert code == 0
    data = json.loads(text)
    (duty,) = [
        f
        for f in data["findings"]
        if f["rule"] == "feedback-published" and f["kind"] == "obligation"
    ]
    assert duty["status"] == "undetermined"
    assert duty["possible"] == ["fulfilled", "fulfilled_late"]
    assert data["accounting"]["undetermined"] == 4
    code, text = _cli(*common, "--format", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["rule"] == "feedback-published"]
    breach = next(r for r in rows if r["kind"] == "breach")
    assert breach["remedied_on"] == ""
    assert (breach["remedied_on_earliest"], breach["remedied_on_latest"]) == (
        "2014-10-16",
        "2014-10-31",
    )
    assert breach["possible"] == "remedied"


def test_fail_on_breach_counts_certain_breaches_only(tmp_path: Path) -> None:
    common = (
        "evaluate",
        "--ruleset",
        WM,
        "--as-of",
        "2015-06-30",
        "--complete",
        "--fail-on-breach",
        "--format",
        "json",
    )
    # the learning-shared duty is breached whatever the feedback's day: leave it out
    # by looking at the exit status of a stream where only the feedback varies
    late = _write(tmp_path, "2014-11")
    code, _ = _cli(*common, "--events", str(late))
    assert code == 3
    unsure = tmp_path / "unsure.jsonl"
    records = [
        _held("2014-04-15"),
        _feedback("2014-10"),
        {
            "id": "ls",
            "type": "learning.shared",
            "date": "2014-05-01",
            "council": HOST,
            "review": "r1",
        },
        {
            "id": "ap",
            "type": "action_plan.published",
            "date": "2014-05-01",
            "council": HOST,
            "review": "r1",
        },
    ]
    unsure.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, text = _cli(*common, "--events", str(unsure))
    certain = [
        f
        for f in json.loads(text)["findings"]
        if f["kind"] == "breach" and f["status"] != "undetermined"
    ]
    assert code == (3 if certain else 0)
    assert any(
        f["kind"] == "breach" and f["status"] == "undetermined"
        for f in json.loads(text)["findings"]
    )


def test_tabular_intake_reads_the_same_forms(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "id,type,date,council,review,kind,action_plan\n"
        f"held,peer_challenge.held,2014-04-15,{HOST},r1,corporate,\n"
        f"fb,feedback.published,2014-23,{HOST},r1,,true\n",
        encoding="utf-8",
    )
    report = sli_rules.evaluate(WM, path, as_of="2015-06-30", complete=True)
    (duty,) = _duty(report)
    assert duty.possible == ("fulfilled", "fulfilled_late")


# ------------------------------------------------------------------ run --state


def test_run_state_with_imprecise_dates_equals_one_batch(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    first = tmp_path / "n1.jsonl"
    first.write_text(json.dumps(_held("2014-04-15")) + "\n", encoding="utf-8")
    second = tmp_path / "n2.jsonl"
    second.write_text(json.dumps(_feedback("2014-10")) + "\n", encoding="utf-8")
    code, _ = _cli(
        "run",
        "--state",
        str(state),
        "--ruleset",
        WM,
        "--events",
        str(first),
        "--as-of",
        "2014-09-30",
        "--complete",
    )
    assert code == 0
    code, _ = _cli("run", "--state", str(state), "--events", str(second), "--as-of", "2015-06-30")
    assert code == 0
    code, shown = _cli("run", "--state", str(state), "--show", "--format", "json")
    events = tmp_path / "all.jsonl"
    events.write_text(first.read_text() + second.read_text(), encoding="utf-8")
    code, batch = _cli(
        "evaluate",
        "--ruleset",
        WM,
        "--events",
        str(events),
        "--as-of",
        "2015-06-30",
        "--complete",
        "--format",
        "json",
    )
    assert json.loads(shown)["findings"] == json.loads(batch)["findings"]
    assert any(f["status"] == "undetermined" for f in json.loads(shown)["findings"])


def test_a_format_2_state_is_read_and_rewritten_as_format_3(tmp_path: Path) -> None:
    import sqlite3

    from sli_rules.tools.incremental import FORMAT

    state = tmp_path / "state.sqlite"
    sli_rules.run_incremental(
        state, [_held("2014-04-15")], as_of="2014-09-30", rulesets=[WM], complete=True
    )
    with sqlite3.connect(state) as db:
        db.execute("PRAGMA user_version = 2")  # as the previous release wrote it
    before = sli_rules.state_report(state).findings
    assert before
    result = sli_rules.run_incremental(state, [_feedback("2014-10")], as_of="2015-06-30")
    assert any(c.finding.status == "undetermined" for c in result.changes)
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == FORMAT == 3


# ------------------------------------------------------------------ JSON Schemas


def test_the_schemas_take_imprecise_dates_and_undetermined_findings() -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    from sli_rules.tools.schema import events_schema, findings_schema

    events = Draft202012Validator(events_schema(), format_checker=FormatChecker())
    for good in ("2014-10-15", "2014-10", "2013-24", "2014", "2014-01/2014-02", "../2016-03-31"):
        assert not list(events.iter_errors(_feedback(good))), good
    for bad in ("2014-02-30", "2014-10~", "2014/..", "[2014,2015]", "October 2014"):
        assert list(events.iter_errors(_feedback(bad))), bad
    findings = Draft202012Validator(findings_schema(), format_checker=FormatChecker())
    report = json.loads(_evaluate("2014-10").to_json())
    assert not list(findings.iter_errors(report))
    assert any(f.get("possible") for f in report["findings"])
    imprecise_due = sli_rules.evaluate(
        WM, [_held("2014-04"), _feedback("2014-12-01")], as_of="2015-06-30", complete=True
    )
    assert not list(findings.iter_errors(json.loads(imprecise_due.to_json())))


_SHAPES = st.from_regex(
    r"(?:(?:\d{4}(?:-\d{2}(?:-\d{2})?)?|\.\.)/)?\d{4}(?:-\d{2}(?:-\d{2})?)?", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_SHAPES, st.text(max_size=25)))
def test_any_text_is_a_date_form_or_a_date_error(text: str) -> None:
    try:
        when = parse_event_date(text)
    except DateError:
        return
    if isinstance(when, DaySpan):
        assert when.earliest < when.latest
        assert when.text == text


def test_a_session_refuses_an_imprecise_event_and_keeps_none_of_its_batch() -> None:
    # a Session works day by day; an unknown day must go through evaluate() or `run`
    session = sli_rules.open_session(WM, complete=True)
    batch = sli_rules.read_events([_held("2014-04-15"), _feedback("2014-10")]).events
    with pytest.raises(ValueError, match="imprecise date"):
        session.feed(batch)
    assert session.pending == 0
    session.advance(D(2015, 6, 30))
    assert not _duty(sli_rules.Report(as_of=D(2015, 6, 30), findings=tuple(session.findings())))
