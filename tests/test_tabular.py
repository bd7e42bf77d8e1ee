"""Tabular IO: events from DataFrames, Parquet and SQL; findings to Parquet and SQL.

The PostgreSQL tests run against a real server (the `postgresql_url` fixture in
conftest.py); they fail, rather than skip, when it cannot be started.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import sys
import threading
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import sli_rules
from sli_rules.cli import run

ROOT = Path(__file__).resolve().parents[1]
EM = "east-midlands-childrens-mou-2015"
EM_EVENTS = ROOT / "examples" / f"{EM}.jsonl"
EM_AS_OF = dt.date(2017, 6, 30)
WM = "west-midlands-compact-2013"
WM_EVENTS = ROOT / "examples" / f"{WM}.jsonl"
# every finding field but `ranges`, each date followed by its earliest and latest day
FIELDS = [
    c
    for a in attrs.fields(sli_rules.Finding)
    if a.name != "ranges"
    for c in (
        (a.name, f"{a.name}_earliest", f"{a.name}_latest")
        if a.name in ("opens", "due", "remedied_on")
        else (a.name,)
    )
]


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def em_report() -> sli_rules.Report:
    return sli_rules.evaluate([EM], EM_EVENTS, as_of=EM_AS_OF)


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ DataFrames in


def test_dataframe_events_give_the_same_findings_as_the_jsonl_file(em_report):
    # read_json turns the `date` column into Timestamps, pads missing attributes with
    # NaN, and stores whole numbers beside NaN as floats: all of that must be undone.
    frame = pd.read_json(EM_EVENTS, lines=True)
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["step"].dtype == "float64"
    report = sli_rules.evaluate([EM], frame, as_of=EM_AS_OF)
    assert report.findings == em_report.findings
    assert report.events_read == len(_records(EM_EVENTS))


def test_a_boolean_column_with_gaps_round_trips_through_read_json():
    # pandas stores true/false beside missing values as 1.0/0.0: every row must still
    # be accepted, and give the findings of the JSONL file (34 rows were lost before)
    frame = pd.read_json(WM_EVENTS, lines=True)
    assert frame["action_plan"].dtype == "float64"
    expected = sli_rules.evaluate([WM], WM_EVENTS, as_of="2015-12-31")
    report = sli_rules.evaluate([WM], frame, as_of="2015-12-31")
    assert report.findings == expected.findings
    assert report.events_read == len(_records(WM_EVENTS))
    # a number other than 0 or 1 is still not a boolean
    records = _records(WM_EVENTS)
    row = next(i for i, r in enumerate(records) if "action_plan" in r)
    frame.loc[row, "action_plan"] = 2.0
    intake = sli_rules.read_events(frame, lenient=True)
    assert [r.location.line for r in intake.rejected] == [row + 1]


def test_dataframe_cells_become_event_attributes():
    frame = pd.DataFrame(
        [
            {
                "id": "ev-1",
                "type": "peer_challenge.held",
                "date": pd.Timestamp("2013-08-31"),
                "council": "E08000026",
                "review": "cpc-1",
                "kind": "corporate",
                "start": dt.date(2013, 8, 28),
                "action_plan": None,
            },
            {
                "id": "ev-2",
                "type": "feedback.published",
                "date": dt.date(2014, 3, 3),
                "council": "E08000026",
                "review": "cpc-1",
                "kind": math.nan,
                "start": pd.NaT,
                "action_plan": True,
            },
        ]
    )
    intake = sli_rules.read_events(frame)
    first, second = intake.events
    assert first.date == dt.date(2013, 8, 31)
    assert first.attrs == {"review": "cpc-1", "kind": "corporate", "start": "2013-08-28"}
    assert second.attrs == {"review": "cpc-1", "action_plan": True}
    assert first.source == "<dataframe>:1"


def test_dataframe_with_list_and_object_cells_and_id_index():
    frame = pd.DataFrame(
        [
            {
                "id": "m-1",
                "type": "meeting.held",
                "date": "2015-01-15",
                "council": "em-dcs-group",
                "meeting": "em-2015-01",
                "attendees": [{"council": "E06000015", "representative": True}],
            }
        ]
    ).set_index("id")
    (event,) = sli_rules.read_events(frame).events
    assert event.id == "m-1"
    assert event.attrs["attendees"] == [{"council": "E06000015", "representative": True}]


def test_dataframe_bad_rows_are_named_by_row_number():
    frame = pd.DataFrame(
        [
            {"id": "a", "type": "feedback.published", "date": "2014-03-03", "council": "E08000026"},
            {"id": "b", "type": "feedback.published", "date": pd.Timestamp("2014-03-03 10:30")},
        ]
    )
    with pytest.raises(sli_rules.EventError) as info:
        sli_rules.read_events(frame)
    text = str(info.value)
    assert "<dataframe>:2" in text
    assert "council" in text
    assert "date and time" in text
    intake = sli_rules.read_events(frame, lenient=True, name="frame")
    assert [str(r.location) for r in intake.rejected] == ["frame:1", "frame:2"]


def test_findings_dataframe_has_typed_columns(em_report):
    frame = em_report.to_dataframe()
    assert list(frame.columns) == FIELDS
    assert len(frame) == len(em_report.findings)
    assert pd.api.types.is_datetime64_any_dtype(frame["due"])
    assert str(frame["step"].dtype) == "Int64"
    escalations = frame[frame["kind"] == "escalation"]
    assert escalations["step"].notna().all()
    assert frame[frame["kind"] == "obligation"]["step"].isna().all()


# ------------------------------------------------------------------ Parquet


def test_parquet_events_give_the_same_findings(tmp_path, em_report):
    path = tmp_path / "events.parquet"
    pd.read_json(EM_EVENTS, lines=True).to_parquet(path)
    report = sli_rules.evaluate([EM], path, as_of=EM_AS_OF)
    assert report.findings == em_report.findings
    intake = sli_rules.read_events(path)
    team = next(e for e in intake.events if "team" in e.attrs).attrs["team"]
    assert isinstance(team, list)
    assert all(isinstance(member, dict) and None not in member.values() for member in team)


def test_parquet_written_by_pyarrow_with_date_columns(tmp_path):
    table = pa.table(
        {
            "id": ["ev-1", "ev-2"],
            "type": ["peer_challenge.held", "feedback.published"],
            "date": pa.array([dt.date(2013, 8, 31), dt.date(2014, 3, 3)], pa.date32()),
            "council": ["E08000026", "E08000026"],
            "review": ["cpc-1", "cpc-1"],
            "kind": ["corporate", None],
            "action_plan": [None, True],
        }
    )
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    events = sli_rules.read_events(path).events
    assert [e.date for e in events] == [dt.date(2013, 8, 31), dt.date(2014, 3, 3)]
    assert events[1].attrs == {"review": "cpc-1", "action_plan": True}
    assert events[0].source == f"{path}:1"


def test_parquet_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(sli_rules.EventError, match="no such file"):
        sli_rules.read_events(missing)
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(sli_rules.EventError, match="not a readable Parquet file") as info:
        sli_rules.read_events(broken)
    assert str(broken) in str(info.value)


def test_report_to_parquet_round_trips(tmp_path, em_report):
    path = tmp_path / "findings.parquet"
    em_report.to_parquet(path)
    table = pq.read_table(path)
    assert table.column_names == ["as_of", *FIELDS]
    assert table.schema.field("due").type == pa.date32()
    assert table.schema.field("due_latest").type == pa.date32()
    assert table.schema.field("triggered_by").type == pa.list_(pa.string())
    rows = table.to_pylist()
    assert len(rows) == len(em_report.findings)
    assert {r["as_of"] for r in rows} == {EM_AS_OF}
    for row, finding in zip(rows, em_report.findings, strict=True):
        assert row["due"] == finding.due
        assert row["due_earliest"] == row["due_latest"] == finding.due  # exact dates
        assert row["step"] == finding.step
        assert row["fulfilled_by"] == list(finding.fulfilled_by)


# ------------------------------------------------------------------ SQL


def _count(engine: sa.Engine, table: str = "findings", **where: Any) -> int:
    t = sa.Table(table, sa.MetaData(), autoload_with=engine)
    query = sa.select(sa.func.count()).select_from(t)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _check_write_twice_replaces(target: Any, engine: sa.Engine, em_report) -> None:
    n = len(em_report.findings)
    assert sli_rules.write_findings(em_report, target) == n
    assert sli_rules.write_findings(em_report, target) == n
    assert _count(engine) == n  # replaced, not duplicated

    # Another as_of for the same agreement is kept beside it.
    earlier = sli_rules.evaluate([EM], EM_EVENTS, as_of=dt.date(2016, 3, 31))
    sli_rules.write_findings(earlier, target)
    assert _count(engine) == n + len(earlier.findings)
    # Another agreement on the same as_of is kept too.
    wm = sli_rules.evaluate([WM], WM_EVENTS, as_of=EM_AS_OF)
    sli_rules.write_findings(wm, target)
    assert _count(engine, agreement=WM) == len(wm.findings)
    assert _count(engine, agreement=EM, as_of=EM_AS_OF) == n
    # A rerun that finds less removes what it no longer finds for that as_of and agreement.
    sli_rules.write_findings(em_report.filter(kind="breach"), target)
    assert _count(engine, agreement=EM, as_of=EM_AS_OF) == len(em_report.breaches)
    assert _count(engine, agreement=WM) == len(wm.findings)


def _check_stored_values(engine: sa.Engine, em_report) -> None:
    t = sa.Table("findings", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t).where(t.c.as_of == EM_AS_OF, t.c.agreement == EM, t.c.kind == "breach")
        ).mappings()
        stored = {(r["rule"], r["party"], r["due"]): r for r in rows}
    breach = em_report.breaches[0]
    row = stored[(breach.rule, breach.party, breach.due)]
    assert row["due"] == breach.due  # a real date, not text
    assert json.loads(row["triggered_by"]) == list(breach.triggered_by)
    assert row["explanation"] == breach.explanation


def test_write_findings_to_sqlite_path_twice_replaces(tmp_path, em_report):
    path = tmp_path / "findings.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    _check_write_twice_replaces(path, engine, em_report.filter(agreement=EM))
    _check_stored_values(engine, em_report)
    engine.dispose()


def test_write_findings_refuses_a_table_made_for_something_else(tmp_path, em_report):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE findings (id INTEGER, note TEXT)"))
    with pytest.raises(ValueError, match="lacks the columns"):
        sli_rules.write_findings(em_report, engine)
    engine.dispose()


def test_write_findings_is_one_transaction(tmp_path, em_report, monkeypatch):
    """If the insert fails, the delete is rolled back: the old rows are still there."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    sli_rules.write_findings(em_report, engine)
    from sli_rules.outputs import tables as _tabular

    def broken_rows(report: Any, **_: Any) -> list[dict[str, Any]]:
        return [{"as_of": report.as_of, "kind": None, "agreement": None}]  # NOT NULL fails

    monkeypatch.setattr(_tabular, "finding_rows", broken_rows)
    with pytest.raises(sa.exc.IntegrityError):
        sli_rules.write_findings(em_report, engine)
    assert _count(engine) == len(em_report.findings)
    engine.dispose()


