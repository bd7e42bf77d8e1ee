"""`sli-rules show ID`: print or export a bundled ruleset, to read it or start from a copy.

The bundled rulesets live inside the installed package, where a pip user would not look;
this prints one, or writes it to a file (never over an existing one) to copy and edit.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Protocol, TextIO

from sli_rules.load.loader import bundled_dir, bundled_ids
from sli_rules.model.errors import did_you_mean
from sli_rules.outputs.files import STDOUT, output_problem

__all__ = ["add_parser", "run_command"]


class _SubParsers(Protocol):
    def add_parser(self, name: str, **kw: Any) -> argparse.ArgumentParser: ...


def add_parser(sub: _SubParsers) -> None:
    p = sub.add_parser(
        "show",
        help="print a bundled ruleset, or export it to a file to copy and edit",
        description="Print a bundled ruleset's YAML (ids: sli-rules list), or write it to a "
        "file with --output. An existing file is never overwritten.",
    )
    p.add_argument("ruleset", metavar="ID", help="a bundled ruleset id")
    p.add_argument("--output", "-o", metavar="FILE", help="write it here (a new file)")


def run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """`sli-rules show`: 0 when printed or written, 2 on bad input."""
    ids = bundled_ids()
    if args.ruleset not in ids:
        stderr.write(
            f"sli-rules show: no bundled ruleset {args.ruleset!r}"
            f"{did_you_mean(args.ruleset, ids)}; bundled: {', '.join(ids) or 'none'}\n"
        )
        return 2
    text = (bundled_dir() / f"{args.ruleset}.yaml").read_text(encoding="utf-8")
    if not args.output or args.output == STDOUT:
        stdout.write(text)
        return 0
    problem = output_problem(args.output, "--output")
    if problem is None and Path(args.output).exists():
        problem = f"--output {args.output}: the file exists; choose a new name"
    if problem:
        stderr.write(f"sli-rules show: {problem}\n")
        return 2
    try:
        with open(args.output, "x", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        stderr.write(f"sli-rules show: cannot write {args.output}: {exc.strerror or exc}\n")
        return 2
    stderr.write(
        f"wrote {args.output}; give it a new id before editing, then: "
        f"sli-rules check {args.output}\n"
    )
    return 0
