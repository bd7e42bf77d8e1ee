"""What a traced session looked for to meet a duty it did not find met, and why each
event it offered that duty did not count (`trace.Looked`).

Run only in a traced session (`Session(trace=True)`), once for each obligation finding
whose duty is not (or not yet) met, as the finding is derived: the session offers the
duty every event of the rule's fulfilling types it was fed (including events of other
councils and with other `match` values, which plain evaluation never offers it, and
events dated after its clock, which it has not applied) and notes the engine's reasons,
in the order the engine tests them when it fulfils a duty: who the event is by, the
trigger's `match` values, the rule's `fulfil.where`, then the first date that rules the
event out. An event with no reason here is settled once every finding is derived
(`Trace.looked_for`): counted for another duty, or turned away from the party's
periods. The tests run when the record is first read: what they read (the events
offered, the trigger, the parts counted, the party, the clock) is kept as the finding
is derived.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from sli_rules.engine.predicates import Env, resolve
from sli_rules.engine.trace import Looked, Miss, Why
from sli_rules.model.values import Effective, Event, EventSpec, Finding, Party
from sli_rules.model.vocabulary import STATUSES, Status

__all__ = ["look", "looks"]

Date = _dt.date
MET = frozenset(s.value for s, w in STATUSES.items() if w.met)
PENDING = frozenset((Status.OPEN.value, Status.UPCOMING.value))
SETTLED = frozenset((Status.UNDETERMINED.value, Status.WAIVED.value, Status.DISCHARGED.value))


def looks(f: Finding) -> bool:
    """Whether the duty of an obligation finding is one not (or not yet) met, for which
    the engine notes what it looked for."""
    if f.status in SETTLED:
        return False
    return not (f.fulfilled_by and f.status in MET)


def _first(e: Event | None, path: str) -> Any:
    if e is None:
        return None
    found = resolve(e, path)
    return found[0] if found else None


def look(
    looked: Looked,
    f: Finding,
    spec: EventSpec,
    *,
    trigger: Event | None,
    start: Date | None,
    owners: Set[str],
    party: Party,
    where: Callable[[Event, Env], bool],
    offered: Iterable[Event],
    clock: Date,
    effective: Effective,
    tally: bool,
    window: bool,
    ignores_early: bool,
    parts: Mapping[str, Any] | None = None,
) -> None:
    """Fill in `looked`, what the engine looked for to meet the duty of `f`: the
    trigger, the first day, the parties whose events count, and each event of `offered`
    (the fed events of the rule's fulfilling types, in date order) that did not count for
    it, and why."""
    looked.trigger, looked.start, looked.owners = trigger, start, tuple(sorted(owners))
    part_of: dict[str, list[str]] = {}
    for pid, hit in (parts or {}).items():
        part_of.setdefault(hit[1], []).append(pid)
    for e in offered:
        if e.id in f.fulfilled_by:
            continue
        by = [v for v in resolve(e, spec.by) if isinstance(v, str)]
        why: list[Why] = []
        theirs = bool(owners & set(by))
        if not theirs:
            why.append(Why("by", (tuple(by), tuple(sorted(owners)))))
        mismatched = 0
        for a, b in spec.match:
            has, wanted = _first(e, a), _first(trigger, b)
            if trigger is not None and has != wanted:
                mismatched += 1
                why.append(Why("match", (a, has, wanted)))
        if not theirs and (mismatched or not spec.match):
            continue  # someone else's event about something else: not offered
        if spec.where and not where(e, Env(event=e, trigger=trigger, party=party)):
            why.append(Why("where"))
        when = _date_reason(f, e, trigger, clock, effective, tally, window, ignores_early)
        if when is not None:
            why.append(when)
        if not why and spec.by_each:
            mine = part_of.get(e.id)
            if mine:
                looked.parts.append((e, tuple(sorted(mine))))
                continue
        looked.misses.append(Miss(e, theirs, mismatched, tuple(why)))


def _date_reason(
    f: Finding,
    e: Event,
    trigger: Event | None,
    clock: Date,
    effective: Effective,
    tally: bool,
    window: bool,
    ignores_early: bool,
) -> Why | None:
    """The first date that keeps `e` from counting for the duty of `f`, if one does."""
    if e.date > clock:
        return Why("as_of", (clock,))
    if e.date < effective.start:
        return Why("before_effect", (effective.start,))
    if effective.end is not None and e.date > effective.end:
        return Why("after_effect", (effective.end,))
    if trigger is not None and e.date < trigger.date:
        return Why("before_trigger", (trigger.date,))
    if tally:
        if f.opens and f.due and not f.opens <= e.date <= f.due:
            return Why("outside", (f.opens, f.due))
        return None
    if f.opens is not None and e.date < f.opens:
        if window:
            return Why("early", (f.opens,)) if ignores_early else None
        return Why("before_opened", (f.opens,))
    if f.due is not None and e.date > f.due and f.status not in PENDING:
        return Why("after_due", (f.due,))
    return None
