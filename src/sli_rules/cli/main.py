"""The `sli-rules` command. `run(argv, stdout, stderr)` returns the exit status:

0 success; 1 a check or scenario test failed; 2 bad input (a ruleset or event file that
cannot be read, named with file, line and field); 3 breaches found with --fail-on-breach.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from sli_rules._version import __version__
from sli_rules.api.evaluate import (
    ENGINES,
    EngineUnavailableError,
    compile_rulesets,
    evaluate,
    in_one_pass,
)
from sli_rules.cli import commands as _commands
from sli_rules.cli import evaluate_outputs
from sli_rules.engine.progress import Progress
from sli_rules.io.streamed import read_events_streamed
from sli_rules.load.loader import bundled_dir, bundled_ids, check_ruleset
from sli_rules.model.dates import DATE_FORMS, DateError, DateRangeError, parse_date
from sli_rules.model.errors import InputError, did_you_mean, format_path
from sli_rules.model.extras import MissingExtraError
from sli_rules.outputs.files import STDOUT
from sli_rules.outputs.report import FORMATS, Report
from sli_rules.tools import calendar as _calendar
from sli_rules.tools import diff as _diff
from sli_rules.tools import docs as _docs
from sli_rules.tools import explain as _explain
from sli_rules.tools import incremental as _incremental
from sli_rules.tools import schema as _schema
from sli_rules.tools import show as _show
from sli_rules.tools import site as _site

__all__ = ["main", "run"]

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_BREACH = 0, 1, 2, 3
STDIN = "-"  # as --events: read JSON Lines from standard input

DESCRIPTION = """\
Check UK sector-led-improvement agreements against what councils actually did.

A ruleset (a YAML file, one per agreement) says who owes what, by when, under which
clause. An event file (JSON Lines or CSV) says what happened: peer challenges held,
feedback published, meetings attended. `evaluate` puts the two together as of a date
and reports obligations, breaches and escalation steps, each with its explanation.
"""

EPILOG = """\
examples:
  sli-rules list
  sli-rules check west-midlands-compact-2013 my-draft.yaml
  sli-rules evaluate --ruleset west-midlands-compact-2013 \\
      --events examples/west-midlands-compact-2013.jsonl --as-of 2015-12-31

exit status: 0 ok; 1 a check or test failed; 2 bad input; 3 breaches (with --fail-on-breach)
"""


class _Parser(argparse.ArgumentParser):
    """argparse writing to the streams given to `run`, with usage errors as exit status 2."""

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            (self.err if file in (sys.stderr, self.err) else self.out).write(message)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(self.err)
        self.err.write(f"{self.prog}: error: {message}\n")
        raise _ExitError(EXIT_INPUT)

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        if message:
            self.err.write(message)
        raise _ExitError(status)


class _ExitError(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _date(text: str) -> str:
    try:
        parse_date(text)
    except DateRangeError as exc:  # a date, but outside the range: say so
        raise argparse.ArgumentTypeError(str(exc)) from None
    except DateError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected {DATE_FORMS}") from None
    return text


def build_parser(stdout: TextIO, stderr: TextIO) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sli-rules",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sli-rules {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    class _Sub:
        """Creates subcommand parsers that write to the same streams."""

        def add_parser(self, name: str, **kw: Any) -> _Parser:
            p = commands.add_parser(name, **kw)
            p.out, p.err = stdout, stderr
            return p

    parser.out, parser.err = stdout, stderr
    sub = _Sub()

    sub.add_parser(
        "list",
        help="list the bundled rulesets with their titles",
        description="List the rulesets that come with sli-rules: id and title. "
        "`sli-rules show ID` prints one, or exports it to a file to copy.",
    )

    p = sub.add_parser(
        "check",
        help="validate rulesets and report every mistake with its line",
        description="Validate rulesets (bundled ids or YAML files). Every problem is printed as "
        "file:line:column: message @ path. Exit status 1 if any ruleset has problems.",
    )
    p.add_argument(
        "rulesets", nargs="+", metavar="ID_OR_PATH", help="a bundled ruleset id or a YAML file"
    )
    p.add_argument(
        "--format",
        "-f",
        choices=("text", "json", "github"),
        default="text",
        help="text (default); json: one object per problem, on standard output; github: "
        "GitHub Actions annotations (::error file=...,line=...,col=...::message)",
    )

    p = sub.add_parser(
        "evaluate",
        help="evaluate rulesets against an event file as of a date",
        description="Evaluate one or more rulesets against an event file as of a date and print "
        "the findings: obligations (with their status), breaches, escalation steps and notices. "
        "Only events dated on or before --as-of count.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        type=_date,
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
        "--fail-on-breach", action="store_true", help="exit with status 3 when any breach is found"
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
    evaluate_outputs.add_evaluate_options(p)

    p = sub.add_parser(
        "test",
        help="run scenario files (expected findings for given events)",
        description="Run scenario files: each names rulesets, events, as-of dates and the findings "
        "expected (or expected absent). Failures print file, scenario, what was expected and what "
        "was found. Exit status 1 if any scenario fails. Directories are searched for "
        "*.scenario.yaml files.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="a scenario file or a directory")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="also list the rules and statuses that no scenario exercises",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="list passing scenarios too")

    _explain.add_parser(sub, _date)
    _diff.add_parser(sub, _date)

    _docs.add_parser(sub)
    _schema.add_parser(sub)

    _incremental.add_parser(sub, _date)
    _calendar.add_parser(sub, _date)
    _site.add_parser(sub, _date)
    _show.add_parser(sub)
    return parser


def _list(stdout: TextIO, stderr: TextIO) -> int:
    status = EXIT_OK
    for rid in bundled_ids():
        ruleset, problems = check_ruleset(rid)
        if ruleset is None:
            stdout.write(
                f"{rid}\t(does not load: {len(problems)} problems; run sli-rules check {rid})\n"
            )
            status = EXIT_FAILED
        else:
            stdout.write(f"{rid}\t{ruleset.title}\n")
    if not bundled_ids():
        stderr.write(f"no bundled rulesets found in {bundled_dir()}\n")
    return status


def _annotation(text: str, prop: bool = False) -> str:
    """Text made safe for a GitHub Actions workflow command (its own escapes); a property
    value (`prop`) also escapes the characters that separate properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _check(paths: Sequence[str], stdout: TextIO, stderr: TextIO, fmt: str = "text") -> int:
    status = EXIT_OK
    for path in paths:
        ruleset, problems = check_ruleset(path)
        if ruleset is None:
            status = EXIT_FAILED
            for p in problems:
                loc = p.location
                if fmt == "json":
                    record = {
                        "file": loc.file,
                        "line": loc.line,
                        "column": loc.column,
                        "message": p.message,
                        "path": format_path(p.path) if p.path else "",
                    }
                    stdout.write(json.dumps(record) + "\n")
                elif fmt == "github":
                    where = f"file={_annotation(loc.file, prop=True)}"
                    if loc.line:
                        where += f",line={loc.line}" + (f",col={loc.column}" if loc.column else "")
                    stdout.write(f"::error {where}::{_annotation(str(p.message))}\n")
                else:
                    stderr.write(f"{p}\n")
            stderr.write(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}\n")
        else:
            rules, ladders = len(ruleset.rules), len(ruleset.escalations)
            (stderr if fmt == "json" else stdout).write(  # JSON output holds problems only
                f"{path}: ok ({ruleset.id}, {_count(rules, 'rule')}, "
                f"{_count(ladders, 'escalation ladder')})\n"
            )
    return status


