"""The commands for ruleset authors: test, explain and init."""

from __future__ import annotations

import argparse
from pathlib import Path

from sli_rules.api.evaluate import compile_rulesets
from sli_rules.cli.command import Command
from sli_rules.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from sli_rules.cli.parsing import Context, add_set_option, date_type, settings
from sli_rules.io.intake import read_events
from sli_rules.model.dates import parse_date
from sli_rules.model.errors import InputError, did_you_mean
from sli_rules.model.values import Finding
from sli_rules.model.vocabulary import KINDS, STATUSES
from sli_rules.outputs.files import output_problem
from sli_rules.tools.explain import evaluate_explained
from sli_rules.tools.init import InitError, scaffold
from sli_rules.tools.junit import junit_xml
from sli_rules.tools.scenarios import (
    ScenarioResult,
    coverage,
    find_scenario_files,
    load_scenario_file,
    run_file,
)

__all__ = ["EXPLAIN", "INIT", "TEST"]


# ---------------------------------------------------------------------- test


def _test_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="a scenario file or a directory")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="also list the rules and statuses that no scenario exercises",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="list passing scenarios too")
    p.add_argument(
        "-k",
        dest="keyword",
        metavar="PATTERN",
        help="run only the scenarios whose name or file path contains PATTERN (any case)",
    )
    p.add_argument(
        "--allow-outside-events",
        action="store_true",
        help="let a scenario's events_file name a file outside the scenario file's folder "
        "(an absolute path, a path up through '..', a link out); refused by default",
    )
    p.add_argument(
        "--junit-xml",
        metavar="FILE",
        help="also write the results as JUnit XML, for CI test reports",
    )


def _test(args: argparse.Namespace, ctx: Context) -> int:
    stdout, stderr = ctx.stdout, ctx.stderr
    problem = output_problem(args.junit_xml, "--junit-xml") if args.junit_xml else None
    if problem:
        stderr.write(f"sli-rules test: {problem}\n")
        return EXIT_INPUT
    files = find_scenario_files(args.paths)
    if not files:
        stderr.write("no scenario files (*.scenario.yaml) found\n")
        return EXIT_INPUT
    results: list[ScenarioResult] = []
    rulesets = {}
    unreadable: dict[str, list[str]] = {}
    failed = deselected = 0
    for path in files:
        try:
            outside = args.allow_outside_events
            file_results = run_file(path, keyword=args.keyword, allow_outside_events=outside)
            scenario_file = load_scenario_file(path, allow_outside_events=outside)
            for rs in scenario_file.rulesets:
                rulesets[rs.id] = rs
        except InputError as exc:
            unreadable[str(path)] = [str(p) for p in exc.problems]
            for p in exc.problems:
                stderr.write(f"{p}\n")
            continue
        deselected += len(scenario_file.scenarios) - len(file_results)
        for r in file_results:
            results.append(r)
            if not r.passed:
                failed += 1
                stdout.write(r.report() + "\n")
            elif args.verbose:
                stdout.write(r.report() + "\n")
    broken = len(unreadable)
    if args.keyword is not None and not results and not broken:
        stderr.write(
            f"sli-rules test: -k {args.keyword}: no scenario's name or file matches "
            f"({deselected} scenarios in {len(files)} files)\n"
        )
        return EXIT_INPUT
    passed = len(results) - failed
    stdout.write(
        f"{passed} passed, {failed} failed"
        + (f", {deselected} deselected" if args.keyword is not None else "")
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
    if args.junit_xml:
        try:
            Path(args.junit_xml).write_bytes(junit_xml(results, unreadable))
        except OSError as exc:
            stderr.write(f"sli-rules test: cannot write {args.junit_xml}: {exc.strerror or exc}\n")
            return EXIT_INPUT
    if broken:
        return EXIT_INPUT
    return EXIT_FAILED if failed else EXIT_OK


TEST = Command(
    "test",
    help="run scenario files (expected findings for given events)",
    description="Run scenario files: each names rulesets, events, as-of dates and the findings "
    "expected (or expected absent). Failures print file, scenario, what was expected and what "
    "was found. Exit status 1 if any scenario fails. Directories are searched for "
    "*.scenario.yaml files.",
    add_arguments=_test_arguments,
    run=_test,
)


# ---------------------------------------------------------------------- explain

KNOWN_STATUSES = tuple(s.value for s in STATUSES)


def _explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ruleset",
        "-r",
        action="append",
        required=True,
        metavar="ID_OR_PATH",
        help="a bundled ruleset id or a YAML file; repeat for several",
    )
    p.add_argument("--events", "-e", required=True, metavar="FILE", help="events (.jsonl or .csv)")
    p.add_argument("--as-of", required=True, type=date_type, metavar="YYYY-MM-DD", help="the date")
    p.add_argument(
        "--party",
        "-p",
        metavar="ID",
        help="only findings owed by this party, or escalation steps about it",
    )
    p.add_argument("--rule", metavar="ID", help="only findings of this rule or ladder")
    p.add_argument("--status", "-s", metavar="STATUS", help="only findings with this status")
    p.add_argument("--kind", "-k", choices=KINDS, help="only findings of this kind")
    p.add_argument("--trigger", metavar="EVENT_ID", help="only findings triggered by this event")
    p.add_argument(
        "--complete",
        action="store_true",
        help="declare the event file complete (a duty due with no fulfilling event is "
        "breached, not unrecorded), as in evaluate",
    )
    add_set_option(p)


