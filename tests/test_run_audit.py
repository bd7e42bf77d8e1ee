"""`sli-rules run` leaves an audit trail (issue 16, point 8): every output, and the state
file, name the sli-rules version and each ruleset's id, version and fingerprint (a digest
of its content, the same whatever the file's layout)."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import yaml

import sli_rules
from sli_rules.cli import run
from sli_rules.model.fingerprint import fingerprint

REPO = Path(__file__).resolve().parents[1]
RULESET = "west-midlands-compact-2013"
EVENTS = REPO / "examples" / "west-midlands-compact-2013.jsonl"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def expected(*rulesets: sli_rules.Ruleset) -> dict[str, Any]:
    return {
        "sli_rules": sli_rules.__version__,
        "rulesets": [
            {"id": rs.id, "version": rs.version, "fingerprint": fingerprint(rs)} for rs in rulesets
        ],
    }


def test_every_output_of_a_cli_run_names_the_version_and_the_rulesets(tmp_path: Path) -> None:
    rs = sli_rules.load_ruleset(RULESET)
    want = expected(rs)
    state = str(tmp_path / "state.db")
    code, out, err = cli(
        "run", "--state", state, "-r", RULESET, "--events", str(EVENTS), "--as-of", "2014-06-30"
    )
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines
    assert all(line["audit"] == want for line in lines)
    trail = f"Audit: sli-rules {sli_rules.__version__}; rulesets: {RULESET} version {rs.version}"
    assert f"{trail} (fingerprint {fingerprint(rs)})" in err

    # a quiet night with nothing new still says who ran it, on stderr
    code, out, err = cli("run", "--state", state, "--as-of", "2014-07-01")
    assert code == 0
    assert trail in err

    code, out, _ = cli("run", "--state", state, "--show", "--format", "json")
    assert json.loads(out)["audit"] == want
    code, out, _ = cli("run", "--state", state, "--show")
    assert trail in out.splitlines()[-1]

    with sqlite3.connect(state) as db:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
    assert meta["written_by"] == sli_rules.__version__
    assert [{k: r[k] for k in ("id", "version", "fingerprint")} for r in meta["rulesets"]] == want[
        "rulesets"
    ]


def test_the_api_run_result_and_its_changes_carry_the_audit_trail(tmp_path: Path) -> None:
    rulesets = [sli_rules.load_ruleset(RULESET), sli_rules.load_ruleset("lga-sli-offer-2012")]
    want = expected(*rulesets)
    result = sli_rules.run_incremental(
        tmp_path / "s.db", EVENTS, as_of="2014-06-30", rulesets=rulesets, report=True
    )
    assert result.audit == want
    assert result.changes
    assert all(c.audit == want for c in result.changes)
    assert all(c.to_dict()["audit"] == want for c in result.changes)
    assert result.report is not None
    assert result.report.to_dict()["audit"] == want
    assert result.summary().splitlines()[-1].startswith("Audit: sli-rules ")
    report = sli_rules.state_report(tmp_path / "s.db")
    assert report.audit == want
    # the audit trail takes no part in comparing changes
    assert result.changes[0] == sli_rules.Change(
        result.changes[0].change, result.changes[0].finding
    )


def test_the_fingerprint_is_of_the_content_not_of_the_layout(tmp_path: Path) -> None:
    original = sli_rules.load_ruleset(RULESET)
    data = yaml.safe_load(Path(original.file).read_text(encoding="utf-8"))
    # the same content laid out another way: other indentation, flow style, top-level
    # key order, comments
    reordered = dict(reversed(list(data.items())))
    relaid = tmp_path / "relaid.yaml"
    relaid.write_text(
        "# the same agreement, laid out another way\n"
        + yaml.safe_dump(reordered, indent=4, sort_keys=False, width=60, default_flow_style=True),
        encoding="utf-8",
    )
    changed = tmp_path / "changed.yaml"
    edited = json.loads(json.dumps(data, default=str))
    edited["title"] = data["title"] + " (edited)"
    changed.write_text(yaml.safe_dump(edited, sort_keys=False), encoding="utf-8")

    def trail(path: Path, state: str) -> dict[str, Any]:
        result = sli_rules.run_incremental(
            tmp_path / state, EVENTS, as_of="2014-06-30", rulesets=[path]
        )
        return dict(result.audit)

    same = trail(relaid, "a.db")
    assert same == expected(original)
    other = trail(changed, "b.db")
    assert other["rulesets"][0]["id"] == RULESET
    assert other["rulesets"][0]["fingerprint"] != same["rulesets"][0]["fingerprint"]
