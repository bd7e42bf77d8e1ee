"""The rule kinds: every registered kind gives every facet, and a new kind made in one
module (tests/kind_fixture.py) and registered with one line is taken up everywhere."""

from __future__ import annotations

import datetime as dt
import typing

import attrs
import pytest
import yaml
from jsonschema import Draft202012Validator

import sli_rules
from kind_fixture import REMINDER, ReminderRule
from sli_rules import Rule, Ruleset, bundled_ids, load_ruleset, parse_ruleset
from sli_rules.engine.session import FAMILIES
from sli_rules.kinds import KINDS, RuleKind
from sli_rules.kinds.base import FAMILY_FIELDS, Family
from sli_rules.model.values import DeadlineRule
from sli_rules.model.vocabulary import Status
from sli_rules.tools.docs import render_ruleset
from sli_rules.tools.explain import explain_findings
from sli_rules.tools.schema import ruleset_schema

REGISTERED = sorted(KINDS)


def test_every_rule_class_has_one_registered_kind() -> None:
    classes = [k.rule_class for k in KINDS.values()]
    assert sorted(c.__name__ for c in classes) == sorted(c.__name__ for c in typing.get_args(Rule))
    for name, kind in KINDS.items():
        assert kind.name == name
        assert attrs.fields_dict(kind.rule_class)["kind"].default == name


@pytest.mark.parametrize("name", REGISTERED)
def test_kind_gives_every_facet(name: str) -> None:
    kind = KINDS[name]
    # format: its keys are distinct, and every one has a described schema fragment
    assert len(set(kind.keys)) == len(kind.keys)
    assert set(kind.key_schema) == set(kind.keys)
    for key, (description, schema) in kind.key_schema.items():
        assert description.strip(), key
        assert isinstance(schema, dict), key
        assert schema, key
    # wording for the schema, explain and docs
    assert kind.summary.endswith(".")
    assert kind.explain_noun
    assert kind.docs_noun
    assert callable(kind.parse)
    assert callable(kind.explain)
    assert callable(kind.document)
    # compilation: a hooked trigger or fulfilment is a key the kind requires
    if kind.trigger_role is not None:
        assert "trigger" in kind.required
    if kind.fulfils:
        assert "fulfil" in kind.required
    # diff: its fields are attributes of its class, and its summary is among them
    attributes = attrs.fields_dict(kind.rule_class)
    assert all(attr in attributes for attr, _shown in kind.fields)
    assert set(kind.diff_summary) <= {attr for attr, _shown in kind.fields}
    # scenarios: the statuses it should reach are statuses
    assert all(isinstance(s, Status) for s in kind.coverage)
    if name != "self_declared":
        assert kind.coverage
        assert kind.fields


@pytest.mark.parametrize("name", [*REGISTERED, "reminder"])
def test_kind_declares_a_family_the_engine_evaluates(name: str) -> None:
    """The engine chooses how to evaluate a rule by its kind's family, never by its class:
    the family is one the engine has a way for, and the class has what that way reads."""
    kind = REMINDER if name == "reminder" else KINDS[name]
    assert isinstance(kind.family, Family)
    assert kind.family in FAMILIES
    missing = set(FAMILY_FIELDS[kind.family]) - set(attrs.fields_dict(kind.rule_class))
    assert not missing, f"{name}: its class lacks {sorted(missing)}, which its family reads"


def test_every_family_has_a_way_to_evaluate_it() -> None:
    assert set(FAMILIES) == set(Family) == set(FAMILY_FIELDS)
    # each family that starts duties from an event has something that reacts to it
    for family, way in FAMILIES.items():
        if family is not Family.UNCHECKED:
            assert way.trigger or way.fulfil, family


@pytest.mark.parametrize("name", REGISTERED)
def test_kind_wording_reaches_its_page(name: str) -> None:
    """Each kind's docs wording is on the page of a bundled ruleset that uses it."""
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        if any(r.kind == name for r in rs.rules):
            page = render_ruleset(rs)
            assert f"Kind: {KINDS[name].docs_noun} (`{name}`)." in page
            return
    pytest.fail(f"no bundled ruleset has a {name} rule")


