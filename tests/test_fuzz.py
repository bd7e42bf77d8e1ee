"""Fuzz targets: whatever the input, the outcome is a result or located problems.

Each target draws hostile input (tests/strategies.py) for one way in: the ruleset
loader, the JSON Lines and CSV readers, DataFrames, Parquet files and the scenario
loader. The laws:

- no exception escapes but the project's own `InputError` (and its subclasses), whose
  every problem names the input and a line;
- a ruleset that loads can be evaluated, and events that are accepted can be evaluated;
- in lenient mode, accepted + duplicates + rejected = records read.

`make test` runs a bounded number of examples per target; `make fuzz-hypothesis` runs
many more (SLI_FUZZ_EXAMPLES per target), and `make fuzz` a million cheap mutated inputs
through the same laws (tests/fuzz_driver.py). Every crash found is kept as a regression
file in tests/fuzz/, which the last tests here replay.
tests/fuzz/, which the last tests here replay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import os
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from sli_rules import (
    EventError,
    InputError,
    Intake,
    Problem,
    Ruleset,
    check_ruleset,
    compile_rulesets,
    evaluate,
    parse_ruleset,
    read_events,
)
from sli_rules.cli import run
from sli_rules.engine.durable import unavailable_reason
from sli_rules.tools.scenarios import load_scenario_file, run_file
from strategies import (
    LAWS_PLAN,
    LAWS_YAML,
    csv_bytes,
    jsonl_bytes,
    mutated_records,
    mutated_ruleset_texts,
)

EXAMPLES = int(os.environ.get("SLI_FUZZ_EXAMPLES", "40"))
"""Examples per target: a few in `make test`, many in `make fuzz-hypothesis`."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a long run shares the machine; time is bounded by the example count
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 100,  # the bounded run is the same every time
    database=None,
)
REGRESSIONS = Path(__file__).parent / "fuzz"
AS_OF = dt.date(2016, 6, 30)


def _located(error: InputError, name: str) -> None:
    assert error.problems, "an input error with no problem in it"
    # a Parquet file has no lines: a file that cannot be read at all is at line 0
    first = 0 if name.endswith(".parquet") else 1
    for problem in error.problems:
        assert problem.location.file == name, str(problem)
        assert problem.location.line >= first, str(problem)
        assert problem.message.strip(), str(problem)
        str(problem).encode("utf-8")  # printable: no lone surrogate reaches a terminal


def _evaluates(intake: Intake) -> None:
    report = evaluate(LAWS_PLAN, intake, as_of=AS_OF)
    for fmt in ("table", "json", "csv"):
        report.render(fmt).encode("utf-8")


# ------------------------------------------------------------------ rulesets


def check_ruleset_text(text: str, name: str = "fuzz.yaml", *, evaluates: bool = True) -> None:
    """The law for a ruleset's text: located problems, or a ruleset that evaluates."""
    check_loaded(*parse_ruleset(text, name), name, evaluates=evaluates)


def check_loaded(
    ruleset: Ruleset | None, problems: list[Problem], name: str, *, evaluates: bool = True
) -> None:
    if ruleset is None:
        assert problems
        _located(InputError(problems), name)
        return
    assert problems == []
    plan = compile_rulesets([ruleset])
    if not evaluates:
        return
    evaluate(plan, [], as_of=AS_OF)
    evaluate(plan, [], as_of=ruleset.effective.start)


@FUZZ
@given(mutated_ruleset_texts())
def test_fuzz_ruleset_loader(text: str) -> None:
    check_ruleset_text(text)


# ------------------------------------------------------------------ event files


def records_in_jsonl(data: bytes) -> int:
    """Records in a JSON Lines file: lines ended by a line feed that are not blank."""
    count = 0
    for line in data.removeprefix(b"\xef\xbb\xbf").split(b"\n"):  # a BOM is no record
        line = line.removesuffix(b"\r")  # noqa: PLW2901 - the line as the reader sees it
        if line.strip(b" \t"):
            count += 1
    return count


