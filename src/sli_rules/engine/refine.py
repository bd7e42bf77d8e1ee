"""Findings over imprecise event dates: run the exact engine on chosen refinements, merge.

An event dated `2014-10` happened on one unknown day of October 2014. A *refinement* picks
that day for every imprecise event; the engine (engine/session.py) evaluates exact days
only, so this module evaluates it over a set of refinements and merges what they find:

- a finding is identified by its kind, agreement, rule, party, triggering events, step,
  actor and concern (and, when no event triggers it, its due day, e.g. a financial
  year's), numbered in order when a refinement has several with one identity;
- a finding with one status in every refinement keeps it; one whose status differs, or
  that some refinements do not have, is `undetermined` with `possible` listing every
  status seen;
- a date that differs is kept as (earliest, latest) in `Finding.ranges`.

Which refinements: the findings are piecewise constant in each event's day, changing
only where the day crosses another date (a due date, a window's opening, a period's
bounds, as-of, another event's day). Each imprecise event starts with the two ends of its
span (the first day being no earlier than its `start`, when it has one); every such date
seen in the findings of the event's parties (of every party, for a body's event that
names no council, such as an agreement's revocation), or given by an exact event of its
parties or of a body, that falls inside the span adds the day before, the day itself and
the day after (a comparison with it can change only there, and both ends of each stretch
between such dates bound a date a finding copies from the event's day); a date a finding
takes from the event at a fixed distance is translated back to the event's days where it
would cross one of them (`_shifted`); this repeats until no new day comes (at most ROUNDS
times). Events are grouped by the parties they name: the events of one group
are combined in every way (all corners of their candidate days) and the groups, assumed
independent, are run side by side, so the number of engine runs is that of the largest
group's combinations. A group with more than MAX_RUNS combinations is reduced to the ends
of each span, then to varying one event at a time with the others at their first or
last day. The limits are documented in docs/findings.md.

With no imprecise event, `evaluate_refined` is one engine run, nothing else.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import itertools
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from sli_rules.model.dates import parse_date
from sli_rules.model.values import DATE_FIELDS, Event, Finding
from sli_rules.model.vocabulary import Status

__all__ = ["MAX_RUNS", "ROUNDS", "evaluate_refined", "merge_findings", "spans_of"]

Date = _dt.date
Run = Callable[[Sequence[Event]], list[Finding]]

MAX_RUNS = 64
"""The most combinations of candidate days run for one group of related events."""
ROUNDS = 4
"""The most rounds of adding candidate days from the dates the findings show."""

CERTAIN_ON_EVERY_DAY = (
    " (This holds whichever day its imprecisely dated events happened on; the days named"
    " here are one possible choice of those days.)"
)
"""Added to a certain finding whose refinements explain it in other words: its text is
the first refinement's, and the days it names are that refinement's choice."""

_GSS = re.compile(r"[EWSN][0-9]{8}", re.ASCII)
_DAY = _dt.timedelta(days=1)


def spans_of(e: Event) -> tuple[Date, Date]:
    """The days an event may have happened on: its span, from no earlier than its `start`
    (the first on-site day of a multi-day review, which is exact)."""
    if e.span is None:
        return e.date, e.date
    lo, hi = e.span.earliest, e.span.latest
    start = e.attrs.get("start")
    if isinstance(start, str):
        try:
            first = parse_date(start)
        except ValueError:
            first = lo
        if lo < first <= hi:
            lo = first
    return lo, hi


def evaluate_refined(events: Sequence[Event], as_of: Date, run: Run) -> list[Finding]:
    """The merged findings over the refinements of `events` chosen as above; `run`
    evaluates one exact stream as of `as_of` (a fresh session each time)."""
    if all(e.span is None for e in events):
        return run(events)
    # in a canonical order, so that the runs, and so the merged lists and explanations,
    # do not depend on the order the events came in
    imprecise = sorted((e for e in events if e.span is not None), key=lambda e: e.id)
    exact = sorted((e for e in events if e.span is None), key=lambda e: (e.date, e.id))
    councils = {e.council for e in events}
    mentions = [_mentions(e, councils) for e in imprecise]
    candidates: dict[str, set[Date]] = {e.id: set(spans_of(e)) for e in imprecise}
    # the dates each imprecise event's day may cross: as-of, and the days (and date
    # attributes, e.g. a coverage declaration's from and to) of the exact events that
    # concern one of its parties or are a body's (membership, concerns, coverage)
    thresholds: list[set[Date]] = []
    for m in mentions:
        days = {as_of}
        for x in exact:
            if not _GSS.fullmatch(x.council) or _mentions(x, councils) & m:
                days.add(x.date)
                days.update(_attr_dates(x))
        for other, om in zip(imprecise, mentions, strict=True):
            if om & m:  # the span ends of related imprecise events (itself included)
                days.update(spans_of(other))
        thresholds.append(days)
    # each run's findings are merged as the run ends (none is kept whole), and each
    # assignment is run once
    done: set[tuple[Date, ...]] = set()
    merged = _Merger()
    groups = _groups(imprecise, mentions)
    shifted: list[set[Date]] = [set() for _ in imprecise]
    seen_in = _Seen(imprecise)
    # each imprecise event on each day, made once: most runs put most events on a day
    # an earlier run gave them
    placed: dict[tuple[int, Date], Event] = {}
    for _ in range(ROUNDS):
        _add_thresholds(imprecise, candidates, thresholds)
        for assignment in _assignments(imprecise, groups, candidates):
            if assignment in done:
                continue
            refined = []
            for k, (e, d) in enumerate(zip(imprecise, assignment, strict=True)):
                one = placed.get((k, d))
                if one is None:
                    one = placed[(k, d)] = attrs.evolve(e, date=d, span=None)
                refined.append(one)
            done.add(assignment)
            findings = run([*exact, *refined])
            seen_in.add(assignment, findings)
            merged.add(findings)
            del findings
        grown = False
        for i, (e, m, days) in enumerate(zip(imprecise, mentions, thresholds, strict=True)):
            # a body's event that names no council (a revocation, an agreement's end)
            # can move any party's findings: every finding's dates are its thresholds
            everyone = not any(_GSS.fullmatch(p) for p in m)
            seen = seen_in.dates(e, m, everyone)
            # days in the event's own terms, never shifted again
            moved = _shifted(e, seen_in.offsets[i], (days | seen) - shifted[i])
            shifted[i] |= moved
            seen |= moved
            if not seen <= days:
                days.update(seen)
                grown = True
        if not grown:
            break
    return merged.findings()


class _Seen:
    """The dates the findings of the runs made so far show, indexed as each run is made:
    by the party they concern (party, about, actor), by the event that triggered or
    fulfilled them, and, per imprecise event, the distances between the day the run gave
    that event and the dates of the findings it triggered or fulfilled."""

    def __init__(self, imprecise: Sequence[Event]) -> None:
        self.position = {e.id: i for i, e in enumerate(imprecise)}
        self.every: set[Date] = set()
        self.by_party: dict[str, set[Date]] = {}
        self.by_event: dict[str, set[Date]] = {}
        self.offsets: list[set[_dt.timedelta]] = [set() for _ in imprecise]
        # the findings already indexed (the runs share many, as one object: see
        # engine/memo.py), by identity, while they live (a weak reference, dropped with
        # the finding, so that a reused identity is never taken for it): only their
        # distances from the day of an imprecise event are measured again
        self._indexed: dict[
            int, tuple[weakref.ref[Finding], tuple[Date, ...], tuple[int, ...]]
        ] = {}

    def _forget(self, key: int, ref: weakref.ref[Finding]) -> None:
        known = self._indexed.get(key)
        if known is not None and known[0] is ref:
            del self._indexed[key]

    def add(self, assignment: tuple[Date, ...], findings: Iterable[Finding]) -> None:
        for f in findings:
            known = self._indexed.get(id(f))
            if known is not None and known[0]() is f:
                _f, ds, positions = known
                for k in positions:
                    self.offsets[k].update(d - assignment[k] for d in ds)
                continue
            ds = tuple(_dates(f))
            found: list[int] = []
            ref = weakref.ref(f, functools.partial(self._forget, id(f)))
            self._indexed[id(f)] = (ref, ds, ())
            if not ds:
                continue
            self.every.update(ds)
            for p in (f.party, f.about, f.actor):
                if p is not None:
                    self.by_party.setdefault(p, set()).update(ds)
            for eid in {*f.triggered_by, *f.fulfilled_by}:
                self.by_event.setdefault(eid, set()).update(ds)
                i = self.position.get(eid)
                if i is not None:
                    found.append(i)
                    self.offsets[i].update(d - assignment[i] for d in ds)
            self._indexed[id(f)] = (ref, ds, tuple(found))

    def dates(self, e: Event, mentions: set[str], everyone: bool) -> set[Date]:
        """The dates of the findings `e` triggered or fulfilled, or that concern one of
        the parties it mentions (every finding's, for `everyone`)."""
        if everyone:
            return set(self.every)
        out = set(self.by_event.get(e.id, ()))
        for p in mentions:
            out |= self.by_party.get(p, set())
        return out


def _shifted(e: Event, offsets: Iterable[_dt.timedelta], days: set[Date]) -> set[Date]:
    """The event's days at which a date its findings take from it (a step opening 47 days
    after a concern is raised) would cross one of `days`: the finding may appear, vanish or
    change there, and its date range must reach the last day before. The offsets are
    measured in the runs already made, so month arithmetic is approximated by the day
    either side."""
    lo, hi = spans_of(e)
    ordered = sorted(days)
    out: set[Date] = set()
    for off in offsets:
        # only the days t with t - off within a day of the span can give a day in it
        first = bisect.bisect_left(ordered, lo - _DAY + off)
        last = bisect.bisect_right(ordered, hi + _DAY + off)
        for t in ordered[first:last]:
            d = t - off
            for day in (d - _DAY, d, d + _DAY):
                if lo <= day <= hi:
                    out.add(day)
    return out


def _attr_dates(e: Event) -> Iterable[Date]:
    for v in e.attrs.values():
        if isinstance(v, str) and len(v) == 10:
            try:
                yield parse_date(v)
            except ValueError:
                continue


def _dates(f: Finding) -> Iterable[Date]:
    for name in DATE_FIELDS:
        day = getattr(f, name)
        if day is not None:
            yield day


def _add_thresholds(
    imprecise: Sequence[Event], candidates: dict[str, set[Date]], thresholds: list[set[Date]]
) -> None:
    for e, days in zip(imprecise, thresholds, strict=True):
        lo, hi = spans_of(e)
        for t in days:
            # a comparison with t ("on or before", "before") can change only between
            # t - 1 and t or between t and t + 1; the pieces it makes are sampled at both
            # ends, since a date a finding takes from the event's day (a joiner's first
            # period opening on the day it joins) runs from one end to the other
            for d in (t - _DAY, t, t + _DAY):
                if lo <= d <= hi:
                    candidates[e.id].add(d)


def _mentions(e: Event, councils: set[str]) -> set[str]:
    """The parties an event concerns: its council and the parties its attributes name;
    for a body's event that names a council (a concern about it), those councils only,
    so that one body's events about different councils do not join one group."""
    out: set[str] = set()
    stack: list[Any] = [e.attrs]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _GSS.fullmatch(v) or v in councils:
                out.add(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif hasattr(v, "values"):
            stack.extend(v.values())
    if _GSS.fullmatch(e.council) or not any(_GSS.fullmatch(p) for p in out):
        out.add(e.council)
    return out


def _groups(imprecise: Sequence[Event], mentions: Sequence[set[str]]) -> list[list[int]]:
    """Indices of the imprecise events, grouped: two events are in one group when they
    name a party in common (their council or a party in their attributes)."""
    parent = list(range(len(imprecise)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, m in enumerate(mentions):
        for party in sorted(m):
            j = owner.setdefault(party, i)
            parent[find(i)] = find(j)
    out: dict[int, list[int]] = {}
    for i in range(len(imprecise)):
        out.setdefault(find(i), []).append(i)
    return list(out.values())


def _combinations(days: list[list[Date]]) -> list[tuple[Date, ...]]:
    """Candidate days of a group's events, combined: every combination when there are
    at most MAX_RUNS, else every combination of the spans' ends, else one event varied
    at a time with the others at their first, then at their last day."""
    total = 1
    for d in days:
        total *= len(d)
    if total <= MAX_RUNS:
        return list(itertools.product(*days))
    ends = [sorted({d[0], d[-1]}) for d in days]
    if 2 ** len(days) <= MAX_RUNS:
        out = list(itertools.product(*ends))
    else:
        out = [tuple(d[0] for d in days), tuple(d[-1] for d in days)]
    for base in (tuple(d[0] for d in days), tuple(d[-1] for d in days)):
        for i, ds in enumerate(days):
            for day in ds:
                out.append((*base[:i], day, *base[i + 1 :]))
    return list(dict.fromkeys(out))


def _assignments(
    imprecise: Sequence[Event], groups: list[list[int]], candidates: dict[str, set[Date]]
) -> list[tuple[Date, ...]]:
    """One day per imprecise event for each run: the groups' combinations side by side
    (a group with fewer combinations than the largest starts again from its first)."""
    per_group = [_combinations([sorted(candidates[imprecise[i].id]) for i in g]) for g in groups]
    runs = max(len(c) for c in per_group)
    out = []
    for r in range(runs):
        assignment: list[Date | None] = [None] * len(imprecise)
        for g, combos in zip(groups, per_group, strict=True):
            for i, day in zip(g, combos[r % len(combos)], strict=True):
                assignment[i] = day
        out.append(tuple(d for d in assignment if d is not None))
    return out


def identity(f: Finding) -> tuple[Any, ...]:
    """What makes two refinements' findings the same finding (before numbering)."""
    return (
        f.kind,
        f.agreement,
        f.rule,
        f.party,
        f.triggered_by,
        f.step,
        f.actor,
        f.about,
        # a finding no event triggers is one period's (or a fixed date's): its due day
        # tells it from the others, and stays put when a membership change that is not
        # exactly dated moves the day its window opens
        None if f.triggered_by else f.due,
    )


def _numbered(findings: Iterable[Finding]) -> dict[tuple[Any, ...], Finding]:
    out: dict[tuple[Any, ...], Finding] = {}
    count: dict[tuple[Any, ...], int] = {}
    for f in sorted(findings, key=Finding.sort_key):
        key = identity(f)
        n = count.get(key, 0)
        count[key] = n + 1
        out[(*key, n)] = f
    return out


def merge_findings(runs: Iterable[list[Finding]]) -> list[Finding]:
    """One finding per identity over the refinements' findings (see the module's text)."""
    merger = _Merger()
    for fs in runs:
        merger.add(fs)
    return merger.findings()


class _Merger:
    """The refinements' findings merged run by run: for each identity (numbered), only
    what its merged finding reads of its versions is kept, so that no run's findings are
    held once it has been added."""

    def __init__(self) -> None:
        self.runs = 0
        self._versions: dict[tuple[Any, ...], _Versions] = {}

    def add(self, findings: Iterable[Finding]) -> None:
        self.runs += 1
        versions = self._versions
        for key, f in _numbered(findings).items():
            known = versions.get(key)
            if known is None:
                versions[key] = _Versions(f)
            else:
                known.add(f)

    def findings(self) -> list[Finding]:
        merged = [v.merged(everywhere=v.count == self.runs) for v in self._versions.values()]
        merged.sort(key=Finding.sort_key)
        return merged


class _Versions:
    """What the versions of one finding, in the refinements so far, say together: the
    first of them, and what `merged` reads of them all."""

    __slots__ = (
        "by_status",
        "count",
        "dates",
        "first",
        "fulfilled_by",
        "interpretations",
        "last",
        "same",
        "sources",
        "texts",
        "triggered_by",
        "versions",
    )

    def __init__(self, f: Finding) -> None:
        self.first = self.last = f
        self.count = 1
        self.same = True  # every version equal to the first
        self.texts = False  # some version explained in other words (naming other days)
        self.by_status: dict[str, str] = {f.status: f.explanation}  # the first of each
        self.versions = {f.version}
        self.dates: dict[str, tuple[Date, Date]] = {}
        for name in DATE_FIELDS:
            day = getattr(f, name)
            if day is not None:
                self.dates[name] = (day, day)
        self.triggered_by = dict.fromkeys(f.triggered_by)
        self.fulfilled_by = dict.fromkeys(f.fulfilled_by)
        self.interpretations = dict.fromkeys(f.interpretations)
        self.sources = dict.fromkeys(f.sources)

    def add(self, f: Finding) -> None:
        self.count += 1
        if f is self.first or f is self.last:
            return  # the runs share most findings, as one object: nothing new
        self.last = f
        first = self.first
        if self.same and f != first:
            self.same = False
        if not self.texts and f.explanation != first.explanation:
            self.texts = True
        self.by_status.setdefault(f.status, f.explanation)
        self.versions.add(f.version)
        for name in DATE_FIELDS:
            day = getattr(f, name)
            if day is not None:
                lo, hi = self.dates.get(name, (day, day))
                self.dates[name] = (min(lo, day), max(hi, day))
        for have, more in (
            (self.triggered_by, f.triggered_by),
            (self.fulfilled_by, f.fulfilled_by),
            (self.interpretations, f.interpretations),
            (self.sources, f.sources),
        ):
            for v in more:
                have.setdefault(v)

    def merged(self, *, everywhere: bool) -> Finding:
        first = self.first
        statuses = sorted(self.by_status)
        certain = everywhere and len(statuses) == 1
        if certain and self.same:
            return first
        # the version of the rules that governed it, unless refinements disagree (a
        # trigger whose unknown day straddles the start of a new version)
        version = first.version if len(self.versions) == 1 else None
        ranges = tuple(
            (name, *self.dates[name])
            for name in DATE_FIELDS
            if name in self.dates and self.dates[name][0] != self.dates[name][1]
        )
        lows = {name: self.dates[name][0] if name in self.dates else None for name in DATE_FIELDS}
        common: dict[str, Any] = {
            "triggered_by": tuple(self.triggered_by),
            "fulfilled_by": tuple(self.fulfilled_by),
            "interpretations": tuple(self.interpretations),
            "sources": tuple(self.sources),
            "version": version,
            "ranges": ranges,
            "opens": lows["opens"],
            "due": lows["due"],
            "remedied_on": lows["remedied_on"],
        }
        if certain:
            # explained as in the first refinement; when the refinements word it
            # differently, its text names the days of that one, which the record does not
            # fix: say so
            if self.texts:
                common["explanation"] = first.explanation + CERTAIN_ON_EVERY_DAY
            return attrs.evolve(first, **common)
        if everywhere:
            lead = (
                f"Undetermined: it is {' or '.join(statuses)}, depending on the day on which "
                "events with imprecise dates happened."
            )
        else:
            lead = (
                f"Undetermined: it exists ({' or '.join(statuses)}) on some of the days on "
                "which events with imprecise dates could have happened, and not on others."
            )
        cases = (f"If {s}, for example: {x}" for s, x in sorted(self.by_status.items()))
        return attrs.evolve(
            first,
            status=Status.UNDETERMINED.value,
            possible=tuple(statuses),
            explanation=" ".join([lead, *cases]),
            **common,
        )
