"""`sli-rules fmt`: one layout for rulesets and scenario files, comments kept.

A file is first read by the project's own safe loader (load/safe_yaml.py): a file it
refuses (a syntax error, a tag such as `!!python/object`, a duplicate or merge key) is
reported and never rewritten. Only then is the text read again by ruamel.yaml in its
round-trip mode, which builds plain mappings, lists and strings (never objects named by
the document) and keeps comments, key order, quoting and block scalars, and written back
with the layout of the bundled rulesets: mappings indented by two spaces, list items by
two more with the dash inside them (`  - id: ...`), no wrapping of text.

Flow collections (`{...}` and `[...]`, which scenario files use for events and expected
findings) are written on one line when it fits in WIDTH columns, and otherwise wrapped
between their items: each line takes as many items as fit, the next line starts one
column past the opening bracket, and a single item is never split. The wrapping is done
on the one-line text ruamel writes, so formatting a formatted file changes nothing. A
one-entry mapping inside a flow list keeps its braces (`[{council: X}]`).
"""

from __future__ import annotations

import difflib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import attrs
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter

from sli_rules.load.safe_yaml import load_yaml
from sli_rules.model.errors import Location, Problem

__all__ = [
    "WIDTH",
    "FormatResult",
    "format_file",
    "format_text",
    "unified_diff",
    "write_atomically",
]

#: The column a flow collection is wrapped at (the project's line length). Text is never
#: wrapped: a long quote from an agreement stays on one line, so a reviewer sees a change
#: to it as one changed line.
WIDTH = 100

# ruamel itself writes every line whole; WIDTH is applied afterwards (_wrap_flow).
_NO_WRAP = 1_000_000


def _null(representer: RoundTripRepresenter, data: None) -> ScalarNode:
    """`null` written out, as the bundled rulesets write it (ruamel writes nothing)."""
    del data
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, except that a plain value its resolver takes for
    a number but cannot read as one (`-_`, `._`: underscores are allowed in its number
    patterns) is kept as the text it is, as the safe loader reads it. ruamel then quotes
    it when it writes it, so the layout changes no value."""

    def construct_yaml_int(self, node: Any) -> Any:
        try:
            return super().construct_yaml_int(node)
        except (ValueError, IndexError):
            return self.construct_scalar(node)

    def construct_yaml_float(self, node: Any) -> Any:
        try:
            return super().construct_yaml_float(node)
        except (ValueError, IndexError):
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)


def _yaml() -> YAML:
    """A round-trip reader/writer with the bundled rulesets' layout. Round-trip mode
    constructs only ruamel's comment-keeping mappings, lists and scalars."""
    rt = YAML(typ="rt", pure=True)
    rt.Constructor = _Constructor
    rt.representer.add_representer(type(None), _null)
    rt.preserve_quotes = True
    rt.width = _NO_WRAP
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.allow_duplicate_keys = False
    rt.brace_single_entry_mapping_in_flow_sequence = True
    return rt


# A line whose value is a flow collection: indentation, any `- `, any simple key and
# `: `, then the opening bracket. (Block plain text cannot hold ": ", so the key part
# cannot swallow a value.)
# (a key holds no bracket, so the flow collection found is the line's first; an anchor
# `&name` may stand before it)
_FLOW_START = re.compile(
    r"""^(?P<lead> *(?:- )*"""
    r"""(?:(?:[^\s#'"{}\[\],][^#{}\[\]]*?|'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"): )?"""
    r"""(?:&[^\s{}\[\],]+ )?)[{\[]"""
)
# A line that starts a block scalar (`key: |`, `- >-`, ...): the more-indented lines
# after it are text, never laid out.
_BLOCK_SCALAR = re.compile(r"(?:^|[:-] )[|>][0-9+-]*(?: +#.*)?$")


def _flow_items(line: str, start: int) -> tuple[list[str], int] | None:
    """The top-level items of the flow collection opening at `line[start]` and the index
    just past its closing bracket, or None when the collection does not close on the line."""
    depth = 0
    items: list[str] = []
    item_start = start + 1
    i = start
    # A quote opens a quoted scalar only where a scalar starts (after a bracket, a comma,
    # `? `, or a `:` that ends a key); inside a plain scalar (`0'`) it is text.
    scalar_start = False
    quoted_end = -1  # where the last quoted scalar closed
    while i < len(line):
        ch = line[i]
        if ch in " \t":
            i += 1
            continue
        at_start = scalar_start
        scalar_start = (
            ch in "{[,"
            or (ch in ":?" and line[i + 1 : i + 2] in (" ", "\t", ""))
            or (ch == ":" and quoted_end == i - 1)
        )
        if ch in "'\"" and not at_start:
            pass
        elif ch == "'":
            i = line.find("'", i + 1)
            while i != -1 and line.startswith("''", i):
                i = line.find("'", i + 2)
            if i == -1:
                return None
            quoted_end = i
        elif ch == '"':
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
            if i >= len(line):
                return None
            quoted_end = i
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                items.append(line[item_start:i].strip())
                return items, i + 1
        elif ch == "," and depth == 1:
            items.append(line[item_start:i].strip())
            item_start = i + 1
        i += 1
    return None


