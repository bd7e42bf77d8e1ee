"""`kind: limit`: a ceiling on how much of something a party may take in a period."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from sli_rules.kinds.base import (
    MAX_NUMBER,
    SHARED_KEYS,
    DocWords,
    ExplainWords,
    Family,
    RuleKind,
    RuleParts,
    RuleReader,
)
from sli_rules.model.values import LimitRule, ParamRef, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    m, path, trigger = p.m, p.path, p.trigger
    period = r.period(m.get("period"), (*path, "period"))
    maximum: float | ParamRef | None = None
    raw_max = m.get("max")
    if isinstance(raw_max, dict):
        maximum = r.param_ref(raw_max, (*path, "max"), "number")
    elif (
        isinstance(raw_max, (int, float))
        and not isinstance(raw_max, bool)
        and 0 <= raw_max <= MAX_NUMBER
    ):
        maximum = float(raw_max)
    else:
        r.err(
            (*path, "max"),
            f"expected a number from 0 to {MAX_NUMBER:,} or {{parameter: NAME}}, "
            f"got {r.show(raw_max)}",
        )
    amount = None
    if m.get("amount") is not None:
        amount = r.text(m["amount"], (*path, "amount"), "an attribute")
        if trigger and trigger.types and amount not in r.paths_for(trigger.types):
            r.err((*path, "amount"), f"unknown attribute {amount!r} of the trigger")
    if trigger and period and maximum is not None:
        return LimitRule(trigger=trigger, period=period, max=maximum, amount=amount, **p.common)
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, LimitRule)
    what = f"the total {rule.amount} of" if rule.amount else "the number of"
    return (
        f"for {w.who(rs, rule)}, {what} {w.trigger_text(rule.trigger)} in each "
        f"{w.period_words(rule.period)} must not "
        f"exceed {w.amount(rs, rule.max, day)}; exceeding it is a "
        f"{rule.severity}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, LimitRule)
    what = w.t("the total ", w.code(rule.amount)) if rule.amount else w.t("the number of events")
    return [
        w.t(
            w.strong("Ceiling"),
            ": ",
            what,
            " of one party in ",
            w.period(rule.period),
            " must not exceed ",
            w.amount(rs, rule.max),
            ".",
        )
    ]


KIND = RuleKind(
    name="limit",
    rule_class=LimitRule,
    required=("trigger", "period", "max"),
    optional=("amount",),
    key_schema={
        **{k: SHARED_KEYS[k] for k in ("trigger", "period")},
        "max": (
            "The ceiling per period: a number or {parameter: NAME}.",
            {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/parameter_ref"}]},
        ),
        "amount": (
            "The trigger's attribute to add up (e.g. days); without it, events are counted.",
            {"type": "string"},
        ),
    },
    summary="A ceiling on the events (or an amount) of one party per period.",
    parse=parse,
    family=Family.CEILING,
    # a limit exceeded is a notice unless the ruleset says breach
    default_severity="notice",
    trigger_role="limit",
    explain_noun="a ceiling per period",
    docs_noun="a ceiling per period",
    explain=explain,
    document=document,
    fields=(("trigger", "trigger"), ("period", "period"), ("max", "max"), ("amount", "amount")),
    diff_summary=("period", "max"),
    coverage=(Status.EXCEEDED,),
)
