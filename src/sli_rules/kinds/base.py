"""What a rule kind is made of: the facets every kind module provides, in one record.

A kind module (`kinds/deadline.py`, ...) builds one `RuleKind` and `kinds/__init__.py`
lists it in `KINDS`. The loader, the plan, `explain`, `docs`, `schema`, `diff` and the
scenario coverage read a kind's facets from that table; none of them names a kind.

The layers above pass in what a facet needs from them through the small protocols below
(`RuleReader` from the loader, `ExplainWords` from `explain`, `DocWords` from `docs`), so
that this layer imports only the model.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Protocol

import attrs

from sli_rules.model.conditions import Condition
from sli_rules.model.dates import Duration, PeriodSpec
from sli_rules.model.values import EventSpec, ParamRef, Rule, Ruleset
from sli_rules.model.vocabulary import Status

__all__ = [
    "FAMILY_FIELDS",
    "MAX_NUMBER",
    "SHARED_KEYS",
    "DocWords",
    "ExplainWords",
    "Family",
    "KeySchema",
    "RuleKind",
    "RuleParts",
    "RuleReader",
    "TriggerRole",
    "YPath",
]

Date = _dt.date
YPath = tuple[str | int, ...]
"""A position in the YAML document, as the loader's safe YAML gives it."""
KeySchema = tuple[str, dict[str, Any]]
"""A YAML key's JSON Schema fragment: (its description, its schema)."""
TriggerRole = Literal["trigger", "limit"]
"""How the plan hooks a kind's trigger: it starts duties/checks, or counts to a ceiling."""

MAX_NUMBER = 1_000_000  # the largest number a ruleset may compare with or cap at


class Family(enum.StrEnum):
    """How the engine evaluates a kind's rules: each kind names one family, and the
    engine (`engine/session.py: FAMILIES`) maps every family to its way of evaluating.
    `FAMILY_FIELDS` lists the attributes of a rule class that the family reads."""

    TRIGGERED = "triggered"
    """A duty per triggering event and party, due a duration after the trigger; with
    `opens`, a window opening a duration after it (`early` says whether an event before
    the window counts). Fulfilled (or waived) by a matching event. deadline, window."""
    CHECKED = "checked"
    """A requirement checked on the triggering event itself, on its own date. constraint."""
    FIXED = "fixed"
    """One duty per party, open and due on fixed dates. fixed_date."""
    PERIODS = "periods"
    """A tally of fulfilling events per calendar period (with a grace, or the period an
    event names). recurring."""
    SPANS = "spans"
    """A tally of fulfilling events per span between two dates, repeated or not, with a
    reading for parties that join during a span. count."""
    CEILING = "ceiling"
    """A running total of triggering events (or an amount) per period, against a
    ceiling. limit."""
    ENTITLEMENT = "entitlement"
    """Something a triggering event makes available to a party, for a time or for good.
    entitlement."""
    UNCHECKED = "unchecked"
    """Not evaluated: a clause that events cannot show. self_declared."""


FAMILY_FIELDS: Mapping[Family, tuple[str, ...]] = {
    Family.TRIGGERED: ("trigger", "fulfil", "due", "waive"),
    Family.CHECKED: ("trigger", "require"),
    Family.FIXED: ("fulfil", "due", "opens", "waive"),
    Family.PERIODS: ("fulfil", "period", "at_least", "grace", "period_from"),
    Family.SPANS: ("fulfil", "start", "end", "at_least", "repeat", "joiners"),
    Family.CEILING: ("trigger", "period", "max", "amount"),
    Family.ENTITLEMENT: ("trigger", "lasts"),
    Family.UNCHECKED: (),
}
"""The attributes a rule class of each family must have (the engine reads them)."""


# ---------------------------------------------------------------- what facets are given


class RuleReader(Protocol):
    """The loader's checks that a kind's `parse` uses (`load/loader.py: _Reader`)."""

    def err(self, path: YPath, message: str) -> None: ...
    def show(self, value: Any) -> str: ...
    def mapping(self, value: Any, path: YPath, what: str) -> dict[str, Any] | None: ...
    def keys(
        self,
        value: Mapping[str, Any],
        path: YPath,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        what: str = "here",
    ) -> None: ...
    def text(self, value: Any, path: YPath, what: str, default: str = "") -> str: ...
    def choice(self, value: Any, path: YPath, options: Iterable[str], default: str) -> str: ...
    def integer(self, value: Any, path: YPath, default: int) -> int: ...
    def param_ref(self, value: Mapping[str, Any], path: YPath, want: str) -> ParamRef | None: ...
    def duration_like(self, value: Any, path: YPath) -> Duration | ParamRef | None: ...
    def date_like(self, value: Any, path: YPath) -> Date | ParamRef | None: ...
    def period(self, value: Any, path: YPath) -> PeriodSpec | None: ...
    def paths_for(self, types: Iterable[str]) -> set[str]: ...
    def condition(
        self,
        value: Any,
        path: YPath,
        paths: set[str] | None,
        refs: tuple[str, ...],
        types: tuple[str, ...] = (),
    ) -> Condition | None: ...


