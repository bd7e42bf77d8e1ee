"""The event catalogue: the types of event the library accepts and their attributes.

The catalogue is data (`data/events.yaml`); this module reads it and compiles one
validator per attribute so that checking an event costs a few dictionary look-ups.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import attrs

from sli_rules.load.registry import code_problem
from sli_rules.load.safe_yaml import safe_load
from sli_rules.model.dates import DateError, parse_date
from sli_rules.model.errors import did_you_mean

__all__ = ["AttributeSpec", "Catalogue", "EventType", "load_catalogue"]

# Used with fullmatch (with match, $ would let a trailing line break through) and, as
# written, in the JSON Schemas. [0-9], not \d: ASCII digits only.
PARTY_RE = re.compile(r"^(?:[EWSN][0-9]{8}|[a-z][a-z0-9]*(?:-[a-z0-9]+)*)$")
PARTY_FORMS = "a GSS code such as E08000026 or a body id such as em-dcs-group"

ATTRIBUTE_TYPES = ("string", "integer", "number", "boolean", "date", "party", "list", "object")

# check(value) -> error message or None; values are JSON-native (dates stay text)
Check = Callable[[Any], str | None]


@attrs.frozen
class AttributeSpec:
    name: str
    type: str
    required: bool = False
    description: str = ""
    values: tuple[Any, ...] = ()
    items: AttributeSpec | None = None
    attributes: Mapping[str, AttributeSpec] = attrs.field(factory=dict)

    def describe_type(self) -> str:
        if self.type == "list" and self.items is not None:
            return f"list of {self.items.describe_type()}"
        if self.values:
            return " | ".join(str(v) for v in self.values)
        return self.type


@attrs.frozen
class EventType:
    name: str
    description: str
    council: str
    attributes: Mapping[str, AttributeSpec]

    @property
    def required(self) -> frozenset[str]:
        return frozenset(n for n, a in self.attributes.items() if a.required)


@attrs.frozen
class Catalogue:
    """The event catalogue: every event type the library accepts and its attributes
    (`load_catalogue()` reads the bundled one, data/events.yaml; docs/events.md lists it)."""

    common: Mapping[str, AttributeSpec]
    types: Mapping[str, EventType]

    def attribute_paths(self, type_name: str) -> set[str]:
        """Every dotted attribute path an event of this type can have (for rule checks)."""
        out = {"id", "type", "date", "council"}
        et = self.types.get(type_name)
        if et is None:
            return out

        def walk(prefix: str, spec: AttributeSpec) -> None:
            out.add(prefix)
            inner = spec.items if spec.type == "list" and spec.items is not None else spec
            for sub in inner.attributes.values():
                walk(f"{prefix}.{sub.name}", sub)

        for a in et.attributes.values():
            walk(a.name, a)
        return out

    def attribute_spec(self, type_name: str, path: str) -> AttributeSpec | None:
        """The spec of a dotted attribute path of a type (through lists), or None."""
        et = self.types.get(type_name)
        if et is None:
            return None
        specs: Mapping[str, AttributeSpec] = {**self.common, **et.attributes}
        found: AttributeSpec | None = None
        for part in path.split("."):
            found = specs.get(part)
            if found is None:
                return None
            inner = found.items if found.type == "list" and found.items is not None else found
            specs = inner.attributes
        return found

    def element_paths(self, type_name: str, list_path: str) -> set[str]:
        """Attribute names of the objects in a list attribute (e.g. team -> council, role)."""
        prefix = list_path + "."
        return {p[len(prefix) :] for p in self.attribute_paths(type_name) if p.startswith(prefix)}


def _spec(name: str, raw: Mapping[str, Any]) -> AttributeSpec:
    kind = raw.get("type", "string")
    if kind not in ATTRIBUTE_TYPES:
        raise ValueError(f"catalogue attribute {name!r}: unknown type {kind!r}")
    items = _spec(f"{name}[]", raw["items"]) if "items" in raw else None
    attributes = {k: _spec(k, v) for k, v in (raw.get("attributes") or {}).items()}
    return AttributeSpec(
        name=name,
        type=kind,
        required=bool(raw.get("required", False)),
        description=str(raw.get("description", "")),
        values=tuple(raw.get("values") or ()),
        items=items,
        attributes=attributes,
    )


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    common = {k: _spec(k, v) for k, v in (data.get("common") or {}).items()}
    types = {}
    for name, raw in (data.get("types") or {}).items():
        attrs_ = {k: _spec(k, v) for k, v in (raw.get("attributes") or {}).items()}
        types[name] = EventType(
            name=name,
            description=str(raw.get("description", "")),
            council=str(raw.get("council", "")),
            attributes=attrs_,
        )
    return Catalogue(common=common, types=types)


@functools.cache
def load_catalogue() -> Catalogue:
    """The bundled catalogue (read once; it is immutable)."""
    text = resources.files("sli_rules").joinpath("data/events.yaml").read_text(encoding="utf-8")
    return parse_catalogue(safe_load(text))


# ---------------------------------------------------------------- value checks


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_value(spec: AttributeSpec, value: Any, path: str) -> list[tuple[str, str]]:
    """Problems with `value` as (path, message); empty when it is fine."""
    t = spec.type
    if t == "string":
        if not isinstance(value, str):
            return [(path, f"expected text, got {_type_name(value)} {value!r}")]
    elif t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return [(path, f"expected a whole number, got {_type_name(value)} {value!r}")]
        if value < 0:
            return [(path, f"expected a whole number zero or more, got {value!r}")]
    elif t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [(path, f"expected a number, got {_type_name(value)} {value!r}")]
        if not math.isfinite(value) or value < 0:  # every number in the catalogue counts
            return [(path, f"expected a finite number zero or more, got {value!r}")]
    elif t == "boolean":
        if not isinstance(value, bool):
            return [(path, f"expected true or false, got {_type_name(value)} {value!r}")]
    elif t == "date":
        try:
            parse_date(value)
        except DateError as exc:
            return [(path, str(exc))]
    elif t == "party":
        unknown = code_problem(value)
        if unknown is not None:
            return [(path, unknown)]
        if not isinstance(value, str) or not PARTY_RE.fullmatch(value):
            return [(path, f"expected {PARTY_FORMS}, got {value!r}")]
    elif t == "list":
        if not isinstance(value, list):
            return [(path, f"expected a list, got {_type_name(value)} {value!r}")]
        out: list[tuple[str, str]] = []
        if spec.items is not None:
            for i, item in enumerate(value):
                out.extend(check_value(spec.items, item, f"{path}[{i}]"))
        return out
    elif t == "object":
        if not isinstance(value, dict):
            return [(path, f"expected an object, got {_type_name(value)} {value!r}")]
        return check_object(spec.attributes, value, path)
    if spec.values and value not in spec.values:
        allowed = ", ".join(str(v) for v in spec.values)
        return [(path, f"{value!r} is not one of: {allowed}")]
    return []


def check_object(
    specs: Mapping[str, AttributeSpec], value: Mapping[str, Any], path: str
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, spec in specs.items():
        if spec.required and value.get(name) is None:
            out.append((f"{path}.{name}" if path else name, "missing required attribute"))
    for name, v in value.items():
        sub = f"{path}.{name}" if path else name
        found = specs.get(name)
        if found is None:
            allowed = ", ".join(specs) or "none"
            out.append(
                (sub, f"unknown attribute{did_you_mean(name, specs)}; allowed here: {allowed}")
            )
        elif v is not None:  # a null required attribute is reported above
            out.extend(check_value(found, v, sub))
    return out
