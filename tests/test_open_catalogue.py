"""An open catalogue: event types a ruleset declares for itself, new bundled types, and
provenance (`source`, `confidence`) carried from events to findings (issues 13 and 15)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import sli_rules
from sli_rules import EventError, RulesetError, evaluate, load_catalogue, load_ruleset, read_events
from sli_rules.cli import run
from sli_rules.load.catalogue import catalogue_for, parse_catalogue
from sli_rules.load.loader import parse_ruleset
from sli_rules.load.safe_yaml import load_yaml

# A ruleset in the manner of the 2024 corporate peer challenge: a progress review, which
# the bundled catalogue does not know, must have its report published within two months.
CPC_HEAD = """\
id: progress-reviews
title: Progress reviews (test fixture)
source: none.txt
effective:
  start: 2024-04-01
parties:
  councils: [E08000026, E08000025]
"""
CPC_EVENTS = """\
  progress_review.held:
    description: A progress review of a corporate peer challenge took place.
    council: the council reviewed
    attributes:
      review:
        type: string
        required: true
        description: The id of the peer challenge followed up.
      format:
        type: string
        values: [on_site, remote]
        description: How it was held.
  progress_review.report_published:
    description: The council published the progress review's report.
    council: the council reviewed
    attributes:
      review:
        type: string
        required: true
        description: The id of the peer challenge followed up.
"""
CPC_RULES = """\
rules:
  - id: publish-progress-report
    kind: deadline
    clause: "R09"
    quote: "publish the progress review report"
    trigger: {type: progress_review.held}
    fulfil: {type: progress_review.report_published, match: [review]}
    due: P2M
"""
CPC = CPC_HEAD + "events:\n" + CPC_EVENTS + CPC_RULES

# Another agreement whose councils are taken by code pattern from the registry (every
# ^E08 council, whether or not an event names it), each owing a return every year.
OTHER = """\
id: other-pattern
title: Another agreement (test fixture)
source: none.txt
effective:
  start: 2024-01-01
parties:
  council_pattern: "^E08"
rules:
  - id: yearly-return
    kind: recurring
    clause: "2"
    quote: "submit a data return every year"
    fulfil: {type: data_return.submitted}
    period: {calendar: calendar_year, unit: year}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ev(eid: str, etype: str, day: str, council: str = "E08000026", **attrs: object) -> dict:
    return {"id": eid, "type": etype, "date": day, "council": council, **attrs}


def plain_data(text: str) -> object:
    """A YAML document as the loader reads it (dates kept as text)."""
    loaded, problems = load_yaml(text, "t.yaml")
    assert loaded is not None
    assert not problems
    return loaded.data


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


STREAM = [
    ev("pr-1", "progress_review.held", "2025-09-01", "E08000029", review="cpc-1"),
    ev("pr-2", "progress_review.report_published", "2025-10-15", "E08000029", review="cpc-1"),
]


# ------------------------------------------------------------------ the done-when


def test_a_declared_type_loads_validates_and_creates_duties_under_its_own_ruleset(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "cpc.yaml", CPC.replace("E08000025]", "E08000025, E08000029]"))
    rs = load_ruleset(path)
    assert set(rs.events) == {"progress_review.held", "progress_review.report_published"}
    report = evaluate([rs], STREAM, as_of="2026-01-01", complete=True)
    [duty] = report.findings
    assert (duty.party, duty.status, duty.due) == ("E08000029", "fulfilled", dt.date(2025, 11, 1))
    # the declared attributes are checked like the bundled ones: a closed vocabulary
    bad = [ev("pr-3", "progress_review.held", "2025-09-01", review="cpc-2", format="by post")]
    with pytest.raises(EventError) as info:
        evaluate([rs], bad, as_of="2026-01-01")
    assert "field 'format'" in str(info.value)
    missing = [ev("pr-4", "progress_review.held", "2025-09-01")]
    with pytest.raises(EventError) as info:
        evaluate([rs], missing, as_of="2026-01-01")
    assert "field 'review'" in str(info.value)


