"""Conditions: parsed once into a typed tree (model/conditions.py), compiled from the tree
(engine/predicates.py). Properties over generated conditions and events hold the tree to
the mapping it was written as, and its predicates and wording to an independent reading
of the same mapping (tests/condition_oracle.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import condition_oracle as oracle
from sli_rules import ConstraintRule, EventSpec
from sli_rules.engine import predicates
from sli_rules.engine.predicates import Env, compile_condition
from sli_rules.model.conditions import (
    AllOf,
    AnyOf,
    Attribute,
    Condition,
    Not,
    Quantity,
    Ref,
    Test,
    Value,
    as_condition,
    describe_condition,
    parse_condition,
)
from sli_rules.model.fingerprint import canonical
from sli_rules.model.values import Event, Party
from strategies import ruleset_from_yaml

# the generated conditions nest strategies deeply; their repr is long but harmless
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# ------------------------------------------------------------------ generators

WORDS = ["a", "b", "c"]
SCALARS = st.one_of(st.sampled_from(WORDS), st.integers(-2, 5), st.booleans(), st.none())
PATHS = ["kind", "n", "flag", "tags", "team", "team.council", "team.n", "gone"]
INNER_PATHS = ["council", "n", "core", "gone"]
REFS = ["event.kind", "event.n", "event.tags", "trigger.kind", "trigger.n", "party", "party.kind"]
COMPARE = ["at_least", "at_most", "more_than", "less_than"]


def operands(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.sampled_from(REFS).map(lambda r: {"ref": r}))


def numbers() -> st.SearchStrategy[Any]:
    return operands(st.integers(-1, 4))


@st.composite
def bounds(draw: st.DrawFn) -> dict[str, Any]:
    ops = draw(st.lists(st.sampled_from(COMPARE), min_size=1, max_size=2, unique=True))
    return {op: draw(numbers()) for op in ops}


def checks(conditions: st.SearchStrategy[dict[str, Any]]) -> Any:
    scalar = st.one_of(
        st.tuples(st.sampled_from(["equals", "not_equals", "contains"]), operands(SCALARS)),
        st.tuples(
            st.sampled_from(["in", "not_in"]),
            operands(st.lists(SCALARS, max_size=3)),
        ),
        st.tuples(st.sampled_from(COMPARE), numbers()),
        st.tuples(st.just("exists"), st.booleans()),
        st.tuples(st.sampled_from(["some", "none", "every"]), conditions),
        st.tuples(st.just("length"), bounds()),
        st.builds(lambda b, w: ("count", {**b, "where": w}), bounds(), conditions),
        st.builds(lambda b: ("count", b), bounds()),
        st.builds(
            lambda b, f, w: ("distinct", {"field": f, **b, **({"where": w} if w else {})}),
            bounds(),
            st.sampled_from(INNER_PATHS),
            st.one_of(st.none(), conditions),
        ),
    )
    return st.lists(scalar, min_size=1, max_size=3, unique_by=lambda t: t[0]).map(dict)


def condition_mappings(paths: list[str] = PATHS) -> Any:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        value = st.one_of(
            operands(SCALARS),
            st.lists(SCALARS, max_size=2),
            checks(inner),
        )
        entry = st.one_of(
            st.tuples(st.sampled_from(paths), value),
            st.tuples(st.sampled_from(["all", "any"]), st.lists(inner, max_size=2)),
            st.tuples(st.just("not"), inner),
        )
        return st.lists(entry, max_size=3, unique_by=lambda e: e[0]).map(dict)

    return st.recursive(st.just({}), extend, max_leaves=8)


def members() -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.fixed_dictionaries(
        {},
        optional={
            "council": st.sampled_from(WORDS),
            "n": st.integers(-1, 4),
            "core": st.booleans(),
        },
    )
    return st.lists(one, max_size=3)


@st.composite
def events(draw: st.DrawFn, name: str = "e1") -> Event:
    attrs_ = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "kind": SCALARS,
                "n": st.integers(-1, 4),
                "flag": st.booleans(),
                "tags": st.lists(st.sampled_from(WORDS), max_size=3),
                "team": members(),
            },
        )
    )
    return Event(name, "x.happened", dt.date(2020, 1, 1), draw(st.sampled_from(WORDS)), attrs_)


parties = st.builds(
    lambda pid, kind: Party(pid, kind, pid),
    st.sampled_from(WORDS),
    st.sampled_from(["council", "body"]),
)


# ------------------------------------------------------------------ properties


@given(condition_mappings())
def test_parse_then_to_mapping_gives_the_mapping_back(raw: dict[str, Any]) -> None:
    tree = parse_condition(raw)
    assert tree.to_mapping() == raw
    assert list(tree.to_mapping()) == list(raw)  # in the order written
    assert parse_condition(tree.to_mapping()) == tree
    assert repr(tree) == repr(raw)  # a rule's repr shows the mapping, as it always did
    assert canonical(tree) == canonical(raw)  # and the fingerprint hashes the mapping


@given(condition_mappings(), events("e1"), events("t1"), parties)
def test_the_tree_holds_when_the_mapping_does(
    raw: dict[str, Any], event: Event, trigger: Event, party: Party
) -> None:
    env = Env(event=event, trigger=trigger, party=party)
    expected = oracle.compile_condition(raw)(event, env)
    assert compile_condition(parse_condition(raw))(event, env) is expected


@given(condition_mappings())
def test_the_tree_is_worded_as_the_mapping_is(raw: dict[str, Any]) -> None:
    assert describe_condition(parse_condition(raw)) == oracle.describe_condition(raw)


@given(condition_mappings(), condition_mappings())
def test_trees_are_equal_when_their_mappings_are(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert (parse_condition(a) == parse_condition(b)) is (a == b)


@given(condition_mappings().filter(lambda m: len(m) > 1))
def test_key_order_does_not_make_a_different_condition(raw: dict[str, Any]) -> None:
    backwards = dict(reversed(list(raw.items())))
    assert parse_condition(backwards) == parse_condition(raw)


# ------------------------------------------------------------------ examples


def test_the_tree_of_a_written_condition() -> None:
    tree = parse_condition(
        {
            "kind": "childrens",
            "team": {
                "count": {"where": {"core": True}, "at_least": 4},
                "none": {"council": {"equals": {"ref": "event.council"}}},
            },
            "not": {"grade": {"in": ["good", "outstanding"]}},
        }
    )
    kind, team, negation = tree.entries
    assert kind == Attribute("kind", (Test("equals", Value("childrens")),), shorthand=True)
    assert isinstance(team, Attribute)
    assert [t.name for t in team.tests] == ["count", "none"]
    count = team.tests[0].argument
    assert isinstance(count, Quantity)
    assert count.where == parse_condition({"core": True})
    none = team.tests[1].argument
    assert isinstance(none, Condition)
    assert none.entries[0] == Attribute("council", (Test("equals", Ref("event.council")),))
    assert isinstance(negation, Not)
    assert describe_condition(tree) == (
        "kind is childrens and team has at least 4 entries with core is true and no team "
        "entry where council is the event's council and not (grade is one of good, outstanding)"
    )


def test_combinators_parse_into_their_nodes() -> None:
    tree = parse_condition({"any": [{"a": 1}, {"b": 2}], "all": []})
    assert isinstance(tree.entries[0], AnyOf)
    assert len(tree.entries[0].conditions) == 2
    assert tree.entries[1] == AllOf(())
    assert not parse_condition({})  # no entries: always holds, and is falsy like {}
    assert describe_condition(parse_condition({})) == "always"


def test_a_mapping_given_in_python_is_parsed_into_the_tree() -> None:
    spec = EventSpec(types=("x.happened",), where={"kind": "a"})
    assert isinstance(spec.where, Condition)
    assert spec.where.to_mapping() == {"kind": "a"}
    assert EventSpec(types=("x.happened",), where=spec.where) == spec
    assert as_condition(None) is None
    with pytest.raises(ValueError, match="mapping"):
        as_condition(["kind"])  # type: ignore[arg-type]


LOADED = """\
id: conditions-test
title: Conditions test
source: a test
version: "1"
effective: {start: 2020-01-01}
parties:
  councils: [E06000001]
