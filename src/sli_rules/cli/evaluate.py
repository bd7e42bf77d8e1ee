"""`sli-rules evaluate`: rulesets against an event file as of a date."""

from __future__ import annotations

import argparse
import datetime as _dt
import sys

from sli_rules.api.evaluate import ENGINES, compile_rulesets, evaluate, in_one_pass
from sli_rules.cli import evaluate_outputs
from sli_rules.cli.command import Command
from sli_rules.cli.exits import EXIT_BREACH, EXIT_INPUT, EXIT_OK
from sli_rules.cli.parsing import Context, add_set_option, date_type, settings
from sli_rules.cli.rulesets import count
from sli_rules.engine.progress import Progress
from sli_rules.io.streamed import read_events_streamed
from sli_rules.model.errors import did_you_mean
from sli_rules.model.vocabulary import Status
from sli_rules.outputs.files import STDOUT
from sli_rules.outputs.report import FORMATS, Report

__all__ = ["EVALUATE", "STDIN"]

STDIN = "-"  # as --events: read JSON Lines from standard input


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ruleset",
        "-r",
        action="append",
        required=True,
        metavar="ID_OR_PATH",
        help="a bundled ruleset id or a YAML file; repeat for several",
    )
    p.add_argument(
        "--events",
        "-e",
        required=True,
        metavar="FILE",
        help="events as JSON Lines (.jsonl), CSV (.csv) or Parquet (.parquet), gzipped "
        "(.jsonl.gz, .csv.gz) or not; - reads JSON Lines from standard input",
    )
    p.add_argument(
        "--as-of",
        required=True,
        type=date_type,
        metavar="YYYY-MM-DD",
        help="the date to evaluate as of",
    )
    p.add_argument(
        "--format",
        "-f",
        choices=sorted([*FORMATS, "parquet"]),
        default="table",
        help="output format (default: table; parquet needs --output FILE)",
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="evaluate the good events and list the rejected ones, instead of stopping "
        "at the first bad file",
    )
    p.add_argument(
        "--max-rejected",
        type=int,
        metavar="N",
        help="with --lenient: exit with status 2 when more than N records are rejected",
    )
    p.add_argument(
        "--complete",
        action="store_true",
        help="declare the event file complete: a duty due with no fulfilling event is then "
        "breached; without it (and without record.coverage events covering the duty) it is "
        "unrecorded",
    )
    p.add_argument(
        "--fail-on-breach",
        action="store_true",
        help="exit with status 3 when any breach is found (a certain one: not undetermined)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="reference",
        help="the matching engine (default: reference)",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the report here instead of the screen (- is the screen); the folder must exist",
    )
    which = p.add_argument_group(
        "which findings to show (each may be repeated: any of the values; several options: all "
        "of them)"
    )
    for option, field, what in (
        ("--party", "party", "a council's GSS code or a body id"),
        ("--status", "status", "a status, e.g. breached"),
        ("--kind", "kind", "obligation, breach, escalation or notice"),
        ("--rule", "rule", "a rule id (or escalation ladder id)"),
    ):
        which.add_argument(
            option, action="append", dest=f"only_{field}", metavar=field.upper(), help=what
        )
    add_set_option(p)
    evaluate_outputs.add_evaluate_options(p)


def _chosen(args: argparse.Namespace) -> dict[str, list[str]]:
    """The --party/--status/--kind/--rule filters given, as `Report.filter` arguments."""
    fields = ("party", "status", "kind", "rule")
    return {f: getattr(args, f"only_{f}") for f in fields if getattr(args, f"only_{f}")}


def _run(args: argparse.Namespace, ctx: Context) -> int:
    stdout, stderr = ctx.stdout, ctx.stderr
    problem = evaluate_outputs.check_evaluate_options(args)
    chosen = _chosen(args)
    try:  # a misspelt status or kind is refused before any work
        Report(as_of=_dt.date.min, findings=()).filter(**chosen)
    except (TypeError, ValueError) as exc:
        problem = problem or str(exc).removeprefix("filter(): ")
    if problem:
        stderr.write(f"sli-rules evaluate: error: {problem}\n")
        return EXIT_INPUT
    plan = compile_rulesets(args.ruleset, parameters=settings(args))

    with Progress(stderr) as progress:  # a status line on a terminal only
        events = sys.stdin if args.events == STDIN else args.events
        intake = read_events_streamed(  # a JSON Lines file is indexed, not held
            events,
            lenient=args.lenient,
            progress=progress.reader,
            sink=in_one_pass(plan, args.as_of, engine=args.engine, complete=args.complete),
            name=("<stdin>" if args.events == STDIN else None),
            catalogue=plan.catalogue,
        )
        refused = intake.refusal(args.max_rejected)
        if refused:  # nothing is evaluated or written: a report of nothing would mislead
            for r in intake.rejected:
                stderr.write(f"rejected {r}\n")
            stderr.write(f"sli-rules evaluate: error: {args.events}: {refused}\n")
            return EXIT_INPUT
        report = evaluate(
            plan,
            intake,
            as_of=args.as_of,
            engine=args.engine,
            progress=progress.callback,
            complete=args.complete,
        )
    everything, report = report, report.filter(**chosen)
    for field in ("party", "rule"):  # a misspelt code or id would silently show nothing
        present = {getattr(f, field) for f in everything}
        for value in chosen.get(field, ()):
            if value not in present:
                stderr.write(
                    f"sli-rules evaluate: note: no finding at all has {field} {value!r}"
                    f"{did_you_mean(value, present)}\n"
                )
    try:
        if args.format == "parquet":
            report.to_parquet(args.output)
        else:
            text = report.render(args.format)
            if args.output and args.output != STDOUT:
                with open(args.output, "w", encoding="utf-8") as fh:
                    fh.write(text)
            else:
                stdout.write(text)
    except OSError as exc:  # checked before evaluating; this is what is left (a full disk)
        stderr.write(f"sli-rules evaluate: cannot write {args.output}: {exc.strerror or exc}\n")
        return EXIT_INPUT
    # the tables get every finding: --to-sql replaces an agreement's rows for the date
    written = evaluate_outputs.write_evaluate_outputs(args, everything, stderr, shown=report)
    for r in report.rejected:
        stderr.write(f"rejected {r}\n")
    if report.rejected:
        # accepted + duplicates + rejected = read: a collapsed copy is not an accepted event
        dups = f", {intake.duplicates} identical copies collapsed" if intake.duplicates else ""
        stderr.write(
            f"{intake.read} records read: {len(intake.events)} accepted{dups}, "
            f"{len(intake.rejected)} rejected\n"
        )
    if not written:  # a table, file or plot asked for could not be written
        return EXIT_INPUT
    if args.fail_on_breach and any(f.status != Status.UNDETERMINED.value for f in report.breaches):
        stderr.write(f"{count(len(report.breaches), 'breach', 'breaches')} found\n")
        return EXIT_BREACH
    return EXIT_OK


EVALUATE = Command(
    "evaluate",
    help="evaluate rulesets against an event file as of a date",
    description="Evaluate one or more rulesets against an event file as of a date and print "
    "the findings: obligations (with their status), breaches, escalation steps and notices. "
    "Only events dated on or before --as-of count.",
    raw_description=True,
    add_arguments=_arguments,
    run=_run,
)