def test_another_ruleset_loaded_beside_it_takes_no_notice_of_the_declared_type(
    tmp_path: Path,
) -> None:
    cpc = load_ruleset(write(tmp_path, "cpc.yaml", CPC))
    other = load_ruleset(write(tmp_path, "other.yaml", OTHER))
    together = evaluate([cpc, other], STREAM, as_of="2026-01-01", complete=True)
    # the other ruleset's parties come from the registry (every ^E08 council, events or
    # not): with the declared type's events it says exactly what it says with none
    mine = [f for f in together.findings if f.agreement == "other-pattern"]
    alone = evaluate([other], [], as_of="2026-01-01", complete=True).findings
    assert mine == list(alone)
    assert not [f for f in mine if {*f.triggered_by, *f.fulfilled_by} & {"pr-1", "pr-2"}]
    # an event of a bundled type it listens to does count for it
    bundled = [
        *STREAM,
        ev("dr-1", "data_return.submitted", "2025-09-02", "E08000029", period="2025-Q2"),
    ]
    seen = evaluate([cpc, other], bundled, as_of="2026-01-01", complete=True)
    [met] = [f for f in seen.findings if f.agreement == "other-pattern" and f.fulfilled_by]
    assert (met.party, met.fulfilled_by) == ("E08000029", ("dr-1",))


def test_without_the_declaring_ruleset_the_event_is_an_input_error_naming_the_type(
    tmp_path: Path,
) -> None:
    other = load_ruleset(write(tmp_path, "other.yaml", OTHER))
    with pytest.raises(EventError) as info:
        evaluate([other], STREAM, as_of="2026-01-01")
    assert "progress_review.held" in str(info.value)
    assert "<events>:1" in str(info.value)
    lenient = evaluate([other], STREAM, as_of="2026-01-01", lenient=True)
    assert [r.location.line for r in lenient.rejected] == [1, 2]


def test_the_command_line_reads_declared_types_with_their_ruleset(tmp_path: Path) -> None:
    cpc = write(tmp_path, "cpc.yaml", CPC)
    other = write(tmp_path, "other.yaml", OTHER)
    events = write(tmp_path, "e.jsonl", "".join(json.dumps(e) + "\n" for e in STREAM))
    base = ["evaluate", "--events", str(events), "--as-of", "2026-01-01", "-f", "json"]
    status, out, _ = cli(*base, "-r", str(cpc), "-r", str(other))
    assert status == 0
    findings = json.loads(out)["findings"]
    # E08000029 is no party of cpc.yaml, and the other ruleset ignores the declared type
    assert not [f for f in findings if f["agreement"] != "other-pattern"]
    assert not [f for f in findings if {*f["triggered_by"], *f["fulfilled_by"]}]
    status, _, err = cli(*base, "-r", str(other))
    assert status == 2
    assert "progress_review.held" in err


def test_docs_and_schema_show_the_declared_types(tmp_path: Path) -> None:
    cpc = write(tmp_path, "cpc.yaml", CPC)
    status, page, _ = cli("docs", str(cpc))
    assert status == 0
    assert "Event types of its own" in page
    assert "progress_review.held" in page
    assert "on_site" in page
    status, text, _ = cli("schema", "events", "--ruleset", str(cpc))
    assert status == 0
    schema = json.loads(text)
    validator = Draft202012Validator(schema)
    assert validator.is_valid(STREAM[0])
    assert not validator.is_valid({**STREAM[0], "format": "by post"})
    status, plain, _ = cli("schema", "events")
    assert not Draft202012Validator(json.loads(plain)).is_valid(STREAM[0])
    # the ruleset schema accepts the events section (inline, or a file's name)
    ruleset_schema = Draft202012Validator(json.loads(cli("schema", "ruleset")[1]))
    assert ruleset_schema.is_valid(plain_data(CPC))
    assert not ruleset_schema.is_valid(plain_data(CPC.replace("type: string", "type: text", 1)))
    assert ruleset_schema.is_valid(plain_data(CPC_HEAD + "events: cpc-events.yaml\n" + CPC_RULES))


# ------------------------------------------------------------------ declarations


def test_types_may_be_declared_in_a_file_beside_the_ruleset(tmp_path: Path) -> None:
    write(tmp_path, "cpc-events.yaml", "types:\n" + CPC_EVENTS)
    rs = load_ruleset(
        write(tmp_path, "cpc.yaml", CPC_HEAD + "events: cpc-events.yaml\n" + CPC_RULES)
    )
    assert rs.events["progress_review.held"].owner == "progress-reviews"
    assert rs.event_lines["progress_review.held"] == (str(tmp_path / "cpc-events.yaml"), 2)


