"""`--set PARAM=VALUE` and `parameters=`: another reading of an agreement for one run,
checked as the ruleset's own value is, and the generated pages that list the readings."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
import yaml

import sli_rules
from sli_rules.cli import run
from sli_rules.load.loader import bundled_dir, bundled_ids
from sli_rules.model.dates import parse_duration

REPO = Path(__file__).resolve().parents[1]
WM = "west-midlands-compact-2013"
HELD = dt.date(2013, 10, 11)  # Birmingham's adult social care peer challenge


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def _events(tmp_path: Path, shared: dt.date | None) -> Path:
    rows = [
        {
            "id": "held",
            "type": "peer_challenge.held",
            "date": HELD.isoformat(),
            "council": "E08000025",
            "review": "asc-birmingham-2013",
            "kind": "adult_social_care",
        }
    ]
    if shared is not None:
        rows.append(
            {
                "id": "shared",
                "type": "learning.shared",
                "date": shared.isoformat(),
                "council": "E08000025",
                "review": "asc-birmingham-2013",
                "via": "regional_event",
            }
        )
    path = tmp_path / f"events-{shared}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _learning(status: int, out: str) -> dict[str, object]:
    assert status == 0
    (finding,) = [
        f
        for f in json.loads(out)["findings"]
        if f["rule"] == "learning-shared" and f["kind"] == "obligation"
    ]
    return finding


def _due(window: str) -> dt.date:
    return HELD + parse_duration(window).delta


@pytest.mark.parametrize("window", ["P3M", "P31D", "P1Y"])
def test_an_override_moves_the_due_date_by_exactly_the_new_duration(
    tmp_path: Path, window: str
) -> None:
    events = _events(tmp_path, None)
    common = ("evaluate", "-r", WM, "-e", str(events), "--as-of", "2016-01-01", "-f", "json")
    default = _learning(*cli(*common)[:2])
    changed = _learning(*cli(*common, "--set", f"learning-share-window={window}")[:2])
    assert default["due"] == _due("P6M").isoformat()  # the ruleset's own reading
    assert changed["due"] == _due(window).isoformat()
    assert changed["interpretations"] == [f"learning-share-window={window}"]
    assert default["interpretations"] == ["learning-share-window"]


@pytest.mark.parametrize(
    ("offset", "on_time"), [(-1, True), (0, True), (1, False)], ids=["day-before", "on", "after"]
)
def test_sharing_on_either_side_of_the_overridden_due_date(
    tmp_path: Path, offset: int, on_time: bool
) -> None:
    due = _due("P3M")
    shared = due + dt.timedelta(days=offset)
    events = _events(tmp_path, shared)
    report = sli_rules.evaluate(
        [WM], events, as_of="2016-01-01", parameters={"learning-share-window": "P3M"}
    )
    (finding,) = [
        f for f in report.findings if f.rule == "learning-shared" and f.kind == "obligation"
    ]
    assert finding.due == due
    assert (finding.status == "fulfilled") is on_time
    # under the ruleset's own six months, every one of these days is on time
    (default,) = [
        f
        for f in sli_rules.evaluate([WM], events, as_of="2016-01-01").findings
        if f.rule == "learning-shared"
    ]
    assert default.status == "fulfilled"


def test_a_qualified_name_and_a_number_pass_through(tmp_path: Path) -> None:
    events = _events(tmp_path, None)
    status, out, err = cli(
        "evaluate", "-r", WM, "-e", str(events), "--as-of", "2016-01-01", "-f", "json",
        "--set", f"{WM}:learning-share-window=P2M",
    )  # fmt: skip
    assert err == ""
    assert _learning(status, out)["due"] == _due("P2M").isoformat()


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("learning-share-windo=P3M", "learning-share-windo"),
        ("learning-share-window=P3X", "learning-share-window"),
        ("learning-share-window=2015-01-01", "learning-share-window"),
        ("learning-share-window=3", "learning-share-window"),
        ("nowhere:learning-share-window=P3M", "nowhere"),
        ("learning-share-window", "learning-share-window"),
    ],
)
def test_a_bad_setting_fails_with_status_2_naming_the_parameter(
    tmp_path: Path, setting: str, named: str
) -> None:
    events = _events(tmp_path, None)
    for command in ("evaluate", "explain"):
        status, out, err = cli(
            command, "-r", WM, "-e", str(events), "--as-of", "2016-01-01", "--set", setting
        )
        assert status == 2, (command, err)
        assert named in err
        assert out == ""


def test_an_unknown_name_suggests_the_nearest() -> None:
    with pytest.raises(sli_rules.ParameterSetError, match="learning-share-window"):
        sli_rules.evaluate([WM], [], as_of="2016-01-01", parameters={"learning-share-windo": "P1M"})


def _shared_name() -> tuple[str, list[str]]:
    """A parameter name that more than one bundled ruleset declares."""
    owners: dict[str, list[str]] = {}
    for rid in bundled_ids():
        for name in sli_rules.load_ruleset(rid).parameters:
            owners.setdefault(name, []).append(rid)
    name, ids = next((n, ids) for n, ids in sorted(owners.items()) if len(ids) > 1)
    return name, ids


def test_an_ambiguous_name_fails_naming_the_rulesets(tmp_path: Path) -> None:
    name, ids = _shared_name()
    value = str(sli_rules.load_ruleset(ids[0]).parameters[name].values[-1][1])
    rulesets = [a for rid in ids for a in ("-r", rid)]
    events = tmp_path / "none.jsonl"
    events.write_text("", encoding="utf-8")
    common = ("evaluate", *rulesets, "-e", str(events), "--as-of", "2016-01-01")
    status, _, err = cli(*common, "--set", f"{name}={value}")
    assert status == 2
    assert name in err
    assert all(rid in err for rid in ids)
    status, _, err = cli(*common, "--set", f"{ids[0]}:{name}={value}")
    assert status == 0, err


def test_diff_shows_the_impact_of_another_reading(tmp_path: Path) -> None:
    events = _events(tmp_path, _due("P3M") + dt.timedelta(days=1))
    status, out, err = cli(
        "diff", WM, WM, "-e", str(events), "--as-of", "2016-01-01", "-f", "json",
        "--set", "learning-share-window=P3M",
    )  # fmt: skip
    assert status == 0, err
    result = json.loads(out)
    assert any(
        c.get("id") == "learning-share-window" or "learning-share-window" in json.dumps(c)
        for c in result["changes"]
    )
    assert any(i["rule"] == "learning-shared" for i in result["impact"])


def test_a_parsed_ruleset_takes_overrides_at_parse_time() -> None:
    text = (bundled_dir() / f"{WM}.yaml").read_text(encoding="utf-8")
    ruleset, problems = sli_rules.parse_ruleset(text, overrides={"learning-share-window": "P1M"})
    assert problems == []
    assert ruleset is not None
    p = ruleset.parameters["learning-share-window"]
    assert p.overridden
    assert str(p.values[0][1]) == "P1M"


# ------------------------------------------------------------ the generated pages


def _interpreted(rid: str) -> dict[str, str]:
    """{parameter: rationale} for the interpretation parameters, read from the YAML."""
    doc = yaml.safe_load((bundled_dir() / f"{rid}.yaml").read_text(encoding="utf-8"))
    return {
        name: " ".join(str(spec.get("rationale", "")).split())
        for name, spec in (doc.get("parameters") or {}).items()
        if spec.get("basis") == "interpretation"
    }


@pytest.mark.parametrize("rid", bundled_ids())
def test_each_page_tables_every_interpretation_parameter(rid: str) -> None:
    page = (REPO / "docs" / "rulesets" / f"{rid}.md").read_text(encoding="utf-8")
    section = page.split("\n## Interpretations\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    listed = [re.match(r"\| `([^`]+)`", line).group(1) for line in rows]  # type: ignore[union-attr]
    wanted = _interpreted(rid)
    assert sorted(listed) == sorted(wanted)
    for line, name in zip(rows, listed, strict=True):
        assert f"--set {name}=" in line
        words = wanted[name].split()[:4]  # the rationale's opening, as escaped in Markdown
        assert all(re.sub(r"[\\*_`]", "", w) in re.sub(r"\\", "", line) for w in words)
