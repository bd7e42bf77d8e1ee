"""JSON Schemas (draft 2020-12) for rulesets, event streams and reports.

Each schema is generated from the tables the library itself uses, so that it cannot
drift from what is accepted: the ruleset schema from the loader's key tables (top-level
keys, rule kinds with their required and optional keys), the events schema from the event
catalogue, and the findings schema from the `Finding` value type. Editors use them for
completion and help (the bundled rulesets name theirs in a `yaml-language-server`
modeline); pipelines can use them to check a file before handing it over.

The schemas describe the shape of the input. The loader and the event intake still check
what a schema cannot: that a parameter or party named in a rule exists, that an attribute
named in a condition belongs to the event type, that a date is a real calendar day.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from sli_rules.kinds import KINDS as RULE_KINDS
from sli_rules.load.catalogue import (
    ATTRIBUTE_NAME_RE,
    ATTRIBUTE_TYPES,
    CORE,
    PARTY_FORMS,
    PARTY_RE,
    PROVENANCE,
    TYPE_NAME_RE,
    AttributeSpec,
    Catalogue,
    catalogue_for,
    load_catalogue,
)
from sli_rules.load.loader import (
    COMMON_RULE_KEYS,
    GSS_RE,
    ID_RE,
    TOP_KEYS,
    load_bodies,
    load_registry,
    load_ruleset,
)
from sli_rules.model.conditions import COMBINATORS, COMPARISONS, TESTS
from sli_rules.model.dates import CALENDARS, UNITS
from sli_rules.model.states import STATES
from sli_rules.model.values import FINDING_FIELDS, Ruleset
from sli_rules.model.vocabulary import KINDS, STATUSES

__all__ = [
    "FINDING_STATUSES",
    "SCHEMAS",
    "events_schema",
    "findings_schema",
    "ruleset_schema",
    "schema_dir",
    "schema_json",
    "schema_json_for",
]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_BASE = "urn:sli-rules:schemas:"
"""The stable `$id` of each schema is this followed by its file name
(`urn:sli-rules:schemas:ruleset.schema.json`): an identity, not an address."""

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# An event's date: a day, month, season or year, an interval of two, or an open start
# (model/dates.py parse_event_date checks the rest: real days, seasons 21-24, order).
_PART = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
EVENT_DATE_PATTERN = rf"^(?:(?:{_PART}|\.\.)/)?{_PART}$"
# A finding's date when it is not exact: an EDTF interval of two days.
FINDING_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}$"
# The same forms as `parse_duration`: years, months, weeks, days, at least one of them.
DURATION_PATTERN = r"^P(?=\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?$"

# Every status a finding can carry, with what it means (model/vocabulary.py).
FINDING_STATUSES: dict[str, str] = {s.value: w.meaning for s, w in STATUSES.items()}


def _dump(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# ============================================================== shared pieces


def _date(description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "format": "date",
        "pattern": DATE_PATTERN,
        "description": description,
        "examples": ["2015-03-31"],
    }


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description}


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _described(ref: str, description: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{ref}", "description": description}


def _tagged_union(tag: str, branches: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """A oneOf over `branches`, chosen by the `tag` property's value.

    Each branch is guarded: `if` the tag has the branch's value, `then` the branch's
    schema applies, `else` the branch fails. So exactly one branch can hold, and a
    validator (or an editor) reports the errors of the chosen branch only, instead of
    "not valid under any of the given schemas". An unknown tag is left to the tag's own
    `enum`, which the whole union waits for.
    """
    return {
        "if": {"properties": {tag: {"enum": list(branches)}}, "required": [tag]},
        "then": {
            "oneOf": [
                {
                    "if": {"properties": {tag: {"const": value}}, "required": [tag]},
                    "then": schema,
                    "else": False,
                }
                for value, schema in branches.items()
            ]
        },
    }


# ============================================================ ruleset schema

# Descriptions of the ruleset's keys, shown by editors as help. A key that the loader
# accepts but that has no entry here still appears in the schema (as "any value"); the
# tests insist that every key has one.
TOP_DESCRIPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "id": (
        "The ruleset's fixed id: lower-case letters, digits and hyphens, "
        "e.g. west-midlands-compact-2013.",
        {"type": "string", "pattern": ID_RE.pattern},
    ),
    "title": ("The agreement's title, as a reader would name it.", {"type": "string"}),
    "source": (
        "The file name of the source agreement (in the agreements folder).",
        {"type": "string"},
    ),
    "version": (
        'The ruleset\'s own version, in quotes, e.g. "1.10" (unquoted, 1.10 would be read as the '
        "number 1.1). A whole number may go unquoted.",
        {"type": ["string", "integer"]},
    ),
    "description": ("A few plain-English lines on what the agreement is.", {"type": "string"}),
    "effective": (
        "When the agreement is in effect: its start, optional end and review dates.",
        {"$ref": "#/$defs/effective"},
    ),
    "parties": (
        "Who is party to the agreement: councils (by GSS code, or a pattern), "
        "bodies and successions.",
        {"$ref": "#/$defs/parties"},
    ),
    "parameters": (
        "Named values (durations, dates, numbers) that rules refer to with "
        "{parameter: NAME}, each marked text or interpretation.",
        {"$ref": "#/$defs/parameters"},
    ),
    "rules": (
        "The duties, constraints, limits and entitlements, each citing its clause and "
        "quoting its words.",
        {"type": "array", "items": {"$ref": "#/$defs/rule"}},
    ),
    "escalations": (
        "Escalation ladders: steps taken in turn while a concern or breach persists.",
        {"type": "array", "items": {"$ref": "#/$defs/escalation"}},
    ),
    "versions": (
        "Dated versions of the rules, earliest first: each in force from its 'from' date "
        "until the next one's. A rule applies by the date of its trigger (or of its "
        "period's first day) and names the versions it belongs to.",
        {"type": "array", "items": {"$ref": "#/$defs/version"}, "minItems": 1},
    ),
    "events": (
        "Event types of the ruleset's own (only this ruleset reacts to their events): a "
        "mapping of type name: declaration, or the name of a YAML file beside the ruleset "
        "that declares them under 'types'.",
        {
            "anyOf": [
                {"$ref": "#/$defs/event_declarations"},
                {"type": "string", "pattern": r"^[^/\\].*\.ya?ml$"},
            ]
        },
    ),
}


def _declaration_defs() -> dict[str, Any]:
    """The schema of event type declarations (a ruleset's `events`, data/events.yaml)."""
    attribute_name = {"type": "string", "pattern": ATTRIBUTE_NAME_RE.pattern}
    return {
        "event_declarations": {
            "type": "object",
            "propertyNames": {"pattern": TYPE_NAME_RE.pattern},
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "description": _text("What happened, in one plain-English line."),
                    "council": _text("What the event's council means for this type."),
                    "attributes": {
                        "type": "object",
                        "propertyNames": {
                            **attribute_name,
                            "not": {"enum": [*CORE, *PROVENANCE]},
                        },
                        "additionalProperties": {"$ref": "#/$defs/attribute_declaration"},
                    },
                },
                "required": ["description", "council"],
                "additionalProperties": False,
            },
        },
        "attribute_declaration": {
            "type": "object",
            "properties": {
                "type": {"enum": list(ATTRIBUTE_TYPES), "description": "Default: string."},
                "required": {"type": "boolean"},
                "values": {"type": "array", "description": "The allowed values."},
                "values_before": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "pattern": DATE_PATTERN},
                    "description": "Values events may use only when dated before a day.",
                },
                "description": _text("One plain-English line."),
                "items": {"$ref": "#/$defs/attribute_declaration"},
                "attributes": {
                    "type": "object",
                    "propertyNames": attribute_name,
                    "additionalProperties": {"$ref": "#/$defs/attribute_declaration"},
                },
            },
            "additionalProperties": False,
        },
    }


