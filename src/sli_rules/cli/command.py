"""What one `sli-rules` command is: the entry of the command table (cli/table.py)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import attrs

from sli_rules.cli.parsing import Context

__all__ = ["Command"]


@attrs.frozen
class Command:
    """A command: its name, the line of help `sli-rules --help` lists, the description its
    own `--help` prints, a function adding its arguments to its parser and a function
    running it (with the parsed arguments) that returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Context], int]
    description: str = ""
    raw_description: bool = False  # keep the description's own line breaks