def _events_table(engine: sa.Engine, attrs_type: Any) -> None:
    """An events table keeping the common fields as columns and the rest in `attrs`."""
    md = sa.MetaData()
    t = sa.Table(
        "events",
        md,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("council", sa.Text, nullable=False),
        sa.Column("attrs", attrs_type),
    )
    md.create_all(engine)
    rows = []
    for r in _records(EM_EVENTS):
        common = {k: r.pop(k) for k in ("id", "type", "council")}
        common["date"] = dt.date.fromisoformat(r.pop("date"))
        attrs = r if attrs_type is not sa.Text else json.dumps(r)
        rows.append({**common, "attrs": attrs})
    with engine.begin() as conn:
        conn.execute(t.insert(), rows)


def test_read_events_sql_from_sqlite_table_and_query(tmp_path, em_report):
    path = tmp_path / "events.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    _events_table(engine, sa.Text)
    intake = sli_rules.read_events_sql(path, "events")
    report = sli_rules.evaluate([EM], intake, as_of=EM_AS_OF)
    assert report.findings == em_report.findings
    query = sli_rules.read_events_sql(
        f"sqlite:///{path}", sa.text("SELECT * FROM events WHERE type = 'meeting.held'")
    )
    assert query.events
    assert {e.type for e in query.events} == {"meeting.held"}
    selected = sli_rules.read_events_sql(engine, sa.text("SELECT * FROM events LIMIT 3"))
    assert len(selected.events) == 3
    engine.dispose()


