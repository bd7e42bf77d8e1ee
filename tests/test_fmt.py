"""`sli-rules fmt` (issue 16, point 3 of Deliver): one layout, comments kept, refusing
what the safe loader refuses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sli_rules.cli import run
from sli_rules.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.load.safe_yaml import load_yaml
from sli_rules.tools.fmt import WIDTH, format_text
from sli_rules.tools.init import scaffold

REPO = Path(__file__).resolve().parents[1]
BUNDLED = sorted((REPO / "rulesets").glob("*.yaml"))
SCENARIOS = sorted((REPO / "tests" / "scenarios").rglob("*.yaml")) + sorted(
    (REPO / "docs").rglob("*.scenario.yaml")
)

MESSY = """\
# header comment, kept
id: messy   # trailing comment, kept
title: 'single quoted'
rules:
- id: a            # first rule
  kind: deadline
  where: {service: "adult_social_care"}
  quote: "LONG, because reviewers read quotes whole"
-   id: b
    kind: count
parties:
    councils: all
""".replace("LONG", "a long quoted line that must not be wrapped, however long it is" * 2)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = run(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def test_round_trip_keeps_comments_order_quotes_and_values() -> None:
    result = format_text(MESSY, "messy.yaml")
    assert result.formatted is not None
    assert result.changed
    text = result.formatted
    for comment in ("# header comment, kept", "# trailing comment, kept", "# first rule"):
        assert comment in text
    assert "'single quoted'" in text
    assert '"adult_social_care"' in text
    assert "  - id: a" in text
    assert "  - id: b" in text
    assert "\n  councils: all" in text
    # key order kept: id, title, rules, parties
    positions = [text.index(k) for k in ("\nid:", "\ntitle:", "\nrules:", "\nparties:")]
    assert positions == sorted(positions)
    long_line = next(line for line in text.splitlines() if "quote:" in line)
    assert long_line.endswith('whole"')  # not wrapped
    before, _ = load_yaml(MESSY, "a")
    after, _ = load_yaml(text, "b")
    assert before is not None
    assert after is not None
    assert before.data == after.data


@pytest.mark.parametrize("path", BUNDLED + SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_bundled_rulesets_and_scenarios_are_already_formatted(path: Path) -> None:
    """`sli-rules fmt --check` over the repository's rulesets and scenario files."""
    text = path.read_text(encoding="utf-8")
    result = format_text(text, str(path))
    assert result.problems == ()
    assert result.formatted == text, f"run: sli-rules fmt {path.relative_to(REPO)}"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_a_scenario_with_its_flow_collections_joined_comes_back_as_it_was(path: Path) -> None:
    """The layout is a function of the data and comments, not of how a file was wrapped:
    every event and expectation joined onto one line is wrapped back to the file."""
    text = path.read_text(encoding="utf-8")
    joined = format_text(text, str(path), width=10**6).formatted
    assert joined is not None
    if any(len(line) > WIDTH for line in text.splitlines() if "{" in line):
        pytest.fail("a flow collection longer than WIDTH was left unwrapped")
    assert format_text(joined, str(path)).formatted == text


def test_a_long_flow_collection_is_wrapped_between_items_under_its_bracket() -> None:
    event = ", ".join(f"field{i}: value-{i}" for i in range(12))
    text = f"events:\n  - {{{event}, team: [{{council: E1}}, {{council: E2, role: member}}]}}\n"
    result = format_text(text, "w.yaml", width=60)
    assert result.formatted is not None
    lines = result.formatted.splitlines()
    assert lines[1].startswith("  - {field0: value-0, ")
    assert all(len(line) <= 60 for line in lines)
    assert all(line.startswith("     field") or "team" in line for line in lines[2:])
    assert all(line.endswith(",") for line in lines[1:-1])
    assert lines[-1].endswith("{council: E2, role: member}]}")
    # a one-entry mapping in a flow list keeps its braces
    assert "[{council: E1}, " in result.formatted
    before, _ = load_yaml(text, "w")
    after, _ = load_yaml(result.formatted, "w")
    assert before is not None
    assert after is not None
    assert before.data == after.data
    assert format_text(result.formatted, "w.yaml", width=60).formatted == result.formatted


def test_a_nested_list_too_long_for_its_line_is_wrapped_under_its_own_bracket() -> None:
    team = ", ".join(f"{{council: E0600001{i}, role: member, core: true}}" for i in range(4))
    text = f"events:\n  - {{id: r1, type: peer_challenge.held, team: [{team}]}}  # a note\n"
    result = format_text(text, "n.yaml")
    assert result.formatted is not None
    lines = result.formatted.splitlines()
    assert lines[1] == "  - {id: r1, type: peer_challenge.held,"
    column = lines[2].index("[") + 1
    assert lines[2].startswith("     team: [{council: E06000010")  # under the `{`
    nested = [line for line in lines if "council" in line]
    assert len(nested) == 4
    assert all(line.index("{council") == column for line in nested[1:])
    assert lines[-1].endswith("]}  # a note")
    assert all(len(line) <= WIDTH for line in lines)


