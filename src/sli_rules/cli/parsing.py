"""Parsing the command line: argparse writing to the streams given to `run`, usage errors
as exit status 2, and the argument types the commands share."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, TextIO

import attrs

from sli_rules.cli.exits import EXIT_INPUT
from sli_rules.load.overrides import parse_settings
from sli_rules.model.dates import DATE_FORMS, DateError, DateRangeError, parse_date

__all__ = ["Context", "ExitError", "Parser", "add_set_option", "date_type", "settings"]


def add_set_option(p: argparse.ArgumentParser, whose: str = "") -> None:
    """`--set PARAM=VALUE`, repeatable: a ruleset parameter overridden for this run."""
    p.add_argument(
        "--set",
        action="append",
        dest="set",
        default=[],
        metavar="PARAM=VALUE",
        help=f"override a parameter of {whose or 'a ruleset'} for this run, checked as its "
        "value in the YAML would be (e.g. learning-share-window=P3M); RULESET:PARAM=VALUE "
        "when several loaded rulesets have it; repeat for several. Findings list it among "
        "their interpretations as PARAM=VALUE",
    )


def settings(args: argparse.Namespace) -> dict[str, str]:
    """The --set values as {PARAM or RULESET:PARAM: VALUE}."""
    return parse_settings(getattr(args, "set", None) or [])


class ExitError(Exception):
    """argparse is done (help printed, or a usage error reported): exit with `code`."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse writing to the streams given to `run`, with usage errors as exit status 2."""

    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            (self.err if file in (sys.stderr, self.err) else self.out).write(message)

    def error(self, message: str) -> NoReturn:
        self.print_usage(self.err)
        self.err.write(f"{self.prog}: error: {message}\n")
        raise ExitError(EXIT_INPUT)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self.err.write(message)
        raise ExitError(status)


@attrs.frozen
class Context:
    """What a command runs with besides its arguments: the streams, and the whole parser
    (which `completion` reads)."""

    stdout: TextIO
    stderr: TextIO
    parser: argparse.ArgumentParser


def date_type(text: str) -> str:
    """A `YYYY-MM-DD` argument, checked as the library checks dates (range included)."""
    try:
        parse_date(text)
    except DateRangeError as exc:  # a date, but outside the range: say so
        raise argparse.ArgumentTypeError(str(exc)) from None
    except DateError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: expected {DATE_FORMS}") from None
    return text
