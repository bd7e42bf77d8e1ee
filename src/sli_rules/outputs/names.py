"""Names of parties for people: a council's or body's name beside its code.

The codes stay the identity (GSS codes and body ids are what other systems join on); the
names come from the registry (`rulesets/registry/councils.yaml` and `bodies.yaml`) and
are shown beside them in the formats people read. A code the registry does not know is
shown on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from sli_rules.load.loader import load_bodies, load_registry
from sli_rules.model.values import Finding

__all__ = ["labelled", "names_of", "party_name", "registry_names"]


@functools.cache
def registry_names() -> Mapping[str, str]:
    """Every council's and body's name in the registry, by code."""
    out = {code: str(e["name"]) for code, e in load_registry().items() if e.get("name")}
    out.update({bid: str(b["name"]) for bid, b in load_bodies().items() if b.get("name")})
    return out


def party_name(code: str | None) -> str:
    """The registry's name for a party code, or '' when it has none."""
    return registry_names().get(code, "") if code else ""


def labelled(code: str | None, style: str = "code name", width: int | None = None) -> str:
    """A code with its name: 'E08000026 Coventry' (style 'code name') or
    'Coventry (E08000026)' (style 'name (code)'); the bare code when it has no name.
    A name longer than `width` characters is cut short with an ellipsis."""
    if not code:
        return ""
    name = party_name(code)
    if not name:
        return code
    if width is not None and len(name) > width:
        name = name[: width - 1].rstrip() + "…"
    return f"{name} ({code})" if style == "name (code)" else f"{code} {name}"


def names_of(findings: Iterable[Finding]) -> dict[str, str]:
    """The names of the parties the findings mention (party, actor, about), by code,
    in order of first mention."""
    out: dict[str, str] = {}
    for f in findings:
        for code in (f.party, f.actor, f.about):
            if code and code not in out:
                name = party_name(code)
                if name:
                    out[code] = name
    return out
