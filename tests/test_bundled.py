"""The bundled rulesets and examples: they load, they are the agreed ids, and they hold
no contact details."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sli_rules

ROOT = Path(__file__).resolve().parents[1]
FIXED_IDS = {
    "west-midlands-compact-2013",
    "east-midlands-childrens-mou-2015",
    "national-childrens-sli-mou",
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


def test_scenarios_exercise_every_bundled_rule_both_ways() -> None:
    # every rule that yields findings has at least a compliant and a breach scenario
    # (sli-rules test --coverage): a new rule without them fails here
    import io

    from sli_rules import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["test", "--coverage", str(ROOT / "tests" / "scenarios")], out, err)
    assert code == 0, out.getvalue() + err.getvalue()
    assert "coverage: every rule and status exercised" in out.getvalue(), out.getvalue()