def _keep(f: Finding, args: argparse.Namespace) -> bool:
    if args.party is not None and args.party not in (f.party, f.about):
        return False
    if args.rule is not None and f.rule != args.rule:
        return False
    if args.status is not None and f.status != args.status:
        return False
    if args.kind is not None and f.kind != args.kind:
        return False
    return args.trigger is None or args.trigger in f.triggered_by


def _explain(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules explain`: 0 when done (even if nothing matched), 2 on bad input."""
    stdout, stderr = ctx.stdout, ctx.stderr
    plan = compile_rulesets(args.ruleset, parameters=settings(args))
    rulesets = [cr.ruleset for cr in plan.rulesets]
    intake = read_events(args.events, catalogue=plan.catalogue)
    report, explained = evaluate_explained(
        plan, intake, parse_date(args.as_of), complete=args.complete
    )
    ids = {r.id for rs in rulesets for r in rs.rules} | {
        x.id for rs in rulesets for x in rs.escalations
    }
    if args.rule is not None and args.rule not in ids:
        stderr.write(
            f"sli-rules explain: --rule {args.rule}: no such rule or ladder in "
            f"{', '.join(rs.id for rs in rulesets)}{did_you_mean(args.rule, ids)}\n"
        )
        return EXIT_INPUT
    statuses = set(KNOWN_STATUSES) | {f.status for f in report.findings}
    if args.status is not None and args.status not in statuses:
        stderr.write(
            f"sli-rules explain: --status {args.status}: not a status"
            f"{did_you_mean(args.status, statuses)}; statuses: {', '.join(sorted(statuses))}\n"
        )
        return EXIT_INPUT
    chosen = [f for f in report.findings if _keep(f, args)]
    if not chosen:
        given = " ".join(
            f"--{k.replace('_', '-')} {v}"
            for k, v in (
                ("party", args.party),
                ("rule", args.rule),
                ("status", args.status),
                ("kind", args.kind),
                ("trigger", args.trigger),
            )
            if v is not None
        )
        stderr.write(
            f"no finding matches {given or 'these arguments'} as of {report.as_of} "
            f"({len(report.findings)} findings in all)\n"
        )
        return EXIT_OK
    texts = explained(chosen)
    stdout.write("\n\n".join(texts) + "\n")
    stdout.write(f"\n{len(chosen)} of {len(report.findings)} findings explained.\n")
    return EXIT_OK


EXPLAIN = Command(
    "explain",
    help="explain findings step by step: clause, rule, dates, events, escalation",
    description="Evaluate rulesets against an event file as of a date, then explain each "
    "finding that passes the filters: the agreement, clause and quote; what the rule "
    "requires; the date arithmetic; the triggering event; the fulfilling event or what was "
    "looked for and not found; the interpretations used; and the next escalation step.",
    add_arguments=_explain_arguments,
    run=_explain,
)


# ---------------------------------------------------------------------- init


def _init_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "folder",
        metavar="FOLDER",
        help="where to set up (created if missing; the folder it goes in must exist)",
    )
    p.add_argument(
        "--id",
        default="my-agreement",
        help="the new ruleset's id, also its file name (default: my-agreement)",
    )
    p.add_argument("--title", help="the new ruleset's title")


def _init(args: argparse.Namespace, ctx: Context) -> int:
    """`sli-rules init`: 0 when the workspace is written, 2 when it cannot be."""
    try:
        written = scaffold(args.folder, args.id, title=args.title)
    except InitError as exc:
        ctx.stderr.write(f"sli-rules init: {exc}\n")
        return EXIT_INPUT
    except OSError as exc:
        ctx.stderr.write(f"sli-rules init: cannot write in {args.folder}: {exc}\n")
        return EXIT_INPUT
    for path in written:
        ctx.stdout.write(f"wrote {path}\n")
    ctx.stdout.write(
        f"next: sli-rules test {args.folder}   (then edit {written[0]} and its scenarios)\n"
    )
    return EXIT_OK


INIT = Command(
    "init",
    help="set up a folder to write a new ruleset in: a ruleset, its scenarios, events, "
    "and editor settings",
    description="Write a small ruleset (one deadline rule), a scenario file that tests it, an "
    "example event file, the JSON Schemas and editor settings (.vscode/settings.json) that "
    "associate them, into FOLDER. `sli-rules test FOLDER` passes straight away. Nothing is "
    "overwritten: if any of the files exists, nothing is written and the exit status is 2.",
    add_arguments=_init_arguments,
    run=_init,
)
