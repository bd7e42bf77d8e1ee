"""A scenario's `events_file` reads only files in the scenario file's folder or below.

A scenario file is shared like a ruleset. If it could name any path, running someone's
scenarios would read (and quote back, in the problems it reports) any file the user can
read. An absolute path, a path up through `..` and a link out of the folder are refused
with a problem at the `events_file` line, unless the user opts in with
`sli-rules test --allow-outside-events` (or `allow_outside_events=True`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sli_rules import InputError
from sli_rules.cli import run
from sli_rules.tools.scenarios import load_scenario_file, run_file

EVENT = {
    "id": "c1",
    "type": "support.requested",
    "date": "2014-03-10",
    "council": "E06000019",
    "request": "hereford-asc-2014",
    "kind": "coaching",
}
PRIVATE_LINE = '{"id": "not-for-your-eyes", "type": "secret.kept"}\n'

SCENARIO = """\
rulesets: [west-midlands-compact-2013]
scenarios:
  - name: support asked for
    as_of: 2014-03-20
    events_file: {events_file}
    expect:
      - {{kind: notice, rule: early-support-available, status: available}}
"""
EVENTS_FILE_LINE = 5


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A scenario folder with an events file inside it, and files outside it."""
    folder = tmp_path / "suite"
    (folder / "events").mkdir(parents=True)
    (folder / "events" / "ok.jsonl").write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    (tmp_path / "outside.jsonl").write_text(json.dumps(EVENT) + "\n", encoding="utf-8")
    (tmp_path / "secret.jsonl").write_text(PRIVATE_LINE, encoding="utf-8")
    return folder


def scenario(folder: Path, events_file: str) -> Path:
    path = folder / "s.scenario.yaml"
    path.write_text(SCENARIO.format(events_file=json.dumps(events_file)), encoding="utf-8")
    return path


def sli_test(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["test", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "name", ["events/ok.jsonl", "events/../events/ok.jsonl", "./events/ok.jsonl"]
)
def test_a_file_in_the_folder_or_below_is_read(suite: Path, name: str) -> None:
    code, out, err = sli_test(str(scenario(suite, name)))
    assert code == 0, out + err
    assert "1 passed" in out


def _outside_names(suite: Path) -> dict[str, str]:
    (suite / "link.jsonl").symlink_to(suite.parent / "secret.jsonl")
    (suite / "events" / "linked").symlink_to(suite.parent, target_is_directory=True)
    return {
        "up": "../secret.jsonl",
        "up and down": "events/../../secret.jsonl",
        "absolute": str(suite.parent / "secret.jsonl"),
        "link to a file": "link.jsonl",
        "link to a folder": "events/linked/secret.jsonl",
    }


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        ("up", "goes up out of"),
        ("up and down", "goes up out of"),
        ("absolute", "absolute path"),
        ("link to a file", "link to a file outside"),
        ("link to a folder", "link to a file outside"),
    ],
)
def test_a_file_outside_the_folder_is_refused_at_its_line(
    suite: Path, case: str, fragment: str
) -> None:
    path = scenario(suite, _outside_names(suite)[case])
    code, out, err = sli_test(str(path))
    assert code == 2, out + err
    assert f"{path}:{EVENTS_FILE_LINE}:" in err
    assert fragment in err
    assert "--allow-outside-events" in err  # says how to opt in
    assert "not-for-your-eyes" not in out + err  # nothing of the file is read or quoted
    assert "Traceback" not in err
    with pytest.raises(InputError) as raised:
        load_scenario_file(path)
    (problem,) = raised.value.problems
    assert problem.location.line == EVENTS_FILE_LINE
    assert problem.path == ("scenarios", 0, "events_file")


def test_the_user_may_opt_in_to_a_file_outside(suite: Path) -> None:
    path = scenario(suite, "../outside.jsonl")
    assert sli_test(str(path))[0] == 2
    code, out, err = sli_test("--allow-outside-events", str(path))
    assert code == 0, out + err
    assert "1 passed" in out
    (result,) = run_file(path, allow_outside_events=True)
    assert result.passed
    loaded = load_scenario_file(path, allow_outside_events=True)
    assert [e.id for e in loaded.scenarios[0].events] == ["c1"]


def test_an_absolute_path_inside_the_folder_is_refused_too(suite: Path) -> None:
    # the rule is about how the file is named as well: an absolute path would stop
    # working when the folder is moved or shared
    code, _, err = sli_test(str(scenario(suite, str(suite / "events" / "ok.jsonl"))))
    assert code == 2
    assert "absolute path" in err


@pytest.mark.parametrize("value", ["", "[]", "{a: 1}", "7"])
def test_an_events_file_that_is_not_a_path_is_located(suite: Path, value: str) -> None:
    path = suite / "s.scenario.yaml"
    path.write_text(SCENARIO.format(events_file=value or "''"), encoding="utf-8")
    code, _, err = sli_test(str(path))
    assert code == 2
    assert f"{path}:{EVENTS_FILE_LINE}:" in err
    assert "events_file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name", ["events/" + "x" * 5000 + ".jsonl", "events/a\x00b.jsonl"])
def test_a_name_no_file_can_have_is_located(suite: Path, name: str) -> None:
    # found by the fuzz driver: a name over the system's limit escaped as OSError
    path = scenario(suite, name)
    code, _, err = sli_test("--allow-outside-events", str(path))
    assert code == 2
    assert err.startswith((f"{path}:", str(suite / name)))  # the scenario or the events file
    assert "Traceback" not in err
    code, _, err = sli_test(str(path))
    assert code == 2
    assert "Traceback" not in err


def test_a_scenario_file_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    # found by the fuzz driver: the decoding error escaped as a traceback
    path = tmp_path / "s.scenario.yaml"
    path.write_bytes(b"rulesets: [west-midlands-compact-2013]\nscenarios:\n  - name: caf\xe9\n")
    code, _, err = sli_test(str(path))
    assert code == 2
    assert f"{path}:3:" in err
    assert "UTF-8" in err
