"""One batch evaluation of a stream whose dates may be imprecise: the refinement layer
(engine/refine.py) over fresh sessions of one plan, which share what they derive
(engine/memo.py). `evaluate`, scenarios, `run --state` and explain all evaluate this way.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Sequence

from sli_rules.engine import memo
from sli_rules.engine.plan import Matcher, Plan
from sli_rules.engine.refine import evaluate_refined
from sli_rules.engine.session import Session
from sli_rules.model.values import Event, Finding

__all__ = ["evaluate_batch"]


def evaluate_batch(
    plan: Plan,
    events: Sequence[Event],
    as_of: _dt.date,
    *,
    complete: bool = False,
    matcher: Callable[[], Matcher | None] = lambda: None,
    trace: bool = False,
    share: bool = True,
    seen: Callable[[Session], None] | None = None,
) -> list[Finding]:
    """The merged findings of `events` as of `as_of`: one fresh session per refinement
    (`matcher` gives each its matcher; `seen`, if given, is shown each session after its
    run, e.g. to read its trace). With `share`, the runs keep the findings they derive for
    each other while this evaluation lasts."""

    def run(chosen: Sequence[Event]) -> list[Finding]:
        session = Session(plan, matcher(), complete=complete, trace=trace)
        session.feed(chosen)
        session.advance(as_of)
        if seen is not None:
            seen(session)
        return session.findings()

    with memo.sharing(plan) if share else contextlib.nullcontext():
        return evaluate_refined(events, as_of, run)
