"""Pages for policy readers: the generated pages in docs/ are current, and a ruleset's
page says what a reader needs (quote, clause, deadline, text or interpretation)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from sli_rules import load_catalogue, load_ruleset, parse_ruleset
from sli_rules.cli import run
from sli_rules.load.loader import bundled_ids
from sli_rules.tools.docs import _clause_key, render_catalogue, render_ruleset

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "docs" / "rulesets"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


# ------------------------------------------------------------ generated pages


@pytest.mark.parametrize("ruleset_id", bundled_ids())
def test_ruleset_page_is_up_to_date(ruleset_id: str) -> None:
    page = PAGES / f"{ruleset_id}.md"
    how = (
        f"run `make docs` (or `sli-rules docs {ruleset_id} --output docs/rulesets/{ruleset_id}.md`)"
    )
    if not page.exists():
        pytest.fail(f"docs/rulesets/{ruleset_id}.md is missing: {how}", pytrace=False)
    if page.read_text(encoding="utf-8") != render_ruleset(load_ruleset(ruleset_id)):
        pytest.fail(f"docs/rulesets/{ruleset_id}.md is stale: {how}", pytrace=False)


def test_no_page_for_a_ruleset_that_is_not_bundled() -> None:
    extra = sorted({p.stem for p in PAGES.glob("*.md")} - set(bundled_ids()))
    if extra:
        pytest.fail(
            f"docs/rulesets/ has pages for rulesets that are not bundled: {', '.join(extra)}; "
            "run `make docs` (it removes them)",
            pytrace=False,
        )


def test_events_page_is_up_to_date() -> None:
    page = REPO / "docs" / "events.md"
    how = "run `make docs` (or `sli-rules docs --events-catalogue --output docs/events.md`)"
    if not page.exists():
        pytest.fail(f"docs/events.md is missing: {how}", pytrace=False)
    if page.read_text(encoding="utf-8") != render_catalogue():
        pytest.fail(f"docs/events.md is stale: {how}", pytrace=False)


# ------------------------------------------------------------- a small ruleset

SMALL = """\
id: docs-example
title: A small agreement for the docs tests
source: docs-example.txt
version: "2"
description: Two councils publish feedback after peer challenges.
effective:
  start: 2013-09-01
  start_basis: interpretation
  start_rationale: "Undated; read as the first day after publication."
  reviews: [2015-04-01]
parties:
  councils: [E08000026, E08000025]
  bodies:
    - id: wmsli-steering-group
      name: West Midlands SLI Steering Group
parameters:
  learning-window:
    description: How soon learning is shared.
    basis: interpretation
    rationale: "No time is given; read as three months."
    value: P3M
  action-plan-due:
    basis: interpretation
    rationale: "'Promptly', read as three months, then two."
    values:
      - {from: 2013-09-01, value: P3M}
      - {from: 2015-04-01, value: P2M}
rules:
  - id: feedback-published
    kind: deadline
    title: Publish the feedback within six months
    clause: "4(b)"
    quote: "publish the agreed letter/feedback within six months of the challenge"
    trigger: {type: peer_challenge.held, where: {kind: corporate}}
    fulfil: {type: feedback.published, match: {review: review}}
    due: P6M
  - id: learning-shared
    kind: deadline
    title: Share the learning
    clause: "4(b)"
    quote: "the learning points will be shared with the sector"
    trigger: {type: peer_challenge.held}
    fulfil: {type: learning.shared, match: [review]}
    due: {parameter: learning-window}
  - id: action-plan
    kind: deadline
    title: Publish an action plan promptly
    clause: "10"
    quote: "an action plan promptly"
    trigger: {type: peer_challenge.held}
    fulfil: {type: action_plan.published, match: [review]}
    due: {parameter: action-plan-due}
    waive: {type: intervention.started}
  - id: follow-up
    kind: window
    title: Follow-up report
    clause: "2"
    quote: "a follow-up report 3-6 months after the review"
    trigger: {type: peer_challenge.held}
    fulfil: {type: follow_up_report.submitted, match: [review]}
    opens: P3M
    due: P6M
  - id: region-report
    kind: fixed_date
    title: Regional report
    clause: "4(a)"
    quote: "before the end of March 2015"
    party: {body: wmsli-steering-group}
    fulfil: {type: region_report.published}
    due: 2015-03-31
  - id: annual-self-assessment
    kind: recurring
    title: Annual self-assessment
    clause: "5"
    quote: "each year, a self-assessment"
    severity: notice
    applies_to: {services: {contains: childrens}}
    fulfil: {type: self_assessment.submitted}
    period: {calendar: financial_year, unit: quarter}
  - id: team
    kind: constraint
    title: A team of four
    clause: "8"
    quote: "a team of four core members"
    trigger: {type: peer_challenge.held}
    require:
      team: {count: {where: {core: true}, at_least: 4}}
  - id: peer-days
    kind: limit
    title: Five peer days a year
    clause: "4(b)"
    quote: "up to 5 days per year"
    trigger: {type: peer_days.given}
    period: {calendar: financial_year}
    max: 5
    amount: days
  - id: support
    kind: entitlement
    title: Support after an inadequate judgement
    clause: "4(e)"
    quote: "support will be available"
    trigger: {type: ofsted.judgement, where: {grade: inadequate}}
    lasts: P1Y
  - id: culture
    kind: self_declared
    title: A learning culture
    clause: "4(c)"
    quote: "share learning in the spirit of openness"