def check_event_file(
    path: Path, expected: int | None, *, evaluates: bool = True, strictly: bool = True
) -> None:
    """The law for an event file: strict mode raises located problems or accepts all;
    lenient mode accounts for every record; what is accepted evaluates (when
    `evaluates`: the long run evaluates a sample, evaluation costing far more than
    reading). The long run also reads a sample strictly (`strictly`): the strict and
    lenient readers are one reader, and a read costs most of an input's time."""
    strict_failed = not strictly
    try:
        strict = read_events(path) if strictly else None
    except EventError as exc:
        _located(exc, str(path))
        strict_failed = True
    else:
        assert strict is None or strict.rejected == ()
    try:
        intake = read_events(path, lenient=True)
    except EventError as exc:  # not readable at all (a damaged Parquet file), so not strictly
        _located(exc, str(path))
        assert strict_failed, "read strictly, but not leniently"
        return
    assert intake.read == len(intake.events) + intake.duplicates + len(intake.rejected)
    if expected is not None:
        assert intake.read == expected
    for rejected in intake.rejected:
        assert rejected.location.file == str(path)
        assert rejected.location.line >= 1
        str(rejected).encode("utf-8")
    if evaluates:
        _evaluates(intake)


@FUZZ
@given(jsonl_bytes())
def test_fuzz_jsonl_reader(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "events.jsonl"
    path.write_bytes(data)
    check_event_file(path, records_in_jsonl(data))


@FUZZ
@given(csv_bytes())
def test_fuzz_csv_reader(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("csv") / "events.csv"
    path.write_bytes(data)
    check_event_file(path, None)  # a quote can join lines: the count is the reader's own


# ------------------------------------------------------------------ tables


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    try:
        return pd.DataFrame.from_records(records) if records else pd.DataFrame()
    except UnicodeEncodeError:  # pandas itself cannot hold a lone surrogate as text
        reject()


def check_records(records: list[dict[str, Any]], source: Any, *, evaluates: bool = True) -> None:
    intake = read_events(source, lenient=True)
    assert intake.read == len(records)
    assert intake.read == len(intake.events) + intake.duplicates + len(intake.rejected)
    for rejected in intake.rejected:
        assert rejected.location.line >= 1
    if evaluates:
        _evaluates(intake)


@FUZZ
@given(mutated_records())
def test_fuzz_mappings(records: list[dict[str, Any]]) -> None:
    check_records(records, records)


@FUZZ
@given(mutated_records())
def test_fuzz_dataframe(records: list[dict[str, Any]]) -> None:
    check_records(records, _frame(records))


_PARQUET_CELLS = st.one_of(
    st.none(),
    st.floats(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.dates().map(dt.date.isoformat),
)


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": st.sampled_from(["ev-1", "ev-2", "ev-3"]),
                "type": st.sampled_from(["peer_days.given", "summit.held", "nope"]),
                "date": st.one_of(st.dates(), st.just("2015-05-01"), st.none()).map(
                    lambda d: d.isoformat() if isinstance(d, dt.date) else d
                ),
                "council": st.sampled_from(["E08000026", "em-dcs-group", "E0800002", ""]),
                "days": st.floats(),
                "role": _PARQUET_CELLS.map(lambda v: None if v is None else str(v)),
            }
        ),
        max_size=8,
    )
)
def test_fuzz_parquet(tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]]) -> None:
    path = tmp_path_factory.mktemp("parquet") / "events.parquet"
    _frame(rows).to_parquet(path)
    check_records(rows, path)


# ------------------------------------------------------------------ the two engines


@pytest.mark.skipif(unavailable_reason() is not None, reason=f"{unavailable_reason()}")
@FUZZ
@given(mutated_records(), st.sampled_from([AS_OF, dt.date(2014, 3, 31), dt.date(2030, 12, 31)]))
def test_fuzz_durable_matches_reference(records: list[dict[str, Any]], as_of: dt.date) -> None:
    check_engines_agree(records, as_of)


def check_engines_agree(records: list[dict[str, Any]], as_of: dt.date) -> None:
    """The law for the durable engine: the reference engine's findings, exactly."""
    intake = read_events(records, lenient=True)
    reference, durable = (
        evaluate(LAWS_PLAN, intake, as_of=as_of, engine=engine)
        for engine in ("reference", "durable")
    )
    assert durable.findings == reference.findings


