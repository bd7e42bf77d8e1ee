"""The bundled rulesets and examples: they load, they are the agreed ids, and they hold
no contact details."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sli_rules

ROOT = Path(__file__).resolve().parents[1]
FIXED_IDS = {
    "west-midlands-compact-2013",
    "east-midlands-childrens-mou-2015",
    "national-childrens-sli-mou",
    "lga-corporate-peer-challenge",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\b0\d{3,4}[ -]?\d{3}[ -]?\d{3,4}\b")


def test_the_three_agreements_are_bundled() -> None:
    assert set(sli_rules.bundled_ids()) >= FIXED_IDS


@pytest.mark.parametrize("ruleset_id", sli_rules.bundled_ids())
def test_bundled_ruleset_loads_and_its_id_matches_its_file(ruleset_id: str) -> None:
    ruleset, problems = sli_rules.check_ruleset(ruleset_id)
    assert ruleset is not None, "\n".join(str(p) for p in problems)
    assert ruleset.id == ruleset_id


@pytest.mark.parametrize(
    "path",
    sorted([*ROOT.glob("rulesets/**/*.yaml"), *ROOT.glob("examples/*.jsonl")]),
    ids=lambda p: p.name,
)
def test_no_contact_details(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not EMAIL.search(text), f"{path} holds an e-mail address"
    assert not PHONE.search(text), f"{path} holds a telephone number"


def _test_with_coverage(folder: Path) -> tuple[int, str, str]:
    import io

    from sli_rules import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["test", "--coverage", "--allow-outside-events", str(folder)], out, err)
    return code, out.getvalue(), err.getvalue()


# Every bundled scenario runs here a second time (they run one by one as pytest items too):
# with coverage paused, since the items reach what their evaluation reaches, and the test
# below what the coverage tally reaches (tests/conftest.py).
@pytest.mark.unmeasured
def test_scenarios_exercise_every_bundled_rule_both_ways() -> None:
    # every rule that yields findings has at least a compliant and a breach scenario
    # (sli-rules test --coverage): a new rule without them fails here
    code, out, err = _test_with_coverage(ROOT / "tests" / "scenarios")
    assert code == 0, out + err
    assert "coverage: every rule and status exercised" in out, out


def test_test_coverage_names_each_rule_and_status_the_scenarios_miss(tmp_path: Path) -> None:
    # one ruleset's own folder exercises its every rule, both ways
    code, out, err = _test_with_coverage(ROOT / "tests" / "scenarios" / "lga-sli-offer-2012")
    assert code == 0, out + err
    assert "coverage: every rule and status exercised" in out, out
    # one file of the LGA offer's and one of the East Midlands MOU's: the gaps they leave
    # are listed rule by rule, and what they exercise both ways is not
    for ruleset_id, name in [
        ("lga-sli-offer-2012", "leadership-member-peer-support.scenario.yaml"),
        ("east-midlands-childrens-mou-2015", "5-escalation.scenario.yaml"),
    ]:
        source = ROOT / "tests" / "scenarios" / ruleset_id / name
        (tmp_path / name).write_bytes(source.read_bytes())
    code, out, err = _test_with_coverage(tmp_path)
    assert code == 0, out + err
    assert "coverage: every rule and status exercised" not in out
    gaps = [line.strip() for line in out.split("coverage gaps:\n", 1)[1].splitlines()]
    missing = "lga-sli-offer-2012: rule principal-adviser-contact (deadline) is not exercised"
    assert any(line.startswith(missing) for line in gaps), out
    short = "lga-sli-offer-2012: rule local-account-published (recurring) never reaches: "
    assert any(line.startswith(short) for line in gaps), out
    assert any(line.startswith("east-midlands-childrens-mou-2015: rule ") for line in gaps)
    assert not any("member-peer-support-after-change-of-control" in line for line in gaps)
    assert not any("concern-ladder" in line for line in gaps)  # the escalation ladder


# The example streams and the dates `make demo` evaluates them as of (examples/demo.tsv).
DEMO = [
    ("west-midlands-compact-2013", "2015-12-31"),
    ("east-midlands-childrens-mou-2015", "2017-06-30"),
    ("national-childrens-sli-mou", "2016-03-31"),
    ("lga-corporate-peer-challenge", "2026-06-30"),
    ("lga-sli-offer-2012", "2014-06-30"),
]
ABSENCE_KINDS = ("deadline", "window", "fixed_date", "recurring", "count")


def _example(ruleset_id: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The example stream's coverage declarations, and the rest of its events."""
    path = Path(__file__).resolve().parents[1] / "examples" / f"{ruleset_id}.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    covering = [r for r in records if r["type"] == "record.coverage"]
    return covering, [r for r in records if r["type"] != "record.coverage"]


@pytest.mark.parametrize(("ruleset_id", "as_of"), DEMO)
def test_the_examples_without_coverage_breach_no_one_for_a_missing_event(
    ruleset_id: str, as_of: str
) -> None:
    covering, rest = _example(ruleset_id)
    assert covering, "each example declares what its record covers"
    rs = sli_rules.load_ruleset(ruleset_id)
    kinds = {r.id: r.kind for r in rs.rules}
    report = sli_rules.evaluate([rs], rest, as_of=as_of)
    for f in report.findings:
        if kinds.get(f.rule) in ABSENCE_KINDS and f.remedied_on is None:  # not met late
            assert f.status not in ("breached", "missed"), f
    if ruleset_id != "national-childrens-sli-mou":
        # Since issue 14 the national example sets no council duty, and every duty of the
        # LGA in it is met (one late): nothing there rests on a missing event.
        assert any(f.status == "unrecorded" for f in report.findings)


@pytest.mark.parametrize(("ruleset_id", "as_of"), DEMO)
def test_the_examples_with_their_coverage_are_as_if_complete(ruleset_id: str, as_of: str) -> None:
    covering, rest = _example(ruleset_id)
    rs = sli_rules.load_ruleset(ruleset_id)
    declared = sli_rules.evaluate([rs], [*covering, *rest], as_of=as_of)
    complete = sli_rules.evaluate([rs], rest, as_of=as_of, complete=True)
    # A declaration may name the parties its record holds (a made-up record of a few
    # councils, under a ruleset whose parties are every council): for those parties it is
    # as if complete, and the others' duties stay unrecorded.
    named: set[str] = set()
    for c in covering:
        parties = c.get("parties")
        if not isinstance(parties, list):
            named = set()
            break
        named |= {str(p) for p in parties}

    def held(report: sli_rules.Report) -> list[sli_rules.Finding]:
        return [f for f in report.findings if not named or f.party in named]

    assert held(declared) == held(complete)
    assert not [f for f in held(declared) if f.status == "unrecorded"]
