"""The event catalogue: the types of event the library accepts and their attributes.

The catalogue is data (`data/events.yaml`); this module reads it and compiles one
validator per attribute so that checking an event costs a few dictionary look-ups.

A ruleset may declare event types of its own (its `events:` section, inline or in a
file it names). They are read by `read_declarations`, the same reader the bundled
catalogue goes through, so they are checked exactly as the bundled types are; a
catalogue for several rulesets (`catalogue_for`) adds each ruleset's types to the
bundled ones.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any

import attrs

from sli_rules.load.registry import code_problem
from sli_rules.load.safe_yaml import Loaded, load_yaml
from sli_rules.load.safe_yaml import Path as YPath
from sli_rules.model.dates import DateError, parse_date
from sli_rules.model.errors import Location, Problem, RulesetError, did_you_mean
from sli_rules.model.event_types import AttributeSpec, EventType
from sli_rules.model.values import Ruleset

__all__ = [
    "AttributeSpec",
    "Catalogue",
    "EventType",
    "catalogue_for",
    "load_catalogue",
    "read_declarations",
]

# Used with fullmatch (with match, $ would let a trailing line break through) and, as
# written, in the JSON Schemas. [0-9], not \d: ASCII digits only.
PARTY_RE = re.compile(r"^(?:[EWSN][0-9]{8}|[a-z][a-z0-9]*(?:-[a-z0-9]+)*)$")
PARTY_FORMS = "a GSS code such as E08000026 or a body id such as em-dcs-group"

ATTRIBUTE_TYPES = ("string", "integer", "number", "boolean", "date", "party", "list", "object")

# An event type's name: lower-case words joined by underscores, then one or more dotted
# parts, e.g. peer_challenge.held or progress_review.report_published.
TYPE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")
ATTRIBUTE_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# Every event has these (the common attributes); no type may declare them again.
CORE = ("id", "type", "date", "council")
PROVENANCE = ("source", "confidence")

TYPE_KEYS = ("description", "council", "attributes")
ATTRIBUTE_KEYS = (
    "type",
    "required",
    "values",
    "values_before",
    "description",
    "items",
    "attributes",
)

# check(value) -> error message or None; values are JSON-native (dates stay text)
Check = Callable[[Any], str | None]


@attrs.frozen
class Catalogue:
    """The event catalogue: every event type the library accepts and its attributes
    (`load_catalogue()` reads the bundled one, data/events.yaml; docs/events.md lists it;
    `catalogue_for(rulesets)` adds the types those rulesets declare)."""

    common: Mapping[str, AttributeSpec]
    types: Mapping[str, EventType]

    def attribute_paths(self, type_name: str) -> set[str]:
        """Every dotted attribute path an event of this type can have (for rule checks)."""
        out = {*CORE, *(p for p in PROVENANCE if p in self.common)}
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

    def with_types(self, types: Mapping[str, EventType]) -> Catalogue:
        """This catalogue with more types (declared by a ruleset) added."""
        return Catalogue(common=self.common, types={**self.types, **types})

    def declared(self) -> dict[str, EventType]:
        """The types rulesets declared (those with an owner), by name."""
        return {n: t for n, t in self.types.items() if t.owner}


# ---------------------------------------------------------------- declarations


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:50]}..."


class _Declarations:
    """Reads event type declarations from a located document, collecting every problem."""

    def __init__(self, doc: Loaded, owner: str, bundled: Mapping[str, EventType]) -> None:
        self.doc = doc
        self.owner = owner
        self.bundled = bundled
        self.problems: list[Problem] = []

    def err(self, path: YPath, message: str) -> None:
        self.problems.append(Problem(self.doc.where(path), message, path))

    def keys(self, value: Mapping[str, Any], path: YPath, allowed: tuple[str, ...]) -> None:
        for key in value:
            if key not in allowed:
                self.err(
                    (*path, key),
                    f"unknown key {key!r}{did_you_mean(str(key), allowed)}; allowed here: "
                    + ", ".join(allowed),
                )

    def text(self, raw: Mapping[str, Any], key: str, path: YPath, required: bool) -> str:
        value = raw.get(key)
        if value is None or value == "":
            if required:
                self.err(path, f"missing {key!r}: one plain-English line")
            return ""
        if not isinstance(value, str):
            self.err((*path, key), f"expected text, got {_show(value)}")
            return ""
        return value

    def types(self, value: Any, path: YPath) -> dict[str, EventType]:
        if not isinstance(value, dict):
            self.err(
                path, f"expected a mapping of event type name: declaration, got {_show(value)}"
            )
            return {}
        out: dict[str, EventType] = {}
        for name, raw in value.items():
            p: YPath = (*path, name)
            if not TYPE_NAME_RE.fullmatch(str(name)):
                self.err(
                    p,
                    f"event type name {name!r}: lower-case words and underscores, with at "
                    "least one dot, e.g. progress_review.held",
                )
                continue
            if self.owner and name in self.bundled:
                self.err(
                    p,
                    f"{name!r} is a bundled event type (docs/events.md); a ruleset may not "
                    "declare it again: use it as it is, or declare a type with another name",
                )
                continue
            if not isinstance(raw, dict):
                self.err(
                    p, f"expected a mapping (description, council, attributes), got {_show(raw)}"
                )
                continue
            self.keys(raw, p, TYPE_KEYS)
            description = self.text(raw, "description", p, True)
            council = self.text(raw, "council", p, True)
            attributes = self.attributes(raw.get("attributes"), (*p, "attributes"), top=True)
            out[str(name)] = EventType(
                name=str(name),
                description=description,
                council=council,
                attributes=attributes,
                owner=self.owner,
            )
        return out

    def attributes(self, value: Any, path: YPath, *, top: bool) -> dict[str, AttributeSpec]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, f"expected a mapping of attribute name: spec, got {_show(value)}")
            return {}
        out: dict[str, AttributeSpec] = {}
        for name, raw in value.items():
            p: YPath = (*path, name)
            if not ATTRIBUTE_NAME_RE.fullmatch(str(name)):
                self.err(p, f"attribute name {name!r}: lower-case letters, digits and underscores")
                continue
            if top and name in (*CORE, *PROVENANCE):
                self.err(
                    p,
                    f"{name!r} is an attribute every event has (docs/events.md, common "
                    "attributes); a type may not declare it again",
                )
                continue
            spec = self.spec(str(name), raw, p)
            if spec is not None:
                out[str(name)] = spec
        return out

    def spec(self, name: str, raw: Any, path: YPath) -> AttributeSpec | None:
        if not isinstance(raw, dict):
            self.err(path, f"expected a mapping (type, description, ...), got {_show(raw)}")
            return None
        self.keys(raw, path, ATTRIBUTE_KEYS)
        kind = raw.get("type", "string")
        if kind not in ATTRIBUTE_TYPES:
            self.err(
                (*path, "type"),
                f"unknown attribute type {_show(kind)}{did_you_mean(str(kind), ATTRIBUTE_TYPES)}; "
                "one of: " + ", ".join(ATTRIBUTE_TYPES),
            )
            return None
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.err((*path, "required"), f"expected true or false, got {_show(required)}")
            required = False
        description = self.text(raw, "description", path, False)
        items = None
        if kind == "list":
            if "items" not in raw:
                self.err(path, "a list attribute needs 'items': the spec of each element")
            else:
                items = self.spec(f"{name}[]", raw["items"], (*path, "items"))
        elif "items" in raw:
            self.err((*path, "items"), "'items' is only for an attribute of type list")
        attributes: dict[str, AttributeSpec] = {}
        if kind == "object":
            if not raw.get("attributes"):
                self.err(path, "an object attribute needs 'attributes': the spec of each field")
            else:
                attributes = self.attributes(raw["attributes"], (*path, "attributes"), top=False)
        elif "attributes" in raw:
            self.err((*path, "attributes"), "'attributes' is only for an attribute of type object")
        values: tuple[Any, ...] = ()
        if raw.get("values") is not None:
            if kind in ("list", "object", "boolean") or not isinstance(raw["values"], list):
                self.err(
                    (*path, "values"),
                    "'values' is a list of the allowed values of a text, number, date or party",
                )
            else:
                plain = AttributeSpec(name=name, type=kind)
                for i, v in enumerate(raw["values"]):
                    for _where, message in check_value(plain, v, name):
                        self.err((*path, "values", i), message)
                values = tuple(raw["values"])
                if len(set(map(repr, values))) != len(values):
                    self.err((*path, "values"), "a value is listed twice")
        before: dict[str, _dt.date] = {}
        if raw.get("values_before") is not None:
            vb = raw["values_before"]
            if not isinstance(vb, dict) or not values:
                self.err(
                    (*path, "values_before"),
                    "'values_before' maps some of 'values' to the day from which events may "
                    "no longer use them, e.g. {adequate: 2013-11-01}",
                )
            else:
                for v, day in vb.items():
                    if v not in values:
                        self.err((*path, "values_before", v), f"{v!r} is not one of 'values'")
                        continue
                    try:
                        before[str(v)] = parse_date(day)
                    except DateError as exc:
                        self.err((*path, "values_before", v), str(exc))
        return AttributeSpec(
            name=name,
            type=kind,
            required=required,
            description=description,
            values=values,
            items=items,
            attributes=attributes,
            values_before=before,
        )


def read_declarations(
    doc: Loaded, path: YPath, owner: str, bundled: Mapping[str, EventType] | None = None
) -> tuple[dict[str, EventType], list[Problem]]:
    """The event types declared at `path` of `doc` (a mapping of name: declaration) and
    every problem with them, located. `owner` is the declaring ruleset's id ('' for the
    bundled catalogue); a ruleset may not declare a bundled type again."""
    if bundled is None:
        bundled = load_catalogue().types if owner else {}
    reader = _Declarations(doc, owner, bundled)
    value: Any = doc.data
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    types = reader.types(value, path)
    return types, reader.problems


def parse_catalogue(text: str, file: str = "data/events.yaml") -> Catalogue:
    """A catalogue from the text of a file shaped as data/events.yaml (common, types).
    Raises `RulesetError` with every problem, located."""
    loaded, problems = load_yaml(text, file)
    if loaded is None or problems:
        raise RulesetError(problems)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    reader = _Declarations(loaded, "", {})
    common = reader.attributes(data.get("common"), ("common",), top=False)
    types = reader.types(data.get("types"), ("types",))
    if reader.problems:
        raise RulesetError(reader.problems)
    return Catalogue(common=common, types=types)


@functools.cache
def load_catalogue() -> Catalogue:
    """The bundled catalogue (read once; it is immutable)."""
    text = resources.files("sli_rules").joinpath("data/events.yaml").read_text(encoding="utf-8")
    return parse_catalogue(text)


def catalogue_for(rulesets: Iterable[Ruleset]) -> Catalogue:
    """The bundled catalogue with the event types these rulesets declare.

    Two rulesets may declare the same type only identically (then each reacts to it as
    its own); different declarations of one name raise `RulesetError` naming both."""
    base = load_catalogue()
    added: dict[str, EventType] = {}
    first: dict[str, Ruleset] = {}
    problems: list[Problem] = []
    for rs in rulesets:
        for name, et in rs.events.items():
            seen = added.get(name)
            if seen is None:
                added[name] = et
                first[name] = rs
            elif attrs.evolve(seen, owner="") != attrs.evolve(et, owner=""):
                other = first[name]
                file, line = rs.event_lines.get(name, (rs.file, 0))
                ofile, oline = other.event_lines.get(name, (other.file, 0))
                problems.append(
                    Problem(
                        Location(file, line),
                        f"ruleset {rs.id!r} declares the event type {name!r} differently "
                        f"from ruleset {other.id!r} ({ofile}:{oline}); rulesets evaluated "
                        "together must declare a shared type identically, or name their "
                        "types apart",
                    )
                )
    if problems:
        raise RulesetError(problems)
    return base.with_types(added) if added else base


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


def check_value(
    spec: AttributeSpec, value: Any, path: str, day: _dt.date | None = None
) -> list[tuple[str, str]]:
    """Problems with `value` as (path, message); empty when it is fine. `day` is the
    event's date, against which a value allowed only before some day is checked."""
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
                out.extend(check_value(spec.items, item, f"{path}[{i}]", day))
        return out
    elif t == "object":
        if not isinstance(value, dict):
            return [(path, f"expected an object, got {_type_name(value)} {value!r}")]
        return check_object(spec.attributes, value, path, day)
    if spec.values and value not in spec.values:
        allowed = ", ".join(str(v) for v in spec.values)
        return [(path, f"{value!r} is not one of: {allowed}")]
    until = spec.values_before.get(value) if isinstance(value, str) else None
    if until is not None and day is not None and day >= until:
        last = until - _dt.timedelta(days=1)
        return [
            (
                path,
                f"{value!r} is used only for events dated up to {last} (this one is dated "
                f"{day}); from {until} the values are: "
                + ", ".join(str(v) for v in spec.values if v not in spec.values_before),
            )
        ]
    return []


def check_object(
    specs: Mapping[str, AttributeSpec],
    value: Mapping[str, Any],
    path: str,
    day: _dt.date | None = None,
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
            out.extend(check_value(found, v, sub, day))
    return out
