"""The functions behind the public surface: evaluate, sessions, engines."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sli_rules.engine.batch import evaluate_batch
from sli_rules.engine.coverage import COVERAGE_TYPE
from sli_rules.engine.durable import DurableMatcher, unavailable_reason
from sli_rules.engine.plan import Matcher, Plan, compile_plan
from sli_rules.engine.progress import advance_in_steps
from sli_rules.engine.session import Session
from sli_rules.io.intake import Intake
from sli_rules.io.streamed import StreamedEvents, StreamedIntake, read_events_streamed
from sli_rules.load.loader import load_ruleset
from sli_rules.load.overrides import with_parameters
from sli_rules.model.dates import as_day
from sli_rules.model.errors import SliRulesError
from sli_rules.model.values import Event, Finding, Ruleset
from sli_rules.outputs.report import Report

__all__ = ["ENGINES", "compile_rulesets", "evaluate", "open_session"]

ENGINES = ("reference", "durable")


class EngineUnavailableError(RuntimeError, SliRulesError):
    """The engine asked for cannot run here; the message says why and what to do."""


def _rulesets(rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path) -> list[Ruleset]:
    if isinstance(rulesets, (Ruleset, str, Path)):
        rulesets = [rulesets]
    out = [r if isinstance(r, Ruleset) else load_ruleset(r) for r in rulesets]
    ids = [r.id for r in out]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a ruleset was given twice: {ids}")
    return out


def compile_rulesets(
    rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
) -> Plan:
    """Load (if given ids or paths) and compile rulesets into a plan, once.

    `parameters` ({NAME or RULESET:NAME: value}) overrides ruleset parameters for this
    plan: a value is checked as the parameter's `value:` in the YAML would be (a duration
    such as "P3M", a date, a number); an unknown or ambiguous name raises
    `ParameterSetError`, a bad value `RulesetError`. Findings then list the parameter
    among their `interpretations` as NAME=VALUE."""
    loaded = _rulesets(rulesets)
    if parameters:
        loaded = with_parameters(loaded, parameters)
    return compile_plan(loaded)


def _plan(
    rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path | Plan,
    parameters: Mapping[str, Any] | None,
) -> Plan:
    if isinstance(rulesets, Plan):
        if parameters:
            raise ValueError(
                "parameters= needs rulesets, not a compiled Plan: pass it to "
                "compile_rulesets instead"
            )
        return rulesets
    return compile_rulesets(rulesets, parameters=parameters)


def _matcher(plan: Plan, engine: str) -> Matcher | None:
    if engine == "reference":
        return None
    if engine == "durable":
        reason = unavailable_reason()
        if reason is not None:
            raise EngineUnavailableError(reason)
        return DurableMatcher(plan)
    raise ValueError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")


def open_session(
    rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path | Plan,
    *,
    engine: str = "reference",
    complete: bool = False,
    parameters: Mapping[str, Any] | None = None,
) -> Session:
    """A session for pipelines: `feed(events)`, `advance(date)`, `findings()`, `snapshot()`.

    `complete=True` declares the whole stream complete: a duty due with no fulfilling
    event is then `breached`; otherwise it is `unrecorded` unless `record.coverage`
    events declare the record complete for it. `parameters`: as for `evaluate`."""
    plan = _plan(rulesets, parameters)
    return Session(plan, _matcher(plan, engine), complete=complete)


def evaluate(
    rulesets: Iterable[Ruleset | str | Path] | Ruleset | str | Path | Plan,
    events: Iterable[Event | dict[str, Any]] | str | Path | Intake | StreamedIntake,
    *,
    as_of: _dt.date | _dt.datetime | str,
    lenient: bool = False,
    engine: str = "reference",
    progress: Callable[[int, int, _dt.date], None] | None = None,
    complete: bool = False,
    parameters: Mapping[str, Any] | None = None,
) -> Report:
    """Evaluate rulesets over an event stream as of a date.

    `events` may be a path to a .jsonl, .csv or .parquet file, a pandas DataFrame, an
    `Intake` (e.g. from `read_events_sql`), or an iterable of mappings or Events.
    A JSON Lines file (or gzipped one, or a text stream) is evaluated in bounded memory:
    indexed first, then read back a date at a time, whatever the order of its lines.
    Bad events raise `EventError` (every problem, with file, line and field), unless
    `lenient=True`: then good events are evaluated and the rest are in `report.rejected`.
    Events dated after `as_of` are read and validated but do not count. `as_of` is a
    `date`, ISO text, or a `datetime` / pandas Timestamp at midnight; a time of day
    raises `DateError` (a `ValueError`) saying to pass `.date()`.
    `progress`, if given, is called with (events applied, events fed, date) as the clock
    moves a month at a time (the findings are the same as in one step).

    Absence is evidence only where the record is declared complete: a duty due with no
    fulfilling event is `breached` when `complete=True` (the caller owns the whole stream)
    or when `record.coverage` events cover it, and `unrecorded` otherwise.

    `parameters` overrides ruleset parameters for this run, keyed by the parameter's
    name or `RULESET:NAME` (needed when several loaded rulesets have the name), e.g.
    `parameters={"learning-share-window": "P3M"}`; see `compile_rulesets`.
    """
    day = as_day(as_of)  # a date is checked against the range too
    plan = _plan(rulesets, parameters)
    intake = (
        events
        if isinstance(events, (Intake, StreamedIntake))
        else read_events_streamed(
            events,
            lenient=lenient,
            catalogue=plan.catalogue,
            sink=in_one_pass(plan, day, engine=engine, complete=complete),
        )
    )
    fed = intake.sink if isinstance(intake, StreamedIntake) else None
    imprecise = (
        fed.imprecise
        if isinstance(fed, OnePass)
        else any(e.span is not None for e in intake.events)
    )
    if imprecise:
        # imprecise dates: the refinement layer evaluates the exact engine over chosen
        # days for each imprecisely dated event (engine/refine.py); it needs them all
        read = list(intake.events)
        findings = evaluate_batch(
            plan, read, day, complete=complete, matcher=lambda: _matcher(plan, engine)
        )
        coverage = _declared(read, day)
        if progress is not None:
            progress(len(read), len(read), day)
    elif isinstance(fed, OnePass) and fed.fits(plan, day, engine, complete):
        session = fed.session  # the first pass applied every event, in order
        session.advance(day)
        if progress is not None:
            progress(fed.applied, len(intake.events), day)
    elif isinstance(intake, StreamedIntake):
        session = Session(plan, _matcher(plan, engine), complete=complete)
        _advance_streamed(session, intake.events, day, progress)
    else:
        session = Session(plan, _matcher(plan, engine), complete=complete)
        session.feed(intake.events)
        if progress is None:
            session.advance(day)
        else:
            first = min((e.date for e in intake.events), default=None)
            advance_in_steps(session, day, first, progress)
    if not imprecise:
        findings = session.findings()
        coverage = len(session.coverage)
    return _report(plan, intake, day, findings, complete=complete, coverage=coverage)


def _declared(events: Sequence[Event], as_of: _dt.date) -> int:
    """How many coverage declarations count as of `as_of`, for a report of a refinement
    (whose runs each count their own)."""
    return sum(1 for e in events if e.type == COVERAGE_TYPE and e.date <= as_of)


def _report(
    plan: Plan,
    intake: Intake | StreamedIntake,
    as_of: _dt.date,
    findings: Sequence[Finding],
    *,
    complete: bool,
    coverage: int,
) -> Report:
    """The report of an evaluation of `intake`'s events that found `findings`."""
    return Report(
        as_of=as_of,
        findings=tuple(findings),
        rulesets=tuple(cr.id for cr in plan.rulesets),
        rejected=intake.rejected,
        events_read=intake.read,
        duplicates=intake.duplicates,
        complete=complete,
        from_intake=True,
        coverage=coverage,
    )


