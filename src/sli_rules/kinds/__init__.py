"""The rule kinds: one module per kind, each holding everything that defines it (its YAML
keys and their checks, its JSON Schema fragment, how the plan hooks it, its wording for
`explain` and `docs`, its diff description, the statuses its scenarios should show),
registered in `KINDS`, the one table the rest of the package reads.

Adding a kind: a module here that builds a `RuleKind`, and one line in `_REGISTERED`
(docs/architecture.md walks through it).
"""

from __future__ import annotations

from collections.abc import Mapping

from sli_rules.kinds import (
    constraint,
    count,
    deadline,
    entitlement,
    fixed_date,
    limit,
    recurring,
    self_declared,
    window,
)
from sli_rules.kinds.base import RuleKind

__all__ = ["KINDS", "RuleKind", "kind_of"]

_REGISTERED: tuple[RuleKind, ...] = (
    deadline.KIND,
    window.KIND,
    fixed_date.KIND,
    recurring.KIND,
    count.KIND,
    constraint.KIND,
    limit.KIND,
    entitlement.KIND,
    self_declared.KIND,
)

KINDS: Mapping[str, RuleKind] = {k.name: k for k in _REGISTERED}
"""Every rule kind by its YAML name, in the order the format lists them."""


def kind_of(name: str) -> RuleKind:
    """The registered kind called `name` (a KeyError names it when there is none)."""
    return KINDS[name]
