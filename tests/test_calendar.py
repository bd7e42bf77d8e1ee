"""Calendar export: upcoming deadlines of chosen parties as iCalendar, read back with the
`icalendar` library."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from pathlib import Path

import icalendar
import pytest

import sli_rules
from sli_rules.cli import run
from sli_rules.outputs.ical import uid, upcoming

REPO = Path(__file__).resolve().parents[1]
EM = "east-midlands-childrens-mou-2015"
EM_EVENTS = REPO / "examples" / f"{EM}.jsonl"
AS_OF = dt.date(2016, 6, 30)
DERBYSHIRE = "E10000007"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def _events(data: bytes | str) -> list[icalendar.cal.Component]:
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VEVENT"]


@pytest.fixture(scope="module")
def report() -> sli_rules.Report:
    return sli_rules.evaluate([EM], EM_EVENTS, as_of=AS_OF)


def test_one_all_day_event_per_upcoming_deadline_of_the_party(report: sli_rules.Report) -> None:
    rulesets = [sli_rules.load_ruleset(EM)]
    data = sli_rules.to_ical(report, parties=[DERBYSHIRE], rulesets=rulesets)
    events = _events(data)
    expected = [
        f
        for f in report.findings
        if DERBYSHIRE in (f.party, f.actor)
        and f.due is not None
        and f.due >= AS_OF
        and (f.kind, f.status) in {("obligation", "open"), ("obligation", "upcoming"),
                                   ("escalation", "due")}
    ]  # fmt: skip
    assert expected  # the example has some
    assert len(events) == len(expected)
    by_uid = {str(e["UID"]): e for e in events}
    titles = {r.id: r for r in rulesets[0].rules}
    for f in expected:
        e = by_uid[uid(f)]
        start = e.decoded("DTSTART")
        assert isinstance(start, dt.date)
        assert not isinstance(start, dt.datetime)
        assert start == f.due  # on the due date, all day
        assert e.decoded("DTEND") == f.due + dt.timedelta(days=1)
        summary = str(e["SUMMARY"])
        assert DERBYSHIRE in summary
        assert "Derbyshire" in summary
        assert f"clause {f.clause}" in summary
        assert f.title in summary
        description = str(e["DESCRIPTION"])
        assert f.explanation in description
        assert titles[f.rule].quote in description
        assert e.decoded("DTSTAMP") == dt.datetime(2016, 6, 30, tzinfo=dt.UTC)


def test_only_deadlines_ahead_and_only_the_chosen_parties(report: sli_rules.Report) -> None:
    everyone = upcoming(report)
    assert {f.status for f in everyone} <= {"open", "upcoming", "due"}
    assert all(f.due is not None and f.due >= AS_OF for f in everyone)
    # escalation steps overdue before the date (still 'due') are not upcoming deadlines
    overdue = [f for f in report.escalations if f.status == "due" and f.due and f.due < AS_OF]
    assert overdue
    assert not set(overdue) & set(everyone)
    two = upcoming(report, parties=["E06000015", "em-dcs-group"])
    assert two
    assert {f.party for f in two} <= {"E06000015", "em-dcs-group"}
    soon = upcoming(report, days=31)
    assert soon
    assert all(f.due is not None and f.due <= AS_OF + dt.timedelta(days=31) for f in soon)
    assert len(soon) < len(everyone)
    assert len(_events(report.to_ical(days=31))) == len(soon)


def test_output_is_deterministic_and_uids_are_stable_across_runs(tmp_path: Path) -> None:
    argv = ["calendar", "-r", EM, "-e", str(EM_EVENTS), "--party", DERBYSHIRE]
    one = cli(*argv, "--as-of", "2016-06-30")
    two = cli(*argv, "--as-of", "2016-06-30")
    assert one[0] == 0, one[2]
    assert one[1] == two[1]  # the same bytes every time
    later = cli(*argv, "--as-of", "2016-07-15", "--output", str(tmp_path / "d.ics"))
    assert later[0] == 0
    before = {str(e["UID"]): e for e in _events(one[1])}
    after = {str(e["UID"]): e for e in _events((tmp_path / "d.ics").read_bytes())}
    still = set(before) & set(after)
    assert still  # deadlines still ahead keep their UID, so a re-import updates them
    for u in still:
        assert before[u].decoded("DTSTART") == after[u].decoded("DTSTART")
        assert after[u].decoded("DTSTAMP") > before[u].decoded("DTSTAMP")
    # the reflection due on 2016-07-07 has passed by the 15th: it is no longer there
    passed = [u for u, e in before.items() if e.decoded("DTSTART") < dt.date(2016, 7, 15)]
    assert passed
    assert not set(passed) & set(after)


def test_no_personal_data(report: sli_rules.Report) -> None:
    text = sli_rules.to_ical(report).decode()
    for prop in ("ATTENDEE", "ORGANIZER", "CONTACT", "GEO", "LOCATION"):
        assert f"\n{prop}" not in text
    unfolded = text.replace("\r\n ", "")
    emails = re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", unfolded)
    assert emails == []
    assert not re.search(r"\b0\d{3,4}[ -]?\d{6,7}\b", unfolded)  # no UK phone numbers
    assert all(u.endswith("@sli-rules") for u in re.findall(r"^UID:([^\r\n]*)", unfolded, re.M))


def test_calendar_from_a_state_file(tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    sli_rules.run_incremental(state, EM_EVENTS, as_of=AS_OF, rulesets=EM)
    status, out, err = cli("calendar", "--state", str(state), "--party", DERBYSHIRE)
    assert status == 0, err
    direct = cli(
        "calendar", "-r", EM, "-e", str(EM_EVENTS), "--as-of", str(AS_OF), "--party", DERBYSHIRE
    )
    assert out == direct[1]


def test_command_line_errors_and_notes() -> None:
    status, _, err = cli("calendar", "-r", EM, "--as-of", "2016-06-30")
    assert status == 2
    assert "--events" in err
    status, out, err = cli(
        "calendar", "-r", EM, "-e", str(EM_EVENTS), "--as-of", "2016-06-30", "--party", "E99"
    )
    assert status == 0
    assert "no findings at all for party 'E99'" in err
    assert len(_events(out)) == 0
    status, _, err = cli(
        "calendar", "-r", EM, "-e", str(EM_EVENTS), "--as-of", "2016-06-30", "--days", "-1"
    )
    assert status == 2


def test_without_the_extra(monkeypatch: pytest.MonkeyPatch, report: sli_rules.Report) -> None:
    monkeypatch.setitem(sys.modules, "icalendar", None)
    with pytest.raises(ImportError, match=r"sli-rules\[calendar\]"):
        report.to_ical()
