"""The registry: councils and regional or national bodies are data, not code."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import sli_rules
from sli_rules import parse_ruleset
from sli_rules.load import loader
from sli_rules.load.loader import load_bodies
from sli_rules.load.registry import (
    COPY,
    PARTS,
    bundled_dir,
    load_registry,
    normalise,
    registry_from_yaml,
    registry_json,
)
from sli_rules.load.safe_yaml import safe_load
from sli_rules.tools import schema

ROOT = Path(__file__).resolve().parents[1]

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


# ------------------------------------------------------------------ the JSON copy


def test_the_json_copy_of_the_registry_is_what_the_yaml_gives() -> None:
    # the library reads the registry from data/registry.json; the YAML is what is edited
    copy = resources.files("sli_rules").joinpath(COPY).read_text(encoding="utf-8")
    assert copy == registry_json(registry_from_yaml()), (
        "src/sli_rules/data/registry.json is not what rulesets/registry/*.yaml give: "
        "run `make registry`"
    )
    assert list(json.loads(copy)) == ["generated", *PARTS]


def test_the_registry_read_from_the_copy_equals_the_registry_read_from_the_yaml() -> None:
    # value for value, types included: a date the YAML gives outside `from`, `to`,
    # `created` and `abolished` would be text in the copy, and differ here
    def part(name: str) -> dict[str, Any]:
        text = (bundled_dir() / "registry" / f"{name}.yaml").read_text(encoding="utf-8")
        return dict(safe_load(text)[name])

    assert load_registry() == {str(code): normalise(e) for code, e in part("councils").items()}
    assert load_bodies() == part("bodies")
    assert len(load_registry()) > 300


def test_an_edit_of_the_yaml_changes_the_copy(tmp_path: Path) -> None:
    # what the staleness test above relies on: the copy follows every value of the YAML
    for name in PARTS:
        (tmp_path / f"{name}.yaml").write_text(
            (bundled_dir() / "registry" / f"{name}.yaml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    same = registry_json(registry_from_yaml(tmp_path))
    assert same == registry_json(registry_from_yaml())
    councils = tmp_path / "councils.yaml"
    text = councils.read_text(encoding="utf-8")
    councils.write_text(text.replace("name: Hartlepool", "name: Hartlepool Borough"), "utf-8")
    edited = json.loads(registry_json(registry_from_yaml(tmp_path)))
    assert edited["councils"]["E06000001"]["name"] == "Hartlepool Borough"
    assert registry_json(registry_from_yaml(tmp_path)) != same


def test_make_registry_writes_the_committed_copy(tmp_path: Path) -> None:
    path = ROOT / "scripts" / "registry_json.py"
    spec = importlib.util.spec_from_file_location("registry_json", path)
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    target = tmp_path / "registry.json"
    assert script.main([str(target)]) == 0
    committed = ROOT / "src" / "sli_rules" / COPY
    assert target.read_bytes() == committed.read_bytes()
    assert script.main([str(target)]) == 0  # up to date: left as it is
    assert target.read_bytes() == committed.read_bytes()