# ------------------------------------------------------------- a kind in one module

RULESET = """\
id: reminder-test
title: Reminder test
source: test.txt
version: "1.0"
effective:
  start: 2020-01-01
parties:
  councils: [E06000015, E06000016]
rules:
  - id: send-reminder
    kind: reminder
    title: Remind the council of its review
    clause: "7"
    quote: "a reminder will be sent within a month of the review"
    trigger: {type: peer_challenge.held}
    fulfil:
      type: feedback.published
      match: {review: review}
    within: P1M
"""

EVENTS = [
    {"id": "h1", "type": "peer_challenge.held", "date": "2020-03-10", "council": "E06000015",
     "review": "r1", "kind": "corporate"},
    {"id": "p1", "type": "feedback.published", "date": "2020-04-10", "council": "E06000015",
     "review": "r1", "action_plan": True},
    {"id": "h2", "type": "peer_challenge.held", "date": "2020-03-10", "council": "E06000016",
     "review": "r2", "kind": "corporate"},
    {"id": "p2", "type": "feedback.published", "date": "2020-04-11", "council": "E06000016",
     "review": "r2", "action_plan": True},
]  # fmt: skip


def _load(text: str) -> Ruleset:
    rs, problems = parse_ruleset(text, "reminder.yaml")
    assert not problems, [p.message for p in problems]
    assert rs is not None
    return rs


def _problems(text: str) -> list[str]:
    return [p.message for p in parse_ruleset(text, "reminder.yaml")[1]]


@pytest.fixture
def reminder(monkeypatch: pytest.MonkeyPatch) -> RuleKind:
    monkeypatch.setitem(KINDS, "reminder", REMINDER)  # type: ignore[index]  # the one line
    return REMINDER


def test_an_unregistered_kind_is_refused() -> None:
    assert any("unknown rule kind 'reminder'" in m for m in _problems(RULESET))


@pytest.mark.usefixtures("reminder")
def test_a_kind_in_one_module_is_loaded_checked_and_schema_valid() -> None:
    rs = _load(RULESET)
    (rule,) = rs.rules
    assert isinstance(rule, ReminderRule)
    assert not isinstance(rule, DeadlineRule)  # evaluated by its family, not its class
    assert rule.severity == "notice"  # its default, from its module
    schema = ruleset_schema()
    assert "rule_reminder" in schema["$defs"]
    doc = yaml.load(RULESET, Loader=yaml.BaseLoader)  # noqa: S506 - text only, as JSON has
    assert not list(Draft202012Validator(schema).iter_errors(doc))
    assert "missing required key 'within'" in _problems(RULESET.replace("    within: P1M\n", ""))


@pytest.mark.usefixtures("reminder")
def test_a_kind_in_one_module_is_evaluated_explained_documented_and_diffed() -> None:
    rs = _load(RULESET)
    report = sli_rules.evaluate(rs, EVENTS, as_of=dt.date(2020, 6, 30))
    statuses = {f.party: f.status for f in report.findings}
    # due a month after 10 March: on 10 April is on time; 11 April is a miss (a notice)
    assert statuses == {"E06000015": "fulfilled", "E06000016": "missed"}
    text = "\n".join(explain_findings(report.findings, [rs], EVENTS, as_of=dt.date(2020, 6, 30)))
    assert "Rule send-reminder, a reminder after a triggering event: after each" in text
    page = render_ruleset(rs)
    assert "Kind: a reminder to be sent after a triggering event (`reminder`)." in page
    assert "**Reminder**: within" in page
    changes = sli_rules.diff_rulesets(rs, _load(RULESET.replace("P1M", "P2M")))
    assert [(c.item, c.field, c.old, c.new) for c in changes.changes] == [
        ("send-reminder", "within", "P1M", "P2M")
    ]
    empty = _load(RULESET.split("rules:", maxsplit=1)[0] + "rules: []\n")
    added = sli_rules.diff_rulesets(empty, rs)
    assert [c.new for c in added.changes] == ["reminder, clause 7; due P1M"]
