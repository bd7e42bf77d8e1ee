"""Where the command line writes files: checked before any work is done.

A report or page asked for with `-o out/report.json` cannot be written when `out/` does
not exist; saying so before evaluating (and exiting 2, as for any bad input) is kinder
than a traceback after it. The folder is not created: a mistyped path would otherwise
leave folders behind.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STDOUT", "output_problem"]

STDOUT = "-"
"""The file name that means standard output."""


def output_problem(path: str | os.PathLike[str], option: str) -> str | None:
    """Why a file cannot be written at `path` (None when it looks writable)."""
    text = os.fspath(path)
    if text == STDOUT:
        return None
    target = Path(text)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        return f"{option} {text}: that is a folder; give a file name"
    if not folder.exists():
        return f"{option} {text}: there is no folder {str(folder)!r}; create it first"
    if not folder.is_dir():
        return f"{option} {text}: {str(folder)!r} is not a folder"
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        return f"{option} {text}: no permission to write there"
    return None
