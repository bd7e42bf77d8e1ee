"""Reading events: JSON Lines, CSV, mappings and Event objects, validated against the
event catalogue. Strict mode names every bad record's file, line and field; lenient mode
quarantines them and never drops a record silently."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sli_rules import Event, EventError, Intake, read_events

GALLERY = Path(__file__).parent / "gallery" / "events"

# The broken-event gallery: file -> every record it must reject, as
# (line, fragment naming the field or column, fragment of the message).
BROKEN: dict[str, list[tuple[int, str, str]]] = {
    "impossible-date.jsonl": [
        (2, "field 'date'", "'2015-02-30' is not a real calendar date"),
    ],
    "unknown-type.jsonl": [
        (
            1,
            "field 'type'",
            "unknown event type 'peer_challenge.hled' (did you mean 'peer_challenge.held'?)",
        ),
    ],
    "missing-attribute.jsonl": [  # line 2 is blank: lines are counted as in an editor
        (3, "field 'review'", "missing required attribute"),
    ],
    "ill-typed-attributes.jsonl": [
        (1, "field 'days'", "expected a number, got text 'five'"),
        (2, "field 'team[1].core'", "expected true or false, got text 'yes'"),
        (3, "field 'kind'", "'inspection' is not one of: corporate, adult_social_care"),
    ],
    "broken-json.jsonl": [
        (2, "broken JSON", "Expecting ',' delimiter"),
    ],
    "conflicting-ids.jsonl": [  # both lines are named, in each line's message
        (2, "field 'id'", "2 different events share the id 'ev-2' (lines 2, 4)"),
        (4, "field 'id'", "2 different events share the id 'ev-2' (lines 2, 4)"),
    ],
    "unknown-attribute.jsonl": [
        (1, "field 'lede'", "unknown attribute (did you mean 'lead'?)"),
    ],
    "bad-council.jsonl": [
        (1, "field 'council'", "a council's name, not its GSS code (did you mean 'E08000026'"),
        (2, "field 'council'", "got 'E0800002'"),
    ],
    "broken-cell.csv": [
        (3, "column 'team'", "broken JSON in the cell"),
    ],
    "bad-coercion.csv": [
        (2, "field 'action_plan'", "expected true or false, got text 'yes'"),
        (3, "field 'days'", "expected a number, got text 'five'"),
    ],
    # Hostile input: each is a located problem, never a crash that loses the file.
    "not-utf8.jsonl": [(2, "not UTF-8 text", "byte 0xff at column 13")],
    "not-utf8.csv": [(3, "column 'id'", "not UTF-8 text (byte 0xff)")],
    "nested-too-deep.jsonl": [(2, "nested too deeply", "at most 32 levels")],
    "huge-number.jsonl": [
        (1, "5000 digits", "at most 100"),
        (2, "1e999", "too large"),
    ],
    "not-a-number.jsonl": [
        (1, "NaN", "is not a number"),
        (2, "-Infinity", "is not a number"),
        (3, "field 'days'", "expected a finite number zero or more, got -100"),
    ],
    "duplicate-key.jsonl": [(1, "'days'", "given twice in one object")],
    "duplicate-header.csv": [
        (2, "'days'", "header names the column 'days' twice (columns 5 and 6)"),
        (3, "'days'", "header names the column 'days' twice (columns 5 and 6)"),
    ],
    # A carriage return alone does not end a record, and later lines keep their numbers.
    "bare-carriage-return.jsonl": [
        (1, "broken JSON", "Extra data"),
        (3, "field 'days'", "expected a number, got text 'x'"),
    ],
    "lone-surrogate.jsonl": [(1, "field 'id'", "lone surrogate")],
    # The record with the unclosed quote is named by its first line; the lines after it
    # are read again as records of their own.
    "unclosed-quote.csv": [(3, "quote", "never closed")],
    "hidden-whitespace.csv": [
        (2, "field 'council'", "got '\\tE08000026'"),
        (3, "field 'date'", "got '2015-05-02\\x85'"),
    ],
    "full-width-date.jsonl": [
        (1, "field 'date'", "expected a calendar date"),
        (2, "field 'date'", "got '2015-05-02\\n'"),
    ],
    "bad-coverage.jsonl": [
        (
            2,
            "field 'types[0]'",
            "unknown event type 'data_return.submited' (did you mean 'data_return.submitted'?)",
        ),
        (3, "field 'to'", "2015-05-31 is before 'from' 2015-06-01"),
        (4, "field 'types'", "empty; list the event types covered"),
        (5, "field 'from'", "missing required attribute"),
    ],
}

# Records in each file that are fine (ids), accepted in lenient mode.
GOOD_IDS: dict[str, set[str]] = {
    "impossible-date.jsonl": {"ev-1"},
    "unknown-type.jsonl": set(),
    "missing-attribute.jsonl": {"ev-1"},
    "ill-typed-attributes.jsonl": set(),
    "broken-json.jsonl": {"ev-1", "ev-3"},
    "conflicting-ids.jsonl": {"ev-1", "ev-3"},
    "unknown-attribute.jsonl": set(),
    "bad-council.jsonl": set(),
    "broken-cell.csv": {"ev-1"},
    "bad-coercion.csv": {"ev-3"},
    "not-utf8.jsonl": {"ev-1", "ev-3"},
    "not-utf8.csv": {"ev-1"},
    "nested-too-deep.jsonl": {"ev-1"},
    "huge-number.jsonl": {"ev-3"},
    "not-a-number.jsonl": {"ev-4"},
    "duplicate-key.jsonl": {"ev-2"},
    "duplicate-header.csv": set(),
    "bare-carriage-return.jsonl": {"ev-3"},
    "lone-surrogate.jsonl": {"ev-2"},
    "unclosed-quote.csv": {"ev-1", "ev-3", "ev-4"},
    "hidden-whitespace.csv": {"ev-3"},
    "full-width-date.jsonl": {"ev-3"},
    "bad-coverage.jsonl": {"cov-1"},
}


def records_in(path: Path) -> int:
    """How many records a file holds, counted from its bytes: lines (ended by a line feed)
    that are not blank, less a CSV's header line (none of the gallery's CSV cells spans
    lines; an unclosed quote is one record, and the lines after it are records again)."""
    lines = [line for line in path.read_bytes().split(b"\n") if line.strip(b" \t\r")]
    return len(lines) - 1 if path.suffix == ".csv" else len(lines)


def test_every_gallery_file_has_expectations() -> None:
    broken = {p.name for p in GALLERY.iterdir()} - {
        "identical-duplicates.jsonl",
        "team-and-coercion.csv",
    }
    assert broken == set(BROKEN) == set(GOOD_IDS)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_strict_mode_names_the_file_line_and_field(name: str) -> None:
    path = GALLERY / name
    with pytest.raises(EventError) as info:
        read_events(path)
    problems = info.value.problems
    assert len(problems) == len(BROKEN[name])
    for problem, (line, field, message) in zip(problems, BROKEN[name], strict=True):
        assert problem.location.file == str(path)
        assert problem.location.line == line
        assert str(problem).startswith(f"{path}:{line}: ")
        assert field in problem.message
        assert message in problem.message


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_lenient_mode_quarantines_the_bad_records_and_keeps_the_rest(name: str) -> None:
    path = GALLERY / name
    intake = read_events(path, lenient=True)
    assert sorted(r.location.line for r in intake.rejected) == [line for line, _, _ in BROKEN[name]]
    for rejected in intake.rejected:
        line_expectations = [e for e in BROKEN[name] if e[0] == rejected.location.line]
        reasons = "; ".join(rejected.reasons)
        assert any(f in reasons and m in reasons for _, f, m in line_expectations)
    assert {e.id for e in intake.events} == GOOD_IDS[name]
    assert len(intake.events) + intake.duplicates + len(intake.rejected) == records_in(path)
    assert intake.read == records_in(path)


def test_broken_json_reports_the_column_where_the_line_stops() -> None:
    path = GALLERY / "broken-json.jsonl"
    cut_off = path.read_text(encoding="utf-8").splitlines()[1]
    with pytest.raises(EventError) as info:
        read_events(path)
    assert f"column {len(cut_off) + 1}" in info.value.problems[0].message


def test_a_csv_cell_over_the_limit_is_one_rejected_record(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "id,type,date,council,days\n"
        "ev-1,peer_days.given,2015-05-01,E08000026,2\n"
        f"ev-2,peer_days.given,2015-05-02,E08000026,{'9' * 140_000}\n"
        "ev-3,peer_days.given,2015-05-03,E08000026,2\n",
        encoding="utf-8",
    )
    intake = read_events(path, lenient=True)
    assert [e.id for e in intake.events] == ["ev-1", "ev-3"]
    assert [str(r) for r in intake.rejected] == [
        f"{path}:3: a cell longer than 131,072 characters (the limit for one cell)"
    ]


def test_a_csv_record_spanning_lines_is_named_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text(
        "id,type,date,council,days\n"
        'ev-1,peer_days.given,2015-05-01,E08000026,"two\nlines"\n'
        "ev-2,peer_days.given,2015-05-02,E08000026,x\n",
        encoding="utf-8",
    )
    intake = read_events(path, lenient=True)
    assert [r.location.line for r in intake.rejected] == [2, 4]


def test_identical_duplicates_collapse_silently() -> None:
    path = GALLERY / "identical-duplicates.jsonl"
    intake = read_events(path)  # strict: identical copies are not an error
    assert [e.id for e in intake.events] == ["ev-1", "ev-2"]
    assert intake.duplicates == 2  # line 3 repeats line 1; line 4 too, keys reordered
    assert intake.rejected == ()
    assert intake.read == 4


def test_csv_cells_are_coerced_per_the_catalogue() -> None:
    intake = read_events(GALLERY / "team-and-coercion.csv")
    events = {e.id: e for e in intake.events}
    assert set(events) == {"ev-1", "ev-2", "ev-3", "ev-4", "ev-5"}
    held = events["ev-1"]
    assert held.type == "peer_challenge.held"
    assert held.date == dt.date(2015, 3, 10)
    assert held.council == "E08000026"
    assert held.attrs["team"] == [
        {"council": "E08000025", "role": "lead_dcs", "core": True, "tier": 1},
        {"council": "E08000027", "core": False},
    ]
    assert "action_plan" not in held.attrs  # an empty cell is an absent attribute
    assert events["ev-2"].attrs["action_plan"] is True
    assert events["ev-3"].attrs["action_plan"] is False  # FALSE, in any case
    assert events["ev-3"].attrs["review"] == "2015"  # a text attribute stays text
    assert events["ev-4"].attrs["days"] == 2
    assert isinstance(events["ev-4"].attrs["days"], int)
    assert events["ev-5"].attrs["days"] == 1.5


def test_events_record_where_they_were_read() -> None:
    path = GALLERY / "team-and-coercion.csv"
    intake = read_events(path)
    assert [e.source for e in intake.events] == [f"{path}:{n}" for n in range(2, 7)]


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="no such file"):
        read_events(tmp_path / "absent.jsonl")


# ----------------------------------------------------------- mappings and Events

HELD = {
    "id": "ev-1",
    "type": "peer_challenge.held",
    "date": "2015-03-10",
    "council": "E08000026",
    "review": "r1",
    "kind": "corporate",
}
FEEDBACK = {
    "id": "ev-2",
    "type": "feedback.published",
    "date": "2015-04-10",
    "council": "E08000026",
    "review": "r1",
    "action_plan": True,
}


def test_mappings_are_read_and_validated() -> None:
    intake = read_events([HELD, FEEDBACK])
    assert [e.id for e in intake.events] == ["ev-1", "ev-2"]
    assert intake.events[0] == Event(
        "ev-1", "peer_challenge.held", dt.date(2015, 3, 10), "E08000026",
        {"review": "r1", "kind": "corporate"},
    )  # fmt: skip
    assert intake.events[1].attrs["action_plan"] is True


def test_bad_mappings_are_named_by_their_position() -> None:
    bad = {**FEEDBACK, "date": "10/04/2015"}
    with pytest.raises(EventError) as info:
        read_events([HELD, bad, "not an event"], name="pipeline")
    [first, second] = info.value.problems
    assert str(first).startswith("pipeline:2: field 'date'")
    assert "YYYY-MM-DD" in first.message
    assert str(second).startswith("pipeline:3: ")
    assert "expected an object" in second.message


def test_a_date_object_is_accepted_in_a_mapping() -> None:
    intake = read_events([{**HELD, "date": dt.date(2015, 3, 10)}])
    assert intake.events[0].date == dt.date(2015, 3, 10)


def test_event_objects_are_read_back_unchanged() -> None:
    events = [
        Event("a", "peer_challenge.held", dt.date(2015, 3, 10), "E08000026",
              {"review": "r1", "kind": "childrens", "team": [{"council": "E08000025"}]}),
        Event("b", "concern.raised", dt.date(2015, 5, 1), "em-dcs-group",
              {"about": "E06000015", "concern": "c1"}),
    ]  # fmt: skip
    assert read_events(events).events == tuple(events)


def test_event_objects_are_validated_too() -> None:
    wrong = Event("a", "peer_challenge.held", dt.date(2015, 3, 10), "E08000026", {"kind": "x"})
    intake = read_events([wrong], lenient=True)
    assert intake.events == ()
    [rejected] = intake.rejected
    reasons = "; ".join(rejected.reasons)
    assert "field 'review': missing required attribute" in reasons
    assert "field 'kind'" in reasons


def test_an_intake_can_be_evaluated_directly() -> None:
    import sli_rules

    intake = read_events([HELD])
    assert isinstance(intake, Intake)
    report = sli_rules.evaluate([], intake, as_of=dt.date(2015, 6, 30))
    assert report.events_read == 1
    assert report.findings == ()


# ------------------------------------------------------------ lenient: nothing lost

TEMPLATES: list[dict[str, Any]] = [
    {"type": "peer_challenge.held", "council": "E08000026", "review": "r1", "kind": "corporate"},
    {"type": "feedback.published", "council": "E08000025", "review": "r1", "action_plan": False},
    {"type": "peer_days.given", "council": "E06000019", "days": 2.5},
    {"type": "concern.raised", "council": "em-dcs-group", "about": "E06000015", "concern": "c1"},
    {"type": "meeting.held", "council": "em-dcs-group", "meeting": "m1",
     "attendees": [{"council": "E06000015", "representative": True}]},
]  # fmt: skip

# Ways to spoil a good record; each one on its own makes the record invalid.
SPOILERS = [
    lambda r: {**r, "date": "2015-02-30"},
    lambda r: {**r, "date": "yesterday"},
    lambda r: {**r, "type": r["type"] + "x"},
    lambda r: {**r, "council": "Coventry"},
    lambda r: {k: v for k, v in r.items() if k != "council"},
    lambda r: {k: v for k, v in r.items() if k != "id"},
    lambda r: {**r, "id": 17},
    lambda r: {**r, "unexpected": 1},
    lambda r: [r],  # not an object at all
    lambda r: None,  # noqa: ARG005 - a blank where a record should be
]


@st.composite
def mixed_records(draw: st.DrawFn) -> tuple[list[Any], set[int]]:
    """Records, good and bad, with identical and conflicting repeats; and the positions
    (1-based) of the records that are bad in themselves."""
    records: list[Any] = []
    bad: set[int] = set()
    good: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, 25))):
        choice = draw(st.sampled_from(["good", "good", "bad", "repeat", "conflict"]))
        day = dt.date(2014, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
        fresh = {"id": f"ev-{n}", "date": day.isoformat(), **draw(st.sampled_from(TEMPLATES))}
        if choice == "repeat" and good:
            record: Any = dict(draw(st.sampled_from(good)))
        elif choice == "conflict" and good:
            earlier = draw(st.sampled_from(good))
            record = {**fresh, "id": earlier["id"]}
            if record == earlier:
                record["date"] = "2020-01-01" if earlier["date"] != "2020-01-01" else "2020-01-02"
        elif choice == "bad":
            record = draw(st.sampled_from(SPOILERS))(fresh)
            bad.add(len(records) + 1)
        else:
            record = fresh
            good.append(record)
        records.append(record)
    return records, bad


@settings(max_examples=150, deadline=None)
@given(mixed_records())
def test_lenient_mode_accounts_for_every_record(case: tuple[list[Any], set[int]]) -> None:
    records, bad = case
    intake = read_events(records, lenient=True)
    assert len(intake.events) + intake.duplicates + len(intake.rejected) == len(records)
    rejected_at = {r.location.line for r in intake.rejected}
    assert bad <= rejected_at
    assert all(r.reasons for r in intake.rejected)
    ids = [e.id for e in intake.events]
    assert len(ids) == len(set(ids))
    # An accepted event is one of the good records, exactly as given.
    for event in intake.events:
        assert any(
            isinstance(r, dict) and r.get("id") == event.id and r["date"] == event.date.isoformat()
            for r in records
        )
    # Strict mode accepts exactly when lenient mode rejects nothing.
    if intake.rejected:
        with pytest.raises(EventError) as info:
            read_events(records)
        assert sorted(p.location.line for p in info.value.problems) == sorted(
            r.location.line for r in intake.rejected
        )
    else:
        assert read_events(records) == intake


@settings(max_examples=50, deadline=None)
@given(mixed_records())
def test_files_and_mappings_are_read_alike(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[Any], set[int]]
) -> None:
    records, _ = case
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    from_file = read_events(path, lenient=True)
    from_list = read_events(records, lenient=True)
    assert from_file.events == from_list.events
    assert from_file.duplicates == from_list.duplicates
    assert [(r.location.line, r.reasons) for r in from_file.rejected] == [
        (r.location.line, r.reasons) for r in from_list.rejected
    ]


def test_a_directory_is_refused_and_an_empty_device_is_an_empty_stream(tmp_path: Path) -> None:
    # `run --state F --events /dev/null` is how a state file is rebuilt with no new events.
    with pytest.raises(EventError) as info:
        read_events(tmp_path)
    [problem] = info.value.problems
    assert problem.location.file == str(tmp_path)
    assert "directory" in problem.message
    intake = read_events(Path("/dev/null"))
    assert list(intake.events) == []
