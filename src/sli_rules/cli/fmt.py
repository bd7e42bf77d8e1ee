"""`sli-rules fmt`: lay out ruleset and scenario files the one way, keeping comments."""

from __future__ import annotations

import argparse
from pathlib import Path

from sli_rules.cli.command import Command
from sli_rules.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.cli.parsing import Context
from sli_rules.tools.fmt import FormatResult, format_file, unified_diff, write_atomically

__all__ = ["FMT"]


def _fmt_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="a ruleset or scenario YAML file, or a folder: every *.yaml and *.yml in it and "
        "in its subfolders",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; list the files that formatting would change, with exit "
        "status 1 if there is any (for CI)",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="print the change as a unified diff (with --check, the files are left as they are)",
    )


def _files(paths: list[str]) -> list[str]:
    """The files named, with each folder replaced by the YAML files under it (sorted)."""
    out: list[str] = []
    for name in paths:
        folder = Path(name)
        if folder.is_dir():
            out += sorted(
                str(f) for f in folder.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file()
            )
        else:
            out.append(name)
    return out


def _fmt(args: argparse.Namespace, ctx: Context) -> int:
    """0 when every file is (now) formatted; 1 with --check when one would change; 2 when
    a file cannot be read or is refused by the safe loader (it is then left untouched)."""
    refused = would_change = False
    for name in _files(args.files):
        try:
            result: FormatResult = format_file(name)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            ctx.stderr.write(f"sli-rules fmt: cannot read {name}: {reason}\n")
            refused = True
            continue
        if result.formatted is None:
            for problem in result.problems:
                ctx.stderr.write(f"{problem}\n")
            ctx.stderr.write(f"{name}: not formatted (fix the problems above first)\n")
            refused = True
            continue
        if not result.changed:
            continue
        if args.diff:
            ctx.stdout.write(unified_diff(result))
        if args.check:
            would_change = True
            ctx.stderr.write(f"{name}: would be reformatted\n")
            continue
        try:
            write_atomically(name, result.formatted)
        except OSError as exc:
            ctx.stderr.write(f"sli-rules fmt: cannot write {name}: {exc.strerror or exc}\n")
            refused = True
            continue
        ctx.stderr.write(f"{name}: reformatted\n")
    if refused:
        return EXIT_INPUT
    return EXIT_FAILED if would_change else EXIT_OK


FMT = Command(
    "fmt",
    help="lay out ruleset and scenario files the one way, keeping comments",
    description="Rewrite YAML rulesets and scenario files in one layout (two-space "
    "indentation, list items indented under their key, flow collections such as a "
    "scenario's events wrapped between items at 100 columns, text never wrapped), keeping "
    "comments, key order and quoting. A file is rewritten only if that changes it, and "
    "atomically. A file the safe loader refuses (a syntax error, an unsupported tag, a "
    "duplicate key) is reported with its line and left untouched (exit status 2). "
    "--check changes nothing and exits 1 if a file would change.",
    add_arguments=_fmt_arguments,
    run=_fmt,
)
