"""The real West Midlands record, 2011-2018 (examples/real-west-midlands-2011-2018.jsonl).

The example is written by scripts/real_west_midlands.py from the csv in ../shared/real/
(SLI_REAL points elsewhere). The csv is not shipped: its `detail` column names officials.
So the tests that need it are skipped where it is absent, as the quote tests are; the
tests of the committed file run everywhere.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from real_record import NEEDS, RULESETS, imprecise_dates_supported, shared

if TYPE_CHECKING:
    from conftest import ExampleRunner

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("SLI_REAL", ROOT.parent / "shared" / "real"))
CSV = REAL / "events-west-midlands-2011-2018.csv"
EXAMPLE = ROOT / "examples" / "real-west-midlands-2011-2018.jsonl"
DOCS = ROOT / "docs" / "real-west-midlands.md"
AS_OF = datetime.date(2018, 12, 31)


def _script() -> ModuleType:
    path = ROOT / "scripts" / "real_west_midlands.py"
    spec = importlib.util.spec_from_file_location("real_west_midlands", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, str]]:
    if not CSV.exists():
        pytest.skip(f"the real record is not here ({CSV}); set SLI_REAL to check the conversion")
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _example() -> list[dict[str, Any]]:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# ------------------------------------------------------------------ the conversion


def test_the_committed_example_is_what_the_script_writes() -> None:
    script = _script()
    events, _gaps = script.convert(_rows())
    assert script.render(events) == EXAMPLE.read_text(encoding="utf-8"), (
        "examples/real-west-midlands-2011-2018.jsonl is stale: run "
        "`python scripts/real_west_midlands.py`"
    )


def test_every_row_is_an_event_or_a_gap_with_its_reason() -> None:
    script = _script()
    rows = _rows()
    events, gaps = script.convert(rows)
    assert len(events) + len(gaps) == len(rows)
    assert all(gap.reason for gap in gaps)
    lines = {int(e["id"].removeprefix("wm-")) + 1 for e in events} | {g.line for g in gaps}
    assert lines == set(range(2, len(rows) + 2))


def test_the_detail_column_is_not_carried_over() -> None:
    # The details name officials: the events must not depend on them at all.
    script = _script()
    rows = _rows()
    blanked = [{**row, "detail": "SENTINEL"} for row in rows]
    assert script.convert(blanked)[0] == script.convert(rows)[0]
    assert "SENTINEL" not in script.render(script.convert(blanked)[0])


def test_an_unknown_event_type_is_refused_not_dropped() -> None:
    script = _script()
    row = {
        "council": "x",
        "gss_code": "E08000026",
        "event_type": "something_new",
        "event_date": "2014-03-01",
        "detail": "",
        "source_url": "https://example.org/",
        "confidence": "high",
    }
    with pytest.raises(ValueError, match="line 2: no mapping for event_type 'something_new'"):
        script.convert([row])


def test_dates_keep_the_precision_of_the_source() -> None:
    script = _script()
    rows = _rows()
    events, _ = script.convert(rows)
    by_line = {int(e["id"].removeprefix("wm-")) + 1: e for e in events}
    for line, row in enumerate(rows, start=2):
        event = by_line.get(line)
        if event is None:
            continue
        raw = row["event_date"]
        raw = script.DATES.get((row["gss_code"], row["event_type"], raw), raw)
        if event["type"] in script.ON_SITE and re.fullmatch(r"[\d-]{10}/[\d-]{10}", raw):
            assert f"{event['start']}/{event['date']}" == raw  # an on-site span
        else:
            assert event["date"] == raw
            assert "start" not in event


# ------------------------------------------------------------------ the committed file


def test_every_event_keeps_its_source_and_confidence() -> None:
    for event in _example():
        assert event["source"].strip(), event["id"]
        assert event["confidence"] in {"high", "medium", "low"}, event["id"]


def test_no_coverage_is_declared() -> None:
    # the record is a sample: a missing event is never evidence that it did not happen
    assert not [e for e in _example() if e["type"] == "record.coverage"]


needs_dates = pytest.mark.skipif(not imprecise_dates_supported(), reason=NEEDS)


@needs_dates
@shared
def test_the_example_loads_with_nothing_rejected(example_run: ExampleRunner) -> None:
    report = example_run(EXAMPLE, RULESETS, AS_OF).report
    accounting = report.accounting()
    assert accounting["rejected"] == 0
    assert accounting["accepted"] == len(_example())


# ------------------------------------------------------------------ the docs page


def _docs_rows() -> list[tuple[str, set[str], str]]:
    """(rule, parties, status) for each row of the findings table in the docs page."""
    rows = []
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        named = re.match(r"`([a-z0-9-]+)`", cells[0])
        if len(cells) < 4 or named is None:
            continue
        rule = named.group(1)
        parties = set(re.findall(r"\b(?:E\d{8}|[a-z]+(?:-[a-z0-9]+)+)\b", cells[1]))
        rows.append((rule, parties, cells[3].strip("`")))
    return rows


@needs_dates
@shared
def test_the_docs_page_gives_every_finding_a_verdict(example_run: ExampleRunner) -> None:
    report = example_run(EXAMPLE, RULESETS, AS_OF).report
    report = report.filter(agreement="west-midlands-compact-2013")
    rows = _docs_rows()
    missing = [
        (f.rule, f.party, f.status)
        for f in report.findings
        if not any(f.rule == r and f.party in p and f.status == s for r, p, s in rows)
    ]
    assert not missing, f"findings with no row in {DOCS.name}: {missing}"
