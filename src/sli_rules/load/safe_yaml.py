"""Safe YAML loading that keeps the position of every node and rejects duplicate keys.

PyYAML's composer (safe, no object construction) gives a node graph with marks; we turn
it into plain Python values and a table from each value's path to its line and column,
so that semantic errors found later can still point at a line.
"""

from __future__ import annotations

from typing import Any

import attrs
import yaml

from sli_rules.model.errors import Location, Problem

__all__ = ["Loaded", "Path", "load_yaml", "safe_load"]

Path = tuple[str | int, ...]

try:  # the C composer is much faster where libyaml is available
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# Guards against alias expansion ("billion laughs"). The largest bundled ruleset has under
# a thousand values; a hundred thousand is ample, and is refused in well under a second.
_MAX_NODES = 100_000

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


@attrs.frozen
class Loaded:
    """A document as plain values, with the location of every path."""

    data: Any
    file: str
    positions: dict[Path, tuple[int, int]]

    def where(self, path: Path) -> Location:
        """The location of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p not in self.positions and p:
            p = p[:-1]
        line, col = self.positions.get(p, (1, 1))
        return Location(self.file, line, col)


def _scalar(node: yaml.ScalarNode) -> Any:
    value: str = node.value
    if node.style:  # quoted or block scalars are always strings (plain: None or "")
        return value
    if node.tag == _NULL:
        return None
    if node.tag == _BOOL:
        return value.lower() in ("true", "yes", "on")
    if node.tag == _INT:
        for base in (10, 0):
            try:
                return int(value.replace("_", ""), base)
            except ValueError:
                continue
        return value
    if node.tag == _FLOAT:
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value  # strings, and dates kept as text so our own parser checks them


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: dict[Path, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0

    def problem(self, node: yaml.Node, message: str, path: Path) -> None:
        """Record a problem located at `node`."""
        mark = node.start_mark
        self.problems.append(
            Problem(Location(self.file, mark.line + 1, mark.column + 1), message, path)
        )

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooLargeError
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(
                node,
                f"unsupported YAML tag {tag!r}: a ruleset is plain data (text, numbers, "
                "lists and mappings); remove the tag",
                path,
            )  # and carry on reading it as untagged data, to report what else is wrong
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problem(
                        key_node, "a key must be a plain name, not a list or mapping", path
                    )
                    continue
                key = key_node.value
                if key == "<<":
                    self.problem(
                        key_node, "merge keys ('<<') are not supported: write the entries out", path
                    )
                    continue
                if key in out:
                    first = self.positions.get((*path, key), (0, 0))
                    self.problem(
                        key_node,
                        f"duplicate key {key!r} (first given on line {first[0]})",
                        (*path, key),
                    )
                    continue
                out[key] = self.build(value_node, (*path, key))
                self.positions[(*path, key)] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            return out
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover


class _TooLargeError(Exception):
    pass


_TOO_DEEP = "document nested too deeply (lists or mappings more than 64 inside each other)"

# No ruleset or scenario needs more than a dozen levels. The limit is ours, well below
# any the YAML library may enforce, so that the message and location are ours too; and
# an error from the library while the document is already this deep is read as the same
# problem, whatever the library calls it.
_MAX_DEPTH = 64
_DEEP = _MAX_DEPTH // 2

# Plain-language hints for the commonest syntax errors, keyed on what the YAML reader
# reports. A reader that words things differently only loses the hint: the headline and
# the location are always ours.
_HINTS = (
    (
        "mapping values are not allowed",
        "a colon followed by a space inside a plain value; put the value in quotes",
    ),
    ("could not find expected ':'", "a key without its colon: write 'key: value'"),
    ("undefined alias", "an alias (*name) that no anchor (&name) defines"),
    ("end of stream", "a quote or bracket that is never closed"),
    ("did not find expected", "the indentation or the brackets do not line up"),
    ("expected <block end>", "the indentation does not line up"),
)


def _syntax_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    """Our own located message for a document the YAML reader refused."""
    mark = None
    detail = str(exc)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "could not find expected ':'" in str(exc.problem):
            mark = exc.context_mark  # the key that lacks its colon, not the line after it
        detail = ", ".join(part for part in (exc.context, exc.problem) if part) or detail
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        hint = "a tab character; YAML is indented with spaces"
    else:
        hint = next(
            (words for key, words in _HINTS if key in detail),
            "the text cannot be read as YAML here",
        )
    detail = " ".join(detail.split())
    return Problem(
        Location(file, line, col), f"YAML syntax error: {hint} (the YAML reader says: {detail})", ()
    )


class _TooDeepError(Exception):
    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.line = line
        self.column = column


def _flow_depth(text: str, end: int) -> int:
    """How many brackets (`[`, `{`) are open at `end`, outside quotes and comments.

    Only used to classify an error the YAML reader raised: a reader may scan flow
    brackets far ahead of the events it has handed out, so the event depth alone can
    be low when it gives up on a document thousands of brackets deep."""
    depth = 0
    quote = ""
    comment = False
    previous = "\n"
    for char in text[:end]:
        if comment:
            comment = char != "\n"
        elif quote:
            if char == quote and not (quote == '"' and previous == "\\"):
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and previous in " \t\n":
            comment = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
    return depth


def _check_depth(text: str) -> None:
    """Walk the parser's events (iteratively, no recursion) and raise `_TooDeepError`
    at the first list or mapping nested more than `_MAX_DEPTH` deep, or at a reader
    error met where the document is already more than half that deep."""
    depth = 0
    line, column = 1, 1  # where the last event started
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if event.start_mark is not None:
                line, column = event.start_mark.line + 1, event.start_mark.column + 1
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_DEPTH:
                    raise _TooDeepError(line, column)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except RecursionError as exc:
        raise _TooDeepError(line, column) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        index = where.index if where is not None else len(text)
        if depth <= _DEEP and _flow_depth(text, index) <= _DEEP:
            raise
        if where is not None:
            line, column = where.line + 1, where.column + 1
        raise _TooDeepError(line, column) from exc


def safe_load(text: str) -> Any:
    """`yaml.safe_load` (plain data, no positions), through libyaml's C parser when
    PyYAML has it: about ten times faster on the registry and the event catalogue."""
    if hasattr(yaml, "CSafeLoader"):
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)  # pragma: no cover - depends on how PyYAML was built


def load_yaml(text: str, file: str) -> tuple[Loaded | None, list[Problem]]:
    """Compose `text` safely. Returns the document (None on a syntax error) and problems.

    Every message is the project's own: the YAML library's wording appears only as a
    labelled detail after it, so a new release of the library changes no headline."""
    try:
        _check_depth(text)
        node = yaml.compose(text, Loader=_Loader)
    except _TooDeepError as exc:
        return None, [Problem(Location(file, exc.line, exc.column), _TOO_DEEP, ())]
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, text, file)]
    except RecursionError:  # a reader that recurses per level, on a stack smaller than ours
        return None, [Problem(Location(file, 1, 1), _TOO_DEEP, ())]
    if node is None:
        return Loaded(None, file, {}), []
    builder = _Builder(file)
    try:
        data = builder.build(node, ())
    except _TooLargeError:
        return None, [
            Problem(
                Location(file, 1, 1),
                f"document too large (more than {_MAX_NODES:,} values, counting each use "
                "of an alias)",
                (),
            )
        ]
    except RecursionError:  # pragma: no cover - the depth check keeps documents shallow
        return None, [Problem(Location(file, 1, 1), _TOO_DEEP, ())]
    return Loaded(data, file, builder.positions), builder.problems