def test_a_problem_in_an_events_file_is_located_in_that_file(tmp_path: Path) -> None:
    write(tmp_path, "ev.yaml", "types:\n" + CPC_EVENTS.replace("remote]", "on_site]"))
    ok = write(tmp_path, "cpc.yaml", CPC_HEAD + "events: ev.yaml\n" + CPC_RULES)
    with pytest.raises(RulesetError) as info:
        load_ruleset(ok)
    [problem] = info.value.problems
    assert problem.location.file.endswith("ev.yaml")
    assert problem.location.line == 12
    assert "listed twice" in problem.message


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../outside.yaml", "outside the ruleset's directory"),
        ("/etc/passwd.yaml", "relative to the ruleset's directory"),
        ("events.txt", "relative to the ruleset's directory"),
        ("missing.yaml", "no such file"),
    ],
)
def test_an_events_file_must_be_a_yaml_file_inside_the_rulesets_directory(
    tmp_path: Path, name: str, why: str
) -> None:
    write(tmp_path, "outside.yaml", "types:\n" + CPC_EVENTS)
    inner = tmp_path / "rules"
    inner.mkdir()
    (inner / "events.txt").write_text("types:\n" + CPC_EVENTS, encoding="utf-8")
    path = write(inner, "cpc.yaml", CPC_HEAD + f"events: {name}\n" + CPC_RULES)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    first = info.value.problems[0]
    assert why in first.message
    assert (first.location.line, first.path) == (8, ("events",))


def test_a_ruleset_read_from_text_declares_its_types_inline() -> None:
    rs, problems = parse_ruleset(CPC, "cpc.yaml")
    assert problems == []
    assert rs is not None
    _, problems = parse_ruleset(CPC_HEAD + "events: cpc-events.yaml\n" + CPC_RULES, "t.yaml")
    assert any("inline" in p.message for p in problems)


def test_redeclaring_a_bundled_type_is_a_located_error() -> None:
    text = CPC.replace("  progress_review.report_published:", "  peer_challenge.held:")
    _, problems = parse_ruleset(text, "cpc.yaml")
    clash = [p for p in problems if "bundled event type" in p.message]
    assert len(clash) == 1
    line = text.splitlines().index("  peer_challenge.held:") + 1
    assert (clash[0].location.file, clash[0].location.line) == ("cpc.yaml", line)
    assert clash[0].path == ("events", "peer_challenge.held")


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("type: string\n        values", "type: text\n        values", "unknown attribute type"),
        ("      format:", "      source:", "every event has"),
        ("      format:", "      council:", "every event has"),
        ("  progress_review.held:", "  ProgressReview:", "event type name"),
        (
            "    council: the council reviewed\n    attributes:\n      review:",
            "    attributes:\n      review:",
            "missing 'council'",
        ),
        ("        values: [on_site, remote]", "        values: [on_site, on_site]", "listed twice"),
        ("        values: [on_site, remote]", "        values: [1, 2]", "expected text"),
        (
            "        required: true\n"
            "        description: The id of the peer challenge followed up.\n      format",
            "        required: yes please\n        description: x\n      format",
            "true or false",
        ),
        (
            "        type: string\n        values",
            "        type: list\n        values",
            "needs 'items'",
        ),
        (
            "        description: How it was held.",
            "        describe: How it was held.",
            "unknown key 'describe'",
        ),
    ],
)
def test_a_bad_declaration_is_refused_where_it_is_written(old: str, new: str, words: str) -> None:
    assert old in CPC
    _, problems = parse_ruleset(CPC.replace(old, new, 1), "cpc.yaml")
    assert any(words in p.message and p.location.line > 0 for p in problems), problems


def test_a_rule_may_name_only_its_own_types_or_the_catalogues() -> None:
    # a ruleset that does not declare a type cannot react to it: the type is unknown there
    text = OTHER.replace("data_return.submitted", "progress_review.report_published")
    _, problems = parse_ruleset(text, "other.yaml")
    assert any(
        "unknown event type 'progress_review.report_published'" in p.message for p in problems
    )
    # with nothing near it to suggest, the message says how to add a type
    text = OTHER.replace("data_return.submitted", "zzz_quarterly.filed")
    _, problems = parse_ruleset(text, "other.yaml")
    assert any("declare it under 'events'" in p.message for p in problems)


