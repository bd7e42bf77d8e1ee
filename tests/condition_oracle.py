"""An independent evaluator and describer of conditions, for the properties of
tests/test_conditions.py.

It is the dict-walking code the engine used before conditions were parsed into a typed
tree (model/conditions.py, engine/predicates.py): it reads the mapping as written, so the
tree's compiled predicates and wording are checked against a second reading of the same
language rather than against themselves. Only the reading of a path's values (`resolve`)
and the names of the tests are shared with the library.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sli_rules.engine.predicates import Env, resolve
from sli_rules.model.conditions import COMPARISONS, TESTS

Pred = Callable[[Any, Env], bool]
Operand = Callable[[Env], Any]


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out.extend(v)
        else:
            out.append(v)
    return out


def _operand(value: Any) -> Operand:
    if isinstance(value, Mapping) and set(value) == {"ref"}:
        ref = str(value["ref"])
        root, _, rest = ref.partition(".")

        def get_ref(env: Env) -> Any:
            if root == "party":
                if env.party is None:
                    return None
                if not rest:
                    return env.party.id
                if rest == "id":
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


def _bounds(spec: Mapping[str, Any]) -> Callable[[int, Env], bool]:
    checks = [(op, _operand(spec[op])) for op in COMPARISONS if op in spec]

    def ok(n: int, env: Env) -> bool:
        for op, get in checks:
            limit = _number(get(env))
            if limit is None or not _CMP[op](n, limit):
                return False
        return True

    return ok


def _test(name: str, arg: Any) -> Callable[[list[Any], Env], bool]:
    """A test over the raw values found at a path."""
    if name == "exists":
        want = bool(arg)
        return lambda vals, _env: bool(vals) == want
    if name in ("equals", "not_equals"):
        get = _operand(arg)
        positive = name == "equals"

        def eq(vals: list[Any], env: Env) -> bool:
            target = get(env)
            flat = _flatten(vals)
            hit = target in flat if not isinstance(target, list) else any(t in flat for t in target)
            return hit if positive else not hit

        return eq
    if name in ("in", "not_in"):
        get = _operand(arg)
        positive = name == "in"

        def within(vals: list[Any], env: Env) -> bool:
            options = get(env)
            options = options if isinstance(options, list) else [options]
            hit = any(v in options for v in _flatten(vals))
            return hit if positive else not hit

        return within
    if name == "contains":
        get = _operand(arg)

        def contains(vals: list[Any], env: Env) -> bool:
            want = get(env)
            wanted = want if isinstance(want, list) else [want]
            flat = _flatten(vals)
            return all(w in flat for w in wanted)

        return contains
    if name in COMPARISONS:
        get = _operand(arg)
        cmp = _CMP[name]

        def compare(vals: list[Any], env: Env) -> bool:
            limit = _number(get(env))
            if limit is None:
                return False
            nums = [n for n in (_number(v) for v in vals) if n is not None]
            return any(cmp(n, limit) for n in nums)

        return compare
    if name in ("some", "none", "every"):
        inner = compile_condition(arg)

        def quantify(vals: list[Any], env: Env) -> bool:
            elements = _flatten(vals)
            hits = (inner(el, env) for el in elements)
            if name == "some":
                return any(hits)
            if name == "none":
                return not any(hits)
            return all(hits)

        return quantify
    if name == "count":
        where = compile_condition(arg.get("where") or {})
        ok = _bounds(arg)

        def count(vals: list[Any], env: Env) -> bool:
            return ok(sum(1 for el in _flatten(vals) if where(el, env)), env)

        return count
    if name == "distinct":
        where = compile_condition(arg.get("where") or {})
        field = str(arg["field"])
        ok = _bounds(arg)

        def distinct(vals: list[Any], env: Env) -> bool:
            seen = set()
            for el in _flatten(vals):
                if where(el, env):
                    for v in resolve(el, field):
                        seen.add(repr(v))
            return ok(len(seen), env)

        return distinct
    if name == "length":
        ok = _bounds(arg)
        return lambda vals, env: ok(len(_flatten(vals)), env)
    raise ValueError(f"unknown test {name!r}")  # the loader rejects these first


def _attribute(path: str, spec: Any) -> Pred:
    if isinstance(spec, Mapping) and spec and set(spec) <= set(TESTS):
        tests = [_test(name, arg) for name, arg in spec.items()]
    else:
        tests = [_test("equals", spec)]

    def check(obj: Any, env: Env) -> bool:
        vals = resolve(obj, path)
        return all(t(vals, env) for t in tests)

    return check


def _combine(how: str, subs: list[Pred]) -> Pred:
    if how == "all":
        return lambda o, e: all(s(o, e) for s in subs)
    return lambda o, e: any(s(o, e) for s in subs)


def _negate(sub: Pred) -> Pred:
    return lambda o, e: not sub(o, e)


def compile_condition(cond: Mapping[str, Any] | None) -> Pred:
    """A predicate over an object (an event or a list element) and the environment."""
    if not cond:
        return lambda _obj, _env: True
    parts: list[Pred] = []
    for key, value in cond.items():
        if key in ("all", "any"):
            parts.append(_combine(key, [compile_condition(c) for c in value]))
        elif key == "not":
            parts.append(_negate(compile_condition(value)))
        else:
            parts.append(_attribute(key, value))
    if len(parts) == 1:
        return parts[0]
    return lambda o, e: all(p(o, e) for p in parts)


# ----------------------------------------------------------------- describe


def _describe_operand(v: Any) -> str:
    if isinstance(v, Mapping) and set(v) == {"ref"}:
        ref = str(v["ref"])
        return {"party": "the party", "event.council": "the event's council"}.get(
            ref, f"the {ref.replace('.', ' ')}"
        )
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _bounds_text(spec: Mapping[str, Any]) -> str:
    words = {
        "at_least": "at least",
        "at_most": "at most",
        "more_than": "more than",
        "less_than": "fewer than",
    }
    return " and ".join(
        f"{words[k]} {_describe_operand(spec[k])}" for k in COMPARISONS if k in spec
    )


def describe_condition(cond: Mapping[str, Any] | None) -> str:
    """Plain English for a condition, e.g. 'kind is childrens and team has ...'."""
    if not cond:
        return "always"
    out = []
    for key, value in cond.items():
        if key == "all":
            out.append(" and ".join(f"({describe_condition(c)})" for c in value))
        elif key == "any":
            out.append("either " + " or ".join(f"({describe_condition(c)})" for c in value))
        elif key == "not":
            out.append(f"not ({describe_condition(value)})")
        elif isinstance(value, Mapping) and value and set(value) <= set(TESTS):
            for test, arg in value.items():
                name = key.replace("_", " ")
                if test == "equals":
                    out.append(f"{name} is {_describe_operand(arg)}")
                elif test == "not_equals":
                    out.append(f"{name} is not {_describe_operand(arg)}")
                elif test == "in":
                    out.append(f"{name} is one of {_describe_operand(arg)}")
                elif test == "not_in":
                    out.append(f"{name} is none of {_describe_operand(arg)}")
                elif test == "exists":
                    out.append(f"{name} is {'given' if arg else 'not given'}")
                elif test == "contains":
                    out.append(f"{name} includes {_describe_operand(arg)}")
                elif test in COMPARISONS:
                    out.append(f"{name} is {_bounds_text({test: arg})}")
                elif test == "some":
                    out.append(f"at least one {name} entry where {describe_condition(arg)}")
                elif test == "none":
                    out.append(f"no {name} entry where {describe_condition(arg)}")
                elif test == "every":
                    out.append(f"every {name} entry where {describe_condition(arg)}")
                elif test == "count":
                    where = arg.get("where")
                    suffix = f" with {describe_condition(where)}" if where else ""
                    out.append(f"{name} has {_bounds_text(arg)} entries{suffix}")
                elif test == "distinct":
                    where = arg.get("where")
                    suffix = f" among entries with {describe_condition(where)}" if where else ""
                    out.append(
                        f"{name} has {_bounds_text(arg)} different {arg['field']} values{suffix}"
                    )
                elif test == "length":
                    out.append(f"{name} has {_bounds_text(arg)} entries")
        else:
            out.append(f"{key.replace('_', ' ')} is {_describe_operand(value)}")
    return " and ".join(out)
