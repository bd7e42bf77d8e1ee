"""The words of a report: the kinds of finding and their statuses, in one table.

Every other place that names a status (the JSON Schema, the HTML report, the timeline
plot, `sli-rules explain`) reads `STATUSES`; the meanings here are the ones the schema
and docs/findings.md give. A `Finding` carries the plain text of a kind and a status
(`Kind` and `Status` are `str` enums, so `Status.BREACHED == "breached"`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

__all__ = ["KINDS", "KIND_NOUNS", "STATUSES", "Kind", "Status", "StatusWords", "Urgency"]


class Kind(enum.StrEnum):
    """What a finding is."""

    OBLIGATION = "obligation"
    BREACH = "breach"
    ESCALATION = "escalation"
    NOTICE = "notice"


KINDS: tuple[str, ...] = tuple(k.value for k in Kind)

# what one finding of each kind is called in a sentence ("3 escalation steps")
KIND_NOUNS: Mapping[Kind, str] = {
    Kind.OBLIGATION: "obligation",
    Kind.BREACH: "breach",
    Kind.ESCALATION: "escalation step",
    Kind.NOTICE: "notice",
}


class Status(enum.StrEnum):
    """Where a finding stands as of the report's date."""

    UPCOMING = "upcoming"
    OPEN = "open"
    FULFILLED = "fulfilled"
    FULFILLED_LATE = "fulfilled_late"
    FULFILLED_EARLY = "fulfilled_early"
    BREACHED = "breached"
    UNRECORDED = "unrecorded"
    UNDETERMINED = "undetermined"
    WAIVED = "waived"
    DISCHARGED = "discharged"
    REMEDIED = "remedied"
    MISSED = "missed"
    EXCEEDED = "exceeded"
    AVAILABLE = "available"
    LAPSED = "lapsed"
    DUE = "due"
    TAKEN = "taken"
    STOPPED = "stopped"


class Urgency(enum.Enum):
    """How much a status asks of a reader: what a long report keeps when it is cut."""

    ATTENTION = 0  # something is wrong or must be done now
    PENDING = 1  # not yet due
    SETTLED = 2  # nothing left to do


@attrs.frozen
class StatusWords:
    meaning: str  # "<kinds it applies to>: <what it means>", for the schema and docs
    met: bool  # the duty was done (on time, early, late) or waived
    urgency: Urgency
    html_colour: str  # row background in the HTML report (notebooks)
    plot_colour: str  # bar colour in the timeline plot


STATUSES: Mapping[Status, StatusWords] = {
    Status.UPCOMING: StatusWords(
        "obligation: its window has not opened yet",
        met=False,
        urgency=Urgency.PENDING,
        html_colour="#f1f3f5",
        plot_colour="#c9ced6",
    ),
    Status.OPEN: StatusWords(
        "obligation: its window is open and it is not yet due",
        met=False,
        urgency=Urgency.PENDING,
        html_colour="#e7f1ff",
        plot_colour="#5b8def",
    ),
    Status.FULFILLED: StatusWords(
        "obligation or constraint: met on time",
        met=True,
        urgency=Urgency.SETTLED,
        html_colour="#d1e7dd",
        plot_colour="#3a9d5d",
    ),
    Status.FULFILLED_LATE: StatusWords(
        "obligation: met, but after the due date (a breach says 'remedied')",
        met=True,
        urgency=Urgency.SETTLED,
        html_colour="#fde2c4",
        plot_colour="#f0a030",
    ),
    Status.FULFILLED_EARLY: StatusWords(
        "obligation or notice: met before its window opened",
        met=True,
        urgency=Urgency.SETTLED,
        html_colour="#d1e7dd",
        plot_colour="#86c99a",
    ),
    Status.BREACHED: StatusWords(
        "obligation or breach: not met by the due date",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#f8d7da",
        plot_colour="#d62728",
    ),
    Status.UNRECORDED: StatusWords(
        "obligation: due, with no fulfilling event in the record, which is not declared "
        "complete for it (absence is not evidence of a breach)",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#ede7f6",
        plot_colour="#9467bd",
    ),
    Status.UNDETERMINED: StatusWords(
        "obligation, breach, escalation or notice: an event it depends on has an imprecise "
        "date, and the status differs between the days the event could have happened on, "
        "or the finding exists on some of them only; 'possible' lists every status it "
        "could have",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#fff8e1",
        plot_colour="#bcbd22",
    ),
    Status.WAIVED: StatusWords(
        "obligation: a waiving event came before the due date",
        met=True,
        urgency=Urgency.SETTLED,
        html_colour="#e2e3e5",
        plot_colour="#b9a9d8",
    ),
    Status.DISCHARGED: StatusWords(
        "obligation: the agreement ended, or the party left, before it fell due",
        met=False,
        urgency=Urgency.SETTLED,
        html_colour="#e2e3e5",
        plot_colour="#dadce0",
    ),
    Status.REMEDIED: StatusWords(
        "breach: missed, then met late (see remedied_on)",
        met=True,
        urgency=Urgency.SETTLED,
        html_colour="#fde2c4",
        plot_colour="#b5651d",
    ),
    Status.MISSED: StatusWords(
        "obligation or notice: a duty whose rule has severity notice (encouraged, proposed) "
        "was not met in time; never a breach",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#f8d7da",
        plot_colour="#8c1c13",
    ),
    Status.EXCEEDED: StatusWords(
        "notice or breach: a ceiling over a period was exceeded",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#fff3cd",
        plot_colour="#e377c2",
    ),
    Status.AVAILABLE: StatusWords(
        "notice: an entitlement that the party may call on",
        met=False,
        urgency=Urgency.PENDING,
        html_colour="#e7f1ff",
        plot_colour="#8ecae6",
    ),
    Status.LAPSED: StatusWords(
        "notice: an entitlement whose time has run out",
        met=False,
        urgency=Urgency.SETTLED,
        html_colour="#e2e3e5",
        plot_colour="#c2b8a3",
    ),
    Status.DUE: StatusWords(
        "escalation: the step should be taken",
        met=False,
        urgency=Urgency.ATTENTION,
        html_colour="#fff3cd",
        plot_colour="#f2c14e",
    ),
    Status.TAKEN: StatusWords(
        "escalation: an escalation.taken event shows the step was taken",
        met=False,
        urgency=Urgency.SETTLED,
        html_colour="#d1e7dd",
        plot_colour="#1f7a7a",
    ),
    Status.STOPPED: StatusWords(
        "escalation: the concern was resolved before the step was reached",
        met=False,
        urgency=Urgency.SETTLED,
        html_colour="#e2e3e5",
        plot_colour="#9aa0a6",
    ),
}
