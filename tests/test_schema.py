"""The JSON Schemas: kept in step with the loader, the catalogue and the report, and
written out to docs/schemas/ for editors and pipelines."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

import real_record
from sli_rules import evaluate, load_catalogue, load_ruleset, parse_duration, read_events
from sli_rules.cli import run
from sli_rules.load.catalogue import catalogue_for
from sli_rules.load.loader import COMMON_RULE_KEYS, KIND_KEYS, TOP_KEYS, bundled_dir, bundled_ids
from sli_rules.load.safe_yaml import load_yaml
from sli_rules.model.dates import DateError
from sli_rules.model.errors import EventError
from sli_rules.model.values import FINDING_FIELDS
from sli_rules.outputs.report import STATUS_COLOURS
from sli_rules.tools.schema import (
    FINDING_STATUSES,
    SCHEMAS,
    events_schema,
    findings_schema,
    ruleset_schema,
    scenario_schema,
    schema_json,
)

if TYPE_CHECKING:
    from conftest import ExampleRunner
from strategies import LAWS_PLAN, LAWS_YAML, event_streams

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO / "docs" / "schemas"
EXAMPLES = REPO / "examples"
MODELINE = "# yaml-language-server: $schema=../docs/schemas/ruleset.schema.json"


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FormatChecker())


RULESET_V = validator(ruleset_schema())
EVENTS_V = validator(events_schema())
FINDINGS_V = validator(findings_schema())


def problems(v: Draft202012Validator, data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in v.iter_errors(data)
    ]


def plain_yaml(text: str) -> Any:
    """YAML as an editor sees it: plain values, dates kept as text."""
    loaded, errors = load_yaml(text, "<test>")
    assert loaded is not None, errors
    return loaded.data


# ------------------------------------------------------------ generated files


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_file_is_up_to_date(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    how = f"run `sli-rules schema {name} > docs/schemas/{name}.schema.json` (or `make docs`)"
    assert path.exists(), f"{path.relative_to(REPO)} is missing: {how}"
    if path.read_text(encoding="utf-8") != schema_json(name):
        pytest.fail(f"{path.relative_to(REPO)} is stale: {how}", pytrace=False)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = SCHEMAS[name]()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_cli_prints_the_schema(name: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["schema", name], out, err) == 0
    assert out.getvalue() == schema_json(name)
    assert json.loads(out.getvalue()) == SCHEMAS[name]()


def test_cli_rejects_an_unknown_schema() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["schema", "rules"], out, err) == 2
    assert "invalid choice" in err.getvalue()


# ------------------------------------------------- in step with the library


def test_every_ruleset_key_is_described() -> None:
    schema = ruleset_schema()
    for key in TOP_KEYS:
        assert schema["properties"][key]["description"] != "(not documented yet)", key
    for kind, (required, optional) in KIND_KEYS.items():
        branch = schema["$defs"][f"rule_{kind}"]
        assert set(branch["properties"]) == {*COMMON_RULE_KEYS, *required, *optional}
        for key, prop in branch["properties"].items():
            assert prop.get("description") not in (None, "", "(not documented yet)"), (kind, key)
        if required:
            assert branch["else"]["required"] == list(required)


def test_rule_kinds_and_event_types_follow_their_tables() -> None:
    schema = ruleset_schema()
    assert schema["$defs"]["rule"]["properties"]["kind"]["enum"] == list(KIND_KEYS)
    assert schema["$defs"]["event_type"]["anyOf"][0]["enum"] == list(load_catalogue().types)
    events = events_schema()
    branches = events["then"]["oneOf"]
    assert [b["then"]["properties"]["type"]["const"] for b in branches] == list(
        load_catalogue().types
    )


def test_finding_fields_follow_the_finding_type() -> None:
    finding = findings_schema()["$defs"]["finding"]
    assert list(finding["properties"]) == list(FINDING_FIELDS)
    for name, prop in finding["properties"].items():
        assert prop["description"] != "(not documented yet)", name
    # every status the report knows how to colour is a status the schema allows
    assert set(STATUS_COLOURS) <= set(FINDING_STATUSES)


@pytest.mark.parametrize(
    "text",
    ["P6M", "P1Y", "P14D", "P2W", "P1Y6M", "P0D", "P", "6M", "P6m", "P1.5M", "PT1H", "P1M2Y"],
)
def test_duration_pattern_agrees_with_the_parser(text: str) -> None:
    try:
        parse_duration(text)
        accepted = True
    except DateError:
        accepted = False
    schema = {"$ref": "#/$defs/duration", "$defs": ruleset_schema()["$defs"]}
    assert validator(schema).is_valid(text) is accepted


# --------------------------------------------------------------- rulesets


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_bundled_ruleset_validates(ruleset_id: str) -> None:
    text = (bundled_dir() / f"{ruleset_id}.yaml").read_text(encoding="utf-8")
    assert problems(RULESET_V, plain_yaml(text)) == []


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_bundled_ruleset_names_its_schema_on_the_first_line(ruleset_id: str) -> None:
    text = (bundled_dir() / f"{ruleset_id}.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE, (
        f"rulesets/{ruleset_id}.yaml: add this as its first line: {MODELINE}"
    )


def test_every_kind_of_rule_validates() -> None:
    # the engine's law tests use a ruleset with every kind of rule and a ladder
    assert problems(RULESET_V, plain_yaml(LAWS_YAML)) == []


SMALL = """\
id: small
title: Small
effective: {start: 2015-01-01}
parties: {councils: [E08000026]}
parameters:
  soon: {basis: interpretation, rationale: "read as a month", value: P1M}
