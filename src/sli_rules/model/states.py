"""States of a council that start and end: an inadequate judgement, an intervention.

A state holds from the event that starts it until the event that ends it. The day of
the ending event is the first day the state no longer holds. A ruleset names a state by
its key in `STATES`: a ladder started by a state (`start: {state: inadequate}`) stops
the day the state ends; a trigger may require its council to be in a state
(`in_state: [inadequate, intervention]`).
"""

from __future__ import annotations

import attrs

from sli_rules.model.values import Event

__all__ = ["STATES", "StateDef", "describe_event", "ends", "starts"]


@attrs.frozen
class StateDef:
    """How a named state starts and ends, in words for the documentation."""

    name: str
    starts: str
    ends: str
    types: tuple[str, ...]  # the event types that start or end it


STATES: dict[str, StateDef] = {
    "inadequate": StateDef(
        "inadequate",
        "an ofsted.judgement with grade inadequate",
        "a later ofsted.judgement with any other grade",
        ("ofsted.judgement",),
    ),
    "intervention": StateDef(
        "intervention",
        "an intervention.started",
        "an intervention.ended with the same intervention id (one without an id ends "
        "the council's intervention in the service it names, or in every service)",
        ("intervention.started", "intervention.ended"),
    ),
}

STATE_TYPES = frozenset(t for d in STATES.values() for t in d.types)


def starts(state: str, e: Event) -> bool:
    """Whether the event starts a spell of the state for its council."""
    if state == "inadequate":
        return e.type == "ofsted.judgement" and e.get("grade") == "inadequate"
    if state == "intervention":
        return e.type == "intervention.started"
    return False


def ends(state: str, e: Event, start: Event | None) -> bool:
    """Whether the event ends a spell of the state that `start` began (same council)."""
    if state == "inadequate":
        return e.type == "ofsted.judgement" and e.get("grade") != "inadequate"
    if state == "intervention":
        if e.type != "intervention.ended":
            return False
        which = e.get("intervention")
        if which is not None:
            return start is None or start.get("intervention") in (None, which)
        # no id: the council's intervention in the service it names (or in every service)
        service = e.get("service")
        return service is None or start is None or start.get("service") in (None, service)
    return False


def describe_event(e: Event, *, dated: bool = True) -> str:
    """An ending or starting event in words: type, id, (for a judgement) grade, date."""
    grade = e.get("grade")
    what = f"{e.type} {e.id}"
    if isinstance(grade, str):
        what += f" (grade {grade})"
    return f"{what} on {e.date}" if dated else what
