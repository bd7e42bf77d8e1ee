"""Value types of the event catalogue: an event type and the specs of its attributes.

They live in the model layer so that a `Ruleset` can carry the event types it declares
(its own catalogue entries); `load/catalogue.py` reads and checks them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["AttributeSpec", "EventType"]


@attrs.frozen
class AttributeSpec:
    """One attribute of an event type: its type, whether it is required, its values."""

    name: str
    type: str
    required: bool = False
    description: str = ""
    values: tuple[Any, ...] = ()
    items: AttributeSpec | None = None
    attributes: Mapping[str, AttributeSpec] = attrs.field(factory=dict)
    # values allowed only in events dated before a day (e.g. a grade a framework retired)
    values_before: Mapping[str, _dt.date] = attrs.field(factory=dict)

    def describe_type(self) -> str:
        if self.type == "list" and self.items is not None:
            return f"list of {self.items.describe_type()}"
        if self.values:
            return " | ".join(str(v) for v in self.values)
        return self.type


@attrs.frozen
class EventType:
    """An event type: what happened, what its `council` means, and its own attributes.

    `owner` is empty for a bundled type, and the id of the ruleset that declares it for
    a type a ruleset adds (only that ruleset reacts to its events)."""

    name: str
    description: str
    council: str
    attributes: Mapping[str, AttributeSpec]
    owner: str = ""

    @property
    def required(self) -> frozenset[str]:
        return frozenset(n for n, a in self.attributes.items() if a.required)
