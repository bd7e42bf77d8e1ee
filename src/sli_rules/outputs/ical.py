"""Upcoming deadlines as iCalendar (RFC 5545), for the calendars of the parties.

One all-day event per deadline, on its due date: obligations still `open` or `upcoming`,
and escalation steps `due`, whose due date is on or after the report's date. Each event's
UID is derived from the finding's key, so importing a newer calendar updates an event
rather than adding a second one, and DTSTAMP is the report's date, so the same report
always gives the same bytes. Needs the `calendar` extra (the `icalendar` library).

Nothing personal goes in: parties are councils and bodies, named by code and name.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Iterable

from sli_rules._version import __version__
from sli_rules.engine.plan import Plan
from sli_rules.model.findings_view import FindingsView
from sli_rules.model.values import Finding, Ruleset
from sli_rules.model.vocabulary import Kind, Status
from sli_rules.outputs.names import party_name

__all__ = ["UPCOMING", "to_ical", "upcoming"]

#: the statuses, by kind of finding, of a deadline still ahead
UPCOMING: dict[str, tuple[str, ...]] = {
    Kind.OBLIGATION: (Status.OPEN, Status.UPCOMING),
    Kind.ESCALATION: (Status.DUE,),
}


def upcoming(
    report: FindingsView, *, parties: Iterable[str] | None = None, days: int | None = None
) -> list[Finding]:
    """The deadlines still ahead as of the report's date: open or upcoming obligations and
    escalation steps due, due on or after that date (and within `days` of it, if given),
    owed by one of `parties` (all when None). An escalation step is owed by its actor."""
    chosen = set(parties) if parties is not None else None
    last = report.as_of + _dt.timedelta(days=days) if days is not None else None
    out = []
    for f in report.findings:
        if f.status not in UPCOMING.get(f.kind, ()) or f.due is None:
            continue
        if f.due < report.as_of or (last is not None and f.due > last):
            continue
        if chosen is not None and f.party not in chosen and f.actor not in chosen:
            continue
        out.append(f)
    return out


def uid(f: Finding) -> str:
    """A stable identifier for the deadline: the same finding gets it in every run."""
    key = [
        f.kind,
        f.agreement,
        f.rule,
        f.party,
        list(f.triggered_by),
        f.step,
        f.opens.isoformat() if f.opens else None,
    ]
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]
    return f"{digest}@sli-rules"


class _Names:
    """Party names, rule titles and quotes, from the rulesets when they are given."""

    def __init__(self, rulesets: Iterable[Ruleset]) -> None:
        self.rulesets = {rs.id: rs for rs in rulesets}
        self.parties: dict[str, str] = {}
        for rs in self.rulesets.values():
            for p in rs.parties:
                self.parties.setdefault(p.id, p.name)

    def party(self, code: str | None) -> str:
        if not code:
            return ""
        name = self.parties.get(code) or party_name(code)  # the registry's, bodies too
        return f"{name} ({code})" if name and name != code else code

    def quote(self, f: Finding) -> str:
        rs = self.rulesets.get(f.agreement)
        if rs is None:
            return ""
        for r in rs.rules:
            if r.id == f.rule:
                return r.quote
        for ladder in rs.escalations:
            if ladder.id == f.rule:
                return ladder.quote
        return ""

    def agreement(self, agreement: str) -> str:
        rs = self.rulesets.get(agreement)
        return f"{rs.title} ({agreement})" if rs is not None else agreement


def _rulesets_of(rulesets: Iterable[Ruleset] | Plan | None) -> list[Ruleset]:
    if rulesets is None:
        return []
    if isinstance(rulesets, Plan):
        return [cr.ruleset for cr in rulesets.rulesets]
    return list(rulesets)


def _summary(f: Finding, names: _Names) -> str:
    title = f.title or f.rule
    if f.kind == Kind.ESCALATION.value:
        about = f" about {names.party(f.about)}" if f.about else ""
        return (
            f"{names.party(f.party)}: escalation step {f.step}{about}: {title} (clause {f.clause})"
        )
    return f"{names.party(f.party)}: {title} (clause {f.clause})"


def _description(f: Finding, names: _Names) -> str:
    lines = [f.explanation, ""]
    quote = names.quote(f)
    clause = f"Clause {f.clause} of {names.agreement(f.agreement)}"
    lines.append(f"{clause}: \u201c{quote}\u201d" if quote else f"{clause}.")
    window = f"opens {f.opens}, " if f.opens and f.status == Status.UPCOMING.value else ""
    lines.append(f"Status: {f.status}; {window}due {f.due}.")
    if f.interpretations:
        lines.append("Rests on interpretations: " + ", ".join(f.interpretations) + ".")
    lines.append(f"Rule: {f.rule}.")
    return "\n".join(lines)


def to_ical(
    report: FindingsView,
    *,
    parties: Iterable[str] | None = None,
    days: int | None = None,
    rulesets: Iterable[Ruleset] | Plan | None = None,
    name: str | None = None,
) -> bytes:
    """The report's upcoming deadlines (see `upcoming`) as an iCalendar file.

    `rulesets` (or a compiled plan), when given, supply the parties' names and the quoted
    words of each clause. Needs the `calendar` extra: `pip install 'sli-rules[calendar]'`.
    """
    try:
        import icalendar
    except ImportError:
        raise ImportError(
            "calendar export needs icalendar: pip install 'sli-rules[calendar]'"
        ) from None
    names = _Names(_rulesets_of(rulesets))
    chosen = list(parties) if parties is not None else None
    stamp = _dt.datetime.combine(report.as_of, _dt.time(0, 0), tzinfo=_dt.UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//sli-rules//sli-rules {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    who = ", ".join(names.party(c) for c in chosen) if chosen else "all parties"
    cal.add("x-wr-calname", name or f"SLI deadlines: {who}")
    cal.add(
        "x-wr-caldesc",
        f"Upcoming deadlines under {', '.join(report.rulesets) or 'the rulesets'}, "
        f"as of {report.as_of}",
    )
    for f in upcoming(report, parties=chosen, days=days):
        assert f.due is not None
        ev = icalendar.Event()
        ev.add("uid", uid(f))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", f.due)
        ev.add("dtend", f.due + _dt.timedelta(days=1))
        ev.add("summary", _summary(f, names))
        ev.add("description", _description(f, names))
        ev.add("categories", [f.agreement, f.kind])
        ev.add("transp", "TRANSPARENT")
        ev.add("status", "CONFIRMED")
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
