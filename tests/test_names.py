"""Reports show the names of councils and bodies beside their codes (from the registry);
JSON keeps the codes and adds the names."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import sli_rules
from sli_rules.outputs.names import labelled, party_name

ROOT = Path(__file__).resolve().parents[1]
WM = "west-midlands-compact-2013"
WM_EVENTS = ROOT / "examples" / f"{WM}.jsonl"


@pytest.fixture(scope="module")
def report() -> sli_rules.Report:
    return sli_rules.evaluate([WM], WM_EVENTS, as_of=dt.date(2015, 12, 31))


def test_the_registry_names_councils_and_bodies() -> None:
    assert party_name("E08000026") == "Coventry"
    assert party_name("wmsli-steering-group").startswith("West Midlands")
    assert party_name("E99999999") == ""
    assert labelled("E08000026") == "E08000026 Coventry"
    assert labelled("E08000026", "name (code)") == "Coventry (E08000026)"
    assert labelled("E99999999") == "E99999999"
    assert labelled("wmsli-steering-group", width=12) == "wmsli-steering-group West Midlan\u2026"


def test_json_keeps_codes_and_adds_names(report: sli_rules.Report) -> None:
    data = json.loads(report.to_json())
    assert {f["party"] for f in data["findings"]} <= set(data["names"])
    assert all(f["party"] == f["party"].strip() and " " not in f["party"] for f in data["findings"])
    assert data["names"]["E08000026"] == "Coventry"
    # escalations name the council they are about (the Compact has no ladder since
    # issue 14, so there may be none here)
    about = {f["about"] for f in data["findings"] if f["about"]}
    assert about <= set(data["names"])
    assert data["names"]["wmsli-steering-group"] == party_name("wmsli-steering-group")


def test_table_and_markdown_show_names_beside_codes(report: sli_rules.Report) -> None:
    table = report.to_table()
    markdown = report.to_markdown()
    for f in report.filter(kind="breach"):
        assert f"{f.party} {party_name(f.party)}" in markdown
        assert f"{f.party} {party_name(f.party)[:20]}" in table
    # a long body name is cut short in the fixed-width table only
    assert "West Midlands Sector Led Improvement Steering Group" in markdown
    assert "West Midlands Sector Le\u2026" in table


def test_calendar_names_councils_and_bodies_without_the_rulesets() -> None:
    early = sli_rules.evaluate([WM], WM_EVENTS, as_of=dt.date(2014, 3, 20))
    unfolded = early.to_ical().decode().replace("\r\n ", "")  # iCalendar folds lines
    upcoming = [f for f in early if f.due and f.due >= early.as_of and f.status == "open"]
    assert upcoming
    for f in upcoming:
        assert f"SUMMARY:{party_name(f.party)} ({f.party}):" in unfolded