@pytest.mark.parametrize(
    "name", ["events; DROP TABLE events", "SELECT * FROM events", "events WHERE 1=1", ""]
)
def test_read_events_sql_never_runs_a_plain_string_as_sql(tmp_path, name):
    # A table name taken from a user must not become a statement.
    path = tmp_path / "events.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    _events_table(engine, sa.Text)
    with pytest.raises(sli_rules.EventError) as info:
        sli_rules.read_events_sql(engine, name)
    assert "is not a table name" in str(info.value)
    assert 'sqlalchemy.text("SELECT ...")' in str(info.value)
    assert sa.inspect(engine).has_table("events")
    engine.dispose()


def test_read_events_sql_fits_wide_columns_to_the_catalogue(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'wide.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE ev (id TEXT, type TEXT, date TEXT, council TEXT, review TEXT, "
                "action_plan INTEGER, team TEXT, kind TEXT)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO ev VALUES "
                "('f-1', 'feedback.published', '2014-03-03', 'E08000026', 'r-1', 1, NULL, NULL),"
                "('p-1', 'peer_challenge.held', '2013-08-31', 'E08000026', 'r-1', NULL, "
                '\'[{"council": "E06000015", "role": "lead_dcs", "core": true}]\','
                " 'childrens')"
            )
        )
    feedback, challenge = sli_rules.read_events_sql(engine, "ev").events
    assert feedback.attrs == {"review": "r-1", "action_plan": True}  # SQLite's 1 is true
    assert challenge.attrs["team"] == [{"council": "E06000015", "role": "lead_dcs", "core": True}]
    engine.dispose()