def _chosen(args: argparse.Namespace) -> dict[str, list[str]]:
    """The --party/--status/--kind/--rule filters given, as `Report.filter` arguments."""
    fields = ("party", "status", "kind", "rule")
    return {f: getattr(args, f"only_{f}") for f in fields if getattr(args, f"only_{f}")}


def _evaluate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    problem = evaluate_outputs.check_evaluate_options(args)
    chosen = _chosen(args)
    try:  # a misspelt status or kind is refused before any work
        Report(as_of=_dt.date.min, findings=()).filter(**chosen)
    except (TypeError, ValueError) as exc:
        problem = problem or str(exc).removeprefix("filter(): ")
    if problem:
        stderr.write(f"sli-rules evaluate: error: {problem}\n")
        return EXIT_INPUT
    plan = compile_rulesets(args.ruleset)

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
    if args.fail_on_breach and report.breaches:
        stderr.write(f"{_count(len(report.breaches), 'breach', 'breaches')} found\n")
        return EXIT_BREACH
    return EXIT_OK


def run(argv: Sequence[str], stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """Run the command line with `argv` (without the program name); return the exit status."""
    parser = build_parser(stdout, stderr)
    try:
        args = parser.parse_args(list(argv))
        if args.command is None:
            parser.print_help(stdout)
            return EXIT_INPUT
        if args.command == "list":
            return _list(stdout, stderr)
        if args.command == "check":
            return _check(args.rulesets, stdout, stderr, args.format)
        if args.command == "evaluate":
            return _evaluate(args, stdout, stderr)

        return _commands.dispatch(args, stdout, stderr)
    except _ExitError as exc:
        return exc.code
    except InputError as exc:
        for p in exc.problems:
            stderr.write(f"{p}\n")
        return EXIT_INPUT
    except EngineUnavailableError as exc:
        stderr.write(f"{exc}\n")
        return EXIT_INPUT
    except MissingExtraError as exc:
        stderr.write(f"{exc}\n")
        return EXIT_INPUT
    except argparse.ArgumentError as exc:  # pragma: no cover - argparse reports these itself
        stderr.write(f"{exc}\n")
        return EXIT_INPUT


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def main() -> None:
    """Console entry point."""
    try:
        code = run(sys.argv[1:], sys.stdout, sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, as other command-line tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = 0
    sys.exit(code)