def evaluate_traced(
    plan: Plan,
    intake: Intake,
    as_of: _dt.date,
    *,
    complete: bool,
    seen: Callable[[Session], None],
) -> Report:
    """`evaluate(plan, intake, as_of=as_of, complete=complete)` with the engine's trace
    on (`Session(trace=True)`): `seen` is shown each session after its run, before its
    findings are derived, to read its trace. The report is the one `evaluate` gives:
    tracing changes no finding. `sli-rules explain` evaluates once this way."""
    events = list(intake.events)
    first: list[Session] = []  # only the first run's session: a refinement has hundreds

    def shown(session: Session) -> None:
        if not first:
            first.append(session)
        seen(session)

    findings = evaluate_batch(plan, events, as_of, complete=complete, trace=True, seen=shown)
    if any(e.span is not None for e in events):
        coverage = _declared(events, as_of)
    else:
        coverage = len(first[0].coverage)  # one run: no imprecise date to choose
    return _report(plan, intake, as_of, findings, complete=complete, coverage=coverage)


class OnePass:
    """A session that applies a file's events while it is first read (`Sink`): when the
    file is in date order and no id conflicts, that one pass is the whole evaluation."""

    def __init__(self, plan: Plan, as_of: _dt.date, complete: bool) -> None:
        self.plan = plan
        self.as_of = as_of
        self.complete = complete
        self.session = Session(plan, None, complete=complete)
        self.applied = 0
        # an imprecisely dated event needs the refinement layer: from then on this pass
        # only notes it, and `evaluate` reads the events again
        self.imprecise = False

    def take(self, events: list[Event]) -> None:
        if self.imprecise or any(e.span is not None for e in events):
            self.imprecise = True
            return
        due = [e for e in events if e.date <= self.as_of]  # later ones never count
        if due:
            self.session.feed(due)
            self.session.advance(due[0].date)
            self.applied += len(due)

    def fits(self, plan: Plan, as_of: _dt.date, engine: str, complete: bool) -> bool:
        """Whether this is the evaluation asked for."""
        return (
            not self.imprecise
            and plan is self.plan
            and as_of == self.as_of
            and engine == "reference"
            and complete == self.complete
        )


