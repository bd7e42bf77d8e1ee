"""What the engine works out from the rulesets and the registry alone, worked out once.

A session's state changes with every event; much of what the engine asks while it runs
does not: which registry councils a council pattern takes in, what a rule's `applies`
condition says of a party, which periods a recurring duty has between two days. These are
pure functions of immutable values (a compiled ruleset, a party, a few dates), and the
imprecise-date layer (engine/refine.py) starts hundreds of sessions over one plan, each
asking them again. Their answers are kept here, beside the compiled ruleset they belong to
(never in the session's state, so snapshots are unchanged), and shared by every session
of the plan. Each table is bounded, so that a long-running pipeline stays small.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as _dt
import functools
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sli_rules.engine.plan import CompiledRuleset, Hook, Plan, party_view
from sli_rules.engine.predicates import Env, Pred
from sli_rules.model.dates import Period, PeriodSpec
from sli_rules.model.values import Event, FixedDateRule, Party, Rule, Succession

__all__ = ["RulesetMemo", "event_key", "for_plan", "for_ruleset", "frozen", "periods", "sharing"]

Date = _dt.date

LIMIT = 65_536
"""The most answers one table keeps; past it the table starts again (answers are cheap to
recompute, and this keeps a session fed for years from growing without bound)."""


class RulesetMemo:
    """The answers kept for one compiled ruleset."""

    def __init__(self, cr: CompiledRuleset, members: Callable[[CompiledRuleset], Any]) -> None:
        found: tuple[dict[str, Party], tuple[Succession, ...]] = members(cr)
        # shared by every session of the plan: read, never written
        self.members: dict[str, Party] = found[0]
        self.successions: tuple[Succession, ...] = (*cr.ruleset.successions, *found[1])
        self._succession_order = sorted((s.date, i) for i, s in enumerate(self.successions))
        self._succession_days = [d for d, _i in self._succession_order]
        self._successions_by: dict[int, tuple[int, ...]] = {}
        # (rule id, id of the party) -> (the party, kept alive so that its id is not
        # reused while the answer is kept; the answer)
        self._applies: dict[tuple[str, int], tuple[Party, bool]] = {}
        self._fixed: dict[tuple[str, Date | None], tuple[Date, Date, tuple[str, ...]]] = {}
        self._councils: dict[tuple[Any, ...], tuple[tuple[str, Party | None], ...]] = {}
        # derived findings, by everything their derivation reads (see `derived`): kept
        # only while `sharing` says so (a refinement's runs), since a streaming pipeline
        # rarely derives the same findings twice and must stay small
        self._cr = weakref.ref(cr)
        self._derived: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._numbers: dict[tuple[Any, ...], int] = {}

    def successions_by(self, day: Date) -> tuple[int, ...]:
        """The positions in `successions` of those dated on or before `day`, in order."""
        k = bisect.bisect_right(self._succession_days, day)
        found = self._successions_by.get(k)  # one answer per number of them due
        if found is None:
            found = self._successions_by[k] = tuple(
                sorted(i for _d, i in self._succession_order[:k])
            )
        return found

    @property
    def sharing(self) -> bool:
        """Whether derived findings are kept (inside `sharing`)."""
        cr = self._cr()
        return cr is not None and cr in _SHARING

    def applies(self, rule_id: str, pred: Pred, party: Party) -> bool:
        """What the rule's `applies` condition says of `party` (a condition over the
        party alone: its attributes and the party reference)."""
        key = (rule_id, id(party))
        hit = self._applies.get(key)
        if hit is not None and hit[0] is party:
            return hit[1]
        ok = pred(party_view(party), Env(party=party))
        if len(self._applies) >= LIMIT:
            self._applies.clear()
        self._applies[key] = (party, ok)
        return ok

    def councils(
        self,
        cr: CompiledRuleset,
        rule: Rule,
        joined: tuple[str, ...],
        applies: Callable[[CompiledRuleset, Rule, Party], bool],
    ) -> tuple[tuple[str, Party | None], ...]:
        """The councils among `joined` (in its order) that the ruleset lists or its pattern
        matches and that `rule` applies to, each with its party; and, with None, those it
        does neither for, which joined by an event (the caller reads them)."""
        key = (rule.id, joined)
        found = self._councils.get(key)
        if found is None:
            out: list[tuple[str, Party | None]] = []
            for pid in joined:
                p = cr.parties.get(pid) or self.members.get(pid)
                if p is None:
                    out.append((pid, None))
                elif p.kind == "council" and applies(cr, rule, p):
                    out.append((pid, p))
            if len(self._councils) >= LIMIT:
                self._councils.clear()
            found = self._councils[key] = tuple(out)
        return found

    def matched(self, e: Event, match: Callable[[Event], Sequence[Hook]]) -> Sequence[Hook]:
        """The hooks `match` finds for `e` (their static conditions read the event
        alone), kept while sharing."""
        alive: list[Any] = []
        key = ("match", event_key(e, alive))
        found = self._derived.get(key)
        if found is None:
            if len(self._derived) >= LIMIT:
                self._derived.clear()
                self._numbers.clear()
            found = self._derived[key] = (tuple(match(e)), alive)
        hooks: Sequence[Hook] = found[0]
        return hooks

    def fixed_terms(
        self,
        cr: CompiledRuleset,
        rule: FixedDateRule,
        joined: Date | None,
        make: Callable[[CompiledRuleset, FixedDateRule, Date | None], Any],
    ) -> tuple[Date, Date, tuple[str, ...]]:
        """A fixed-date duty's opening and due dates and interpretations, for a party
        that joined on `joined`, as `make` gives them (they depend on nothing else)."""
        key = (rule.id, joined)
        found = self._fixed.get(key)
        if found is None:
            if len(self._fixed) >= LIMIT:
                self._fixed.clear()
            found = self._fixed[key] = make(cr, rule, joined)
        return found

    def derived(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """What was kept under `key` by `keep`, if anything (nothing when a part of the
        key cannot be hashed: its derivation is then never kept)."""
        try:
            return self._derived.get(key)
        except TypeError:
            return None

    def keep(self, key: tuple[Any, ...], value: tuple[Any, ...]) -> None:
        """Keep `value` (findings, and what else the caller needs to replay their
        derivation) under `key`, which must name everything the derivation read."""
        if len(self._derived) >= LIMIT:
            self._derived.clear()
            self._numbers.clear()
        with contextlib.suppress(TypeError):  # a key that cannot be hashed: not kept
            self._derived[key] = value

    def number(self, value: tuple[Any, ...]) -> int:
        """A small number standing for `value` (equal values, one number) while the kept
        findings are: a short part of many keys, hashed once per derivation."""
        return self._numbers.setdefault(value, len(self._numbers))


def event_key(e: Event | None, alive: list[Any]) -> tuple[Any, ...] | None:
    """An event as a key (see `frozen`)."""
    if e is None:
        return None
    alive.append(e.attrs)
    return (e.id, e.type, e.date, e.council, e.span, id(e.attrs))


def frozen(value: Any, alive: list[Any]) -> Any:
    """`value` as a hashable key of what it holds: a hashable value as itself (compared by
    value), lists and mappings as tuples, in their order; an event (whose attributes are
    a mapping) by its fields and its attributes' identity (they are read-only, and
    refining an event's day keeps them), which is appended to `alive` so that the caller
    can keep them for as long as the key is kept (an identity is never reused by another
    object while the first one lives)."""
    try:
        hash(value)
    except TypeError:
        pass
    else:
        return value
    if isinstance(value, Event):
        return ("event", event_key(value, alive))
    if isinstance(value, Mapping):
        return ("map", *((frozen(k, alive), frozen(v, alive)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(frozen(v, alive) for v in value))
    raise TypeError(f"cannot key a derivation by a {type(value).__name__}")


_RULESETS: weakref.WeakKeyDictionary[CompiledRuleset, RulesetMemo] = weakref.WeakKeyDictionary()
_SHARING: weakref.WeakKeyDictionary[CompiledRuleset, int] = weakref.WeakKeyDictionary()
_PLANS: weakref.WeakKeyDictionary[Plan, frozenset[Hook]] = weakref.WeakKeyDictionary()


def for_ruleset(cr: CompiledRuleset, members: Callable[[CompiledRuleset], Any]) -> RulesetMemo:
    """The answers kept for `cr`, made on first use (`members` gives a council pattern's
    registry members and successions)."""
    memo = _RULESETS.get(cr)
    if memo is None:
        memo = _RULESETS[cr] = RulesetMemo(cr, members)
    return memo


@contextlib.contextmanager
def sharing(plan: Plan) -> Iterator[None]:
    """While inside, the sessions of `plan` keep the findings they derive for each other
    (`RulesetMemo.keep`): for evaluating many refinements of one stream, whose duties are
    mostly the same. They are let go on leaving."""
    for cr in plan.rulesets:
        _SHARING[cr] = _SHARING.get(cr, 0) + 1
    try:
        yield
    finally:
        for cr in plan.rulesets:
            _SHARING[cr] -= 1
            if not _SHARING[cr]:
                del _SHARING[cr]
                memo = _RULESETS.get(cr)
                if memo is not None:
                    memo._derived.clear()
                    memo._numbers.clear()


def for_plan(plan: Plan, make: Callable[[Plan], frozenset[Hook]]) -> frozenset[Hook]:
    """The plan's hooks that act only for the event's own council, made on first use."""
    found = _PLANS.get(plan)
    if found is None:
        found = _PLANS[plan] = make(plan)
    return found


@functools.lru_cache(maxsize=256)  # small: a streaming session asks with a new day each time
def periods(spec: PeriodSpec, first: Date, last: Date, anchor: Date) -> tuple[Period, ...]:
    """Every period of `spec` that overlaps [first, last] (as `PeriodSpec.periods`): the
    month arithmetic is the costliest part of deriving recurring duties, and the same
    (rule, membership, day) asks for the same periods in every session."""
    return tuple(spec.periods(first, last, anchor))
