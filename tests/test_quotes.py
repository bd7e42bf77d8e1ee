"""Every rule quotes its clause exactly: each quote is found in the agreement's text."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import sli_rules

ROOT = Path(__file__).resolve().parents[1]
# The source texts live beside the repository (../shared/agreements) on the developers'
# and CI machines; SLI_AGREEMENTS points elsewhere. They are not shipped: they name people.
AGREEMENTS = Path(os.environ.get("SLI_AGREEMENTS", ROOT.parent / "shared" / "agreements"))


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _quotes(ruleset: sli_rules.Ruleset) -> list[tuple[str, str]]:
    out = [(r.id, r.quote) for r in ruleset.rules]
    out += [(ladder.id, ladder.quote) for ladder in ruleset.escalations]
    return out


@pytest.mark.parametrize("ruleset_id", sli_rules.bundled_ids())
def test_every_quote_is_in_the_source_text(ruleset_id: str) -> None:
    ruleset = sli_rules.load_ruleset(ruleset_id)
    source = AGREEMENTS / ruleset.source
    if not source.exists():
        pytest.skip(
            f"the agreement texts are not here ({source}); set SLI_AGREEMENTS to check quotes"
        )
    text = _normalise(source.read_text(encoding="utf-8"))
    missing = [(rid, q) for rid, q in _quotes(ruleset) if _normalise(q) not in text]
    assert not missing, (
        "quotes not found verbatim in "
        + str(source)
        + ":\n"
        + "\n".join(f"  {rid}: {q!r}" for rid, q in missing)
    )


@pytest.mark.parametrize("ruleset_id", sli_rules.bundled_ids())
def test_every_rule_cites_a_clause_and_a_quote(ruleset_id: str) -> None:
    ruleset = sli_rules.load_ruleset(ruleset_id)
    for rule_id, quote in _quotes(ruleset):
        assert quote.strip(), rule_id
    assert all(r.clause.strip() for r in ruleset.rules)
