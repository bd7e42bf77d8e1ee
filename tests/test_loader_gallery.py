"""The broken-ruleset gallery: one YAML file per mistake a policy author can make.

Each file in tests/gallery/rulesets/ starts with a comment block:

    # expect: <a fragment that must appear in some problem's message>
    # expect-line: <a line on which a problem must be reported>

The loader must report every expected fragment, every problem must be located as
file:line:col, and the problems must be on exactly the expected lines: no mistake goes
unreported and none sets off a cascade of reports elsewhere in the file.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import yaml

import sli_rules
from sli_rules import Problem, RulesetError, check_ruleset, load_ruleset, parse_ruleset
from sli_rules.load import safe_yaml as _yaml

GALLERY = Path(__file__).parent / "gallery" / "rulesets"
FILES = sorted(GALLERY.glob("*.yaml"))
LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$", re.DOTALL)

# The mistakes the gallery must keep covering (a file removed by accident fails here).
REQUIRED = {
    "yaml-syntax-error",
    "missing-colon",
    "duplicate-key",
    "unknown-top-level-key",
    "unknown-rule-key",
    "unknown-rule-kind",
    "bad-date",
    "bad-duration",
    "duration-in-words",
    "unquoted-version",
    "unknown-parameter",
    "parameter-wrong-type",
    "interpretation-without-rationale",
    "unknown-body",
    "unknown-party-body",
    "unknown-council",
    "unknown-event-type",
    "unknown-where-attribute",
    "unknown-where-value",
    "unknown-applies-to-value",
    "unknown-test",
    "count-without-bound",
    "bad-ref-root",
    "rule-without-clause",
    "rule-without-quote",
    "duplicate-rule-id",
    "escalation-unknown-rule",
    "unknown-match-attribute",
    "several-mistakes",
}


def expectations(path: Path) -> tuple[list[str], list[int]]:
    """The fragments and lines promised by a gallery file's leading comment block."""
    fragments: list[str] = []
    lines: list[int] = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.startswith("#"):
            break
        if text.startswith("# expect:"):
            fragments.append(text.removeprefix("# expect:").strip())
        elif text.startswith("# expect-line:"):
            lines.append(int(text.removeprefix("# expect-line:").strip()))
    return fragments, lines


def test_the_gallery_covers_every_listed_mistake() -> None:
    assert {path.stem for path in FILES} >= REQUIRED


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_gallery_file_states_its_expectations(path: Path) -> None:
    fragments, lines = expectations(path)
    assert fragments, f"{path.name} has no '# expect:' line"
    assert lines, f"{path.name} has no '# expect-line:' line"
    body = path.read_text(encoding="utf-8").splitlines()
    assert all(1 <= n <= len(body) for n in lines)
    assert all(not body[n - 1].startswith("#") for n in lines), "a mistake is not in the header"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_gallery_file_is_reported_where_the_mistake_is(path: Path) -> None:
    fragments, lines = expectations(path)
    ruleset, problems = check_ruleset(path)
    assert ruleset is None
    assert problems
    for problem in problems:
        located = LOCATED.match(str(problem))
        assert located, f"not file:line:col: {problem}"
        assert located["file"] == str(path)
        assert int(located["line"]) == problem.location.line
        assert int(located["col"]) == problem.location.column >= 1
    messages = [p.message for p in problems]
    for fragment in fragments:
        assert any(fragment in m for m in messages), f"{fragment!r} not in {messages}"
    assert {p.location.line for p in problems} == set(lines), [str(p) for p in problems]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_problems_are_sorted_by_position(path: Path) -> None:
    _, problems = check_ruleset(path)
    positions = [(p.location.line, p.location.column) for p in problems]
    assert positions == sorted(positions)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_load_ruleset_raises_with_the_same_problems(path: Path) -> None:
    _, problems = check_ruleset(path)
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert list(info.value.problems) == problems
    assert all(isinstance(p, Problem) for p in info.value.problems)
    # The exception's text is the list a terminal shows: one located problem per line.
    assert str(info.value).splitlines() == [str(p) for p in problems]


def test_every_mistake_in_one_file_is_reported_in_one_pass() -> None:
    path = GALLERY / "several-mistakes.yaml"
    fragments, lines = expectations(path)
    _, problems = check_ruleset(path)
    assert len(problems) == len(fragments) == len(lines) == 6
    # The header lists the mistakes in the order of their lines, which is not the order
    # in which the loader meets them (the misspelt top-level key is last in the file).
    assert [p.location.line for p in problems] == lines == sorted(lines)
    for problem, fragment in zip(problems, fragments, strict=True):
        assert fragment in problem.message


