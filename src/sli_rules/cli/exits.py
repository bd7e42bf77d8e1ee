"""The exit statuses of `sli-rules`, the same for every command (docs/cli.md)."""

from __future__ import annotations

__all__ = ["EXIT_BREACH", "EXIT_FAILED", "EXIT_INPUT", "EXIT_OK"]

EXIT_OK = 0
"""Done: a report was printed or a file written, whether or not it holds breaches."""

EXIT_FAILED = 1
"""A check or a scenario test failed (with `check --strict`, a warning too)."""

EXIT_INPUT = 2
"""Bad input: a ruleset, event file, state file or argument that cannot be used."""

EXIT_BREACH = 3
"""Breaches were found with `evaluate --fail-on-breach`, or new ones with
`run --fail-on-new-breach`."""
