"""Issue 14 (the rest of the ruleset review): duties met by each of several parties
(`fulfil.by_each`, EM 2.3(c)), duties owed by the body of a council's region
(`party: {body: FAMILY, region_of: ...}`, national Regionally bullets 6 and 7), and what
a joiner owes in a count span (`joiners`, review point J1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules.load.registry import (
    family_members,
    family_problem,
    load_bodies,
    load_registry,
    regional_body,
)

EM = "east-midlands-childrens-mou-2015"
NATIONAL = "national-childrens-sli-mou"
# the nine authorities of 2015 (not the successors of 2021, no parties then)
EM_COUNCILS = [
    p.id
    for p in sli_rules.load_ruleset(EM).parties
    if p.kind == "council" and load_registry()[p.id].get("from") is None
]
REVIEW_DAY = dt.date(2015, 6, 10)


def _review(team: list[str], host: str, qa: str) -> dict[str, Any]:
    return {
        "id": "r1",
        "type": "peer_challenge.held",
        "date": REVIEW_DAY.isoformat(),
        "council": host,
        "review": "rv",
        "kind": "childrens",
        "qa": qa,
        "team": [{"council": c, "role": "member"} for c in team],
    }


# ------------------------------------------------------------------ by_each (2.3(c))


@settings(max_examples=25, deadline=None)
@given(
    team=st.lists(st.sampled_from(EM_COUNCILS), min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_the_qa_dcs_duty_is_met_when_each_team_authority_and_the_host_have_reflected(
    team: list[str], data: st.DataObject
) -> None:
    host = data.draw(st.sampled_from(EM_COUNCILS))
    qa = data.draw(st.sampled_from(EM_COUNCILS))
    owners = sorted({*team, host})
    # each owner reflects on some day 0..30 after the review, or never
    offsets = {c: data.draw(st.one_of(st.none(), st.integers(0, 30)), label=c) for c in owners}
    events = [_review(team, host, qa)]
    for c, off in offsets.items():
        if off is not None:
            events.append(
                {
                    "id": f"x-{c}",
                    "type": "reflection.completed",
                    "date": (REVIEW_DAY + dt.timedelta(days=off)).isoformat(),
                    "council": c,
                    "review": "rv",
                }
            )
    report = sli_rules.evaluate(EM, events, as_of="2015-12-31", complete=True)
    [duty] = report.filter(rule="reflection-ensured", kind="obligation")
    assert duty.party == qa
    due = REVIEW_DAY + dt.timedelta(days=14)
    assert duty.due == due
    if any(off is None for off in offsets.values()):
        assert duty.status == "breached"
        assert duty.fulfilled_by == ()
        return
    last = max(offsets, key=lambda c: (offsets[c], c))
    last_day = REVIEW_DAY + dt.timedelta(days=max(o for o in offsets.values() if o is not None))
    assert duty.status == ("fulfilled" if last_day <= due else "fulfilled_late")
    # met by the event that completed the set, on the last reflection's day
    [by] = duty.fulfilled_by
    assert by.removeprefix("x-") in owners
    assert offsets[by.removeprefix("x-")] == offsets[last]


def test_an_event_by_a_party_outside_the_set_never_meets_the_duty() -> None:
    team, host, qa = EM_COUNCILS[:2], EM_COUNCILS[2], EM_COUNCILS[3]
    events = [_review(team, host, qa)]
    # the QA DCS's own reflection, and one by an authority not on the team
    for i, c in enumerate([qa, EM_COUNCILS[4]]):
        events.append(
            {
                "id": f"x{i}",
                "type": "reflection.completed",
                "date": "2015-06-11",
                "council": c,
                "review": "rv",
            }
        )
    report = sli_rules.evaluate(EM, events, as_of="2015-12-31", complete=True)
    [duty] = report.filter(rule="reflection-ensured", kind="obligation")
    assert duty.status == "breached"
    for c in [*team, host]:
        assert c in duty.explanation  # the explanation says whose part is still owed


# ------------------------------------------------------------- regional bodies


def test_every_council_with_a_region_has_the_body_of_that_region() -> None:
    bodies = load_bodies()
    members = family_members("regional-sli-arrangements")
    assert family_problem("regional-sli-arrangements") is None
    codes = {bodies[b]["ons_region"] for b in members.values()}
    assert len(codes) == len(members)  # one ONS region code per body
    assert all(str(c).startswith("E12") and len(str(c)) == 9 for c in codes)
    for code, entry in load_registry().items():
        body = regional_body("regional-sli-arrangements", code)
        assert body is not None, code
        assert bodies[body]["region"] == entry["region"]
        assert bodies[body]["of"] == "regional-sli-arrangements"


def test_a_body_that_is_no_family_names_no_region() -> None:
    assert family_members("lga") == {}
    assert family_problem("lga") is not None
    assert regional_body("lga", "E06000010") is None
    assert regional_body("regional-sli-arrangements", "E99999999") is None


def test_the_region_of_the_council_in_need_owes_the_brokering_never_the_council() -> None:
    regions = {}
    for code, entry in load_registry().items():
        if entry.get("to") is None and code.startswith("E06"):
            regions.setdefault(entry["region"], code)
    events = [
        {
            "id": f"rq-{code}",
            "type": "support.requested",
            "date": "2014-03-03",
            "council": code,
            "request": f"rq-{code}",
            "service": "childrens",
        }
        for code in regions.values()
    ]
    report = sli_rules.evaluate(NATIONAL, events, as_of="2014-12-31", complete=True)
    found = report.filter(rule="regional-timely-brokering", kind="notice")
    assert sorted(f.party for f in found) == sorted(
        regional_body("regional-sli-arrangements", code) for code in regions.values()
    )
    assert not any(f.party.startswith("E") for f in report)


# ------------------------------------------------------------------- joiners (J1)


def _joined(day: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "id": "j1",
            "type": "party.joined",
            "date": day.isoformat(),
            "council": "E06000021",
            "agreement": EM,
        }
    ]


def test_a_joiner_owes_the_count_pro_rata_rounded_half_up_on_either_side_of_half() -> None:
    rs = sli_rules.load_ruleset(EM)
    start = rs.parameters["mou-period-start"].values[0][1]
    end = rs.parameters["mou-period-end"].values[0][1]
    days = (end - start).days + 1
    for left in (days // 2, days // 2 + 1):  # days to run, counting the joining day
        joined = end - dt.timedelta(days=left - 1)
        report = sli_rules.evaluate(EM, _joined(joined), as_of="2017-06-30", complete=True)
        owed = report.filter(rule="lead-a-review", party="E06000021")
        expect = int(left / days + 0.5)
        assert len(owed.filter(kind="obligation")) == expect, (joined, left, days)


def test_each_joiner_reading_can_be_set_for_a_run() -> None:
    joined = dt.date(2016, 6, 1)
    owed = {}
    for reading in ("full", "pro_rata", "next_period"):
        report = sli_rules.evaluate(
            EM,
            _joined(joined),
            as_of="2017-06-30",
            complete=True,
            parameters={"joiners-in-mou-period": reading},
        )
        found = report.filter(rule="lead-a-review", party="E06000021", kind="obligation")
        owed[reading] = [f.interpretations for f in found]
    assert owed["pro_rata"] == []  # 10 of 27 months left: under half
    assert owed["next_period"] == []
    [interps] = owed["full"]
    assert "joiners-in-mou-period=full" in interps