def test_an_anchored_event_is_wrapped_from_its_own_bracket() -> None:
    # an event written `- &review {...}` (reused below as `*review`) was taken as a key
    # `&review {id: ..., team` before the nested list, and left 170 columns long
    team = ", ".join(f"{{council: E0600001{i}, role: member, core: true}}" for i in range(3))
    text = (
        "events:\n"
        f"  - &review {{id: r1, type: peer_challenge.held, date: 2015-06-10, team: [{team}]}}\n"
        "  - *review\n"
    )
    result = format_text(text, "a.yaml")
    assert result.formatted is not None
    lines = result.formatted.splitlines()
    assert lines[1].startswith("  - &review {id: r1,")
    column = len("  - &review {")  # the next line starts under the event's bracket
    assert lines[2][:column].strip() == ""
    assert lines[2][column] != " "
    assert all(len(line) <= WIDTH for line in lines)
    before, _ = load_yaml(text, "a.yaml")
    after, _ = load_yaml(result.formatted, "a.yaml")
    assert before is not None
    assert after is not None
    assert before.data == after.data


def test_short_collections_comments_and_block_text_are_left_on_their_lines() -> None:
    long_text = "a [b, c] " * 20
    text = (
        "# {not: [a, flow, collection]} " + "x" * 100 + "\n"
        "description: >-\n"
        f"  {{folded text that looks like a flow mapping, {long_text}}}\n"
        f"quote: '{{a quoted [text], {long_text}}}'\n"
        "as_of: [2016-03-01, 2016-04-01]\n"
    )
    result = format_text(text, "t.yaml")
    assert result.formatted == text


def test_a_new_workspace_from_init_is_already_formatted(tmp_path: Path) -> None:
    written = scaffold(tmp_path / "ws", "my-agreement")
    yamls = [p for p in written if p.suffix == ".yaml"]
    assert len(yamls) == 2
    for path in yamls:
        assert format_text(path.read_text(encoding="utf-8")).formatted == path.read_text(
            encoding="utf-8"
        )


def test_fmt_takes_folders_and_the_api_is_exported(tmp_path: Path) -> None:
    import doctest

    import sli_rules
    import sli_rules.tools.fmt

    assert {"format_text", "format_file", "FormatResult"} <= set(sli_rules.__all__)
    assert doctest.testmod(sli_rules.tools.fmt).failed == 0
    sub = tmp_path / "rulesets" / "deeper"
    sub.mkdir(parents=True)
    (sub / "messy.yml").write_text(MESSY, encoding="utf-8")
    (tmp_path / "rulesets" / "notes.txt").write_text("not: [yaml, to, format]\n")
    code, _, err = cli("fmt", "--check", str(tmp_path / "rulesets"))
    assert code == EXIT_FAILED
    assert "messy.yml: would be reformatted" in err
    assert "notes.txt" not in err
    assert cli("fmt", str(tmp_path / "rulesets"))[0] == EXIT_OK
    assert sli_rules.format_file(sub / "messy.yml").changed is False


@pytest.mark.parametrize("path", BUNDLED + SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_formatting_twice_is_formatting_once(path: Path) -> None:
    once = format_text(path.read_text(encoding="utf-8"), str(path)).formatted
    assert once is not None
    assert format_text(once, str(path)).formatted == once


_names = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
_scalars = st.one_of(
    st.integers(-1000, 1000),
    st.booleans(),
    st.none(),
    st.text(st.characters(codec="ascii", categories=("L", "N", "Zs", "P")), max_size=20),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_names, inner, min_size=1, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_names, _values, min_size=1, max_size=4), st.sampled_from([2, 4]))
def test_idempotent_and_value_preserving_on_generated_documents(
    data: dict[str, object], indent: int
) -> None:
    import yaml

    text = yaml.safe_dump(data, indent=indent, sort_keys=False, width=40)
    once = format_text(text, "gen.yaml")
    assert once.formatted is not None, once.problems
    loaded, problems = load_yaml(once.formatted, "gen.yaml")
    original, _ = load_yaml(text, "gen.yaml")
    assert not problems
    assert loaded is not None
    assert original is not None
    assert loaded.data == original.data
    assert format_text(once.formatted, "gen.yaml").formatted == once.formatted


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.dictionaries(_names, _values, min_size=1, max_size=6), min_size=1, max_size=3),
    st.integers(20, 100),
)
# a plain scalar holding a quote (`0'`) is not the start of a quoted one
@example([{"a": [["0'"], ","], "b": {"a": ["0'"]}}], 20)
def test_wrapping_flow_collections_keeps_the_data_and_is_stable(
    events: list[dict[str, object]], width: int
) -> None:
    """Flow collections (as scenario files write events) wrapped at any width: the same
    data, and formatting again changes nothing."""
    import yaml

    text = "events:\n" + "".join(
        "  - " + yaml.safe_dump(e, default_flow_style=True, width=10**6) for e in events
    )
    once = format_text(text, "gen.yaml", width=width)
    assert once.formatted is not None, once.problems
    loaded, _ = load_yaml(once.formatted, "gen.yaml")
    original, _ = load_yaml(text, "gen.yaml")
    assert loaded is not None
    assert original is not None
    assert loaded.data == original.data
    assert format_text(once.formatted, "gen.yaml", width=width).formatted == once.formatted


