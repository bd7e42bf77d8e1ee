"""The real West Midlands record (examples/real-west-midlands-2011-2018.*): what reading it needs.

Its dates are as precise as its sources: a month, a year, a span. Reading them needs
the imprecise event dates of issue 12, which are not on main yet. Until they are, the
tests that read the example or run its notebook are skipped with this reason; they run
by themselves once the library reads a month date.
"""

from __future__ import annotations

import functools

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
