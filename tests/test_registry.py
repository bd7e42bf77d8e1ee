"""The registry: councils and regional or national bodies are data, not code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

import sli_rules
from sli_rules import parse_ruleset
from sli_rules.load import loader
from sli_rules.load.loader import load_bodies
from sli_rules.tools import schema

RULESET = """\
id: registry-example
title: An agreement with a body
source: none.txt
version: "1"
effective:
  start: 2015-01-01
parties:
  councils: [E08000025, E08000026]
  bodies:
    - id: BODY
      name: The body
rules:
  - id: report-published
    kind: fixed_date
    title: The body publishes a report
    clause: "1"
    quote: "the body will publish a report by the end of 2015"
    party: {body: BODY}
    due: 2015-12-31
    fulfil:
      type: region_report.published
"""
WITH_A_NEW_BODY = RULESET.replace("BODY", "ne-sli-board")


def test_every_body_the_bundled_rulesets_name_is_in_the_registry() -> None:
    bodies = load_bodies()
    assert bodies
    for body in bodies.values():
        assert body["name"]
        assert body["level"] in ("regional", "national")
    for ruleset_id in sli_rules.bundled_ids():
        for party in sli_rules.load_ruleset(ruleset_id).parties:
            if party.kind == "body":
                assert party.id in bodies, (ruleset_id, party.id)


def test_a_body_not_in_the_registry_is_refused() -> None:
    assert parse_ruleset(RULESET.replace("BODY", "lga"), "lga.yaml")[1] == []
    ruleset, problems = parse_ruleset(WITH_A_NEW_BODY, "new-body.yaml")
    assert ruleset is None
    assert [p.message.split(";")[0] for p in problems] == ["unknown body id 'ne-sli-board'"]


def test_a_body_added_to_the_registry_needs_no_code(monkeypatch: pytest.MonkeyPatch) -> None:
    grown: Mapping[str, Mapping[str, Any]] = {
        **load_bodies(),
        "ne-sli-board": {"name": "North East SLI board", "level": "regional"},
    }
    monkeypatch.setattr(loader, "load_bodies", lambda: grown)
    monkeypatch.setattr(schema, "load_bodies", lambda: grown)
    ruleset, problems = parse_ruleset(WITH_A_NEW_BODY, "new-body.yaml")
    assert problems == []
    assert ruleset is not None
    assert [p.id for p in ruleset.parties if p.kind == "body"] == ["ne-sli-board"]
    assert "ne-sli-board" in json.dumps(schema.ruleset_schema())
