"""Errors as data: every problem knows where it is and what was expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "EventError",
    "InputError",
    "Location",
    "Problem",
    "RulesetError",
    "SliRulesError",
    "did_you_mean",
    "format_path",
]


@attrs.frozen
class Location:
    """Where a problem is: a file (or `<dataframe>`, `<stdin>`), a line and a column
    (0 when unknown); `str()` gives `file:line:col`."""

    file: str
    line: int
    column: int = 0

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        )


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@attrs.frozen
class Problem:
    """One thing wrong with an input: where, what, and the path of the offending value."""

    location: Location
    message: str
    path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        where = f" @ {format_path(self.path)}" if self.path else ""
        return f"{self.location}: {self.message}{where}"


class SliRulesError(Exception):
    """The base of every error sli-rules raises on purpose, so a caller can catch them
    all at once (`except sli_rules.SliRulesError`). Each is also an instance of the
    built-in error it refines (ValueError, ImportError, ...)."""


class InputError(SliRulesError):
    """Bad input: carries every problem found, each with its location."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulesetError(InputError):
    """A ruleset that cannot be loaded; `problems` lists every mistake found."""


class EventError(InputError):
    """An event input that cannot be accepted (strict mode)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