RULE_KEY_DESCRIPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "id": (
        "The rule's id, unique in the ruleset: lower-case letters, digits and hyphens.",
        {"type": "string", "pattern": ID_RE.pattern},
    ),
    # (each kind's `rule_KIND` schema replaces this with its const and summary)
    "kind": ("What kind of rule this is.", {}),
    "title": ("A short plain-English name for the rule.", {"type": "string"}),
    "clause": (
        'The clause cited, e.g. "4(b)" or "2.2(d)". Quote it, so that 5 is not read as a number.',
        {"type": ["string", "number"]},
    ),
    "quote": ("The exact words of the clause that this rule encodes.", {"type": "string"}),
    "applies_to": (
        "Which parties owe the duty: a condition on party attributes, e.g. "
        "{services: {contains: [adult_social_care, childrens]}} or {kind: body}.",
        {"$ref": "#/$defs/party_condition"},
    ),
    "party": (
        "Who owes the duty: an attribute of the trigger naming a council (default: "
        "council), {body: ID}, or {each: member}.",
        {"$ref": "#/$defs/party"},
    ),
    "interpretation": (
        "One line of rationale, when the rule as a whole rests on a reading of the text.",
        {"type": "string"},
    ),
    "monitoring": (
        "events (default): checked from events. self-declared: cannot be checked from "
        "events; listed and documented, but yields no findings.",
        {"enum": ["events", "self-declared"]},
    ),
    "severity": (
        "What a missed duty yields: breach (the default; notice for limit rules) or notice.",
        {"enum": ["breach", "notice"]},
    ),
    "description": ("Optional plain-English notes on the rule.", {"type": "string"}),
    "versions": (
        "The ids of the dated versions (top-level 'versions') this rule belongs to; "
        "without it, the rule belongs to every version.",
        {
            "type": "array",
            "items": {"type": "string", "pattern": ID_RE.pattern},
            "minItems": 1,
            "uniqueItems": True,
        },
    ),
    "url": (
        "The web address where the clause's words can be read, when the source is a set of "
        "pages rather than one document.",
        {"type": "string", "pattern": "^https?://\\S+$"},
    ),
}
"""The keys every kind shares; each kind's own keys are described in its module (`kinds/`)."""


def _rule_key(kind: str, key: str) -> dict[str, Any]:
    description, schema = RULE_KINDS[kind].key_schema.get(key) or RULE_KEY_DESCRIPTIONS.get(
        key, ("(not documented yet)", {})
    )
    return {**schema, "description": description}


def _rule_kind(kind: str) -> dict[str, Any]:
    required, optional = RULE_KINDS[kind].required, RULE_KINDS[kind].optional
    properties = {key: _rule_key(kind, key) for key in (*COMMON_RULE_KEYS, *required, *optional)}
    properties["kind"] = {"const": kind, "description": RULE_KINDS[kind].summary}
    out: dict[str, Any] = {
        "title": f"{kind} rule",
        "description": RULE_KINDS[kind].summary,
        "type": "object",
        "properties": properties,
        "required": ["id", "kind", "clause", "quote"],
        "additionalProperties": False,
    }
    if required:
        # a rule marked self-declared keeps its other keys for the reader, but needs none
        out["if"] = {
            "properties": {"monitoring": {"const": "self-declared"}},
            "required": ["monitoring"],
        }
        # (the `type` is redundant here, but makes a validator's report of a missing key
        # point at this rule's kind rather than at the union of kinds)
        out["else"] = {"type": "object", "required": list(required)}
    return out


