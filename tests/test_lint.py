"""`check --strict` (tools/lint.py): conditions that can never hold and rules that apply
to no party, found by walking the conditions' trees, located at their line."""

from __future__ import annotations

from pathlib import Path

from sli_rules import load_ruleset
from sli_rules.tools.lint import strict_problems

RULESET = """\
id: lint-test
title: Lint test
source: a test
version: "1"
effective: {start: 2020-01-01}
parties:
  councils: [E06000001]
rules:
  - id: never-triggered
    kind: constraint
    clause: "1"
    quote: "A review is held."
    trigger:
      type: peer_challenge.held
      where: {kind: {in: []}}
    require:
      any: []
  - id: negated
    kind: constraint
    clause: "2"
    quote: "A review is held."
    trigger:
      type: peer_challenge.held
      where: {not: {kind: {in: []}}}
    require:
      team: {none: {council: {in: []}}, count: {where: {council: {in: []}}, at_most: 3}}
  - id: bodies-only
    kind: constraint
    clause: "3"
    quote: "A review is held."
    applies_to: {kind: body}
    trigger: {type: peer_challenge.held}
    require: {kind: childrens}
"""


def test_conditions_that_never_hold_are_found_in_the_tree(tmp_path: Path) -> None:
    path = tmp_path / "lint-test.yaml"
    path.write_text(RULESET, encoding="utf-8")
    problems = strict_problems(load_ruleset(path))
    found = [(p.location.line, p.message, p.path) for p in problems]
    assert found == [
        (
            15,
            "rule 'never-triggered': 'in: []' never holds, so this condition is never met",
            ("rules", 0, "trigger", "where", "kind", "in"),
        ),
        (
            17,
            "rule 'never-triggered': 'any: []' never holds, so this condition is never met",
            ("rules", 0, "require", "any"),
        ),
        # under `not` and `none` an empty list always holds: nothing to say; inside a
        # count's `where` it never holds
        (
            26,
            "rule 'negated': 'in: []' never holds, so this condition is never met",
            ("rules", 1, "require", "team", "count", "where", "council", "in"),
        ),
        (
            31,
            "rule 'bodies-only': applies_to matches none of the ruleset's 1 parties, so the "
            "rule never applies",
            ("rules", 2, "applies_to"),
        ),
    ]
    assert all(p.location.file == str(path) for p in problems)