def in_one_pass(
    plan: Plan, as_of: _dt.date | str, *, engine: str = "reference", complete: bool = False
) -> OnePass | None:
    """A sink for `read_events_streamed`, for the reference engine (None otherwise, or
    when `as_of` is not a date: `evaluate` then says why)."""
    if engine != "reference":
        return None
    try:
        day = as_day(as_of)
    except ValueError:
        return None
    return OnePass(plan, day, complete)


STREAM_BATCH = 4096
"""Events fed to the session at a time when evaluating a file as a stream (whole days)."""


def _advance_streamed(
    session: Session,
    events: StreamedEvents,
    as_of: _dt.date,
    progress: Callable[[int, int, _dt.date], None] | None,
) -> None:
    """Feed indexed events a few days at a time in date order, advancing the clock to the
    last day fed each time: the same findings as one `advance(as_of)` (the engine applies
    events day by day either way), without holding them all."""
    total = len(events)
    applied = 0
    batch: list[Event] = []
    for _key, day_events in events.days():
        due = [e for e in day_events if e.date <= as_of]  # later ones never count
        if not due:
            continue
        if batch and (
            len(batch) >= STREAM_BATCH
            or (progress is not None and _month(batch[-1].date) != _month(due[0].date))
        ):
            applied = _step(session, batch, applied, total, progress)
            batch = []
        batch.extend(due)
    if batch:
        applied = _step(session, batch, applied, total, progress)
    session.advance(as_of)
    if progress is not None:
        progress(applied, total, as_of)


def _month(day: _dt.date) -> tuple[int, int]:
    return day.year, day.month


def _step(
    session: Session,
    batch: list[Event],
    applied: int,
    total: int,
    progress: Callable[[int, int, _dt.date], None] | None,
) -> int:
    day = batch[-1].date
    session.feed(batch)
    session.advance(day)
    if progress is not None:
        progress(applied + len(batch), total, day)
    return applied + len(batch)


def session_report(session: Session, rulesets: Sequence[str] = ()) -> Report:
    assert session.clock is not None
    return Report(
        as_of=session.clock,
        findings=tuple(session.findings()),
        rulesets=tuple(rulesets) or tuple(cr.id for cr in session.plan.rulesets),
        complete=session.complete,
        coverage=len(session.coverage),
    )