escalations:
  - id: concern-ladder
    title: Following up a concern
    clause: "3"
    quote: "starting informally and then escalating"
    start: {concern: true, breach_of: [feedback-published]}
    stop: concern.resolved
    steps:
      - {step: 1, title: informal contact, actor: wmsli-steering-group, window: P14D}
      - {step: 2, title: the Chief Executive, actor: wmsli-steering-group, window: P1M}
"""


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "docs-example.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture
def page(small_file: Path) -> str:
    status, out, err = cli("docs", str(small_file))
    assert status == 0, err
    return out


def section(page: str, heading: str) -> str:
    """The text from a heading to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = page.index(heading + "\n")
    nxt = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(page, start + len(heading))
    return page[start : nxt.start() if nxt else len(page)]


def test_page_opens_with_the_title_source_and_effective_span(page: str) -> None:
    assert page.startswith("# A small agreement for the docs tests\n")
    assert "`docs-example`, version 2. Source: `docs-example.txt`" in page
    assert "Two councils publish feedback after peer challenges." in page
    span = section(page, "## When it is in effect")
    assert "Starts: 2013-09-01 — **interpretation**: Undated; read as the first day" in span
    assert "no end date" in span
    assert "Review dates: 2015-04-01" in span


def test_parties_are_tabled_with_their_registry_attributes(page: str) -> None:
    parties = section(page, "## Parties")
    assert "| Code | Name | Type | Services | Membership |" in parties
    assert "| `E08000026` | Coventry | metropolitan_district | adult_social_care, childrens |" in (
        parties
    )
    assert "| `wmsli-steering-group` | West Midlands SLI Steering Group |" in parties


def test_parameters_give_values_dates_basis_rationale_and_users(page: str) -> None:
    params = section(page, "## Parameters")
    row = next(line for line in params.splitlines() if line.startswith("| `learning-window`"))
    assert "`P3M` (3 months)" in row
    assert "**interpretation**" in row
    assert "No time is given; read as three months." in row
    assert "`learning-shared`" in row
    dated = next(line for line in params.splitlines() if line.startswith("| `action-plan-due`"))
    assert "from 2013-09-01: `P3M` (3 months); from 2015-04-01: `P2M` (2 months)" in dated


def test_rules_are_grouped_by_clause_in_natural_order(page: str) -> None:
    clauses = re.findall(r"^## Clause (.+)$", page, flags=re.MULTILINE)
    assert clauses == ["2", "3", "4(a)", "4(b)", "4(c)", "4(e)", "5", "8", "10"]
    clause = section(page, "## Clause 4(b)")
    titles = re.findall(r"^### (.+)$", clause, flags=re.MULTILINE)
    assert titles == [
        "Publish the feedback within six months",
        "Share the learning",
        "Five peer days a year",
    ]


def test_a_rule_shows_its_quote_and_deadline_from_the_text(page: str) -> None:
    rule = section(page, "### Publish the feedback within six months")
    assert "Rule `feedback-published`, clause 4(b)." in rule
    assert "> publish the agreed letter/feedback within six months of the challenge" in rule
    assert "Triggered by: `peer_challenge.held`, where kind is corporate." in rule
    assert (
        "Met by: `feedback.published` by the party itself (its `council`), "
        "with `review` equal to the trigger's `review`." in rule
    )
    assert "**Deadline**: `P6M` (6 months; from the text) after the trigger's date" in rule
    assert "interpretation" not in rule
    assert "Monitoring: checked from events." in rule


