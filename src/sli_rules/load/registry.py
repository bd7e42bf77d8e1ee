"""The registry of councils and bodies: who exists, from when, until when, and who follows.

`rulesets/registry/councils.yaml` holds every English principal council since 1 April
2013 with its `from` (first day) and `to` (last day) dates, both inclusive, and the
councils that succeeded it. This module reads it once, normalises the older spelling of
the lifetime (`created:` / `abolished:`, both the first day of the new arrangement, so
`to` is the day before `abolished`), and answers the questions the loader, the intake and
the engine ask: is this a council or a body, did it exist on a day, what did the writer
probably mean.

The registry is read from a JSON copy of the two YAML files, `data/registry.json` in the
package, written by `make registry` (scripts/registry_json.py): building the 70 KB of
councils with a YAML parser took most of the time that loading every bundled ruleset
took in a fresh process. tests/test_registry.py fails when the copy is not what the YAML
files give, so the YAML stays the one to edit.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from sli_rules.load.safe_yaml import safe_load

__all__ = [
    "GSS_SHAPE",
    "LIFETIME_KEYS",
    "bundled_dir",
    "code_problem",
    "exists_on",
    "family_members",
    "family_problem",
    "lifetime",
    "lifetime_problem",
    "load_bodies",
    "load_registry",
    "regional_body",
    "registry_from_yaml",
    "registry_json",
    "successors_of",
]

Date = _dt.date
DAY = _dt.timedelta(days=1)

#: keys of a registry entry that are not party attributes (`county` is left out too, so
#: that a ruleset's fingerprint, which covers its parties' attributes, stays as it was)
LIFETIME_KEYS = (
    "name",
    "county",
    "from",
    "to",
    "created",
    "abolished",
    "successors",
    "checked",
    "verified",
    "former_codes",
    "note",
)

#: what looks like a GSS code, whatever its case
GSS_SHAPE = re.compile(r"^[EWSNewsn][0-9]{8}$")


@functools.cache
def bundled_dir() -> Path:
    """Where the bundled rulesets are: inside the installed package, or the source tree."""
    packaged = resources.files("sli_rules").joinpath("rulesets")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "rulesets"


#: the parts of the registry, each a file `rulesets/registry/<part>.yaml` holding one
#: mapping under the key `<part>`
PARTS = ("councils", "bodies")
#: the JSON copy of the parts, in the package (`make registry` writes it)
COPY = "data/registry.json"


def _plain(value: Any) -> Any:
    """`value` as JSON holds it: a date (YAML reads an unquoted one as a date) as its ISO
    text, which is how `normalise` reads the dates of an entry anyway."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def registry_from_yaml(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Each part of the registry read from its YAML file in `folder` (the bundled
    `registry` folder by default), as plain JSON values; a missing file is an empty part."""
    folder = folder if folder is not None else bundled_dir() / "registry"
    out: dict[str, dict[str, Any]] = {}
    for name in PARTS:
        path = folder / f"{name}.yaml"
        data = safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        out[name] = _plain(dict((data or {}).get(name) or {}))
    return out


def registry_json(parts: Mapping[str, Mapping[str, Any]]) -> str:
    """The text of the JSON copy of the registry's `parts` (as `make registry` writes it):
    one line per entry, so that a change to the YAML shows as a change of its lines."""
    lines = ["{", f' "generated": {_GENERATED},']
    for n, (name, entries) in enumerate(parts.items()):
        lines.append(f" {json.dumps(name)}: {{")
        rows = [
            f"  {json.dumps(key)}: {json.dumps(entry, ensure_ascii=False)}"
            for key, entry in entries.items()
        ]
        lines.append(",\n".join(rows))
        lines.append(" }" + ("," if n < len(parts) - 1 else ""))
    return "\n".join([*lines, "}"]) + "\n"


_GENERATED = json.dumps(
    "by `make registry` (scripts/registry_json.py) from rulesets/registry/*.yaml: "
    "edit those, then run it"
)


@functools.cache
def _registry_copy() -> Mapping[str, Any]:
    data: Mapping[str, Any] = msgspec.json.decode(
        resources.files("sli_rules").joinpath(COPY).read_bytes()
    )
    return data


def _registry_part(name: str) -> dict[str, Mapping[str, Any]]:
    """The `name` part of the registry (from the JSON copy of its YAML file)."""
    return dict(_registry_copy().get(name) or {})


def _as_date(value: Any) -> Date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    if isinstance(value, str) and value:
        return Date.fromisoformat(value)
    return None


def normalise(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry with `from` / `to` as dates, reading the older `created` / `abolished`."""
    out = dict(entry)
    start = _as_date(out.get("from")) or _as_date(out.get("created"))
    end = _as_date(out.get("to"))
    if end is None and _as_date(out.get("abolished")) is not None:
        abolished = _as_date(out.get("abolished"))
        assert abolished is not None
        end = abolished - DAY  # `abolished` was the first day of the new arrangement
    out.pop("created", None)
    out.pop("abolished", None)
    out["from"], out["to"] = start, end
    out["successors"] = [str(s) for s in out.get("successors") or ()]
    return out


@functools.cache
def load_bodies() -> Mapping[str, Mapping[str, Any]]:
    """The registry of regional and national bodies (id -> name and level), in its order."""
    return _registry_part("bodies")


@functools.cache
def load_registry() -> Mapping[str, Mapping[str, Any]]:
    """The registry of councils (GSS code -> attributes, with `from` / `to` as dates)."""
    return {str(code): normalise(e) for code, e in _registry_part("councils").items()}


