"""`sli-rules show ID`: print or export a bundled ruleset, to read it or start from a copy.

The bundled rulesets live inside the installed package, where a pip user would not look;
this prints one, or writes it to a file (never over an existing one) to copy and edit.
An exported copy's `yaml-language-server` modeline is rewritten to point, from where the
copy is, at the ruleset schema shipped with the package, so editor completion keeps
working in the copy.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sli_rules.load.loader import bundled_dir
from sli_rules.tools.schema import schema_dir

__all__ = ["MODELINE_RE", "bundled_text", "export_bundled", "schema_reference"]

MODELINE_RE = re.compile(r"^# yaml-language-server: \$schema=\S*$", re.MULTILINE)
"""The editor modeline naming a file's JSON Schema (on a line of its own)."""


def bundled_text(ruleset_id: str) -> str:
    """The YAML text of the bundled ruleset `ruleset_id`, as shipped."""
    return (bundled_dir() / f"{ruleset_id}.yaml").read_text(encoding="utf-8")


def schema_reference(folder: str | Path, name: str = "ruleset") -> str:
    """How a file in `folder` names the shipped `name` schema in its modeline: a relative
    path with forward slashes, or a file:// URI when no relative path exists (another
    drive)."""
    target = (schema_dir() / f"{name}.schema.json").resolve()
    try:
        return Path(os.path.relpath(target, Path(folder).resolve())).as_posix()
    except ValueError:  # Windows: the schema is on another drive
        return target.as_uri()


def export_bundled(ruleset_id: str, path: str | Path) -> None:
    """Write the bundled ruleset `ruleset_id` to the new file `path` (never over an existing
    one: FileExistsError), its modeline pointing at the shipped schema from there."""
    text = bundled_text(ruleset_id)
    line = f"# yaml-language-server: $schema={schema_reference(Path(path).parent)}"
    text = MODELINE_RE.sub(lambda _m: line, text, count=1)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
