"""The command table: every `sli-rules` command, in the order `--help` lists them.

A command is a `Command` (cli/command.py): name, help, a function adding its arguments
and a function running it. Adding one means one entry here; the parser, `--help` and the
shell completion all follow from this table.
"""

from __future__ import annotations

from sli_rules.cli.authoring import EXPLAIN, INIT, TEST
from sli_rules.cli.command import Command
from sli_rules.cli.completion import COMPLETION
from sli_rules.cli.evaluate import EVALUATE
from sli_rules.cli.fmt import FMT
from sli_rules.cli.pipeline import CALENDAR, REPORT, RUN
from sli_rules.cli.rulesets import CHECK, DIFF, DOCS, EXAMPLES, LIST, SCHEMA, SHOW

__all__ = ["COMMANDS"]

COMMANDS: tuple[Command, ...] = (
    LIST,
    CHECK,
    EVALUATE,
    TEST,
    EXPLAIN,
    DIFF,
    DOCS,
    SCHEMA,
    RUN,
    CALENDAR,
    REPORT,
    SHOW,
    EXAMPLES,
    INIT,
    FMT,
    COMPLETION,
)
