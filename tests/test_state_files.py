"""State files and snapshots across releases and model changes.

A state file written by the previous release keeps working (tests/state-0.1.0/), and
what identifies a ruleset in a state file depends on what the ruleset says, not on how
the model classes happen to be written.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from sli_rules.cli import run

HERE = Path(__file__).resolve().parent
OLD = HERE / "state-0.1.0"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_a_state_file_of_release_0_1_0_keeps_working(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    shutil.copy(OLD / "state.sqlite", state)
    night = ["--events", str(OLD / "night-2.jsonl"), "--as-of", "2014-06-30"]
    code, out, err = _run("run", "--state", str(state), *night)
    assert code == 0, err
    assert out == (OLD / "night-2.changes.jsonl").read_text(encoding="utf-8")
    # and the night after that starts from what this release wrote
    quiet = tmp_path / "quiet.jsonl"
    quiet.write_text("", encoding="utf-8")
    code, out, err = _run(
        "run", "--state", str(state), "--events", str(quiet), "--as-of", "2014-12-31"
    )
    assert code == 0, err
