"""The `sli-rules` command. `run(argv, stdout, stderr)` returns the exit status:

0 success; 1 a check or scenario test failed; 2 bad input (a ruleset or event file that
cannot be read, named with file, line and field); 3 breaches found with --fail-on-breach
(cli/exits.py). The commands are the entries of the command table (cli/table.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from sli_rules._version import __version__
from sli_rules.api.evaluate import EngineUnavailableError
from sli_rules.cli.exits import EXIT_INPUT
from sli_rules.cli.parsing import Context, ExitError, Parser
from sli_rules.cli.table import COMMANDS
from sli_rules.load.overrides import ParameterSetError
from sli_rules.model.errors import InputError
from sli_rules.model.extras import MissingExtraError

__all__ = ["build_parser", "main", "run"]

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


def build_parser(stdout: TextIO, stderr: TextIO) -> argparse.ArgumentParser:
    """The parser of every command in the table, writing to `stdout` and `stderr`."""
    parser = Parser(
        prog="sli-rules",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.out, parser.err = stdout, stderr
    parser.add_argument("--version", action="version", version=f"sli-rules {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.description or None,
            formatter_class=(
                argparse.RawDescriptionHelpFormatter
                if command.raw_description
                else argparse.HelpFormatter
            ),
        )
        sub.out, sub.err = stdout, stderr
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def run(argv: Sequence[str], stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """Run the command line with `argv` (without the program name); return the exit status."""
    parser = build_parser(stdout, stderr)
    try:
        args = parser.parse_args(list(argv))
        if args.command is None:
            parser.print_help(stdout)
            return EXIT_INPUT
        code: int = args.run(args, Context(stdout, stderr, parser))
        return code
    except ExitError as exc:
        return exc.code
    except InputError as exc:
        for p in exc.problems:
            stderr.write(f"{p}\n")
        return EXIT_INPUT
    except (EngineUnavailableError, MissingExtraError, ParameterSetError) as exc:
        stderr.write(f"{exc}\n")
        return EXIT_INPUT
    except argparse.ArgumentError as exc:  # pragma: no cover - argparse reports these itself
        stderr.write(f"{exc}\n")
        return EXIT_INPUT


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