rules:
  - id: feedback
    kind: deadline
    clause: "4(b)"
    quote: "publish the feedback"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: {review: review}}
    due: P6M
"""


def small() -> dict[str, Any]:
    data = plain_yaml(SMALL)
    assert problems(RULESET_V, data) == []
    return dict(data)


def test_a_self_declared_rule_needs_no_trigger_or_deadline() -> None:
    data = small()
    data["rules"] = [
        {
            "id": "feedback",
            "kind": "deadline",
            "clause": "4(b)",
            "quote": "publish the feedback",
            "monitoring": "self-declared",
        },
        {"id": "culture", "kind": "self_declared", "clause": "1", "quote": "a learning culture"},
    ]
    assert problems(RULESET_V, data) == []


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value


_DELETE = object()

# How a document fails: the JSON Schema keyword that refused it, and the property it names
# (missing for `required`, unexpected for `additionalProperties`); None where any will do.
# Asserted on the validator's structured fields, never on the validator library's wording.
Says = tuple[str | None, str | None]


def _fails_by(error: ValidationError, says: Says) -> None:
    keyword, name = says
    if keyword is not None:
        assert error.validator == keyword, (error.validator, error.message)
    if name is None:
        return
    instance = error.instance
    assert isinstance(instance, dict), error.message
    if keyword == "required":
        assert name in error.validator_value, error.message
        assert name not in instance, error.message
    else:
        assert name in instance, error.message


@pytest.mark.parametrize(
    ("path", "value", "where", "says"),
    [
        (("descripton",), "typo", "(top)", ("additionalProperties", "descripton")),
        (("id",), "Small Ruleset", "id", ("pattern", None)),
        (("effective", "start"), "2015-02-30", "effective/start", ("format", None)),
        (
            ("effective", "start_basis"),
            "interpretation",
            "effective",
            ("required", "start_rationale"),
        ),
        (
            ("parties", "bodies"),
            [{"id": "em-dcs-grp", "name": "x"}],
            "parties/bodies/0/id",
            (None, None),
        ),
        (("parties", "councils", 0), "Coventry", "parties/councils/0", ("pattern", None)),
        (
            ("parameters", "soon", "rationale"),
            _DELETE,
            "parameters/soon",
            ("required", "rationale"),
        ),
        (("rules", 0, "kind"), "dealine", "rules/0/kind", ("enum", None)),
        (("rules", 0, "quote"), _DELETE, "rules/0", ("required", "quote")),
        (("rules", 0, "trigger"), _DELETE, "rules/0", ("required", "trigger")),
        (("rules", 0, "due"), "6 months", "rules/0/due", (None, None)),
        (("rules", 0, "due"), {"parameter": "soon", "default": "P1M"}, "rules/0/due", (None, None)),
        (("rules", 0, "opens"), "P3M", "rules/0", ("additionalProperties", "opens")),
        (
            ("rules", 0, "trigger", "type"),
            "peer_challenge.hled",
            "rules/0/trigger/type",
            (None, None),
        ),
        (
            ("rules", 0, "trigger", "by"),
            "council",
            "rules/0/trigger",
            ("additionalProperties", "by"),
        ),
        (
            ("rules", 0, "fulfil", "where"),
            {"kind": {"equal": "x"}},
            "rules/0/fulfil/where/kind",
            (None, None),
        ),
        (("rules", 0, "severity"), "fatal", "rules/0/severity", ("enum", None)),
        # a misspelt value: the rule would never fire (the loader says so too)
        (
            ("rules", 0, "trigger", "where"),
            {"kind": "adult_socal_care"},
            "rules/0/trigger/where/kind",
            (None, None),
        ),
        (
            ("rules", 0, "trigger", "where"),
            {"any": [{"kind": {"in": ["childrens", "safeguardin"]}}]},
            "rules/0/trigger/where/any/0/kind/in/1",
            ("enum", None),
        ),
        (
            ("rules", 0, "applies_to"),
            {"services": {"contains": "childrns"}},
            "rules/0/applies_to/services/contains",
            (None, None),
        ),
        (
            ("rules", 0, "applies_to"),
            {"region": "west_midland"},
            "rules/0/applies_to/region",
            (None, None),
        ),
        (
            ("escalations",),
            [{"id": "l", "clause": "5", "quote": "q"}],
            "escalations/0",
            (None, None),
        ),
    ],
)
def test_a_broken_ruleset_fails_where_it_is_broken(
    path: tuple[Any, ...], value: Any, where: str, says: Says
) -> None:
    data = copy.deepcopy(small())
    _set(data, path, value)
    errors = list(RULESET_V.iter_errors(data))
    assert errors, f"{path} = {value!r} should not validate"
    best = best_match(errors)
    assert ("/".join(map(str, best.absolute_path)) or "(top)") == where, problems(RULESET_V, data)
    _fails_by(best, says)


# ----------------------------------------------------------------- events


def example_lines() -> list[tuple[str, int, Any]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                out.append((path.name, n, json.loads(line)))
    return out


def _events_validator(ruleset_ids: list[str]) -> Draft202012Validator:
    """The events schema with the types the rulesets declare (the bundled one without)."""
    rulesets = [load_ruleset(i) for i in ruleset_ids]
    if not any(rs.events for rs in rulesets):
        return EVENTS_V
    return validator(events_schema(catalogue_for(rulesets)))


def test_every_example_event_validates() -> None:
    lines = example_lines()
    # an example is read with the rulesets make demo evaluates it with (their own types)
    rulesets = {events: ids.split(",") for events, ids, _as_of in example_runs()}
    real = f"{real_record.NAME}.jsonl"
    rulesets.setdefault(real, list(real_record.RULESETS))
    if not real_record.imprecise_dates_supported():  # checked here once issue 12 is in
        lines = [line for line in lines if line[0] != real]
    names = {name for name, _n, _record in lines}
    validators = {name: _events_validator(rulesets.get(name, [])) for name in names}
    bad = [
        f"examples/{name}:{n}: {p}"
        for name, n, record in lines
        for p in problems(validators[name], record)
    ]
    assert bad == []


GOOD: list[dict[str, Any]] = [
    {
        "id": "e1",
        "type": "peer_challenge.held",
        "date": "2015-06-10",
        "council": "E06000015",
        "review": "r1",
        "kind": "childrens",
        "lead": "E10000007",
        "start": None,  # an optional attribute given as null counts as absent
        "team": [
            {"council": "E10000007", "role": "lead_dcs", "core": True, "tier": 1},
            {"council": "E06000016", "conflicts": ["E06000015"], "years_in_tier": 2.5},
        ],
    },
    {
        "id": "e2",
        "type": "meeting.held",
        "date": "2015-07-01",
        "council": "em-dcs-group",
        "meeting": "m1",
        "attendees": [{"council": "E06000015", "representative": False}],
    },
    {
        "id": "e3",
        "type": "ofsted.judgement",
        "date": "2016-01-31",
        "council": "E06000015",
        "grade": "inadequate",
    },
]


@pytest.mark.parametrize("record", GOOD, ids=lambda r: r["type"])
def test_a_good_event_passes_both_the_schema_and_the_intake(record: dict[str, Any]) -> None:
    assert problems(EVENTS_V, record) == []
    assert len(read_events([record]).events) == 1


def _broken(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(GOOD[0])
    for key, value in changes.items():
        if value is _DELETE:
            del record[key]
        else:
            record[key] = value
    return record


BROKEN = {
    "unknown type": (_broken(type="peer_challenge.hled"), "type", ("enum", None)),
    "no id": (_broken(id=_DELETE), "(top)", ("required", "id")),
    "empty id": (_broken(id=""), "id", ("minLength", None)),
    "no date": (_broken(date=_DELETE), "(top)", ("required", "date")),
    "bad date": (_broken(date="10/06/2015"), "date", (None, None)),
    "impossible date": (_broken(date="2015-02-30"), "date", ("format", None)),
    "bad council": (_broken(council="Derby"), "council", ("pattern", None)),
    "missing attribute": (_broken(review=_DELETE), "(top)", ("required", "review")),
    "null required attribute": (_broken(review=None), "review", ("type", None)),
    "value not allowed": (_broken(kind="childrens_services"), "kind", ("enum", None)),
    "unknown attribute": (
        _broken(reviewer="E10000007"),
        "(top)",
        ("additionalProperties", "reviewer"),
    ),
    "wrong type": (_broken(review=17), "review", ("type", None)),
    "bad party attribute": (_broken(lead="the Lead DCS"), "lead", ("pattern", None)),
    "bad list element": (
        _broken(team=[{"council": "E10000007", "core": "yes"}]),
        "team/0/core",
        ("type", None),
    ),
    "missing in list element": (
        _broken(team=[{"role": "member"}]),
        "team/0",
        ("required", "council"),
    ),
    "unknown in list element": (
        _broken(team=[{"council": "E10000007", "name": "x"}]),
        "team/0",
        ("additionalProperties", "name"),
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_event_fails_both_the_schema_and_the_intake(case: str) -> None:
    record, where, says = BROKEN[case]
    errors = list(EVENTS_V.iter_errors(record))
    assert errors, f"{case}: the schema accepted {record}"
    best = best_match(errors)
    assert ("/".join(map(str, best.absolute_path)) or "(top)") == where, best.message
    _fails_by(best, says)
    with pytest.raises(EventError):
        read_events([record])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_streams())
def test_streams_the_intake_accepts_validate(stream: list[dict[str, Any]]) -> None:
    read_events(stream)  # valid by construction
    for record in stream:
        assert problems(EVENTS_V, record) == [], record


# ---------------------------------------------------------------- reports


def example_runs() -> list[tuple[str, str, str]]:
    manifest = EXAMPLES / "demo.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        (r["events"], r["rulesets"], r["as_of"])
        for r in rows
        if (EXAMPLES / r["events"]).exists()
        and all(i in bundled_ids() for i in r["rulesets"].split(","))
    ]


@pytest.mark.parametrize(("events", "rulesets", "as_of"), real_record.params(example_runs()))
def test_a_report_on_an_example_stream_validates(
    events: str, rulesets: str, as_of: str, example_run: ExampleRunner
) -> None:
    report = example_run(events, rulesets, as_of).report
    assert report.findings
    assert problems(FINDINGS_V, json.loads(report.to_json())) == []


def test_a_report_with_every_kind_of_finding_validates() -> None:
    stream = [
        {
            "id": "pc",
            "type": "peer_challenge.held",
            "date": "2014-01-10",
            "council": "E08000026",
            "review": "r1",
            "kind": "corporate",
            "team": [{"council": "E08000025", "core": True}],
        },
        {
            "id": "fb",
            "type": "feedback.published",
            "date": "2014-09-01",
            "council": "E08000026",
            "review": "r1",
            "action_plan": False,
        },
        {
            "id": "cr",
            "type": "concern.raised",
            "date": "2014-02-01",
            "council": "wmsli-steering-group",
            "about": "E08000025",
            "concern": "c1",
        },
        {
            "id": "of",
            "type": "ofsted.judgement",
            "date": "2014-03-01",
            "council": "E06000019",
            "grade": "inadequate",
        },
        {
            "id": "pd",
            "type": "peer_days.given",
            "date": "2014-05-01",
            "council": "E08000025",
            "days": 9,
        },
        "not an event",
    ]
    report = evaluate(LAWS_PLAN, stream, as_of="2015-06-30", lenient=True)
    kinds = {f.kind for f in report.findings}
    assert kinds == {"obligation", "breach", "escalation", "notice"}
    assert report.rejected
    data = json.loads(report.to_json())
    assert "rejected" in data
    assert problems(FINDINGS_V, data) == []


def test_a_broken_report_fails() -> None:
    stream = [
        {
            "id": "pc",
            "type": "peer_challenge.held",
            "date": "2014-01-10",
            "council": "E08000026",
            "review": "r1",
            "kind": "corporate",
        },
    ]
    data = json.loads(evaluate(LAWS_PLAN, stream, as_of="2015-06-30").to_json())
    assert problems(FINDINGS_V, data) == []
    finding = data["findings"][0]
    for field, value in [("status", "late"), ("kind", "warning"), ("due", "30/06/2015")]:
        broken = copy.deepcopy(data)
        broken["findings"][0] = {**finding, field: value}
        assert problems(FINDINGS_V, broken), field
    broken = copy.deepcopy(data)
    del broken["findings"][0]["explanation"]
    assert problems(FINDINGS_V, broken)


# ----------------------------------------------------------------- scenario files

SCENARIO_V = validator(json.loads(schema_json("scenario")))
SCENARIO_FILES = sorted((REPO / "tests" / "scenarios").rglob("*.scenario.yaml"))


def test_every_schema_has_a_stable_id() -> None:
    for name in SCHEMAS:
        schema = json.loads(schema_json(name))
        assert schema["$id"] == f"urn:sli-rules:schemas:{name}.schema.json"
        assert (SCHEMA_DIR / f"{name}.schema.json").exists()


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_bundled_scenario_file_validates(path: Path) -> None:
    data = plain_yaml(path.read_text(encoding="utf-8"))
    rulesets = [load_ruleset(r) for r in data["rulesets"] if r in bundled_ids()]
    v = SCENARIO_V
    if any(rs.events for rs in rulesets):  # `sli-rules schema scenario --ruleset ID`
        v = validator(scenario_schema(catalogue_for(rulesets)))
    assert problems(v, data) == []


@pytest.mark.parametrize(
    ("expectation", "where"),
    [
        ({"status": "fulfiled"}, "scenarios/0/expect_absent/0/status"),
        ({"kind": "breaches"}, "scenarios/0/expect_absent/0/kind"),
        ({"party": "E0800026"}, "scenarios/0/expect_absent/0/party"),
        ({"staus": "breached"}, "scenarios/0/expect_absent/0"),
        ({"due": "2015-02-30"}, "scenarios/0/expect_absent/0/due"),
    ],
)
def test_a_scenario_expectation_that_can_never_match_fails_the_schema(
    expectation: dict[str, Any], where: str
) -> None:
    data = {
        "rulesets": ["west-midlands-compact-2013"],
        "scenarios": [
            {"name": "n", "events": [], "as_of": "2015-01-01", "expect_absent": [expectation]}
        ],
    }
    errors = list(SCENARIO_V.iter_errors(data))
    assert errors
    assert "/".join(map(str, best_match(errors).absolute_path)) == where