def test_rulesets_declaring_one_type_must_agree(tmp_path: Path) -> None:
    first = load_ruleset(write(tmp_path, "a.yaml", CPC))
    same = load_ruleset(write(tmp_path, "b.yaml", CPC.replace("progress-reviews", "twin")))
    # identical declarations: each ruleset owns its own, and each reacts to the events
    report = evaluate([first, same], STREAM[:1], as_of="2025-09-02", complete=True)
    assert report.findings == ()  # E08000029 is a party of neither
    events = [{**e, "council": "E08000026"} for e in STREAM]
    report = evaluate([first, same], events, as_of="2026-01-01", complete=True)
    assert sorted(f.agreement for f in report.findings) == ["progress-reviews", "twin"]
    differ = load_ruleset(
        write(
            tmp_path, "c.yaml", CPC.replace("progress-reviews", "rival").replace("remote", "hybrid")
        )
    )
    with pytest.raises(RulesetError) as info:
        sli_rules.compile_rulesets([first, differ])
    [problem] = info.value.problems
    assert "progress_review.held" in problem.message
    assert "progress-reviews" in problem.message
    assert problem.location.file.endswith("c.yaml")
    assert problem.location.line == 9


def test_the_bundled_catalogue_goes_through_the_same_checks() -> None:
    with pytest.raises(RulesetError) as info:
        parse_catalogue(
            "types:\n  a.b:\n    description: x\n    council: y\n"
            "    attributes:\n      n: {type: txt}\n"
        )
    assert info.value.problems[0].location.line == 6
    cat = load_catalogue()
    assert all(not et.owner for et in cat.types.values())
    assert catalogue_for([]) is cat


# ------------------------------------------------------------------ bundled types


def judgement(day: str, grade: str) -> dict:
    return ev("j", "ofsted.judgement", day, grade=grade)


@pytest.mark.parametrize(
    ("day", "grade", "ok"),
    [
        ("2013-10-31", "adequate", True),
        ("2013-11-01", "adequate", False),
        ("2011-08-01", "adequate", True),
        ("2013-11-01", "requires_improvement", True),
        ("2013-10-31", "good", True),
    ],
)
def test_adequate_is_a_grade_only_for_judgements_before_november_2013(
    day: str, grade: str, ok: bool
) -> None:
    intake = read_events([judgement(day, grade)], lenient=True)
    assert len(intake.events) == int(ok)
    if not ok:
        [rejected] = intake.rejected
        assert rejected.location.line == 1
        assert "field 'grade'" in rejected.reasons[0]
        assert "2013-10-31" in rejected.reasons[0]


@pytest.mark.parametrize(
    "record",
    [
        ev("a", "ofsted.inspection", "2017-02-09", start="2017-01-16", framework="sif"),
        ev("b", "ofsted.visit", "2017-10-20", kind="monitoring", positive=True),
        ev("c", "ofsted.assessment", "2011-11-09", grade="performs_well"),
        ev("d", "intervention.revised", "2017-09-18", kind="statutory_direction", by="dfe"),
        ev("e", "intervention.ended", "2017-06-13"),
        ev("f", "intervention.ended", "2017-06-13", intervention="int-1", service="childrens"),
        ev("g", "agreement.ended", "2020-03-31", "wmsli-steering-group", agreement="x"),
        ev("h", "agreement.superseded", "2020-03-31", "lga", agreement="x", by="y"),
        ev("i", "s114_notice.issued", "2023-09-05", subsection="114(3)"),
        ev("j", "childrens_trust.decided", "2016-06-01", kind="directed", by="dfe"),
        ev("k", "childrens_trust.established", "2018-04-01", trust="a-trust", kind="voluntary"),
        ev("l", "childrens_trust.ended", "2024-04-01", trust="a-trust"),
        ev("m", "leader.changed", "2015-12-01"),
        ev("n", "director.changed", "2017-09-01", role="dcs", interim=True),
        ev("o", "feedback.received", "2018-05-01", review="r", held_back=True, reason="election"),
        ev("p", "action_plan.considered", "2018-10-18", review="r", body="scrutiny"),
        ev("q", "independent_review.commissioned", "2014-09-05", scope="governance"),
        ev("r", "independent_review.published", "2014-12-01", scope="governance"),
    ],
)
def test_the_catalogue_has_the_types_a_real_record_needs(record: dict) -> None:
    assert len(read_events([record]).events) == 1


