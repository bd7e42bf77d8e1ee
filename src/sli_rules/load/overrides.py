"""Parameter values set for one run (`evaluate --set NAME=VALUE`, `parameters=`): which
loaded ruleset each belongs to, and the rulesets loaded again with them in place."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sli_rules.load.loader import bundled_dir, bundled_ids, load_ruleset
from sli_rules.model.errors import SliRulesError, did_you_mean
from sli_rules.model.values import Ruleset

__all__ = ["ParameterSetError", "parse_settings", "resolve_settings", "with_parameters"]

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class ParameterSetError(ValueError, SliRulesError):
    """A parameter set for a run that names no parameter, several, or is malformed."""


def parse_settings(items: Sequence[str]) -> dict[str, str]:
    """`NAME=VALUE` or `RULESET:NAME=VALUE` texts as a mapping; a name given twice is
    refused (which of the two values was meant cannot be known)."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ParameterSetError(
                f"--set {item!r}: write PARAMETER=VALUE (or RULESET:PARAMETER=VALUE), "
                "e.g. --set learning-share-window=P3M"
            )
        if name in out:
            raise ParameterSetError(f"--set {name}: given twice ({out[name]!r} and {value!r})")
        out[name] = value
    return out


def _scalar(value: Any) -> Any:
    """Text that is a plain number is the number, as YAML would read it unquoted."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    return value


def resolve_settings(
    rulesets: Sequence[Ruleset], settings: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """{ruleset id: {parameter: value}} for `settings` keyed `NAME` or `RULESET:NAME`.

    Raises `ParameterSetError` naming the parameter: no loaded ruleset has it (with the
    nearest name), or several do and the name is not qualified (naming them)."""
    out: dict[str, dict[str, Any]] = {}
    ids = [r.id for r in rulesets]
    for key, value in settings.items():
        rid, sep, name = str(key).rpartition(":")
        if sep:
            chosen = [r for r in rulesets if r.id == rid]
            if not chosen:
                raise ParameterSetError(
                    f"parameter {key!r}: no ruleset {rid!r} is loaded{did_you_mean(rid, ids)}; "
                    "loaded: " + ", ".join(ids)
                )
        else:
            chosen = [r for r in rulesets if name in r.parameters]
            if len(chosen) > 1:
                which = ", ".join(r.id for r in chosen)
                raise ParameterSetError(
                    f"parameter {name!r} is in several loaded rulesets ({which}): name one, "
                    f"e.g. {chosen[0].id}:{name}"
                )
            if not chosen:
                chosen = list(rulesets)
        ruleset = chosen[0] if chosen else None
        if ruleset is None or name not in ruleset.parameters:
            known = sorted({p for r in chosen for p in r.parameters})
            where = ruleset.id if sep and ruleset else ", ".join(ids) or "no ruleset"
            raise ParameterSetError(
                f"unknown parameter {name!r} in {where}{did_you_mean(name, known)}; "
                "parameters: " + (", ".join(known) or "none")
            )
        out.setdefault(ruleset.id, {})[name] = _scalar(value)
    return out


def _source(ruleset: Ruleset) -> str | Path:
    """Where a loaded ruleset can be read again from."""
    bundled = f"rulesets/{ruleset.id}.yaml"
    if ruleset.file == bundled and ruleset.id in bundled_ids():
        return ruleset.id
    path = Path(ruleset.file)
    if ruleset.file and path.is_file() and path.resolve().parent != bundled_dir().resolve():
        return path
    raise ParameterSetError(
        f"ruleset {ruleset.id!r} was not loaded from a file, so its parameters cannot be "
        "set here: pass overrides= to parse_ruleset instead"
    )


def with_parameters(rulesets: Sequence[Ruleset], settings: Mapping[str, Any]) -> list[Ruleset]:
    """`rulesets` with the parameter values in `settings` in place, each checked as the
    loader checks a parameter's `value:` (a bad one raises `RulesetError` naming it)."""
    chosen = resolve_settings(rulesets, settings)
    return [
        load_ruleset(_source(r), overrides=chosen[r.id]) if r.id in chosen else r for r in rulesets
    ]
