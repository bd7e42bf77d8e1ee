"""Incremental runs (`sli-rules run`, `sli_rules.run_incremental`): a nightly sequence of
runs ends where one batch evaluation does, the change lines add up to the final findings,
and a run killed at any point (a real process, SIGKILL) leaves the previous state intact."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import sli_rules
from sli_rules.cli import run
from sli_rules.tools.incremental import finding_key

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

# (ruleset, first night, last night): a year of each bundled example stream
YEARS = [
    ("west-midlands-compact-2013", dt.date(2013, 7, 7), dt.date(2014, 7, 6)),
    ("east-midlands-childrens-mou-2015", dt.date(2015, 6, 7), dt.date(2016, 6, 5)),
    ("national-childrens-sli-mou", dt.date(2014, 10, 5), dt.date(2015, 10, 4)),
]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def _records(ruleset: str) -> list[dict[str, Any]]:
    path = EXAMPLES / f"{ruleset}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _nights(first: dt.date, last: dt.date, every: int) -> list[dt.date]:
    out, day = [], first
    while day < last:
        out.append(day)
        day += dt.timedelta(days=every)
    return [*out, last]


def _split(
    records: list[dict[str, Any]], nights: list[dt.date], folder: Path
) -> list[tuple[dt.date, Path]]:
    """One file per night with the events dated since the previous night (the first night
    gets everything before it too): what a pipeline would collect each day or week."""
    folder.mkdir(exist_ok=True)
    out, previous = [], dt.date.min
    for night in nights:
        batch = [r for r in records if previous < dt.date.fromisoformat(r["date"]) <= night]
        out.append((night, _write(folder / f"{night}.jsonl", batch)))
        previous = night
    return out


def _batch(ruleset: str | list[str], as_of: dt.date) -> sli_rules.Report:
    names = [ruleset] if isinstance(ruleset, str) else ruleset
    records = [r for name in names for r in _records(name)]
    return sli_rules.evaluate(names, records, as_of=as_of)


def _dicts(report: sli_rules.Report) -> list[dict[str, Any]]:
    return [f.to_dict() for f in report.findings]


def _without_explanation(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "explanation"}


def _replay_changes(lines: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """The findings that the change lines, applied in order, say exist at the end."""
    known: dict[Any, dict[str, Any]] = {}
    for line in lines:
        change = line.pop("change")
        previous = line.pop("previous_status")
        line.pop("changed_fields")
        assert line.pop("audit")["sli_rules"] == sli_rules.__version__  # the audit trail
        key = finding_key(sli_rules.tools.incremental.finding_from_dict(line))
        if change == "new":
            assert key not in known, f"reported new twice: {key}"
            known[key] = _without_explanation(line)
        elif change == "changed":
            # a finding whose triggering events grew (index 5) is matched to its earlier self
            old = next(
                (k for k in known if k == key or (k[:5] == key[:5] and k[6:] == key[6:])), None
            )
            assert old is not None, f"changed before it was new: {key}"
            assert known[old]["status"] == previous
            del known[old]
            known[key] = _without_explanation(line)
        else:
            assert change == "gone"
            assert key in known
            del known[key]
    return known


# ------------------------------------------------------------- nightly sequences
# The four long sequences here (and the two killed-run tests below) run unmeasured in the
# coverage pass (tests/conftest.py): dozens of in-process nights each, whose lines and
# branches the rest of this file, test_state_*, test_run_audit, test_nightly_law,
# test_session, test_by_each_and_regions, test_cli_*, test_engine_laws, test_conditions,
# test_report_object and the bundled scenarios reach too (checked with coverage data).


@pytest.mark.unmeasured
@pytest.mark.parametrize(("ruleset", "first", "last"), YEARS, ids=[y[0] for y in YEARS])
def test_weekly_runs_over_a_year_end_as_one_batch_evaluation(
    tmp_path: Path, ruleset: str, first: dt.date, last: dt.date
) -> None:
    state = tmp_path / "state.sqlite"
    nights = _split(_records(ruleset), _nights(first, last, 7), tmp_path / "nights")
    lines: list[dict[str, Any]] = []
    for i, (night, path) in enumerate(nights):
        extra = ["--ruleset", ruleset] if i == 0 else []
        out = tmp_path / f"changes-{night}.jsonl"
        status, _, err = cli(
            "run", "--state", str(state), *extra, "--events", str(path),
            "--as-of", night.isoformat(), "--output", str(out),
        )  # fmt: skip
        assert status == 0, err
        lines += [json.loads(x) for x in out.read_text().splitlines()]
    batch = _batch(ruleset, last)
    shown = sli_rules.state_report(state)
    assert shown.as_of == last
    assert _dicts(shown) == _dicts(batch)
    # the same through the CLI, byte for byte against `evaluate --format json`
    status, text, _ = cli("run", "--state", str(state), "--show", "--format", "json")
    assert status == 0
    status, expected, _ = cli(
        "evaluate", "--ruleset", ruleset, "--events", str(EXAMPLES / f"{ruleset}.jsonl"),
        "--as-of", last.isoformat(), "--format", "json",
    )  # fmt: skip
    assert json.loads(text)["findings"] == json.loads(expected)["findings"]
    # the change lines add up to the final findings ...
    final = {finding_key(f): _without_explanation(f.to_dict()) for f in batch.findings}
    assert _replay_changes(lines) == final
    # ... so every breach and escalation step at the end was announced as new or changed
    announced = {
        (x["rule"], x["party"], tuple(x["triggered_by"]), x["step"], x["status"])
        for x in (json.loads(y) for p in tmp_path.glob("changes-*.jsonl") for y in p.open())
        if x["change"] in ("new", "changed")
    }
    for f in batch.findings:
        if f.kind in ("breach", "escalation"):
            assert (f.rule, f.party, f.triggered_by, f.step, f.status) in announced


@pytest.mark.unmeasured
def test_daily_runs_with_two_rulesets_and_quiet_nights(tmp_path: Path) -> None:
    rulesets = ["west-midlands-compact-2013", "national-childrens-sli-mou"]
    records = [r for name in rulesets for r in _records(name)]
    first, last = dt.date(2014, 3, 1), dt.date(2014, 4, 30)
    state = tmp_path / "s.sqlite"
    alerted = set()
    # everything up to the first night in one go, then one file a day (many are empty)
    for i, (night, path) in enumerate(_split(records, _nights(first, last, 1), tmp_path / "n")):
        result = sli_rules.run_incremental(
            state, path, as_of=night, rulesets=rulesets if i == 0 else None
        )
        assert result.as_of == night
        alerted |= {(finding_key(c.finding), c.finding.status) for c in result.new_breaches}
    batch = _batch(rulesets, last)
    assert _dicts(sli_rules.state_report(state)) == _dicts(batch)
    assert {(finding_key(f), f.status) for f in batch.breaches} <= alerted


def test_the_first_run_can_carry_events_dated_after_it(tmp_path: Path) -> None:
    """Events from the future wait in the session (they are in the snapshot) for their day."""
    ruleset = "west-midlands-compact-2013"
    whole = _write(tmp_path / "all.jsonl", _records(ruleset))
    state = tmp_path / "s.sqlite"
    sli_rules.run_incremental(state, whole, as_of="2013-12-31", rulesets=ruleset)
    empty = _write(tmp_path / "none.jsonl", [])
    result = sli_rules.run_incremental(state, empty, as_of="2015-06-30", report=True)
    assert result.report is not None
    assert _dicts(result.report) == _dicts(_batch(ruleset, dt.date(2015, 6, 30)))
    assert result.changes  # a year and a half of findings arrived from the buffered events


# ------------------------------------------------------------- re-runs, refusals


def _two_nights(tmp_path: Path) -> tuple[Path, list[tuple[dt.date, Path]]]:
    ruleset = "west-midlands-compact-2013"
    nights = _split(
        _records(ruleset), [dt.date(2013, 12, 31), dt.date(2014, 6, 30)], tmp_path / "n"
    )
    state = tmp_path / "s.sqlite"
    status, _, err = cli(
        "run", "--state", str(state), "-r", ruleset, "-e", str(nights[0][1]),
        "--as-of", "2013-12-31", "-o", str(tmp_path / "c1.jsonl"),
    )  # fmt: skip
    assert status == 0, err
    return state, nights


def test_running_a_committed_night_again_changes_nothing(tmp_path: Path) -> None:
    state, nights = _two_nights(tmp_path)
    before = _dicts(sli_rules.state_report(state))
    status, out, err = cli(
        "run", "--state", str(state), "-e", str(nights[0][1]), "--as-of", "2013-12-31"
    )
    assert status == 0, err
    assert out == ""
    assert "already recorded" in err
    assert _dicts(sli_rules.state_report(state)) == before


def test_a_date_before_the_last_run_is_refused(tmp_path: Path) -> None:
    state, nights = _two_nights(tmp_path)
    data = state.read_bytes()
    status, out, err = cli(
        "run", "--state", str(state), "-e", str(nights[1][1]), "--as-of", "2013-12-30"
    )
    assert status == 2
    assert out == ""
    assert "refusing to run as of 2013-12-30" in err
    assert "already as of 2013-12-31" in err
    assert state.read_bytes() == data


def _late_nights() -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    """The West Midlands stream with one feedback publication reported three months late."""
    ruleset = "west-midlands-compact-2013"
    records = _records(ruleset)
    late = next(
        r for r in records if r["type"] == "feedback.published" and r["date"] > "2014-01-15"
    )
    return ruleset, [r for r in records if r is not late], late


def test_late_events_are_evaluated_again_from_the_event_log(tmp_path: Path) -> None:
    ruleset, others, late = _late_nights()
    nights = _split(others, _nights(dt.date(2014, 1, 5), dt.date(2014, 12, 28), 28), tmp_path)
    state = tmp_path / "s.sqlite"
    delivered = False
    for i, (night, path) in enumerate(nights):
        records = [json.loads(x) for x in path.read_text().splitlines()]
        if not delivered and night > dt.date.fromisoformat(late["date"]) + dt.timedelta(days=90):
            records.append(late)  # reported long after the day it happened
            delivered = True
            _write(path, records)
        result = sli_rules.run_incremental(
            state, path, as_of=night, rulesets=ruleset if i == 0 else None
        )
        assert result.replayed == (result.late > 0)
    assert delivered
    last = nights[-1][0]
    assert _dicts(sli_rules.state_report(state)) == _dicts(_batch(ruleset, last))


def test_late_events_can_be_refused(tmp_path: Path) -> None:
    ruleset, others, late = _late_nights()
    state = tmp_path / "s.sqlite"
    night = dt.date.fromisoformat(late["date"]) + dt.timedelta(days=30)
    first = _write(tmp_path / "a.jsonl", [r for r in others if r["date"] <= night.isoformat()])
    sli_rules.run_incremental(state, first, as_of=night, rulesets=ruleset)
    data = state.read_bytes()
    status, _, err = cli(
        "run", "--state", str(state), "-e", str(_write(tmp_path / "b.jsonl", [late])),
        "--as-of", (night + dt.timedelta(days=1)).isoformat(), "--late", "refuse",
    )  # fmt: skip
    assert status == 2
    assert f"{late['id']} ({late['date']})" in err
    assert "only moves forward" in err
    assert state.read_bytes() == data


def test_an_event_id_reused_for_a_different_event_is_refused(tmp_path: Path) -> None:
    state, nights = _two_nights(tmp_path)
    first = json.loads(nights[0][1].read_text().splitlines()[0])
    changed = {**first, "date": "2014-01-10"}
    path = _write(tmp_path / "x.jsonl", [changed])
    status, _, err = cli("run", "--state", str(state), "-e", str(path), "--as-of", "2014-01-31")
    assert status == 2
    assert f"event {first['id']!r} differs" in err


def test_strict_and_lenient_input(tmp_path: Path) -> None:
    state, _ = _two_nights(tmp_path)
    data = state.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "z-1", "type": "no.such.type", "date": "2014-01-02", "council": "E08000026"}\n'
        '{"id": "z-2", "type": "self_assessment.submitted", "date": "2014-01-03", '
        '"council": "E08000026"}\n'
    )
    status, _, err = cli("run", "--state", str(state), "-e", str(bad), "--as-of", "2014-01-31")
    assert status == 2
    assert f"{bad}:1" in err
    assert "no.such.type" in err
    assert state.read_bytes() == data
    status, _, err = cli(
        "run", "--state", str(state), "-e", str(bad), "--as-of", "2014-01-31", "--lenient"
    )
    assert status == 0, err
    assert f"rejected {bad}:1" in err
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT location, reasons FROM rejected").fetchall()
        kept = db.execute("SELECT id FROM events WHERE id = 'z-2'").fetchall()
    assert [r[0] for r in rows] == [f"{bad}:1"]
    assert kept == [("z-2",)]


def test_a_changed_ruleset_needs_a_rebuild(tmp_path: Path) -> None:
    source = (REPO / "rulesets" / "west-midlands-compact-2013.yaml").read_text()
    mine = tmp_path / "compact.yaml"
    mine.write_text(source)
    events = _write(tmp_path / "all.jsonl", _records("west-midlands-compact-2013"))
    state = tmp_path / "s.sqlite"
    assert (
        cli("run", "-s", str(state), "-r", str(mine), "-e", str(events), "--as-of", "2014-06-30")[0]
        == 0
    )
    # a policy author edits the file (same version): the snapshot no longer fits it
    edited = source.replace("due: P6M", "due: P5M", 1)
    assert edited != source
    mine.write_text(edited)
    empty = _write(tmp_path / "none.jsonl", [])
    status, _, err = cli("run", "-s", str(state), "-e", str(empty), "--as-of", "2014-07-31")
    assert status == 2
    assert "was edited" in err
    assert "--rebuild" in err
    status, _, err = cli(
        "run", "-s", str(state), "-e", str(empty), "--as-of", "2014-07-31", "--rebuild"
    )
    assert status == 0, err
    assert "re-evaluated from the event log" in err
    expected = sli_rules.evaluate([str(mine)], events, as_of="2014-07-31")
    assert _dicts(sli_rules.state_report(state)) == _dicts(expected)


def test_not_a_state_file_and_a_locked_one(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    empty = _write(tmp_path / "none.jsonl", [])
    status, _, err = cli(
        "run", "-s", str(other), "-r", "west-midlands-compact-2013", "-e", str(empty),
        "--as-of", "2014-01-01",
    )  # fmt: skip
    assert status == 2
    assert "not a sli-rules state file" in err
    state, _ = _two_nights(tmp_path)
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run in progress
    try:
        with pytest.raises(sli_rules.StateError, match="another run is using"):
            sli_rules.run_incremental(state, empty, as_of="2014-01-31", lock_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    status, _, err = cli("run", "-s", str(tmp_path / "missing.sqlite"), "--show")
    assert status == 2
    assert "no such state file" in err


def test_usage_errors(tmp_path: Path) -> None:
    status, _, err = cli("run", "-s", str(tmp_path / "s.sqlite"), "-e", "x.jsonl")
    assert status == 2
    assert "--as-of" in err
    # no --events is a quiet night, but the first run still needs its rulesets
    status, _, err = cli("run", "-s", str(tmp_path / "s.sqlite"), "--as-of", "2014-01-01")
    assert status == 2
    assert "--ruleset" in err
    empty = _write(tmp_path / "none.jsonl", [])
    status, _, err = cli(
        "run", "-s", str(tmp_path / "s.sqlite"), "-e", str(empty), "--as-of", "2014-01-01"
    )
    assert status == 2
    assert "--ruleset" in err
    status, _, err = cli("run", "-s", str(tmp_path / "s.sqlite"), "--show", "--as-of", "2014-01-01")
    assert status == 2


def test_nothing_is_committed_when_handing_out_the_changes_fails(tmp_path: Path) -> None:
    state, nights = _two_nights(tmp_path)
    data = state.read_bytes()

    def broken(changes: object) -> None:
        assert changes
        raise OSError("the alerting queue is down")

    with pytest.raises(OSError, match="alerting queue"):
        sli_rules.run_incremental(state, nights[1][1], as_of="2014-06-30", on_changes=broken)
    assert state.read_bytes() == data
    result = sli_rules.run_incremental(state, nights[1][1], as_of="2014-06-30")
    assert result.changes


def test_the_state_file_layout(tmp_path: Path) -> None:
    state, _ = _two_nights(tmp_path)
    with sqlite3.connect(state) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        runs = db.execute("SELECT run, as_of FROM runs").fetchall()
    assert tables >= {"meta", "snapshot", "findings", "events", "runs", "rejected"}
    assert meta["as_of"] == "2013-12-31"
    assert meta["rulesets"][0]["id"] == "west-midlands-compact-2013"
    assert {"version", "fingerprint", "ref"} <= set(meta["rulesets"][0])
    assert runs == [(1, "2013-12-31")]


# ------------------------------------------------------------- killed runs


PAUSED = "paused before the commit"

# `sli-rules` in a process that, when given a pause, announces and sleeps just before the
# state's transaction commits, so that a test can kill it with everything written but
# nothing committed. The hook lives here, not in the library.
PAUSING_CLI = f"""
import sys, time
from sli_rules.cli import main
from sli_rules.tools import incremental