@pytest.mark.parametrize(
    "record",
    [
        ev("a", "director.changed", "2017-09-01", role="dcs", name="A Person"),
        ev("b", "leader.changed", "2015-12-01", name="A Person"),
        ev("c", "agreement.superseded", "2020-03-31", "lga", agreement="x"),
        ev("d", "director.changed", "2017-09-01"),
    ],
)
def test_role_changes_name_roles_never_people(record: dict) -> None:
    intake = read_events([record], lenient=True)
    assert intake.events == ()


# ------------------------------------------------------------------ provenance

COMPACT_STREAM = [
    ev(
        "pc-1",
        "peer_challenge.held",
        "2014-09-11",
        "E08000025",
        review="cpc-b",
        kind="corporate",
        source="https://example.org/letter",
        confidence="high",
    ),
    ev(
        "fb-1",
        "feedback.published",
        "2014-12-01",
        "E08000025",
        review="cpc-b",
        action_plan=True,
        source="Cabinet minutes, 1 December 2014",
        confidence="medium",
    ),
]


def test_events_may_carry_a_source_and_a_confidence() -> None:
    intake = read_events(COMPACT_STREAM)
    assert intake.events[0].get("source") == "https://example.org/letter"
    assert intake.events[0].get("confidence") == "high"
    bad = read_events([{**COMPACT_STREAM[0], "confidence": "certain"}], lenient=True)
    assert "field 'confidence'" in bad.rejected[0].reasons[0]
    wrong = read_events([{**COMPACT_STREAM[0], "source": 7}], lenient=True)
    assert "field 'source'" in wrong.rejected[0].reasons[0]


def test_findings_list_the_sources_of_the_events_they_rest_on(tmp_path: Path) -> None:
    rs = load_ruleset(write(tmp_path, "r.yaml", FEEDBACK))
    report = evaluate([rs], COMPACT_STREAM, as_of="2015-06-01", complete=True)
    [duty] = report.findings
    assert duty.triggered_by == ("pc-1",)
    assert duty.fulfilled_by == ("fb-1",)
    assert duty.sources == ("https://example.org/letter", "Cabinet minutes, 1 December 2014")
    assert json.loads(report.to_json())["findings"][0]["sources"] == list(duty.sources)
    assert "https://example.org/letter;Cabinet minutes" in report.to_csv()
    unsourced = [{k: v for k, v in e.items() if k != "source"} for e in COMPACT_STREAM]
    assert evaluate([rs], unsourced, as_of="2015-06-01").findings[0].sources == ()


def test_explain_shows_the_sources(tmp_path: Path) -> None:
    rules = write(tmp_path, "r.yaml", FEEDBACK)
    events = write(tmp_path, "e.jsonl", "".join(json.dumps(e) + "\n" for e in COMPACT_STREAM))
    status, out, _ = cli(
        "explain", "-r", str(rules), "--events", str(events), "--as-of", "2015-06-01"
    )
    assert status == 0
    assert (
        "Source of pc-1 (peer_challenge.held, 2014-09-11): "
        "https://example.org/letter (confidence: high)" in out
    )
    assert "Source of fb-1" in out
    assert "Cabinet minutes, 1 December 2014 (confidence: medium)" in out


def test_sources_survive_a_session_snapshot(tmp_path: Path) -> None:
    rs = load_ruleset(write(tmp_path, "r.yaml", FEEDBACK))
    session = sli_rules.open_session([rs], complete=True)
    session.feed(read_events(COMPACT_STREAM[:1]).events)
    session.advance(dt.date(2014, 10, 1))
    restored = sli_rules.Session.restore(session.plan, session.snapshot())
    restored.feed(read_events(COMPACT_STREAM[1:]).events)
    restored.advance(dt.date(2015, 6, 1))
    assert restored.findings()[0].sources == (
        "https://example.org/letter",
        "Cabinet minutes, 1 December 2014",
    )


FEEDBACK = """\
id: feedback-fixture
title: Feedback within three months (test fixture)
source: none.txt
effective:
  start: 2013-07-01
parties:
  councils: [E08000025]
rules:
  - id: feedback-published
    kind: deadline
    clause: "1"
    quote: "publish the feedback"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: [review]}
    due: P3M
"""


