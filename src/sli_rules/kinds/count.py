"""`kind: count`: a duty to do something at least N times within a span."""

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
    YPath,
)
from sli_rules.model.values import JOINER_READINGS, CountRule, ParamRef, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    m, path = p.m, p.path
    fulfil = p.spec("fulfil")
    sp: YPath = (*path, "span")
    span = r.mapping(m.get("span"), sp, "{start: DATE, end: DATE}") or {}
    r.keys(span, sp, ("start", "end"), ("end",), "in a span")
    end = r.date_like(span["end"], (*sp, "end")) if span.get("end") is not None else None
    start = r.date_like(span["start"], (*sp, "start")) if span.get("start") is not None else None
    repeat = m.get("repeat", False)
    if not isinstance(repeat, bool):
        r.err((*path, "repeat"), "'repeat' takes true or false")
        repeat = False
    joiners: str | ParamRef | None = "full"
    raw_joiners = m.get("joiners")
    if isinstance(raw_joiners, dict):
        joiners = r.param_ref(raw_joiners, (*path, "joiners"), "joiners")
    elif raw_joiners is not None:
        if raw_joiners not in JOINER_READINGS:
            r.err(
                (*path, "joiners"),
                f"'joiners' takes one of {', '.join(JOINER_READINGS)} or "
                f"{{parameter: NAME}}, got {r.show(raw_joiners)}",
            )
        else:
            joiners = str(raw_joiners)
    if fulfil and end and joiners is not None:
        return CountRule(
            fulfil=fulfil,
            start=start,
            end=end,
            repeat=repeat,
            joiners=joiners,
            at_least=r.integer(m.get("at_least"), (*path, "at_least"), 1),
            **p.common,
        )
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:  # noqa: ARG001
    assert isinstance(rule, CountRule)
    start = (
        w.amount(rs, rule.start, rs.effective.start)
        if rule.start is not None
        else (
            f"{rs.effective.start} (the agreement's start)"
            if rs.rule_start(rule) == rs.effective.start
            else f"{rs.rule_start(rule)} (the start of its first version)"
        )
    )
    repeat = ", span after span" if rule.repeat else ""
    joiners = ""
    if rule.joiners != "full":
        reading = w.amount(rs, rule.joiners, rs.effective.start)
        joiners = f" A party that joins during a span owes, on the reading {reading}"
        joiners += (
            ": full, the whole count; pro_rata, the count scaled by its share of "
            "the span, rounded half up; next_period, nothing until the next span."
        )
    return (
        f"{w.who(rs, rule)} must see to at least {rule.at_least} "
        f"{w.wanted_text(rule.fulfil)} between {start} and "
        f"{w.amount(rs, rule.end, rs.effective.start)}{repeat}; due at the "
        f"span's end.{joiners}"
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, CountRule)
    start = (
        w.amount(rs, rule.start)
        if rule.start is not None
        else w.t(f"the agreement's start ({rs.effective.start.isoformat()})")
    )
    out = [
        w.t(
            w.strong("Span"),
            f": at least {rule.at_least} matching event{'s' if rule.at_least != 1 else ''} from ",
            start,
            " to ",
            w.amount(rs, rule.end),
            "; ",
            w.strong("deadline"),
            ": the end of the span",
            "; the span repeats back to back." if rule.repeat else ".",
        )
    ]
    if rule.joiners != "full":
        out.append(
            w.t(
                w.strong("A party that joins during a span"),
                " owes ",
                w.amount(rs, rule.joiners),
                ": ",
                w.code("full"),
                " the whole count by the span's end; ",
                w.code("pro_rata"),
                " the count scaled by its share of the span, rounded half up (none when "
                "that rounds to nothing); ",
                w.code("next_period"),
                " nothing until the next span.",
            )
        )
    return out


KIND = RuleKind(
    name="count",
    rule_class=CountRule,
    required=("fulfil", "span"),
    optional=("at_least", "repeat", "joiners"),
    key_schema={
        "fulfil": SHARED_KEYS["fulfil"],
        "span": (
            "The span the events are counted over: {start: DATE, end: DATE}; start defaults "
            "to the agreement's start.",
            {"$ref": "#/$defs/span"},
        ),
        "at_least": SHARED_KEYS["at_least"],
        "repeat": ("true to repeat the span back to back.", {"type": "boolean"}),
        "joiners": (
            "What a party joining after the span began owes: full (the whole count by the "
            "span's end, the default), pro_rata (the count scaled by its share of the span, "
            "rounded half up), next_period (nothing until the next span), or {parameter: NAME}.",
            {
                "anyOf": [
                    {"enum": ["full", "pro_rata", "next_period"]},
                    {"$ref": "#/$defs/parameter_ref"},
                ]
            },
        ),
    },
    summary="At least a number of matching events over a span, due at its end.",
    parse=parse,
    family=Family.SPANS,
    fulfils=True,
    explain_noun="a count of events over a span",
    docs_noun="a number of events over a span",
    explain=explain,
    document=document,
    fields=(
        ("fulfil", "fulfil"),
        ("start", "span.start"),
        ("end", "span.end"),
        ("repeat", "repeat"),
        ("joiners", "joiners"),
        ("at_least", "at_least"),
    ),
    diff_summary=(),
    coverage=(Status.FULFILLED, Status.BREACHED),
)
