"""`sli-rules calendar`: upcoming deadlines of chosen parties as an iCalendar file."""

from __future__ import annotations

import argparse
from typing import Any, Protocol, TextIO

from sli_rules.api.evaluate import compile_rulesets, evaluate
from sli_rules.engine.progress import Progress
from sli_rules.io.intake import read_events
from sli_rules.outputs.files import STDOUT, output_problem
from sli_rules.outputs.ical import to_ical
from sli_rules.tools.incremental import StateError, state_report, state_rulesets

__all__ = ["add_parser", "run_command"]


class _SubParsers(Protocol):
    def add_parser(self, name: str, **kw: Any) -> argparse.ArgumentParser: ...


def add_parser(sub: _SubParsers, date_type: Any) -> None:
    """Add `sli-rules calendar` to the command line."""
    p = sub.add_parser(
        "calendar",
        help="upcoming deadlines of chosen parties as an iCalendar file",
        description="Evaluate rulesets against an event file as of a date (or read the "
        "findings of an incremental run's state file) and write the deadlines still ahead "
        "as iCalendar: one all-day event per open or upcoming obligation and per escalation "
        "step due, on its due date. UIDs are stable, so re-importing updates the events.",
    )
    p.add_argument(
        "--ruleset",
        "-r",
        action="append",
        metavar="ID_OR_PATH",
        help="a bundled ruleset id or a YAML file; repeat for several",
    )
    p.add_argument("--events", "-e", metavar="FILE", help="events as JSON Lines or CSV")
    p.add_argument("--as-of", type=date_type, metavar="YYYY-MM-DD", help="the date to look from")
    p.add_argument(
        "--state",
        metavar="STATE",
        help="instead of --ruleset/--events/--as-of: the findings of `sli-rules run`'s state file",
    )
    p.add_argument(
        "--party",
        "-p",
        action="append",
        metavar="CODE",
        help="only this party's deadlines (GSS code or body id); repeat for several",
    )
    p.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="only deadlines within N days of the date (default: all ahead)",
    )
    p.add_argument(
        "--lenient", action="store_true", help="set bad events aside instead of stopping"
    )
    p.add_argument(
        "--complete",
        action="store_true",
        help="declare the event file complete, as in evaluate (breaches start escalation "
        "steps, which are deadlines too)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the calendar here (.ics)")


def run_command(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """`sli-rules calendar`: 0 when written, 2 on bad input."""
    if args.days is not None and args.days < 0:
        stderr.write("sli-rules calendar: --days must be 0 or more\n")
        return 2
    problem = output_problem(args.output, "--output") if args.output else None
    if problem:
        stderr.write(f"sli-rules calendar: {problem}\n")
        return 2
    if args.state:
        if args.events or args.as_of:
            stderr.write("sli-rules calendar: --state replaces --events and --as-of\n")
            return 2
        try:
            report = state_report(args.state)
            plan = compile_rulesets(args.ruleset or state_rulesets(args.state))
        except StateError as exc:
            stderr.write(f"sli-rules calendar: {exc}\n")
            return 2
    else:
        missing = [
            f"--{n.replace('_', '-')}"
            for n in ("ruleset", "events", "as_of")
            if not getattr(args, n)
        ]
        if missing:
            stderr.write(f"sli-rules calendar: {', '.join(missing)} needed (or --state STATE)\n")
            return 2
        plan = compile_rulesets(args.ruleset)
        with Progress(stderr) as progress:
            intake = read_events(
                args.events,
                lenient=args.lenient,
                progress=progress.reader,
                catalogue=plan.catalogue,
            )
            report = evaluate(
                plan,
                intake,
                as_of=args.as_of,
                progress=progress.callback,
                complete=args.complete,
            )
        for r in intake.rejected:
            stderr.write(f"rejected {r}\n")
    seen = {f.party for f in report.findings} | {f.actor for f in report.findings}
    for code in args.party or ():
        if code not in seen:
            stderr.write(f"sli-rules calendar: note: no findings at all for party {code!r}\n")
    try:
        data = to_ical(report, parties=args.party, days=args.days, rulesets=plan)
    except ImportError as exc:
        stderr.write(f"sli-rules calendar: {exc}\n")
        return 2
    if args.output and args.output != STDOUT:
        try:
            with open(args.output, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            stderr.write(f"sli-rules calendar: cannot write {args.output}: {exc}\n")
            return 2
    else:
        stdout.write(data.decode("utf-8"))
    return 0
