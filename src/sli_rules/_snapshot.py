"""Session snapshots as JSON: plain data and a whitelist of state classes, never pickle,
so that restoring a snapshot cannot run code."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

import attrs

from sli_rules._engine import EngineState, Instance, LadderState, LimitState, RulesetState, Tally
from sli_rules._model import Event, Party, Ruleset

if TYPE_CHECKING:
    from sli_rules._engine import Session

__all__ = ["dump", "fingerprint", "load"]

FORMAT = 2
_CLASSES: dict[str, type] = {
    c.__name__: c for c in (EngineState, Instance, LadderState, LimitState, RulesetState, Tally)
}


def _enc(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, _dt.date):
        return {"d": v.isoformat()}
    if isinstance(v, tuple):
        return {"t": [_enc(x) for x in v]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        return {"m": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if isinstance(v, Event):
        return {"e": v.to_dict(), "s": v.source}
    if isinstance(v, Party):
        return {"p": [v.id, v.kind, v.name, _enc(dict(v.attributes)), _enc(v.joined), _enc(v.left)]}
    name = type(v).__name__
    if name in _CLASSES:
        return {"c": name, "f": {f.name: _enc(getattr(v, f.name)) for f in attrs.fields(type(v))}}
    raise TypeError(f"cannot snapshot {type(v).__name__}")


def _dec(v: Any) -> Any:
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "d" in v:
        return _dt.date.fromisoformat(v["d"])
    if "t" in v:
        return tuple(_dec(x) for x in v["t"])
    if "m" in v:
        return {_dec(k): _dec(x) for k, x in v["m"]}
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
        return Party(pid, kind, name, _dec(attributes), _dec(joined), _dec(left))
    if "c" in v:
        cls = _CLASSES[v["c"]]  # only the engine's own state classes
        return cls(**{k: _dec(x) for k, x in v["f"].items()})
    raise ValueError("not a sli-rules snapshot")


def fingerprint(rs: Ruleset) -> str:
    """A digest of what a ruleset says (not where it was read from or its line numbers)."""
    text = repr(attrs.evolve(rs, file="", rule_lines={}))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _described(session: Session) -> list[list[str]]:
    return [
        [cr.ruleset.id, cr.ruleset.version, fingerprint(cr.ruleset)] for cr in session.plan.rulesets
    ]


def dump(session: Session) -> bytes:
    payload = {
        "format": FORMAT,
        "rulesets": _described(session),
        "state": _enc(session.state),
        "buffer": [_enc(e) for e in session._buffer.values()],
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def load(session: Session, data: bytes) -> None:
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a sli-rules snapshot: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a sli-rules snapshot (or one from an incompatible version)")
    expected = _described(session)
    try:
        if payload["rulesets"] != expected:
            taken = [f"{i} {v}" for i, v, _ in payload["rulesets"]]
            now = [f"{i} {v}" for i, v, _ in expected]
            raise ValueError(
                f"the snapshot was taken with other rulesets (or other contents of them): "
                f"{taken}, not {now}"
            )
        state = _dec(payload["state"])
        buffer = {e.id: e for e in (_dec(x) for x in payload["buffer"])}
    except ValueError:
        raise
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise ValueError(f"the snapshot is damaged ({type(exc).__name__})") from None
    if not isinstance(state, EngineState):
        raise ValueError("the snapshot is damaged (it holds no engine state)")
    session.state = state
    session._buffer = buffer
