"""The durable-rules engine: the plan's matching run on durable-rules' Rete network.

Each hook of the compiled plan (an event type and the static part of its condition)
becomes one durable rule. Every event is asserted as a fact (so that it fires every rule
it matches, not just one), the rules that fired name the hooks, and the fact is retracted.
The bookkeeping of duties, dates and findings is the reference engine's, shared, so both
engines must give identical reports; a differential test holds them to it.

Known faults of durable-rules 2.0.28 are handled rather than inherited (see
shared notes): no wall-clock timer threads are started, comparisons are wrapped in a
one-armed `$or`, a duplicate rejection of a fact id that is known to be new is retried
under a fresh id, and exceptions swallowed into the session state are raised.
"""

from __future__ import annotations

import itertools
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sli_rules.engine.plan import Hook, Plan
from sli_rules.engine.predicates import Env
from sli_rules.load.catalogue import Catalogue
from sli_rules.model.conditions import COMPARISONS, Attribute, Condition, Value
from sli_rules.model.values import Event

__all__ = ["DurableMatcher", "unavailable_reason"]

_OPS = {"at_least": "$gte", "at_most": "$lte", "more_than": "$gt", "less_than": "$lt"}
_MAX_RETRIES = 8


def unavailable_reason() -> str | None:
    """Why the durable engine cannot run here, or None when it can."""
    if sys.version_info >= (3, 13):
        return (
            "the durable engine needs durable-rules 2.0.28, which does not import on "
            f"Python {sys.version_info.major}.{sys.version_info.minor}; use Python 3.11 or 3.12 "
            "with `pip install 'sli-rules[durable]'`, or the reference engine"
        )
    try:
        import durable.engine  # noqa: F401
    except ImportError:
        return (
            "the durable engine needs the optional durable-rules package: "
            "`pip install 'sli-rules[durable]'` (it compiles a C extension, so gcc and the "
            "Python headers are needed), or use the reference engine"
        )
    return None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _sendable(value: Any) -> bool:
    """Whether durable-rules' own JSON parser reads the number back: it refuses floats in
    exponent form (1e+20, 1e-05), and holds integers in 64 bits."""
    if isinstance(value, float):
        return "e" not in repr(value) and "n" not in repr(value)  # nor nan, inf
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**63) <= value < 2**63
    return True


def _scalar_attributes(catalogue: Catalogue, type_name: str) -> frozenset[str]:
    """The attributes of an event type that hold one value (sent to durable-rules)."""
    et = catalogue.types.get(type_name)
    names = {"council"}
    if et is not None:
        names |= {n for n, a in et.attributes.items() if a.type not in ("list", "object")}
    return frozenset(names)


def _translate(
    cond: Condition | None, scalars: frozenset[str] | None = None
) -> tuple[dict[str, Any] | None, bool]:
    """A durable expression for the parts of a condition it can test, and whether that
    covers the whole condition (if not, the Python predicate is checked afterwards).

    Only attributes holding single values (`scalars`, from the catalogue) are sent to
    durable-rules, so only tests on those are translated; every translated term is a
    necessary condition, so the Python check of the rest keeps the results identical.
    """
    if not cond:
        return None, True
    terms: list[dict[str, Any]] = []
    complete = True
    for entry in cond.entries:
        if (
            not isinstance(entry, Attribute)
            or "." in entry.path
            or (scalars is not None and entry.path not in scalars)
        ):
            complete = False
            continue
        key = entry.path
        if entry.shorthand:  # `key: value`
            arg = entry.tests[0].argument
            value = arg.value if isinstance(arg, Value) else None
            if (
                isinstance(arg, Value)
                and _scalar(value)
                and not isinstance(value, bool)
                and _sendable(value)
            ):
                terms.append({key: value})
            else:
                # references, booleans and lists: list attributes are not sent to durable
                complete = False
            continue
        for test in entry.tests:
            arg = test.argument
            value = arg.value if isinstance(arg, Value) else None
            if (
                not isinstance(arg, Value)
                or isinstance(value, Mapping)
                or test.name not in ("equals", "in", *COMPARISONS)
            ):
                complete = False
            elif not _sendable(value):
                complete = False  # tested in Python after the match
            elif test.name == "equals" and _scalar(value):
                terms.append({key: value})
            elif (
                test.name == "in"
                and isinstance(value, list)
                and value  # an empty list matches nothing: left to the Python check
                and all(_scalar(a) and _sendable(a) for a in value)
            ):
                terms.append({"$or": [{key: a} for a in value]})
            elif test.name in COMPARISONS and isinstance(value, (int, float)):
                # one-armed $or: avoids durable-rules' out-of-bounds read on comparisons
                terms.append({"$or": [{_OPS[test.name]: {key: value}}]})
            else:
                complete = False
    if not terms:
        return None, complete
    return (terms[0] if len(terms) == 1 else {"$and": terms}), complete


