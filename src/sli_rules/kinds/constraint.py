"""`kind: constraint`: a condition every trigger event must meet when it happens."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sli_rules.kinds.base import (
    SHARED_KEYS,
    DocWords,
    ExplainWords,
    Family,
    RuleKind,
    RuleParts,
    RuleReader,
)
from sli_rules.model.values import ConstraintRule, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    types = p.trigger.types if p.trigger else ()
    require = r.condition(
        p.m.get("require"),
        (*p.path, "require"),
        r.paths_for(types) if types else None,
        ("event", "party"),
        types,
    )
    if p.trigger and require is not None:
        return ConstraintRule(trigger=p.trigger, require=require, **p.common)
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:  # noqa: ARG001
    assert isinstance(rule, ConstraintRule)
    return (
        f"each {w.trigger_text(rule.trigger)} must satisfy: "
        f"{w.condition(rule.require)} (checked for {w.who(rs, rule)})."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:  # noqa: ARG001
    assert isinstance(rule, ConstraintRule)
    return [
        w.t(
            w.strong("Requirement"),
            ": each triggering event must satisfy: ",
            w.condition(rule.require),
            ". It is checked on the event's own date.",
        )
    ]


KIND = RuleKind(
    name="constraint",
    rule_class=ConstraintRule,
    required=("trigger", "require"),
    optional=(),
    key_schema={
        "trigger": SHARED_KEYS["trigger"],
        "require": (
            "A condition every triggering event must satisfy; {ref: party} names the party.",
            {"$ref": "#/$defs/condition"},
        ),
    },
    summary="A requirement that each triggering event must satisfy.",
    parse=parse,
    family=Family.CHECKED,
    trigger_role="trigger",
    explain_noun="a requirement on each triggering event",
    docs_noun="a requirement that each triggering event must meet",
    explain=explain,
    document=document,
    fields=(("trigger", "trigger"), ("require", "require")),
    diff_summary=(),
    coverage=(Status.FULFILLED, Status.BREACHED),
)