def test_a_rule_resting_on_an_interpretation_says_so_and_why(page: str) -> None:
    rule = section(page, "### Share the learning")
    assert "**Deadline**: `P3M` (3 months; parameter `learning-window`: **interpretation**)" in rule
    assert "**Interpretation** (`learning-window`): No time is given; read as three months." in rule


def test_each_kind_of_rule_says_what_is_checked(page: str) -> None:
    assert "**Window**: opens `P3M` (3 months; from the text) after the trigger's date; " in page
    assert "**deadline**: `P6M` (6 months; from the text) after it; both ends inclusive." in page
    assert "counts as fulfilled early (a notice, not a breach)" in page
    assert "**Deadline**: 2015-03-31 (from the text), inclusive" in page
    assert "the body `wmsli-steering-group` (West Midlands SLI Steering Group)" in page
    assert "each quarter of the financial year (1 April to 31 March)" in page
    assert "Applies only to parties where services includes childrens." in page
    assert "A miss is reported as a notice, not a breach." in page
    assert "team has at least 4 entries with core is true" in page
    assert "the total `days` of one party in each financial year" in page
    assert "must not exceed 5 (from the text)" in page
    assert "**Available**: from the trigger's date for `P1Y` (1 year; from the text)." in page
    assert "Waived by: `intervention.started`" in page


def test_a_self_declared_rule_is_marked_clearly(page: str) -> None:
    rule = section(page, "### A learning culture")
    assert "> share learning in the spirit of openness" in rule
    assert "Monitoring: **self-declared** — cannot be checked from events" in rule
    assert "it yields no findings" in rule


def test_an_escalation_ladder_lists_its_steps(page: str) -> None:
    ladder = section(page, "### Escalation: Following up a concern")
    assert "> starting informally and then escalating" in ladder
    assert "a concern is raised (`concern.raised`)" in ladder
    assert "a breach of `feedback-published`" in ladder
    assert "| Step | What happens | Who acts | Window |" in ladder
    assert (
        "| 1 | informal contact | `wmsli-steering-group` (West Midlands SLI Steering Group) "
        "| `P14D` (14 days; from the text) |" in ladder
    )
    assert "| 2 | the Chief Executive |" in ladder


def test_a_council_pattern_is_explained() -> None:
    text = SMALL.replace(
        "  councils: [E08000026, E08000025]", '  council_pattern: "^E(06|08|09|10)"'
    )
    ruleset, problems = parse_ruleset(text, "pattern.yaml")
    assert ruleset is not None, problems
    page = render_ruleset(ruleset)
    assert "any council whose GSS code matches `^E(06|08|09|10)`" in page
    assert "whether or not any event names it" in page


