"""The getting-started page and the authoring tutorial work as written.

Every command shown in a ```console block (`$ sli-rules ...`, continued with a trailing
backslash, optionally `> FILE`) is run through `sli_rules.cli.run`, and its output must
be what the page shows below it. A line `...` in the shown output stands for any number
of lines, and a shown line ending in ` ...` stands for any line that starts with the text
before it; apart from those, the shown lines are the real ones, in order, with trailing
spaces ignored. Standard output comes first, then standard error.

An HTML comment just before a block (invisible when the page is rendered) tells the test
more, in YAML:

    <!-- doctest
    exit: 1                                          # the status expected (default 0)
    files: {local-accounts.yaml: steps/ruleset-with-mistakes.yaml}   # put in place first
    -->

    <!-- doctest
    shows: local-accounts.scenario.yaml              # this block is part of that file
    -->

getting-started.md runs from the repository root. tutorial.md runs, from top to bottom,
in a temporary copy of docs/tutorial (the reader's working folder): `files` copies a file
from docs/tutorial into it, so the page's intermediate steps (a ruleset with mistakes, a
failing scenario, an amended ruleset) are real files in docs/tutorial/steps/.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from sli_rules import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial"
GETTING_STARTED = DOCS / "getting-started.md"
TUTORIAL_PAGE = DOCS / "tutorial.md"
AGREEMENTS = Path(os.environ.get("SLI_AGREEMENTS", ROOT.parent / "shared" / "agreements"))

FENCE = re.compile(
    r"(?:<!--\s*doctest\s*\n(?P<meta>(?:(?!-->).)*)-->\s*\n)?^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
MODELINE = re.compile(r"^(# yaml-language-server: \$schema=)\S*?([\w.-]+\.json)$", re.MULTILINE)


@dataclass
class Block:
    page: Path
    line: int
    lang: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


@dataclass
class Command:
    argv: list[str]
    redirect: str | None
    shown: list[str]


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        meta = yaml.safe_load(m.group("meta")) if m.group("meta") else {}
        line = text.count("\n", 0, m.start("body"))
        block = Block(page, line, m.group("lang"), m.group("body"), meta or {})
        assert set(block.meta) <= {"exit", "files", "shows"}, f"{block.where}: {block.meta}"
        out.append(block)
    markers = text.count("<!-- doctest")
    assert markers == sum(1 for b in out if b.meta), (
        f"{page.name}: a <!-- doctest --> comment must come just before a fenced block"
    )
    return out


def commands(block: Block) -> list[Command]:
    """The `$ ` commands of a console block, each with the output shown after it."""
    out: list[Command] = []
    lines = block.body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            assert out, f"{block.where}: output before the first command: {line!r}"
            out[-1].shown.append(line)
            i += 1
            continue
        text = line[2:]
        while text.endswith("\\"):
            i += 1
            text = text[:-1] + lines[i].strip()
        words = shlex.split(text)
        redirect = None
        if len(words) >= 2 and words[-2] == ">":
            redirect, words = words[-1], words[:-2]
        assert words[0] == "sli-rules", f"{block.where}: only sli-rules runs here: {text!r}"
        out.append(Command(words[1:], redirect, []))
        i += 1
    return out


def _line_matches(shown: str, real: str) -> bool:
    if shown.endswith(" ..."):
        return real.startswith(shown[:-4])
    return shown == real


def _segment_at(segment: list[str], real: list[str], start: int) -> bool:
    if start + len(segment) > len(real):
        return False
    return all(_line_matches(s, r) for s, r in zip(segment, real[start:], strict=False))


def output_matches(shown: list[str], real: list[str]) -> bool:
    """Whether `real` is what `shown` shows, `...` lines standing for any lines."""
    shown = [s.rstrip() for s in shown]
    real = [r.rstrip() for r in real]
    while shown and not shown[-1]:
        shown.pop()
    while real and not real[-1]:
        real.pop()
    segments: list[list[str]] = [[]]
    for s in shown:
        if s == "...":
            segments.append([])
        else:
            segments[-1].append(s)
    if len(segments) == 1:
        return len(shown) == len(real) and _segment_at(shown, real, 0)
    first, *middle, last = segments
    if not _segment_at(first, real, 0):
        return False
    pos = len(first)
    for seg in middle:
        while pos <= len(real) and not _segment_at(seg, real, pos):
            pos += 1
        if pos > len(real):
            return False
        pos += len(seg)
    end = len(real) - len(last)
    return end >= pos and _segment_at(last, real, end)


def run_command(block: Block, command: Command, cwd: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        status = cli.run(command.argv, stdout, stderr)
    finally:
        os.chdir(old)
    out = stdout.getvalue()
    if command.redirect is not None:
        (cwd / command.redirect).write_text(out, encoding="utf-8")
        out = ""
    real = (out + stderr.getvalue()).splitlines()
    shown_cmd = "sli-rules " + shlex.join(command.argv)
    expected = block.meta.get("exit", 0)
    assert status == expected, (
        f"{block.where}: `{shown_cmd}` exited with {status}, the page expects {expected}:\n"
        + "\n".join(real)
    )
    assert output_matches(command.shown, real), (
        f"{block.where}: `{shown_cmd}` printed something else than the page shows.\n"
        "--- shown\n" + "\n".join(command.shown) + "\n--- real\n" + "\n".join(real)
    )


def _normalise(text: str) -> str:
    """Schema modelines name a path relative to each file: compare them by file name."""
    return MODELINE.sub(r"\1\2", text)


def run_page(page: Path, cwd: Path) -> list[Command]:
    ran: list[Command] = []
    for block in blocks(page):
        for dest, src in (block.meta.get("files") or {}).items():
            shutil.copyfile(TUTORIAL / src, cwd / dest)
        if "shows" in block.meta:
            whole = _normalise((TUTORIAL / block.meta["shows"]).read_text(encoding="utf-8"))
            assert _normalise(block.body) in whole, (
                f"{block.where}: the block is not part of docs/tutorial/{block.meta['shows']}"
            )
        if block.lang == "console":
            for command in commands(block):
                run_command(block, command, cwd)
                ran.append(command)
        else:
            for line in block.body.splitlines():
                assert not line.lstrip("$ ").startswith("sli-rules"), (
                    f"{block.where}: a sli-rules command outside a ```console block is not "
                    f"tested: {line!r}"
                )
    return ran


# --- the pages ---------------------------------------------------------------------


def test_getting_started_runs_as_written() -> None:
    ran = run_page(GETTING_STARTED, ROOT)
    used = {c.argv[0] for c in ran}
    assert {"list", "check", "evaluate"} <= used


def test_tutorial_runs_as_written(tmp_path: Path) -> None:
    work = tmp_path / "my-rules"
    shutil.copytree(TUTORIAL, work)
    ran = run_page(TUTORIAL_PAGE, work)
    used = {c.argv[0] for c in ran}
    assert {"check", "evaluate", "test", "explain", "docs", "diff", "schema"} <= used


def test_every_step_file_is_used_by_the_tutorial() -> None:
    used: set[str] = set()
    for block in blocks(TUTORIAL_PAGE):
        used.update((block.meta.get("files") or {}).values())
        if "shows" in block.meta:
            used.add(block.meta["shows"])
    steps = {p.relative_to(TUTORIAL).as_posix() for p in (TUTORIAL / "steps").iterdir()}
    assert steps <= used, f"unused in docs/tutorial.md: {sorted(steps - used)}"
    finished = {"local-accounts.yaml", "local-accounts.jsonl", "local-accounts.scenario.yaml"}
    assert finished <= used


# --- the finished files --------------------------------------------------------------


def test_the_finished_ruleset_checks_clean() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.run(["check", str(TUTORIAL / "local-accounts.yaml")], out, err) == 0, err


def test_the_finished_scenarios_pass_under_sli_rules_test() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = cli.run(["test", str(TUTORIAL / "local-accounts.scenario.yaml")], out, err)
    assert status == 0, out.getvalue() + err.getvalue()
    assert " 0 failed" in out.getvalue()


def test_the_finished_scenarios_pass_under_pytest() -> None:
    """The pytest plugin collects the scenario file where it lives (outside testpaths)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "docs/tutorial"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"\b9 passed\b", proc.stdout), proc.stdout


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("local-accounts.yaml", True),
        ("steps/local-accounts-two-months.yaml", True),
        ("steps/ruleset-with-mistakes.yaml", False),
    ],
)
def test_the_editor_schema_accepts_the_tutorial_rulesets(name: str, valid: bool) -> None:
    """What the tutorial says an editor does with the modeline: the schema in docs/schemas."""
    jsonschema = pytest.importorskip("jsonschema")

    class TextDates(yaml.SafeLoader):
        """Reads dates as text, as an editor's YAML language server does."""

    TextDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    schema = json.loads((DOCS / "schemas" / "ruleset.schema.json").read_text(encoding="utf-8"))
    doc = yaml.load((TUTORIAL / name).read_text(encoding="utf-8"), Loader=TextDates)  # noqa: S506 - a SafeLoader
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    assert (not errors) is valid, [e.message for e in errors]