pause, sys.argv = float(sys.argv[1]), ["sli-rules", *sys.argv[2:]]


class Pausing:
    def __init__(self, db):
        self.db = db

    def execute(self, sql, *args):
        if sql == "COMMIT" and pause:
            sys.stderr.write("{PAUSED}\\n")
            sys.stderr.flush()
            time.sleep(pause)
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


opened = incremental._State.__init__


def opening(self, *args, **kw):
    opened(self, *args, **kw)
    self.db = Pausing(self.db)


incremental._State.__init__ = opening
main()
"""


def _subprocess(*argv: str, pause: float | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PAUSING_CLI, str(pause or 0), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _integrity(state: Path) -> str:
    with sqlite3.connect(state) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _as_of(state: Path) -> str | None:
    with sqlite3.connect(state) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
            return None  # killed before its first commit: an empty database
        row = db.execute("SELECT value FROM meta WHERE key = 'as_of'").fetchone()
    return json.loads(row[0]) if row else None


@pytest.mark.slow
@pytest.mark.unmeasured
def test_a_run_killed_before_its_commit_is_redone_the_next_time(tmp_path: Path) -> None:
    """Fortnightly nights over a year; one night's process is killed (SIGKILL) after it has
    written its changes and its new state but before the commit. The state stays as of
    the night before, intact; running that night again gives the changes and, at the end,
    the findings of the uninterrupted sequence."""
    ruleset, first, last = YEARS[1]
    nights = _split(_records(ruleset), _nights(first, last, 14), tmp_path / "nights")
    killed_at = len(nights) // 2

    def sequence(state: Path, kill: bool) -> list[str]:
        outputs = []
        for i, (night, path) in enumerate(nights):
            out = tmp_path / f"{state.stem}-{night}.jsonl"
            argv = ["run", "-s", str(state), "-e", str(path), "--as-of", night.isoformat()]
            argv += ["-r", ruleset] if i == 0 else []
            if kill and i == killed_at:
                before = _dicts(sli_rules.state_report(state))
                proc = _subprocess(*argv, "-o", str(out), pause=60)
                assert proc.stderr is not None
                line = proc.stderr.readline()  # written just before it would commit
                assert PAUSED in line, line + proc.stderr.read()
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                assert proc.returncode == -signal.SIGKILL
                assert _integrity(state) == "ok"
                assert _as_of(state) == nights[i - 1][0].isoformat()
                assert _dicts(sli_rules.state_report(state)) == before
                assert out.exists()  # the changes were handed out; they will be again
            status, _, err = cli(*argv, "-o", str(out))
            assert status == 0, err
            outputs.append(out.read_text())
        return outputs

    plain = sequence(tmp_path / "plain.sqlite", kill=False)
    killed = sequence(tmp_path / "killed.sqlite", kill=True)
    assert killed == plain  # every night's changes, including the redone one
    final = _dicts(sli_rules.state_report(tmp_path / "killed.sqlite"))
    assert final == _dicts(sli_rules.state_report(tmp_path / "plain.sqlite"))
    assert final == _dicts(_batch(ruleset, last))


def _big_stream(path: Path, copies: int) -> Path:
    """The West Midlands example many times over (ids and references made distinct)."""
    out = []
    for k in range(copies):
        for record in _records("west-midlands-compact-2013"):
            r = {**record, "id": f"{record['id']}-k{k}"}
            for ref in ("review", "request", "concern", "visit", "meeting"):
                if ref in r:
                    r[ref] = f"{r[ref]}-k{k}"
            out.append(r)
    return _write(path, out)


@pytest.mark.slow
@pytest.mark.unmeasured
def test_runs_killed_at_random_moments_leave_all_or_nothing(tmp_path: Path) -> None:
    """A larger run is killed at random moments, again and again: each time the state is
    intact and either the previous night's or the finished night's; then it completes and
    the result equals an uninterrupted run's and one batch evaluation."""
    ruleset = "west-midlands-compact-2013"
    big = _big_stream(tmp_path / "big.jsonl", copies=25)
    records = [json.loads(x) for x in big.read_text().splitlines()]
    nights = _split(records, [dt.date(2014, 3, 31), dt.date(2015, 3, 31)], tmp_path / "n")

    def argv(state: Path, night: dt.date, path: Path) -> list[str]:
        return ["run", "-s", str(state), "-r", ruleset, "-e", str(path), "--as-of", str(night)]

    reference = tmp_path / "reference.sqlite"
    durations = []
    for night, path in nights:
        started = time.monotonic()
        proc = _subprocess(*argv(reference, night, path), "-o", str(tmp_path / "ref.jsonl"))
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        durations.append(time.monotonic() - started)
    expected = _dicts(sli_rules.state_report(reference))
    assert expected == _dicts(_batch_of(records, ruleset, nights[-1][0]))

    rnd = random.Random(20130701)  # noqa: S311 - kill times, not secrets
    state = tmp_path / "state.sqlite"
    outcomes = []
    for (night, path), took in zip(nights, durations, strict=True):
        previous = _as_of(state) if state.exists() else None
        for _ in range(4):
            proc = _subprocess(*argv(state, night, path), "-o", str(tmp_path / "c.jsonl"))
            time.sleep(rnd.uniform(0.0, took * 1.1))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            if not state.exists():
                outcomes.append("not done")  # killed before it had created the file
                continue
            assert _integrity(state) == "ok"
            now = _as_of(state)
            assert now in (previous, night.isoformat(), None)
            outcomes.append("done" if now == night.isoformat() else "not done")
            if now == night.isoformat():
                break  # it had finished before the kill
        status, _, err = cli(*argv(state, night, path), "-o", str(tmp_path / "c.jsonl"))
        assert status == 0, err
    assert _dicts(sli_rules.state_report(state)) == expected
    assert "not done" in outcomes  # at least one kill landed mid-run


