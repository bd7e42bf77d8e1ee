"""One vocabulary: every kind and status a report can carry is in model/vocabulary.py, and
the schema, the HTML report, the plot and `explain` all read it from there."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import pytest

import real_record
from sli_rules.cli import run
from sli_rules.model.values import FindingKind
from sli_rules.model.vocabulary import KIND_NOUNS, KINDS, STATUSES, Kind, Status
from sli_rules.outputs import plot, report
from sli_rules.tools.schema import findings_schema

if TYPE_CHECKING:
    from conftest import ExampleRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    line.split("\t")
    for line in (ROOT / "examples" / "demo.tsv").read_text(encoding="utf-8").splitlines()[1:]
    if line.strip()
]


def test_the_finding_type_and_the_vocabulary_name_the_same_kinds() -> None:
    assert tuple(get_args(FindingKind)) == KINDS == tuple(Kind)
    assert set(KIND_NOUNS) == set(Kind)


def test_every_status_says_which_kinds_it_belongs_to() -> None:
    for status, words in STATUSES.items():
        kinds, _, meaning = words.meaning.partition(": ")
        named = set(kinds.replace(" or ", ",").replace(" ", "").split(","))
        assert named <= {*KINDS, "constraint"}, status
        assert meaning, status


def test_the_schema_allows_exactly_the_vocabulary() -> None:
    props = findings_schema()["$defs"]["finding"]["properties"]
    assert props["kind"]["enum"] == list(KINDS)
    assert props["status"]["enum"] == [s.value for s in Status]


def test_the_report_and_the_plot_colour_every_status_from_the_one_table() -> None:
    for status, words in STATUSES.items():
        assert report.STATUS_COLOURS[status] == words.html_colour
        assert plot.STATUS_COLOURS[status] == words.plot_colour


@pytest.mark.parametrize(
    ("events", "ruleset", "as_of"), real_record.params(EXAMPLES, [e[1] for e in EXAMPLES])
)
def test_the_bundled_examples_use_only_the_vocabulary(
    events: str, ruleset: str, as_of: str, example_run: ExampleRunner
) -> None:
    # a row may name several rulesets, comma-separated
    result = example_run(events, ruleset, as_of).report
    assert {f.kind for f in result.findings} <= set(KINDS)
    assert {f.status for f in result.findings} <= set(STATUSES)


def test_explain_accepts_every_status_of_the_vocabulary_and_names_them() -> None:
    out, err = io.StringIO(), io.StringIO()
    events, ruleset, as_of = EXAMPLES[0]
    argv = [
        "explain",
        "-r",
        ruleset,
        "-e",
        str(ROOT / "examples" / events),
        "--as-of",
        as_of.strip(),
    ]
    assert run([*argv, "--status", "not-a-status"], out, err) == 2
    listed = err.getvalue().rsplit("statuses: ", 1)[1].strip()
    assert set(next(csv.reader([listed], skipinitialspace=True))) == set(STATUSES)
