"""`kind: window`: a duty started by a trigger, to be met inside a window that opens and
closes a duration after it."""

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
from sli_rules.kinds.deadline import by_words
from sli_rules.model.values import Rule, Ruleset, WindowRule
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    fulfil = p.spec("fulfil")
    due = r.duration_like(p.m.get("due"), (*p.path, "due"))
    opens = r.duration_like(p.m.get("opens"), (*p.path, "opens"))
    early = r.choice(p.m.get("early"), (*p.path, "early"), ("accept", "ignore"), "accept")
    if p.trigger and fulfil and due and opens:
        return WindowRule(
            trigger=p.trigger,
            fulfil=fulfil,
            opens=opens,
            due=due,
            early=early,  # type: ignore[arg-type]
            waive=p.spec("waive"),
            **p.common,
        )
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, WindowRule)
    early = (
        "one before the window opens counts as early (a notice, not a breach)"
        if rule.early == "accept"
        else "one before the window opens does not count"
    )
    return (
        f"after each {w.trigger_text(rule.trigger)}, {w.who(rs, rule)} must see to "
        f"{w.a(w.wanted_text(rule.fulfil))}{by_words(rule)} no sooner than "
        f"{w.amount(rs, rule.opens, day)} and no later than "
        f"{w.amount(rs, rule.due, day)} after it, both ends included; {early}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, WindowRule)
    return [
        w.t(
            w.strong("Window"),
            ": opens ",
            w.amount(rs, rule.opens),
            " after the trigger's date; ",
            w.strong("deadline"),
            ": ",
            w.amount(rs, rule.due),
            " after it; both ends inclusive.",
        ),
        w.t(
            "Met before the window opens: ",
            "counts as fulfilled early (a notice, not a breach)."
            if rule.early == "accept"
            else "does not count.",
        ),
    ]


KIND = RuleKind(
    name="window",
    rule_class=WindowRule,
    required=("trigger", "fulfil", "opens", "due"),
    optional=("early", "waive"),
    key_schema={
        **{k: SHARED_KEYS[k] for k in ("trigger", "fulfil", "opens", "due", "waive")},
        "early": (
            "A fulfilment before the window opens: accept (default; a notice, "
            "fulfilled_early) or ignore (it does not count).",
            {"enum": ["accept", "ignore"]},
        ),
    },
    summary="A duty due inside a window that opens and closes at times after a trigger.",
    parse=parse,
    family=Family.TRIGGERED,
    state_trigger=True,
    fulfil_by_any=True,
    trigger_role="trigger",
    fulfils=True,
    explain_noun="a window after a triggering event",
    docs_noun="a window of time after a triggering event",
    explain=explain,
    document=document,
    fields=(
        ("trigger", "trigger"),
        ("fulfil", "fulfil"),
        ("waive", "waive"),
        ("opens", "opens"),
        ("due", "due"),
        ("early", "early"),
    ),
    diff_summary=("opens", "due"),
    coverage=(Status.FULFILLED, Status.BREACHED, Status.FULFILLED_EARLY),
)