def _batch_of(records: list[dict[str, Any]], ruleset: str, as_of: dt.date) -> sli_rules.Report:
    return sli_rules.evaluate([ruleset], records, as_of=as_of)


def test_diff_findings_new_changed_gone_and_grown() -> None:
    from sli_rules.tools.incremental import _keyed, diff_findings

    def finding(rule: str, status: str, trig: tuple[str, ...], **kw: Any) -> sli_rules.Finding:
        base: dict[str, Any] = {
            "kind": "notice", "agreement": "a", "rule": rule, "clause": "1", "party": "p",
            "status": status, "opens": None, "due": dt.date(2014, 5, 20),
            "triggered_by": trig, "fulfilled_by": (), "explanation": f"as of {status}",
        }  # fmt: skip
        base.update(kw)
        return sli_rules.Finding(**base)

    before = _keyed(
        [
            finding("limit", "exceeded", ("e1", "e2")),  # will count one more event
            finding("deadline", "open", ("t1",)),  # will be breached
            finding("gone", "available", ("t2",)),  # will disappear
            finding("same", "open", ("t3",)),  # only its explanation changes
        ]
    )
    after = _keyed(
        [
            finding("limit", "exceeded", ("e1", "e2", "e3")),
            finding("deadline", "breached", ("t1",)),
            finding("same", "open", ("t3",), explanation="3 days left"),
            finding("fresh", "open", ("t4",)),
        ]
    )
    changes = diff_findings({k: f.to_dict() for k, f in before.items()}, after)
    got = {(c.finding.rule, c.change, c.previous_status, c.changed_fields) for c in changes}
    assert got == {
        ("limit", "changed", "exceeded", ("triggered_by",)),
        ("deadline", "changed", "open", ("status",)),
        ("gone", "gone", "available", ()),
        ("fresh", "new", None, ()),
    }
    line = next(c for c in changes if c.change == "gone").to_dict()
    assert next(iter(line)) == "change"
    assert line["status"] == "available"
    assert line["previous_status"] == "available"


