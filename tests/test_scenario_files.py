"""Scenario files: an expectation that can never match is an error, not a pass.

A misspelt rule id, a malformed party code, an unknown kind or status would make an
`expect_absent` pass whatever the rulesets do, so the file is refused with the place of
the mistake and a suggestion."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sli_rules import InputError
from sli_rules.cli import run
from sli_rules.tools.scenarios import load_scenario_file

SCENARIO = """\
rulesets: [west-midlands-compact-2013]
scenarios:
  - name: asking for support makes early support available
    events:
      - {{id: c1, type: support.requested, date: 2014-03-10, council: E06000019,
         request: hereford-asc-2014, kind: coaching}}
    as_of: 2014-03-20
    expect:
      - {{kind: notice, rule: early-support-available, status: available}}
    expect_absent:
      - {{{absent}}}
"""


def write(tmp_path: Path, absent: str) -> Path:
    path = tmp_path / "t.scenario.yaml"
    path.write_text(SCENARIO.format(absent=absent), encoding="utf-8")
    return path


def test_a_correct_file_loads_and_passes(tmp_path: Path) -> None:
    path = write(tmp_path, "kind: escalation, step: 2")
    out, err = io.StringIO(), io.StringIO()
    assert run(["test", str(path)], out, err) == 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("absent", "fragment"),
    [
        ("rule: early-support-availabl", "did you mean 'early-support-available'"),
        ("party: E0600019", "expected a GSS code"),
        ("party: E08000034", "'E08000034' is not a party"),
        ("kind: breaches", "did you mean 'breach'"),
        ("status: fulfiled", "did you mean 'fulfilled'"),
        ("agreement: west-midlands-compact", "did you mean 'west-midlands-compact-2013'"),
        ("due: 2014-02-30", "due:"),
    ],
)
def test_an_expectation_that_can_never_match_is_refused(
    tmp_path: Path, absent: str, fragment: str
) -> None:
    path = write(tmp_path, absent)
    with pytest.raises(InputError) as caught:
        load_scenario_file(path)
    (problem,) = caught.value.problems
    assert (problem.location.line, problem.location.column) == (11, 10)  # the field
    assert fragment in problem.message
    # and `sli-rules test` says so, with a non-zero exit, rather than passing
    out, err = io.StringIO(), io.StringIO()
    assert run(["test", str(path)], out, err) != 0
    assert "t.scenario.yaml:11:10:" in out.getvalue() + err.getvalue()


def test_a_party_taken_on_by_pattern_is_accepted(tmp_path: Path) -> None:
    # The tutorial's ruleset with its councils taken on by a code pattern instead of a
    # list: a council the pattern covers is a party a scenario may name.
    tutorial = Path(__file__).resolve().parents[1] / "docs" / "tutorial" / "local-accounts.yaml"
    text = tutorial.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = lines.index("  councils:\n")
    end = start + 1
    while lines[end].startswith("    - "):
        end += 1
    pattern = '  council_pattern: "^E08"\n'
    (tmp_path / "by-pattern.yaml").write_text(
        "".join([*lines[:start], pattern, *lines[end:]]), encoding="utf-8"
    )
    path = tmp_path / "n.scenario.yaml"
    path.write_text(
        "rulesets: [by-pattern.yaml]\n"
        "scenarios:\n"
        "  - name: nothing happens\n"
        "    events: []\n"
        "    as_of: 2016-01-01\n"
        "    expect_absent:\n"
        "      - {party: E08000026}\n",
        encoding="utf-8",
    )
    assert load_scenario_file(path).scenarios[0].expect_absent
