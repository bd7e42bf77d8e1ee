"""A seeded synthetic event stream at national scale, for the benchmark.

The stream imitates a decade of sector-led improvement across England: councils host
peer challenges (with teams drawn from their region) and then publish feedback, action
plans and learning, send follow-up reports, reflect and deposit their reports; they
submit self-assessments and monthly or quarterly data returns, publish information,
answer requests, give peer-support days, ask for and receive support, and are judged by
Ofsted. Regional bodies hold meetings and summits, publish reports on their region,
review their agreements, raise concerns and escalate them. Most duties are met on time;
each council has its own reliability, so some are late and some never happen.

Every event is valid against the bundled event catalogue (types, required attributes
and closed vocabularies). Events come out in date order, with ids that sort the same
way, and the generator holds only the events it has scheduled for the coming months,
so a stream of any length is written in bounded memory.

    python benchmarks/generate.py OUT.jsonl [--councils 400] [--years 10] [--seed 1]
    python benchmarks/generate.py OUT.jsonl --events 50000      # pick the size instead

From Python: `generate_events(councils=..., years=..., seed=...)` yields dicts, and
`write_jsonl(path, ...)` writes them one JSON object per line.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import heapq
import json
import math
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "EVENTS_PER_COUNCIL_YEAR",
    "START_YEAR",
    "Council",
    "generate_events",
    "national_councils",
    "size_for",
    "write_jsonl",
]

START_YEAR = 2013
#: About how many events one council-year yields at density 1 (a mix of upper-tier
#: councils and shire districts as `national_councils` orders them), and how that splits
#: into the part that does not scale with density (reviews, duties, bodies) and the part
#: that does (routine returns, publications, peer days). Measured on 400 councils over
#: ten years; used only to pick a size from a wanted number of events.
EVENTS_PER_COUNCIL_YEAR = 236.0
FIXED_PER_COUNCIL_YEAR = 39.0
ROUTINE_PER_COUNCIL_YEAR = EVENTS_PER_COUNCIL_YEAR - FIXED_PER_COUNCIL_YEAR
UPPER_TIER_PER_YEAR = 294.0  # one upper-tier council's year at density 1
DISTRICT_PER_YEAR = 130.0  # one shire district's

Event = dict[str, Any]
Date = dt.date

# The regional bodies: the West and East Midlands ones are the parties the bundled
# rulesets name; the others stand for each region's children's services group.
REGION_BODY = {
    "north_east": "ne-dcs-group",
    "north_west": "nw-dcs-group",
    "yorkshire_and_the_humber": "yh-dcs-group",
    "east_midlands": "em-dcs-group",
    "west_midlands": "wmsli-steering-group",
    "east_of_england": "ee-dcs-group",
    "london": "london-dcs-group",
    "south_east": "se-dcs-group",
    "south_west": "sw-dcs-group",
}
REGIONS = tuple(REGION_BODY)
REGION_BOARD = {r: f"{b.split('-')[0]}-improvement-board" for r, b in REGION_BODY.items()}
AGREEMENT_OF_REGION = {
    "west_midlands": ("west-midlands-compact-2013", dt.date(2013, 7, 1)),
    "east_midlands": ("east-midlands-childrens-mou-2015", dt.date(2015, 1, 5)),
}
UPPER_TIER = ("E06", "E08", "E09", "E10")
SERVICES = ["adult_social_care", "childrens"]

MONTHLY_DATASETS_UPPER = (
    "monthly_childrens_social_care",
    "monthly_adults_social_care",
    "monthly_looked_after",
    "monthly_child_protection",
    "monthly_workforce",
    "monthly_finance",
    "monthly_send",
    "monthly_delayed_transfers",
    "monthly_early_help",
    "monthly_school_places",
    "monthly_complaints",
    "monthly_housing",
    "monthly_adoption",
    "monthly_care_leavers",
)
MONTHLY_DATASETS_DISTRICT = (
    "monthly_housing",
    "monthly_finance",
    "monthly_planning",
    "monthly_revenues",
    "monthly_waste",
    "monthly_complaints",
    "monthly_benefits",
    "monthly_homelessness",
    "monthly_licensing",
    "monthly_council_tax",
)
QUARTERLY_DATASETS = (
    "quarterly_childrens",
    "quarterly_adults",
    "quarterly_finance",
    "quarterly_workforce",
)
SUPPORT_KINDS = ("peer_support", "mentoring", "coaching", "secondment", "diagnostic")
GRADES = (
    ("outstanding", 0.08),
    ("good", 0.42),
    ("requires_improvement", 0.38),
    ("inadequate", 0.12),
)
CONTROL = ("labour", "conservative", "liberal_democrat", "no_overall_control", "independent")


@dataclass(frozen=True)
class Council:
    """One council of the synthetic country."""

    code: str
    region: str
    upper: bool  # provides adult social care and children's services
    created: Date | None = None
    abolished: Date | None = None
    synthetic: bool = False

    def live(self, day: Date) -> bool:
        return (self.created is None or self.created <= day) and (
            self.abolished is None or day < self.abolished
        )


def _registry() -> dict[str, dict[str, Any]]:
    """The bundled registry of councils, read directly (the generator needs no engine)."""
    import yaml

    path = Path(__file__).resolve().parents[1] / "rulesets" / "registry" / "councils.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): dict(v) for k, v in (data.get("councils") or {}).items()}


def registry_councils() -> int:
    """How many councils the bundled registry holds: the most a stream can have without
    made-up ones, whose events the intake rejects as unknown codes."""
    return len(_registry())


def national_councils(n: int) -> list[Council]:
    """`n` councils: the registry's first, taken region by region in turn, then made-up ones.

    Taking the regions in turn means a small `n` still spreads over the whole country
    (and so reaches the parties of every bundled ruleset). Made-up councils get codes
    that look like GSS codes but are numbered above every real one, so they never
    collide with the registry; most are shire districts, as in England.
    """
    by_region: dict[str, list[Council]] = {r: [] for r in REGIONS}
    for code, entry in _registry().items():
        region = str(entry.get("region", "london"))
        by_region.setdefault(region, []).append(
            Council(
                code=code,
                region=region,
                upper=code[:3] in UPPER_TIER,
                created=_as_date(entry.get("from") or entry.get("created")),
                abolished=_first_day_after(entry),
            )
        )
    ordered: list[Council] = []
    queues = [list(v) for v in by_region.values()]
    while any(queues) and len(ordered) < n:
        for q in queues:
            if q and len(ordered) < n:
                ordered.append(q.pop(0))
    prefixes = ("E07", "E06", "E07", "E10", "E07", "E08", "E07", "E09", "E07")
    counters = {"E06": 100, "E07": 300, "E08": 100, "E09": 100, "E10": 100}
    k = 0
    while len(ordered) < n:
        prefix = prefixes[k % len(prefixes)]
        code = f"{prefix}{counters[prefix]:06d}"
        counters[prefix] += 1
        ordered.append(
            Council(code, REGIONS[k % len(REGIONS)], prefix in UPPER_TIER, synthetic=True)
        )
        k += 1
    return ordered


def _first_day_after(entry: dict[str, Any]) -> Date | None:
    """The first day a council no longer exists: the day after its `to` (the registry's
    last day, inclusive), or the older `abolished` key."""
    last = _as_date(entry.get("to"))
    if last is not None:
        return last + dt.timedelta(days=1)
    return _as_date(entry.get("abolished"))


def _as_date(value: Any) -> Date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def size_for(events: int, councils: int | None = None, years: int = 10) -> tuple[int, int, float]:
    """(councils, years, density) for a stream of about `events` events.

    With the councils left open, the size sets how many councils there are (at the
    usual mix of activity per council); with the councils given, it sets the density
    of routine returns, publications and peer days instead (which cannot go below none:
    a size smaller than the reviews and duties alone gives those alone).
    """
    if councils is None:
        # add councils in the order the stream takes them until their yearly events add
        # up: upper-tier councils (taken first) are busier than shire districts
        wanted, total, councils = events / years, 0.0, 0
        pool = national_councils(max(1, round(2 * wanted / DISTRICT_PER_YEAR)))
        for c in pool:
            rate = UPPER_TIER_PER_YEAR if c.upper else DISTRICT_PER_YEAR
            if councils and total + rate / 2 > wanted:
                break
            total += rate
            councils += 1
        return max(1, councils), years, 1.0
    per_council_year = events / (councils * years)
    density = (per_council_year - FIXED_PER_COUNCIL_YEAR) / ROUTINE_PER_COUNCIL_YEAR
    return councils, years, max(0.0, density)


# --------------------------------------------------------------------- the generator


@dataclass
class _Profile:
    """How reliable a council is, and the month it does its annual duties in."""

    on_time: float
    annual_month: int
    quarter_day: int


@dataclass(order=True)
class _Pending:
    day: int
    seq: int
    event: Event = field(compare=False)


class _Stream:
    """Schedules events into a heap and releases them in date order, month by month."""

    def __init__(self, councils: Sequence[Council], years: int, seed: int, density: float):
        self.rng = random.Random(seed)
        self.councils = list(councils)
        self.start = dt.date(START_YEAR, 1, 1)
        self.end = dt.date(START_YEAR + years, 1, 1)  # exclusive
        self.density = density
        self.heap: list[_Pending] = []
        self.seq = 0
        self.counter = 0
        self.profiles = {c.code: self._profile() for c in self.councils}
        self.by_region: dict[str, list[Council]] = {}
        for c in self.councils:
            self.by_region.setdefault(c.region, []).append(c)
        self.all_upper = [c for c in self.councils if c.upper]
        self.by_code = {c.code: c for c in self.councils}

    def _profile(self) -> _Profile:
        r = self.rng.random()
        if r < 0.05:  # a council in difficulty
            on_time = self.rng.uniform(0.45, 0.7)
        elif r < 0.25:
            on_time = self.rng.uniform(0.75, 0.9)
        else:
            on_time = self.rng.uniform(0.9, 0.99)
        return _Profile(on_time, self.rng.randint(1, 12), self.rng.randint(1, 25))

    # -- scheduling
    def put(self, day: Date, type_: str, council: str, **attrs: Any) -> None:
        if day < self.start or day >= self.end:
            return
        known = self.by_code.get(council)
        if known is not None and not known.live(day):
            return  # e.g. a follow-up scheduled for after the council was abolished
        event: Event = {"type": type_, "date": day.isoformat(), "council": council}
        event.update({k: v for k, v in attrs.items() if v is not None})
        self.seq += 1
        heapq.heappush(self.heap, _Pending(day.toordinal(), self.seq, event))

    def release(self, before: Date) -> Iterator[Event]:
        limit = before.toordinal()
        while self.heap and self.heap[0].day < limit:
            item = heapq.heappop(self.heap)
            self.counter += 1
            yield {"id": f"ev-{self.counter:08d}", **item.event}

    def new_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}-{self.seq:08d}"

    # -- small random helpers
    def day_in(self, year: int, month: int) -> Date:
        return dt.date(year, month, self.rng.randint(1, calendar.monthrange(year, month)[1]))

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def outcome(self, code: str) -> str:
        """'on_time', 'late' or 'missing', by the council's reliability."""
        if self.rng.random() < self.profiles[code].on_time:
            return "on_time"
        return "late" if self.rng.random() < 0.55 else "missing"

    def after(
        self, day: Date, code: str, on_time: tuple[int, int], late: tuple[int, int]
    ) -> Date | None:
        """When a follow-up due within a window comes: in it, after it, or never (None)."""
        o = self.outcome(code)
        if o == "missing":
            return None
        lo, hi = on_time if o == "on_time" else late
        return day + dt.timedelta(days=self.rng.randint(lo, hi))

    def peers(self, host: Council, k: int, day: Date) -> list[Council]:
        """`k` upper-tier councils other than the host, from its region where possible."""
        pool = [c for c in self.by_region.get(host.region, []) if c.upper and c.live(day)]
        pool = [c for c in pool if c.code != host.code]
        if len(pool) < k:
            extra = [c for c in self.all_upper if c.code != host.code and c.live(day)]
            pool = pool + self.rng.sample(extra, min(len(extra), k * 2))
        seen: dict[str, Council] = {}
        for c in pool:
            seen.setdefault(c.code, c)
        pool = list(seen.values())
        return self.rng.sample(pool, min(k, len(pool)))

    # -- the whole stream
    def events(self) -> Iterator[Event]:
        self._agreements()
        year, month = START_YEAR, 1
        while dt.date(year, month, 1) < self.end:
            for c in self.councils:
                if c.live(dt.date(year, month, 1)):
                    self._council_month(c, year, month)
            for region in REGIONS:
                self._body_month(region, year, month)
            if month == 4:
                self._national_year(year)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            yield from self.release(dt.date(year, month, 1))
        yield from self.release(dt.date.max)

    def _agreements(self) -> None:
        """Councils sign their region's agreement when it starts."""
        for c in self.councils:
            agreement = AGREEMENT_OF_REGION.get(c.region)
            if agreement is None or c.synthetic or not c.live(agreement[1]):
                continue
            ident, start = agreement
            roles = ["leader", "chief_executive"]
            if c.upper:
                roles += ["lead_member_adult_social_care", "lead_member_childrens", "dcs"]
            if self.rng.random() < 0.05:
                roles = roles[1:]  # a signature block with the leader missing
            day = start + dt.timedelta(days=self.rng.randint(0, 20))
            self.put(day, "agreement.signed", c.code, agreement=ident, signatories=roles)

    # -- one council, one month
    def _council_month(self, c: Council, year: int, month: int) -> None:
        rng, prof, code = self.rng, self.profiles[c.code], c.code
        body = REGION_BODY[c.region]
        # monthly data returns for the previous month
        datasets = MONTHLY_DATASETS_UPPER if c.upper else MONTHLY_DATASETS_DISTRICT
        wanted = len(datasets) * self.density
        n = int(wanted) + (1 if rng.random() < wanted - int(wanted) else 0)
        prev = dt.date(year, month, 1) - dt.timedelta(days=1)
        period = f"{prev.year}-{prev.month:02d}"
        for ds in datasets[: min(n, len(datasets))]:
            when = self.after(dt.date(year, month, 1), code, (4, 20), (25, 70))
            if when is not None:
                to = "sdsa" if c.region == "east_midlands" else body
                self.put(when, "data_return.submitted", code, period=period, dataset=ds, to=to)
        for kind in ("standard_data", "performance"):
            if rng.random() < min(1.0, self.density):
                self.put(
                    self.day_in(year, month),
                    "information.published",
                    code,
                    kind=kind,
                    period=period,
                )
        # quarterly returns for the quarter just ended
        if c.upper and month in (1, 4, 7, 10):
            q_end = dt.date(year, month, 1) - dt.timedelta(days=1)
            q_label = f"{q_end.year}-Q{(q_end.month - 1) // 3 + 1}"
            for ds in QUARTERLY_DATASETS:
                when = self.after(dt.date(year, month, prof.quarter_day), code, (0, 10), (40, 120))
                if when is not None:
                    to = "sdsa" if c.region == "east_midlands" else body
                    self.put(when, "data_return.submitted", code, period=q_label, dataset=ds, to=to)
        # peer-support days given outside reviews
        for _ in range(self.poisson((4.0 if c.upper else 0.5) * self.density)):
            peer = self.peers(c, 1, dt.date(year, month, 1))
            role = "dcs" if c.upper and rng.random() < 0.3 else rng.choice(("officer", "member"))
            self.put(
                self.day_in(year, month),
                "peer_days.given",
                code,
                days=rng.choice((0.5, 1, 1, 1.5, 2, 3)),
                role=role,
                to=peer[0].code if peer else None,
            )
        if month == prof.annual_month:
            self._annual(c, year, month)
        if c.upper:
            self._upper_month(c, year, month)
        elif rng.random() < 0.2 / 12:
            self._review(c, year, month, "corporate")
        for _ in range(self.poisson(3.0 / 12)):
            self._information_request(c, year, month)
        for _ in range(self.poisson((1.2 if c.upper else 0.3) / 12)):
            self._support_request(c, year, month)
        if month == 5 and rng.random() < 0.12:
            before, after = rng.sample(CONTROL, 2)
            self.put(
                self.day_in(year, 5),
                "political_control.changed",
                code,
                previous_control=before,
                control=after,
            )
        if rng.random() < 0.12 / 12:
            self.put(
                self.day_in(year, month),
                "chief_executive.changed",
                code,
                interim=rng.random() < 0.3,
            )

    def _annual(self, c: Council, year: int, month: int) -> None:
        rng, code = self.rng, c.code
        fy = year if month >= 4 else year - 1
        fy_label = f"{fy}-{(fy + 1) % 100:02d}"
        services = ["childrens", "adult_social_care", "corporate"] if c.upper else ["corporate"]
        for service in services:
            if service == "corporate" and c.upper and rng.random() < 0.5:
                continue
            when = self.after(dt.date(year, month, 1), code, (0, 27), (0, 27))
            if when is None:
                continue
            template = "agreed" if rng.random() < 0.93 else "own"
            to = "em-dcs-group" if c.region == "east_midlands" and service == "childrens" else None
            self.put(
                when,
                "self_assessment.submitted",
                code,
                template=template,
                period=fy_label,
                service=service,
                to=to,
            )
        if c.upper:
            # an annual children's peer challenge, as most regional schemes ask
            o = self.outcome(code)
            if o == "on_time":
                self._review(c, year, month, "childrens")
            elif o == "late":
                later = dt.date(year, month, 1) + dt.timedelta(days=rng.randint(60, 150))
                self._review(c, later.year, later.month, "childrens")
            if self.outcome(code) != "missing":
                self.put(
                    self.day_in(year, month),
                    "information.published",
                    code,
                    kind="benchmarking",
                    period=fy_label,
                    service="childrens",
                )
            if self.outcome(code) != "missing":
                self.put(
                    self.day_in(year, month),
                    "information.published",
                    code,
                    kind="local_account",
                    period=fy_label,
                    service="adult_social_care",
                )
            if rng.random() < 0.6:
                self.put(
                    self.day_in(year, month),
                    "officer.nominated",
                    code,
                    role=rng.choice(
                        ("peer_challenge_team_member", "safeguarding_assurance_team_member")
                    ),
                    tier=rng.choice((2, 2, 3)),
                    years_in_tier=rng.choice((1, 2, 3, 4, 5, 8)),
                )
            for _ in range(rng.randint(0, 3)):
                self.put(
                    self.day_in(year, month),
                    "training.completed",
                    code,
                    role=rng.choice(
                        ("lead_dcs", "qa_dcs", "peer_challenge_team_member", "data_specialist")
                    ),
                    tier=rng.choice((1, 2, 3)),
                )
            if c.region == "east_midlands" and rng.random() < 0.3:
                self.put(
                    self.day_in(year, month),
                    "safeguarding_lead.identified",
                    code,
                    tier=2 if rng.random() < 0.95 else 3,
                )

    def _upper_month(self, c: Council, year: int, month: int) -> None:
        rng = self.rng
        # reviews hosted besides the annual children's one (see `_annual`)
        rates = {
            "adult_social_care": 0.25,
            "corporate": 0.2,
            "safeguarding": 0.15,
        }
        for kind, rate in rates.items():
            if rng.random() < rate / 12:
                self._review(c, year, month, kind)
        if rng.random() < 0.45 / 12:
            self._safeguarding_visit(c, year, month)
        if rng.random() < 0.25 / 12:
            self._ofsted(c, year, month)

    # -- a peer challenge and everything that follows it
    def _review(self, host: Council, year: int, month: int, kind: str) -> None:
        rng, code = self.rng, host.code
        day = self.day_in(year, month)
        review = self.new_id(f"rv-{code}")
        size = rng.choice((4, 5, 5, 6))
        peers = self.peers(host, size, day)
        if not peers:
            return
        lead, qa = peers[0], peers[-1]
        team = []
        for i, p in enumerate(peers):
            role = "lead_dcs" if i == 0 else "data_specialist" if i == 1 else "member"
            member: dict[str, Any] = {
                "council": p.code,
                "role": role,
                "core": i < 4,
                "tier": 1 if i == 0 else rng.choice((2, 2, 3)),
                "years_in_tier": rng.choice((1, 2, 3, 4, 6, 9)),
                "conflicts": [],
            }
            if rng.random() < 0.02:
                member["conflicts"] = [code]  # a declared conflict with the host
            team.append(member)
        if rng.random() < 0.03 and len(team) > 1:
            team[-1]["council"] = code  # someone from the reviewed area slipped in
        self.put(
            day,
            "peer_challenge.held",
            code,
            review=review,
            kind=kind,
            start=(day - dt.timedelta(days=rng.randint(2, 4))).isoformat(),
            provider="lga" if kind in ("corporate", "adult_social_care") else "regional",
            lead=lead.code,
            qa=qa.code,
            team=team,
        )
        for m in team:
            self.put(
                day,
                "peer_days.given",
                m["council"],
                days=rng.choice((3, 4, 4, 5)),
                role="dcs" if m["role"] == "lead_dcs" else "officer",
                to=code,
                review=review,
            )
            if rng.random() < 0.9:
                when = day + dt.timedelta(days=rng.randint(1, 21))
                self.put(when, "reflection.completed", m["council"], review=review, role=m["role"])
        when = day + dt.timedelta(days=rng.randint(1, 21))
        self.put(when, "reflection.completed", code, review=review, role="host_dcs")
        fb = self.after(day, code, (20, 180), (190, 330))
        with_plan = rng.random() < 0.6
        if fb is not None:
            self.put(fb, "feedback.published", code, review=review, action_plan=with_plan)
        if not with_plan or fb is None:
            ap = self.after(day, code, (30, 180), (190, 330))
            if ap is not None:
                self.put(ap, "action_plan.published", code, review=review)
        ls = self.after(day, code, (20, 175), (190, 300))
        if ls is not None:
            via = rng.choice(("regional_event", "lg_inform", "report"))
            self.put(ls, "learning.shared", code, review=review, via=via)
        if kind in ("childrens", "safeguarding"):
            fu = self.after(day, code, (93, 182), (190, 280))
            if fu is not None and rng.random() < 0.05:
                fu = day + dt.timedelta(days=rng.randint(40, 85))  # sent too early
            if fu is not None:
                self.put(
                    fu,
                    "follow_up_report.submitted",
                    code,
                    review=review,
                    recipients=[lead.code, qa.code],
                )
                for who, role in ((lead, "lead_dcs"), (qa, "qa_dcs")):
                    rv = self.after(fu, who.code, (5, 40), (60, 120))
                    if rv is not None:
                        self.put(
                            rv, "follow_up_report.reviewed", who.code, review=review, role=role
                        )
            dep = self.after(day, code, (20, 120), (150, 300))
            if dep is not None:
                to = "sdsa" if host.region == "east_midlands" else REGION_BODY[host.region]
                self.put(dep, "review_report.deposited", code, review=review, **{"with": to})
            if rng.random() < 0.04:
                incident = self.new_id("ci")
                self.put(
                    day,
                    "critical_incident.identified",
                    code,
                    review=review,
                    incident=incident,
                    by=rng.choice(team)["council"],
                )
                rep = self.after(day, lead.code, (0, 1), (2, 10))
                if rep is not None:
                    self.put(
                        rep,
                        "critical_incident.reported",
                        code,
                        review=review,
                        incident=incident,
                        by=lead.code,
                    )

    def _safeguarding_visit(self, host: Council, year: int, month: int) -> None:
        rng = self.rng
        day = self.day_in(year, month)
        visitors = [
            {
                "council": p.code,
                "tier": 2 if rng.random() < 0.9 else 3,
                "role": "second_tier_officer" if i == 0 else "specialist_supporter",
            }
            for i, p in enumerate(self.peers(host, rng.choice((2, 2, 3)), day))
        ]
        if not visitors:
            return
        self.put(
            day,
            "safeguarding_visit.held",
            host.code,
            visit=self.new_id(f"sv-{host.code}"),
            start=(day - dt.timedelta(days=1)).isoformat(),
            visitors=visitors,
        )

    def _ofsted(self, c: Council, year: int, month: int) -> None:
        rng, code = self.rng, c.code
        day = self.day_in(year, month)
        r, grade = rng.random(), "good"
        for g, p in GRADES:
            if r < p:
                grade = g
                break
            r -= p
        framework = "sif" if year < 2018 else "ilacs"
        self.put(day, "ofsted.judgement", code, grade=grade, framework=framework)
        if grade != "inadequate":
            return
        # the national offer through the LGA, and the region's response
        when = self.after(day, code, (3, 28), (35, 80))
        if when is not None:
            kind = rng.choice(("diagnostic", "peer_support"))
            self.put(when, "support.offered", "lga", request=self.new_id("lga"), to=code, kind=kind)
        body = REGION_BODY[c.region]
        concern = self.new_id(f"cn-{code}")
        self._concern(body, code, concern, day + dt.timedelta(days=rng.randint(3, 20)))
        if rng.random() < 0.5:
            start = day + dt.timedelta(days=rng.randint(20, 90))
            self.put(
                start,
                "intervention.started",
                code,
                kind=rng.choice(("improvement_notice", "statutory_direction")),
                service="childrens",
                by="dfe",
            )
            offer = self.after(start, code, (5, 85), (95, 150))
            if offer is not None:
                self.put(
                    offer,
                    "support.offered",
                    body,
                    request=self.new_id("rg"),
                    to=code,
                    kind="peer_support",
                )

    def _concern(self, body: str, about: str, concern: str, day: Date) -> None:
        rng = self.rng
        self.put(day, "concern.raised", body, about=about, concern=concern)
        step_day = day
        for step in (1, 2, 3):
            if rng.random() < 0.45:  # resolved before this step
                resolve_day = step_day + dt.timedelta(days=rng.randint(5, 60))
                self.put(resolve_day, "concern.resolved", body, about=about, concern=concern)
                return
            gap = rng.randint(5, 28) if rng.random() < 0.85 else rng.randint(35, 90)
            step_day = step_day + dt.timedelta(days=gap)
            self.put(step_day, "escalation.taken", body, about=about, concern=concern, step=step)
        if rng.random() < 0.7:
            resolve_day = step_day + dt.timedelta(days=rng.randint(30, 180))
            self.put(resolve_day, "concern.resolved", body, about=about, concern=concern)

    def _information_request(self, c: Council, year: int, month: int) -> None:
        rng, code = self.rng, c.code
        day = self.day_in(year, month)
        request = self.new_id("ir")
        body = REGION_BODY[c.region]
        agreed = REGION_BOARD[c.region] if rng.random() < 0.8 else None
        kind = rng.choice(("benchmarking", "standard_data", "learning"))
        self.put(
            day,
            "information.requested",
            code,
            request=request,
            agreed_via=agreed,
            kind=kind,
            **{"from": body},
        )
        when = self.after(day, code, (2, 28), (33, 90))
        if when is not None:
            self.put(when, "information.published", code, request=request, kind=kind)

    def _support_request(self, c: Council, year: int, month: int) -> None:
        rng, code = self.rng, c.code
        day = self.day_in(year, month)
        request = self.new_id("sr")
        body = REGION_BODY[c.region]
        r = rng.random()
        if r < 0.1:
            kind = "corporate_peer_challenge"
            self.put(day, "support.requested", code, request=request, to="lga", kind=kind)
            self.put(
                day + dt.timedelta(days=rng.randint(5, 40)),
                "support.responded",
                "lga",
                request=request,
                to=code,
                kind=kind,
                outcome="agreed",
            )
            return
        kind = rng.choice(SUPPORT_KINDS)
        service = rng.choice(("childrens", "childrens", "adult_social_care", "corporate"))
        peer = self.peers(c, 1, day) if r < 0.6 else []
        to = peer[0].code if peer else body
        self.put(
            day,
            "support.requested",
            code,
            request=request,
            to=to,
            kind=kind,
            service=service if c.upper else "corporate",
        )
        answer = self.after(day, to if peer else code, (2, 28), (35, 75))
        if answer is not None:
            outcome = rng.choice(("agreed", "agreed", "considered", "declined"))
            self.put(
                answer,
                "support.responded",
                to,
                request=request,
                to=code,
                kind=kind,
                outcome=outcome,
            )
        broker = self.after(day, code, (5, 29), (35, 90))
        if broker is not None:
            self.put(broker, "support.brokered", body, request=request, to=code, kind=kind)

    # -- regional bodies
    def _body_month(self, region: str, year: int, month: int) -> None:
        rng = self.rng
        body = REGION_BODY[region]
        first = dt.date(year, month, 1)
        members = [c for c in self.by_region.get(region, []) if c.live(first)]
        if not members:
            return
        upper = [c for c in members if c.upper]
        if region == "east_midlands":
            holds = month in (1, 3, 5, 7, 9, 11)
            fmt = "afternoon" if month in (3, 11) else "full_day"
        elif region == "west_midlands":
            holds = month in (3, 6, 9, 12)
            fmt = "full_day"
        else:
            holds = rng.random() < 0.6
            fmt = rng.choice(("afternoon", "full_day"))
        if holds and (upper or region == "west_midlands"):
            invited = members if region == "west_midlands" else upper
            attendees = [
                {"council": c.code, "representative": rng.random() < 0.15}
                for c in invited
                if rng.random() < 0.9
            ]
            sessions = ["themed"] if fmt == "afternoon" else []
            if region == "east_midlands" and month in (5, 9):
                sessions.append("dcs_peer_challenge")
            self.put(
                self.day_in(year, month),
                "meeting.held",
                body,
                meeting=self.new_id(f"mt-{body}"),
                format=fmt,
                sessions=sessions or None,
                attendees=attendees,
            )
        if month == 10 and upper:
            contributors = [c.code for c in upper if rng.random() < 0.85]
            self.put(
                self.day_in(year, month),
                "summit.held",
                body,
                summit=self.new_id("sm"),
                contributors=contributors,
            )
        if month == 11 and rng.random() < 0.93:
            self.put(
                self.day_in(year, month),
                "region_report.published",
                body,
                year=f"{year - 1}-{year % 100:02d}",
                region=region,
            )
        agreement = AGREEMENT_OF_REGION.get(region)
        if (
            agreement is not None
            and month == 6
            and first > agreement[1]
            and (region != "east_midlands" or year >= 2017)
            and rng.random() < 0.9
        ):
            self.put(
                self.day_in(year, month),
                "agreement.reviewed",
                body,
                agreement=agreement[0],
                signatories=["chair"],
            )
        # concerns raised about councils seen to be disengaging
        for _ in range(self.poisson(len(upper) * 0.03 / 12)):
            about = rng.choice(upper)
            self._concern(
                body, about.code, self.new_id(f"cn-{about.code}"), self.day_in(year, month)
            )

    def _national_year(self, year: int) -> None:
        if self.rng.random() < 0.92:
            self.put(
                self.day_in(year, self.rng.randint(4, 12)),
                "information.published",
                "lga",
                kind="peer_reviewer_register",
                period=f"{year}-{(year + 1) % 100:02d}",
            )