# ------------------------------------------------------------------ scenarios


SCENARIO = """\
ruleset: {ruleset}
scenarios:
  - name: fuzzed
    as_of: {as_of}
    events:
      - {{id: ev-1, type: peer_challenge.held, date: {date}, council: {council},
         review: r1, kind: corporate}}
    expect:
      - {{rule: {rule}, status: {status}}}
"""


SCENARIO_FILE = """\
rulesets: [{ruleset}]
scenarios:
  - name: fuzzed
    as_of: {as_of}
    events_file: {events_file}
    events:
      - {{id: ev-1, type: peer_challenge.held, date: {date}, council: {council},
         review: r1, kind: corporate}}
    expect:
      - {{rule: {rule}, status: {status}}}
"""
"""A scenario file for the long run (tests/fuzz_driver.py), which fills it in."""


@FUZZ
@given(
    st.fixed_dictionaries(
        {
            "ruleset": st.sampled_from(["laws.yaml", "missing.yaml", "../../etc/passwd", "[]"]),
            "as_of": st.sampled_from(["2016-06-30", "9999-12-31", "[2016-06-30]", "x"]),
            "date": st.sampled_from(["2015-01-10", "2015-02-30", "null", "{}"]),
            "council": st.sampled_from(["E08000026", "E0800002", "[]"]),
            "rule": st.sampled_from(["feedback", "nope", "{a: 1}"]),
            "status": st.sampled_from(["fulfilled", "breached", "nope", "[]"]),
        }
    )
)
def test_fuzz_scenario_loader(
    tmp_path_factory: pytest.TempPathFactory, fields: dict[str, str]
) -> None:
    folder = tmp_path_factory.mktemp("scenario")
    (folder / "laws.yaml").write_text(LAWS_YAML, encoding="utf-8")
    path = folder / "fuzz.scenario.yaml"
    path.write_text(SCENARIO.format(**fields), encoding="utf-8")
    check_scenario_file(path)


def check_scenario_file(path: Path) -> None:
    """The law for a scenario file: it runs, or raises problems that each say where."""
    try:
        load_scenario_file(path)
        run_file(path)
    except InputError as exc:
        problems = exc.problems
        assert problems, "an input error with no problem in it"
        for problem in problems:
            assert problem.location.line >= 0, str(problem)
            assert problem.message.strip(), str(problem)
            str(problem).encode("utf-8")


# ------------------------------------------------------------------ state files

STATE_DAMAGE: tuple[str, ...] = (
    "UPDATE snapshot SET data = ?",
    "UPDATE meta SET value = ? WHERE key = 'runs'",
    "UPDATE meta SET value = ? WHERE key = 'as_of'",
    "UPDATE meta SET value = ? WHERE key = 'rulesets'",
    "UPDATE findings SET data = ?",
    "UPDATE events SET data = ?",
    "DELETE FROM snapshot WHERE length(?) >= 0",
    "DROP TABLE IF EXISTS findings -- ?",
    "DROP TABLE IF EXISTS events -- ?",
)
"""Damage done to a good state file, each statement with one parameter (a blob)."""
STATE_BLOBS: tuple[str | bytes, ...] = (
    '"x"', "null", "[]", "{}", "-1", '"9999-12-31"', '[{"id": 1}]', "1e999",
    zlib.compress(b'{"format": 2, "rulesets": [], "state": {"c": "Nope"}}'),
)  # fmt: skip
_STATE_DAMAGE = st.sampled_from(STATE_DAMAGE)
_BLOBS = st.one_of(st.binary(max_size=40), st.sampled_from(STATE_BLOBS))


@functools.cache
def _base_state(folder: Path) -> bytes:
    events = folder / "first.jsonl"
    source = Path(__file__).parents[1] / "examples" / "west-midlands-compact-2013.jsonl"
    lines = [x for x in source.read_text(encoding="utf-8").splitlines() if '"2013-' in x]
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    state = folder / "base.sqlite"
    status = run(
        ["run", "-s", str(state), "-r", "west-midlands-compact-2013", "-e", str(events),
         "--as-of", "2013-12-31"],
        io.StringIO(),
        io.StringIO(),
    )  # fmt: skip
    assert status == 0
    return state.read_bytes()


