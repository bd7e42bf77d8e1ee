"""Conditions compiled into predicates: closures over the typed tree of
`model/conditions.py`, never evaluated as code.

A predicate takes the object tested (an event, or an element of a list attribute) and an
`Env`, which says what the references of the condition (`{ref: event.council}`,
`{ref: trigger.review}`, `{ref: party}`) point at.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from sli_rules.model.conditions import (
    COMPARISONS,
    AllOf,
    AnyOf,
    Attribute,
    Bound,
    Condition,
    Entry,
    Not,
    Operand,
    Quantity,
    Ref,
    Test,
    Value,
)
from sli_rules.model.values import Event, Party

__all__ = ["Env", "Pred", "compile_condition", "resolve"]


@attrs.define
class Env:
    """What references in a condition can point at."""

    event: Event | None = None
    trigger: Event | None = None
    party: Party | None = None


Pred = Callable[[Any, Env], bool]
Getter = Callable[[Env], Any]
_Check = Callable[[list[Any], Env], bool]

_MISSING = object()


def _get(obj: Any, name: str) -> Any:
    if type(obj) is Event or type(obj) is dict or isinstance(obj, (Event, Mapping)):
        return obj.get(name, _MISSING)
    return _MISSING


@functools.lru_cache(maxsize=1024)
def _names(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def resolve(obj: Any, path: str) -> list[Any]:
    """Values at a dotted path; a path through a list gives every element's value."""
    names = _names(path)
    if len(names) == 1 and not isinstance(obj, list):  # one name, as most paths are
        v = _get(obj, path)
        return [] if v is _MISSING or v is None else [v]
    current = [obj]
    for part in names:
        nxt = []
        for item in current:
            if isinstance(item, list):
                for el in item:
                    v = _get(el, part)
                    if v is not _MISSING and v is not None:
                        nxt.append(v)
            else:
                v = _get(item, part)
                if v is not _MISSING and v is not None:
                    nxt.append(v)
        current = nxt
    return current


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(v)
        else:
            out.append(v)
    return out


def _operand(operand: Operand) -> Getter:
    if isinstance(operand, Ref):
        root, _, rest = operand.ref.partition(".")

        def get_ref(env: Env) -> Any:
            if root == "party":
                if env.party is None:
                    return None
                if not rest or rest == "id":
                    return env.party.id
                if rest == "kind":
                    return env.party.kind
                return env.party.attributes.get(rest)
            target = env.event if root == "event" else env.trigger
            if target is None:
                return None
            found = resolve(target, rest)
            return found[0] if len(found) == 1 else (found or None)

        return get_ref
    value = operand.value
    return lambda _env: value


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


_CMP: dict[str, Callable[[float, float], bool]] = {
    "at_least": lambda a, b: a >= b,
    "at_most": lambda a, b: a <= b,
    "more_than": lambda a, b: a > b,
    "less_than": lambda a, b: a < b,
}


def _bounds(bounds: tuple[Bound, ...]) -> Callable[[int, Env], bool]:
    by_op = {b.op: b.operand for b in bounds}
    checks = [(op, _operand(by_op[op])) for op in COMPARISONS if op in by_op]

    def ok(n: int, env: Env) -> bool:
        for op, get in checks:
            limit = _number(get(env))
            if limit is None or not _CMP[op](n, limit):
                return False
        return True

    return ok


def _quantity(name: str, q: Quantity) -> _Check:
    ok = _bounds(q.bounds)
    if name == "length":
        return lambda vals, env: ok(len(_flatten(vals)), env)
    where = compile_condition(q.where)
    if name == "count":

        def count(vals: list[Any], env: Env) -> bool:
            return ok(sum(1 for el in _flatten(vals) if where(el, env)), env)

        return count
    field = str(q.field)

    def distinct(vals: list[Any], env: Env) -> bool:
        seen = set()
        for el in _flatten(vals):
            if where(el, env):
                for v in resolve(el, field):
                    seen.add(repr(v))
        return ok(len(seen), env)

    return distinct