@attrs.frozen
class _Flow:
    """A flow collection (`prefix` is the `key: ` before it, if any) or, without
    brackets, one item written as it is."""

    prefix: str
    opening: str = ""
    items: tuple[_Flow, ...] = ()
    closing: str = ""

    @property
    def flat(self) -> str:
        if not self.opening:
            return self.prefix
        return self.prefix + self.opening + ", ".join(i.flat for i in self.items) + self.closing


_ITEM_KEY = re.compile(
    r"""^(?:[^\s#'"{}\[\],][^#]*?|'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"): (?=[{\[])"""
)


def _parse_item(item: str) -> _Flow:
    """One item of a flow collection: a nested collection (after an optional key) when it
    is one from its bracket to its end, else the text as it is."""
    key = _ITEM_KEY.match(item)
    start = key.end() if key else 0
    if item[start : start + 1] in ("{", "["):
        found = _flow_items(item, start)
        if found is not None and found[1] == len(item):
            return _parse_flow(item[:start], item[start], found[0], item[-1])
    return _Flow(item)


def _parse_flow(prefix: str, opening: str, items: list[str], closing: str) -> _Flow:
    return _Flow(prefix, opening, tuple(_parse_item(i) for i in items), closing)


def _layout(node: _Flow, column: int, suffix: str, width: int) -> list[str]:
    """`node` written from `column` (the first line is the rest of a line that is already
    `column` long; the others are whole lines), then `suffix`. It stays on one line when
    that fits in `width` or it is not a collection; otherwise its items are filled into
    lines one column past its opening bracket, and an item that itself does not fit is
    laid out the same way on lines of its own."""
    flat = node.flat + suffix
    if not node.opening or not node.items or column + len(flat) <= width:
        return [flat]
    inner = column + len(node.prefix) + 1
    indent = " " * inner
    lines: list[str] = []
    current = node.prefix + node.opening  # the line being filled (the first is partial)
    fresh = True  # nothing after the bracket or indentation yet
    for k, item in enumerate(node.items):
        tail = node.closing + suffix if k == len(node.items) - 1 else ","
        piece = item.flat + tail
        start = (column if not lines else 0) + len(current)
        if not fresh and start + 1 + len(piece) <= width:
            current += " " + piece
            continue
        if not fresh:
            lines.append(current)
            current, start = indent, inner
        parts = _layout(item, start, tail, width)
        current += parts[0]
        fresh = False
        if len(parts) > 1:  # a wrapped item: the next item starts a line of its own
            lines.append(current)
            lines.extend(parts[1:-1])
            current, fresh = parts[-1], False
            lines.append(current)
            current, fresh = indent, True
    if not fresh or not lines:
        lines.append(current)
    return lines


def _wrap_line(line: str, width: int) -> list[str]:
    """`line` with the flow collection it ends in wrapped between items to fit `width`."""
    match = _FLOW_START.match(line)
    if match is None:
        return [line]
    start = match.end() - 1
    found = _flow_items(line, start)
    if found is None:
        return [line]
    items, end = found
    node = _parse_flow("", line[start], items, line[end - 1])
    lead = line[:start]
    parts = _layout(node, len(lead), line[end:], width)
    return [lead + parts[0], *parts[1:]]


def _wrap_flow(text: str, width: int = WIDTH) -> str:
    """Wrap every line longer than `width` that holds a flow collection (_wrap_line),
    leaving comments and the text of block scalars as they are."""
    out: list[str] = []
    block_indent: int | None = None  # inside a block scalar whose key is this indented
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        indent = len(body) - len(body.lstrip(" "))
        if block_indent is not None:
            if not body.strip() or indent > block_indent:
                out.append(line)
                continue
            block_indent = None
        if _BLOCK_SCALAR.search(body) and not body.lstrip().startswith("#"):
            block_indent = indent
        if len(body) <= width or body.lstrip().startswith("#"):
            out.append(line)
            continue
        out.extend(part + ending for part in _wrap_line(body, width))
    return "".join(out)


@attrs.frozen
class FormatResult:
    """One file formatted (`format_text`, `format_file`): its text before (`original`)
    and after (`formatted`), or, with `formatted` None, the located `problems` that
    stopped it."""

    file: str
    original: str
    formatted: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether formatting changes the file (False when it could not be formatted)."""
        return self.formatted is not None and self.formatted != self.original


def format_text(text: str, file: str = "<text>", *, width: int = WIDTH) -> FormatResult:
    """A ruleset or scenario file's text in the canonical layout (`sli-rules fmt`), with
    its comments, key order and quoting kept; `file` names it in problems.

    The safe loader reads it first; anything it refuses (a syntax error, an unsupported
    tag, a duplicate key) is returned as located problems and the text is not formatted,
    nor is a text whose layout would change the data it holds. Flow collections longer
    than `width` columns are wrapped between their items; text is never wrapped.

        >>> import sli_rules
        >>> result = sli_rules.format_text("id: x   # kept\\nrules:\\n- {id: a}\\n")
        >>> print(result.formatted, end="")
        id: x   # kept
        rules:
          - {id: a}
        >>> result.changed
        True
    """
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
    formatted = _wrap_flow(out.getvalue(), width)
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


def format_file(path: str | Path, *, width: int = WIDTH) -> FormatResult:
    """The file at `path` (read as UTF-8) in the canonical layout, as `format_text`;
    nothing is written (`write_atomically(path, result.formatted)` writes it)."""
    p = Path(path)
    return format_text(p.read_text(encoding="utf-8"), str(path), width=width)


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
