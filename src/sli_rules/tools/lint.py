"""`sli-rules check --strict`: what loads but is probably a mistake.

The loader refuses what cannot work (an unknown key, event type, attribute or value; a
parameter or party that does not exist). These checks find what works but does nothing:
a parameter no rule or ladder reads, a rule whose `applies_to` matches none of the
ruleset's parties, and a condition that can never hold (`in: []`, `any: []`). Each is
located at its line, like the loader's problems.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from sli_rules.engine.plan import party_view
from sli_rules.engine.predicates import Env, compile_condition
from sli_rules.load.safe_yaml import Loaded, load_yaml
from sli_rules.model.conditions import AnyOf, Attribute, Condition, Not, Quantity, Value
from sli_rules.model.errors import Location, Problem
from sli_rules.model.values import ConstraintRule, EventSpec, ParamRef, Rule, Ruleset

__all__ = ["strict_problems"]

YPath = tuple[str | int, ...]


def _walk(value: Any) -> Iterator[Any]:
    """`value` and everything inside it: attrs instances, mappings and sequences."""
    yield value
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _walk(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _walk(v)


Found = tuple[YPath, Location | None, str]


def _never_holds(cond: Condition | None, path: YPath) -> Iterator[Found]:
    """Where a condition has a test that no value passes (`in: []`, `any: []`); not
    under a negation (`not`, `none`), where never-holds is always-holds."""
    for entry in cond.entries if cond else ():
        here = (*path, entry.key)
        if isinstance(entry, AnyOf) and not entry.conditions:
            yield here, entry.at, "'any: []' never holds, so this condition is never met"
        elif isinstance(entry, Not):
            continue
        elif isinstance(entry, Attribute):
            for test in entry.tests if not entry.shorthand else ():
                arg = test.argument
                at = (*here, test.name)
                if test.name == "in" and isinstance(arg, Value) and arg.value == []:
                    yield at, test.at, "'in: []' never holds, so this condition is never met"
                elif isinstance(arg, Condition) and test.name != "none":
                    yield from _never_holds(arg, at)
                elif isinstance(arg, Quantity):
                    yield from _never_holds(arg.where, (*at, "where"))
        else:
            for i, sub in enumerate(entry.conditions):
                yield from _never_holds(sub, (*here, i))


def _conditions(rule: Rule) -> Iterator[tuple[YPath, Condition | None]]:
    """A rule's conditions, each with its path in the rule."""
    yield ("applies_to",), rule.applies_to
    for key in ("trigger", "fulfil", "waive"):
        spec = getattr(rule, key, None)
        if isinstance(spec, EventSpec):
            yield (key, "where"), spec.where
    if isinstance(rule, ConstraintRule):
        yield ("require",), rule.require


def _raw_rules(doc: Loaded | None) -> dict[str, tuple[int, Mapping[str, Any]]]:
    """Each rule's index and raw mapping in the YAML, by id."""
    rules = doc.data.get("rules") if doc is not None and isinstance(doc.data, dict) else None
    out: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, raw in enumerate(rules if isinstance(rules, list) else ()):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            out[raw["id"]] = (i, raw)
    return out


def strict_problems(ruleset: Ruleset) -> list[Problem]:
    """The warnings of `check --strict` for a ruleset that loads, in file order."""
    file = ruleset.file
    doc: Loaded | None = None
    try:
        doc, _ = load_yaml(Path(file).read_text(encoding="utf-8"), file)
    except (OSError, ValueError):
        doc = None

    def problem(path: YPath, message: str, at: Location | None = None) -> Problem:
        """A problem where the tree says it was written, or else where the file says."""
        if at is None:
            at = doc.where(path) if doc is not None else Location(file, 0)
        return Problem(at, message, path)

    found: list[Problem] = []
    # every reference, wherever it stands (rules, ladders, dated versions, the span), but
    # not inside the parameters themselves
    everything_else = [
        getattr(ruleset, f.name) for f in attrs.fields(Ruleset) if f.name != "parameters"
    ]
    used = {v.name for v in _walk(everything_else) if isinstance(v, ParamRef)}
    if doc is not None and isinstance(doc.data, dict):  # as written: `{parameter: NAME}`
        written = [v for k, v in doc.data.items() if k != "parameters"]
        used |= {
            v["parameter"]
            for v in _walk(written)
            if isinstance(v, Mapping) and isinstance(v.get("parameter"), str)
        }
    for name in ruleset.parameters:
        if name not in used:
            found.append(
                problem(
                    ("parameters", name),
                    f"parameter {name!r} is not used by any rule or escalation ladder",
                )
            )
    raw_rules = _raw_rules(doc)
    for rule in ruleset.rules:
        index, _raw = raw_rules.get(rule.id, (None, {}))
        base: YPath = ("rules", index) if index is not None else ("rules",)
        for where, cond in _conditions(rule):
            for path, at, message in _never_holds(cond, (*base, *where)):
                found.append(problem(path, f"rule {rule.id!r}: {message}", at))
        if rule.applies_to and ruleset.council_pattern is None:
            applies = compile_condition(rule.applies_to)
            if not any(applies(party_view(p), Env(party=p)) for p in ruleset.parties):
                found.append(
                    problem(
                        (*base, "applies_to"),
                        f"rule {rule.id!r}: applies_to matches none of the ruleset's "
                        f"{len(ruleset.parties)} parties, so the rule never applies",
                        rule.applies_to.at,
                    )
                )
    return sorted(found, key=lambda p: (p.location.line, p.location.column))
