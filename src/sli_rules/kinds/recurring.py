"""`kind: recurring`: a duty to be met in every period, e.g. once each financial year."""

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
from sli_rules.model.errors import did_you_mean
from sli_rules.model.values import RecurringRule, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    m, path = p.m, p.path
    fulfil = p.spec("fulfil")
    period = r.period(m.get("period"), (*path, "period"))
    grace = r.duration_like(m["grace"], (*path, "grace")) if m.get("grace") is not None else None
    at_least = r.integer(m.get("at_least"), (*path, "at_least"), 1)
    period_from = None
    if m.get("period_from") is not None:
        period_from = r.text(m["period_from"], (*path, "period_from"), "an attribute")
        ftypes = fulfil.types if fulfil else ()
        known = r.paths_for(ftypes) if ftypes else None
        if known is not None and period_from not in known:
            r.err(
                (*path, "period_from"),
                f"unknown attribute {period_from!r} of {', '.join(ftypes)}"
                + did_you_mean(period_from, known),
            )
    if fulfil and period:
        return RecurringRule(
            fulfil=fulfil,
            period=period,
            grace=grace,
            at_least=at_least,
            period_from=period_from,
            **p.common,
        )
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, RecurringRule)
    grace = (
        f", with {w.amount(rs, rule.grace, day)} of grace after it ends"
        if rule.grace is not None
        else ""
    )
    return (
        f"{w.who(rs, rule)} must see to at least {rule.at_least} "
        f"{w.wanted_text(rule.fulfil)} in each {w.period_words(rule.period)}{grace}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, RecurringRule)
    grace = (
        w.t(", due at the period's end plus ", w.amount(rs, rule.grace))
        if rule.grace is not None
        else w.t(", due at the period's end")
    )
    counted = (
        w.t(" for each period, by the period their ", w.code(rule.period_from), " names")
        if rule.period_from
        else w.t(" dated in each period")
    )
    return [
        w.t(
            w.strong("Period"),
            f": {w.period(rule.period)}; at least {rule.at_least} matching "
            f"event{'s' if rule.at_least != 1 else ''}",
            counted,
            grace,
            (
                "; one dated after the due date is late (a remedied breach)"
                if rule.period_from
                else ""
            ),
            ".",
        )
    ]


KIND = RuleKind(
    name="recurring",
    rule_class=RecurringRule,
    required=("fulfil", "period"),
    optional=("at_least", "grace", "period_from"),
    key_schema={
        **{k: SHARED_KEYS[k] for k in ("fulfil", "period", "at_least")},
        "grace": (
            "Extra time after each period's end before the instance is due: a duration or "
            "{parameter: NAME}.",
            {"$ref": "#/$defs/duration_like"},
        ),
        "period_from": (
            "An attribute of the fulfilling event naming the period it is for (e.g. period, "
            "with values such as 2015-Q2): it counts there, late if dated after the due date.",
            {"type": "string"},
        ),
    },
    summary="A duty owed once per period (year, quarter or month) by each party.",
    parse=parse,
    family=Family.PERIODS,
    fulfils=True,
    explain_noun="a duty that recurs each period",
    docs_noun="a duty that recurs once per period",
    explain=explain,
    document=document,
    fields=(
        ("fulfil", "fulfil"),
        ("period", "period"),
        ("at_least", "at_least"),
        ("grace", "grace"),
        ("period_from", "period_from"),
    ),
    diff_summary=("period",),
    coverage=(Status.FULFILLED, Status.BREACHED),
)
