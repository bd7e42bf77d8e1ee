"""The real West Midlands record (examples/real-west-midlands-2011-2018.*): what reading it needs.

Its dates are as precise as its sources: a month, a year, a span. Reading them needs
the imprecise event dates of issue 12, which are not on main yet. Until they are, the
tests that read the example or run its notebook are skipped with this reason; they run
by themselves once the library reads a month date.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

import sli_rules

NAME = "real-west-midlands-2011-2018"
# follow_up_visit.held is declared by the corporate peer challenge ruleset
RULESETS = ("west-midlands-compact-2013", "lga-corporate-peer-challenge")
NEEDS = "the real record needs imprecise event dates (issue 12), not on main yet"


@functools.cache
def imprecise_dates_supported() -> bool:
    probe = {"id": "p", "type": "chief_executive.changed", "date": "2014-03"}
    probe["council"] = "E08000026"
    try:
        sli_rules.read_events([probe])
    except sli_rules.EventError:
        return False
    return True


#: The tests that share the record's one evaluation (the `example_run` fixture of
#: tests/conftest.py) go to one pytest-xdist worker (`make test` runs `--dist loadgroup`),
#: so that a run of the suite evaluates the record once rather than once per worker.
GROUP = pytest.mark.xdist_group("real-record")
#: ... and run outside coverage (tests/conftest.py): the record's refinement is some 800
#: engine runs, which the tracer makes about three times slower. The shared evaluation
#: itself is measured, in the group's first test (test_examples_command, `measured`);
#: the others evaluate it again by another path (the CLI, the file, a notebook) over the
#: same engine code, or only read it.
UNMEASURED = pytest.mark.unmeasured
SHARED = [GROUP, UNMEASURED]


def shared(test: Any) -> Any:
    """A test that reads the record's shared evaluation: in its group, unmeasured."""
    return GROUP(UNMEASURED(test))


def params(
    rows: Iterable[Sequence[Any]], ids: Sequence[str] | None = None, *, measured: bool = False
) -> list[Any]:
    """`rows` (the events first: a file name, a path or an `Example`) as pytest params,
    the real record's row marked `SHARED` (its group, and unmeasured unless `measured`)."""
    out = []
    for i, row in enumerate(rows):
        first = getattr(row[0], "name", row[0])  # a path's or an example's name
        marks = ([GROUP] if measured else SHARED) if str(first).startswith(NAME) else []
        out.append(pytest.param(*row, marks=marks, id=ids[i] if ids is not None else None))
    return out