@attrs.frozen
class RuleParts:
    """What the loader has read of a rule before its kind's own keys: the mapping, where
    it is, the keys every kind shares (`common`, ready to pass to the rule class), the
    trigger (for kinds that have one) and a reader of the event specs (fulfil, waive)."""

    m: Mapping[str, Any]
    path: YPath
    common: Mapping[str, Any]
    trigger: EventSpec | None
    spec: Callable[[str], EventSpec | None]


class ExplainWords(Protocol):
    """The phrases of `sli-rules explain` a kind's `explain` builds its sentence from
    (`tools/explain.py`)."""

    def who(self, rs: Ruleset, rule: Rule) -> str: ...
    def wanted_text(self, spec: EventSpec) -> str: ...
    def amount(self, rs: Ruleset, value: Any, day: Date) -> str: ...
    def trigger_text(self, spec: EventSpec) -> str: ...
    def a(self, text: str) -> str: ...
    def period_words(self, spec: PeriodSpec) -> str: ...
    def condition(self, cond: Condition | None) -> str: ...


class DocWords(Protocol):
    """The pieces of a rendered ruleset page a kind's `document` builds its bullets from
    (`tools/docs.py`): plain text joined with `t`, `strong` and `code` spans."""

    def t(self, *parts: Any) -> Any: ...
    def strong(self, text: str) -> Any: ...
    def code(self, text: str) -> Any: ...
    def amount(self, rs: Ruleset, value: Any) -> Any: ...
    def period(self, spec: PeriodSpec) -> str: ...
    def condition(self, cond: Condition | None) -> str: ...


# ---------------------------------------------------------------- the record


def _no_document(words: DocWords, rs: Ruleset, rule: Rule) -> list[Any]:  # noqa: ARG001
    return []


@attrs.frozen(kw_only=True)
class RuleKind:
    """Everything that defines one kind of rule. `tests/test_kinds.py` checks that every
    registered kind gives every facet."""

    # -- identity and format
    name: str  # the YAML `kind:` value
    rule_class: type[Any]  # the frozen model class (`model/values.py`)
    required: tuple[str, ...]  # its own YAML keys, required ...
    optional: tuple[str, ...]  # ... and optional (the common keys are the loader's)
    # -- JSON Schema: its own keys' descriptions and schemas, and one sentence on the kind
    key_schema: Mapping[str, KeySchema]
    summary: str
    # -- loading: builds the rule from its keys, reporting problems through the reader
    parse: Callable[[RuleReader, RuleParts], Rule | None]
    # -- evaluation: how the engine evaluates its rules (its class has FAMILY_FIELDS[family])
    family: Family
    default_severity: Literal["breach", "notice"] = "breach"
    state_trigger: bool = False  # trigger: {state: NAME} allowed
    fulfil_by_any: bool = False  # fulfil may take by_any and look_back
    # -- compilation (`engine/plan.py`): which hooks its events get
    trigger_role: TriggerRole | None = None
    fulfils: bool = False  # fulfil (and waive) hooks
    # -- wording: the heading of `explain` and of a rendered page, and the sentences
    explain_noun: str
    docs_noun: str
    explain: Callable[[ExplainWords, Ruleset, Rule, Date], str]
    document: Callable[[DocWords, Ruleset, Rule], list[Any]] = _no_document
    # -- diff: its own fields as (attribute, name shown), and those that sum it up
    fields: tuple[tuple[str, str], ...] = ()
    diff_summary: tuple[str, ...] = ()
    # -- scenarios: the statuses that show a rule of this kind exercised both ways
    coverage: tuple[Status, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


# ---------------------------------------------------------------- keys several kinds share

SHARED_KEYS: Mapping[str, KeySchema] = {
    "trigger": (
        "The event that starts a duty: {type: EVENT_TYPE, where: CONDITION}; for a "
        "deadline or window, or a state: {state: inadequate}.",
        {"$ref": "#/$defs/trigger"},
    ),
    "fulfil": (
        "The event that meets the duty: {type, where, by, match}.",
        {"$ref": "#/$defs/event_spec"},
    ),
    "waive": (
        "An event that, dated on or before the due date and before any fulfilment, waives "
        "the duty.",
        {"$ref": "#/$defs/event_spec"},
    ),
    "due": (
        "How long after the trigger the duty is due (inclusive): a duration such as P6M, "
        "or {parameter: NAME}.",
        {"$ref": "#/$defs/duration_like"},
    ),
    "opens": (
        "How long after the trigger the window opens: a duration or {parameter: NAME}.",
        {"$ref": "#/$defs/duration_like"},
    ),
    "period": (
        "The periods the duty or ceiling runs over, e.g. {calendar: financial_year} or "
        "{calendar: financial_year, unit: quarter}.",
        {"$ref": "#/$defs/period"},
    ),
    "at_least": (
        "How many matching events are needed (default 1).",
        {"type": "integer", "minimum": 0},
    ),
}