@FUZZ
@given(_STATE_DAMAGE, _BLOBS, st.lists(st.integers(0, 10**6), max_size=3), st.booleans())
def test_fuzz_state_restore(
    tmp_path_factory: pytest.TempPathFactory,
    damage: str,
    blob: bytes | str,
    flips: list[int],
    show: bool,
) -> None:
    base = _base_state(tmp_path_factory.getbasetemp())
    check_damaged_state(base, tmp_path_factory.mktemp("state"), damage, blob, flips, show)


def check_damaged_state(
    base: bytes, folder: Path, damage: str, blob: bytes | str, flips: list[int], show: bool
) -> None:
    """The law for a damaged state file: `run` works on, or exits 2 saying what is wrong."""
    state = folder / "s.sqlite"
    data = bytearray(base)
    for at in flips:  # a few damaged bytes anywhere in the file
        data[at % len(data)] ^= 0xFF
    state.write_bytes(bytes(data))
    with (
        contextlib.suppress(sqlite3.DatabaseError, UnicodeDecodeError),
        contextlib.closing(sqlite3.connect(state)) as db,
    ):
        db.execute(damage, (blob,))
        db.commit()
    empty = folder / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    argv = (
        ["run", "-s", str(state), "--show"]
        if show
        else ["run", "-s", str(state), "-e", str(empty), "--as-of", "2014-06-30"]
    )
    err = io.StringIO()
    status = run(argv, io.StringIO(), err)
    assert status in (0, 2), err.getvalue()
    if status == 2:
        assert err.getvalue().startswith("sli-rules run: "), err.getvalue()


# ------------------------------------------------------------------ regressions


def _regressions(suffix: str) -> list[Path]:
    return sorted(REGRESSIONS.glob(f"*{suffix}"))


@pytest.mark.parametrize("path", _regressions(".yaml"), ids=lambda p: p.name)
def test_ruleset_regressions(path: Path) -> None:
    check_loaded(*check_ruleset(path), str(path))


@pytest.mark.parametrize(
    "path",
    [*_regressions(".jsonl"), *_regressions(".csv"), *_regressions(".parquet")],
    ids=lambda p: p.name,
)
def test_event_file_regressions(path: Path) -> None:
    data = path.read_bytes()
    check_event_file(path, records_in_jsonl(data) if path.suffix == ".jsonl" else None)


@pytest.mark.parametrize("path", _regressions(".records.json"), ids=lambda p: p.name)
def test_record_regressions(path: Path) -> None:
    # Records that crashed a reader as mappings or as a DataFrame (stored as JSON).
    records = json.loads(path.read_text(encoding="utf-8"))
    check_records(records, records)
    check_records(records, _frame(records))


@pytest.mark.parametrize("path", _regressions(".scenario"), ids=lambda p: p.name)
def test_scenario_regressions(path: Path, tmp_path: Path) -> None:
    # Scenario files that crashed the loader, kept without the .scenario.yaml suffix so
    # that the pytest plugin does not collect them; run beside the files they name.
    (tmp_path / "laws.yaml").write_text(LAWS_YAML, encoding="utf-8")
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "ok.jsonl").write_text("", encoding="utf-8")
    copy = tmp_path / "fuzz.scenario.yaml"
    copy.write_bytes(path.read_bytes())
    check_scenario_file(copy)


def test_the_long_run_driver_runs_every_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make fuzz` at a million inputs takes most of an hour; a few hundred keep the
    # driver itself working (every target, the shares, the summary)
    from fuzz_driver import WEIGHTS, main

    status = main(["--inputs", "400", "--seed", "0", "--crashes", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert list(tmp_path.iterdir()) == []
    assert "==> fuzz: 400 inputs in " in out
    assert ": 0 failed" in out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[2:-1]}
    assert set(rows) == set(WEIGHTS) - ({"durable"} if unavailable_reason() else set())
    assert sum(int(n.replace(",", "")) for n in rows.values()) == 400