def test_read_events_sql_errors_name_the_table_and_row(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with pytest.raises(sli_rules.EventError, match="no such table"):
        sli_rules.read_events_sql(engine, "events")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (id TEXT, type TEXT, date TEXT, council TEXT)"))
        conn.execute(
            sa.text(
                "INSERT INTO events VALUES ('a', 'feedback.publishd', '2014-03-03', 'E08000026')"
            )
        )
    with pytest.raises(sli_rules.EventError) as info:
        sli_rules.read_events_sql(engine, "events")
    assert "events:1" in str(info.value)
    assert "feedback.published" in str(info.value)  # the did-you-mean hint
    engine.dispose()


def test_sql_needs_an_engine_url_or_path():
    with pytest.raises(TypeError, match="SQLAlchemy Engine"):
        sli_rules.write_findings(sli_rules.evaluate([EM], [], as_of=EM_AS_OF), 42)


# ------------------------------------------------------------------ PostgreSQL, for real


def test_postgresql_write_findings_twice_replaces(postgresql_url, em_report):
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS findings"))
    _check_write_twice_replaces(postgresql_url, engine, em_report)
    _check_stored_values(engine, em_report)
    with engine.connect() as conn:
        kinds = dict(
            conn.execute(
                sa.text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'findings'"
                )
            ).all()
        )
    assert kinds["as_of"] == "date"
    assert kinds["step"] == "integer"
    assert kinds["triggered_by"] == "text"
    engine.dispose()


def test_postgresql_concurrent_writers_leave_one_copy(postgresql_url, em_report):
    engine = sa.create_engine(postgresql_url, pool_size=4)
    sli_rules.write_findings(em_report, engine, table="raced")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            barrier.wait(timeout=30)
            sli_rules.write_findings(em_report, engine, table="raced")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert _count(engine, "raced") == len(em_report.findings)
    engine.dispose()


def test_postgresql_custom_table_and_bare_postgresql_url(postgresql_url, em_report):
    bare = postgresql_url.replace("postgresql+psycopg://", "postgresql://")
    written = sli_rules.write_findings(em_report, bare, table="sli_findings_nightly")
    engine = sa.create_engine(postgresql_url)
    assert _count(engine, "sli_findings_nightly") == written == len(em_report.findings)
    engine.dispose()


def test_postgresql_read_events_from_jsonb_table(postgresql_url, em_report):
    from sqlalchemy.dialects.postgresql import JSONB

    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS events"))
    _events_table(engine, JSONB)
    report = sli_rules.evaluate(
        [EM], sli_rules.read_events_sql(engine, "public.events"), as_of=EM_AS_OF
    )
    assert report.findings == em_report.findings
    engine.dispose()


def test_cli_to_sql_postgresql(postgresql_url):
    code, _out, err = _cli(
        "evaluate",
        "-r",
        EM,
        "-e",
        str(EM_EVENTS),
        "--as-of",
        EM_AS_OF.isoformat(),
        "--format",
        "json",
        "--to-sql",
        postgresql_url,
        "--table",
        "cli_findings",
    )
    assert code == 0, err
    assert "cli_findings" in err
    engine = sa.create_engine(postgresql_url)
    first = _count(engine, "cli_findings")
    assert first > 0
    assert _cli(
        "evaluate", "-r", EM, "-e", str(EM_EVENTS), "--as-of", EM_AS_OF.isoformat(),
        "--to-sql", postgresql_url, "--table", "cli_findings",
    )[0] == 0  # fmt: skip
    assert _count(engine, "cli_findings") == first
    engine.dispose()


# ------------------------------------------------------------------ the command line


def _evaluate_args(*extra: str) -> list[str]:
    return ["evaluate", "-r", EM, "-e", str(EM_EVENTS), "--as-of", EM_AS_OF.isoformat(), *extra]