rules:
  - id: review-team
    kind: constraint
    clause: "1"
    quote: "A review team has a lead."
    trigger: {type: peer_challenge.held}
    require:
      team:
        some: {role: lead}
"""


def test_the_loader_keeps_where_each_part_was_written() -> None:
    rs = ruleset_from_yaml(LOADED, "conditions.yaml")
    rule = rs.rules[0]
    assert isinstance(rule, ConstraintRule)
    assert rule.require.at is not None
    assert rule.require.at.line == 14  # require:
    team = rule.require.entries[0]
    assert isinstance(team, Attribute)
    assert team.at is not None
    assert team.at.line == 15  # team:
    (some,) = team.tests
    assert some.at is not None
    assert (some.at.file, some.at.line) == ("conditions.yaml", 16)  # some:
    # positions are not part of what the condition says
    assert rule.require == parse_condition({"team": {"some": {"role": "lead"}}})
    assert attrs.evolve(rule, require={"team": {"some": {"role": "lead"}}}) == rule


# The commonest condition, `name: literal` (equals or not_equals a literal, at a path of
# one name), is read straight from an event (predicates._equals_at); held here to the
# general reading (`resolve`, then the test) it stands in for, over every kind of value
# an event's attribute may hold, its built-in fields included.
FLAT_PATHS = ["kind", "n", "flag", "tags", "team", "gone", "council", "type", "id", "date"]
LITERALS = st.one_of(
    SCALARS,
    st.sampled_from([1.0, 0.0, "x.happened", "e1", dt.date(2020, 1, 1), "2020-01-01"]),
)


@settings(max_examples=200)
@given(
    path=st.sampled_from(FLAT_PATHS),
    shorthand=st.booleans(),
    event=events("e1"),
    data=st.data(),
)
def test_an_equality_read_straight_from_the_event_is_the_general_one(
    path: str, shorthand: bool, event: Event, data: st.DataObject
) -> None:
    held = event.get(path)
    own = (held if isinstance(held, list) else []) or [held]  # what the event holds there
    literal = data.draw(st.one_of(st.sampled_from(own), LITERALS))
    if isinstance(literal, list | dict):
        return  # not a literal of this kind (a list is a test's list, a mapping a test)
    # the event as drawn, and with the literal among a list of values at the path
    listed = {**event.attrs, path: [data.draw(SCALARS), literal]}
    subjects = [event]
    if path not in ("council", "type", "id", "date"):
        subjects.append(attrs.evolve(event, attrs=listed))
    for test in ("equals", "not_equals"):
        raw = {path: literal} if shorthand and test == "equals" else {path: {test: literal}}
        tree = parse_condition(raw)
        fast = compile_condition(tree)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(predicates, "_equals_at", lambda _path, _test, _slow: None)
            slow = compile_condition(tree)
        for subject in subjects:
            env = Env(event=subject)
            assert fast(subject, env) is slow(subject, env), (raw, subject)
        for element in [*event.get("team", []), {path: literal}, {}]:  # not events
            assert fast(element, env) is slow(element, env)
