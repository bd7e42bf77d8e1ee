"""`sli-rules fmt`: one layout for rulesets and scenario files, comments kept.

A file is first read by the project's own safe loader (load/safe_yaml.py): a file it
refuses (a syntax error, a tag such as `!!python/object`, a duplicate or merge key) is
reported and never rewritten. Only then is the text read again by ruamel.yaml in its
round-trip mode, which builds plain mappings, lists and strings (never objects named by
the document) and keeps comments, key order, quoting and block scalars, and written back
with the layout of the bundled rulesets: mappings indented by two spaces, list items by
two more with the dash inside them (`  - id: ...`), no line wrapping.
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter

from sli_rules.load.safe_yaml import load_yaml
from sli_rules.model.errors import Location, Problem

__all__ = ["FormatResult", "format_file", "format_text", "unified_diff", "write_atomically"]

# Long lines (quotes from agreements) stay on one line: wrapping would change how a
# reviewer sees the diff, which is the point of formatting.
_WIDTH = 1_000_000


def _null(representer: RoundTripRepresenter, data: None) -> ScalarNode:
    """`null` written out, as the bundled rulesets write it (ruamel writes nothing)."""
    del data
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _yaml() -> YAML:
    """A round-trip reader/writer with the bundled rulesets' layout. Round-trip mode
    constructs only ruamel's comment-keeping mappings, lists and scalars."""
    rt = YAML(typ="rt", pure=True)
    rt.representer.add_representer(type(None), _null)
    rt.preserve_quotes = True
    rt.width = _WIDTH
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.allow_duplicate_keys = False
    return rt


@attrs.frozen
class FormatResult:
    """One file formatted: its text before and after, or the problems that stopped it."""

    file: str
    original: str
    formatted: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether formatting changes the file (False when it could not be formatted)."""
        return self.formatted is not None and self.formatted != self.original


def format_text(text: str, file: str = "<text>") -> FormatResult:
    """`text` in the canonical layout, or the problems why it is left as it is.

    The safe loader reads it first; anything it refuses is returned as problems and the
    text is not formatted."""
    loaded, problems = load_yaml(text, file)
    if loaded is None or problems:
        return FormatResult(file, text, None, tuple(problems))
    if loaded.data is None:  # empty, or comments only: nothing to lay out
        return FormatResult(file, text, text)
    rt = _yaml()
    try:
        data: Any = rt.load(text)
        out = io.StringIO()
        rt.dump(data, out)
    except YAMLError as exc:  # pragma: no cover - the safe loader refused it already
        return FormatResult(
            file,
            text,
            None,
            (Problem(Location(file, 1, 1), f"cannot lay out this YAML ({exc})", ()),),
        )
    formatted = out.getvalue()
    # Check the layout changed no value: the formatted text must read as the same data.
    again, again_problems = load_yaml(formatted, file)
    if again is None or again_problems or again.data != loaded.data:
        return FormatResult(
            file,
            text,
            None,
            (
                Problem(
                    Location(file, 1, 1),
                    "formatting would change the data this file holds; left as it is",
                    (),
                ),
            ),
        )
    return FormatResult(file, text, formatted)


def format_file(path: str | Path) -> FormatResult:
    """Format the file at `path` (read as UTF-8); nothing is written."""
    p = Path(path)
    return format_text(p.read_text(encoding="utf-8"), str(path))


def unified_diff(result: FormatResult) -> str:
    """The change formatting makes to a file, as a unified diff ("" when none)."""
    if not result.changed or result.formatted is None:
        return ""
    return "".join(
        difflib.unified_diff(
            result.original.splitlines(keepends=True),
            result.formatted.splitlines(keepends=True),
            fromfile=f"{result.file} (before)",
            tofile=f"{result.file} (formatted)",
        )
    )


def write_atomically(path: str | Path, text: str) -> None:
    """Replace the file at `path` with `text`: written to a temporary file beside it and
    renamed over it, so a reader sees the old file or the new one, never half of one.
    The file keeps its permission bits."""
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
