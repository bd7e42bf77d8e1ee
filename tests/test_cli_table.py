"""The command table (issue 11) and the commands and options it gained (issue 16):
check --strict, test -k and --junit-xml, init, and shell completion."""

from __future__ import annotations

import ast
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from sli_rules.cli import build_parser, run
from sli_rules.cli.exits import EXIT_BREACH, EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.cli.table import COMMANDS
from sli_rules.load.loader import bundled_ids
from sli_rules.load.safe_yaml import load_yaml
from sli_rules.tools.scenarios import find_scenario_files, load_scenario_file
from sli_rules.tools.schema import SCHEMAS

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "sli_rules"
SCENARIOS = REPO / "tests" / "scenarios"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------- the table


def test_every_command_in_the_table_is_a_subcommand_with_its_own_help() -> None:
    names = [c.name for c in COMMANDS]
    assert len(set(names)) == len(names)
    code, out, _ = cli("--help")
    assert code == EXIT_OK
    for command in COMMANDS:
        assert command.name in out
        code, out_c, _ = cli(command.name, "--help")
        assert code == EXIT_OK, command.name
        assert out_c.startswith(f"usage: sli-rules {command.name}")


def test_exit_statuses_are_the_documented_numbers() -> None:
    assert (EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_BREACH) == (0, 1, 2, 3)
    table = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for code in (EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_BREACH):
        assert f"| {code} |" in table


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_cli_parses_arguments() -> None:
    """Library functions take typed parameters: no module outside cli/ imports argparse."""
    outside = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "cli" not in p.relative_to(SRC).parts and "argparse" in _imports(p)
    ]
    assert outside == []


# ---------------------------------------------------------------------- check --strict

LOOSE = """\
id: loose
title: Loads, but parts of it do nothing
source: none.txt
version: "1"
effective:
  start: 2013-07-01
parties:
  councils: [E08000026, E08000025]
parameters:
  feedback-time: {value: P3M, basis: text}
  forgotten: {value: P1M, basis: text}
rules:
  - id: feedback-published
    kind: deadline
    title: Publish feedback
    clause: "1"
    quote: "publish the feedback"
    applies_to: {type: district}
    trigger:
      type: peer_challenge.held
      where: {kind: {in: []}, not: {review: {in: []}}}
    fulfil:
      type: feedback.published
      match: [review]
    due: {parameter: feedback-time}
"""


def test_check_strict_reports_what_loads_but_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "loose.yaml"
    path.write_text(LOOSE, encoding="utf-8")
    code, out, _ = cli("check", str(path))
    assert code == EXIT_OK, "without --strict it loads"
    assert ": ok (" in out
    code, out, err = cli("check", "--strict", "--format", "json", str(path))
    assert code == EXIT_FAILED
    records = [json.loads(line) for line in out.splitlines()]
    by_path = {r["path"]: r for r in records}
    assert set(by_path) == {
        "parameters.forgotten",
        "rules[0].trigger.where.kind.in",
        "rules[0].applies_to",
    }
    assert by_path["parameters.forgotten"]["line"] == 11
    assert by_path["rules[0].trigger.where.kind.in"]["line"] == 21
    assert by_path["rules[0].applies_to"]["line"] == 18
    assert "(--strict)" in err
    code, out, _ = cli("check", "--strict", "--format", "github", str(path))
    assert code == EXIT_FAILED
    assert out.count("::error file=") == 3


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_the_bundled_rulesets_pass_check_strict(ruleset_id: str) -> None:
    code, out, err = cli("check", "--strict", ruleset_id)
    assert code == EXIT_OK, out + err


# ---------------------------------------------------------------------- test -k, JUnit


def test_test_k_runs_only_the_matching_scenarios() -> None:
    # every scenario of the folder, counted from the files (running them all, which
    # tests/test_bundled.py does with --coverage, takes a minute)
    total = sum(
        len(load_scenario_file(path, allow_outside_events=True).scenarios)
        for path in find_scenario_files([SCENARIOS])
    )
    code, out, _ = cli("test", "--allow-outside-events", str(SCENARIOS), "-k", "SIGNATURE", "-v")
    assert code == EXIT_OK
    ran = [line for line in out.splitlines() if line.endswith(": passed")]
    assert ran
    assert all("signature" in line.casefold() for line in ran)
    summary = out.splitlines()[-1]
    assert summary.startswith(f"{len(ran)} passed, 0 failed, {total - len(ran)} deselected")
    code, _, err = cli(
        "test", "--allow-outside-events", str(SCENARIOS), "-k", "no-such-scenario-anywhere"
    )
    assert code == EXIT_INPUT
    assert "no scenario's name or file matches" in err


FAILING = """\
rulesets: [{ruleset}]
scenarios:
  - name: passes
    events: []
    as_of: 2013-01-01
    expect_absent:
      - {{kind: breach}}
  - name: fails <on purpose> & "quoted"
    events: []
    as_of: 2013-01-01
    expect:
      - {{kind: breach}}
"""


