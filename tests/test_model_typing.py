"""Model-level typing that users read: the finding status type and the `Rule` help."""

from __future__ import annotations

import pydoc
import typing

import sli_rules
from sli_rules.model.values import (
    DeadlineRule,
    FindingKind,
    FindingStatus,
    PartySpec,
    Rule,
    SelfDeclaredRule,
)
from sli_rules.model.vocabulary import Kind, Status


def test_finding_status_type_lists_exactly_the_statuses() -> None:
    assert list(typing.get_args(FindingStatus)) == [s.value for s in Status]
    assert list(typing.get_args(FindingKind)) == [k.value for k in Kind]


def test_finding_status_is_annotated_with_the_status_type() -> None:
    hints = typing.get_type_hints(sli_rules.Finding)
    assert hints["status"] == FindingStatus


def test_help_on_rule_explains_what_a_rule_is() -> None:
    text = pydoc.render_doc(sli_rules.Rule)
    assert "A rule of a ruleset" in text
    assert "PEP 604" not in text
    for kind in typing.get_args(Rule):
        assert kind.__name__ in text


def test_rule_still_works_as_a_union_for_isinstance() -> None:
    rule = SelfDeclaredRule(id="x", clause="1", quote="q", party=PartySpec())
    assert isinstance(rule, Rule)
    assert not isinstance("a string", Rule)
    assert DeadlineRule in typing.get_args(Rule)
