"""The durable-rules engine gives the reference engine's reports exactly.

These tests need the `durable` extra (durable-rules 2.0.28), which installs on Python 3.11
and 3.12 only; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sli_rules
from sli_rules import cli
from sli_rules.engine.durable import _translate, unavailable_reason
from sli_rules.model.conditions import parse_condition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate_events, size_for  # noqa: E402

REASON = unavailable_reason()
needs_durable = pytest.mark.skipif(REASON is not None, reason=f"durable engine: {REASON}")
PLAN = sli_rules.compile_rulesets(sli_rules.bundled_ids())


def _both(events: list[dict[str, Any]], as_of: dt.date) -> tuple[sli_rules.Report, ...]:
    intake = sli_rules.read_events(events)
    return tuple(
        sli_rules.evaluate(PLAN, intake, as_of=as_of, engine=engine)
        for engine in ("reference", "durable")
    )


@needs_durable
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    councils=st.integers(3, 12),
    years=st.integers(1, 3),
    as_of_offset=st.integers(0, 5 * 365),
)
def test_generated_streams_give_identical_reports(
    seed: int, councils: int, years: int, as_of_offset: int
) -> None:
    events = list(generate_events(councils=councils, years=years, seed=seed))
    as_of = dt.date(2013, 1, 1) + dt.timedelta(days=as_of_offset)
    reference, durable = _both(events, as_of)
    assert durable.findings == reference.findings


# The size of the stream below: `make test` runs it at a size that takes seconds, `make
# soak` at 110,000 events (SOAK_DURABLE_EVENTS), which takes minutes under coverage.
LARGE = int(os.environ.get("SLI_DURABLE_EVENTS", "11000"))


@needs_durable
@pytest.mark.slow
def test_a_large_stream_gives_identical_reports() -> None:
    councils, years, density = size_for(LARGE)
    events = list(generate_events(councils=councils, years=years, seed=20261122, density=density))
    assert len(events) > LARGE * 10 // 11  # 100,000 for `make soak`
    last = max(dt.date.fromisoformat(e["date"]) for e in events)
    reference, durable = _both(events, last)
    assert len(reference.findings) > 1000
    assert durable.findings == reference.findings


@needs_durable
def test_evaluations_are_isolated_and_leave_no_threads() -> None:
    before = threading.active_count()
    events = list(generate_events(councils=6, years=2, seed=3))
    first = _both(events, dt.date(2015, 6, 30))[1]
    second = _both(events, dt.date(2015, 6, 30))[1]
    assert first.findings == second.findings
    assert threading.active_count() == before


@needs_durable
def test_a_rejected_new_fact_id_is_retried_under_a_fresh_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from durable import engine

    from sli_rules.engine.durable import DurableMatcher

    matcher = DurableMatcher(PLAN)
    real = matcher._host.assert_fact
    calls = {"n": 0}

    def collide_once(name: str, message: dict[str, Any]) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise engine.MessageObservedException(message)
        return real(name, message)

    monkeypatch.setattr(matcher._host, "assert_fact", collide_once)
    event = sli_rules.read_events(
        [
            {
                "id": "e1",
                "type": "ofsted.judgement",
                "date": "2015-01-01",
                "council": "E08000026",
                "grade": "inadequate",
            }
        ]
    ).events[0]
    hooks = matcher.match(event)
    assert calls["n"] == 2
    assert hooks, "the retried fact matched its hooks"


def test_unavailable_engine_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "durable.engine", None)
    monkeypatch.setitem(sys.modules, "durable", None)
    out, err = io.StringIO(), io.StringIO()
    path = ROOT / "examples" / "west-midlands-compact-2013.jsonl"
    code = cli.run(
        [
            "evaluate",
            "-r",
            "west-midlands-compact-2013",
            "-e",
            str(path),
            "--as-of",
            "2015-01-01",
            "--engine",
            "durable",
        ],
        out,
        err,
    )
    assert code == 2
    message = err.getvalue().strip()
    assert "durable" in message
    assert "reference engine" in message
    assert message.count("\n") == 0


def test_conditions_the_rete_cannot_express_are_checked_in_python() -> None:
    expr, complete = _translate(
        parse_condition({"grade": "inadequate", "kind": {"in": ["a", "b"]}})
    )
    assert complete
    assert expr == {"$and": [{"grade": "inadequate"}, {"$or": [{"kind": "a"}, {"kind": "b"}]}]}
    team = {"team": {"count": {"where": {"core": True}, "at_least": 4}}}
    _expr, complete = _translate(parse_condition(team))
    assert not complete


def _laws_variant(trigger: str) -> sli_rules.Plan:
    from strategies import LAWS_YAML

    text = LAWS_YAML.replace("    trigger: {type: peer_days.given}", f"    trigger: {trigger}")
    assert text != LAWS_YAML
    ruleset, problems = sli_rules.parse_ruleset(text, "variant.yaml")
    assert ruleset is not None, problems
    return sli_rules.compile_rulesets([ruleset])


@needs_durable
@pytest.mark.parametrize(
    "trigger",
    [
        "{type: peer_days.given, where: {role: {in: []}}}",  # matches nothing
        "{type: peer_days.given, where: {days: {at_least: 0.00001}}}",  # 1e-05 in Python
        "{type: peer_days.given, where: {days: {less_than: 1000000}}}",
        "{type: peer_days.given, where: {role: {in: [dcs, 1.5e-7]}}}",
    ],
)
@pytest.mark.parametrize("days", [2, 2.5, 1e20, 1e-05, 0.0])
def test_numbers_durable_rules_cannot_parse_give_identical_reports(
    trigger: str, days: float
) -> None:
    # durable-rules' JSON parser refused floats in exponent form, and `in: []` became a
    # value it could not send: each was a traceback from the durable engine only.
    plan = _laws_variant(trigger)
    events = [
        {"id": "ev-1", "type": "peer_days.given", "date": "2014-05-01", "council": "E08000026",
         "days": days, "role": "dcs"},
        {"id": "ev-2", "type": "peer_days.given", "date": "2014-06-01", "council": "E08000026",
         "days": 4},
    ]  # fmt: skip
    intake = sli_rules.read_events(events)
    reference, durable = (
        sli_rules.evaluate(plan, intake, as_of=dt.date(2015, 6, 30), engine=engine)
        for engine in ("reference", "durable")
    )
    assert durable.findings == reference.findings