def test_output_option_writes_the_page(small_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    status, out, _ = cli("docs", str(small_file), "--output", str(target))
    assert status == 0
    assert out == ""
    assert target.read_text(encoding="utf-8") == render_ruleset(load_ruleset(small_file))


# ------------------------------------------------------------- escaping


HOSTILE = (
    SMALL.replace(
        "title: A small agreement for the docs tests",
        "title: \"<script>alert('x')</script> & co\"",
    )
    .replace(
        'quote: "share learning in the spirit of openness"',
        'quote: "share *all* learning | openly <b>now</b>"',
    )
    .replace(
        'rationale: "No time is given; read as three months."',
        'rationale: "No time | is given; <img src=x onerror=alert(1)>"',
    )
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def test_html_page_is_self_contained_and_escapes_everything(hostile: Path) -> None:
    status, out, err = cli("docs", str(hostile), "--format", "html")
    assert status == 0, err
    assert out.startswith("<!DOCTYPE html>")
    assert "<script" not in out
    assert "<img" not in out
    assert "<b>" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in out
    assert "<title>&lt;script&gt;" in out
    assert (
        "<blockquote><p>share *all* learning | openly &lt;b&gt;now&lt;/b&gt;</p></blockquote>"
        in (out)
    )
    assert "src=" not in out.replace("&lt;img src=x", "")
    assert "http" not in out  # no external files


def test_markdown_escapes_text_that_would_change_the_page(hostile: Path) -> None:
    status, out, _ = cli("docs", str(hostile))
    assert status == 0
    assert "<script>" not in out
    assert "> share \\*all\\* learning \\| openly &lt;b&gt;now&lt;/b&gt;" in out
    rows = [line for line in out.splitlines() if line.startswith("| `learning-window`")]
    # a pipe in a rationale stays inside its cell: still five cells in the Interpretations
    # table's row, six in the Parameters table's
    assert [len(re.findall(r"(?<!\\)\|", row)) for row in rows] == [6, 7]


def test_html_has_the_same_content_as_markdown(small_file: Path) -> None:
    ruleset = load_ruleset(small_file)
    page = render_ruleset(ruleset, "html")
    for text in (
        "<h1>A small agreement for the docs tests</h1>",
        'id="rule-feedback-published"',
        "<blockquote><p>publish the agreed letter/feedback within six months of the challenge",
        "<strong>Deadline</strong>: <code>P6M</code> (6 months; from the text)",
        "<strong>self-declared</strong>",
        "<th>Step</th>",
    ):
        assert text in page


# ------------------------------------------------------------- the catalogue


def test_catalogue_page_lists_every_type_and_attribute() -> None:
    status, out, _ = cli("docs", "--events-catalogue")
    assert status == 0
    cat = load_catalogue()
    for name, et in cat.types.items():
        block = section(out, f"### `{name}`")
        assert et.description.strip() in block
        assert "`council` is" in block
        for attr in et.attributes:
            assert f"| `{attr}` |" in block, (name, attr)
    held = section(out, "### `peer_challenge.held`")
    assert (
        "| `kind` | text | yes | `corporate`, `adult_social_care`, `childrens`, `safeguarding`, "
        "`adult_safeguarding` |" in (held)
    )
    assert "| `team[].council` | council or body | yes, in each entry |" in held
    assert "| `start` | date (YYYY-MM-DD) | no |" in held
    judged = section(out, "### `ofsted.judgement`")
    assert "`inadequate`, `adequate` (before 2013-11-01) |" in judged


def test_catalogue_page_in_html(tmp_path: Path) -> None:
    target = tmp_path / "events.html"
    status, _, _ = cli("docs", "--events-catalogue", "--format", "html", "-o", str(target))
    assert status == 0
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<h3 id="peer_challenge.held"><code>peer_challenge.held</code></h3>' in page


# ------------------------------------------------------------- the command


def test_docs_needs_a_ruleset_or_the_catalogue() -> None:
    status, _, err = cli("docs")
    assert status == 2
    assert "give a ruleset" in err


def test_docs_takes_a_ruleset_or_the_catalogue_not_both(small_file: Path) -> None:
    status, _, err = cli("docs", str(small_file), "--events-catalogue")
    assert status == 2
    assert "not both" in err


def test_docs_of_an_unknown_ruleset_is_an_input_error() -> None:
    status, out, err = cli("docs", "west-midlands-compact")
    assert status == 2
    assert out == ""
    assert "did you mean 'west-midlands-compact-2013'" in err


def test_docs_of_a_broken_ruleset_lists_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(SMALL.replace("due: P6M\n  - id: learning", "due: 6 months\n  - id: learning"))
    status, _, err = cli("docs", str(path))
    assert status == 2
    assert re.search(r"broken\.yaml:\d+:\d+: bad duration '6 months'", err)


def test_clauses_sort_naturally() -> None:
    clauses = ["10", "2.10", "4(b)", "2.2(d)", "Locally, bullet 2", "4(a)", "2", "1, bullet 1"]
    assert sorted(clauses, key=_clause_key) == [
        "1, bullet 1",
        "2",
        "2.2(d)",
        "2.10",
        "4(a)",
        "4(b)",
        "10",
        "Locally, bullet 2",
    ]


def test_text_that_looks_like_markdown_structure_stays_text() -> None:
    text = SMALL.replace(
        "description: Two councils publish feedback after peer challenges.",
        'description: "# 1. not a heading"',
    )
    ruleset, problems = parse_ruleset(text, "structure.yaml")
    assert ruleset is not None, problems
    page = render_ruleset(ruleset)
    assert "\n\\# 1. not a heading\n" in page


def test_an_unknown_page_format_is_refused(small_file: Path) -> None:
    with pytest.raises(ValueError, match="formats: markdown, html"):
        render_ruleset(load_ruleset(small_file), "pdf")