def _condition_defs() -> dict[str, Any]:
    number_or_ref = {"anyOf": [{"type": "number"}, {"$ref": "#/$defs/ref"}]}
    bounds = {k: {**number_or_ref, "description": f"{k.replace('_', ' ')} N"} for k in COMPARISONS}
    test_props: dict[str, Any] = {
        "equals": {"description": "equal to this value (or {ref: ...})"},
        "not_equals": {"description": "not equal to this value"},
        "in": {
            "anyOf": [{"type": "array"}, {"$ref": "#/$defs/ref"}],
            "description": "one of these values",
        },
        "not_in": {
            "anyOf": [{"type": "array"}, {"$ref": "#/$defs/ref"}],
            "description": "none of these values",
        },
        "exists": {"type": "boolean", "description": "the attribute is present (true) or not"},
        "contains": {"description": "a list attribute contains this value (or all of a list)"},
        **{
            k: {**number_or_ref, "description": f"the number is {v} this"}
            for k, v in (COMPARISONS.items())
        },
        "some": _described("condition", "at least one element of the list satisfies this"),
        "none": _described("condition", "no element of the list satisfies this"),
        "every": _described("condition", "every element of the list satisfies this"),
        "count": {
            "type": "object",
            "description": "how many elements satisfy `where`: {where: ..., at_least: N}",
            "properties": {"where": {"$ref": "#/$defs/condition"}, **bounds},
            "additionalProperties": False,
            "minProperties": 1,
        },
        "distinct": {
            "type": "object",
            "description": "how many different values of `field`: "
            "{field: council, where: ..., at_least: N}",
            "properties": {
                "field": {"type": "string"},
                "where": {"$ref": "#/$defs/condition"},
                **bounds,
            },
            "required": ["field"],
            "additionalProperties": False,
        },
        "length": {
            "type": "object",
            "description": "the list's length: {at_least: N}",
            "properties": bounds,
            "additionalProperties": False,
            "minProperties": 1,
        },
    }
    missing = [t for t in TESTS if t not in test_props]
    for t in missing:  # a test added to the language but not described here yet
        test_props[t] = {}
    return {
        "condition": {
            "type": "object",
            "description": "A condition: every entry must hold. Keys are attribute paths "
            "(dots go into nested objects) or the combinators "
            + ", ".join(COMBINATORS)
            + "; a value is a literal (equality, or 'contains' for a list attribute) or a "
            "mapping of tests such as {in: [good, outstanding]} or {at_least: 2}.",
            "properties": {
                "all": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/condition"},
                    "description": "all of these conditions hold",
                },
                "any": {
                    "type": "array",
                    "items": {"$ref": "#/$defs/condition"},
                    "description": "at least one of these conditions holds",
                },
                "not": _described("condition", "this condition does not hold"),
            },
            "additionalProperties": {"$ref": "#/$defs/condition_value"},
        },
        "condition_value": {
            "anyOf": [
                {"type": ["string", "number", "boolean", "null", "array"]},
                {"$ref": "#/$defs/ref"},
                {"$ref": "#/$defs/tests"},
            ]
        },
        "tests": {
            "type": "object",
            "description": "Tests on one attribute, all of which must hold: "
            + ", ".join(TESTS)
            + ".",
            "minProperties": 1,
            "propertyNames": {"enum": list(TESTS)},
            "properties": test_props,
        },
        "ref": {
            "type": "object",
            "description": "A reference instead of a literal: {ref: event.council}, "
            "{ref: trigger.review} or {ref: party}.",
            "properties": {"ref": {"type": "string", "pattern": r"^(event|trigger|party)(\.|$)"}},
            "required": ["ref"],
            "additionalProperties": False,
        },
    }


def _value_schema(one: dict[str, Any]) -> dict[str, Any]:
    """What a condition may say about an attribute whose values are closed (`one`
    describes a single value): a value, a list of them, a reference, or tests whose
    literal arguments are such values."""
    many = {"type": "array", "items": one}
    ref = {"$ref": "#/$defs/ref"}
    return {
        "anyOf": [
            one,
            many,
            ref,
            {
                "allOf": [{"$ref": "#/$defs/tests"}],
                "properties": {
                    "equals": {"anyOf": [one, ref]},
                    "not_equals": {"anyOf": [one, ref]},
                    "in": {"anyOf": [many, ref]},
                    "not_in": {"anyOf": [many, ref]},
                    "contains": {"anyOf": [one, many, ref]},
                },
            },
        ]
    }


def _closed_condition(
    name: str, closed: Mapping[str, dict[str, Any]], generic: Mapping[str, Any]
) -> dict[str, Any]:
    """The `generic` condition, but with the attributes in `closed` taking only the
    values described there, so that an editor flags a misspelt value as the loader does
    (`sli-rules check`)."""
    self_ref = {"$ref": f"#/$defs/{name}"}
    return {
        "type": "object",
        "description": generic["description"],
        "properties": {
            "all": {"type": "array", "items": self_ref},
            "any": {"type": "array", "items": self_ref},
            "not": self_ref,
            **closed,
        },
        "additionalProperties": {"$ref": "#/$defs/condition_value"},
    }


class _Values:
    """One definition per distinct closed vocabulary, shared by every condition that
    uses it (the schema would otherwise repeat it for every event type)."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self._names: dict[str, str] = {}

    def ref(self, attribute: str, one: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(one, sort_keys=True)
        name = self._names.get(key)
        if name is None:
            name = f"values_{attribute}"
            n = 2
            while name in self.defs:
                name, n = f"values_{attribute}_{n}", n + 1
            self._names[key] = name
            self.defs[name] = _value_schema(one)
        return {"$ref": f"#/$defs/{name}"}


def _closed_attributes(cat: Catalogue, type_name: str) -> dict[str, dict[str, Any]]:
    """The attributes of an event type whose values are closed: a list of values, or
    the form of a party code."""
    out: dict[str, dict[str, Any]] = {}
    et = cat.types[type_name]
    for name, spec in {**cat.common, **et.attributes}.items():
        leaf = spec.items if spec.type == "list" and spec.items is not None else spec
        if leaf.values:
            out[name] = {"enum": list(leaf.values)}
        elif leaf.type == "party":
            out[name] = {"type": "string", "pattern": PARTY_RE.pattern}
    return out


def _party_values() -> dict[str, dict[str, Any]]:
    """The values of the party attributes `applies_to` may test, from the registry."""
    out: dict[str, dict[str, Any]] = {"kind": {"enum": ["council", "body"]}}
    for key in ("type", "region", "services"):
        seen: dict[Any, None] = {}
        for entry in load_registry().values():
            v = entry.get(key)
            for item in v if isinstance(v, list) else [v]:
                if item is not None:
                    seen[item] = None
        if seen:
            out[key] = {"enum": list(seen)}
    return out


def _where_by_type(
    cat: Catalogue, generic: Mapping[str, Any], values: _Values
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Definitions of a `where` per event type, and the if/then clauses that pick the
    one for an event spec's `type`. A list of types, or a type with no closed
    attributes, gets the generic condition. Exactly one clause checks a `where`, so
    that a mistake is reported once."""
    defs: dict[str, Any] = {}
    clauses: list[dict[str, Any]] = []
    picked: list[str] = []
    for type_name in cat.types:
        closed = {k: values.ref(k, v) for k, v in _closed_attributes(cat, type_name).items()}
        if not closed:
            continue
        name = f"where_{type_name}"
        defs[name] = _closed_condition(name, closed, generic)
        picked.append(type_name)
        clauses.append(
            {
                "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
                "then": {"properties": {"where": {"$ref": f"#/$defs/{name}"}}},
            }
        )
    clauses.append(
        {
            "if": {"properties": {"type": {"enum": picked}}, "required": ["type"]},
            "else": {"properties": {"where": {"$ref": "#/$defs/condition"}}},
        }
    )
    return defs, clauses


