"""The commands about rulesets themselves: list, check, show, docs, schema and diff."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from sli_rules.cli.command import Command
from sli_rules.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.cli.parsing import Context, add_set_option, date_type, settings
from sli_rules.load.loader import bundled_dir, bundled_ids, check_ruleset, load_ruleset
from sli_rules.model.errors import Problem, did_you_mean, format_path
from sli_rules.outputs.files import STDOUT, output_problem
from sli_rules.tools.diff import DIFF_FORMATS, diff_rulesets
from sli_rules.tools.docs import DOC_FORMATS, render_catalogue, render_ruleset
from sli_rules.tools.examples import example, examples, export_example
from sli_rules.tools.lint import strict_problems
from sli_rules.tools.schema import (
    SCHEMAS,
    SCHEMAS_WITH_DECLARED_TYPES,
    schema_json,
    schema_json_for,
)
from sli_rules.tools.show import bundled_text, export_bundled

__all__ = ["CHECK", "DIFF", "DOCS", "EXAMPLES", "LIST", "SCHEMA", "SHOW", "count"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n noun`, in the plural unless n is 1."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


# ---------------------------------------------------------------------- list


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no arguments


def _list(args: argparse.Namespace, ctx: Context) -> int:
    del args
    status = EXIT_OK
    for rid in bundled_ids():
        ruleset, problems = check_ruleset(rid)
        if ruleset is None:
            ctx.stdout.write(
                f"{rid}\t(does not load: {len(problems)} problems; run sli-rules check {rid})\n"
            )
            status = EXIT_FAILED
        else:
            ctx.stdout.write(f"{rid}\t{ruleset.title}\n")
    if not bundled_ids():
        ctx.stderr.write(f"no bundled rulesets found in {bundled_dir()}\n")
    return status


LIST = Command(
    "list",
    help="list the bundled rulesets with their titles",
    description="List the rulesets that come with sli-rules: id and title. "
    "`sli-rules show ID` prints one, or exports it to a file to copy; "
    "`sli-rules examples` lists the example event streams.",
    add_arguments=_list_arguments,
    run=_list,
)


# ---------------------------------------------------------------------- check


def _check_arguments(p: argparse.ArgumentParser) -> None:
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
    p.add_argument(
        "--strict",
        action="store_true",
        help="also report what loads but does nothing (a parameter no rule uses, an "
        "applies_to that matches none of the parties, a condition that never holds) as "
        "problems: exit status 1 if there is any",
    )


def _annotation(text: str, prop: bool = False) -> str:
    """Text made safe for a GitHub Actions workflow command (its own escapes); a property
    value (`prop`) also escapes the characters that separate properties."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _write_problem(p: Problem, fmt: str, ctx: Context) -> None:
    loc = p.location
    if fmt == "json":
        record = {
            "file": loc.file,
            "line": loc.line,
            "column": loc.column,
            "message": p.message,
            "path": format_path(p.path) if p.path else "",
        }
        ctx.stdout.write(json.dumps(record) + "\n")
    elif fmt == "github":
        where = f"file={_annotation(loc.file, prop=True)}"
        if loc.line:
            where += f",line={loc.line}" + (f",col={loc.column}" if loc.column else "")
        ctx.stdout.write(f"::error {where}::{_annotation(str(p.message))}\n")
    else:
        ctx.stderr.write(f"{p}\n")


def check_paths(paths: Sequence[str], ctx: Context, fmt: str = "text", strict: bool = False) -> int:
    """`sli-rules check`: EXIT_FAILED when a ruleset has problems (or, with `strict`,
    warnings), else EXIT_OK."""
    status = EXIT_OK
    for path in paths:
        ruleset, problems = check_ruleset(path)
        if ruleset is None:
            status = EXIT_FAILED
            for p in problems:
                _write_problem(p, fmt, ctx)
            ctx.stderr.write(
                f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}\n"
            )
            continue
        warnings = strict_problems(ruleset) if strict else []
        if warnings:
            status = EXIT_FAILED
            for p in warnings:
                _write_problem(p, fmt, ctx)
            ctx.stderr.write(f"{path}: {count(len(warnings), 'problem')} (--strict)\n")
            continue
        rules, ladders = len(ruleset.rules), len(ruleset.escalations)
        (ctx.stderr if fmt == "json" else ctx.stdout).write(  # JSON output holds problems only
            f"{path}: ok ({ruleset.id}, {count(rules, 'rule')}, "
            f"{count(ladders, 'escalation ladder')})\n"
        )
    return status


def _check(args: argparse.Namespace, ctx: Context) -> int:
    return check_paths(args.rulesets, ctx, args.format, strict=args.strict)


CHECK = Command(
    "check",
    help="validate rulesets and report every mistake with its line",
    description="Validate rulesets (bundled ids or YAML files). Every problem is printed as "
    "file:line:column: message @ path. Exit status 1 if any ruleset has problems.",
    add_arguments=_check_arguments,
    run=_check,
)


# ---------------------------------------------------------------------- show