def test_junit_xml_has_a_case_per_scenario_and_a_failure_for_each_failed_one(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "t.scenario.yaml"
    scenario.write_text(FAILING.format(ruleset="west-midlands-compact-2013"), encoding="utf-8")
    broken = tmp_path / "broken.scenario.yaml"
    broken.write_text("rulesets: []\nscenarios: []\n", encoding="utf-8")
    report = tmp_path / "junit.xml"
    code, _, _ = cli("test", str(tmp_path), "--junit-xml", str(report))
    assert code == EXIT_INPUT  # an unreadable file outranks a failure
    root = ET.parse(report).getroot()  # noqa: S314 (our own file)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"passes", 'fails <on purpose> & "quoted"', "<file>"}
    assert cases["passes"].find("failure") is None
    failure = cases['fails <on purpose> & "quoted"'].find("failure")
    assert failure is not None
    assert "expected" in (failure.text or "")
    assert cases["<file>"].find("error") is not None
    assert cases["passes"].get("file") == str(scenario)


def test_junit_xml_into_a_missing_folder_exits_2_before_running(tmp_path: Path) -> None:
    code, _, err = cli("test", str(SCENARIOS), "--junit-xml", str(tmp_path / "no" / "j.xml"))
    assert code == EXIT_INPUT
    assert "--junit-xml" in err


# ---------------------------------------------------------------------- init


def test_init_sets_up_a_workspace_whose_tests_pass_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    code, out, err = cli("init", str(folder), "--id", "my-compact")
    assert code == EXIT_OK, err
    ruleset = folder / "my-compact.yaml"
    assert ruleset.exists()
    assert f"wrote {ruleset}" in out
    code, out, err = cli("test", str(folder))
    assert code == EXIT_OK, out + err
    assert out.startswith("3 passed, 0 failed")
    code, out, err = cli("check", "--strict", str(ruleset))
    assert code == EXIT_OK, out + err
    # the editor workspace: the modelines and the settings name schema files that exist
    for name in ("my-compact.yaml", "my-compact.scenario.yaml"):
        first = (folder / name).read_text(encoding="utf-8").splitlines()[0]
        reference = first.removeprefix("# yaml-language-server: $schema=")
        assert reference != first
        assert (folder / reference).is_file()
    settings = json.loads((folder / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema_path in settings["yaml.schemas"]:
        assert (folder / schema_path).is_file()
    # and the files are valid against the schemas they name
    for name, kind in (("my-compact.yaml", "ruleset"), ("my-compact.scenario.yaml", "scenario")):
        document, problems = load_yaml((folder / name).read_text(encoding="utf-8"), name)
        assert document is not None, problems
        jsonschema.validate(document.data, SCHEMAS[kind]())


def test_init_never_overwrites(tmp_path: Path) -> None:
    assert cli("init", str(tmp_path))[0] == EXIT_OK
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code, _, err = cli("init", str(tmp_path))
    assert code == EXIT_INPUT
    assert "nothing was written" in err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    code, _, err = cli("init", str(tmp_path / "x"), "--id", "Not An Id")
    assert code == EXIT_INPUT
    assert not (tmp_path / "x").exists()
    code, _, err = cli("init", str(tmp_path / "missing" / "x"))
    assert code == EXIT_INPUT
    assert "create it first" in err


# ---------------------------------------------------------------------- completion

BASH = shutil.which("bash")


def _complete(script: str, words: list[str]) -> list[str]:
    """What the completion function offers for the command line `words` (the last one
    being completed), run in a real bash."""
    assert BASH is not None
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"{script}\n"
        f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
        "_sli_rules\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        [BASH, "--norc", "--noprofile"],
        input=program,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completion_is_generated_from_the_table() -> None:
    code, script, _ = cli("completion", "bash")
    assert code == EXIT_OK
    assert set(_complete(script, ["sli-rules", ""])) >= {c.name for c in COMMANDS}
    assert _complete(script, ["sli-rules", "ev"]) == ["evaluate"]
    assert set(_complete(script, ["sli-rules", "evaluate", "--fo"])) == {"--format"}
    formats = set(_complete(script, ["sli-rules", "evaluate", "--format", ""]))
    assert {"json", "csv", "table"} <= formats
    assert set(_complete(script, ["sli-rules", "schema", ""])) == set(SCHEMAS)
    assert set(bundled_ids()) <= set(_complete(script, ["sli-rules", "check", ""]))
    assert "--strict" in _complete(script, ["sli-rules", "check", "--s"])


def test_completion_names_every_option_of_every_command() -> None:
    _, script, _ = cli("completion", "bash")
    parser = build_parser(io.StringIO(), io.StringIO())
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        assert f"        {name})" in script
        for action in sub._actions:
            for option in action.option_strings:
                assert option in script, (name, option)
    _, zsh, _ = cli("completion", "zsh")
    assert "bashcompinit" in zsh


# ---------------------------------------------------------------------- run, for alerts

WM = "west-midlands-compact-2013"
WM_EVENTS = REPO / "examples" / f"{WM}.jsonl"


def test_run_alerts_on_new_breaches_and_takes_quiet_nights(tmp_path: Path) -> None:
    state, out = str(tmp_path / "s.sqlite"), tmp_path / "changes.jsonl"
    first = ("run", "-s", state, "-r", WM, "-e", str(WM_EVENTS), "--complete")
    code, _, err = cli(*first, "--as-of", "2013-06-30", "--fail-on-new-breach", "-o", str(out))
    assert code == EXIT_OK, err
    # a quiet night: no --events, the clock still moves, and breaches that fall due are
    # new ones: exit 3, with the state saved (running it again finds nothing new)
    night = ("run", "-s", state, "--as-of", "2015-12-31", "--fail-on-new-breach")
    code, _, err = cli(*night, "-o", str(out))
    assert code == EXIT_BREACH, err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    new = [c for c in lines if c["kind"] == "breach" and c["change"] == "new"]
    assert new
    assert f"{len(new)} new breach" in err
    code, _, err = cli(*night, "-o", str(out))
    assert code == EXIT_OK, err
    assert out.read_text(encoding="utf-8") == ""
    # without the option, new breaches are reported but the status stays 0
    code, _, _ = cli("run", "-s", state, "--as-of", "2016-12-31", "-o", str(out))
    assert code == EXIT_OK
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert any(c["kind"] == "breach" and c["change"] == "new" for c in lines)