def test_diff_findings_matches_a_grown_finding_whose_dates_are_intervals() -> None:
    # found by the imprecise nightly law: a stored undetermined finding writes its opens
    # as "lo/hi", which the match for a grown finding read as one day and crashed on
    from sli_rules.tools.incremental import _keyed, diff_findings

    def finding(trig: tuple[str, ...], opens: tuple[dt.date, dt.date]) -> sli_rules.Finding:
        return sli_rules.Finding(
            kind="obligation", agreement="a", rule="r", clause="1", party="p",
            status="undetermined", opens=opens[0], due=dt.date(2014, 6, 30),
            triggered_by=trig, fulfilled_by=(), explanation="x",
            possible=("open", "unrecorded"), ranges=(("opens", *opens),),
        )  # fmt: skip

    week = (dt.date(2014, 4, 2), dt.date(2014, 4, 8))
    before = _keyed([finding(("e1",), week)])
    assert before[next(iter(before))].to_dict()["opens"] == "2014-04-02/2014-04-08"
    grown = _keyed([finding(("e1", "e2"), week)])
    (change,) = diff_findings({k: f.to_dict() for k, f in before.items()}, grown)
    assert (change.change, change.changed_fields) == ("changed", ("triggered_by",))
    moved = _keyed([finding(("e1", "e2"), (week[0], dt.date(2014, 4, 9)))])
    changes = diff_findings({k: f.to_dict() for k, f in before.items()}, moved)
    assert sorted(c.change for c in changes) == ["gone", "new"]


