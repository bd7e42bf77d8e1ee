"""Structured conditions, parsed once into a typed, immutable tree.

A condition is written as a mapping of attribute paths to tests, plus the combinators
`all`, `any` and `not` (docs/ruleset-format.md has the language). The loader checks the
mapping (with line, column and field in every message) and parses it once, here, into a
`Condition`; every later reader walks that tree: the engine compiles it into a
predicate (`engine/predicates.py`), the durable engine translates it, and explain, docs,
diff and lint describe or show it. Nothing re-reads the mapping.

The tree:

- `Condition`: the entries of one mapping, every one of which must hold;
- an entry is an `Attribute` (a path and its tests), `AllOf` / `AnyOf` (lists of
  conditions) or `Not` (one condition);
- a `Test` is a test's name and its argument: an operand (`Value` or `Ref`) for the
  scalar tests, a `Condition` for `some` / `none` / `every`, a `Quantity` (bounds, an
  optional `where` and, for `distinct`, a `field`) for `count` / `distinct` / `length`.

`to_mapping()` gives the mapping back, exactly as written (key order included), so
`parse_condition(c.to_mapping()) == c`. Equality follows the mapping's: the order of a
mapping's keys does not count, the order of a list does. A `Condition` shows (repr) as its
mapping, which keeps the reprs of rules as they were when conditions were plain mappings
(release 0.1.0's state files are recognised by a digest of that repr).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, Union

import attrs

from sli_rules.model.errors import Location

__all__ = [
    "COMBINATORS",
    "COMPARISONS",
    "LIST_TESTS",
    "QUANTITY_TESTS",
    "SCALAR_TESTS",
    "TESTS",
    "AllOf",
    "AnyOf",
    "Attribute",
    "Bound",
    "Condition",
    "Entry",
    "Not",
    "Operand",
    "Quantity",
    "Ref",
    "Test",
    "Value",
    "as_condition",
    "describe_condition",
    "parse_condition",
]

COMBINATORS = ("all", "any", "not")
COMPARISONS = {"at_least": ">=", "at_most": "<=", "more_than": ">", "less_than": "<"}
SCALAR_TESTS = ("equals", "not_equals", "in", "not_in", "exists", "contains", *COMPARISONS)
LIST_TESTS = ("some", "none", "every", "count", "distinct", "length")
TESTS = SCALAR_TESTS + LIST_TESTS
#: the tests whose argument is a condition on each element of a list
QUANTIFIERS = ("some", "none", "every")
#: the tests whose argument is a `Quantity`
QUANTITY_TESTS = ("count", "distinct", "length")

#: where a part of a condition was written, from a path inside the condition's mapping
#: (a position is not part of what a condition says: it takes no part in equality or repr)
Locate = Callable[[tuple[str | int, ...]], Location]


# ------------------------------------------------------------------ operands


@attrs.frozen
class Value:
    """A literal operand (a string, number, boolean, date, list, ...)."""

    value: Any

    def to_mapping(self) -> Any:
        return self.value


@attrs.frozen
class Ref:
    """A reference operand, `{ref: event.council}`: a value read when the test runs."""

    ref: str

    def to_mapping(self) -> dict[str, Any]:
        return {"ref": self.ref}

    @property
    def root(self) -> str:
        """What the reference starts from: `event`, `trigger` or `party`."""
        return self.ref.partition(".")[0]


Operand: TypeAlias = Value | Ref


def _operand(raw: Any) -> Operand:
    if isinstance(raw, Mapping) and set(raw) == {"ref"}:
        return Ref(str(raw["ref"]))
    return Value(raw)


# --------------------------------------------------------------------- nodes


def _by(name: str) -> Callable[[tuple[Any, ...]], dict[Any, Any]]:
    """Compare a tuple of named parts as a mapping: their order does not count."""

    def key(parts: tuple[Any, ...]) -> dict[Any, Any]:
        return {getattr(p, name): p for p in parts}

    return key


@attrs.frozen
class Bound:
    """One bound of a `Quantity`: `at_least: 4`."""

    op: str  # one of COMPARISONS
    operand: Operand


@attrs.frozen
class Quantity:
    """The argument of `count`, `distinct` and `length`: how many elements (that satisfy
    `where`; for `distinct`, how many different values of `field` among them) must there
    be, as bounds."""

    bounds: tuple[Bound, ...] = attrs.field(
        eq=attrs.cmp_using(eq=lambda a, b: _by("op")(a) == _by("op")(b))
    )
    where: Condition | None = None
    field: str | None = None
    #: the keys of the mapping as written, in order (only for `to_mapping`)
    keys: tuple[str, ...] = attrs.field(default=(), eq=False, repr=False)

    def to_mapping(self) -> dict[str, Any]:
        parts: dict[str, Any] = {b.op: b.operand.to_mapping() for b in self.bounds}
        if self.where is not None or "where" in self.keys:
            parts["where"] = self.where.to_mapping() if self.where is not None else None
        if self.field is not None:
            parts["field"] = self.field
        order = [k for k in self.keys if k in parts]
        return {k: parts[k] for k in [*order, *(k for k in parts if k not in order)]}


Argument: TypeAlias = Union[Value, Ref, "Condition", Quantity]


@attrs.frozen
class Test:
    """One test on the values found at an attribute path, e.g. `at_least: 2`."""

    __test__ = False  # not a test case, for pytest, whose tests import it

    name: str  # one of TESTS
    argument: Argument
    at: Location | None = attrs.field(default=None, eq=False, repr=False)

    def to_mapping(self) -> Any:
        return self.argument.to_mapping()


@attrs.frozen
class Attribute:
    """An attribute path and the tests on its values, all of which must hold.

    `shorthand` is true when the value was written directly (`kind: childrens`), which
    means `equals`; then `tests` is that one `equals` test.
    """

    path: str
    tests: tuple[Test, ...] = attrs.field(
        eq=attrs.cmp_using(eq=lambda a, b: _by("name")(a) == _by("name")(b))
    )
    shorthand: bool = False
    at: Location | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def key(self) -> str:
        return self.path

    def to_mapping(self) -> Any:
        if self.shorthand:
            return self.tests[0].to_mapping()
        return {t.name: t.to_mapping() for t in self.tests}


@attrs.frozen
class AllOf:
    """`all: [...]`: every condition of the list holds."""

    conditions: tuple[Condition, ...]
    at: Location | None = attrs.field(default=None, eq=False, repr=False)
    key = "all"

    def to_mapping(self) -> list[dict[str, Any]]:
        return [c.to_mapping() for c in self.conditions]


@attrs.frozen
class AnyOf:
    """`any: [...]`: at least one condition of the list holds."""

    conditions: tuple[Condition, ...]
    at: Location | None = attrs.field(default=None, eq=False, repr=False)
    key = "any"

    def to_mapping(self) -> list[dict[str, Any]]:
        return [c.to_mapping() for c in self.conditions]


@attrs.frozen
class Not:
    """`not: {...}`: the condition does not hold."""

    condition: Condition
    at: Location | None = attrs.field(default=None, eq=False, repr=False)
    key = "not"

    def to_mapping(self) -> dict[str, Any]:
        return self.condition.to_mapping()


Entry: TypeAlias = Attribute | AllOf | AnyOf | Not


@attrs.frozen(repr=False)
class Condition:
    """A condition: every entry holds. No entries: it always holds."""

    entries: tuple[Entry, ...] = attrs.field(
        eq=attrs.cmp_using(eq=lambda a, b: _by("key")(a) == _by("key")(b))
    )
    at: Location | None = attrs.field(default=None, eq=False, repr=False)

    def to_mapping(self) -> dict[str, Any]:
        """The mapping it was written as (`parse_condition` of it gives it back)."""
        return {e.key: e.to_mapping() for e in self.entries}

    def __repr__(self) -> str:
        return repr(self.to_mapping())

    def __bool__(self) -> bool:
        """False when it has no entries (and so always holds), as an empty mapping was."""
        return bool(self.entries)

    def part(self, entry: Entry) -> Condition:
        """The condition that holds just this one entry (`{key: value}`)."""
        return Condition((entry,), at=self.at)


# ------------------------------------------------------------------- parsing


def parse_condition(raw: Mapping[str, Any], locate: Locate | None = None) -> Condition:
    """The tree of a condition written as a mapping. `locate`, when given, tells where a
    path inside the mapping was written (the loader passes the YAML positions).

    The mapping is expected to be well formed (the loader checks it first, with messages
    naming the line and field); a malformed one raises ValueError.
    """
    return _Parser(locate).condition(raw, ())


def as_condition(value: Condition | Mapping[str, Any] | None) -> Condition | None:
    """A model field's converter: a mapping is parsed, a tree or None is kept."""
    if value is None or isinstance(value, Condition):
        return value
    if isinstance(value, Mapping):
        return parse_condition(value)
    raise ValueError(f"a condition is a mapping, not {type(value).__name__}")


