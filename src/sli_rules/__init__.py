"""sli-rules: the obligations of UK sector-led-improvement agreements as declarative
rulesets, evaluated against event streams to yield obligations, breaches and escalations.

    >>> import datetime, sli_rules
    >>> rs = sli_rules.load_ruleset("west-midlands-compact-2013")
    >>> report = sli_rules.evaluate([rs], [], as_of=datetime.date(2013, 7, 1))
    >>> report.as_of
    datetime.date(2013, 7, 1)

This module is the whole public surface.
"""

from sli_rules._version import __version__
from sli_rules.api.evaluate import EngineUnavailableError, compile_rulesets, evaluate, open_session
from sli_rules.engine.plan import Plan
from sli_rules.engine.session import LateEventError, Session
from sli_rules.io.intake import Intake, Rejected, read_events
from sli_rules.io.sql import read_events_sql
from sli_rules.load.catalogue import Catalogue, load_catalogue
from sli_rules.load.loader import bundled_ids, check_ruleset, load_ruleset, parse_ruleset
from sli_rules.load.overrides import ParameterSetError
from sli_rules.model.dates import Duration, Period, PeriodSpec, parse_date, parse_duration
from sli_rules.model.errors import (
    EventError,
    InputError,
    Location,
    Problem,
    RulesetError,
    SliRulesError,
)
from sli_rules.model.extras import MissingExtraError
from sli_rules.model.values import (
    ConstraintRule,
    CountRule,
    DeadlineRule,
    Effective,
    EntitlementRule,
    EscalationLadder,
    EscalationStep,
    Event,
    EventSpec,
    Finding,
    FixedDateRule,
    LimitRule,
    Parameter,
    ParamRef,
    Party,
    PartySpec,
    RecurringRule,
    Rule,
    Ruleset,
    RulesetVersion,
    SelfDeclaredRule,
    Succession,
    WindowRule,
)
from sli_rules.outputs.ical import to_ical
from sli_rules.outputs.report import Report
from sli_rules.outputs.tables import write_findings
from sli_rules.tools.diff import RulesetDiff, diff_rulesets
from sli_rules.tools.examples import Example, example, examples
from sli_rules.tools.explain import explain
from sli_rules.tools.fmt import FormatResult, format_file, format_text
from sli_rules.tools.incremental import Change, RunResult, StateError, run_incremental, state_report

__all__ = [
    "Catalogue",
    "Change",
    "ConstraintRule",
    "CountRule",
    "DeadlineRule",
    "Duration",
    "Effective",
    "EngineUnavailableError",
    "EntitlementRule",
    "EscalationLadder",
    "EscalationStep",
    "Event",
    "EventError",
    "EventSpec",
    "Example",
    "Finding",
    "FixedDateRule",
    "FormatResult",
    "InputError",
    "Intake",
    "LateEventError",
    "LimitRule",
    "Location",
    "MissingExtraError",
    "ParamRef",
    "Parameter",
    "ParameterSetError",
    "Party",
    "PartySpec",
    "Period",
    "PeriodSpec",
    "Plan",
    "Problem",
    "RecurringRule",
    "Rejected",
    "Report",
    "Rule",
    "Ruleset",
    "RulesetDiff",
    "RulesetError",
    "RulesetVersion",
    "RunResult",
    "SelfDeclaredRule",
    "Session",
    "SliRulesError",
    "StateError",
    "Succession",
    "WindowRule",
    "__version__",
    "bundled_ids",
    "check_ruleset",
    "compile_rulesets",
    "diff_rulesets",
    "evaluate",
    "example",
    "examples",
    "explain",
    "format_file",
    "format_text",
    "load_catalogue",
    "load_ruleset",
    "open_session",
    "parse_date",
    "parse_duration",
    "parse_ruleset",
    "read_events",
    "read_events_sql",
    "run_incremental",
    "state_report",
    "to_ical",
    "write_findings",
]