def test_lenient_runs_that_accept_nothing_or_reject_too_much_change_nothing(
    tmp_path: Path,
) -> None:
    state, _ = _two_nights(tmp_path)
    data = state.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "z-1", "type": "no.such.type", "date": "2014-01-02", "council": "E08000026"}\n'
    )
    argv = ["run", "--state", str(state), "--as-of", "2014-01-31", "--lenient"]
    status, _, err = cli(*argv, "-e", str(bad))
    assert status == 2
    assert "none of the 1 records read was accepted" in err
    assert state.read_bytes() == data
    mixed = _write(
        tmp_path / "mixed.jsonl",
        [
            json.loads(bad.read_text()),
            {"id": "z-2", "type": "no.such.type", "date": "2014-01-02", "council": "E08000026"},
            {"id": "z-3", "type": "self_assessment.submitted", "date": "2014-01-03",
             "council": "E08000026"},
        ],
    )  # fmt: skip
    status, _, err = cli(*argv, "-e", str(mixed), "--max-rejected", "1")
    assert status == 2
    assert "2 records rejected, more than --max-rejected 1" in err
    assert state.read_bytes() == data
    assert cli(*argv, "-e", str(mixed), "--max-rejected", "2")[0] == 0


def test_run_remembers_complete(tmp_path: Path) -> None:
    held = {"id": "p1", "type": "peer_challenge.held", "date": "2014-03-07",
            "council": "E08000029", "review": "r1", "kind": "childrens"}  # fmt: skip
    first = _write(tmp_path / "first.jsonl", [held])
    quiet = _write(tmp_path / "quiet.jsonl", [])
    state = tmp_path / "s.sqlite"
    base = ["run", "--state", str(state)]
    wm = ["--ruleset", "west-midlands-compact-2013"]
    assert cli(*base, *wm, "-e", str(first), "--as-of", "2014-03-31")[0] == 0

    def feedback() -> str:
        report = sli_rules.state_report(state).filter(rule="feedback-published", party="E08000029")
        return report.obligations[0].status

    status, _, err = cli(*base, "-e", str(quiet), "--as-of", "2014-09-30")
    assert status == 0, err
    assert feedback() == "unrecorded"  # a new state is not complete unless told
    assert "Completeness: not declared" in err
    status, out, err = cli(*base, "-e", str(quiet), "--as-of", "2014-10-31", "--complete")
    assert status == 0, err
    assert feedback() == "breached"  # the log is evaluated again as a complete record
    assert '"change": "changed"' in out
    status, _, err = cli(*base, "-e", str(quiet), "--as-of", "2014-11-30")
    assert status == 0, err
    assert feedback() == "breached"  # remembered
    assert "Completeness: not declared" not in err
    assert cli(*base, "-e", str(quiet), "--as-of", "2014-12-31", "--no-complete")[0] == 0
    assert feedback() == "unrecorded"