def test_problems_carry_the_path_of_the_offending_value() -> None:
    _, problems = check_ruleset(GALLERY / "unknown-rule-kind.yaml")
    assert [p.path for p in problems] == [("rules", 0, "kind")]
    assert str(problems[0]).endswith("@ rules[0].kind")


# The gallery's files all start from this agreement; it is valid as it stands, so each
# problem a gallery file produces comes from the one mistake made in it.
CLEAN = """\
id: gallery-example
title: Gallery example agreement
source: none.txt
version: "1"
effective:
  start: 2015-01-01
parties:
  councils: [E08000025, E08000026]
  bodies:
    - id: em-dcs-group
      name: East Midlands DCS group
parameters:
  feedback-due:
    basis: interpretation
    rationale: "Read as three months."
    value: P3M
rules:
  - id: feedback-published
    kind: deadline
    title: Publish feedback within three months
    clause: "4(b)"
    quote: "publish the feedback within three months"
    trigger:
      type: peer_challenge.held
      where: {kind: corporate}
    fulfil:
      type: feedback.published
      match: {review: review}
    due: {parameter: feedback-due}
"""


def test_the_gallerys_starting_point_is_a_valid_ruleset() -> None:
    ruleset, problems = parse_ruleset(CLEAN, "clean.yaml")
    assert problems == []
    assert ruleset is not None
    assert ruleset.id == "gallery-example"
    assert [r.id for r in ruleset.rules] == ["feedback-published"]
    assert ruleset.parameters["feedback-due"].basis == "interpretation"


def test_a_bad_top_level_value_is_reported_not_dropped() -> None:
    ruleset, problems = parse_ruleset(CLEAN.replace('version: "1"', "version: [1, 2]"), "x.yaml")
    assert ruleset is None
    assert [(p.location.line, p.path) for p in problems] == [(4, ("version",))]
    assert "expected text" in problems[0].message


def test_unknown_ruleset_id_suggests_a_bundled_one() -> None:
    ids = sli_rules.bundled_ids()
    if not ids:
        pytest.skip("no bundled rulesets yet")
    typo = ids[0][:-1]
    _, problems = check_ruleset(typo)
    assert len(problems) == 1
    assert f"did you mean {ids[0]!r}" in problems[0].message


def test_missing_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    ruleset, problems = check_ruleset(tmp_path / "absent.yaml")
    assert ruleset is None
    assert "no such ruleset file" in problems[0].message


# ------------------------------------------------------------------ unsafe YAML


def payloads(marker: Path) -> list[str]:
    """Documents that would create `marker` if a YAML loader constructed Python objects."""
    touch = f'["touch {marker}"]'
    title = "title: Gallery example agreement"
    return [
        CLEAN.replace(title, f"title: !!python/object/apply:os.system {touch}"),
        f"!!python/object/apply:os.system {touch}\n",
        CLEAN.replace(
            "source: none.txt",
            f'source: !!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
        ),
        CLEAN + f'description: !!python/object/new:subprocess.Popen [["touch", "{marker}"]]\n',
        CLEAN.replace(title, "title: !!python/name:os.system x"),
    ]


def test_the_payloads_would_run_under_an_unsafe_loader(tmp_path: Path) -> None:
    # A positive control: the payload is real, so its not running below means something.
    marker = tmp_path / "control"
    yaml.unsafe_load(f'!!python/object/apply:os.system ["touch {marker}"]')
    assert marker.exists()


@pytest.mark.parametrize("index", range(5))
def test_python_tags_cannot_run_code(tmp_path: Path, index: int) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "unsafe.yaml"
    path.write_text(payloads(marker)[index], encoding="utf-8")
    ruleset, problems = check_ruleset(path)
    assert not marker.exists(), "loading a ruleset ran code"
    if index == 4:
        # A tag on a plain word imports nothing, and is still refused with its place.
        assert ruleset is None
        assert [p.message.split(":")[0] for p in problems] == [
            "unsupported YAML tag '!!python/name"
        ]
    else:
        # The tagged value is a list where text (or a whole ruleset) was expected.
        assert ruleset is None
        assert problems


def test_python_tags_cannot_run_code_through_the_cli(tmp_path: Path) -> None:
    import io

    from sli_rules.cli import run

    marker = tmp_path / "pwned"
    path = tmp_path / "unsafe.yaml"
    path.write_text(payloads(marker)[0], encoding="utf-8")
    status = run(["check", str(path)], io.StringIO(), io.StringIO())
    assert status == 1
    assert not marker.exists()


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def _in_thread(target: object, timeout: float) -> list[object]:
    result: list[object] = []

    def work() -> None:
        result.append(target())  # type: ignore[operator]

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} seconds"
    return result