def ruleset_schema(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The JSON Schema of a ruleset file (as plain YAML data, dates as text)."""
    cat = catalogue or load_catalogue()
    event_types = list(cat.types)
    event_type = {
        "anyOf": [
            {"enum": event_types},
            {
                "type": "string",
                "pattern": TYPE_NAME_RE.pattern,
                "not": {"enum": [t for t in event_types if not cat.types[t].owner]},
                "description": "A type the ruleset declares under 'events' (the loader "
                "checks that it does).",
            },
        ],
        "description": "An event type from the event catalogue (docs/events.md), or one the "
        "ruleset declares under 'events'.",
    }
    duration = {
        "type": "string",
        "pattern": DURATION_PATTERN,
        "description": "An ISO 8601 duration: P6M (six months), P3M, P1Y, P14D, P2W, P1Y6M.",
        "examples": ["P6M", "P14D", "P1Y"],
    }
    parameter_ref = {
        "type": "object",
        "description": "Stands for the value of a parameter declared under 'parameters'.",
        "properties": {"parameter": {"type": "string", "pattern": ID_RE.pattern}},
        "required": ["parameter"],
        "additionalProperties": False,
    }
    spec_types = {
        "anyOf": [
            {"$ref": "#/$defs/event_type"},
            {"type": "array", "items": {"$ref": "#/$defs/event_type"}, "minItems": 1},
        ],
        "description": "An event type, or a list of them (any of which will do).",
    }
    event_spec_props: dict[str, Any] = {
        "type": spec_types,
        # checked by the event spec's clauses, by the condition of its event type
        "where": {"description": "An optional condition on the event."},
        "by": _text("The attribute naming who did it (default council); it must equal the party."),
        "look_back": {
            "$ref": "#/$defs/duration_like",
            "description": "Deadline and window fulfilments: how long before the trigger an "
            "event still counts (on time), e.g. P3M for an offer made 'prior to' it.",
        },
        "by_any": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Deadline and window fulfilments: who else may meet the duty, each "
            "a party id or trigger.ATTRIBUTE (the party the trigger names there).",
        },
        "by_each": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Deadline and window fulfilments: the duty is met only when each of "
            "these has done a fulfilling event (on the date of the last one), each a party id "
            "or trigger.ATTRIBUTE (every party the trigger names there, e.g. "
            "trigger.team.council for each team member's council). Not with by_any or "
            "look_back.",
        },
        "match": {
            "description": "Attributes that must equal the trigger's: a list of names, or "
            "{attribute of this event: attribute of the trigger}, e.g. {review: review}.",
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": {"type": "string"}},
            ],
        },
    }
    conditions = _condition_defs()
    values = _Values()
    where_defs, where_clauses = _where_by_type(cat, conditions["condition"], values)
    gss = {
        "type": "string",
        "pattern": GSS_RE.pattern,
        "description": "A council's ONS GSS code, e.g. E08000026.",
    }
    basis = {
        "enum": ["text", "interpretation"],
        "description": "text: stated by the agreement. interpretation: a reading of it, "
        "with a rationale.",
    }
    parameter_value = {
        "type": ["string", "number"],
        "description": "A duration (P6M), a date (2015-03-31), a number or text.",
    }
    top_props = {
        key: {**schema, "description": description}
        for key in TOP_KEYS
        for description, schema in [TOP_DESCRIPTIONS.get(key, ("(not documented yet)", {}))]
    }
    defs: dict[str, Any] = {
        "version": {
            "type": "object",
            "description": "One dated version of the rules.",
            "properties": {
                "id": {
                    "type": "string",
                    "pattern": ID_RE.pattern,
                    "description": "The version's id, named by rules' 'versions' lists and "
                    "by findings.",
                },
                "from": {
                    "description": "The first day the version is in force: a date, or "
                    "{parameter: NAME} when the day is an interpretation.",
                    "anyOf": [
                        _date("The first day in force."),
                        {"$ref": "#/$defs/parameter_ref"},
                    ],
                },
                "title": _text("A short name for the version, e.g. the strengthened offer."),
                "description": _text("What changed in this version, in plain English."),
                "cites": _text("Where the change is recorded: a clause, a source id, an address."),
            },
            "required": ["id", "from"],
            "additionalProperties": False,
        },
        "effective": {
            "type": "object",
            "properties": {
                "start": _date("The first day the agreement is in effect."),
                "start_basis": {
                    **basis,
                    "description": "Whether the start is stated by the text (default) "
                    "or an interpretation.",
                },
                "start_rationale": _text("Why this start, when it is an interpretation."),
                "end": {
                    "anyOf": [_date("The last day in effect."), {"type": "null"}],
                    "description": "Optional: the last day in effect (inclusive). An "
                    "agreement.ended or agreement.superseded from the owner, or a revocation "
                    "by those in revoked_by, also ends it.",
                },
                "owner": _text(
                    "The body that owns the agreement (a body id of the registry): its "
                    "agreement.ended or agreement.superseded ends it for every party."
                ),
                "revoked_by": {
                    "anyOf": [
                        {"enum": ["owner", "parties"]},
                        {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    ],
                    "description": "Who must revoke it (agreement.revoked) to end it: owner, "
                    "parties (every council party), or a list of party ids (all of them). "
                    "Default: owner when there is one, else parties. One party revoking alone "
                    "leaves the agreement.",
                },
                "reviews": {
                    "type": "array",
                    "items": _date("A review date."),
                    "description": "Review dates (documentation).",
                },
            },
            "required": ["start"],
            "additionalProperties": False,
            "if": {
                "properties": {"start_basis": {"const": "interpretation"}},
                "required": ["start_basis"],
            },
            "then": {"required": ["start_rationale"]},
        },
        "parties": {
            "type": "object",
            "properties": {
                "councils": {
                    "type": "array",
                    "items": gss,
                    "uniqueItems": True,
                    "description": "The councils party to the agreement, by GSS code "
                    "(from rulesets/registry/councils.yaml).",
                },
                "council_pattern": {
                    "type": "string",
                    "format": "regex",
                    "description": "Instead of a list: every council of the registry whose "
                    "code matches this pattern, each a party from its first day to its last, "
                    'with or without events, e.g. "^E(06|08|09|10)".',
                },
                "attributes": {
                    "type": "object",
                    "description": "Per-council overrides and extras, keyed by GSS code, "
                    "e.g. {E10000021: {left: 2021-04-01}}.",
                    "propertyNames": {"pattern": GSS_RE.pattern},
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "joined": _date("When the council joined the agreement."),
                            "left": _date("When the council left the agreement."),
                        },
                    },
                },
                "bodies": {
                    "type": "array",
                    "description": "Regional or national bodies party to the agreement.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {
                                "enum": list(load_bodies()),
                                "description": "The body's fixed id.",
                            },
                            "name": _text("The body's name."),
                            "joined": _date("When the body joined."),
                            "left": _date("When the body left."),
                        },
                        "required": ["id", "name"],
                        "additionalProperties": False,
                    },
                },
                "successions": {
                    "type": "array",
                    "description": "Councils replaced by successors: the predecessor leaves "
                    "on `date`, the successors join and take over its duties not yet due, as "
                    "one joint duty (met by any successor or a party in `served_by`) unless "
                    "`duties: each`.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "party": _text("The council replaced (GSS code)."),
                            "date": _date("The day the successors take over."),
                            "successors": {"type": "array", "items": gss},
                            "duties": {
                                "enum": ["joint", "each"],
                                "description": "joint (the default): a duty handed on is one "
                                "duty, met when any successor meets it; each: every successor "
                                "owes its own.",
                            },
                            "served_by": {
                                "type": "array",
                                "items": {"type": "string", "pattern": PARTY_RE.pattern},
                                "description": "Parties of this ruleset (e.g. a children's "
                                "trust) whose events meet a joint duty for the successors.",
                            },
                        },
                        "required": ["party", "date", "successors"],
                        "additionalProperties": False,
                    },
                },
            },
            "anyOf": [{"required": ["councils"]}, {"required": ["council_pattern"]}],
            "additionalProperties": False,
        },
        "parameters": {
            "type": "object",
            "propertyNames": {"pattern": ID_RE.pattern},
            "additionalProperties": {"$ref": "#/$defs/parameter"},
        },
        "parameter": {
            "type": "object",
            "description": "A named value, marked text or interpretation.",
            "properties": {
                "description": _text("What the value is for, in plain English."),
                "basis": basis,
                "rationale": _text("Why this value (required for an interpretation)."),
                "value": parameter_value,
                "values": {
                    "type": "array",
                    "description": "Date-effective values: the one whose `from` is the "
                    "latest on or before the date it is read for applies.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "from": _date("From when this value applies."),
                            "value": parameter_value,
                        },
                        "required": ["from", "value"],
                        "additionalProperties": False,
                    },
                    "minItems": 1,
                },
            },
            "required": ["basis"],
            "oneOf": [{"required": ["value"]}, {"required": ["values"]}],
            "additionalProperties": False,
            "if": {
                "properties": {"basis": {"const": "interpretation"}},
                "required": ["basis"],
            },
            "then": {"required": ["rationale"]},
        },
        "parameter_ref": parameter_ref,
        "duration": duration,
        "date": _date("A calendar date, YYYY-MM-DD."),
        "duration_like": {"anyOf": [{"$ref": "#/$defs/duration"}, parameter_ref]},
        "date_like": {"anyOf": [{"$ref": "#/$defs/date"}, parameter_ref]},
        "event_type": event_type,
        **_declaration_defs(),
        "trigger": {
            "type": "object",
            "properties": {
                "state": {
                    "enum": list(STATES),
                    "description": "Deadline and window rules only, and alone: a state whose "
                    "every spell starts one duty for the council in it, dated on the spell's "
                    "start (or on the agreement's effective start when the spell already "
                    "holds then) and discharged if the state ends before the duty is met or "
                    "falls due.",
                },
                **{k: event_spec_props[k] for k in ("type", "where")},
                "in_state": {
                    "type": "array",
                    "items": {"enum": list(STATES)},
                    "description": "The council at state_of must be in one of these states "
                    "on the event's date, or the event starts nothing.",
                },
                "state_of": _text(
                    "The attribute naming the council whose state counts (default council)."
                ),
            },
            "additionalProperties": False,
            "if": {"required": ["state"]},
            "then": {"propertyNames": {"const": "state"}},
            "else": {"required": ["type"]},
            "allOf": [{"$ref": "#/$defs/where_by_type"}],
        },
        "event_spec": {
            "type": "object",
            "properties": event_spec_props,
            "required": ["type"],
            "additionalProperties": False,
            "allOf": [{"$ref": "#/$defs/where_by_type"}],
        },
        "where_by_type": {
            "description": "Checks an event spec's `where` by the condition of its type.",
            "allOf": where_clauses,
        },
        **where_defs,
        "party_condition": _closed_condition(
            "party_condition",
            {k: values.ref(k, v) for k, v in _party_values().items()},
            conditions["condition"],
        ),
        **values.defs,
        "party": {
            "anyOf": [
                {
                    "type": "string",
                    "description": "An attribute of the trigger naming the council that owes "
                    "the duty, e.g. council or to.",
                },
                {
                    "type": "object",
                    "properties": {
                        "body": {"enum": list(load_bodies())},
                        "region_of": {
                            "type": "string",
                            "description": "With a family of regional bodies as body: the "
                            "attribute of the trigger naming a council; the party is the "
                            "family's body for that council's region, e.g. council.",
                        },
                    },
                    "required": ["body"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"each": {"const": "member"}},
                    "required": ["each"],
                    "additionalProperties": False,
                },
            ]
        },
        "period": {
            "type": "object",
            "properties": {
                "calendar": {
                    "enum": list(CALENDARS),
                    "description": "financial_year (1 April to 31 March), calendar_year, or "
                    "agreement_year (from the agreement's start).",
                },
                "unit": {"enum": list(UNITS), "description": "year (default), quarter or month"},
                "months": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 12},
                    "description": "With unit: month, only these months (1-12).",
                },
            },
            "required": ["calendar"],
            "additionalProperties": False,
        },
        "span": {
            "type": "object",
            "properties": {
                "start": {"$ref": "#/$defs/date_like"},
                "end": {"$ref": "#/$defs/date_like"},
            },
            "required": ["end"],
            "additionalProperties": False,
        },
        "rule": {
            "type": "object",
            "description": "A rule: cites its clause, quotes its words, and says what is "
            "checked. The keys allowed depend on `kind`.",
            "properties": {
                "kind": {"enum": list(RULE_KINDS)}
                | {
                    "description": "; ".join(
                        f"{k}: {v.summary.rstrip('.')}" for k, v in RULE_KINDS.items()
                    )
                }
            },
            "required": ["id", "kind", "clause", "quote"],
            **_tagged_union(
                "kind", {kind: {"$ref": f"#/$defs/rule_{kind}"} for kind in RULE_KINDS}
            ),
        },
        **{f"rule_{kind}": _rule_kind(kind) for kind in RULE_KINDS},
        "escalation": {
            "type": "object",
            "description": "An escalation ladder: steps taken in turn while a concern persists.",
            "properties": {
                "id": {"type": "string", "pattern": ID_RE.pattern, "description": "The id."},
                "title": _text("A short plain-English name."),
                "clause": {"type": ["string", "number"], "description": "The clause cited."},
                "quote": _text("The exact words the ladder encodes."),
                "interpretation": _text("Why the steps are read this way, if they are."),
                "start": {
                    "type": "object",
                    "description": "What starts a ladder (at least one of these).",
                    "properties": {
                        "concern": {
                            "type": "boolean",
                            "description": "true: a concern.raised event starts one.",
                        },
                        "breach_of": {
                            "type": "array",
                            "items": {"type": "string", "pattern": ID_RE.pattern},
                            "description": "A breach of any of these rules starts one.",
                        },
                        "event": {
                            "$ref": "#/$defs/trigger",
                            "description": "An event that starts one.",
                        },
                        "about": _text(
                            "The starting event's attribute naming the council of concern."
                        ),
                        "state": {
                            "enum": list(STATES),
                            "description": "A council entering this state starts one, which "
                            "stops the day the state ends.",
                        },
                    },
                    "anyOf": [
                        {"properties": {"concern": {"const": True}}, "required": ["concern"]},
                        {"required": ["breach_of"]},
                        {"required": ["event"]},
                        {"required": ["state"]},
                    ],
                    "additionalProperties": False,
                },
                "stop": {
                    "const": "concern.resolved",
                    "description": "What stops a ladder (breach ladders stop when remedied).",
                },
                "steps": {
                    "type": "array",
                    "minItems": 1,
                    "description": "The steps, numbered 1, 2, 3 in order.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "step": {"type": "integer", "minimum": 1},
                            "title": _text("What the step is."),
                            "actor": _text("Who must act: a party id of this ruleset."),
                            "window": {
                                "$ref": "#/$defs/duration_like",
                                "description": "How long the step has before the next opens.",
                            },
                        },
                        "required": ["step", "actor", "window"],
                        "additionalProperties": False,
                    },
                },
            },
            "required": ["id", "clause", "quote", "start", "steps"],
            "additionalProperties": False,
        },
    }
    defs.update(conditions)
    return {
        "$schema": DRAFT,
        "title": "sli-rules ruleset",
        "description": "One UK sector-led-improvement agreement as a ruleset: metadata, "
        "parties, parameters, rules and escalation ladders (docs/ruleset-format.md). "
        "Generated by `sli-rules schema ruleset`; do not edit by hand.",
        "type": "object",
        "properties": top_props,
        "required": ["id", "title", "effective", "parties", "rules"],
        "additionalProperties": False,
        # Without an `events` section, every event type named must be the catalogue's:
        # an editor then flags a misspelt type as it is typed.
        "if": {"required": ["events"]},
        "else": _catalogue_types_only(event_types),
        "$defs": defs,
    }


def _catalogue_types_only(event_types: list[str]) -> dict[str, Any]:
    """The rules and ladders of a ruleset that declares no types name only these."""
    one = {"enum": event_types}
    spec = {"properties": {"type": {"anyOf": [one, {"type": "array", "items": one}]}}}
    return {
        "properties": {
            "rules": {"items": {"properties": {"trigger": spec, "fulfil": spec, "waive": spec}}},
            "escalations": {"items": {"properties": {"start": {"properties": {"event": spec}}}}},
        }
    }


# ============================================================= events schema


def _attribute(spec: AttributeSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t = spec.type
    if t in ("string", "integer", "number", "boolean"):
        out["type"] = t
    elif t == "date":
        out.update(type="string", format="date", pattern=DATE_PATTERN)
    elif t == "party":
        out.update(type="string", pattern=PARTY_RE.pattern)
    elif t == "list":
        out["type"] = "array"
        if spec.items is not None:
            out["items"] = _attribute(spec.items)
    elif t == "object":
        out.update(_object(spec.attributes))
    if spec.values:
        out["enum"] = list(spec.values)
    description = spec.description
    if t == "party":
        description = f"{description} ({PARTY_FORMS})".strip()
    if description:
        out["description"] = description
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional attribute may be given as null (the intake reads it as absent)."""
    out = dict(schema)
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def _object(specs: Mapping[str, AttributeSpec]) -> dict[str, Any]:
    properties = {
        name: _attribute(spec) if spec.required else _nullable(_attribute(spec))
        for name, spec in specs.items()
    }
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    required = [name for name, spec in specs.items() if spec.required]
    if required:
        out["required"] = required
    return out


def events_schema(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The JSON Schema of one event (one line of a JSON Lines event file)."""
    cat = catalogue or load_catalogue()
    common = dict(cat.common)
    branches = {}
    for name, et in cat.types.items():
        body = _object(et.attributes)
        # The common attributes are checked once, outside the union (so that a bad date is
        # one error, not one per type); here they are only allowed, with their meaning.
        council = f"The {et.council}." if et.council else _desc(common, "council")
        body["properties"] = {
            "id": {"description": _desc(common, "id")},
            "type": {"const": name},
            "date": {"description": _desc(common, "date")},
            "council": {"description": council},
            **{k: {"description": _desc(common, k)} for k in PROVENANCE if k in common},
            **body["properties"],
        }
        branches[name] = {"title": name, "description": et.description, **body}
    return {
        "$schema": DRAFT,
        "title": "sli-rules event",
        "description": "One event: what happened, when, and which council or body it is "
        "about or by. An event file holds one such object per line (JSON Lines). "
        "Generated from the event catalogue by `sli-rules schema events`; "
        "do not edit by hand.",
        "type": "object",
        "properties": {
            "id": {"type": "string", "minLength": 1, "description": _desc(common, "id")},
            "type": {"enum": list(cat.types), "description": _desc(common, "type")},
            "date": {
                "type": "string",
                "pattern": EVENT_DATE_PATTERN,
                # a day must be a real one (the imprecise forms are checked on intake)
                "if": {"pattern": DATE_PATTERN},
                "then": {"format": "date"},
                "description": _desc(common, "date"),
            },
            "council": {
                "type": "string",
                "pattern": PARTY_RE.pattern,
                "description": _desc(common, "council"),
            },
            **{k: _nullable(_attribute(common[k])) for k in PROVENANCE if k in common},
        },
        "required": ["id", "type", "date", "council"],
        **_tagged_union("type", branches),
    }


def _desc(specs: Mapping[str, AttributeSpec], name: str) -> str:
    spec = specs.get(name)
    return spec.description if spec is not None else ""


# =========================================================== findings schema

FINDING_DESCRIPTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "kind": ("What the finding is.", {"enum": list(KINDS)}),
    "agreement": ("The id of the ruleset the finding comes from.", {"type": "string"}),
    "rule": ("The id of the rule (or escalation ladder).", {"type": "string"}),
    "clause": ('The clause cited, e.g. "4(b)".', {"type": "string"}),
    "party": (
        "Who owes the duty (or must act): a GSS code or a body id.",
        {"type": "string"},
    ),
    "status": (
        "Where the duty stands as of the report's date. "
        + "; ".join(f"{k}: {v}" for k, v in FINDING_STATUSES.items()),
        {"enum": list(FINDING_STATUSES)},
    ),
    "opens": (
        "When the duty (or step) opened, or null; an interval (EDTF, e.g. "
        "2014-10-01/2014-10-31) when it depends on an event whose day is not known.",
        {"$ref": "#/$defs/date_or_null"},
    ),
    "due": (
        "When it is (or was) due, inclusive, or null; an interval when not exact.",
        {"$ref": "#/$defs/date_or_null"},
    ),
    "triggered_by": (
        "The ids of the events that set the duty going.",
        {"type": "array", "items": {"type": "string"}},
    ),
    "fulfilled_by": (
        "The ids of the events that met it (or took the step).",
        {"type": "array", "items": {"type": "string"}},
    ),
    "remedied_on": (
        "For a breach met late: the day the late fulfilment came (an interval when not exact).",
        {"$ref": "#/$defs/date_or_null"},
    ),
    "step": (
        "Escalations: the step of the ladder (1, 2, 3, ...).",
        {"type": ["integer", "null"], "minimum": 1},
    ),
    "actor": ("Escalations: who must act.", {"type": ["string", "null"]}),
    "about": ("Escalations: the council of concern.", {"type": ["string", "null"]}),
    "interpretations": (
        "The interpretations (parameters or readings of the text) the finding rests on.",
        {"type": "array", "items": {"type": "string"}},
    ),
    "title": ("The rule's title.", {"type": "string"}),
    "version": (
        "For a ruleset with dated versions: the id of the version that governed the "
        "finding (in force on the trigger's date, or on the first day of the duty's period "
        "or span); null for a ruleset without versions.",
        {"type": ["string", "null"]},
    ),
    "sources": (
        "The sources (a URL or a citation, from each event's `source`) of the events the "
        "finding rests on: those that triggered it and those that met it, each once, in "
        "that order. Empty when none of them gives a source.",
        {"type": "array", "items": {"type": "string"}},
    ),
    "possible": (
        "Only when status is undetermined: every status the finding has on some of the days "
        "its imprecisely dated events could have happened on, sorted. One status means the "
        "finding exists on some of those days only.",
        {"type": "array", "items": {"enum": list(FINDING_STATUSES)}, "minItems": 1},
    ),
    "explanation": (
        "One plain-English sentence with the dates and the arithmetic.",
        {"type": "string"},
    ),
}

# Fields always present in `Finding.to_dict()` and promised by the contract.
REQUIRED_FINDING_FIELDS = (
    "kind",
    "agreement",
    "rule",
    "clause",
    "party",
    "status",
    "opens",
    "due",
    "triggered_by",
    "fulfilled_by",
    "explanation",
)


def findings_schema() -> dict[str, Any]:
    """The JSON Schema of a report as `sli-rules evaluate --format json` prints it."""
    finding_props = {
        name: {**schema, "description": description}
        for name in FINDING_FIELDS
        for description, schema in [FINDING_DESCRIPTIONS.get(name, ("(not documented yet)", {}))]
    }
    return {
        "$schema": DRAFT,
        "title": "sli-rules report",
        "description": "Findings as of a date: obligations, breaches, escalation steps and "
        "notices, as printed by `sli-rules evaluate --format json` (and Report.to_dict()). "
        "Further fields may be added in later versions; none will be renamed. "
        "Generated by `sli-rules schema findings`; do not edit by hand.",
        "type": "object",
        "properties": {
            "as_of": {
                "$ref": "#/$defs/date",
                "description": "The date the report is as of; only events dated on or "
                "before it count.",
            },
            "rulesets": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The ids of the rulesets evaluated.",
            },
            "findings": {
                "type": "array",
                "items": {"$ref": "#/$defs/finding"},
                "description": "Sorted by due date, party, rule and trigger.",
            },
            "names": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "The registry's name of each council and body the findings "
                "mention (as party, actor or about), by code. Findings keep the codes.",
            },
            "rejected": {
                "type": "array",
                "description": "Input records not evaluated (lenient mode), with the reasons.",
                "items": {
                    "type": "object",
                    "properties": {
                        "where": _text("file:line of the record."),
                        "reasons": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["where", "reasons"],
                },
            },
            "accounting": {
                "type": "object",
                "description": "What was read, and what the record supports "
                "(docs/findings.md, Evidence). The event counts are present when the "
                "report was made from an input.",
                "properties": {
                    "events_read": _count("Input records read."),
                    "accepted": _count("Events accepted and evaluated."),
                    "duplicates": _count("Identical duplicate records, collapsed."),
                    "rejected": _count("Records rejected (lenient mode)."),
                    "unrecorded": _count(
                        "Obligations due with no fulfilling event where the record is "
                        "not declared complete."
                    ),
                    "undetermined": _count(
                        "Findings whose status depends on the unknown day of an event with "
                        "an imprecise date."
                    ),
                    "complete": {
                        "type": "boolean",
                        "description": "Whether the whole record was declared complete.",
                    },
                    "coverage": _count("record.coverage declarations that counted."),
                },
                "required": ["unrecorded", "undetermined", "complete", "coverage"],
                "additionalProperties": False,
            },
        },
        "required": ["as_of", "rulesets", "findings"],
        "$defs": {
            "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
            "date_or_null": {
                "anyOf": [
                    {"$ref": "#/$defs/date"},
                    {"type": "string", "pattern": FINDING_DATE_PATTERN},
                    {"type": "null"},
                ],
            },
            "finding": {
                "type": "object",
                "description": "One finding. Escalations also carry step, actor and about.",
                "properties": finding_props,
                "required": [f for f in REQUIRED_FINDING_FIELDS if f in finding_props],
                "allOf": [
                    {
                        "if": {
                            "properties": {"kind": {"const": "escalation"}},
                            "required": ["kind"],
                        },
                        "then": {
                            "properties": {
                                "step": {"type": "integer"},
                                "actor": {"type": "string"},
                                "about": {"type": "string"},
                                "status": {"enum": ["due", "taken", "stopped", "undetermined"]},
                            },
                            "required": ["step", "actor", "about"],
                        },
                    }
                ],
            },
        },
    }


# ===================================================================== access


def scenario_schema(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The JSON Schema of a scenario file (`*.scenario.yaml`, run by `sli-rules test`);
    its events may be of the types `catalogue` adds (those its rulesets declare)."""
    event = {k: v for k, v in events_schema(catalogue).items() if k != "$schema"}
    date = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    interval = {"type": "string", "pattern": FINDING_DATE_PATTERN}
    text_or_list = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    fields: dict[str, Any] = {name: {} for name in FINDING_FIELDS}
    fields.update(
        {
            "kind": {"enum": list(KINDS)},
            "status": {"enum": list(FINDING_STATUSES)},
            "party": {"type": "string", "pattern": PARTY_RE.pattern},
            "actor": {"type": "string", "pattern": PARTY_RE.pattern},
            "about": {"type": "string", "pattern": PARTY_RE.pattern},
            "opens": {"anyOf": [date, interval, {"type": "null"}]},
            "due": {"anyOf": [date, interval, {"type": "null"}]},
            "remedied_on": {"anyOf": [date, interval, {"type": "null"}]},
            "possible": {"type": "array", "items": {"enum": list(FINDING_STATUSES)}},
            "step": {"type": ["integer", "null"]},
            "triggered_by": text_or_list,
            "fulfilled_by": text_or_list,
            "interpretations": text_or_list,
            "sources": text_or_list,
        }
    )
    for name, schema in fields.items():
        description = FINDING_DESCRIPTIONS.get(name, ("", {}))[0]
        if description:
            schema["description"] = description
    expectation = {
        "type": "object",
        "description": "Finding fields that a finding must match (a subset): a value, or "
        "for a list field an event id it must contain.",
        "properties": fields,
        "additionalProperties": False,
        "minProperties": 1,
    }
    complete = {
        "type": "boolean",
        "description": "Whether the events are the whole record (true unless said): a duty "
        "with no fulfilling event is then breached rather than unrecorded. A scenario's own "
        "value overrides the file's.",
    }
    return {
        "$schema": DRAFT,
        "title": "sli-rules scenario file",
        "description": "Scenarios that test rulesets without Python: events, as-of dates, and "
        "the findings that must be present (expect) or absent (expect_absent). "
        "Generated by `sli-rules schema scenario`; do not edit by hand.",
        "type": "object",
        "properties": {
            "description": {"type": "string"},
            "rulesets": {
                **text_or_list,
                "description": "The rulesets under test: bundled ids or paths.",
            },
            "complete": complete,
            "set": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"type": ["string", "number"]},
                "description": "Parameter values for this file's runs, as `evaluate --set "
                "NAME=VALUE`: {NAME: VALUE}, or RULESET:NAME when several rulesets have it.",
            },
            "scenarios": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "events": {"type": "array", "items": {"$ref": "#/$defs/event"}},
                        "events_file": {"type": "string"},
                        "as_of": {
                            "anyOf": [date, {"type": "array", "items": date, "minItems": 1}],
                            "description": "The date (or dates) to evaluate as of.",
                        },
                        "expect": {"type": "array", "items": {"$ref": "#/$defs/expectation"}},
                        "expect_absent": {
                            "type": "array",
                            "items": {"$ref": "#/$defs/expectation"},
                        },
                        "complete": complete,
                    },
                    "required": ["as_of"],
                    "anyOf": [{"required": ["expect"]}, {"required": ["expect_absent"]}],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["rulesets", "scenarios"],
        "additionalProperties": False,
        "$defs": {"event": event, "expectation": expectation},
    }