def _quantifier(name: str, cond: Condition) -> _Check:
    inner = compile_condition(cond)

    def quantify(vals: list[Any], env: Env) -> bool:
        hits = (inner(el, env) for el in _flatten(vals))
        if name == "some":
            return any(hits)
        if name == "none":
            return not any(hits)
        return all(hits)

    return quantify


def _test(test: Test) -> _Check:
    """A test over the raw values found at a path."""
    name, arg = test.name, test.argument
    if isinstance(arg, Condition):
        return _quantifier(name, arg)
    if isinstance(arg, Quantity):
        return _quantity(name, arg)
    if name == "exists":
        want = bool(arg.value) if isinstance(arg, Value) else True
        return lambda vals, _env: bool(vals) == want
    get = _operand(arg)
    if name in ("equals", "not_equals"):
        positive = name == "equals"

        def eq(vals: list[Any], env: Env) -> bool:
            target = get(env)
            flat = _flatten(vals)
            hit = target in flat if not isinstance(target, list) else any(t in flat for t in target)
            return hit if positive else not hit

        return eq
    if name in ("in", "not_in"):
        positive = name == "in"

        def within(vals: list[Any], env: Env) -> bool:
            options = get(env)
            options = options if isinstance(options, list) else [options]
            hit = any(v in options for v in _flatten(vals))
            return hit if positive else not hit

        return within
    if name == "contains":

        def contains(vals: list[Any], env: Env) -> bool:
            want = get(env)
            wanted = want if isinstance(want, list) else [want]
            flat = _flatten(vals)
            return all(w in flat for w in wanted)

        return contains
    if name in COMPARISONS:
        cmp = _CMP[name]

        def compare(vals: list[Any], env: Env) -> bool:
            limit = _number(get(env))
            if limit is None:
                return False
            nums = [n for n in (_number(v) for v in vals) if n is not None]
            return any(cmp(n, limit) for n in nums)

        return compare
    raise ValueError(f"unknown test {name!r}")  # the loader rejects these first


def _attribute(attribute: Attribute) -> Pred:
    path = attribute.path
    tests = [_test(t) for t in attribute.tests]

    if len(tests) == 1:  # (the usual case: one test, called directly)
        only = tests[0]

        def check_one(obj: Any, env: Env) -> bool:
            return only(resolve(obj, path), env)

        return _equals_at(path, attribute.tests[0], check_one) or check_one

    def check(obj: Any, env: Env) -> bool:
        vals = resolve(obj, path)
        return all(t(vals, env) for t in tests)

    return check


def _equals_at(path: str, test: Test, slow: Pred) -> Pred | None:
    """`name: literal` (`equals`, or `not_equals`, a literal that is not a list, at a path
    of one name), read straight from an event: what `slow` (`resolve`, then the test)
    gives, without the lists they build. The commonest condition, asked of most events
    (tests/test_conditions.py holds the two equal). None for any other test."""
    if "." in path or test.name not in ("equals", "not_equals"):
        return None
    argument = test.argument
    if not isinstance(argument, Value) or isinstance(argument.value, list):
        return None
    target = argument.value
    positive = test.name == "equals"

    def check(obj: Any, env: Env) -> bool:
        if type(obj) is not Event:
            return slow(obj, env)
        v = obj.get(path)
        if v is None:  # absent, or null: no value
            hit = False
        elif isinstance(v, list):  # each element is a value (as `_flatten` has it)
            hit = target in v
        else:
            hit = v is target or v == target
        return hit if positive else not hit

    return check


def _entry(entry: Entry) -> Pred:
    if isinstance(entry, (AllOf, AnyOf)):
        subs = [compile_condition(c) for c in entry.conditions]
        if isinstance(entry, AllOf):
            return lambda o, e: all(s(o, e) for s in subs)
        return lambda o, e: any(s(o, e) for s in subs)
    if isinstance(entry, Not):
        sub = compile_condition(entry.condition)
        return lambda o, e: not sub(o, e)
    return _attribute(entry)


def compile_condition(cond: Condition | None) -> Pred:
    """A predicate over an object (an event or a list element) and the environment."""
    if not cond:
        return lambda _obj, _env: True
    parts = [_entry(entry) for entry in cond.entries]
    if len(parts) == 1:
        return parts[0]
    return lambda o, e: all(p(o, e) for p in parts)