@pytest.mark.parametrize(
    ("line", "width", "wrapped"),
    [
        # a quote inside a plain scalar is text: the comma after it still separates items
        (
            "  - {a: [[0'], ','], b: {a: [0']}}",
            20,
            ["  - {a: [[0'], ','],", "     b: {a: [0']}}"],
        ),
        # a quoted scalar after a JSON-like key and `:` is still read as one
        (
            "  - {\"k\":'x, y', b: it's, c: [1, 2]}",
            24,
            ["  - {\"k\": 'x, y',", "     b: it's, c: [1, 2]}"],
        ),
    ],
)
def test_quotes_open_a_quoted_scalar_only_where_a_scalar_starts(
    line: str, width: int, wrapped: list[str]
) -> None:
    text = "events:\n" + line + "\n"
    result = format_text(text, "q.yaml", width=width)
    assert result.formatted == "events:\n" + "".join(w + "\n" for w in wrapped)
    loaded, _ = load_yaml(result.formatted, "q.yaml")
    original, _ = load_yaml(text, "q.yaml")
    assert loaded is not None
    assert original is not None
    assert loaded.data == original.data


def test_check_exit_codes_and_nothing_written(tmp_path: Path) -> None:
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(BUNDLED[0].read_text(encoding="utf-8"), encoding="utf-8")

    assert cli("fmt", "--check", str(tidy))[0] == EXIT_OK
    code, out, err = cli("fmt", "--check", str(tidy), str(messy))
    assert code == EXIT_FAILED
    assert str(messy) in err
    assert str(tidy) not in err
    assert messy.read_text(encoding="utf-8") == MESSY  # --check writes nothing

    code, out, _ = cli("fmt", "--check", "--diff", str(messy))
    assert code == EXIT_FAILED
    assert out.startswith("---")
    assert "\n+  - id: b" in out
    assert messy.read_text(encoding="utf-8") == MESSY


def test_fmt_rewrites_only_files_that_change(tmp_path: Path) -> None:
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    messy.chmod(0o640)
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(BUNDLED[0].read_text(encoding="utf-8"), encoding="utf-8")
    tidy_mtime = tidy.stat().st_mtime_ns

    code, _, err = cli("fmt", str(messy), str(tidy))
    assert code == EXIT_OK
    assert str(messy) in err
    assert str(tidy) not in err
    assert tidy.stat().st_mtime_ns == tidy_mtime  # untouched
    assert messy.read_text(encoding="utf-8") == format_text(MESSY).formatted
    assert messy.stat().st_mode & 0o777 == 0o640
    assert {p.name for p in tmp_path.iterdir()} == {"messy.yaml", "tidy.yaml"}  # no temp file
    assert cli("fmt", "--check", str(messy))[0] == EXIT_OK


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id: x\nrules: !!python/object/apply:os.system ['touch {marker}']\n", 2),
        ("id: x\nthing: !!python/object:builtins.dict {{}}\n", 2),
        ("id: x\nid: y\n", 2),
        ("id: x\nrules: [a, b\n", 4),  # unclosed: found at the end, after the comment
    ],
    ids=["python-apply", "python-object", "duplicate-key", "syntax"],
)
def test_refuses_what_the_safe_loader_refuses_and_leaves_the_file(
    tmp_path: Path, text: str, line: int
) -> None:
    marker = tmp_path / "ran"
    bad = tmp_path / "bad.yaml"
    content = text.format(marker=marker) + "   # an odd    layout\n"
    bad.write_text(content, encoding="utf-8")
    for argv in (("fmt", str(bad)), ("fmt", "--check", str(bad)), ("fmt", "--diff", str(bad))):
        code, out, err = cli(*argv)
        assert code == EXIT_INPUT
        assert f"{bad}:{line}:" in err
        assert out == ""
    assert bad.read_text(encoding="utf-8") == content
    assert not marker.exists()


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    code, _, err = cli("fmt", str(tmp_path / "nope.yaml"))
    assert code == EXIT_INPUT
    assert "nope.yaml" in err


@pytest.mark.parametrize("value", ["-_", "._", "+_", "-_._"])
def test_a_plain_value_that_only_looks_like_a_number_is_kept_as_text(value: str) -> None:
    """ruamel.yaml's resolver takes `-_` or `._` for a number (its patterns allow
    underscores) and then failed to read it, so `fmt` crashed on a value the safe
    loader reads as text (found by the flow-collection property on Python 3.13)."""
    text = f"events:\n  - {{id: e1, note: {value}}}\n"
    once = format_text(text, "gen.yaml", width=20)
    assert once.formatted is not None, once.problems
    loaded, _ = load_yaml(once.formatted, "gen.yaml")
    assert loaded is not None
    assert loaded.data == {"events": [{"id": "e1", "note": value}]}
    assert format_text(once.formatted, "gen.yaml", width=20).formatted == once.formatted