def test_an_alias_bomb_is_refused_without_hanging(tmp_path: Path) -> None:
    # 9 ** 9 (387 million) strings if the aliases were expanded.
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    [(ruleset, problems)] = _in_thread(lambda: check_ruleset(path), timeout=60)
    assert ruleset is None
    assert any("too large (more than 100,000 values" in p.message for p in problems)
    assert all(p.location.file == str(path) for p in problems)


def test_an_alias_bomb_is_refused_after_a_bounded_number_of_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The cost of refusing it is bounded by the node limit, not by the expansion.

    built = []
    original = _yaml._Builder.build

    def counting(self: _yaml._Builder, node: yaml.Node, path: tuple[str | int, ...]) -> object:
        built.append(1)
        return original(self, node, path)

    monkeypatch.setattr(_yaml._Builder, "build", counting)
    _, problems = parse_ruleset(billion_laughs(), "bomb.yaml")
    assert len(built) <= 100_001
    assert "too large" in problems[0].message


def test_a_document_nested_thousands_deep_is_a_problem_not_a_crash() -> None:
    for text in ("a: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 3000 + "1" + "}" * 3000):
        ruleset, problems = parse_ruleset(text, "deep.yaml")
        assert ruleset is None
        assert len(problems) == 1
        assert "nested too deeply" in problems[0].message
        assert str(problems[0]).startswith("deep.yaml:1:")


def test_nesting_is_refused_at_the_first_level_past_the_limit() -> None:
    def nested(depth: int) -> str:  # block style, one level per line
        return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "v: 1\n"

    limit = _yaml._MAX_DEPTH
    _, problems = _yaml.load_yaml(nested(limit - 1), "ok.yaml")
    assert problems == []
    _, problems = _yaml.load_yaml(nested(limit), "deep.yaml")
    assert [p.message for p in problems] == [_yaml._TOO_DEEP]
    # located at the mapping that went one level too deep, not at the top of the file
    assert problems[0].location.line == limit + 1


def test_a_reader_refusing_a_deep_document_in_its_own_words_gives_our_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A YAML library with a nesting limit of its own, lower than ours, and any wording.
    def parse(text: str, Loader: object) -> object:  # noqa: ARG001, N803
        mark = yaml.Mark("<input>", 40, 0, 40, None, None)
        for _ in range(40):
            yield yaml.SequenceStartEvent(None, None, True, mark, mark)
        raise yaml.scanner.ScannerError("somewhere", mark, "some new wording", mark)

    monkeypatch.setattr(_yaml.yaml, "parse", parse)
    _, problems = _yaml.load_yaml("[" * 40, "deep.yaml")
    assert [p.message for p in problems] == [_yaml._TOO_DEEP]
    assert str(problems[0]).startswith("deep.yaml:1:41: ")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: b: c\n", 1),
        ("a: [1, 2\n", 2),
        ('a: "x\n', 2),
        ("a: *x\n", 1),
        ("a:\n  b: 1\n c: 2\n", 3),
        ("a: 1\nb:\n\tc: 2\n", 3),
    ],
)
def test_a_syntax_error_is_our_located_message(text: str, line: int) -> None:
    _, problems = _yaml.load_yaml(text, "bad.yaml")
    [problem] = problems
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.location.file == "bad.yaml"
    assert problem.location.line == line


def test_a_tab_in_the_indentation_is_named() -> None:
    _, [problem] = _yaml.load_yaml("a: 1\nb:\n\tc: 2\n", "tab.yaml")
    assert "tab character" in problem.message
    assert (problem.location.line, problem.location.column) == (3, 1)


# ---------------------------------------------------------------- hostile values
# Each of these crashed `check` (a traceback instead of a located problem), or passed it
# and crashed `evaluate` later. Each is now a problem at the line of the bad value.

_LIMIT_RULE = """\
  - id: days-cap
    kind: limit
    clause: "5"
    quote: "no more than five days"
    trigger:
      type: peer_days.given
    period: {calendar: financial_year}
    amount: days
    max: MAX
"""
_LADDER = """\
escalations:
  - id: ladder
    clause: "6"
    quote: "escalate"
    start: {breach_of: [{a: 1}]}
    steps:
      - {step: 1, actor: em-dcs-group, window: P1M}
"""
_DUE = "    due: {parameter: feedback-due}"

