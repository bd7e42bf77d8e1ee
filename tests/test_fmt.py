"""`sli-rules fmt` (issue 16, point 3 of Deliver): one layout, comments kept, refusing
what the safe loader refuses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sli_rules.cli import run
from sli_rules.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.load.safe_yaml import load_yaml
from sli_rules.tools.fmt import format_text

REPO = Path(__file__).resolve().parents[1]
BUNDLED = sorted((REPO / "rulesets").glob("*.yaml"))
SCENARIOS = sorted((REPO / "tests" / "scenarios").rglob("*.yaml"))

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


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_rulesets_are_already_formatted(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    result = format_text(text, str(path))
    assert result.problems == ()
    assert result.formatted == text


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
