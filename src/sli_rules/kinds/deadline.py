"""`kind: deadline`: a duty started by a trigger event and due a duration after it."""

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
from sli_rules.model.values import DeadlineRule, Rule, Ruleset
from sli_rules.model.vocabulary import Status


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    fulfil = p.spec("fulfil")
    due = r.duration_like(p.m.get("due"), (*p.path, "due"))
    if p.trigger and fulfil and due:
        return DeadlineRule(
            trigger=p.trigger, fulfil=fulfil, due=due, waive=p.spec("waive"), **p.common
        )
    return None


def by_words(rule: DeadlineRule | Any) -> str:
    """' naming the party as ...' when the fulfilling event names the party otherwise, and
    ' by each of ...' when every one of several parties must act (`by_each`)."""
    by = "" if rule.fulfil.by == "council" else f" naming the party as {rule.fulfil.by}"
    if rule.fulfil.by_each:
        by += " by each of " + " and ".join(
            f"the trigger's {w.removeprefix('trigger.')}" if w.startswith("trigger.") else w
            for w in rule.fulfil.by_each
        )
    return by


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:
    assert isinstance(rule, DeadlineRule)
    return (
        f"after each {w.trigger_text(rule.trigger)}, {w.who(rs, rule)} must see to "
        f"{w.a(w.wanted_text(rule.fulfil))}{by_words(rule)} within "
        f"{w.amount(rs, rule.due, day)}; the due day itself is on time."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, DeadlineRule)
    return [
        w.t(
            w.strong("Deadline"),
            ": ",
            w.amount(rs, rule.due),
            " after the trigger's date; an event on the due day itself is on time.",
        )
    ]


KIND = RuleKind(
    name="deadline",
    rule_class=DeadlineRule,
    required=("trigger", "fulfil", "due"),
    optional=("waive",),
    key_schema={k: SHARED_KEYS[k] for k in ("trigger", "fulfil", "due", "waive")},
    summary="A duty due a fixed time after a triggering event.",
    parse=parse,
    family=Family.TRIGGERED,
    state_trigger=True,
    fulfil_by_any=True,
    trigger_role="trigger",
    fulfils=True,
    explain_noun="a deadline after a triggering event",
    docs_noun="a deadline after a triggering event",
    explain=explain,
    document=document,
    fields=(("trigger", "trigger"), ("fulfil", "fulfil"), ("waive", "waive"), ("due", "due")),
    diff_summary=("due",),
    coverage=(Status.FULFILLED, Status.BREACHED),
)