HOSTILE: dict[str, tuple[str, int, str]] = {
    # name: (ruleset text, line of the problem, fragment of its message)
    "kind-as-list": (
        CLEAN.replace("kind: deadline", "kind: [fixed_date]"),
        19,
        "unknown rule kind",
    ),
    "body-as-list": (
        CLEAN.replace(_DUE, _DUE + "\n    party: {body: [lga]}"),
        30,
        "a list is not a body of this ruleset",
    ),
    "body-as-mapping": (
        CLEAN.replace(_DUE, _DUE + "\n    party: {body: {x: 1}}"),
        30,
        "a mapping is not a body of this ruleset",
    ),
    "breach-of-mapping": (CLEAN + _LADDER, 34, "unknown rule a mapping"),
    "duration-of-5000-digits": (
        CLEAN.replace("value: P3M", "value: P" + "9" * 5000 + "D"),
        16,
        "(5,004 characters)",
    ),
    "duration-of-9999-years": (
        CLEAN.replace("value: P3M", "value: P9999Y"),
        16,
        "'P9999Y' is longer than 100 years",
    ),
    "date-in-9999": (
        CLEAN.replace("start: 2015-01-01", "start: 9999-12-31"),
        6,
        "'9999-12-31' is outside the dates sli-rules reads",
    ),
    "max-of-400-digits": (
        CLEAN + _LIMIT_RULE.replace("MAX", "9" * 400),
        38,
        "got a number of more than 60 digits",
    ),
    "max-negative": (CLEAN + _LIMIT_RULE.replace("MAX", "-100"), 38, "from 0 to 1,000,000"),
    "max-infinite": (CLEAN + _LIMIT_RULE.replace("MAX", "1.0e+400"), 38, "from 0 to 1,000,000"),
    "bound-of-400-digits": (
        CLEAN.replace(
            "where: {kind: corporate}", "where: {team: {count: {at_least: 1%s}}}" % ("0" * 400)
        ),
        25,
        "expected a number from -1,000,000 to 1,000,000",
    ),
    "parameter-infinite": (
        CLEAN.replace("value: P3M", "value: 1.0e+400"),
        16,
        "expected a number from -1,000,000 to 1,000,000",
    ),
    "number-test-on-text": (  # the engines disagreed on it; now it never loads
        CLEAN.replace("where: {kind: corporate}", "where: {kind: {at_least: 2}}"),
        25,
        "'at_least' compares numbers, but 'kind' holds text; use equals or in",
    ),
    "number-test-on-a-date": (
        CLEAN.replace("where: {kind: corporate}", "where: {date: {more_than: 2015}}"),
        25,
        "'more_than' compares numbers, but 'date' holds dates",
    ),
    "lone-surrogate": (
        CLEAN.replace("title: Gallery example", "title: Gallery \ud800 example"),
        2,
        "a lone surrogate here is not text",
    ),
    "gss-code-with-line-break": (
        CLEAN.replace("[E08000025, E08000026]", '[E08000025, "E08000026\\n"]'),
        8,
        "expected a GSS code",
    ),
    "rule-id-with-line-break": (
        CLEAN.replace("id: feedback-published", 'id: "feedback-published\\n"'),
        18,
        "use lower-case letters, digits and hyphens",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_values_are_located_problems(name: str) -> None:
    text, line, fragment = HOSTILE[name]
    ruleset, problems = parse_ruleset(text, "hostile.yaml")
    assert ruleset is None
    assert problems, name
    assert any(p.location.line == line and fragment in p.message for p in problems), [
        str(p) for p in problems
    ]


def test_a_ruleset_that_is_not_utf8_is_located_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(CLEAN.replace("Gallery example", "Galerie caf\xe9").encode("latin-1"))
    ruleset, problems = check_ruleset(path)
    assert ruleset is None
    assert [(p.location.line, p.location.column) for p in problems] == [(2, 19)]
    assert "not UTF-8 text: byte 0xe9" in problems[0].message


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)*b", "^E\\d+$", ".*", "^E(0|1)(2|3)"])
def test_a_council_pattern_that_could_backtrack_is_refused(pattern: str) -> None:
    # ^(a+)+$ took 2.5 s on a 26-character council string, doubling with each character.
    text = CLEAN.replace("  councils: [E08000025, E08000026]", f"  council_pattern: '{pattern}'")
    ruleset, problems = parse_ruleset(text, "pattern.yaml")
    assert ruleset is None
    [problem] = [p for p in problems if p.path == ("parties", "council_pattern")]
    assert problem.location.line == 8
    assert "is not a code pattern sli-rules runs" in problem.message
    assert "^E(06|08|09|10)" in problem.message


@pytest.mark.parametrize("pattern", ["^E(06|08|09|10)", "^E0[6-9]", "^E08000026$", "^W"])
def test_a_council_pattern_of_prefixes_and_classes_is_accepted(pattern: str) -> None:
    text = CLEAN.replace("  councils: [E08000025, E08000026]", f"  council_pattern: '{pattern}'")
    ruleset, problems = parse_ruleset(text, "pattern.yaml")
    assert problems == []
    assert ruleset is not None
    assert ruleset.council_pattern == pattern
