"""`kind: self_declared` (or any rule with `monitoring: self-declared`): a clause that
events cannot show, listed and documented but yielding no findings."""

from __future__ import annotations

import datetime as _dt

from sli_rules.kinds.base import ExplainWords, Family, RuleKind, RuleParts, RuleReader
from sli_rules.model.values import Rule, Ruleset, SelfDeclaredRule


def parse(r: RuleReader, p: RuleParts) -> Rule | None:  # noqa: ARG001
    return SelfDeclaredRule(**p.common)


def explain(w: ExplainWords, rs: Ruleset, rule: Rule, day: _dt.date) -> str:  # noqa: ARG001
    return "it is listed for completeness and yields no findings."


KIND = RuleKind(
    name="self_declared",
    rule_class=SelfDeclaredRule,
    required=(),
    optional=(),
    key_schema={},
    summary="A duty that cannot be checked from events: listed, never evaluated.",
    parse=parse,
    family=Family.UNCHECKED,
    explain_noun="a duty that cannot be checked from events",
    docs_noun="a commitment that cannot be checked from events",
    explain=explain,
)
