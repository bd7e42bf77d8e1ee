"""A rule kind made in one module, as docs/architecture.md describes: `kind: reminder`, a
prompt to be sent within a time after a trigger, whose miss is only ever a notice.

tests/test_kinds.py registers it with one line (`KINDS["reminder"] = REMINDER`, through
monkeypatch) and checks that the loader, the schema, the plan, explain, docs and diff all
take it up. It is evaluated as a deadline is, because its module says that its family is
`Family.TRIGGERED` (its class has the attributes that family reads: trigger, fulfil, due
and waive); the class itself is its own, not a `DeadlineRule`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import attrs

from sli_rules.kinds.base import (
    SHARED_KEYS,
    DocWords,
    ExplainWords,
    Family,
    RuleKind,
    RuleParts,
    RuleReader,
)
from sli_rules.model.values import DurationLike, EventSpec, Rule, RuleBase, Ruleset
from sli_rules.model.vocabulary import Status


@attrs.frozen(kw_only=True)
class ReminderRule(RuleBase):
    trigger: EventSpec
    fulfil: EventSpec
    due: DurationLike  # read from the YAML key `within`
    waive: EventSpec | None = None
    kind: Literal["reminder"] = "reminder"


def parse(r: RuleReader, p: RuleParts) -> Rule | None:
    fulfil = p.spec("fulfil")
    due = r.duration_like(p.m.get("within"), (*p.path, "within"))
    if p.trigger and fulfil and due:
        return ReminderRule(trigger=p.trigger, fulfil=fulfil, due=due, **p.common)  # type: ignore[return-value]
    return None


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: dt.date) -> str:
    assert isinstance(rule, ReminderRule)
    return (
        f"after each {w.trigger_text(rule.trigger)}, {w.who(rs, rule)} should send "
        f"{w.a(w.wanted_text(rule.fulfil))} within {w.amount(rs, rule.due, day)}."
    )


def document(w: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:
    assert isinstance(rule, ReminderRule)
    return [w.t(w.strong("Reminder"), ": within ", w.amount(rs, rule.due), " of the trigger.")]


REMINDER = RuleKind(
    name="reminder",
    rule_class=ReminderRule,
    required=("trigger", "fulfil", "within"),
    optional=(),
    key_schema={
        "trigger": SHARED_KEYS["trigger"],
        "fulfil": SHARED_KEYS["fulfil"],
        "within": ("How soon the reminder is sent: a duration.", {"$ref": "#/$defs/duration_like"}),
    },
    summary="A prompt to be sent within a time after a trigger; a miss is a notice.",
    parse=parse,
    family=Family.TRIGGERED,
    default_severity="notice",
    trigger_role="trigger",
    fulfils=True,
    explain_noun="a reminder after a triggering event",
    docs_noun="a reminder to be sent after a triggering event",
    explain=explain,
    document=document,
    fields=(("trigger", "trigger"), ("fulfil", "fulfil"), ("due", "within")),
    diff_summary=("due",),
    coverage=(Status.FULFILLED, Status.MISSED),
)