def test_a_findings_table_of_an_earlier_release_gets_the_sources_column(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from sli_rules.outputs.tables import FINDING_COLUMNS

    url = f"sqlite:///{tmp_path / 'f.db'}"
    engine = sa.create_engine(url)
    old_columns = [c for c in FINDING_COLUMNS if c != "sources"]
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE findings ({', '.join(old_columns)})"))
    rs = load_ruleset(write(tmp_path, "r.yaml", FEEDBACK))
    report = evaluate([rs], COMPACT_STREAM, as_of="2015-06-01", complete=True)
    assert report.to_sql(url) == 1
    with engine.connect() as conn:
        [stored] = conn.execute(sa.text("SELECT sources FROM findings")).all()
    engine.dispose()
    assert json.loads(stored[0]) == list(report.findings[0].sources)


def test_a_scenario_file_uses_the_types_its_rulesets_declare(tmp_path: Path) -> None:
    write(tmp_path, "cpc.yaml", CPC)
    scenario = write(
        tmp_path,
        "cpc.scenario.yaml",
        "rulesets: [cpc.yaml]\n"
        "scenarios:\n"
        "  - name: a progress review's report published in time\n"
        "    events:\n"
        "      - {id: p1, type: progress_review.held, date: 2025-09-01, council: E08000026,\n"
        "         review: cpc-1}\n"
        "      - {id: p2, type: progress_review.report_published, date: 2025-11-01,\n"
        "         council: E08000026, review: cpc-1}\n"
        "    as_of: 2026-01-01\n"
        "    expect:\n"
        "      - {rule: publish-progress-report, party: E08000026, status: fulfilled,\n"
        "         due: 2025-11-01, fulfilled_by: p2}\n",
    )
    status, out, err = cli("test", str(scenario))
    assert status == 0, out + err


def test_a_nightly_run_reads_declared_types_with_the_rulesets_of_its_state(
    tmp_path: Path,
) -> None:
    cpc = write(tmp_path, "cpc.yaml", CPC)
    state = str(tmp_path / "state.sqlite")
    first = write(tmp_path, "n1.jsonl", json.dumps({**STREAM[0], "council": "E08000026"}) + "\n")
    second = write(tmp_path, "n2.jsonl", json.dumps({**STREAM[1], "council": "E08000026"}) + "\n")
    status, _, err = cli(
        "run", "--state", state, "-r", str(cpc), "--events", str(first), "--as-of", "2025-09-30"
    )
    assert status == 0, err
    # the second night names no ruleset: the state's own are used to read the events
    status, out, err = cli(
        "run", "--state", state, "--events", str(second), "--as-of", "2026-01-01"
    )
    assert status == 0, err
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["fulfilled"]


def test_the_timeline_marks_fulfilments_of_declared_types(tmp_path: Path) -> None:
    from sli_rules.outputs.plot import _event_dates

    events = write(tmp_path, "e.jsonl", "".join(json.dumps(e) + "\n" for e in STREAM))
    assert _event_dates(events) == {"pr-1": dt.date(2025, 9, 1), "pr-2": dt.date(2025, 10, 15)}


def test_conditions_on_declared_attributes_are_checked_like_the_catalogues() -> None:
    good = CPC.replace(
        "trigger: {type: progress_review.held}",
        "trigger: {type: progress_review.held, where: {format: remote}}",
    )
    assert parse_ruleset(good, "cpc.yaml")[1] == []
    for where, words in (("{format: by_post}", "by_post"), ("{colour: red}", "colour")):
        bad = CPC.replace(
            "trigger: {type: progress_review.held}",
            f"trigger: {{type: progress_review.held, where: {where}}}",
        )
        _, problems = parse_ruleset(bad, "cpc.yaml")
        assert any(words in p.message for p in problems), problems


def test_a_link_inside_the_directory_to_a_file_outside_it_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside.yaml", "types:\n" + CPC_EVENTS)
    inner = tmp_path / "rules"
    inner.mkdir()
    (inner / "events.yaml").symlink_to(outside)
    path = write(inner, "cpc.yaml", CPC_HEAD + "events: events.yaml\n" + CPC_RULES)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert "outside the ruleset's directory" in info.value.problems[0].message
