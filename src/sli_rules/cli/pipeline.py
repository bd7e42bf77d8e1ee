"""The commands for pipelines and boards: run (incremental), calendar and report."""

from __future__ import annotations

import argparse
import shlex
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sli_rules.api.evaluate import ENGINES, compile_rulesets, evaluate
from sli_rules.cli.command import Command
from sli_rules.cli.exits import EXIT_BREACH, EXIT_INPUT, EXIT_OK
from sli_rules.cli.parsing import Context, date_type
from sli_rules.cli.rulesets import count
from sli_rules.engine.progress import Progress
from sli_rules.io.intake import read_events
from sli_rules.load.catalogue import catalogue_for
from sli_rules.load.loader import load_ruleset
from sli_rules.outputs.files import STDOUT, output_problem
from sli_rules.outputs.ical import to_ical
from sli_rules.outputs.report import FORMATS
from sli_rules.tools.incremental import (
    Change,
    RebuildNeededError,
    StateError,
    run_incremental,
    state_report,
    state_rulesets,
    write_atomically,
)
from sli_rules.tools.site import write_site

__all__ = ["CALENDAR", "REPORT", "RUN"]


# ---------------------------------------------------------------------- run


def _run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--state", "-s", required=True, metavar="STATE", help="the state file")
    p.add_argument(
        "--ruleset",
        "-r",
        action="append",
        metavar="ID_OR_PATH",
        help="a bundled ruleset id or a YAML file; repeat for several (needed on the first "
        "run; later runs use the ones recorded in the state)",
    )
    p.add_argument(
        "--events",
        "-e",
        metavar="FILE",
        help="the new events (JSON Lines or CSV); without it, a quiet night: no new events, "
        "the clock still moves to --as-of",
    )
    p.add_argument("--as-of", type=date_type, metavar="YYYY-MM-DD", help="the date of this run")
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write the changes (or --show's report) here"
    )
    p.add_argument(
        "--fail-on-new-breach",
        action="store_true",
        help="exit with status 3 when this run finds a breach it had not reported before "
        "(the state is still saved): an alert for a nightly job",
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="set bad events aside (listed on stderr and kept in the state) instead of stopping",
    )
    p.add_argument(
        "--max-rejected",
        type=int,
        metavar="N",
        help="with --lenient: stop (status 2, state unchanged) when more than N records are "
        "rejected",
    )
    p.add_argument(
        "--late",
        choices=("replay", "refuse"),
        default="replay",
        help="events dated on or before the previous run's date: evaluate the event log "
        "again with them (replay, the default) or stop (refuse)",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="evaluate every recorded event again (needed after a ruleset changed)",
    )
    p.add_argument("--engine", choices=ENGINES, default="reference", help="the matching engine")
    p.add_argument(
        "--complete",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="declare the whole record complete, so that a duty due with no fulfilling event "
        "is breached rather than unrecorded; the state remembers it (--no-complete undoes it, "
        "and either re-evaluates the event log)",
    )
    p.add_argument(
        "--show",
        action="store_true",
        help="print every finding as of the last run (no events are read)",
    )
    p.add_argument(
        "--format",
        "-f",
        choices=sorted(FORMATS),
        default="table",
        help="format for --show (default: table); changes are always JSON Lines",
    )


def rebuild_command(args: argparse.Namespace) -> str:
    """The command line of this run with --rebuild added: what to run when it is refused."""
    argv = ["sli-rules", "run", "--state", str(args.state)]
    for r in args.ruleset or ():
        argv += ["--ruleset", str(r)]
    if args.events is not None:
        argv += ["--events", str(args.events)]
    argv += ["--as-of", str(args.as_of)]
    if args.lenient:
        argv.append("--lenient")
    if args.max_rejected is not None:
        argv += ["--max-rejected", str(args.max_rejected)]
    if args.late != "replay":
        argv += ["--late", args.late]
    if args.engine != "reference":
        argv += ["--engine", args.engine]
    if args.complete is not None:
        argv.append("--complete" if args.complete else "--no-complete")
    if args.output:
        argv += ["--output", str(args.output)]
    if args.fail_on_new_breach:
        argv.append("--fail-on-new-breach")
    return shlex.join([*argv, "--rebuild"])


