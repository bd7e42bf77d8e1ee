"""The CLI commands beyond list, check and evaluate."""

from __future__ import annotations

import argparse
from typing import TextIO

from sli_rules.model.errors import InputError
from sli_rules.tools import calendar as _calendar
from sli_rules.tools import diff as _diff
from sli_rules.tools import docs as _docs
from sli_rules.tools import explain as _explain
from sli_rules.tools import incremental as _incremental
from sli_rules.tools import schema as _schema
from sli_rules.tools import show as _show
from sli_rules.tools import site as _site
from sli_rules.tools.scenarios import (
    coverage,
    find_scenario_files,
    load_scenario_file,
    run_file,
)

__all__ = ["dispatch"]


def _test(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    files = find_scenario_files(args.paths)
    if not files:
        stderr.write("no scenario files (*.scenario.yaml) found\n")
        return 2
    results = []
    rulesets = {}
    failed = broken = 0
    for path in files:
        try:
            file_results = run_file(path)
            for rs in load_scenario_file(path).rulesets:
                rulesets[rs.id] = rs
        except InputError as exc:
            broken += 1
            for p in exc.problems:
                stderr.write(f"{p}\n")
            continue
        for r in file_results:
            results.append(r)
            if not r.passed:
                failed += 1
                stdout.write(r.report() + "\n")
            elif args.verbose:
                stdout.write(r.report() + "\n")
    passed = len(results) - failed
    stdout.write(
        f"{passed} passed, {failed} failed"
        + (f", {broken} files unreadable" if broken else "")
        + f" ({len(files)} files)\n"
    )
    if args.coverage:
        lines = coverage(results, rulesets.values())
        stdout.write(
            "coverage: every rule and status exercised\n"
            if not lines
            else "coverage gaps:\n" + "".join(f"  {line}\n" for line in lines)
        )
    if broken:
        return 2
    return 1 if failed else 0


def dispatch(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.command == "test":
        return _test(args, stdout, stderr)
    if args.command == "explain":
        return _explain.run_command(args, stdout, stderr)
    if args.command == "diff":
        return _diff.run_command(args, stdout, stderr)
    if args.command == "docs":
        return _docs.run_command(args, stdout, stderr)
    if args.command == "schema":
        return _schema.run_command(args, stdout, stderr)
    if args.command == "run":
        return _incremental.run_command(args, stdout, stderr)
    if args.command == "calendar":
        return _calendar.run_command(args, stdout, stderr)
    if args.command == "show":
        return _show.run_command(args, stdout, stderr)
    if args.command == "report":
        return _site.run_command(args, stdout, stderr)
    raise AssertionError(f"unknown command {args.command}")  # pragma: no cover