def generate_events(
    *,
    councils: int = 400,
    years: int = 10,
    seed: int = 1,
    density: float = 1.0,
) -> Iterator[Event]:
    """The stream as dicts, in (date, id) order, generated as they are consumed."""
    if councils < 1 or years < 1:
        raise ValueError("councils and years must be at least 1")
    return _Stream(national_councils(councils), years, seed, density).events()


def write_jsonl(
    path: str | Path,
    *,
    councils: int = 400,
    years: int = 10,
    seed: int = 1,
    density: float = 1.0,
) -> int:
    """Write the stream to `path`, one JSON object per line; returns the number of events."""
    n = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with Path(path).open("w", encoding="utf-8") as out:
        for event in generate_events(councils=councils, years=years, seed=seed, density=density):
            out.write(dumps(event))
            out.write("\n")
            n += 1
    return n


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the JSONL file to write")
    parser.add_argument("--councils", type=int, default=None, help="how many (default 400)")
    parser.add_argument("--years", type=int, default=10, help="how many, from 2013 (default 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--density", type=float, default=None, help="routine returns (default 1)")
    parser.add_argument("--events", type=int, default=None, help="pick the size: about N events")
    parser.add_argument(
        "--check", action="store_true", help="validate every event against the catalogue"
    )
    args = parser.parse_args(argv)
    councils, years, density = args.councils or 400, args.years, args.density or 1.0
    if args.events is not None:
        councils, years, density = size_for(args.events, args.councils, args.years)
    n = write_jsonl(args.out, councils=councils, years=years, seed=args.seed, density=density)
    size = f"{councils} councils, {years} years, density {density:.2f}"
    print(f"wrote {n} events ({size}) to {args.out}")
    if args.check:
        from sli_rules import read_events

        intake = read_events(args.out, lenient=True)
        for r in intake.rejected[:20]:
            print(f"rejected: {r}", file=sys.stderr)
        print(f"checked: {len(intake.events)} valid, {len(intake.rejected)} rejected")
        return 1 if intake.rejected else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
