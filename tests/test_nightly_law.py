"""The nightly law (issue 18): however a stream is cut into nights, however late its
events arrive (within the `--late` policy), and wherever a run is killed, the findings
after the last night are those of one batch evaluation as of that night, byte for byte
in JSON. It holds for `run_incremental` (the state file) and for a `Session` drained
after every night.

`make test` runs a bounded number of examples; `make soak` runs many more (the
`SLI_SOAK_EXAMPLES` environment variable, read below).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

import sli_rules
from sli_rules import Finding, Session
from strategies import LAWS_PLAN, LAWS_YAML, nightly_deliveries, to_events

NIGHTS = settings(
    max_examples=int(os.environ.get("SLI_SOAK_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Record = dict[str, Any]
Night = tuple[dt.date, list[Record], bool]  # the night's date, what arrives, killed first


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=1)


def batch(records: list[Record], as_of: dt.date) -> str:
    return as_json(sli_rules.evaluate(LAWS_PLAN, records, as_of=as_of).findings)


class KilledError(Exception):
    """Stands for the process dying after the changes were handed out, before the commit."""


def _die(_changes: object) -> None:
    raise KilledError


@NIGHTS
@given(delivery=nightly_deliveries(late=True))
def test_nightly_state_runs_end_as_one_batch_evaluation(
    delivery: tuple[list[Record], list[Night]],
) -> None:
    _, nights = delivery
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state.sqlite"
        ruleset = Path(folder) / "laws.yaml"  # later nights load it again from here
        ruleset.write_text(LAWS_YAML)
        for i, (night, arriving, killed) in enumerate(nights):
            rulesets = [ruleset] if i == 0 else None
            if killed:
                # a run that dies before its commit leaves the state as it was; the
                # night is simply run again (each run reopens the state: a reload)
                with contextlib.suppress(KilledError):
                    sli_rules.run_incremental(
                        state, arriving, as_of=night, rulesets=rulesets, on_changes=_die
                    )
            sli_rules.run_incremental(state, arriving, as_of=night, rulesets=rulesets)
        last = nights[-1][0]
        delivered = [r for _, arriving, _ in nights for r in arriving]
        assert as_json(sli_rules.state_report(state).findings) == batch(delivered, last)


@NIGHTS
@given(delivery=nightly_deliveries(late=False))
def test_a_session_drained_every_night_ends_as_one_batch_evaluation(
    delivery: tuple[list[Record], list[Night]],
) -> None:
    records, nights = delivery
    session = Session(LAWS_PLAN)
    drained: list[Finding] = []
    for night, arriving, reloaded in nights:
        if reloaded:  # the pipeline restarts from its stored snapshot
            session = Session.restore(LAWS_PLAN, session.snapshot())
        session.feed(to_events(arriving))
        session.advance(night)
        drained.extend(session.drain())
    last = nights[-1][0]
    got = sorted([*drained, *session.findings()], key=Finding.sort_key)
    assert as_json(got) == batch(records, last)