def test_the_tutorial_quote_is_in_the_source_text() -> None:
    import sli_rules

    ruleset = sli_rules.load_ruleset(TUTORIAL / "local-accounts.yaml")
    source = AGREEMENTS / ruleset.source
    if not source.exists():
        pytest.skip(f"the agreement texts are not here ({source}); set SLI_AGREEMENTS")
    text = re.sub(r"\s+", " ", source.read_text(encoding="utf-8"))
    for rule in ruleset.rules:
        assert re.sub(r"\s+", " ", rule.quote).strip() in text, rule.id


def test_the_readme_links_the_pages() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/getting-started.md" in readme
    assert "docs/tutorial.md" in readme


# --- the checker itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shown", "real", "ok"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b", "c"], False),
        (["a", "...", "c"], ["a", "b", "x", "c"], True),
        (["...", "c"], ["a", "b", "c"], True),
        (["a", "..."], ["a", "b", "c"], True),
        (["a", "...", "c"], ["a", "b"], False),
        (["a", "...", "b", "...", "d"], ["a", "x", "b", "c", "d"], True),
        (["a", "...", "c", "...", "b"], ["a", "b", "c"], False),
        (["start ..."], ["start of a long line"], True),
        (["start ..."], ["other"], False),
        (["a  ", ""], ["a"], True),
    ],
)
def test_output_matching(shown: list[str], real: list[str], ok: bool) -> None:
    assert output_matches(shown, real) is ok