def _with_id(name: str, make: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """`make`, giving the schema its stable `$id` (second, after `$schema`)."""

    def made() -> dict[str, Any]:
        schema = make()
        out = {"$schema": schema["$schema"], "$id": f"{SCHEMA_ID_BASE}{name}.schema.json"}
        out.update({k: v for k, v in schema.items() if k not in out})
        return out

    return made


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    name: _with_id(name, make)
    for name, make in (
        ("ruleset", ruleset_schema),
        ("events", events_schema),
        ("findings", findings_schema),
        ("scenario", scenario_schema),
    )
}


def schema_json(name: str) -> str:
    """The named schema ('ruleset', 'events', 'findings' or 'scenario') as JSON text, with
    its stable `$id`."""
    return _dump(SCHEMAS[name]())


SCHEMAS_WITH_DECLARED_TYPES = ("events", "ruleset", "scenario")
"""The schemas that can take the event types rulesets declare (`schema_json_for`)."""


def schema_json_for(name: str, rulesets: Iterable[Ruleset | str | Path]) -> str:
    """The 'events', 'ruleset' or 'scenario' schema as JSON text, with the event types `rulesets`
    (loaded, bundled ids or paths) declare besides the catalogue's, and its stable `$id`.
    Raises ValueError for another schema name."""
    makers: dict[str, Callable[[Catalogue], dict[str, Any]]] = {
        "events": events_schema,
        "ruleset": ruleset_schema,
        "scenario": scenario_schema,
    }
    make = makers.get(name)
    if make is None:
        raise ValueError(f"only {', '.join(SCHEMAS_WITH_DECLARED_TYPES)} take declared types")
    loaded = [r if isinstance(r, Ruleset) else load_ruleset(r) for r in rulesets]
    cat = catalogue_for(loaded)
    return _dump(_with_id(name, lambda: make(cat))())


def schema_dir() -> Path:
    """Where the schema files are: inside the installed package (`sli_rules/schemas`, from
    the wheel), or `docs/schemas` in the source tree (an editable install)."""
    packaged = resources.files("sli_rules").joinpath("schemas")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "docs" / "schemas"
