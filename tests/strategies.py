"""Hypothesis strategies for the engine's tests, gathered in one module.

`LAWS_YAML` is a small agreement that uses every kind of rule (deadline, window with
early fulfilment, fixed date, recurring per financial year and per quarter with grace,
count over a span, constraints on a team and on attendance, a limit, an entitlement)
and an escalation ladder started both by a raised concern and by a breach. The
strategies draw event streams over it, valid per the event catalogue, with dates over a
few years and follow-on events placed around the month arithmetic of the deadlines, so
that deadlines are both met and missed, on and around their boundary days. Parties
leave, are succeeded, and the agreement is sometimes revoked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from sli_rules import Event, Plan, Ruleset, compile_rulesets, parse_ruleset, read_events

__all__ = [
    "AGREEMENT",
    "BODY",
    "COUNCILS",
    "LAWS_PLAN",
    "LAWS_RULESET",
    "LAWS_YAML",
    "SUCCESSORS",
    "as_of_dates",
    "as_of_pairs",
    "event_dates",
    "event_streams",
    "ruleset_from_yaml",
    "to_events",
]

AGREEMENT = "test-laws"
COUNCILS = ("E08000026", "E08000025", "E06000019")  # Coventry, Birmingham, Herefordshire
SUCCESSORS = ("E08000027", "E08000026")  # Dudley (not yet a party), Coventry (a party)
BODY = "wmsli-steering-group"

LAWS_YAML = """\
id: test-laws
title: A small agreement that uses every kind of rule (for the engine's law tests)
source: none
version: "1"
effective:
  start: 2013-07-01
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
        none: {council: {equals: {ref: event.council}}}
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


def event_dates() -> st.SearchStrategy[dt.date]:
    """Days in a few-year range, often a boundary day (so that same-day events occur)."""
    return st.one_of(st.dates(FIRST_DAY, LAST_DAY), st.sampled_from(HOT_DAYS))


def as_of_dates() -> st.SearchStrategy[dt.date]:
    return st.one_of(st.dates(FIRST_DAY, LAST_AS_OF), st.sampled_from(HOT_DAYS))


@st.composite
def as_of_pairs(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """Two evaluation dates, the first strictly before the second."""
    d1 = draw(st.dates(FIRST_DAY, LAST_AS_OF - dt.timedelta(days=1)))
    gap = draw(st.one_of(st.integers(1, 40), st.integers(1, 1500)))
    return d1, min(d1 + dt.timedelta(days=gap), LAST_AS_OF)


@st.composite
def _follow_on(draw: st.DrawFn, trigger: dt.date) -> dt.date:
    """A date after a trigger: often on or next to a month boundary of it (P2M..P6M)."""
    if draw(st.booleans()):
        months = draw(st.sampled_from((2, 3, 4, 6)))
        return trigger + relativedelta(months=months) + dt.timedelta(days=draw(st.integers(-1, 1)))
    return trigger + dt.timedelta(days=draw(st.integers(-3, 420)))


# ------------------------------------------------------------------------ events


def _member() -> st.SearchStrategy[str]:
    return st.sampled_from(COUNCILS)


def _any_council() -> st.SearchStrategy[str]:
    return st.sampled_from(COUNCILS + SUCCESSORS[:1])


def _team() -> st.SearchStrategy[list[dict[str, Any]]]:
    member = st.fixed_dictionaries(
        {"council": st.sampled_from(("E08000026", "E08000025", "E06000019", "E08000031")),
         "core": st.booleans()},
        optional={"role": st.sampled_from(("lead_dcs", "member", "data_specialist")),
                  "tier": st.integers(1, 3)},
    )
    return st.lists(member, max_size=6)


@st.composite
def _review(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    """A peer challenge and the follow-on events about it (each maybe, maybe late)."""
    host = draw(_member())
    day = draw(event_dates())
    review = f"r{n}"
    out: list[dict[str, Any]] = [{
        "type": "peer_challenge.held", "date": day, "council": host, "review": review,
        "kind": draw(st.sampled_from(("corporate", "childrens", "adult_social_care"))),
        "team": draw(_team()),
    }]
    for type_ in ("feedback.published", "action_plan.published", "follow_up_report.submitted"):
        if draw(st.booleans()):
            by = draw(st.one_of(st.just(host), _any_council()))
            ev: dict[str, Any] = {"type": type_, "date": draw(_follow_on(day)), "council": by,
                                  "review": review}
            if type_ == "feedback.published":
                ev["action_plan"] = draw(st.booleans())
            out.append(ev)
    return out


@st.composite
def _concern(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    """A concern raised about a council, maybe escalated step by step, maybe resolved."""
    about = draw(_member())
    day = draw(event_dates())
    concern = f"c{n}"
    common = {"council": BODY, "about": about, "concern": concern}
    out: list[dict[str, Any]] = [{"type": "concern.raised", "date": day, **common}]
    for step in draw(st.lists(st.integers(1, 3), max_size=3, unique=True)):
        out.append({"type": "escalation.taken", "date": day + dt.timedelta(
            days=draw(st.integers(0, 120))), "step": step, **common})
    if draw(st.booleans()):
        out.append({"type": "concern.resolved",
                    "date": day + dt.timedelta(days=draw(st.integers(0, 150))), **common})
    return out


def _singles() -> st.SearchStrategy[dict[str, Any]]:
    """Events that stand alone: returns, assessments, reports, days, meetings, judgements."""
    d = event_dates()
    return st.one_of(
        st.builds(dict, type=st.just("data_return.submitted"), date=d, council=_any_council(),
                  period=st.sampled_from(("2014-Q1", "2015-Q3"))),
        st.builds(dict, type=st.just("self_assessment.submitted"), date=d,
                  council=_any_council()),
        st.builds(dict, type=st.just("region_report.published"), date=d, council=st.just(BODY)),
        st.builds(dict, type=st.just("peer_days.given"), date=d, council=_member(),
                  days=st.sampled_from((0.5, 1, 2, 2.5, 3))),
        st.builds(dict, type=st.just("meeting.held"), date=d, council=st.just(BODY),
                  meeting=st.sampled_from(("m1", "m2", "m3")),
                  attendees=st.lists(st.builds(dict, council=_any_council()), max_size=4)),
        st.builds(dict, type=st.just("ofsted.judgement"), date=d, council=_member(),
                  grade=st.sampled_from(("inadequate", "good", "requires_improvement"))),
    )


@st.composite
def _membership(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Maybe a council leaves, maybe one is succeeded, rarely the agreement is revoked."""
    out: list[dict[str, Any]] = []
    if draw(st.integers(0, 2)) == 0:
        out.append({"type": "party.left", "date": draw(event_dates()), "council": draw(_member()),
                    "agreement": AGREEMENT})
    if draw(st.integers(0, 2)) == 0:
        out.append({"type": "party.succeeded", "date": draw(event_dates()),
                    "council": "E08000025", "agreement": AGREEMENT,
                    "successors": list(draw(st.sampled_from((SUCCESSORS, SUCCESSORS[:1]))))})
    if draw(st.integers(0, 4)) == 0:
        out.append({"type": "agreement.revoked", "date": draw(event_dates()), "council": BODY,
                    "agreement": AGREEMENT})
    return out


@st.composite
def event_streams(draw: st.DrawFn, max_reviews: int = 4, max_singles: int = 12) -> list[
    dict[str, Any]
]:
    """A valid event stream (plain records, dates as ISO text, unique ids) over the test
    ruleset. The order of the list is the order of generation, not of dates."""
    records: list[dict[str, Any]] = []
    for n in range(draw(st.integers(0, max_reviews))):
        records.extend(draw(_review(n)))
    for n in range(draw(st.integers(0, 2))):
        records.extend(draw(_concern(n)))
    records.extend(draw(st.lists(_singles(), max_size=max_singles)))
    records.extend(draw(_membership()))
    out = []
    for i, rec in enumerate(records):
        rec = {"id": f"ev-{i:03d}", **rec}
        rec["date"] = rec["date"].isoformat()
        out.append(rec)
    return out


def dated(records: Sequence[Mapping[str, Any]]) -> list[tuple[dt.date, Mapping[str, Any]]]:
    """Each record with its date parsed."""
    return [(dt.date.fromisoformat(str(r["date"])), r) for r in records]