def family_members(family: str) -> dict[str, str]:
    """The bodies of a family of regional bodies (`per_region: true` in bodies.yaml), by
    region: region -> body id (empty when `family` is no family)."""
    bodies = load_bodies()
    if not (bodies.get(family) or {}).get("per_region"):
        return {}
    return {
        str(b["region"]): bid
        for bid, b in bodies.items()
        if b.get("of") == family and b.get("region")
    }


def family_problem(family: str) -> str | None:
    """Why `family` cannot name the body of a council's region (None when it can): it is
    not a family, or some region of the councils' registry has no body in it."""
    members = family_members(family)
    if not members:
        return (
            f"{family!r} is not a family of regional bodies (one body per region, "
            "`per_region: true` in rulesets/registry/bodies.yaml)"
        )
    regions = {str(e["region"]) for e in load_registry().values() if e.get("region")}
    missing = sorted(regions - set(members))
    if missing:
        return f"the family {family!r} has no body for the regions " + ", ".join(missing)
    return None


def regional_body(family: str, code: str) -> str | None:
    """The body of `family` for the region of council `code` (None: no such council, no
    region recorded for it, or no body for that region)."""
    region = (load_registry().get(code) or {}).get("region")
    return family_members(family).get(str(region)) if region else None


def lifetime(
    code: str, registry: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[Date | None, Date | None]:
    """A council's first and last day (None: before the registry's horizon / still open)."""
    entry = (registry if registry is not None else load_registry()).get(code) or {}
    return _as_date(entry.get("from")), _as_date(entry.get("to"))


def exists_on(
    code: str, day: Date, registry: Mapping[str, Mapping[str, Any]] | None = None
) -> bool:
    start, end = lifetime(code, registry)
    return (start is None or start <= day) and (end is None or day <= end)


def successors_of(
    code: str, registry: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[str, ...]:
    entry = (registry if registry is not None else load_registry()).get(code) or {}
    return tuple(entry.get("successors") or ())


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (codes are nine characters: the table is tiny)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _label(code: str, registry: Mapping[str, Mapping[str, Any]]) -> str:
    name = (registry.get(code) or {}).get("name")
    return f"{code!r} ({name})" if name else repr(code)


@functools.cache
def _indexes(registry_id: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Former codes and lower-case names of the bundled registry -> current codes."""
    del registry_id  # the cache key: one registry object per process
    former: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for code, e in load_registry().items():
        for old in e.get("former_codes") or ():
            former.setdefault(str(old).upper(), []).append(code)
        name = str(e.get("name", "")).lower()
        if name:
            for form in (name, f"{name} council", f"{name} county council"):
                names.setdefault(form, []).append(code)
    return former, names


def suggestions(value: str, registry: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Codes the writer of `value` may have meant: its upper-case spelling, the current
    code of a former one, the council of that name, codes one or two edits away."""
    out: list[str] = []
    upper = value.upper()
    if upper in registry and upper != value:
        out.append(upper)
    if registry is load_registry():
        former, names = _indexes(id(registry))
        out += former.get(upper, []) + names.get(value.strip().lower(), [])
    else:
        for code, e in registry.items():
            if upper in (str(c).upper() for c in e.get("former_codes") or ()):
                out.append(code)
            if value.strip().lower() == str(e.get("name", "")).lower():
                out.append(code)
    if not out and GSS_SHAPE.fullmatch(value):
        near = sorted((_edits(upper, code), code) for code in registry if code[:3] == upper[:3])
        out.extend(code for d, code in near if d <= 2)
        out = out[:3]
    return list(dict.fromkeys(out))


def code_problem(
    value: Any,
    registry: Mapping[str, Mapping[str, Any]] | None = None,
    bodies: Iterable[str] | None = None,
) -> str | None:
    """Why `value` names no council of the registry (None when it names one).

    Only values that look like GSS codes, in any case, or like a council's name, are
    judged here: a body id is checked by whoever knows which bodies may appear.
    """
    if not isinstance(value, str):
        return None
    reg = registry if registry is not None else load_registry()
    if value in reg or value in (bodies if bodies is not None else load_bodies()):
        return None
    hints = suggestions(value, reg)
    if not GSS_SHAPE.fullmatch(value) and not hints:
        return None
    former = GSS_SHAPE.fullmatch(value) and any(
        value.upper() in (e.get("former_codes") or ()) for e in reg.values()
    )
    if former:
        why = f"{value!r} is a former code, retired before 1 April 2013"
    elif GSS_SHAPE.fullmatch(value) and value != value.upper():
        why = f"{value!r} is not a GSS code as written: codes are upper case"
    elif GSS_SHAPE.fullmatch(value):
        why = f"{value!r} is not a council in the registry (rulesets/registry/councils.yaml)"
    else:
        why = f"{value!r} is a council's name, not its GSS code"
    if hints:
        why += " (did you mean " + " or ".join(_label(h, reg) for h in hints) + "?)"
    return why


def lifetime_problem(
    code: str, day: Date, registry: Mapping[str, Mapping[str, Any]] | None = None
) -> str | None:
    """Why a council cannot be named on `day` (None when it existed then)."""
    reg = registry if registry is not None else load_registry()
    entry = reg.get(code)
    if entry is None:
        return None
    start, end = _as_date(entry.get("from")), _as_date(entry.get("to"))
    name = entry.get("name", code)
    if start is not None and day < start:
        return f"{code} ({name}) did not exist on {day}: it was created on {start}"
    if end is not None and day > end:
        succ = ", ".join(_label(s, reg) for s in entry.get("successors") or ())
        then = f"; it was succeeded by {succ}" if succ else ""
        return f"{code} ({name}) did not exist on {day}: its last day was {end}{then}"
    return None
