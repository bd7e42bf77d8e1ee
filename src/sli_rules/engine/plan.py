"""Compilation: a validated Ruleset becomes a plan, prepared once.

The plan holds each rule's predicates as closures and a dispatch table from event type
to the hooks that can use an event of that type, so the work per event does not grow
with the number of rules that cannot match it. Matching an event to hooks sits behind
the small `Matcher` interface, so that another engine can run the same plan.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol

import attrs

from sli_rules.engine.predicates import Env, Pred, compile_condition, resolve
from sli_rules.kinds import KINDS
from sli_rules.load.catalogue import Catalogue, catalogue_for
from sli_rules.model.conditions import Condition
from sli_rules.model.dates import Duration
from sli_rules.model.values import (
    ConstraintRule,
    EscalationLadder,
    Event,
    EventSpec,
    Parameter,
    ParamRef,
    Party,
    Rule,
    Ruleset,
)

__all__ = ["CompiledRuleset", "Hook", "Matcher", "Plan", "ReferenceMatcher", "compile_plan"]

Role = Literal[
    "trigger",  # creates obligations (deadline, window), checks (constraint), notices
    "fulfil",  # may fulfil an obligation instance or count toward a recurring duty
    "waive",
    "limit",
    "ladder_start",
    "concern_raised",
    "concern_resolved",
    "escalation_taken",
    "membership",
    "revocation",
]


@attrs.frozen(eq=False)
class Hook:
    """One way an event type can matter to one rule of one ruleset."""

    ruleset: int  # index into Plan.rulesets
    role: Role
    rule: Rule | None = None
    ladder: EscalationLadder | None = None
    spec: EventSpec | None = None
    where: Pred | None = None  # the static condition (on the event alone)


class Matcher(Protocol):
    """Finds the hooks whose static conditions an event satisfies."""

    def match(self, event: Event) -> Sequence[Hook]: ...


@attrs.frozen(eq=False)
class CompiledRuleset:
    ruleset: Ruleset
    index: int
    parties: Mapping[str, Party]
    pattern: re.Pattern[str] | None
    applies: Mapping[str, Pred]  # rule id -> predicate over a party view
    fulfil_where: Mapping[str, Pred]  # rule id -> predicate (may use trigger / party refs)
    waive_where: Mapping[str, Pred]
    require: Mapping[str, Pred]
    # each entry of a constraint's `require` on its own, with its predicate
    require_parts: Mapping[str, tuple[tuple[Condition, Pred], ...]]

    @property
    def id(self) -> str:
        return self.ruleset.id

    def param(self, name: str) -> Parameter:
        return self.ruleset.parameters[name]

    def value(self, ref: Any, day: _dt.date) -> Any:
        """A literal, or a parameter's value in force on `day`."""
        if isinstance(ref, ParamRef):
            return self.ruleset.parameters[ref.name].value_at(day)
        return ref

    def interpretations(self, rule: Rule | EscalationLadder, *refs: Any) -> tuple[str, ...]:
        out = []
        for ref in refs:
            if isinstance(ref, ParamRef):
                p = self.param(ref.name)
                if p.basis == "interpretation" or p.overridden:
                    out.append(p.label)
        if rule.interpretation:
            out.append(f"rule {rule.id}")
        return tuple(dict.fromkeys(out))

    def duration(self, ref: Duration | ParamRef, day: _dt.date) -> Duration:
        value = self.value(ref, day)
        assert isinstance(value, Duration)
        return value


def party_view(party: Party) -> dict[str, Any]:
    view = dict(party.attributes)
    view.update({"id": party.id, "kind": party.kind, "name": party.name})
    return view


@attrs.frozen(eq=False)
class Plan:
    """Rulesets compiled once for evaluation: which rules each event type can touch.

    Made by `compile_rulesets`; give it to `evaluate` or `open_session` to evaluate
    the same rulesets many times without compiling them again."""

    rulesets: tuple[CompiledRuleset, ...]
    dispatch: Mapping[str, tuple[Hook, ...]]
    # the bundled catalogue with the types the rulesets declare: events are read with it
    catalogue: Catalogue = attrs.field(factory=lambda: catalogue_for(()))

    def ignores(self, cr: CompiledRuleset, type_name: str) -> bool:
        """Whether ruleset `cr` must take no notice of an event of this type: a type
        another ruleset declares, which `cr` does not declare itself."""
        et = self.catalogue.types.get(type_name)
        return et is not None and bool(et.owner) and type_name not in cr.ruleset.events


