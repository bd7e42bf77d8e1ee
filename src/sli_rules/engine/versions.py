"""Dated versions of a ruleset: which version governed a finding.

A version is chosen by one date: the trigger's date for a duty an event started, else
the first day of the duty's period or span (or the day it opened). The engine asks
`Ruleset.in_force` before it starts a duty; this module names the version on the finding.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from sli_rules.model.values import Ruleset

__all__ = ["version_fields"]


def version_fields(ruleset: Ruleset, day: _dt.date | None, kw: Mapping[str, Any]) -> dict[str, Any]:
    """The `version` of a finding governed on `day`, and its interpretations extended by
    the parameters that date the version in (and the one after it) when those are readings."""
    if day is None:
        return {"version": None}
    version = ruleset.version_at(day)
    if version is None:
        return {"version": None}
    interps = list(kw.get("interpretations", ()))
    index = ruleset.versions.index(version)
    for v in ruleset.versions[index : index + 2]:
        name = v.start_parameter
        if name is None:
            continue
        param = ruleset.parameters.get(name)
        if param is None or (param.basis != "interpretation" and not param.overridden):
            continue
        if param.label not in interps:
            interps.append(param.label)
    return {"version": version.id, "interpretations": tuple(interps)}
