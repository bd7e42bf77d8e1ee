"""`sli-rules init FOLDER`: a workspace a policy officer can start from.

It writes a small ruleset (one deadline rule, with its clause, quote and a parameter that
says where its number comes from), a scenario file that tests it, an event file in the
format `evaluate` reads, the JSON Schemas, and editor settings that associate them, so a
YAML-aware editor completes and checks the files as they are typed. `sli-rules test
FOLDER` passes straight away; each file says what to change.
"""

from __future__ import annotations

import json
from pathlib import Path

from sli_rules.load.loader import ID_RE
from sli_rules.tools.schema import SCHEMAS, schema_json

__all__ = ["InitError", "scaffold"]

SCHEMA_FOLDER = "schemas"

_RULESET = """\
# yaml-language-server: $schema={schemas}/ruleset.schema.json
#
# A ruleset started by `sli-rules init`: one agreement, encoded as rules. Replace the
# example with the agreement's own clauses. Each rule cites its clause and quotes its
# words exactly; a number the text does not give is a parameter that says why it was
# chosen. Check it with `sli-rules check {ruleset_file}`, test it with
# `sli-rules test .`, and read it back as a page with `sli-rules docs {ruleset_file}`.

id: {id}
title: {title}
source: the agreement's text (a file name or a web address)
version: "0.1"
description: >-
  What the agreement is for, who signed it and when.

effective:
  start: 2024-04-01
  start_basis: interpretation
  start_rationale: "An example: put the day the agreement took effect and say why."

parties:
  councils:
    - E08000026   # an example council (GSS code): list the councils that signed

parameters:
  feedback-time:
    description: How long a council has, after a peer challenge, to publish the feedback.
    basis: interpretation
    rationale: "An example: say whether the text gives this number or how it was chosen."
    value: P6M

rules:
  - id: publish-feedback
    kind: deadline
    title: Publish the feedback of a peer challenge
    clause: "1"
    quote: "replace this with the clause's words, copied exactly"
    trigger:
      type: peer_challenge.held
    due: {{parameter: feedback-time}}
    fulfil:
      type: feedback.published
      match: {{review: review}}
"""

_SCENARIO = """\
# yaml-language-server: $schema={schemas}/scenario.schema.json
#
# Scenario tests for {ruleset_file}: events, a date, and the findings expected then.
# Run them with `sli-rules test .` (or `pytest`). Add one for each clause, and one for
# each edge of each deadline.
rulesets: [{ruleset_file}]
scenarios:
  - name: feedback published in time
    events:
      - {{id: pc1, type: peer_challenge.held, date: 2024-05-10, council: E08000026, review: review-1,
         kind: corporate}}
      - {{id: fb1, type: feedback.published, date: 2024-09-02, council: E08000026, review: review-1,
         action_plan: false}}
    as_of: 2025-03-31
    expect:
      - {{rule: publish-feedback, party: E08000026, status: fulfilled, due: 2024-11-10}}
    expect_absent:
      - {{kind: breach}}

  - name: feedback never published
    events:
      - {{id: pc1, type: peer_challenge.held, date: 2024-05-10, council: E08000026, review: review-1,
         kind: corporate}}
    as_of: 2025-03-31
    expect:
      - {{kind: breach, rule: publish-feedback, party: E08000026, status: breached, due: 2024-11-10}}

  - name: the example event file
    events_file: {events_file}
    as_of: 2025-03-31
    expect:
      - {{rule: publish-feedback, party: E08000026, status: fulfilled_late}}
"""  # noqa: E501 (the doubled braces of str.format; the file written is 100 wide)

_EVENTS = (
    {
        "id": "pc-2024-1",
        "type": "peer_challenge.held",
        "date": "2024-06-14",
        "council": "E08000026",
        "review": "review-2024-1",
        "kind": "corporate",
    },
    {
        "id": "fb-2024-1",
        "type": "feedback.published",
        "date": "2025-01-20",
        "council": "E08000026",
        "review": "review-2024-1",
        "action_plan": True,
    },
)

_SETTINGS = {
    "yaml.schemas": {
        f"./{SCHEMA_FOLDER}/scenario.schema.json": ["*.scenario.yaml"],
    },
}


class InitError(Exception):
    """The workspace cannot be written there (the message says why); nothing was written."""


def scaffold(folder: str | Path, ruleset_id: str, *, title: str | None = None) -> list[Path]:
    """Write a new workspace into `folder` (created when missing; the folder it goes in must
    exist): `<id>.yaml`, `<id>.scenario.yaml`, `<id>.jsonl`, `schemas/*.schema.json` and
    `.vscode/settings.json`. Refuses (InitError, before writing anything) a bad id, or a
    file that already exists. Returns the files written."""
    if not ID_RE.match(ruleset_id):
        raise InitError(
            f"--id {ruleset_id!r}: an id is lower-case letters, digits and hyphens, "
            "starting with a letter or digit"
        )
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise InitError(f"{folder}: not a folder")
    if not root.exists() and not root.parent.is_dir():
        raise InitError(f"{folder}: there is no folder {str(root.parent)!r}; create it first")
    ruleset_file = f"{ruleset_id}.yaml"
    events_file = f"{ruleset_id}.jsonl"
    fields = {
        "id": ruleset_id,
        "title": title or "A new agreement (replace this title)",
        "schemas": SCHEMA_FOLDER,
        "ruleset_file": ruleset_file,
        "events_file": events_file,
    }
    files: dict[Path, str] = {
        root / ruleset_file: _RULESET.format(**fields),
        root / f"{ruleset_id}.scenario.yaml": _SCENARIO.format(**fields),
        root / events_file: "".join(json.dumps(e) + "\n" for e in _EVENTS),
        **{root / SCHEMA_FOLDER / f"{name}.schema.json": schema_json(name) for name in SCHEMAS},
        root / ".vscode" / "settings.json": json.dumps(_SETTINGS, indent=2) + "\n",
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise InitError(
            f"{existing[0]}{more} already exists; nothing was written "
            "(choose another folder or --id)"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    return list(files)