def _spec_hooks(
    cr: int, role: Role, rule: Rule, spec: EventSpec, static: bool
) -> list[tuple[str, Hook]]:
    where = compile_condition(spec.where) if static and spec.where else None
    return [(t, Hook(cr, role, rule=rule, spec=spec, where=where)) for t in spec.types]


def _event_spec(rule: Rule, key: str) -> EventSpec:
    spec = getattr(rule, key, None)
    assert isinstance(spec, EventSpec), (rule.kind, key)
    return spec


def compile_plan(rulesets: Iterable[Ruleset]) -> Plan:
    rulesets = tuple(rulesets)
    catalogue = catalogue_for(rulesets)  # refuses two different declarations of one type
    compiled = []
    table: dict[str, list[Hook]] = {}

    def add(pairs: Iterable[tuple[str, Hook]]) -> None:
        for t, h in pairs:
            table.setdefault(t, []).append(h)

    for i, rs in enumerate(rulesets):
        applies = {r.id: compile_condition(r.applies_to) for r in rs.rules if r.applies_to}
        fulfil_where: dict[str, Pred] = {}
        waive_where: dict[str, Pred] = {}
        require: dict[str, Pred] = {}
        parts: dict[str, tuple[tuple[Condition, Pred], ...]] = {}
        for r in rs.rules:
            if r.monitoring == "self-declared":
                continue
            kind = KINDS[r.kind]  # which hooks its events get: a facet of its kind
            if kind.trigger_role is not None:
                add(_spec_hooks(i, kind.trigger_role, r, _event_spec(r, "trigger"), True))
            if kind.fulfils:
                # fulfilment conditions may refer to the trigger or the party: checked per instance
                fulfil = _event_spec(r, "fulfil")
                add(_spec_hooks(i, "fulfil", r, fulfil, False))
                fulfil_where[r.id] = compile_condition(fulfil.where)
                waive = getattr(r, "waive", None)
                if waive is not None:
                    add(_spec_hooks(i, "waive", r, waive, False))
                    waive_where[r.id] = compile_condition(waive.where)
            if isinstance(r, ConstraintRule):
                require[r.id] = compile_condition(r.require)
                parts[r.id] = tuple(
                    (part, compile_condition(part))
                    for part in (r.require.part(entry) for entry in r.require.entries)
                )
        for ladder in rs.escalations:
            if ladder.on_concern:
                table.setdefault("concern.raised", []).append(
                    Hook(i, "concern_raised", ladder=ladder)
                )
            if ladder.start_on is not None:
                add(
                    (
                        t,
                        Hook(
                            i,
                            "ladder_start",
                            ladder=ladder,
                            spec=ladder.start_on,
                            where=compile_condition(ladder.start_on.where),
                        ),
                    )
                    for t in ladder.start_on.types
                )
        if rs.escalations:
            table.setdefault("concern.resolved", []).append(Hook(i, "concern_resolved"))
            table.setdefault("escalation.taken", []).append(Hook(i, "escalation_taken"))
        for t in ("party.joined", "party.left", "party.succeeded"):
            table.setdefault(t, []).append(Hook(i, "membership"))
        for t in ("agreement.revoked", "agreement.ended", "agreement.superseded"):
            table.setdefault(t, []).append(Hook(i, "revocation"))
        compiled.append(
            CompiledRuleset(
                ruleset=rs,
                index=i,
                parties={p.id: p for p in rs.parties},
                pattern=re.compile(rs.council_pattern) if rs.council_pattern else None,
                applies=applies,
                fulfil_where=fulfil_where,
                waive_where=waive_where,
                require=require,
                require_parts=parts,
            )
        )
    return Plan(tuple(compiled), {t: tuple(hs) for t, hs in table.items()}, catalogue)


@attrs.define
class ReferenceMatcher:
    """Plain-Python matching: one dictionary look-up by type, then the static conditions."""

    plan: Plan
    _env: Env = attrs.field(factory=Env)
    # the hooks of the types none of whose hooks has a static condition: all of them
    _open: Mapping[str, tuple[Hook, ...]] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._open = {
            t: hooks
            for t, hooks in self.plan.dispatch.items()
            if all(h.where is None for h in hooks)
        }

    def match(self, event: Event) -> Sequence[Hook]:
        found = self._open.get(event.type)
        if found is not None:
            return found
        hooks = self.plan.dispatch.get(event.type)
        if not hooks:
            return ()
        env = self._env
        env.event = event
        return [h for h in hooks if h.where is None or h.where(event, env)]


def first_value(event: Event, path: str) -> Any:
    found = resolve(event, path)
    if not found:
        return None
    value = found[0]
    return tuple(value) if isinstance(value, list) else value