def _emit(output: str | None, text: str, stdout: TextIO) -> None:
    if output:
        try:
            write_atomically(output, text)
        except OSError as exc:
            raise OSError(f"{output}: {exc.strerror or exc}") from None
    else:
        stdout.write(text)
        stdout.flush()


def _run(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules run`: 0 when done, 2 on bad input or a refused run."""
    stdout, stderr = ctx.stdout, ctx.stderr
    if args.show:
        given = [n for n in ("events", "as_of", "ruleset") if getattr(args, n)]
        if given:
            stderr.write(
                "sli-rules run: --show prints the recorded findings; it takes no "
                + ", ".join(f"--{n.replace('_', '-')}" for n in given)
                + "\n"
            )
            return EXIT_INPUT
        try:
            text = state_report(args.state).render(args.format)
        except StateError as exc:
            stderr.write(f"sli-rules run: {exc}\n")
            return EXIT_INPUT
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged pages or text
            stderr.write(f"sli-rules run: {args.state}: the state file is damaged ({exc})\n")
            return EXIT_INPUT
        _emit(args.output, text, stdout)
        return EXIT_OK
    if not args.as_of:
        stderr.write("sli-rules run: --as-of needed (or --show)\n")
        return EXIT_INPUT
    quiet = args.events is None  # a night with no new events: nothing to read

    def deliver(changes: Sequence[Change]) -> None:
        _emit(args.output, "".join(c.to_json() + "\n" for c in changes), stdout)

    try:
        with Progress(stderr) as progress:
            # events are read with the types the rulesets declare: those given, or those
            # the state was built with
            refs = args.ruleset or (state_rulesets(args.state) if Path(args.state).exists() else [])
            cat = catalogue_for(load_ruleset(r) for r in refs)
            intake = read_events(
                () if quiet else args.events,
                lenient=args.lenient,
                progress=progress.reader,
                catalogue=cat,
            )
            refused = intake.refusal(args.max_rejected)
            if refused:  # before anything is recorded: the state stays as it was
                for r in intake.rejected:
                    stderr.write(f"rejected {r}\n")
                stderr.write(f"sli-rules run: {args.events}: {refused}; the state is unchanged\n")
                return EXIT_INPUT
            result = run_incremental(
                args.state,
                intake,
                as_of=args.as_of,
                rulesets=args.ruleset,
                engine=args.engine,
                late=args.late,
                rebuild=args.rebuild,
                on_changes=deliver,
                progress=progress.callback,
                source="(no events)" if quiet else str(args.events),
                complete=args.complete,
            )
    except RebuildNeededError as exc:
        stderr.write(f"sli-rules run: {exc}\nTo rebuild it: {rebuild_command(args)}\n")
        return EXIT_INPUT
    except StateError as exc:
        stderr.write(f"sli-rules run: {exc}\n")
        return EXIT_INPUT
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damaged pages or text
        stderr.write(f"sli-rules run: {args.state}: the state file is damaged ({exc})\n")
        return EXIT_INPUT
    except OSError as exc:  # the changes could not be written: nothing was committed
        stderr.write(f"sli-rules run: cannot write the changes: {exc}; the state is unchanged\n")
        return EXIT_INPUT
    for r in result.rejected:
        stderr.write(f"rejected {r}\n")
    stderr.write(result.summary() + "\n")
    if args.fail_on_new_breach and result.new_breaches:
        found = count(len(result.new_breaches), "new breach", "new breaches")
        stderr.write(f"{found} found\n")
        return EXIT_BREACH
    return EXIT_OK


RUN = Command(
    "run",
    help="incremental run for a nightly job: new events in, changed findings out",
    description="Add a night's events to a checkpointed session kept in a SQLite state "
    "file (created on the first run), move its clock to --as-of, and write the findings "
    "that changed since the previous run as JSON Lines: each line is a finding with "
    '"change" (new, changed or gone), "previous_status" and "changed_fields". The state '
    "is committed in one transaction after the changes are written, so a run killed at "
    "any point leaves the previous state; run the same night again to redo it. "
    "With --show, print every current finding instead.",
    add_arguments=_run_arguments,
    run=_run,
)


# ---------------------------------------------------------------------- calendar


def _calendar_arguments(p: argparse.ArgumentParser) -> None:
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


def _calendar(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules calendar`: 0 when written, 2 on bad input."""
    stdout, stderr = ctx.stdout, ctx.stderr
    if args.days is not None and args.days < 0:
        stderr.write("sli-rules calendar: --days must be 0 or more\n")
        return EXIT_INPUT
    problem = output_problem(args.output, "--output") if args.output else None
    if problem:
        stderr.write(f"sli-rules calendar: {problem}\n")
        return EXIT_INPUT
    if args.state:
        if args.events or args.as_of:
            stderr.write("sli-rules calendar: --state replaces --events and --as-of\n")
            return EXIT_INPUT
        try:
            report = state_report(args.state)
            plan = compile_rulesets(args.ruleset or state_rulesets(args.state))
        except StateError as exc:
            stderr.write(f"sli-rules calendar: {exc}\n")
            return EXIT_INPUT
    else:
        missing = [
            f"--{n.replace('_', '-')}"
            for n in ("ruleset", "events", "as_of")
            if not getattr(args, n)
        ]
        if missing:
            stderr.write(f"sli-rules calendar: {', '.join(missing)} needed (or --state STATE)\n")
            return EXIT_INPUT
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
        return EXIT_INPUT
    if args.output and args.output != STDOUT:
        try:
            with open(args.output, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            stderr.write(f"sli-rules calendar: cannot write {args.output}: {exc}\n")
            return EXIT_INPUT
    else:
        stdout.write(data.decode("utf-8"))
    return EXIT_OK


CALENDAR = Command(
    "calendar",
    help="upcoming deadlines of chosen parties as an iCalendar file",
    description="Evaluate rulesets against an event file as of a date (or read the "
    "findings of an incremental run's state file) and write the deadlines still ahead "
    "as iCalendar: one all-day event per open or upcoming obligation and per escalation "
    "step due, on its due date. UIDs are stable, so re-importing updates the events.",
    add_arguments=_calendar_arguments,
    run=_calendar,
)


# ---------------------------------------------------------------------- report


def _report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ruleset", "-r", action="append", required=True, metavar="ID_OR_PATH")
    p.add_argument("--events", "-e", required=True, metavar="FILE")
    p.add_argument("--as-of", required=True, type=date_type, metavar="YYYY-MM-DD")
    p.add_argument("--html", required=True, metavar="DIR", help="the folder to write the site into")
    p.add_argument("--lenient", action="store_true", help="set aside bad event records")
    p.add_argument("--no-timelines", action="store_true", help="leave the timelines out (faster)")


def _report(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules report --html DIR`: 0 when written, 2 on bad input."""
    stdout, stderr = ctx.stdout, ctx.stderr
    folder = Path(args.html)
    if folder.exists():
        problem = None if folder.is_dir() else f"--html {args.html}: not a folder"
    else:  # the folder itself is made; the one it goes in must exist
        problem = output_problem(folder, "--html")
    if problem:
        stderr.write(f"sli-rules report: {problem}\n")
        return EXIT_INPUT
    plan = compile_rulesets(args.ruleset)
    with Progress(stderr) as progress:
        intake = read_events(
            args.events, lenient=args.lenient, progress=progress.reader, catalogue=plan.catalogue
        )
        report = evaluate(plan, intake, as_of=args.as_of, progress=progress.callback)
    for r in intake.rejected:
        stderr.write(f"rejected {r}\n")
    titles = {cr.id: cr.ruleset.title for cr in plan.rulesets}
    pages = write_site(
        report, args.html, events=intake.events, titles=titles, timelines=not args.no_timelines
    )
    stdout.write(f"wrote {len(pages)} pages to {args.html} (open {pages[0]})\n")
    return EXIT_OK


REPORT = Command(
    "report",
    help="write a report as a static web site (no server needed)",
    description="Evaluate rulesets over events and write the report as a static site: "
    "an overview per agreement and one page per party, readable from a shared drive.",
    add_arguments=_report_arguments,
    run=_report,
)