def test_cli_to_sql_sqlite_path_and_parquet_outputs(tmp_path, em_report):
    db, pq_a, pq_b = tmp_path / "f.db", tmp_path / "a.parquet", tmp_path / "b.parquet"
    code, out, err = _cli(*_evaluate_args("--to-sql", str(db), "--to-parquet", str(pq_a)))
    assert code == 0, err
    assert out  # the table still goes to the screen
    engine = sa.create_engine(f"sqlite:///{db}")
    assert _count(engine) == len(em_report.findings)
    engine.dispose()
    code, out, err = _cli(*_evaluate_args("--format", "parquet", "--output", str(pq_b)))
    assert code == 0, err
    assert out == ""
    assert pq.read_table(pq_a).equals(pq.read_table(pq_b))
    assert pq.read_table(pq_b).num_rows == len(em_report.findings)


def test_cli_reads_parquet_events(tmp_path, em_report):
    path = tmp_path / "events.parquet"
    pd.read_json(EM_EVENTS, lines=True).to_parquet(path)
    code, out, err = _cli(
        "evaluate", "-r", EM, "-e", str(path), "--as-of", EM_AS_OF.isoformat(), "-f", "jsonl"
    )
    assert code == 0, err
    assert [json.loads(line) for line in out.splitlines()] == em_report.to_records()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--format", "parquet"), "--format parquet writes a binary file"),
        (("--table", "t"), "--table names the table for --to-sql"),
        (("--to-sql", "nosuchdialect://x"), "not a database URL"),
    ],
)
def test_cli_option_mistakes_exit_2(extra, message):
    code, _out, err = _cli(*_evaluate_args(*extra))
    assert code == 2
    assert message in err


def test_cli_unreachable_database_exits_2_without_the_password():
    url = "postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere"
    code, _out, err = _cli(*_evaluate_args("--to-sql", url))
    assert code == 2
    assert "cannot write findings to" in err
    assert "s3cret" not in err


def test_missing_extra_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    report = sli_rules.evaluate([EM], [], as_of=EM_AS_OF)
    with pytest.raises(ImportError, match=r"pip install 'sli-rules\[parquet\]'"):
        report.to_parquet(tmp_path / "x.parquet")
    (tmp_path / "e.parquet").write_bytes(b"")
    code, _out, err = _cli(
        "evaluate", "-r", EM, "-e", str(tmp_path / "e.parquet"), "--as-of", "2017-01-01"
    )
    assert code == 2
    assert "sli-rules[parquet]" in err


# ---------------------------------------------------------------- numbers that are not


def _days_frame() -> pd.DataFrame:
    rows = [float("inf"), float("-inf"), -100.0, 2.0]
    return pd.DataFrame(
        [
            {
                "id": f"ev-{i}",
                "type": "peer_days.given",
                "date": "2015-05-01",
                "council": "E08000026",
                "days": days,
            }
            for i, days in enumerate(rows, start=1)
        ]
    )


def _assert_days_refused(intake: sli_rules.Intake) -> None:
    # A NaN is an empty cell in a table (the attribute is absent); an infinity or a
    # negative count is refused, as JSON Lines and CSV refuse it: no format lets -100
    # days through to switch off a yearly limit.
    assert [e.id for e in intake.events] == ["ev-4"]
    reasons = {r.location.line: "; ".join(r.reasons) for r in intake.rejected}
    assert set(reasons) == {1, 2, 3}
    assert "field 'days': inf is not a number" in reasons[1]
    assert "field 'days': -inf is not a number" in reasons[2]
    assert "field 'days': expected a finite number zero or more, got -100" in reasons[3]


def test_a_dataframe_with_infinite_or_negative_numbers_is_refused_row_by_row() -> None:
    _assert_days_refused(sli_rules.read_events(_days_frame(), lenient=True))


def test_a_parquet_file_with_infinite_or_negative_numbers_is_refused_row_by_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "days.parquet"
    _days_frame().to_parquet(path)
    _assert_days_refused(sli_rules.read_events(path, lenient=True))


def test_long_table_names_get_distinct_index_names(tmp_path: Path, em_report) -> None:
    # Cut to 60 characters, the two index names were the same, so the second table could
    # not be created beside the first.
    from sli_rules.outputs.tables import findings_table

    stem = "findings_for_the_east_midlands_childrens_services_mou_"
    first, second = stem + "2015_first_run", stem + "2015_second_run"
    index_names = {next(iter(findings_table(name).indexes)).name for name in (first, second)}
    assert len(index_names) == 2
    assert all(len(str(n)) <= 60 for n in index_names)
    path = tmp_path / "findings.db"
    for name in (first, second):
        sli_rules.write_findings(em_report, path, name)
    engine = sa.create_engine(f"sqlite:///{path}")
    assert {first, second} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
