"""The Report as analysts use it in a notebook: a short repr, len() and iteration,
a filter that refuses misspelt fields and values, and as-of dates from pandas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import sli_rules
from sli_rules.model.dates import DateError

ROOT = Path(__file__).resolve().parents[1]
EM = "east-midlands-childrens-mou-2015"
EM_EVENTS = ROOT / "examples" / f"{EM}.jsonl"
EM_AS_OF = dt.date(2017, 6, 30)


@pytest.fixture(scope="module")
def report() -> sli_rules.Report:
    return sli_rules.evaluate([EM], EM_EVENTS, as_of=EM_AS_OF)


def test_repr_is_one_short_line(report: sli_rules.Report) -> None:
    text = repr(report)
    assert "\n" not in text
    assert len(text) < 600  # was the whole tuple of findings: hundreds of kilobytes
    assert text.startswith("<Report: As of 2017-06-30:")
    assert f"{len(report.findings)} findings" in text
    assert EM in text


def test_str_is_the_table(report: sli_rules.Report) -> None:
    assert str(report) == report.to_table(explain=False)


def test_len_and_iteration_are_over_the_findings(report: sli_rules.Report) -> None:
    assert len(report) == len(report.findings) > 0
    assert list(report) == list(report.findings)
    assert [f.status for f in report][:3] == [f.status for f in report.findings[:3]]
    assert not report.filter(kind="breach", status="fulfilled")  # empty is false


def test_filter_keeps_any_of_a_list_tuple_or_set(report: sli_rules.Report) -> None:
    breached = report.filter(status="breached")
    fulfilled = report.filter(status="fulfilled")
    assert len(breached)
    assert len(fulfilled)
    for either in (["breached", "fulfilled"], ("breached", "fulfilled"), {"breached", "fulfilled"}):
        assert len(report.filter(status=either)) == len(breached) + len(fulfilled)
    assert all(
        f.status in ("breached", "fulfilled")
        for f in report.filter(status=["breached", "fulfilled"])
    )


def test_filter_on_a_list_field_means_contains(report: sli_rules.Report) -> None:
    f = next(f for f in report if f.triggered_by)
    kept = report.filter(triggered_by=f.triggered_by[0])
    assert f in kept.findings
    assert all(f.triggered_by[0] in k.triggered_by for k in kept)


def test_filter_dates_as_date_text_or_timestamp(report: sli_rules.Report) -> None:
    f = next(f for f in report if f.due)
    assert f.due is not None
    by_date = report.filter(due=f.due)
    assert f in by_date.findings
    assert by_date == report.filter(due=f.due.isoformat())
    assert by_date == report.filter(due=pd.Timestamp(f.due))
    assert by_date == report.filter(due=dt.datetime.combine(f.due, dt.time(0)))


@pytest.mark.parametrize(
    ("fields", "error", "fragment"),
    [
        ({"staus": "breached"}, TypeError, "did you mean 'status'"),
        ({"status": "fulfiled"}, ValueError, "did you mean 'fulfilled'"),
        ({"status": ["breached", "fulfiled"]}, ValueError, "did you mean 'fulfilled'"),
        ({"kind": "breaches"}, ValueError, "did you mean 'breach'"),
        ({"due": "2017-02-30"}, ValueError, "due"),
    ],
)
def test_filter_refuses_what_can_never_match(
    report: sli_rules.Report, fields: dict[str, object], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        report.filter(**fields)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "as_of",
    [
        EM_AS_OF,
        "2017-06-30",
        pd.Timestamp("2017-06-30"),
        dt.datetime(2017, 6, 30),
    ],
    ids=["date", "text", "timestamp", "datetime"],
)
def test_as_of_accepts_a_day_in_any_common_form(report: sli_rules.Report, as_of: object) -> None:
    again = sli_rules.evaluate([EM], EM_EVENTS, as_of=as_of)  # type: ignore[arg-type]
    assert type(again.as_of) is dt.date
    assert again == report


@pytest.mark.parametrize(
    ("as_of", "fragment"),
    [
        (pd.Timestamp("2017-06-30 09:30"), "time of day"),
        (dt.datetime(2017, 6, 30, 9, 30), "time of day"),
        (pd.NaT, "missing"),
        (20170630, "expected a calendar date"),
        ("30/06/2017", "YYYY-MM-DD"),
    ],
    ids=["timestamp-with-time", "datetime-with-time", "NaT", "number", "text"],
)
def test_as_of_that_is_not_a_day_is_a_clear_error(as_of: object, fragment: str) -> None:
    with pytest.raises(DateError) as caught:
        sli_rules.evaluate([EM], [], as_of=as_of)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert "as_of" in str(caught.value)