def _show_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ruleset", metavar="ID", help="a bundled ruleset id")
    p.add_argument("--output", "-o", metavar="FILE", help="write it here (a new file)")


def _show(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules show`: 0 when printed or written, 2 on bad input."""
    ids = bundled_ids()
    if args.ruleset not in ids:
        ctx.stderr.write(
            f"sli-rules show: no bundled ruleset {args.ruleset!r}"
            f"{did_you_mean(args.ruleset, ids)}; bundled: {', '.join(ids) or 'none'}\n"
        )
        return EXIT_INPUT
    if not args.output or args.output == STDOUT:
        ctx.stdout.write(bundled_text(args.ruleset))
        return EXIT_OK
    problem = output_problem(args.output, "--output")
    if problem is None and Path(args.output).exists():
        problem = f"--output {args.output}: the file exists; choose a new name"
    if problem:
        ctx.stderr.write(f"sli-rules show: {problem}\n")
        return EXIT_INPUT
    try:
        export_bundled(args.ruleset, args.output)
    except OSError as exc:
        ctx.stderr.write(f"sli-rules show: cannot write {args.output}: {exc.strerror or exc}\n")
        return EXIT_INPUT
    ctx.stderr.write(
        f"wrote {args.output}; give it a new id before editing, then: "
        f"sli-rules check {args.output}\n"
    )
    return EXIT_OK


SHOW = Command(
    "show",
    help="print a bundled ruleset, or export it to a file to copy and edit",
    description="Print a bundled ruleset's YAML (ids: sli-rules list), or write it to a "
    "file with --output. An existing file is never overwritten. The example event "
    "streams: sli-rules examples.",
    add_arguments=_show_arguments,
    run=_show,
)


# ---------------------------------------------------------------------- examples


def _examples_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "name", nargs="?", metavar="NAME", help="an example's name (without NAME: list them)"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write it here (a new file)")


def _examples(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules examples`: 0 when listed, printed or written, 2 on bad input."""
    if args.name is None:
        if args.output:
            ctx.stderr.write("sli-rules examples: --output needs an example NAME\n")
            return EXIT_INPUT
        for ex in examples():
            with_ = ",".join(ex.rulesets) or "-"
            as_of = ex.as_of.isoformat() if ex.as_of else "-"
            ctx.stdout.write(f"{ex.name}\t{count(ex.events, 'event')}\t{with_}\t{as_of}\n")
        return EXIT_OK
    try:
        ex = example(args.name)
    except KeyError as exc:
        ctx.stderr.write(f"sli-rules examples: {exc.args[0]}\n")
        return EXIT_INPUT
    if not args.output or args.output == STDOUT:
        ctx.stdout.write(ex.path.read_text(encoding="utf-8"))
        return EXIT_OK
    problem = output_problem(args.output, "--output")
    if problem is None and Path(args.output).exists():
        problem = f"--output {args.output}: the file exists; choose a new name"
    if problem:
        ctx.stderr.write(f"sli-rules examples: {problem}\n")
        return EXIT_INPUT
    try:
        export_example(ex.name, args.output)
    except OSError as exc:
        ctx.stderr.write(f"sli-rules examples: cannot write {args.output}: {exc.strerror or exc}\n")
        return EXIT_INPUT
    rulesets = " ".join(f"-r {r}" for r in ex.rulesets)
    as_of = f" --as-of {ex.as_of}" if ex.as_of else ""
    ctx.stderr.write(
        f"wrote {args.output}; try: sli-rules evaluate {rulesets} -e {args.output}{as_of}\n"
    )
    return EXIT_OK


EXAMPLES = Command(
    "examples",
    help="list the example event streams, or print or export one",
    description="Without NAME, list the example event streams that come with sli-rules, "
    "one a line: name, number of events, the bundled rulesets and the date to evaluate it "
    "with (tab-separated). With NAME, print that stream (JSON Lines), or write it to a "
    "new file with --output (an existing file is never overwritten).",
    add_arguments=_examples_arguments,
    run=_examples,
)


# ---------------------------------------------------------------------- docs


def _docs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "ruleset",
        nargs="?",
        metavar="ID_OR_PATH",
        help="a bundled ruleset id or a YAML file",
    )
    p.add_argument(
        "--format",
        "-f",
        choices=DOC_FORMATS,
        default="markdown",
        help="markdown (default) or html (a self-contained page)",
    )
    p.add_argument(
        "--events-catalogue",
        action="store_true",
        help="render the event catalogue (every event type and its attributes)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the page here")


def _docs(args: argparse.Namespace, ctx: Context) -> int:
    if args.events_catalogue == (args.ruleset is not None):
        ctx.stderr.write(
            "sli-rules docs: give a ruleset (a bundled id or a YAML file) "
            "or --events-catalogue, not both\n"
            if args.events_catalogue
            else "sli-rules docs: give a ruleset (a bundled id or a YAML file) "
            "or --events-catalogue\n"
        )
        return EXIT_INPUT
    problem = output_problem(args.output, "--output") if args.output else None
    if problem:
        ctx.stderr.write(f"sli-rules docs: {problem}\n")
        return EXIT_INPUT
    if args.events_catalogue:
        text = render_catalogue(fmt=args.format)
    else:
        text = render_ruleset(load_ruleset(args.ruleset), args.format)
    if args.output and args.output != STDOUT:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            ctx.stderr.write(f"sli-rules docs: cannot write {args.output}: {exc.strerror or exc}\n")
            return EXIT_INPUT
    else:
        ctx.stdout.write(text)
    return EXIT_OK


DOCS = Command(
    "docs",
    help="render a ruleset (or the event catalogue) as a page for policy readers",
    description="Render a ruleset as a page for policy readers: its source and effective "
    "span, the parties, the parameters (with their basis and rationale) and, clause by "
    "clause, each rule's quote, what is checked, the deadline or period and whether it "
    "is text or interpretation, how it is monitored, and the escalation ladders. With "
    "--events-catalogue, render the catalogue of event types instead. The pages in docs/ "
    "are regenerated by `make docs`.",
    add_arguments=_docs_arguments,
    run=_docs,
)


# ---------------------------------------------------------------------- schema


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("which", choices=list(SCHEMAS), help="which schema to print")
    p.add_argument(
        "--ruleset",
        "-r",
        action="append",
        default=[],
        metavar="ID_OR_PATH",
        help="add the event types this ruleset declares (repeatable; for 'events', 'ruleset' "
        "and 'scenario')",
    )


def _schema(args: argparse.Namespace, ctx: Context) -> int:
    if not args.ruleset:
        ctx.stdout.write(schema_json(args.which))
        return EXIT_OK
    if args.which not in SCHEMAS_WITH_DECLARED_TYPES:
        ctx.stderr.write(
            f"sli-rules schema: --ruleset adds declared event types to the 'events', "
            f"'ruleset' and 'scenario' schemas, not to {args.which!r}\n"
        )
        return EXIT_INPUT
    ctx.stdout.write(schema_json_for(args.which, args.ruleset))
    return EXIT_OK


SCHEMA = Command(
    "schema",
    help="print a JSON Schema: of a ruleset, an event, or a report",
    description="Print a JSON Schema (draft 2020-12). 'ruleset': the YAML ruleset format, "
    "for editors (the bundled rulesets name it in their first line); 'events': one event "
    "(one line of a JSON Lines file), generated from the event catalogue; 'findings': "
    "the report printed by `evaluate --format json`; 'scenario': a scenario file "
    "(*.scenario.yaml). Each has a stable $id (urn:sli-rules:schemas:NAME.schema.json). "
    "The copies in docs/schemas/ are regenerated by `make docs`.",
    add_arguments=_schema_arguments,
    run=_schema,
)


# ---------------------------------------------------------------------- diff


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "old",
        metavar="OLD",
        help="the old version: a bundled id or a YAML file, or ID@VERSION for one dated "
        "version of a ruleset (in force at every date)",
    )
    p.add_argument(
        "new",
        metavar="NEW",
        help="the new version: a bundled id or a YAML file, or ID@VERSION",
    )
    p.add_argument("--events", "-e", metavar="FILE", help="events (.jsonl or .csv) for the impact")
    p.add_argument(
        "--as-of", type=date_type, metavar="YYYY-MM-DD", help="the date to evaluate both as of"
    )
    p.add_argument(
        "--format", "-f", choices=DIFF_FORMATS, default="table", help="output (default: table)"
    )
    p.add_argument(
        "--complete",
        action="store_true",
        help="declare the events the whole record (a duty due with no fulfilling event is "
        "breached, not unrecorded), as in evaluate",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    add_set_option(p, "NEW (e.g. diff ID ID --set ...: the impact of another reading)")


def _diff(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules diff`: 0 when the comparison was made, 2 on bad input."""
    if (args.events is None) != (args.as_of is None):
        ctx.stderr.write("sli-rules diff: --events and --as-of go together: give both or neither\n")
        return EXIT_INPUT
    result = diff_rulesets(
        args.old,
        args.new,
        events=args.events,
        as_of=args.as_of,
        complete=args.complete,
        parameters=settings(args),
    )
    text = result.render(args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        ctx.stdout.write(text)
    return EXIT_OK


DIFF = Command(
    "diff",
    help="what changed between two versions of a ruleset, and what difference it makes",
    description="Compare two versions of a ruleset: metadata, rules, parameters, parties, "
    "successions and escalation ladders. Two dated versions of one ruleset are compared "
    "with ID@VERSION, e.g. lga-corporate-peer-challenge@expectations-2019 "
    "lga-corporate-peer-challenge@strengthened-2024: each is taken as in force at every "
    "date. With --events and --as-of, evaluate both over "
    "the same events and list the findings that appear, disappear or change status or due "
    "date. Exit status 0 whether or not anything changed; 2 on bad input.",
    add_arguments=_diff_arguments,
    run=_diff,
)
