"""`kind: entitlement`: something a party may call on for a time after a trigger."""

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
from sli_rules.model.values import EntitlementRule, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    m, path = p.m, p.path
    lasts = r.duration_like(m["lasts"], (*path, "lasts")) if m.get("lasts") is not None else None
    if p.trigger:
        return EntitlementRule(trigger=p.trigger, lasts=lasts, **p.common)
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, EntitlementRule)
    lasts = f", for {w.amount(rs, rule.lasts, day)}" if rule.lasts is not None else ""
    return (
        f"after each {w.trigger_text(rule.trigger)}, {w.who(rs, rule)} may call on what the "
        f"clause offers{lasts}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, EntitlementRule)
    lasts = (
        w.t(" for ", w.amount(rs, rule.lasts))
        if rule.lasts is not None
        else w.t(", with no end stated")
    )
    return [w.t(w.strong("Available"), ": from the trigger's date", lasts, ".")]


KIND = RuleKind(
    name="entitlement",
    rule_class=EntitlementRule,
    required=("trigger",),
    optional=("lasts",),
    key_schema={
        "trigger": SHARED_KEYS["trigger"],
        "lasts": (
            "How long the entitlement lasts after the trigger: a duration or {parameter: NAME}.",
            {"$ref": "#/$defs/duration_like"},
        ),
    },
    summary="Something a party may call on once an event happens.",
    parse=parse,
    family=Family.ENTITLEMENT,
    trigger_role="trigger",
    explain_noun="an entitlement opened by an event",
    docs_noun="an entitlement that an event makes available",
    explain=explain,
    document=document,
    fields=(("trigger", "trigger"), ("lasts", "lasts")),
    diff_summary=("lasts",),
    coverage=(Status.AVAILABLE,),
)
