"""Session snapshots as JSON: plain data and a whitelist of state classes, never pickle,
so that restoring a snapshot cannot run code."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from sli_rules.model.fingerprint import fingerprint, fingerprint_0_1
from sli_rules.model.values import Event, Party, Ruleset

__all__ = ["dump", "fingerprint", "load"]

FORMAT = 3
# Format 2 (sli-rules 0.1) came from a drain() that could hand out findings that later
# changed; its state is not carried forward: the events are fed again instead.
_REBUILD = {2}
Classes = Mapping[str, type]  # the state classes a snapshot may name, by class name


def _enc(v: Any, classes: Classes) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, _dt.date):
        return {"d": v.isoformat()}
    if isinstance(v, tuple):
        return {"t": [_enc(x, classes) for x in v]}
    if isinstance(v, list):
        return [_enc(x, classes) for x in v]
    if isinstance(v, dict):
        return {"m": [[_enc(k, classes), _enc(x, classes)] for k, x in v.items()]}
    if isinstance(v, Event):
        return {"e": v.to_dict(), "s": v.source}
    if isinstance(v, Party):
        return {
            "p": [
                v.id,
                v.kind,
                v.name,
                _enc(dict(v.attributes), classes),
                _enc(v.joined, classes),
                _enc(v.left, classes),
            ]
        }
    name = type(v).__name__
    if name in classes:
        fields = attrs.fields(type(v))
        return {"c": name, "f": {f.name: _enc(getattr(v, f.name), classes) for f in fields}}
    raise TypeError(f"cannot snapshot {type(v).__name__}")


def _dec(v: Any, classes: Classes) -> Any:
    if isinstance(v, list):
        return [_dec(x, classes) for x in v]
    if not isinstance(v, dict):
        return v
    if "d" in v:
        return _dt.date.fromisoformat(v["d"])
    if "t" in v:
        return tuple(_dec(x, classes) for x in v["t"])
    if "m" in v:
        return {_dec(k, classes): _dec(x, classes) for k, x in v["m"]}
    if "e" in v:
        d = dict(v["e"])
        core = {k: d.pop(k) for k in ("id", "type", "date", "council")}
        return Event(
            core["id"],
            core["type"],
            _dt.date.fromisoformat(core["date"]),
            core["council"],
            d,
            source=v.get("s", ""),
        )
    if "p" in v:
        pid, kind, name, attributes, joined, left = v["p"]
        return Party(
            pid, kind, name, _dec(attributes, classes), _dec(joined, classes), _dec(left, classes)
        )
    if "c" in v:
        cls = classes[v["c"]]  # only the engine's own state classes
        return cls(**{k: _dec(x, classes) for k, x in v["f"].items()})
    raise ValueError("not a sli-rules snapshot")


def _described(rulesets: Sequence[Ruleset]) -> list[list[str]]:
    return [[rs.id, rs.version, fingerprint(rs)] for rs in rulesets]


def _taken_with(described: Any, rulesets: Sequence[Ruleset]) -> bool:
    """Whether a snapshot's rulesets are these, by their fingerprint or by the one that
    release 0.1.0 recorded."""
    if not isinstance(described, list) or len(described) != len(rulesets):
        return False
    return all(
        d[:2] == [rs.id, rs.version] and d[2] in (fingerprint(rs), fingerprint_0_1(rs))
        for d, rs in zip(described, rulesets, strict=True)
    )


def dump(
    rulesets: Sequence[Ruleset], state: Any, buffer: Iterable[Event], classes: Iterable[type]
) -> bytes:
    """The engine `state` and the `buffer`ed events as JSON bytes; `classes` are the state
    classes that may appear in it (the engine's own, and nothing else)."""
    named = {c.__name__: c for c in classes}
    payload = {
        "format": FORMAT,
        "rulesets": _described(rulesets),
        "state": _enc(state, named),
        "buffer": [_enc(e, named) for e in buffer],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def load(
    rulesets: Sequence[Ruleset], data: bytes, classes: Iterable[type]
) -> tuple[Any, dict[str, Event]]:
    """The state and the buffered events of `dump` bytes, refused (ValueError) when they
    are not a snapshot or were taken with other rulesets."""
    named = {c.__name__: c for c in classes}
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a sli-rules snapshot: {exc}") from None
    if isinstance(payload, dict) and payload.get("format") in _REBUILD:
        raise ValueError(
            f"a sli-rules snapshot of format {payload['format']} (sli-rules 0.1), taken "
            "before drain() settled only what can no longer change: build the session "
            "again by feeding its events to a new Session"
        )
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a sli-rules snapshot (or one from an incompatible version)")
    expected = _described(rulesets)
    if not _taken_with(payload["rulesets"], rulesets):
        taken = [f"{i} {v}" for i, v, _ in payload["rulesets"]]
        now = [f"{i} {v}" for i, v, _ in expected]
        raise ValueError(
            f"the snapshot was taken with other rulesets (or other contents of them): "
            f"{taken}, not {now}"
        )
    state = _dec(payload["state"], named)
    buffer = {e.id: e for e in (_dec(x, named) for x in payload["buffer"])}
    return state, buffer
