"""The example event streams are reachable without the repository (issue 16, point 7):
`sli-rules examples` lists, prints and exports them, `sli_rules.examples()` finds them,
and each is evaluated with the rulesets and date it comes with. (The built wheel's copy
is checked by tests/test_packaging.py.)"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import real_record
import sli_rules
from sli_rules.cli import run
from sli_rules.cli.exits import EXIT_INPUT, EXIT_OK

if TYPE_CHECKING:
    from conftest import ExampleRunner

REPO = Path(__file__).resolve().parents[1]
FILES = sorted((REPO / "examples").glob("*.jsonl"))
DEMO = [line.split("\t") for line in (REPO / "examples" / "demo.tsv").read_text().splitlines()[1:]]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_the_list_names_every_stream_with_its_rulesets_and_date() -> None:
    code, out, _ = cli("examples")
    assert code == EXIT_OK
    rows = [line.split("\t") for line in out.splitlines()]
    assert [r[0] for r in rows] == [p.stem for p in FILES]
    by_name = {r[0]: r for r in rows}
    for events, rulesets, as_of in DEMO:  # the same as `make demo` uses
        row = by_name[events.removesuffix(".jsonl")]
        assert row[2] == rulesets
        assert row[3] == as_of
        lines = (REPO / "examples" / events).read_text().splitlines()
        assert row[1] == f"{len(lines)} events"


def test_print_and_export_give_the_file_and_never_overwrite(tmp_path: Path) -> None:
    source = FILES[0]
    code, out, _ = cli("examples", source.stem)
    assert code == EXIT_OK
    assert out == source.read_text(encoding="utf-8")
    target = tmp_path / "mine.jsonl"
    code, _, err = cli("examples", source.stem + ".jsonl", "-o", str(target))
    assert code == EXIT_OK
    assert target.read_bytes() == source.read_bytes()
    rulesets, as_of = next((r, d) for e, r, d in DEMO if e == source.name)
    assert f"sli-rules evaluate -r {rulesets} -e {target} --as-of {as_of}" in err
    target.write_text("mine", encoding="utf-8")
    code, _, err = cli("examples", source.stem, "-o", str(target))
    assert code == EXIT_INPUT
    assert "exists" in err
    assert target.read_text(encoding="utf-8") == "mine"
    code, _, err = cli("examples", source.stem, "-o", str(tmp_path / "no" / "such.jsonl"))
    assert code == EXIT_INPUT
    assert "there is no folder" in err


def test_a_misspelt_name_gets_a_did_you_mean() -> None:
    code, out, err = cli("examples", "west-midlands-compact")
    assert code == EXIT_INPUT
    assert out == ""
    assert "did you mean 'west-midlands-compact-2013'" in err
    with pytest.raises(KeyError, match="west-midlands-compact-2013"):
        sli_rules.example("west-midlands-compact")
    assert cli("examples", "-o", "x.jsonl")[0] == EXIT_INPUT


EXAMPLES = sli_rules.examples()


# The first test of the real record's group (collection order), so the one that evaluates
# it for the group: measured, since one branch of the refinement's bookkeeping
# (engine/refine.py, a finding met again in a later run) was seen reached under coverage
# only by the whole record's evaluation. The rest of the group reads that evaluation.
@pytest.mark.parametrize(
    "ex", real_record.params([(e,) for e in EXAMPLES], [e.name for e in EXAMPLES], measured=True)
)
def test_each_example_evaluates_with_what_it_comes_with(
    ex: sli_rules.Example, example_run: ExampleRunner
) -> None:
    assert ex.path.read_bytes() == (REPO / "examples" / f"{ex.name}.jsonl").read_bytes()
    assert ex.rulesets
    assert ex.as_of is not None
    report = example_run(ex.path, ex.rulesets, ex.as_of).report
    assert len(report) > 0
    assert report.to_dict()["accounting"]["rejected"] == 0


def _demo_args() -> list[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    line = next(x for x in makefile.splitlines() if x.startswith("DEMO_ARGS ?="))
    return line.split("?=", 1)[1].split()


@pytest.mark.parametrize(
    ("events", "rulesets", "as_of"), real_record.params(DEMO, [r[0][:30] for r in DEMO])
)
def test_make_demo_shows_every_breach_in_a_screenful(
    events: str, rulesets: str, as_of: str, example_run: ExampleRunner
) -> None:
    """`make demo` printed thousands of lines (issue 16, point 9): it now shows the breaches
    and escalation steps of each example, every one of them."""
    args = [a for r in rulesets.split(",") for a in ("-r", r)]
    argv = ["evaluate", *args, "-e", str(REPO / "examples" / events), "--as-of", as_of]
    code, out, _ = cli(*argv, *_demo_args())
    assert code == EXIT_OK
    assert len(out.splitlines()) <= 60
    full = example_run(events, rulesets, as_of).report  # the CLI's own run is above
    shown = [line for line in out.splitlines() if line.startswith(("breach ", "escalation "))]
    assert len(shown) == len(full.breaches) + len(full.escalations)
    assert f"({len(full.breaches)} breach" in out  # the summary counts what is shown
