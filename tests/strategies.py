"""Hypothesis strategies for the engine's tests, gathered in one module.

`LAWS_YAML` is a small agreement that uses every kind of rule: deadlines (one of them
waived by an intervention, one with a date-effective parameter), a window with early
fulfilment, a fixed date, recurring duties per financial year and per quarter with
grace, a count over a span, constraints on a team and on attendance, a limit and an
entitlement; and an escalation ladder started both by a raised concern and by a breach.
The strategies draw event streams over it, valid per the event catalogue, with dates
over a few years and follow-on events placed around the month arithmetic of the
deadlines, so that deadlines are both met and missed, on and around their boundary days.
Parties leave (sometimes twice), are succeeded (by a listed and by an unlisted council),
councils join, and the agreement is sometimes revoked.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from sli_rules import (
    Event,
    Finding,
    Plan,
    Report,
    Ruleset,
    compile_rulesets,
    parse_ruleset,
    read_events,
)

__all__ = [
    "AGREEMENT",
    "BODY",
    "COUNCILS",
    "JOINER",
    "LAWS_PLAN",
    "LAWS_RULESET",
    "LAWS_YAML",
    "SUCCESSORS",
    "as_of_dates",
    "as_of_pairs",
    "csv_bytes",
    "event_dates",
    "event_streams",
    "hostile_values",
    "jsonl_bytes",
    "mutated_records",
    "mutated_ruleset_texts",
    "nightly_deliveries",
    "ruleset_from_yaml",
    "to_events",
]

AGREEMENT = "test-laws"
COUNCILS = ("E08000026", "E08000025", "E06000019")  # Coventry, Birmingham, Herefordshire
SUCCESSORS = ("E08000027", "E08000026")  # Dudley (not yet a party), Coventry (a party)
JOINER = "E08000029"  # Solihull: not listed in the ruleset, joins by an event
BODY = "wmsli-steering-group"

LAWS_YAML = """\
id: test-laws
title: A small agreement that uses every kind of rule (for the engine's law tests)
source: none
version: "1"
effective:
  start: 2013-07-01
  owner: wmsli-steering-group
parties:
  councils: [E08000026, E08000025, E06000019]
  bodies:
    - id: wmsli-steering-group
      name: West Midlands SLI steering group
parameters:
  action-plan-due:
    basis: interpretation
    rationale: "'Promptly' is read as three months, and as two months from April 2015."
    values:
      - from: 2013-07-01
        value: P3M
      - from: 2015-04-01
        value: P2M
  data-return-grace:
    basis: interpretation
    rationale: "A quarterly return is read as due one month after the quarter ends."
    value: P1M
  peer-days-ceiling:
    basis: text
    value: 5
  first-period-end:
    basis: text
    value: 2015-03-31
  informal-window:
    basis: interpretation
    rationale: "'Informally' is read as within 14 days."
    value: P14D
  formal-window:
    basis: interpretation
    rationale: "Formal engagement is read as within a month."
    value: P1M
  chief-executive-window:
    basis: interpretation
    rationale: "The Chief Executive is read as engaged within two months."
    value: P2M
rules:
  - id: feedback
    kind: deadline
    title: publish feedback within six months
    clause: "1"
    quote: "publish the feedback within six months"
    trigger: {type: peer_challenge.held}
    fulfil: {type: feedback.published, match: [review]}
    due: P6M
  - id: action-plan
    kind: deadline
    title: publish an action plan promptly
    clause: "2"
    quote: "publish an action plan promptly"
    trigger: {type: peer_challenge.held}
    fulfil: {type: action_plan.published, match: [review]}
    due: {parameter: action-plan-due}
    waive: {type: intervention.started}
  - id: follow-up
    kind: window
    title: a follow-up report 3-6 months after the review
    clause: "3"
    quote: "a follow-up report 3-6 months after the review"
    trigger: {type: peer_challenge.held}
    fulfil: {type: follow_up_report.submitted, match: [review]}
    opens: P3M
    due: P6M
  - id: region-report
    kind: fixed_date
    title: a regional report before the end of March 2015
    clause: "4"
    quote: "before the end of March 2015"
    party: {body: wmsli-steering-group}
    fulfil: {type: region_report.published}
    due: 2015-03-31
  - id: annual-self-assessment
    kind: recurring
    title: an annual self-assessment
    clause: "5"
    quote: "each year, a self-assessment"
    applies_to: {services: {contains: childrens}}
    fulfil: {type: self_assessment.submitted}
    period: {calendar: financial_year}
  - id: quarterly-data
    kind: recurring
    title: a quarterly data return
    clause: "6"
    quote: "a data return each quarter"
    fulfil: {type: data_return.submitted}
    period: {calendar: financial_year, unit: quarter}
    grace: {parameter: data-return-grace}
  - id: peer-challenge-in-period
    kind: count
    title: at least one corporate peer challenge in the first period
    clause: "7"
    quote: "at least one corporate peer challenge"
    fulfil: {type: peer_challenge.held, where: {kind: corporate}}
    span: {end: {parameter: first-period-end}}
  - id: team-makeup
    kind: constraint
    title: a team of four core members from other councils
    clause: "8"
    quote: "a team of four, from at least two other councils"
    trigger: {type: peer_challenge.held}
    require:
      team:
        count: {where: {core: true}, at_least: 4}
        distinct: {field: council, where: {core: true}, at_least: 2}
      team.council: {not_equals: {ref: event.council}}
  - id: meeting-attendance
    kind: constraint
    title: every member attends the steering group
    clause: "9"
    quote: "each council attends the steering group"
    trigger: {type: meeting.held}
    party: {each: member}
    require:
      attendees: {some: {council: {equals: {ref: party}}}}
  - id: peer-days
    kind: limit
    title: no more than five peer days a year
    clause: "10"
    quote: "no more than five days a year"
    trigger: {type: peer_days.given}
    period: {calendar: financial_year}
    max: {parameter: peer-days-ceiling}
    amount: days
  - id: support-offer
    kind: entitlement
    title: support after an inadequate judgement
    clause: "11"
    quote: "support will be available"
    trigger: {type: ofsted.judgement, where: {grade: inadequate}}
    lasts: P1Y
escalations:
  - id: concern-ladder
    clause: "12"
    quote: "starting informally and then escalating"
    start:
      concern: true
      breach_of: [follow-up]
    stop: concern.resolved
    steps:
      - step: 1
        title: informal contact
        actor: wmsli-steering-group
        window: {parameter: informal-window}
      - step: 2
        title: formal engagement
        actor: wmsli-steering-group
        window: {parameter: formal-window}
      - step: 3
        title: the Chief Executive
        actor: wmsli-steering-group
        window: {parameter: chief-executive-window}
"""


def ruleset_from_yaml(text: str, file: str = "<test ruleset>") -> Ruleset:
    """A ruleset from YAML text; fails loudly, listing every problem, if it is invalid."""
    ruleset, problems = parse_ruleset(text, file)
    if ruleset is None:
        raise AssertionError("test ruleset is invalid:\n" + "\n".join(map(str, problems)))
    return ruleset


LAWS_RULESET: Ruleset = ruleset_from_yaml(LAWS_YAML, "laws.yaml")
LAWS_PLAN: Plan = compile_rulesets([LAWS_RULESET])


def to_events(records: Iterable[Mapping[str, Any]]) -> tuple[Event, ...]:
    """Validated Events from plain records (as a pipeline would feed a Session)."""
    return read_events(list(records)).events


# ------------------------------------------------------------------------ dates

FIRST_DAY = dt.date(2013, 5, 1)  # a little before the agreement's start (2013-07-01)
LAST_DAY = dt.date(2017, 6, 30)
LAST_AS_OF = dt.date(2018, 6, 30)

# Days where boundaries meet: the start, financial-year and quarter edges, month ends.
HOT_DAYS = (
    dt.date(2013, 6, 30),
    dt.date(2013, 7, 1),
    dt.date(2013, 8, 31),
    dt.date(2013, 9, 30),
    dt.date(2013, 10, 1),
    dt.date(2014, 2, 28),
    dt.date(2014, 3, 31),
    dt.date(2014, 4, 1),
    dt.date(2014, 12, 31),
    dt.date(2015, 3, 31),
    dt.date(2015, 4, 1),
    dt.date(2015, 8, 31),
    dt.date(2016, 2, 29),
)


# Strategies are built once, here, and drawn from many times (building them is the
# costly part of drawing).
_EVENT_DATES = st.one_of(st.dates(FIRST_DAY, LAST_DAY), st.sampled_from(HOT_DAYS))
_AS_OF_DATES = st.one_of(st.dates(FIRST_DAY, LAST_AS_OF), st.sampled_from(HOT_DAYS))


def event_dates() -> st.SearchStrategy[dt.date]:
    """Days in a few-year range, often a boundary day (so that same-day events occur)."""
    return _EVENT_DATES


def as_of_dates() -> st.SearchStrategy[dt.date]:
    """Evaluation dates: a range a year longer than the events', often a boundary day."""
    return _AS_OF_DATES


_FIRST_AS_OF = st.dates(FIRST_DAY, LAST_AS_OF - dt.timedelta(days=1))
_GAP = st.one_of(st.integers(1, 40), st.integers(1, 1500))


@st.composite
def as_of_pairs(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """Two evaluation dates, the first strictly before the second."""
    d1 = draw(_FIRST_AS_OF)
    return d1, min(d1 + dt.timedelta(days=draw(_GAP)), LAST_AS_OF)


# A follow-on event: often on or next to a month boundary of its trigger (P2M..P6M),
# otherwise anywhere from a few days before it to well over a year after.
_NEAR_MONTHS = st.tuples(st.sampled_from((2, 3, 4, 6)), st.integers(-1, 1)).map(
    lambda md: relativedelta(months=md[0], days=md[1])
)
_ANY_DAYS = st.integers(-3, 420).map(lambda n: relativedelta(days=n))
_FOLLOW_ON = st.one_of(_NEAR_MONTHS, _ANY_DAYS)

# ------------------------------------------------------------------------ events

_MEMBER = st.sampled_from(COUNCILS)
_ANY_COUNCIL = st.sampled_from((*COUNCILS, SUCCESSORS[0], JOINER))
_BOOL = st.booleans()
_REVIEW_KIND = st.sampled_from(("corporate", "childrens", "adult_social_care"))

TEAM_COUNCILS = ("E08000026", "E08000025", "E06000019", "E08000031", "E08000029")
_TEAM_MEMBER = st.fixed_dictionaries(
    {"council": st.sampled_from(TEAM_COUNCILS), "core": st.booleans()},
    optional={
        "role": st.sampled_from(("lead_dcs", "member", "data_specialist")),
        "tier": st.integers(1, 3),
    },
)


def _good_team(host: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    others = [c for c in TEAM_COUNCILS if c != host]
    return (
        st.lists(st.sampled_from(others), min_size=4, max_size=5)
        .filter(lambda cs: len(set(cs)) >= 2)
        .map(lambda cs: [{"council": c, "core": True} for c in cs])
    )


# Any team (rarely a compliant one), or four or five core members from other councils.
_TEAMS = {
    host: st.one_of(st.lists(_TEAM_MEMBER, max_size=6), _good_team(host)) for host in COUNCILS
}
REVIEW, CONCERN = "<review>", "<concern>"  # placeholders for ids numbered per stream
FOLLOW_ON_TYPES = (
    "feedback.published",
    "action_plan.published",
    "follow_up_report.submitted",
    "intervention.started",  # waives the action plan
)


@st.composite
def _review(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A peer challenge and the follow-on events about it (each maybe, maybe late, now and
    then by another council). The review id is filled in by `event_streams`."""
    host = draw(_MEMBER)
    day = draw(_EVENT_DATES)
    review = REVIEW
    out: list[dict[str, Any]] = [
        {
            "type": "peer_challenge.held",
            "date": day,
            "council": host,
            "review": review,
            "kind": draw(_REVIEW_KIND),
            "team": draw(_TEAMS[host]),
        }
    ]
    for type_ in FOLLOW_ON_TYPES:
        if draw(_BOOL):
            by = host if draw(_BOOL) else draw(_ANY_COUNCIL)
            ev: dict[str, Any] = {"type": type_, "date": day + draw(_FOLLOW_ON), "council": by}
            if type_ != "intervention.started":
                ev["review"] = review
            if type_ == "feedback.published":
                ev["action_plan"] = draw(_BOOL)
            out.append(ev)
    return out


_STEPS = st.lists(st.integers(1, 3), max_size=3, unique=True)
_LATER = st.integers(0, 150).map(lambda n: dt.timedelta(days=n))


@st.composite
def _concern(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A concern raised about a council, maybe escalated step by step, maybe resolved.
    The concern id is filled in by `event_streams`."""
    day = draw(_EVENT_DATES)
    common = {"council": BODY, "about": draw(_MEMBER), "concern": CONCERN}
    out: list[dict[str, Any]] = [{"type": "concern.raised", "date": day, **common}]
    for step in draw(_STEPS):
        out.append({"type": "escalation.taken", "date": day + draw(_LATER), "step": step, **common})
    if draw(_BOOL):
        out.append({"type": "concern.resolved", "date": day + draw(_LATER), **common})
    return out


# Events that stand alone: returns, assessments, reports, days, meetings, judgements.
_SINGLES = st.one_of(
    st.builds(
        dict,
        type=st.just("data_return.submitted"),
        date=_EVENT_DATES,
        council=_ANY_COUNCIL,
        period=st.sampled_from(("2014-Q1", "2015-Q3")),
    ),
    st.builds(
        dict, type=st.just("self_assessment.submitted"), date=_EVENT_DATES, council=_ANY_COUNCIL
    ),
    st.builds(
        dict, type=st.just("region_report.published"), date=_EVENT_DATES, council=st.just(BODY)
    ),
    st.builds(
        dict,
        type=st.just("peer_days.given"),
        date=_EVENT_DATES,
        council=_MEMBER,
        days=st.sampled_from((0.5, 1, 2, 2.5, 3, 5)),
    ),
    st.builds(
        dict,
        type=st.just("meeting.held"),
        date=_EVENT_DATES,
        council=st.just(BODY),
        meeting=st.sampled_from(("m1", "m2", "m3")),
        attendees=st.lists(st.builds(dict, council=_ANY_COUNCIL), max_size=4),
    ),
    st.builds(
        dict,
        type=st.just("ofsted.judgement"),
        date=_EVENT_DATES,
        council=_MEMBER,
        grade=st.sampled_from(("inadequate", "good", "requires_improvement")),
    ),
    st.builds(dict, type=st.just("intervention.started"), date=_EVENT_DATES, council=_MEMBER),
)
_DAYS_GIVEN = st.sampled_from((0.5, 1, 2, 3))


@st.composite
def _peer_days(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Days of peer support given by one council within a few months (near the ceiling)."""
    council = draw(_MEMBER)
    day = draw(_EVENT_DATES)
    return [
        {
            "type": "peer_days.given",
            "date": day + draw(_LATER),
            "council": council,
            "days": draw(_DAYS_GIVEN),
        }
        for _ in range(draw(st.integers(2, 5)))
    ]


_LEAVERS = st.sampled_from(("E06000019", "E08000025"))
_JOINERS = st.sampled_from((JOINER, "E08000026", "E06000019"))  # Herefordshire may rejoin
_SUCCESSIONS = st.sampled_from((SUCCESSORS, SUCCESSORS[:1]))
_CHANGES = st.lists(st.sampled_from(("left", "succeeded", "joined")), max_size=3)


@st.composite
def _membership(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Membership changes: councils leave (perhaps twice over), Birmingham is succeeded
    (perhaps after it left), a council joins (or a member "joins" again), and rarely the
    agreement is revoked. A council that has left may rejoin."""
    out: list[dict[str, Any]] = []
    for kind in draw(_CHANGES):
        change = {"date": draw(_EVENT_DATES), "agreement": AGREEMENT}
        if kind == "left":
            out.append({"type": "party.left", "council": draw(_LEAVERS), **change})
        elif kind == "succeeded":
            successors = list(draw(_SUCCESSIONS))
            out.append(
                {"type": "party.succeeded", "council": "E08000025", "successors": successors}
                | change
            )
        else:
            out.append({"type": "party.joined", "council": draw(_JOINERS), **change})
    if draw(st.integers(0, 4)) == 0:
        out.append(
            {
                "type": "agreement.revoked",
                "date": draw(_EVENT_DATES),
                "council": BODY,
                "agreement": AGREEMENT,
            }
        )
    return out


# What a record may be declared complete for: the fulfilling and waiving types of the
# test ruleset, and "*" for every type.
COVERED_TYPES = (
    "*",
    "feedback.published",
    "action_plan.published",
    "follow_up_report.submitted",
    "region_report.published",
    "self_assessment.submitted",
    "data_return.submitted",
    "peer_challenge.held",
    "intervention.started",
)


@st.composite
def coverage_declarations(draw: st.DrawFn) -> list[dict[str, Any]]:
    """record.coverage events: some types, perhaps some parties, a span (perhaps open-ended),
    declared on some day (which may be before, inside or after the span)."""
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(_EVENT_DATES)
        rec: dict[str, Any] = {
            "type": "record.coverage",
            "date": draw(_EVENT_DATES),
            "council": BODY,
            "types": draw(st.lists(st.sampled_from(COVERED_TYPES), min_size=1, max_size=3)),
            "from": start.isoformat(),
        }
        if draw(_BOOL):
            rec["to"] = (
                start + draw(st.integers(0, 1200).map(lambda n: dt.timedelta(days=n)))
            ).isoformat()
        if draw(_BOOL):
            rec["parties"] = draw(
                st.lists(st.sampled_from((*COUNCILS, BODY)), min_size=1, max_size=2, unique=True)
            )
        out.append(rec)
    return out


def _numbered(
    groups: list[list[dict[str, Any]]], key: str, placeholder: str, prefix: str
) -> list[dict[str, Any]]:
    return [
        {**rec, key: f"{prefix}{n}"} if rec.get(key) == placeholder else rec
        for n, group in enumerate(groups)
        for rec in group
    ]


def _assemble(parts: tuple[Any, ...]) -> list[dict[str, Any]]:
    reviews, concerns, singles, peer_days, membership, coverage = parts
    records = [
        *_numbered(reviews, "review", REVIEW, "r"),
        *_numbered(concerns, "concern", CONCERN, "c"),
        *singles,
        *peer_days,
        *membership,
        *coverage,
    ]
    return [
        {"id": f"ev-{i:03d}", **rec, "date": rec["date"].isoformat()}
        for i, rec in enumerate(records)
    ]


def event_streams(
    max_reviews: int = 4, max_singles: int = 12
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """A valid event stream (plain records, dates as ISO text, unique ids) over the test
    ruleset. The order of the list is the order of generation, not of dates."""
    return st.tuples(
        st.lists(_review(), max_size=max_reviews),
        st.lists(_concern(), max_size=2),
        st.lists(_SINGLES, max_size=max_singles),
        st.one_of(st.just([]), _peer_days()),
        _membership(),
        coverage_declarations(),
    ).map(_assemble)


# ------------------------------------------------------------------------ nights

_NIGHT_COUNT = st.integers(1, 6)
_NIGHT_DAYS = st.one_of(st.dates(FIRST_DAY, LAST_AS_OF), st.sampled_from(HOT_DAYS))
_NIGHT_PICK = st.integers(0, 10**6)


@st.composite
def nightly_deliveries(
    draw: st.DrawFn, *, late: bool
) -> tuple[list[dict[str, Any]], list[tuple[dt.date, list[dict[str, Any]], bool]]]:
    """A stream and how a pipeline receives it: nights (dates, ascending), the records
    arriving each night, and whether that night's run is killed (or the session reloaded)
    before it is done.

    Nights are often an event's own date, or a month boundary of one (where duties fall
    due), so that something falls due on the clock's own day. A record arrives on the
    first night on or after its date, or on an earlier night (a pipeline may pass on
    events dated in the future); with `late`, it may also arrive on a later night (an
    event reported late, which `run --state` replays)."""
    records = draw(event_streams())
    dates = [dt.date.fromisoformat(r["date"]) for r in records]
    pool: list[st.SearchStrategy[dt.date]] = [_NIGHT_DAYS]
    if dates:
        near = st.tuples(st.sampled_from(dates), st.sampled_from((0, 0, 1, 3, 6))).map(
            lambda dm: dm[0] + relativedelta(months=dm[1])
        )
        pool.append(near)
    days = draw(st.lists(st.one_of(pool), min_size=1, max_size=draw(_NIGHT_COUNT)))
    nights = sorted(set(days))
    arriving: list[list[dict[str, Any]]] = [[] for _ in nights]
    for record, day in zip(records, dates, strict=True):
        natural = next((i for i, n in enumerate(nights) if n >= day), len(nights) - 1)
        pick = draw(_NIGHT_PICK)
        if late and pick % 5 == 0:  # reported late: on any later night
            index = natural + pick // 5 % (len(nights) - natural)
        elif pick % 7 == 1:  # passed on ahead of its date
            index = pick // 7 % (natural + 1)
        else:
            index = natural
        arriving[index].append(record)
    killed = draw(st.lists(st.booleans(), min_size=len(nights), max_size=len(nights)))
    return records, list(zip(nights, arriving, killed, strict=True))


# ------------------------------------------------------------------ fuzzing
# Inputs no one should write, for the fuzz targets (tests/test_fuzz.py): values that
# crashed a reader, the loader or the engine once, and noise around valid documents.

# Values that once crashed something, or that a parser might quietly coerce.
HOSTILE_SCALARS: tuple[Any, ...] = (
    None,
    True,
    "",
    " ",
    "\t",
    "\x85",
    "\ud800",  # a lone surrogate
    "a\r\nb",
    "=cmd|' /C calc'!A0",
    "P9999Y",
    "P" + "9" * 60 + "D",
    "P0D",
    "9999-12-31",
    "0001-01-01",
    "2015-02-30",
    "\uff12\uff10\uff11\uff15-03-31",  # full-width digits
    "2015-03-31\n",
    "^(a+)+$",
    "E08000026\n",
    10**400,
    -(10**30),
    -1,
    0,
    2**63,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    -0.0,
    [],
    {},
    [[[[[[]]]]]],
    {"a": 1},
    {"ref": "event.x"},
    {"parameter": "nope"},
)


def hostile_values() -> st.SearchStrategy[Any]:
    """Any JSON- or YAML-like value, biased towards the ones that broke things."""
    leaves = st.one_of(
        st.sampled_from(HOSTILE_SCALARS),
        st.text(max_size=12),
        st.integers(),
        st.floats(),
        st.dates().map(dt.date.isoformat),
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*path, i)))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replace(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


@st.composite
def _noise(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few bytes inserted, deleted or replaced."""
    out = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(out)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        chunk = draw(
            st.sampled_from((b"\r", b"\n", b"\xff", b"\xc3", b'"', b",", b"{", b"[", b"\x00"))
            | st.binary(min_size=1, max_size=4)
        )
        if action == "insert" or at == len(out):
            out[at:at] = chunk
        elif action == "delete":
            del out[at : at + len(chunk)]
        else:
            out[at : at + len(chunk)] = chunk
    return bytes(out)


def _yaml_safe(value: Any) -> bool:
    """Whether PyYAML can write `value` (it cannot write lone surrogates, nor keys that
    are not text)."""
    try:
        yaml.safe_dump(value)
    except (yaml.YAMLError, UnicodeEncodeError):
        return False
    return True


@functools.cache
def _seed_data(seed: str) -> Any:
    return yaml.safe_load(seed)


@st.composite
def mutated_ruleset_texts(draw: st.DrawFn, seed: str = LAWS_YAML) -> str:
    """The text of `seed` with one or two values replaced by hostile ones, and perhaps a
    few characters of noise: what a policy officer's typo or a hostile author could give."""
    data = _seed_data(seed)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(_paths(data)))
        new = draw(hostile_values())
        candidate = _replace(data, path, new)
        if _yaml_safe(candidate):
            data = candidate
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if draw(st.booleans()):
        noisy = draw(_noise(text.encode("utf-8")))
        text = noisy.decode("utf-8", "replace")
    return text


@st.composite
def mutated_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A valid stream of event records with some fields replaced, removed or added."""
    records = [dict(r) for r in draw(event_streams(max_reviews=2, max_singles=6))]
    for _ in range(draw(st.integers(0, 4))):
        if not records:
            break
        record = records[draw(st.integers(0, len(records) - 1))]
        key = draw(st.sampled_from([*record, "extra", "days", "team"]))
        if draw(st.integers(0, 5)) == 0:
            record.pop(key, None)
        else:
            record[key] = draw(hostile_values())
    if records and draw(st.booleans()):  # an exact copy, and a clash of ids
        records.append(dict(records[0]))
    return records


def _json_line(record: Any) -> str:
    return json.dumps(record, default=str, ensure_ascii=False)


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    """A JSON Lines file made from mutated records, perhaps with byte noise."""
    records = draw(mutated_records())
    data = "".join(_json_line(r) + "\n" for r in records).encode("utf-8", "surrogatepass")
    return draw(_noise(data)) if draw(st.booleans()) else data


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV file made from mutated records (lists and objects as JSON cells), perhaps
    with byte noise."""
    records = draw(mutated_records())
    header = list(dict.fromkeys(k for r in records for k in r)) or ["id"]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in records:
        writer.writerow(
            [
                _json_line(r[k]) if isinstance(r.get(k), (list, dict)) else r.get(k, "")
                for k in header
            ]
        )
    data = buffer.getvalue().encode("utf-8", "surrogatepass")
    return draw(_noise(data)) if draw(st.booleans()) else data


# ------------------------------------------------ looking findings up in a report

COVENTRY, BIRMINGHAM, HEREFORDSHIRE = "E08000026", "E08000025", "E06000019"


def find(
    report: Report, rule: str, party: str = COVENTRY, kind: str = "obligation", **fields: Any
) -> list[Finding]:
    """The findings of one rule for one party, of one kind, with the fields given."""
    return [
        f
        for f in report.findings
        if f.rule == rule
        and f.party == party
        and f.kind == kind
        and all(getattr(f, k) == v for k, v in fields.items())
    ]


def one(
    report: Report, rule: str, party: str = COVENTRY, kind: str = "obligation", **fields: Any
) -> Finding:
    """The one finding `find` gives, failing the test when there is not exactly one."""
    found = find(report, rule, party, kind, **fields)
    assert len(found) == 1, f"expected one {kind} of {rule} for {party} {fields}, got {found}"
    return found[0]
