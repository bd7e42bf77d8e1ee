"""Every public function that takes an as-of day takes it the way `evaluate` does: a
`date`, ISO text, a `datetime` or a pandas Timestamp at midnight (issue 16, point 3);
anything else is a `DateError` naming the argument, with nothing changed."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sli_rules
from sli_rules.model.dates import DateError

REPO = Path(__file__).resolve().parents[1]
RULESET = "west-midlands-compact-2013"
EVENTS = REPO / "examples" / "west-midlands-compact-2013.jsonl"
DAY = _dt.date(2015, 12, 31)

SAME_DAY: list[Any] = [
    DAY,
    "2015-12-31",
    _dt.datetime(2015, 12, 31),
    pd.Timestamp("2015-12-31"),
]
NOT_A_DAY: list[Any] = [
    20151231,
    _dt.datetime(2015, 12, 31, 9, 30),
    pd.Timestamp("2015-12-31 09:30"),
    pd.NaT,
    "31/12/2015",
]


def _events() -> list[sli_rules.Event]:
    return list(sli_rules.read_events(EVENTS).events)


def _session_findings(as_of: Any) -> list[dict[str, Any]]:
    session = sli_rules.open_session(RULESET)
    session.feed(_events())
    session.advance(as_of)
    assert session.clock == DAY
    return [f.to_dict() for f in session.findings()]


def _run(tmp: Path, as_of: Any) -> list[dict[str, Any]]:
    result = sli_rules.run_incremental(tmp / "state.db", EVENTS, as_of=as_of, rulesets=[RULESET])
    assert result.as_of == DAY
    return [c.finding.to_dict() for c in result.changes]


def _diff(as_of: Any) -> Any:
    return sli_rules.diff_rulesets(RULESET, RULESET, EVENTS, as_of).to_dict()


def _explain(as_of: Any) -> str:
    report = sli_rules.evaluate(RULESET, EVENTS, as_of=DAY)
    breach = next(f for f in report.findings if f.kind == "breach")
    return sli_rules.explain(breach, RULESET, EVENTS, as_of=as_of)


CALLS: dict[str, Callable[[Path, Any], Any]] = {
    "Session.advance": lambda _tmp, as_of: _session_findings(as_of),
    "run_incremental": _run,
    "diff_rulesets": lambda _tmp, as_of: _diff(as_of),
    "explain": lambda _tmp, as_of: _explain(as_of),
    "evaluate": lambda _tmp, as_of: sli_rules.evaluate(RULESET, EVENTS, as_of=as_of).to_dict(),
}


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_every_form_of_the_same_day_gives_the_same_answer(call: str, tmp_path: Path) -> None:
    answers = []
    for k, as_of in enumerate(SAME_DAY):
        folder = tmp_path / str(k)
        folder.mkdir()
        answers.append(CALLS[call](folder, as_of))
    assert answers[0]  # something to compare
    assert all(a == answers[0] for a in answers[1:])


@pytest.mark.parametrize("call", CALLS, ids=str)
@pytest.mark.parametrize("as_of", NOT_A_DAY, ids=repr)
def test_anything_else_is_a_clear_date_error(call: str, as_of: Any, tmp_path: Path) -> None:
    with pytest.raises(DateError, match="as_of") as caught:
        CALLS[call](tmp_path, as_of)
    assert isinstance(caught.value, ValueError)
    assert not (tmp_path / "state.db").exists()  # a refused run writes no state


def test_a_refused_advance_leaves_the_session_as_it_was() -> None:
    session = sli_rules.open_session(RULESET)
    session.feed(_events())
    session.advance(_dt.date(2014, 1, 1))
    before = [f.to_dict() for f in session.findings()]
    with pytest.raises(DateError, match=r"value\.date\(\)"):
        session.advance(pd.Timestamp("2015-12-31 09:30"))
    assert session.clock == _dt.date(2014, 1, 1)
    assert [f.to_dict() for f in session.findings()] == before
