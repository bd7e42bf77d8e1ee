"""Layer 8, the top: the `sli-rules` command line. Nothing in the library imports it."""

from sli_rules.cli.main import build_parser, main, run

__all__ = ["build_parser", "main", "run"]