@attrs.define
class _Parser:
    locate: Locate | None

    def at(self, path: tuple[str | int, ...]) -> Location | None:
        return self.locate(path) if self.locate is not None else None

    def condition(self, raw: Any, path: tuple[str | int, ...]) -> Condition:
        if not isinstance(raw, Mapping):
            raise ValueError(f"a condition is a mapping, not {type(raw).__name__}")
        entries: list[Entry] = []
        for key, value in raw.items():
            p = (*path, key)
            if key in ("all", "any"):
                items = () if value is None else value  # as the loader reads `all:` alone
                if not isinstance(items, Sequence) or isinstance(items, str):
                    raise ValueError(f"{key!r} takes a list of conditions")
                subs = tuple(self.condition(c, (*p, i)) for i, c in enumerate(items))
                entries.append(AllOf(subs, self.at(p)) if key == "all" else AnyOf(subs, self.at(p)))
            elif key == "not":
                entries.append(Not(self.condition(value, p), self.at(p)))
            else:
                entries.append(self.attribute(str(key), value, p))
        return Condition(tuple(entries), at=self.at(path))

    def attribute(self, key: str, value: Any, path: tuple[str | int, ...]) -> Attribute:
        if isinstance(value, Mapping) and value and set(value) <= set(TESTS):
            tests = tuple(self.test(name, arg, (*path, name)) for name, arg in value.items())
            return Attribute(key, tests, at=self.at(path))
        test = Test("equals", _operand(value), at=self.at(path))
        return Attribute(key, (test,), shorthand=True, at=self.at(path))

    def test(self, name: str, arg: Any, path: tuple[str | int, ...]) -> Test:
        argument: Argument
        if name in QUANTIFIERS:
            argument = self.condition(arg, path)
        elif name in QUANTITY_TESTS:
            if not isinstance(arg, Mapping):
                raise ValueError(f"{name!r} takes a mapping: {{where: ..., at_least: N}}")
            where = arg.get("where")
            field = arg.get("field")
            argument = Quantity(
                bounds=tuple(Bound(op, _operand(v)) for op, v in arg.items() if op in COMPARISONS),
                where=self.condition(where, (*path, "where")) if where is not None else None,
                field=str(field) if field is not None else None,
                keys=tuple(str(k) for k in arg),
            )
        else:
            argument = _operand(arg)
        return Test(name, argument, at=self.at(path))


