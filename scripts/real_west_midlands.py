"""Convert the real West Midlands record (2011-2018) into sli-rules events.

    python scripts/real_west_midlands.py [CSV] [JSONL]

reads ../shared/real/events-west-midlands-2011-2018.csv (or CSV) and writes
examples/real-west-midlands-2011-2018.jsonl (or JSONL), then lists on standard error
every row it could not convert and why. tests/test_real_example.py runs it and checks
that the committed file is exactly what it writes.

What it does to each row:

* `event_type` is looked up in OVERRIDES (a few rows the type alone does not place), then
  in MAPPING: a catalogue type with fixed attributes, or None with the reason no type
  fits (a gap). Nothing is dropped silently: every row is either an event or a gap.
* `event_date` keeps the source's precision. A day, month or year is written as it is.
  A span of two days (`2018-01-21/2018-01-24`) is an on-site span for the types that
  record one (ON_SITE: `start` is its first day, `date` its last); for any other type it
  stays an interval, read as one unknown day within it. A span of months or years
  (`2014-01/2014-02`) is always one unknown day within it. DATES rewrites the few dates
  that the csv gives as the day of something else (a review "launched" on a day was
  commissioned by then: `../2014-09-05`).
* Events about one peer challenge share its review id (`cpc-<council>-<year>`): a letter,
  report, action plan or follow-up row belongs to the council's latest challenge before it.
* `source_url` becomes `source` (except the few addresses that name a person, listed in
  WITHHELD_SOURCES, which become a citation without the address), `confidence` becomes
  `confidence`.
* `detail` is NOT carried over: it names officials. The facts the events need from it
  (an Ofsted grade or rating) are in the GRADES and ASSESSMENTS tables, written by hand
  from the details.

Standard library only, so that it runs without the project installed.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "real" / "events-west-midlands-2011-2018.csv"
DEFAULT_OUT = ROOT / "examples" / "real-west-midlands-2011-2018.jsonl"


@dataclass(frozen=True)
class Mapping:
    """Where a csv event_type goes: a catalogue type with fixed attributes, or a gap."""

    type: str | None
    attributes: tuple[tuple[str, object], ...] = ()
    linked: bool = False  # the event belongs to a peer challenge: give it the review id
    gap: str = ""  # why there is no type (when type is None)


def _m(type_: str, linked: bool = False, **attributes: object) -> Mapping:
    return Mapping(type_, tuple(sorted(attributes.items())), linked)


def _gap(reason: str) -> Mapping:
    return Mapping(None, gap=reason)


CPC = {"kind": "corporate", "provider": "lga"}

# csv event_type -> catalogue type. Kept in the order of the csv's themes.
MAPPING: dict[str, Mapping] = {
    # peer challenges and what follows them
    "corporate_peer_challenge_onsite": _m("peer_challenge.held", linked=True, **CPC),
    "asc_peer_challenge_onsite": _m("peer_challenge.held", linked=True, kind="adult_social_care"),
    # an adult safeguarding peer challenge is the adult social care offer's safeguarding
    # theme: read as an adult social care peer challenge
    "adult_safeguarding_peer_challenge_onsite": _m(
        "peer_challenge.held", linked=True, kind="adult_social_care"
    ),
    # "a separate review by the Local Government Association" of children's services
    "lga_childrens_services_review": _m(
        "peer_challenge.held", linked=True, kind="childrens", provider="lga"
    ),
    "corporate_peer_challenge_report_published": _m(
        "feedback.published", linked=True, action_plan=False
    ),
    # a committee's public papers hold the action plan: it is published by then
    "corporate_peer_challenge_action_plan": _m("action_plan.published", linked=True),
    "corporate_peer_challenge_action_plan_scrutiny": _m("action_plan.published", linked=True),
    # a report or letter dated or sent that month: received, not (yet) published
    "corporate_peer_challenge_feedback_report": _m("feedback.received", linked=True, form="report"),
    "corporate_peer_challenge_feedback_letter": _m("feedback.received", linked=True, form="letter"),
    "corporate_peer_challenge_follow_up": _m("follow_up_visit.held", linked=True),
    "no_corporate_peer_challenge": _gap(
        "a statement that no challenge took place in the span: an absence, not an event "
        "(it could only be a coverage declaration, and the sample declares none)"
    ),
    # Ofsted
    "ofsted_childrens_services_publication": _m("ofsted.judgement"),
    "ofsted_childrens_services_grade": _m("ofsted.judgement"),
    "ofsted_childrens_services_grade_2016": _m("ofsted.judgement"),
    "ofsted_safeguarding_lac_publication": _m("ofsted.judgement", framework="safeguarding_lac"),
    "ofsted_safeguarding_publication": _m("ofsted.judgement", scope="safeguarding"),
    "ofsted_child_protection_publication": _m("ofsted.judgement", scope="child_protection"),
    "ofsted_childrens_services_inspection": _m("ofsted.inspection"),
    "ofsted_child_protection_inspection": _m("ofsted.inspection", framework="child_protection"),
    "ofsted_monitoring_visit": _m("ofsted.visit", kind="monitoring"),
    "ofsted_focused_visit": _m("ofsted.visit", kind="focused"),
    # a trial of the 2018 framework, its result not published
    "ofsted_pilot_inspection": _m("ofsted.inspection", framework="ilacs_pilot"),
    "ofsted_annual_assessment": _m("ofsted.assessment"),
    # "improvement notice lifted March 2012"
    "ofsted_childrens_services_history": _m("intervention.ended", service="childrens", by="dfe"),
    # government intervention
    "dfe_commissioner_appointed": _m(
        "intervention.started", kind="commissioner", service="childrens", by="dfe"
    ),
    "independent_improvement_panel_established": _m(
        "intervention.started", kind="improvement_panel", service="corporate", by="dclg"
    ),
    "dfe_direction_alternative_delivery": _m(
        "intervention.revised", kind="statutory_direction", service="childrens", by="dfe"
    ),
    "dfe_intervention_trust_decision": _m("childrens_trust.decided", kind="directed", by="dfe"),
    "childrens_trust_decision": _m("childrens_trust.decided", kind="voluntary", by="council"),
    "childrens_trust_go_live": _m("childrens_trust.established"),
    "government_governance_review_launched": _m(
        "independent_review.commissioned",
        review="governance-birmingham-2014",
        by="dclg",
        scope="governance",
    ),
    "government_governance_review_published": _m(
        "independent_review.published", review="governance-birmingham-2014", scope="governance"
    ),
    # leadership
    "chief_executive_change": _m("chief_executive.changed"),
    "political_control_change": _m("political_control.changed"),
    "leader_change": _m("leader.changed"),
    "senior_officer_change": _m("director.changed", role="strategic_director_people"),
}

# Rows that the csv's event_type alone does not place: (GSS code, event_type, date).
OVERRIDES: dict[tuple[str, str, str], Mapping] = {
    # the council's own news item welcomed the report's findings that month: published
    ("E07000239", "corporate_peer_challenge_feedback_report", "2017-05"): _m(
        "feedback.published", linked=True, action_plan=False
    ),
    # the report reached the council, which put off considering it until after elections
    ("E07000236", "corporate_peer_challenge_feedback_report", "2018-02/2018-05"): _m(
        "feedback.received",
        linked=True,
        form="report",
        held_back=True,
        reason="until after the May 2018 elections",
    ),
    # the cabinet papers of that day hold both the LGA's letter and the action plan
    ("E07000234", "corporate_peer_challenge_action_plan", "2018-10-31"): _m(
        "feedback.published", linked=True, action_plan=True
    ),
    # the executive considered the plan that scrutiny had already seen in public
    ("E07000236", "corporate_peer_challenge_action_plan", "2018-10-23"): _m(
        "action_plan.considered", linked=True, body="executive"
    ),
    # "rated protection of children 'inadequate'": a child protection judgement
    ("E06000019", "ofsted_childrens_services_publication", "2012-09"): _m(
        "ofsted.judgement", scope="child_protection"
    ),
    ("E08000025", "childrens_trust_go_live", "2018-04-01"): _m(
        "childrens_trust.established", trust="birmingham-childrens-trust", kind="voluntary"
    ),
    ("E08000028", "childrens_trust_go_live", "2018-04-01"): _m(
        "childrens_trust.established", trust="sandwell-childrens-trust", kind="directed"
    ),
}

# Dates the csv states as the day something else happened: the review's call for
# evidence shows it had been commissioned by then, the day unknown.
DATES: dict[tuple[str, str, str], str] = {
    ("E08000025", "government_governance_review_launched", "2014-09-05"): "../2014-09-05",
}

# Source addresses that themselves name a person (a blog named after its author, a news
# address naming a child): kept as a citation without the address.
WITHHELD_SOURCES: dict[tuple[str, str, str], str] = {
    # keyed by the row (GSS code, event_type, date), so that this file names no one either
    ("E06000051", "corporate_peer_challenge_onsite", "2018-04-23/2018-04-26"): (
        "a Shropshire councillor's blog post of 24 April 2018 (address withheld: the site "
        "is named after its author)"
    ),
    ("E08000026", "ofsted_childrens_services_publication", "2014-03-21"): (
        "The Guardian, 21 March 2014, on the Ofsted report on Coventry's children's "
        "services (address withheld: it names a child)"
    ),
}

# Types whose two-day span is an on-site span (start + date): the rest read a span as
# one unknown day.
ON_SITE = {"peer_challenge.held", "follow_up_visit.held", "ofsted.inspection", "ofsted.visit"}

# The Ofsted grade of every judgement row, by (GSS code, csv date), read by hand from the
# row's detail (which is not carried over).
GRADES: dict[tuple[str, str], str] = {
    ("E08000025", "2014-05-23"): "inadequate",
    ("E08000031", "2017-03-31"): "good",
    ("E08000026", "2014-03-21"): "inadequate",
    ("E08000026", "2017"): "requires_improvement",
    ("E08000026", "2017-06-13"): "requires_improvement",
    ("E08000027", "2016-04-05"): "inadequate",
    ("E08000027", "2018-12"): "requires_improvement",
    ("E06000019", "2012-09"): "inadequate",
    ("E06000019", "2014-06"): "requires_improvement",
    ("E08000028", "2013-04"): "inadequate",
    ("E08000028", "2015"): "inadequate",
    ("E08000028", "2018-01-29"): "inadequate",
    ("E06000051", "2012-11"): "adequate",
    ("E06000051", "2017-11-24"): "good",
    ("E10000028", "2014"): "good",
    ("E06000021", "2011-08"): "adequate",
    ("E06000020", "2016"): "requires_improvement",
    ("E08000030", "2012-08"): "inadequate",
    ("E08000030", "2013-08-05"): "adequate",
    ("E08000030", "2017-09-04"): "requires_improvement",
    ("E10000031", "2016/2017"): "requires_improvement",
    ("E10000034", "2017-01-24"): "inadequate",
    ("E08000029", "2016"): "requires_improvement",
}

# The annual performance assessments (until 2012), by (GSS code, csv date).
ASSESSMENTS: dict[tuple[str, str], str] = {
    ("E06000051", "2011-11-09"): "performs_well",
    ("E10000028", "2011-11"): "performs_poorly",
}

# Grades the catalogue accepts (adequate only before November 2013, which the catalogue
# checks).
KNOWN_GRADES = {"outstanding", "good", "requires_improvement", "inadequate", "adequate"}

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Gap:
    line: int  # the csv line (the header is line 1)
    council: str
    event_type: str
    date: str
    reason: str


def _slug(name: str) -> str:
    words = re.sub(
        r"\b(city of|council|borough|district|county|metropolitan|city)\b", "", name.lower()
    )
    return re.sub(r"[^a-z]+", "-", words).strip("-")


def _dates(raw: str, type_: str) -> dict[str, str]:
    """`date` (and `start`) for a csv date, as precise as the source is."""
    if "/" in raw:
        first, last = raw.split("/", 1)
        if type_ in ON_SITE and DAY.match(first) and DAY.match(last):
            return {"start": first, "date": last}
    return {"date": raw}


def convert(rows: Iterable[dict[str, str]]) -> tuple[list[dict[str, object]], list[Gap]]:
    """The events for the rows that map to a catalogue type, and a gap for each other."""
    events: list[dict[str, object]] = []
    gaps: list[Gap] = []
    reviews: dict[tuple[str, str], str] = {}  # (council, kind) -> latest review id
    for line, row in enumerate(rows, start=2):
        gss, raw, csv_type = row["gss_code"], row["event_date"], row["event_type"]
        mapping = OVERRIDES.get((gss, csv_type, raw)) or MAPPING.get(csv_type)
        if mapping is None:
            raise ValueError(f"line {line}: no mapping for event_type {csv_type!r}")
        if mapping.type is None:
            gaps.append(Gap(line, gss, csv_type, raw, mapping.gap))
            continue
        attributes = dict(mapping.attributes)
        if mapping.type == "ofsted.judgement":
            grade = GRADES.get((gss, raw))
            if grade is None:
                raise ValueError(f"line {line}: no grade in GRADES for ({gss!r}, {raw!r})")
            if grade not in KNOWN_GRADES:
                gaps.append(
                    Gap(line, gss, csv_type, raw, f"a judgement graded {grade}: no such grade yet")
                )
                continue
            attributes["grade"] = grade
        if mapping.type == "ofsted.assessment":
            rating = ASSESSMENTS.get((gss, raw))
            if rating is None:
                raise ValueError(f"line {line}: no rating in ASSESSMENTS for ({gss!r}, {raw!r})")
            attributes["grade"] = rating
        if mapping.linked:
            kind = str(attributes.get("kind", "corporate"))
            if mapping.type == "peer_challenge.held":
                prefix = {"corporate": "cpc", "adult_social_care": "asc", "childrens": "cs"}[kind]
                review = f"{prefix}-{_slug(row['council'])}-{raw[:4]}"
                reviews[(gss, kind)] = review
            else:
                found = reviews.get((gss, "corporate"))
                if found is None:
                    raise ValueError(f"line {line}: {csv_type} with no challenge before it")
                review = found
            attributes["review"] = review
        event: dict[str, object] = {
            "id": f"wm-{line - 1:03d}",
            "type": mapping.type,
            **_dates(DATES.get((gss, csv_type, raw), raw), mapping.type),
            "council": gss,
            **attributes,
            "source": WITHHELD_SOURCES.get((gss, csv_type, raw), row["source_url"]),
            "confidence": row["confidence"],
        }
        events.append(event)
    return events, gaps


def render(events: list[dict[str, object]]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_CSV
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    with source.open(encoding="utf-8", newline="") as handle:
        events, gaps = convert(csv.DictReader(handle))
    out.write_text(render(events), encoding="utf-8")
    print(f"{out}: {len(events)} events; {len(gaps)} rows not converted:", file=sys.stderr)
    for gap in gaps:
        print(
            f"  line {gap.line}: {gap.council} {gap.event_type} {gap.date}: {gap.reason}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