# ------------------------------------------------------------- issue 18: settled is settled

STATES = Path(__file__).parent / "states"
TELFORD = "E06000020"


def _telford_findings(report: sli_rules.Report) -> list[dict[str, Any]]:
    return [
        f.to_dict()
        for f in report.findings
        if f.rule == "childrens-peer-challenge" and f.party == TELFORD
    ]


def test_a_duty_met_on_time_stays_met_when_a_later_event_could_fulfil_it(
    tmp_path: Path,
) -> None:
    """The issue's two nights: a children's peer challenge held on time, drained as
    fulfilled; years later another one. The state says what a batch run says."""
    state = tmp_path / "s.sqlite"
    n1, n2 = STATES / "n1.jsonl", STATES / "n2.jsonl"
    status, _, err = cli(
        "run", "--state", str(state), "-r", "west-midlands-compact-2013",
        "--events", str(n1), "--as-of", "2013-09-30", "-o", str(tmp_path / "c1.jsonl"),
    )  # fmt: skip
    assert status == 0, err
    status, _, err = cli(
        "run", "--state", str(state), "--events", str(n2), "--as-of", "2016-06-30",
        "-o", str(tmp_path / "c2.jsonl"),
    )  # fmt: skip
    assert status == 0, err
    both = [json.loads(x) for p in (n1, n2) for x in p.read_text().splitlines()]
    batch = sli_rules.evaluate(["west-midlands-compact-2013"], both, as_of="2016-06-30")
    (mine,) = _telford_findings(sli_rules.state_report(state))
    assert (mine["status"], mine["fulfilled_by"]) == ("fulfilled", ["a"])
    assert _telford_findings(sli_rules.state_report(state)) == _telford_findings(batch)
    # the second night changed nothing about it
    second = [json.loads(x) for x in (tmp_path / "c2.jsonl").read_text().splitlines()]
    assert not [
        c for c in second if c["rule"] == "childrens-peer-challenge" and c["party"] == TELFORD
    ]


