"""The Python examples in the README and in docs/ run as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _pages_with_examples() -> list[Path]:
    return [p for p in PAGES if BLOCK.search(p.read_text(encoding="utf-8"))]


def test_the_readme_and_the_python_guide_have_examples() -> None:
    names = {p.name for p in _pages_with_examples()}
    assert {"README.md", "python-api.md"} <= names


@pytest.mark.parametrize("page", _pages_with_examples(), ids=lambda p: p.name)
def test_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}", "TMP": tmp_path}
    for n, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), start=1):
        code = compile(block, f"{page.name} (example {n})", "exec")
        exec(code, namespace)  # noqa: S102 - the project's own documentation, run as a test


# The design document the first release was built from is not in the repository: the
# contracts the code relies on live in docs/. Spelled in two parts so this file does not
# match itself.
OUTSIDE_DOC = "DES" + "IGN"


def test_nothing_cites_a_document_outside_the_repository() -> None:
    places = [ROOT / "pyproject.toml"]
    for top in ("src", "tests", "docs"):
        places += [p for p in (ROOT / top).rglob("*") if p.is_file()]
    citing = []
    for path in places:
        if path.suffix not in {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".jsonl"}:
            continue
        # as bytes: a few test inputs are deliberately not UTF-8
        for n, line in enumerate(path.read_bytes().splitlines(), start=1):
            if OUTSIDE_DOC.encode() in line:
                citing.append(f"{path.relative_to(ROOT)}:{n}")
    assert citing == []
