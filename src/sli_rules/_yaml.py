"""Safe YAML loading that keeps the position of every node and rejects duplicate keys.

PyYAML's composer (safe, no object construction) gives a node graph with marks; we turn
it into plain Python values and a table from each value's path to its line and column,
so that semantic errors found later can still point at a line.
"""

from __future__ import annotations

from typing import Any

import attrs
import yaml

from sli_rules._errors import Location, Problem

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

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise _TooLargeError
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.problems.append(
                Problem(
                    Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1),
                    f"unsupported YAML tag {tag!r}: a ruleset is plain data (text, numbers, "
                    "lists and mappings); remove the tag",
                    path,
                )
            )  # and carry on reading it as untagged data, to report what else is wrong
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            Location(
                                self.file,
                                key_node.start_mark.line + 1,
                                key_node.start_mark.column + 1,
                            ),
                            "a key must be a plain name, not a list or mapping",
                            path,
                        )
                    )
                    continue
                key = key_node.value
                if key == "<<":
                    self.problems.append(
                        Problem(
                            Location(
                                self.file,
                                key_node.start_mark.line + 1,
                                key_node.start_mark.column + 1,
                            ),
                            "merge keys ('<<') are not supported: write the entries out",
                            path,
                        )
                    )
                    continue
                if key in out:
                    first = self.positions.get((*path, key), (0, 0))
                    self.problems.append(
                        Problem(
                            Location(
                                self.file,
                                key_node.start_mark.line + 1,
                                key_node.start_mark.column + 1,
                            ),
                            f"duplicate key {key!r} (first given on line {first[0]})",
                            (*path, key),
                        )
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


_TOO_DEEP = "document nested too deeply (lists or mappings inside each other hundreds deep)"


def safe_load(text: str) -> Any:
    """`yaml.safe_load` (plain data, no positions), through libyaml's C parser when
    PyYAML has it: about ten times faster on the registry and the event catalogue."""
    if hasattr(yaml, "CSafeLoader"):
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)  # pragma: no cover - depends on how PyYAML was built


def load_yaml(text: str, file: str) -> tuple[Loaded | None, list[Problem]]:
    """Compose `text` safely. Returns the document (None on a syntax error) and problems."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or str(exc)
        if exc.context:
            reason = f"{exc.context}, {reason}"
        return None, [Problem(Location(file, line, col), f"YAML syntax error: {reason}", ())]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(file, 1, 1), f"YAML error: {exc}", ())]
    except RecursionError:  # the pure-Python composer recurses once per level of nesting
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
    except RecursionError:
        return None, [Problem(Location(file, 1, 1), _TOO_DEEP, ())]
    return Loaded(data, file, builder.positions), builder.problems