class DurableMatcher:
    """Matches events to hooks on a durable-rules Rete network (one per evaluation)."""

    def __init__(self, plan: Plan) -> None:
        reason = unavailable_reason()
        if reason is not None:
            raise ImportError(reason)
        from durable import engine

        self._engine = engine
        self.plan = plan
        self._name = f"sli-{uuid.uuid4().hex}"  # unique: nothing is shared between runs
        self._hooks: list[Hook] = []
        self._residual: list[bool] = []
        self._fired: list[int] = []
        self._ids = itertools.count()
        catalogue = plan.catalogue
        definition: dict[str, Any] = {}
        for type_name, hooks in sorted(plan.dispatch.items()):
            for hook in hooks:
                index = len(self._hooks)
                self._hooks.append(hook)
                where = hook.spec.where if (hook.where is not None and hook.spec) else None
                expr, complete = _translate(where, _scalar_attributes(catalogue, type_name))
                self._residual.append(hook.where is not None and not complete)
                pattern: dict[str, Any] = {"t": type_name}
                if expr is not None:
                    pattern = {"$and": [pattern, expr]}
                definition[f"h{index}"] = {"all": [{"m": pattern}], "run": self._action(index)}
        self._host = _QuietHost()
        if definition:
            self._host.set_rulesets({self._name: definition})
        self._empty = not definition
        self._env = Env()

    def _action(self, index: int) -> Any:
        fired = self._fired

        def run(c: Any) -> None:  # durable-rules calls actions with one argument
            del c
            fired.append(index)

        return run

    def _message(self, event: Event, fact_id: str) -> dict[str, Any]:
        message: dict[str, Any] = {"id": fact_id, "sid": "0", "t": event.type}
        for key, value in event.attrs.items():
            if _scalar(value) and value is not None and key not in ("id", "sid", "t"):
                message[key] = value
        message["council"] = event.council
        return message

    def _assert(self, event: Event) -> dict[str, Any] | None:
        engine = self._engine
        for _attempt in range(_MAX_RETRIES):
            message = self._message(event, f"f{next(self._ids)}")
            try:
                self._host.assert_fact(self._name, message)
            except engine.MessageNotHandledException:
                return None  # matches no rule: not stored
            except engine.MessageObservedException:
                continue  # a 32-bit id hash collided with a stored fact: a fresh id
            return message
        raise RuntimeError(
            f"durable-rules rejected event {event.id!r} as a duplicate {_MAX_RETRIES} times"
        )

    def _check_state(self) -> None:
        state = self._host.get_state(self._name, "0")
        if isinstance(state, dict) and state.get("exception"):
            raise RuntimeError(f"durable-rules action failed: {state['exception']}")

    def match(self, event: Event) -> Sequence[Hook]:
        if self._empty or event.type not in self.plan.dispatch:
            return ()
        if not all(_sendable(v) for v in event.attrs.values()):
            # durable-rules cannot read this event's numbers: match every hook in Python
            self._env.event = event
            return [
                hook
                for hook in self.plan.dispatch[event.type]
                if hook.where is None or hook.where(event, self._env)
            ]
        self._fired.clear()
        message = self._assert(event)
        if message is not None:
            self._host.retract_fact(self._name, message)
        self._check_state()
        env = self._env
        env.event = event
        out = []
        for index in sorted(set(self._fired)):
            hook = self._hooks[index]
            if self._residual[index] and hook.where is not None and not hook.where(event, env):
                continue
            out.append(hook)
        return out


def _quiet_host_class() -> type:
    from durable import engine

    class QuietHost(engine.Host):  # type: ignore[misc]
        """A durable-rules host that starts no wall-clock timer threads."""

        def _run(self) -> None:
            return None

    return QuietHost


def _QuietHost() -> Any:  # noqa: N802 - reads as the class it makes
    return _quiet_host_class()()