def test_a_breach_due_on_the_nights_own_date_still_starts_its_ladder(tmp_path: Path) -> None:
    """A council absent from the EM DCS meeting on the night's own date: the breach falls
    due that day and its ladder starts the next, so it is not settled that night."""
    ruleset = "east-midlands-childrens-mou-2015"
    records = [r for r in _records(ruleset) if r["date"] < "2015-09-30"]
    present = ["E06000015", "E10000007", "E06000016", "E10000018", "E10000019", "E10000021"]
    present += ["E06000018", "E10000024"]  # E06000017 (Rutland) stays away
    records.append(
        {
            "id": "sep-meeting", "type": "meeting.held", "date": "2015-09-30",
            "council": "em-dcs-group", "meeting": "emdcs-2015-09",
            "attendees": [{"council": c} for c in present],
        }
    )  # fmt: skip
    state = tmp_path / "s.sqlite"
    nights = _split(records, [dt.date(2015, 9, 30), dt.date(2016, 3, 31)], tmp_path / "n")
    for i, (night, path) in enumerate(nights):
        sli_rules.run_incremental(state, path, as_of=night, rulesets=ruleset if i == 0 else None)
    batch = sli_rules.evaluate([ruleset], records, as_of="2016-03-31")
    ladder = "disengagement-follow-up"
    mine = [f.to_dict() for f in sli_rules.state_report(state).findings if f.rule == ladder]
    expected = [f.to_dict() for f in batch.findings if f.rule == ladder]
    assert any(f["about"] == "E06000017" for f in expected)
    assert mine == expected