# ------------------------------------------------------------------ describe


def _describe_operand(v: Operand) -> str:
    if isinstance(v, Ref):
        return {"party": "the party", "event.council": "the event's council"}.get(
            v.ref, f"the {v.ref.replace('.', ' ')}"
        )
    value = v.value
    if isinstance(value, list):
        return ", ".join(str(x) for x in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_BOUND_WORDS = {
    "at_least": "at least",
    "at_most": "at most",
    "more_than": "more than",
    "less_than": "fewer than",
}


def _bounds_text(bounds: tuple[Bound, ...]) -> str:
    by_op = {b.op: b.operand for b in bounds}
    return " and ".join(
        f"{_BOUND_WORDS[k]} {_describe_operand(by_op[k])}" for k in COMPARISONS if k in by_op
    )


_SCALAR_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "includes",
}


def _describe_test(name: str, test: Test) -> str:
    arg = test.argument
    if isinstance(arg, Condition):  # some, none, every
        lead = {"some": "at least one", "none": "no", "every": "every"}[test.name]
        return f"{lead} {name} entry where {describe_condition(arg)}"
    if isinstance(arg, Quantity):
        bounds = _bounds_text(arg.bounds)
        where = arg.where
        if test.name == "count":
            suffix = f" with {describe_condition(where)}" if where else ""
            return f"{name} has {bounds} entries{suffix}"
        if test.name == "distinct":
            suffix = f" among entries with {describe_condition(where)}" if where else ""
            return f"{name} has {bounds} different {arg.field} values{suffix}"
        return f"{name} has {bounds} entries"
    if test.name == "exists":
        given = isinstance(arg, Value) and bool(arg.value)
        return f"{name} is {'given' if given else 'not given'}"
    if test.name in COMPARISONS:
        return f"{name} is {_bounds_text((Bound(test.name, arg),))}"
    return f"{name} {_SCALAR_WORDS[test.name]} {_describe_operand(arg)}"


def describe_condition(cond: Condition | None) -> str:
    """Plain English for a condition, e.g. 'kind is childrens and team has ...'."""
    if not cond:
        return "always"
    out = []
    for entry in cond.entries:
        if isinstance(entry, AllOf):
            out.append(" and ".join(f"({describe_condition(c)})" for c in entry.conditions))
        elif isinstance(entry, AnyOf):
            out.append(
                "either " + " or ".join(f"({describe_condition(c)})" for c in entry.conditions)
            )
        elif isinstance(entry, Not):
            out.append(f"not ({describe_condition(entry.condition)})")
        else:
            name = entry.path.replace("_", " ")
            out.extend(_describe_test(name, t) for t in entry.tests)
    return " and ".join(out)
