"""`kind: fixed_date`: a duty every applicable party owes by one date."""

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
from sli_rules.model.values import FixedDateRule, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    fulfil = p.spec("fulfil")
    due = r.date_like(p.m.get("due"), (*p.path, "due"))
    opens = r.date_like(p.m["opens"], (*p.path, "opens")) if p.m.get("opens") is not None else None
    if fulfil and due:
        return FixedDateRule(fulfil=fulfil, due=due, opens=opens, waive=p.spec("waive"), **p.common)
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, FixedDateRule)
    opens = f", counted from {w.amount(rs, rule.opens, day)}" if rule.opens is not None else ""
    return (
        f"{w.who(rs, rule)} must see to {w.a(w.wanted_text(rule.fulfil))} "
        f"by {w.amount(rs, rule.due, rs.effective.start)}{opens}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, FixedDateRule)
    opens = (
        w.t(", open from ", w.amount(rs, rule.opens))
        if rule.opens is not None
        else w.t(", open from the agreement's start (or the day the party joined)")
    )
    return [w.t(w.strong("Deadline"), ": ", w.amount(rs, rule.due), ", inclusive", opens, ".")]


KIND = RuleKind(
    name="fixed_date",
    rule_class=FixedDateRule,
    required=("fulfil", "due"),
    optional=("opens", "waive"),
    key_schema={
        "fulfil": SHARED_KEYS["fulfil"],
        "due": (
            "The date the duty is due (inclusive): YYYY-MM-DD or {parameter: NAME}.",
            {"$ref": "#/$defs/date_like"},
        ),
        "opens": (
            "The date the duty opens (default: the agreement's start, or the party's joining "
            "date if later): YYYY-MM-DD or {parameter: NAME}.",
            {"$ref": "#/$defs/date_like"},
        ),
        "waive": SHARED_KEYS["waive"],
    },
    summary="A duty every applicable party owes by one date.",
    parse=parse,
    family=Family.FIXED,
    fulfils=True,
    explain_noun="a duty due on a fixed date",
    docs_noun="a duty due on a fixed date",
    explain=explain,
    document=document,
    fields=(("fulfil", "fulfil"), ("waive", "waive"), ("opens", "opens"), ("due", "due")),
    diff_summary=("opens", "due"),
    coverage=(Status.FULFILLED, Status.BREACHED),
)