def test_a_state_file_of_the_previous_release_is_rebuilt_from_its_own_event_log(
    tmp_path: Path,
) -> None:
    """`tests/states/telford-0.1.sqlite` was written by 0.1.0 and holds its wrong finding.
    Reading it is refused with the command that rebuilds it; that command (like the next
    nightly run) rebuilds it from its own event log, and says what was corrected."""
    state = tmp_path / "telford.sqlite"
    state.write_bytes((STATES / "telford-0.1.sqlite").read_bytes())
    status, out, err = cli("run", "--state", str(state), "--show")
    assert status == 2
    assert out == ""
    command = f"sli-rules run --state {state} --events /dev/null --as-of 2016-06-30"
    assert command in err
    # the bundled Compact has also changed since 0.1.0 (issue 14), so the rebuild must
    # also say that the recorded events are to be evaluated under the rulesets of today
    status, out, err = cli(*command.split()[1:], "--rebuild")
    assert status == 0, err
    assert "re-evaluated from the event log" in err
    changes = [json.loads(x) for x in out.splitlines()]
    corrected = [c for c in changes if c["rule"] == "childrens-peer-challenge"]
    assert {(c["kind"], c["change"], c["status"]) for c in corrected} == {
        ("obligation", "changed", "fulfilled"),
        ("breach", "gone", "remedied"),
    }
    both = [json.loads(x) for n in ("n1", "n2") for x in (STATES / f"{n}.jsonl").open()]
    batch = sli_rules.evaluate(
        ["west-midlands-compact-2013"], both, as_of="2016-06-30", complete=True
    )
    assert _dicts(sli_rules.state_report(state)) == _dicts(batch)
    # and it goes on as a state of this release
    status, _, err = cli(
        "run", "--state", str(state), "--events", "/dev/null", "--as-of", "2016-07-31"
    )
    assert status == 0, err
    assert "re-evaluated" not in err


def test_keys_tell_apart_ladders_about_different_councils_whatever_the_order() -> None:
    from sli_rules.tools.incremental import _keyed

    def step(about: str, explanation: str = "") -> sli_rules.Finding:
        return sli_rules.Finding(
            kind="escalation", agreement="a", rule="ladder", clause="5", party="body",
            status="due", opens=dt.date(2015, 4, 1), due=dt.date(2015, 4, 14),
            triggered_by=(), fulfilled_by=(), explanation=explanation or f"about {about}",
            step=1, actor="body", about=about,
        )  # fmt: skip

    steps = [step("E08000026"), step("E08000025")]
    keys = _keyed(steps)
    assert len(keys) == 2
    assert _keyed(reversed(steps)) == keys
    # twins that differ only in what a key leaves out are keyed by their content
    twins = [step("E08000026", "concern x"), step("E08000026", "concern y")]
    assert len(_keyed(twins)) == 2
    assert _keyed(reversed(twins)) == _keyed(twins)


# ------------------------------------------------------------- damaged state files


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        ("UPDATE snapshot SET data = x'00112233'", "the session snapshot is damaged"),
        ("UPDATE snapshot SET data = zeroblob(10)", "the session snapshot is damaged"),
        (
            "UPDATE snapshot SET data = x'789c4b4c4a0600024d0127'",  # zlib of b"abc"
            "the session snapshot cannot be restored",
        ),
        ("UPDATE meta SET value = 'garbage{' WHERE key = 'runs'", "its meta table is not JSON"),
        ("UPDATE meta SET value = '\"x\"' WHERE key = 'runs'", "damaged (its meta table)"),
        ("DROP TABLE findings", "damaged (its findings table"),
    ],
)
def test_a_damaged_state_file_exits_2_naming_the_damage(
    tmp_path: Path, damage: str, fragment: str
) -> None:
    state, nights = _two_nights(tmp_path)
    with sqlite3.connect(state) as db:
        db.execute(damage)
    status, out, err = cli(
        "run", "--state", str(state), "-e", str(nights[1][1]), "--as-of", "2014-06-30"
    )  # fmt: skip
    assert status == 2, err
    assert out == ""
    assert err.startswith(f"sli-rules run: {state}: ")
    assert fragment in err


def test_a_missing_snapshot_is_rebuilt_from_the_event_log(tmp_path: Path) -> None:
    # It used to start afresh over the night's events alone, with exit status 0.
    state, nights = _two_nights(tmp_path)
    intact = tmp_path / "intact.sqlite"
    intact.write_bytes(state.read_bytes())
    with sqlite3.connect(state) as db:
        db.execute("DELETE FROM snapshot")
    said = []
    for path in (state, intact):
        status, _, err = cli(
            "run", "--state", str(path), "-e", str(nights[1][1]), "--as-of", "2014-06-30"
        )  # fmt: skip
        assert status == 0, err
        said.append("re-evaluated from the event log" in err)
    assert said == [True, False]
    assert _dicts(sli_rules.state_report(state)) == _dicts(sli_rules.state_report(intact))
    assert _dicts(sli_rules.state_report(state)) == _dicts(
        _batch("west-midlands-compact-2013", dt.date(2014, 6, 30))
    )


def test_output_to_a_device_or_pipe_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    # `--output /dev/null` once replaced the device with a plain file (as root, rename
    # succeeds); a named pipe stands in for any such target here.
    import os
    import threading

    from sli_rules.tools.incremental import write_atomically

    pipe = tmp_path / "changes.pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    write_atomically(pipe, '{"change": "new"}\n')
    reader.join(10)
    assert received == ['{"change": "new"}\n']
    assert not pipe.is_file()  # still the pipe
    regular = tmp_path / "changes.jsonl"
    write_atomically(regular, "x\n")
    assert regular.read_text() == "x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.jsonl", "changes.pipe"]
