"""A ruleset's fingerprint: a digest of what it says, stable across releases.

State files (`sli-rules run`) and session snapshots record the fingerprint of each
ruleset they were built with, and refuse to go on under a ruleset that says something
else. The digest is taken over a canonical JSON form of the ruleset's content:

- each value object becomes an object tagged with its class name, holding the fields
  that take part in equality *and differ from their default*, so that a new optional
  field (with a default) leaves every existing ruleset's fingerprint as it was;
- where the ruleset was read from (`file`) and its line numbers (`rule_lines`) are left
  out: moving a file or adding a comment changes nothing;
- mappings are sorted by key, dates are ISO text, tuples are lists;
- a condition is taken in the mapping form it is written in (`Condition.to_mapping`).
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from sli_rules.model.conditions import Condition
from sli_rules.model.values import Ruleset

__all__ = ["canonical", "fingerprint", "fingerprint_0_1"]

_LEFT_OUT = {(Ruleset, "file"), (Ruleset, "rule_lines"), (Ruleset, "event_lines")}


def _default(field: attrs.Attribute[Any]) -> Any:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return attrs.NOTHING if default.takes_self else default.factory()
    return default


def canonical(value: Any) -> Any:
    """`value` as plain JSON data, the same for the same content whatever its class layout."""
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Condition):  # as written: the fingerprint predates the tree
        return canonical(value.to_mapping())
    if attrs.has(type(value)):
        cls = type(value)
        out: dict[str, Any] = {"@": cls.__name__}
        for field in attrs.fields(cls):
            if not field.eq or (cls, field.name) in _LEFT_OUT:
                continue
            v = getattr(value, field.name)
            default = _default(field)
            if default is not attrs.NOTHING and v == default:
                continue
            out[field.name] = canonical(v)
        return out
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def fingerprint(rs: Ruleset) -> str:
    """A digest of what a ruleset says (not where it was read from or its line numbers)."""
    text = json.dumps(canonical(rs), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def fingerprint_0_1(rs: Ruleset) -> str:
    """The fingerprint release 0.1.0 recorded: a digest of the ruleset's Python repr.

    Only for recognising state files and snapshots that release wrote. It holds only as
    long as the model classes are as they were then; a file it no longer recognises is
    refused with the command that rebuilds it.
    """
    text = repr(attrs.evolve(rs, file="", rule_lines={}))
    for name, default in _ADDED_SINCE_0_1:
        # a field added since 0.1.0, at its default, was not in that release's repr
        text = text.replace(f", {name}={default!r}", "")
    return hashlib.sha256(text.encode()).hexdigest()[:24]


# Fields of the model's value classes added since release 0.1.0, with their defaults.
_ADDED_SINCE_0_1: tuple[tuple[str, object], ...] = (
    ("owner", None),  # Effective
    ("revoked_by", None),  # Effective
    ("in_state", ()),  # EventSpec
    ("state_of", "council"),  # EventSpec
    ("by_any", ()),  # EventSpec
    ("by_each", ()),  # EventSpec
    ("look_back", None),  # EventSpec
    ("period_from", None),  # RecurringRule
    ("start_state", None),  # EscalationLadder
    ("state", None),  # EventSpec
    ("region_of", None),  # PartySpec
    ("joiners", "full"),  # CountRule
)
