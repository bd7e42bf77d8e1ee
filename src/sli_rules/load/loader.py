"""Ruleset loading: YAML in, a validated `Ruleset` out, or every problem in one pass.

Validation belongs here, at the edge: unknown keys, bad dates and durations, references
to unknown parameters, parties, event types, attributes and rules, ill-formed conditions
and rules without a clause are all reported as `file:line:col: message @ path`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from sli_rules.kinds import KINDS
from sli_rules.kinds.base import MAX_NUMBER, RuleParts
from sli_rules.load.catalogue import (
    PARTY_FORMS,
    PARTY_RE,
    Catalogue,
    EventType,
    load_catalogue,
    read_declarations,
)
from sli_rules.load.registry import (
    LIFETIME_KEYS,
    bundled_dir,
    family_members,
    family_problem,
    load_bodies,
    load_registry,
)
from sli_rules.load.safe_yaml import Loaded, load_yaml
from sli_rules.load.safe_yaml import Path as YPath
from sli_rules.model.conditions import (
    COMBINATORS,
    COMPARISONS,
    LIST_TESTS,
    TESTS,
    Condition,
    parse_condition,
)
from sli_rules.model.dates import (
    CALENDARS,
    DATE_FORMS,
    DURATION_FORMS,
    UNITS,
    DateError,
    DateRangeError,
    Duration,
    PeriodSpec,
    parse_date,
    parse_duration,
)
from sli_rules.model.errors import Location, Problem, RulesetError, did_you_mean
from sli_rules.model.states import STATES
from sli_rules.model.values import (
    JOINER_READINGS,
    Effective,
    EscalationLadder,
    EscalationStep,
    EventSpec,
    Parameter,
    ParamRef,
    Party,
    PartySpec,
    Rule,
    Ruleset,
    RulesetVersion,
    Succession,
)

__all__ = [
    "bundled_dir",
    "bundled_ids",
    "check_ruleset",
    "load_bodies",
    "load_registry",
    "load_ruleset",
    "parse_ruleset",
]

TOP_KEYS = (
    "id",
    "title",
    "source",
    "version",
    "description",
    "effective",
    "parties",
    "parameters",
    "rules",
    "escalations",
    "versions",
    "events",
)
VERSION_KEYS = ("id", "from", "title", "description", "cites")
COMMON_RULE_KEYS = (
    "id",
    "kind",
    "title",
    "clause",
    "quote",
    "applies_to",
    "party",
    "interpretation",
    "monitoring",
    "severity",
    "description",
    "versions",
    "url",
)
KIND_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required keys, optional keys) of the kinds of this release; the loader reads
    # `kinds.KINDS` itself, where each kind's module registers them
    name: (k.required, k.optional)
    for name, k in KINDS.items()
}
# Used with fullmatch, and as written in the JSON Schemas; [0-9]: ASCII digits only
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
GSS_RE = re.compile(r"^[EWSN][0-9]{8}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# council_pattern: literals and [classes], at most one group of plain alternatives, anchors.
# Without repetition or nesting, Python's matcher takes time linear in the code's length.
_PATTERN_ITEM = r"(?:[A-Za-z0-9_-]|\[\^?(?:[A-Za-z0-9_]-[A-Za-z0-9_]|[A-Za-z0-9_-])+\])"
_SAFE_PATTERN = re.compile(
    rf"\^?{_PATTERN_ITEM}{{0,20}}"
    rf"(?:\({_PATTERN_ITEM}{{1,20}}(?:\|{_PATTERN_ITEM}{{1,20}}){{0,30}}\))?"
    rf"{_PATTERN_ITEM}{{0,20}}\$?"
)
PARTY_ATTRIBUTES = ("id", "kind", "name", "type", "region", "services", "joined", "left")


# ------------------------------------------------------------------ locations


def bundled_ids() -> list[str]:
    """The ids of the rulesets that come with sli-rules, sorted (`sli-rules list`)."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


# ---------------------------------------------------------------------- reader


@attrs.frozen
class Vocab:
    """What a literal in a condition may be: one of `values`, or a party code."""

    values: tuple[Any, ...] | None
    party: bool = False


VocabOf = Callable[[str], Vocab | None]


class _Reader:
    """Turns the plain document into model objects, collecting every problem."""

    def __init__(self, doc: Loaded, catalogue: Catalogue, registry: Mapping[str, Any]) -> None:
        self.doc = doc
        self.cat = catalogue
        self.registry = registry
        self.problems: list[Problem] = []
        self.params: dict[str, Parameter] = {}
        self.party_ids: set[str] = set()
        self.parsed_parties: list[Party] = []
        self.version_ids: list[str] = []

    # -- basics
    def err(self, path: YPath, message: str) -> None:
        self.problems.append(Problem(self.doc.where(path), message, path))

    def keys(
        self,
        value: Mapping[str, Any],
        path: YPath,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        what: str = "here",
    ) -> None:
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                self.err(
                    (*path, key),
                    f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed {what}: "
                    + ", ".join(allowed),
                )
        for key in required:
            if key not in value or value[key] is None:
                self.err(path, f"missing required key {key!r}")

    def show(self, value: Any) -> str:
        return _show(value)

    def mapping(self, value: Any, path: YPath, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.err(path, f"expected a mapping ({what}), got {_show(value)}")
        return None

    def items(self, value: Any, path: YPath, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.err(path, f"expected a list ({what}), got {_show(value)}")
        return []

    def text(self, value: Any, path: YPath, what: str, default: str = "") -> str:
        if value is None:
            return default
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        self.err(path, f"expected text ({what}), got {_show(value)}")
        return default

    def date(self, value: Any, path: YPath) -> _dt.date | None:
        try:
            return parse_date(value)
        except DateRangeError as exc:
            self.err(path, str(exc))
            return None
        except DateError:
            self.err(path, f"bad date {_show(value)}: expected {DATE_FORMS}")
            return None

    def choice(self, value: Any, path: YPath, options: Iterable[str], default: str) -> str:
        options = tuple(options)
        if value is None:
            return default
        if value not in options:
            hint = did_you_mean(str(value), options)
            self.err(
                path, f"{_show(value)} is not allowed{hint}; choose one of: " + ", ".join(options)
            )
            return default
        return str(value)

    def integer(self, value: Any, path: YPath, default: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.err(path, f"expected a whole number, got {_show(value)}")
            return default
        return value

    def param_ref(self, value: Mapping[str, Any], path: YPath, want: str) -> ParamRef | None:
        self.keys(value, path, ("parameter",), ("parameter",), "in a parameter reference")
        name = value.get("parameter")
        if not isinstance(name, str):
            return None
        param = self.params.get(name)
        if param is None:
            self.err(
                (*path, "parameter"),
                f"unknown parameter {name!r}{did_you_mean(name, self.params)}; "
                "declare it under 'parameters'",
            )
            return None
        for _start, v in param.values:
            if v is None:  # its value is wrong, and reported where it is written
                return None
            ok = (
                isinstance(v, Duration)
                if want == "duration"
                else isinstance(v, _dt.date)
                if want == "date"
                else v in JOINER_READINGS
                if want == "joiners"
                else isinstance(v, (int, float))
            )
            if not ok:
                self.err(
                    (*path, "parameter"),
                    f"parameter {name!r} holds {_show(v)}, but {want_text(want)} is expected here",
                )
                return None
        return ParamRef(name)

    def duration_like(self, value: Any, path: YPath) -> Duration | ParamRef | None:
        if isinstance(value, dict):
            return self.param_ref(value, path, "duration")
        try:
            return parse_duration(value)
        except DateRangeError as exc:
            self.err(path, str(exc))
            return None
        except DateError:
            hint = duration_hint(value)
            self.err(
                path,
                f"bad duration {_show(value)}: "
                + (f"write it as {hint}; " if hint else "")
                + f"expected {DURATION_FORMS}, or {{parameter: NAME}}",
            )
            return None

    def date_like(self, value: Any, path: YPath) -> _dt.date | ParamRef | None:
        if isinstance(value, dict):
            return self.param_ref(value, path, "date")
        try:
            return parse_date(value)
        except DateRangeError as exc:
            self.err(path, str(exc))
            return None
        except DateError:
            self.err(
                path, f"bad date {_show(value)}: expected {DATE_FORMS}, or {{parameter: NAME}}"
            )
            return None

    # -- sections
    def effective(self, value: Any) -> Effective:
        path: YPath = ("effective",)
        m = self.mapping(value, path, "the agreement's effective span") or {}
        self.keys(
            m,
            path,
            ("start", "start_basis", "start_rationale", "end", "reviews", "owner", "revoked_by"),
            ("start",),
            "under 'effective'",
        )
        owner = None
        if m.get("owner") is not None:
            owner = self.text(m["owner"], (*path, "owner"), "a body id")
            bodies = load_bodies()
            if owner and owner not in bodies:
                self.err(
                    (*path, "owner"),
                    f"{owner!r} is not a body of the registry (rulesets/registry/bodies.yaml)"
                    + did_you_mean(owner, bodies),
                )
        revoked_by: str | tuple[str, ...] | None = None
        raw_rev = m.get("revoked_by")
        if isinstance(raw_rev, list):
            revoked_by = tuple(
                self.text(x, (*path, "revoked_by", i), "a party id") for i, x in enumerate(raw_rev)
            )
            if not revoked_by:
                self.err((*path, "revoked_by"), "an empty list: name at least one party")
        elif raw_rev is not None:
            revoked_by = self.choice(raw_rev, (*path, "revoked_by"), ("owner", "parties"), "owner")
            if revoked_by == "owner" and owner is None:
                self.err((*path, "revoked_by"), "revoked_by: owner needs an 'owner' (a body id)")
        start = self.date(m["start"], (*path, "start")) if m.get("start") is not None else None
        end = self.date(m["end"], (*path, "end")) if m.get("end") is not None else None
        reviews = []
        for i, r in enumerate(self.items(m.get("reviews"), (*path, "reviews"), "review dates")):
            d = self.date(r, (*path, "reviews", i))
            if d:
                reviews.append(d)
        basis = self.choice(
            m.get("start_basis"), (*path, "start_basis"), ("text", "interpretation"), "text"
        )
        rationale = self.text(m.get("start_rationale"), (*path, "start_rationale"), "a rationale")
        if basis == "interpretation" and not rationale:
            self.err(path, "an interpreted start needs 'start_rationale': say why this date")
        if start and end and end < start:
            self.err((*path, "end"), f"the end {end} is before the start {start}")
        return Effective(
            start=start or _dt.date(1900, 1, 1),
            end=end,
            start_basis=basis,  # type: ignore[arg-type]
            start_rationale=rationale,
            reviews=tuple(reviews),
            owner=owner,
            revoked_by=revoked_by,
        )

    def versions(self, value: Any, effective: Effective) -> list[RulesetVersion]:
        """The dated versions of the rules, earliest first (see docs/ruleset-format.md)."""
        path: YPath = ("versions",)
        out: list[RulesetVersion] = []
        for i, raw in enumerate(self.items(value, path, "dated versions")):
            vp: YPath = (*path, i)
            m = self.mapping(raw, vp, "a version: {id, from, title}")
            if m is None:
                continue
            self.keys(m, vp, VERSION_KEYS, ("id", "from"), "in a version")
            vid = m.get("id")
            if vid is None:
                continue
            if not isinstance(vid, str) or not ID_RE.fullmatch(vid):
                self.err(
                    (*vp, "id"),
                    f"version id {_show(vid)}: use lower-case letters, digits and hyphens",
                )
                continue
            if vid in self.version_ids:
                self.err((*vp, "id"), f"duplicate version id {vid!r}")
                continue
            self.version_ids.append(vid)
            if m.get("from") is None:
                continue
            start = self.date_like(m["from"], (*vp, "from"))
            param = None
            if isinstance(start, ParamRef):
                param = start.name
                start = self.params[param].values[-1][1]
                if len(self.params[param].values) > 1:
                    self.err(
                        (*vp, "from"),
                        f"parameter {param!r} has dated values; a version's start needs one value",
                    )
            if not isinstance(start, _dt.date):
                continue
            if start < effective.start:
                self.err(
                    (*vp, "from"),
                    f"version {vid!r} starts on {start}, before the agreement's start "
                    f"{effective.start}",
                )
            if out and start <= out[-1].start:
                self.err(
                    (*vp, "from"),
                    f"version {vid!r} starts on {start}, not after the version before it "
                    f"({out[-1].id}, from {out[-1].start}): list versions earliest first",
                )
            out.append(
                RulesetVersion(
                    id=vid,
                    start=start,
                    title=self.text(m.get("title"), (*vp, "title"), "a title"),
                    description=self.text(m.get("description"), (*vp, "description"), "text"),
                    start_parameter=param,
                    cites=self.text(m.get("cites"), (*vp, "cites"), "a citation"),
                )
            )
        return out

    def url(self, value: Any, path: YPath) -> str:
        text = self.text(value, path, "an address")
        if text and not re.fullmatch(r"https?://\S+", text):
            self.err(
                path, f"{_show(value)} is not a web address: start it with https:// or http://"
            )
        return text

    def rule_versions(self, value: Any, path: YPath) -> tuple[str, ...]:
        """A rule's `versions:` list: ids of the ruleset's dated versions."""
        if value is None:
            return ()
        if not self.version_ids:
            self.err(
                path, "this ruleset declares no 'versions' at the top level for a rule to name"
            )
            return ()
        ids: list[str] = []
        for i, v in enumerate(self.items(value, path, "version ids")):
            if not isinstance(v, str) or v not in self.version_ids:
                self.err(
                    (*path, i),
                    f"unknown version {_show(v)}{did_you_mean(str(v), self.version_ids)}; "
                    "versions: " + ", ".join(self.version_ids),
                )
            elif v not in ids:
                ids.append(v)
        if isinstance(value, list) and not value:
            self.err(path, "an empty list of versions: name at least one, or leave 'versions' out")
        return tuple(ids)

    def parameters(self, value: Any) -> None:
        path: YPath = ("parameters",)
        m = self.mapping(value, path, "parameter name: definition") if value is not None else {}
        for name, raw in (m or {}).items():
            p: YPath = (*path, name)
            if not ID_RE.fullmatch(name):
                self.err(p, f"parameter name {name!r}: use lower-case letters, digits and hyphens")
            spec = self.mapping(raw, p, "a parameter definition")
            if spec is None:
                continue
            self.keys(
                spec,
                p,
                ("description", "basis", "rationale", "value", "values"),
                ("basis",),
                "in a parameter",
            )
            basis = self.choice(
                spec.get("basis"), (*p, "basis"), ("text", "interpretation"), "text"
            )
            rationale = self.text(spec.get("rationale"), (*p, "rationale"), "a rationale")
            if basis == "interpretation" and not rationale:
                self.err(p, "an interpretation needs a 'rationale': one line saying why this value")
            values: list[tuple[_dt.date | None, Any]] = []
            if "value" in spec and "values" in spec:
                self.err(p, "give either 'value' or 'values' (date-effective), not both")
            if "value" in spec:
                values.append((None, self.param_value(spec["value"], (*p, "value"))))
            elif "values" in spec:
                for i, entry in enumerate(
                    self.items(spec["values"], (*p, "values"), "dated values")
                ):
                    ep: YPath = (*p, "values", i)
                    e = self.mapping(entry, ep, "{from: DATE, value: ...}")
                    if e is None:
                        continue
                    self.keys(e, ep, ("from", "value"), ("from", "value"), "in a dated value")
                    start = self.date(e.get("from"), (*ep, "from")) if "from" in e else None
                    values.append((start, self.param_value(e.get("value"), (*ep, "value"))))
                values.sort(key=lambda sv: sv[0] or _dt.date.min)
            else:
                self.err(p, "missing 'value' (or date-effective 'values')")
            if values:
                self.params[name] = Parameter(
                    name=name,
                    basis=basis,  # type: ignore[arg-type]
                    values=tuple(values),
                    rationale=rationale,
                    description=self.text(spec.get("description"), (*p, "description"), "text"),
                )

    def param_value(self, value: Any, path: YPath) -> Any:
        if isinstance(value, str) and (value.startswith("P") or duration_hint(value)):
            # a duration in words is refused here, where it is written, rather than at
            # each rule that uses the parameter
            return self.duration_like(value, path)
        if isinstance(value, str) and re.match(r"^\d{4}-\d", value):
            return self.date(value, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if -MAX_NUMBER <= value <= MAX_NUMBER:  # also refuses NaN
                return value
            self.err(
                path,
                f"expected a number from -{MAX_NUMBER:,} to {MAX_NUMBER:,}, got {_show(value)}",
            )
            return None
        if isinstance(value, str):
            return value
        self.err(
            path,
            f"a parameter value must be a duration, a date, a number or text, got {_show(value)}",
        )
        return None

    def parties(self, value: Any) -> tuple[list[Party], list[Succession], str | None]:
        path: YPath = ("parties",)
        m = self.mapping(value, path, "the parties") or {}
        self.keys(
            m,
            path,
            ("councils", "council_pattern", "attributes", "bodies", "successions"),
            (),
            "under 'parties'",
        )
        overrides = (
            self.mapping(m.get("attributes") or {}, (*path, "attributes"), "code: attributes") or {}
        )
        out: list[Party] = []
        pattern = None
        if m.get("council_pattern") is not None:
            pattern = self.text(m["council_pattern"], (*path, "council_pattern"), "a pattern")
            if not _SAFE_PATTERN.fullmatch(pattern):
                self.err(
                    (*path, "council_pattern"),
                    f"{_show(pattern)} is not a code pattern sli-rules runs: write the start "
                    "of the codes, with character classes and at most one group of "
                    "alternatives, e.g. ^E(06|08|09|10) or ^E0[6-9]; repetition (*, +, ?, "
                    "{n}) and nested groups are refused, as they can take exponential time",
                )
                pattern = None
        if m.get("councils") is None and pattern is None:
            self.err(path, "give 'councils' (a list of GSS codes) or 'council_pattern'")
        for i, code in enumerate(self.items(m.get("councils"), (*path, "councils"), "GSS codes")):
            p: YPath = (*path, "councils", i)
            if not isinstance(code, str) or not GSS_RE.fullmatch(code):
                self.err(p, f"expected a GSS code such as E08000026, got {_show(code)}")
                continue
            entry = self.registry.get(code)
            if entry is None:
                self.err(
                    p,
                    f"council {code!r} is not in the registry (rulesets/registry/councils.yaml)"
                    + did_you_mean(code, self.registry),
                )
                continue
            if code in self.party_ids:
                self.err(p, f"council {code!r} is listed twice")
                continue
            out.append(self.council(code, entry, overrides.get(code), (*path, "attributes", code)))
        for code in overrides:
            if code not in self.party_ids:
                self.err((*path, "attributes", code), f"{code!r} is not one of the listed councils")
        for i, body in enumerate(self.items(m.get("bodies"), (*path, "bodies"), "bodies")):
            p = (*path, "bodies", i)
            b = self.mapping(body, p, "{id: ..., name: ...}")
            if b is None:
                continue
            self.keys(b, p, ("id", "name", "joined", "left"), ("id", "name"), "in a body")
            bid = b.get("id")
            bodies = load_bodies()
            if isinstance(bid, str) and bid not in bodies:
                self.err(
                    (*p, "id"),
                    f"unknown body id {bid!r}{did_you_mean(bid, bodies)}; the bodies in the "
                    "registry (rulesets/registry/bodies.yaml) are: " + ", ".join(bodies),
                )
            if not isinstance(bid, str):
                continue
            self.party_ids.add(bid)
            joined = self.date(b["joined"], (*p, "joined")) if b.get("joined") else None
            left = self.date(b["left"], (*p, "left")) if b.get("left") else None
            out.append(
                Party(
                    id=bid,
                    kind="body",
                    name=self.text(b.get("name"), (*p, "name"), "a name"),
                    attributes={},
                    joined=joined,
                    left=left,
                )
            )
            # a family of regional bodies brings its members, one per region (registry)
            for member in family_members(bid).values():
                if member in self.party_ids:
                    continue
                self.party_ids.add(member)
                out.append(
                    Party(
                        id=member,
                        kind="body",
                        name=str(bodies[member].get("name", member)),
                        attributes={},
                        joined=joined,
                        left=left,
                    )
                )
        successions = []
        for i, s in enumerate(
            self.items(m.get("successions"), (*path, "successions"), "successions")
        ):
            p = (*path, "successions", i)
            sm = self.mapping(s, p, "{party, date, successors}")
            if sm is None:
                continue
            self.keys(
                sm,
                p,
                ("party", "date", "successors", "duties", "served_by"),
                ("party", "date", "successors"),
                "in a succession",
            )
            day = self.date(sm.get("date"), (*p, "date")) if sm.get("date") else None
            pred = sm.get("party")
            if isinstance(pred, str) and pred not in self.party_ids:
                self.err((*p, "party"), f"{pred!r} is not a party of this ruleset")
            duties = self.choice(sm.get("duties"), (*p, "duties"), ("joint", "each"), "joint")
            succ = []
            for j, code in enumerate(self.items(sm.get("successors"), (*p, "successors"), "codes")):
                if not isinstance(code, str) or code not in self.registry:
                    self.err(
                        (*p, "successors", j),
                        f"successor {_show(code)} is not in the registry"
                        + (did_you_mean(code, self.registry) if isinstance(code, str) else ""),
                    )
                    continue
                succ.append(code)
                if code not in self.party_ids:
                    self.party_ids.add(code)
                    out.append(
                        self.council(
                            code, self.registry[code], {"joined": sm.get("date")}, (*p, "date")
                        )
                    )
            served = []
            for j, sid in enumerate(self.items(sm.get("served_by"), (*p, "served_by"), "ids")):
                if not isinstance(sid, str) or sid not in self.party_ids:
                    self.err(
                        (*p, "served_by", j),
                        f"{_show(sid)} is not a party of this ruleset: list the body (under "
                        "'bodies') or council that serves the successors first",
                    )
                    continue
                served.append(sid)
            if day and isinstance(pred, str):
                successions.append(
                    Succession(pred, day, tuple(succ), duties=duties, served_by=tuple(served))
                )
                out = [
                    _with_left(pt, day)
                    if pt.id == pred and (pt.left is None or pt.left > day)
                    else pt
                    for pt in out
                ]
        self.parsed_parties = out
        return out, successions, pattern

    def council(self, code: str, entry: Mapping[str, Any], override: Any, path: YPath) -> Party:
        self.party_ids.add(code)
        attrs_ = {k: v for k, v in entry.items() if k not in LIFETIME_KEYS}
        joined = left = None
        if override:
            o = self.mapping(override, path, "attributes") or {}
            for k, v in o.items():
                if k == "joined":
                    joined = self.date(v, (*path, k))
                elif k == "left":
                    left = self.date(v, (*path, k))
                else:
                    attrs_[k] = v
        attrs_.setdefault("services", [])
        # a council is a party only while it exists: from its first day to its last
        start, end = entry.get("from"), entry.get("to")
        if isinstance(start, _dt.date) and (joined is None or joined < start):
            joined = start
        if isinstance(end, _dt.date) and (left is None or left > end + _dt.timedelta(days=1)):
            left = end + _dt.timedelta(days=1)
        return Party(
            id=code,
            kind="council",
            name=str(entry.get("name", code)),
            attributes=attrs_,
            joined=joined,
            left=left,
        )

    # -- events and conditions
    def event_types(self, value: Any, path: YPath) -> tuple[str, ...]:
        names = value if isinstance(value, list) else [value]
        out = []
        for i, name in enumerate(names):
            p = (*path, i) if isinstance(value, list) else path
            if not isinstance(name, str):
                self.err(p, f"expected an event type name, got {_show(name)}")
            elif name not in self.cat.types:
                hint = did_you_mean(name, self.cat.types) or (
                    "; use a type of the catalogue (docs/events.md) or declare it under 'events'"
                )
                self.err(p, f"unknown event type {name!r}{hint}")
            else:
                out.append(name)
        return tuple(out)

    def paths_for(self, types: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for t in types:
            out |= self.cat.attribute_paths(t)
        return out

    def event_spec(
        self,
        value: Any,
        path: YPath,
        *,
        trigger_types: tuple[str, ...] | None,
        refs: tuple[str, ...],
        allow: tuple[str, ...] = ("type", "where", "by", "match"),
    ) -> EventSpec | None:
        m = self.mapping(value, path, "an event spec: {type: ..., where: ...}")
        if m is None:
            return None
        if m.get("state") is not None:
            if "state" in allow:
                return self.state_trigger(m, path, allow)
            if "in_state" in allow:  # a trigger of a kind that no state can start
                self.err(
                    (*path, "state"),
                    "only deadline and window rules can be started by a state "
                    "(a ladder takes start: {state: NAME})",
                )
                return None
        self.keys(m, path, allow, ("type",), "in an event spec")
        types = self.event_types(m.get("type"), (*path, "type")) if m.get("type") else ()
        named = m.get("type")
        # When a type is missing or unknown (already reported), its attributes are unknown
        # too: skip the attribute checks rather than report every attribute as unknown.
        complete = bool(types) and len(types) == (len(named) if isinstance(named, list) else 1)
        paths = self.paths_for(types) if complete else None
        where = None
        if m.get("where") is not None:
            where = self.condition(m["where"], (*path, "where"), paths, refs, types)
        by = "council"
        if m.get("by") is not None:
            by = self.text(m["by"], (*path, "by"), "an attribute path")
            if paths is not None and by not in paths:
                self.err(
                    (*path, "by"),
                    f"unknown attribute {by!r} of {', '.join(types)}" + did_you_mean(by, paths),
                )
        match: list[tuple[str, str]] = []
        raw_match = m.get("match")
        if raw_match is not None:
            pairs: list[tuple[Any, Any, YPath]] = []
            if isinstance(raw_match, list):
                pairs = [(a, a, (*path, "match", i)) for i, a in enumerate(raw_match)]
            elif isinstance(raw_match, dict):
                pairs = [(a, b, (*path, "match", a)) for a, b in raw_match.items()]
            else:
                self.err(
                    (*path, "match"),
                    "expected a list of attribute names or {attribute: trigger attribute}",
                )
            trigger_paths = self.paths_for(trigger_types or ())
            for a, b, p in pairs:
                if not isinstance(a, str) or not isinstance(b, str):
                    self.err(p, "attribute names must be text")
                    continue
                if paths is not None and a not in paths:
                    self.err(
                        p, f"unknown attribute {a!r} of {', '.join(types)}" + did_you_mean(a, paths)
                    )
                if trigger_types is None:
                    self.err(p, "'match' needs a trigger to match against; this rule has none")
                elif trigger_types and b not in trigger_paths:
                    self.err(
                        p,
                        f"unknown attribute {b!r} of the trigger ({', '.join(trigger_types)})"
                        + did_you_mean(b, trigger_paths),
                    )
                match.append((a, b))
        in_state: list[str] = []
        for i, name in enumerate(self.items(m.get("in_state"), (*path, "in_state"), "states")):
            if not isinstance(name, str) or name not in STATES:
                self.err(
                    (*path, "in_state", i),
                    f"unknown state {_show(name)}{did_you_mean(str(name), STATES)}; "
                    "states: " + ", ".join(STATES),
                )
            else:
                in_state.append(name)
        state_of = "council"
        if m.get("state_of") is not None:
            state_of = self.text(m["state_of"], (*path, "state_of"), "an attribute path")
            if paths is not None and state_of not in paths:
                self.err(
                    (*path, "state_of"),
                    f"unknown attribute {state_of!r} of {', '.join(types)}"
                    + did_you_mean(state_of, paths),
                )
        by_any = self.fulfillers(m, "by_any", path, trigger_types)
        by_each = self.fulfillers(m, "by_each", path, trigger_types)
        if by_any and by_each:
            self.err(
                (*path, "by_each"),
                "give 'by_any' (any one of them meets the duty) or 'by_each' (all of them "
                "must act), not both",
            )
        look_back = None
        if m.get("look_back") is not None:
            look_back = self.duration_like(m["look_back"], (*path, "look_back"))
            if by_each:
                self.err(
                    (*path, "look_back"),
                    "'look_back' counts one earlier event; with 'by_each' every party must "
                    "act after the trigger: leave one of them out",
                )
        return EventSpec(
            types=types,
            where=where,
            by=by,
            match=tuple(match),
            in_state=tuple(in_state),
            state_of=state_of,
            by_any=tuple(by_any),
            by_each=tuple(by_each),
            look_back=look_back,
        )

    def fulfillers(
        self,
        m: Mapping[str, Any],
        key: str,
        path: YPath,
        trigger_types: tuple[str, ...] | None,
    ) -> list[str]:
        """The parties of a fulfilment's `by_any` or `by_each`: party ids of this ruleset,
        or `trigger.PATH`, an attribute path of the trigger naming parties."""
        out: list[str] = []
        for i, who in enumerate(self.items(m.get(key), (*path, key), "party ids")):
            at: YPath = (*path, key, i)
            if not isinstance(who, str):
                self.err(at, f"expected a party id or trigger.ATTRIBUTE, got {_show(who)}")
            elif who.startswith("trigger."):
                attr = who.removeprefix("trigger.")
                trigger_paths = self.paths_for(trigger_types or ())
                if not trigger_types:
                    self.err(at, "'trigger.' needs a trigger; this rule has none")
                elif attr not in trigger_paths:
                    self.err(
                        at,
                        f"unknown attribute {attr!r} of the trigger ({', '.join(trigger_types)})"
                        + did_you_mean(attr, trigger_paths),
                    )
                elif not self.names_parties(trigger_types, attr):
                    self.err(
                        at,
                        f"{attr!r} of the trigger is not a party attribute: name an attribute "
                        "of type party (or a list of parties), e.g. council or team.council",
                    )
                else:
                    out.append(who)
            elif who not in self.party_ids:
                self.err(
                    at,
                    f"{who!r} is not a party of this ruleset" + did_you_mean(who, self.party_ids),
                )
            else:
                out.append(who)
        return out

    def state_trigger(self, m: Mapping[str, Any], path: YPath, allow: tuple[str, ...]) -> EventSpec:
        """A trigger that is a state (`{state: inadequate}`): its spells start the duty, so
        nothing else about an event can be asked of it."""
        self.keys(m, path, allow, (), "in an event spec")
        for key in m:
            if key != "state" and key in allow:
                self.err(
                    (*path, key),
                    f"{key!r} cannot be combined with 'state': a state trigger starts one duty "
                    "for each spell of the state, whatever event started it",
                )
        name = m["state"]
        if not isinstance(name, str) or name not in STATES:
            self.err(
                (*path, "state"),
                f"unknown state {_show(name)}{did_you_mean(str(name), STATES)}; "
                "states: " + ", ".join(STATES),
            )
            return EventSpec(types=())
        return EventSpec(types=(), state=name)

    def condition(
        self,
        value: Any,
        path: YPath,
        paths: set[str] | None,
        refs: tuple[str, ...],
        types: tuple[str, ...] = (),
        vocab: VocabOf | None = None,
    ) -> Condition | None:
        """A condition, checked (each problem reported with its line and field) and then
        parsed, once, into its tree, which keeps where each part was written."""
        m = self.check_condition(value, path, paths, refs, types, "", vocab)
        if m is None:
            return None
        try:
            return parse_condition(m, lambda p: self.doc.where((*path, *p)))
        except ValueError:
            return Condition(())  # ill-formed inside: reported by the checks above

    def check_condition(
        self,
        value: Any,
        path: YPath,
        paths: set[str] | None,
        refs: tuple[str, ...],
        types: tuple[str, ...] = (),
        list_prefix: str = "",
        vocab: VocabOf | None = None,
    ) -> dict[str, Any] | None:
        vocab = vocab or (lambda full: self.value_vocab(types, full))
        m = self.mapping(value, path, "a condition: {attribute: value or tests}")
        if m is None:
            return None
        for key, val in m.items():
            p: YPath = (*path, key)
            if key in ("all", "any"):
                for i, c in enumerate(self.items(val, p, "conditions")):
                    self.check_condition(c, (*p, i), paths, refs, types, list_prefix, vocab)
                continue
            if key == "not":
                self.check_condition(val, p, paths, refs, types, list_prefix, vocab)
                continue
            full = f"{list_prefix}{key}"
            if paths is not None and full not in paths:
                known = sorted(
                    x[len(list_prefix) :]
                    for x in paths
                    if x.startswith(list_prefix) and "." not in x[len(list_prefix) :]
                )
                where = f" of {', '.join(types)}" if types else ""
                self.err(
                    p,
                    f"unknown attribute {key!r}{where}{did_you_mean(key, known)}"
                    + (f"; known: {', '.join(known)}" if known else ""),
                )
            if isinstance(val, dict) and set(val) != {"ref"}:
                self.tests(val, p, paths, refs, types, full, vocab)
            else:
                self.operand(val, p, refs)
                self.literals(val, p, key, vocab(full))
        return m

    def names_parties(self, types: tuple[str, ...], full: str) -> bool:
        """Whether an attribute path of these event types holds parties (a party, or a
        list of them), as `by_any` / `by_each` need."""
        if full == "council":
            return True
        specs = [self.cat.attribute_spec(t, full) for t in types]
        if any(s is None for s in specs):
            return True  # not described by the catalogue: nothing to check against
        vocab = self.value_vocab(types, full)
        return vocab is not None and vocab.party

    def value_vocab(self, types: tuple[str, ...], full: str) -> Vocab | None:
        """The values an event attribute can take, when the catalogue closes them."""
        specs = [s for s in (self.cat.attribute_spec(t, full) for t in types) if s is not None]
        leaves = [s.items if s.type == "list" and s.items is not None else s for s in specs]
        if not leaves:
            return None
        if all(leaf.values for leaf in leaves):
            return Vocab(tuple(dict.fromkeys(v for leaf in leaves for v in leaf.values)))
        if all(leaf.type == "party" for leaf in leaves):
            return Vocab(None, party=True)
        return None

    def party_vocab(self, full: str) -> Vocab | None:
        """The values a party attribute can take (for `applies_to`), from the registry
        and the ruleset's own parties."""
        if full == "id":
            return Vocab(tuple(sorted(self.party_ids))) if self.party_ids else None
        if full == "kind":
            return Vocab(("council", "body"))
        if full not in ("type", "region", "services"):
            return None
        seen: dict[Any, None] = {}
        entries = [*self.registry.values(), *(p.attributes for p in self.parsed_parties)]
        for entry in entries:
            v = entry.get(full)
            for item in v if isinstance(v, list) else [v]:
                if item is not None:
                    seen[item] = None
        return Vocab(tuple(seen)) if seen else None

    def literals(self, value: Any, path: YPath, key: str, vocab: Vocab | None) -> None:
        """Report literal values outside an attribute's vocabulary (a misspelt value
        would otherwise make a condition silently never hold)."""
        if vocab is None:
            return
        items = (
            [(v, (*path, i)) for i, v in enumerate(value)]
            if isinstance(value, list)
            else [(value, path)]
        )
        for v, p in items:
            if isinstance(v, dict) or v is None:
                continue  # a reference (checked elsewhere), or "no value"
            if vocab.party:
                known = {*self.registry, *load_bodies()}
                if not isinstance(v, str) or not PARTY_RE.match(v):
                    self.err(p, f"{key}: expected {PARTY_FORMS}, got {_show(v)}")
                elif self.registry and v not in known:
                    self.err(
                        p,
                        f"{key}: {v!r} is neither a council in the registry nor a body"
                        + did_you_mean(v, known),
                    )
            elif vocab.values is not None and v not in vocab.values:
                shown = ", ".join(str(x) for x in vocab.values)
                self.err(
                    p,
                    f"{_show(v)} is not a value of {key}"
                    + did_you_mean(str(v), [str(x) for x in vocab.values])
                    + f"; {key} is one of: {shown}",
                )

    def tests(
        self,
        val: Mapping[str, Any],
        path: YPath,
        paths: set[str] | None,
        refs: tuple[str, ...],
        types: tuple[str, ...],
        full: str,
        vocab: VocabOf,
    ) -> None:
        if not val:
            self.err(
                path,
                "an empty mapping is not a test; write a value or a test such as {at_least: 2}",
            )
        for test, arg in val.items():
            p: YPath = (*path, test)
            if test not in TESTS:
                self.err(
                    p,
                    f"unknown test {test!r}{did_you_mean(test, TESTS)}; tests: "
                    + ", ".join(TESTS)
                    + f"; combinators ({', '.join(COMBINATORS)}) go at the level of attributes",
                )
                continue
            if test in ("some", "none", "every"):
                self.check_condition(arg, p, paths, refs, types, f"{full}.", vocab)
            elif test in ("count", "distinct", "length"):
                m = self.mapping(arg, p, "{where: ..., at_least: N}") or {}
                allowed = (
                    *COMPARISONS,
                    *(("where",) if test != "length" else ()),
                    *(("field",) if test == "distinct" else ()),
                )
                self.keys(m, p, allowed, ("field",) if test == "distinct" else (), f"in '{test}'")
                if not any(k in m for k in COMPARISONS):
                    self.err(p, f"'{test}' needs a bound: one of " + ", ".join(COMPARISONS))
                for k in COMPARISONS:
                    if k in m:
                        self.number_operand(m[k], (*p, k), refs)
                if m.get("where") is not None:
                    self.check_condition(
                        m["where"], (*p, "where"), paths, refs, types, f"{full}.", vocab
                    )
                field = m.get("field")
                if (
                    test == "distinct"
                    and isinstance(field, str)
                    and paths is not None
                    and (f"{full}.{field}" not in paths)
                ):
                    self.err((*p, "field"), f"unknown attribute {m['field']!r} in {full}")
            elif test in COMPARISONS:
                self.number_operand(arg, p, refs)
                held = self.attribute_types(types, full)
                if held and not held & {"integer", "number"}:
                    self.err(
                        p,
                        f"'{test}' compares numbers, but {full!r} holds "
                        + " or ".join(sorted(_HELD.get(t, t) for t in held))
                        + "; use equals or in",
                    )
            elif test == "exists":
                if not isinstance(arg, bool):
                    self.err(p, "'exists' takes true or false")
            elif test in ("in", "not_in"):
                if not isinstance(arg, list) and not (
                    isinstance(arg, dict) and set(arg) == {"ref"}
                ):
                    self.err(p, f"'{test}' takes a list of values, e.g. [good, outstanding]")
                elif isinstance(arg, dict):
                    self.operand(arg, p, refs)
                else:
                    self.literals(arg, p, full.rsplit(".", 1)[-1], vocab(full))
            else:
                self.operand(arg, p, refs)
                if test in ("equals", "not_equals", "contains"):
                    self.literals(arg, p, full.rsplit(".", 1)[-1], vocab(full))
        _ = LIST_TESTS

    def attribute_types(self, types: Iterable[str], full: str) -> set[str]:
        """The catalogue types the attribute at dotted path `full` has in these event
        types (empty when it is not known, e.g. reported as unknown already)."""
        out: set[str] = set()
        for type_name in types:
            et = self.cat.types.get(type_name)
            if et is None:
                continue
            first, *rest = full.split(".")
            spec = et.attributes.get(first)
            if spec is None:
                if first in ("id", "type", "council"):
                    out.add("string")
                elif first == "date":
                    out.add("date")
                continue
            for part in rest:
                inner = spec.items if spec.type == "list" and spec.items is not None else spec
                spec = inner.attributes.get(part)
                if spec is None:
                    break
            if spec is not None:
                out.add(spec.type)
        return out

    def number_operand(self, value: Any, path: YPath, refs: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            self.operand(value, path, refs)
        elif (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not -MAX_NUMBER <= value <= MAX_NUMBER  # also refuses NaN
        ):
            self.err(
                path,
                f"expected a number from -{MAX_NUMBER:,} to {MAX_NUMBER:,}, got {_show(value)}",
            )

    def operand(self, value: Any, path: YPath, refs: tuple[str, ...]) -> None:
        if isinstance(value, dict):
            if set(value) != {"ref"} or not isinstance(value.get("ref"), str):
                self.err(
                    path,
                    "a value here is a literal or a reference {ref: event.ATTRIBUTE}, "
                    "{ref: trigger.ATTRIBUTE} or {ref: party}",
                )
                return
            root = value["ref"].split(".")[0]
            if root not in refs:
                allowed = ", ".join(refs) or "nothing"
                self.err(
                    (*path, "ref"),
                    f"{value['ref']!r} cannot be referred to here; "
                    f"references here may start with: {allowed}",
                )

    def applies_to(self, value: Any, path: YPath) -> Condition | None:
        known = set(PARTY_ATTRIBUTES)
        for entry in self.registry.values():
            known |= set(entry)
        return self.condition(value, path, known, (), vocab=self.party_vocab)

    # -- rules
    def rule(self, raw: Any, index: int, seen: set[str]) -> Rule | None:
        path: YPath = ("rules", index)
        m = self.mapping(raw, path, "a rule")
        if m is None:
            return None
        kind = m.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            self.err(
                (*path, "kind"),
                f"unknown rule kind {_show(kind)}{did_you_mean(str(kind), KINDS)}; "
                "kinds: " + ", ".join(KINDS),
            )
            return None
        monitoring = self.choice(
            m.get("monitoring"), (*path, "monitoring"), ("events", "self-declared"), "events"
        )
        required, optional = KINDS[kind].required, KINDS[kind].optional
        if monitoring == "self-declared" or kind == "self_declared":
            monitoring = "self-declared"
            required = ()
        self.keys(
            m,
            path,
            (*COMMON_RULE_KEYS, *KINDS[kind].required, *optional),
            ("id", *required),
            f"in a {kind} rule",
        )
        rid = m.get("id")
        if isinstance(rid, str):
            if not ID_RE.fullmatch(rid):
                self.err(
                    (*path, "id"), f"rule id {rid!r}: use lower-case letters, digits and hyphens"
                )
            if rid in seen:
                self.err((*path, "id"), f"duplicate rule id {rid!r}")
            seen.add(rid)
        if not m.get("clause"):
            self.err(path, 'every rule must cite its clause: add e.g. clause: "4(b)"')
        if not m.get("quote"):
            self.err(
                path, 'every rule must quote the words of the clause it encodes: add quote: "..."'
            )
        common: dict[str, Any] = {
            "id": str(rid or f"rule-{index}"),
            "clause": self.text(m.get("clause"), (*path, "clause"), "a clause number"),
            "quote": self.text(m.get("quote"), (*path, "quote"), "the quoted words"),
            "title": self.text(m.get("title"), (*path, "title"), "a title"),
            "interpretation": self.text(
                m.get("interpretation"), (*path, "interpretation"), "a rationale"
            ),
            "description": self.text(m.get("description"), (*path, "description"), "text"),
            "versions": self.rule_versions(m.get("versions"), (*path, "versions")),
            "url": self.url(m.get("url"), (*path, "url")),
            "monitoring": monitoring,
            # a limit exceeded is a notice unless the ruleset says breach
            "severity": self.choice(
                m.get("severity"),
                (*path, "severity"),
                ("breach", "notice"),
                KINDS[kind].default_severity,
            ),
        }
        if m.get("applies_to") is not None:
            common["applies_to"] = self.applies_to(m["applies_to"], (*path, "applies_to"))
        trigger = None
        trigger_types: tuple[str, ...] | None = None
        if "trigger" in KINDS[kind].required and m.get("trigger") is not None:
            trigger = self.event_spec(
                m["trigger"],
                (*path, "trigger"),
                trigger_types=None,
                refs=("event",),
                allow=(
                    "type",
                    "where",
                    "in_state",
                    "state_of",
                    *(("state",) if KINDS[kind].state_trigger else ()),
                ),
            )
            trigger_types = trigger.types if trigger else ()
            if trigger is not None and trigger.state is not None:
                # the duty's trigger is the event that started the spell
                trigger_types = STATES[trigger.state].types
                party = m.get("party")
                if party is not None and party != "council":
                    self.err(
                        (*path, "party"),
                        "a rule triggered by a state is owed by the council in that state: "
                        "leave 'party' out (or write party: council)",
                    )
        common["party"] = self.party_spec(m.get("party"), (*path, "party"), trigger_types, kind)
        if monitoring == "self-declared":
            return KINDS["self_declared"].parse(
                self, RuleParts(m, path, common, None, lambda _key: None)
            )

        def spec(key: str) -> EventSpec | None:
            if m.get(key) is None:
                return None
            by_any = (
                ("by_any", "by_each", "look_back")
                if key == "fulfil" and KINDS[kind].fulfil_by_any
                else ()
            )
            return self.event_spec(
                m[key],
                (*path, key),
                trigger_types=trigger_types,
                refs=("event", "party", *(("trigger",) if trigger_types is not None else ())),
                allow=("type", "where", "by", "match", *by_any),
            )

        try:
            return KINDS[kind].parse(self, RuleParts(m, path, common, trigger, spec))
        except TypeError as exc:  # pragma: no cover - a bug here, not in the ruleset
            self.err(path, f"internal error building the rule: {exc}")
        return None

    def party_spec(
        self, value: Any, path: YPath, trigger_types: tuple[str, ...] | None, kind: str
    ) -> PartySpec:
        if value is None:
            if trigger_types is None:
                return PartySpec(path=None, each_member=True)
            return PartySpec()
        if isinstance(value, str):
            if trigger_types is None:
                self.err(
                    path, f"{kind} rules have no trigger: name {{body: ID}} or {{each: member}}"
                )
                return PartySpec(path=None, each_member=True)
            paths = self.paths_for(trigger_types)
            if trigger_types and value not in paths:
                self.err(
                    path, f"unknown attribute {value!r} of the trigger" + did_you_mean(value, paths)
                )
            return PartySpec(path=value)
        m = self.mapping(value, path, "an attribute path, {body: ID} or {each: member}") or {}
        self.keys(m, path, ("body", "each", "region_of"), (), "in 'party'")
        if "body" in m:
            body = m["body"]
            if not isinstance(body, str) or body not in self.party_ids:
                self.err(
                    (*path, "body"),
                    f"{_show(body)} is not a body of this ruleset"
                    + did_you_mean(str(body), self.party_ids),
                )
            if m.get("region_of") is None:
                return PartySpec(path=None, body=str(body))
            where = self.text(m["region_of"], (*path, "region_of"), "an attribute path")
            if trigger_types is None:
                self.err(
                    (*path, "region_of"),
                    f"{kind} rules have no trigger to name a council: 'region_of' needs one",
                )
            elif trigger_types and not (
                where in self.paths_for(trigger_types) and self.names_parties(trigger_types, where)
            ):
                self.err(
                    (*path, "region_of"),
                    f"{where!r} is not a party attribute of the trigger "
                    f"({', '.join(trigger_types)})"
                    + did_you_mean(where, self.paths_for(trigger_types)),
                )
            problem = family_problem(str(body))
            if problem:
                self.err((*path, "body"), problem)
            return PartySpec(path=None, body=str(body), region_of=where)
        if "region_of" in m:
            self.err((*path, "region_of"), "'region_of' goes with {body: FAMILY}")
        if m.get("each") == "member":
            return PartySpec(path=None, each_member=True)
        self.err(path, "'party' takes an attribute path, {body: ID} or {each: member}")
        return PartySpec()

    def period(self, value: Any, path: YPath) -> PeriodSpec | None:
        m = self.mapping(value, path, "{calendar: financial_year}")
        if m is None:
            return None
        self.keys(m, path, ("calendar", "unit", "months"), ("calendar",), "in a period")
        cal = self.choice(m.get("calendar"), (*path, "calendar"), CALENDARS, "financial_year")
        unit = self.choice(m.get("unit"), (*path, "unit"), UNITS, "year")
        months = []
        for i, mo in enumerate(self.items(m.get("months"), (*path, "months"), "month numbers")):
            if isinstance(mo, bool) or not isinstance(mo, int) or not 1 <= mo <= 12:
                self.err((*path, "months", i), f"expected a month number 1-12, got {_show(mo)}")
            else:
                months.append(mo)
        if months and unit != "month":
            self.err((*path, "months"), "'months' needs unit: month")
        return PeriodSpec(calendar=cal, unit=unit, months=tuple(months))

    def escalation(
        self, raw: Any, index: int, rule_ids: set[str], seen: set[str]
    ) -> EscalationLadder | None:
        path: YPath = ("escalations", index)
        m = self.mapping(raw, path, "an escalation ladder")
        if m is None:
            return None
        self.keys(
            m,
            path,
            ("id", "title", "clause", "quote", "start", "stop", "steps", "interpretation"),
            ("id", "clause", "quote", "start", "steps"),
            "in an escalation ladder",
        )
        lid = str(m.get("id") or f"ladder-{index}")
        if lid in seen or lid in rule_ids:
            self.err((*path, "id"), f"duplicate id {lid!r}")
        seen.add(lid)
        sp: YPath = (*path, "start")
        start = self.mapping(m.get("start") or {}, sp, "{concern: true, breach_of: [...]}") or {}
        self.keys(start, sp, ("concern", "breach_of", "event", "about", "state"), (), "in 'start'")
        start_state = None
        if start.get("state") is not None:
            name = start["state"]
            if not isinstance(name, str) or name not in STATES:
                self.err(
                    (*sp, "state"),
                    f"unknown state {_show(name)}{did_you_mean(str(name), STATES)}; "
                    "states: " + ", ".join(STATES),
                )
            else:
                start_state = name
        breach_of = []
        for i, r in enumerate(self.items(start.get("breach_of"), (*sp, "breach_of"), "rule ids")):
            if not isinstance(r, str) or r not in rule_ids:
                self.err(
                    (*sp, "breach_of", i),
                    f"unknown rule {_show(r)}{did_you_mean(str(r), rule_ids)}",
                )
            else:
                breach_of.append(str(r))
        start_on = None
        if start.get("event") is not None:
            start_on = self.event_spec(
                start["event"],
                (*sp, "event"),
                trigger_types=None,
                refs=("event",),
                allow=("type", "where", "in_state", "state_of"),
            )
        about = self.text(start.get("about"), (*sp, "about"), "an attribute", "council")
        if start_on and start_on.types and about not in self.paths_for(start_on.types):
            self.err((*sp, "about"), f"unknown attribute {about!r} of the starting event")
        concern = start.get("concern", False)
        if not isinstance(concern, bool):
            self.err((*sp, "concern"), "'concern' takes true or false")
            concern = False
        if not (
            concern
            or start.get("breach_of")
            or start.get("event") is not None
            or start.get("state") is not None
        ):
            self.err(
                sp,
                "a ladder needs a start: concern: true, breach_of: [rule ids], event: {...} "
                "or state: NAME",
            )
        if start.get("state") is not None and start.get("event") is not None:
            self.err((*sp, "state"), "give either 'state' or 'event' to start a ladder, not both")
        if m.get("stop") not in (None, "concern.resolved"):
            self.err(
                (*path, "stop"),
                "the only stop supported is concern.resolved (breach ladders stop when remedied)",
            )
        steps = []
        for i, s in enumerate(self.items(m.get("steps"), (*path, "steps"), "steps")):
            p: YPath = (*path, "steps", i)
            sm = self.mapping(s, p, "{step, actor, window, title}")
            if sm is None:
                continue
            self.keys(
                sm,
                p,
                ("step", "actor", "window", "title"),
                ("step", "actor", "window"),
                "in a step",
            )
            number = self.integer(sm.get("step"), (*p, "step"), i + 1)
            if number != i + 1:
                self.err((*p, "step"), f"steps are numbered 1, 2, 3 in order; expected {i + 1}")
            actor = self.text(sm.get("actor"), (*p, "actor"), "a party id")
            if actor and actor not in self.party_ids:
                self.err(
                    (*p, "actor"),
                    f"{actor!r} is not a party of this ruleset"
                    + did_you_mean(actor, self.party_ids),
                )
            window = self.duration_like(sm.get("window"), (*p, "window"))
            if window:
                steps.append(
                    EscalationStep(
                        number, actor, window, self.text(sm.get("title"), (*p, "title"), "a title")
                    )
                )
        if not steps:
            self.err((*path, "steps"), "a ladder needs at least one step")
            return None
        return EscalationLadder(
            id=lid,
            clause=self.text(m.get("clause"), (*path, "clause"), "a clause"),
            quote=self.text(m.get("quote"), (*path, "quote"), "a quote"),
            title=self.text(m.get("title"), (*path, "title"), "a title"),
            steps=tuple(steps),
            on_concern=bool(concern),
            breach_of=tuple(breach_of),
            start_on=start_on,
            about=about,
            start_state=start_state,
            interpretation=self.text(m.get("interpretation"), (*path, "interpretation"), "text"),
        )


_WORD_NUMBERS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
_DURATION_WORDS = re.compile(r"^\s*(\d+|[a-z]+)[\s-]*(day|week|month|year)s?\s*$", re.IGNORECASE)


def duration_hint(value: Any) -> str:
    """The ISO 8601 form of a duration written in words ('6 months' -> 'P6M'), or ''."""
    if not isinstance(value, str):
        return ""
    m = _DURATION_WORDS.match(value)
    if m is None:
        return ""
    count = m.group(1).lower()
    n = int(count) if count.isdigit() else _WORD_NUMBERS.get(count)
    if n is None:
        return ""
    return f"P{n}{m.group(2)[0].upper()}"


def _written(text: str, line: int, key: str) -> str:
    """A plain scalar as written on `line` after `key:` (for messages), or ''."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    m = re.match(rf"^\s*{re.escape(key)}\s*:\s*([^#]*?)\s*(?:#.*)?$", lines[line - 1])
    return m.group(1) if m else ""


_HELD = {
    "string": "text",
    "date": "dates",
    "party": "council codes",
    "boolean": "true or false",
    "list": "a list",
    "object": "an object",
}


def want_text(want: str) -> str:
    return {
        "duration": "a duration",
        "date": "a date",
        "number": "a number",
        "joiners": "one of " + ", ".join(JOINER_READINGS),
    }[want]


def _with_left(p: Party, day: _dt.date) -> Party:
    return attrs.evolve(p, left=day)


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, _dt.date | Duration):
        return str(value)  # 2015-06-30, P6M: as written in a ruleset
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number of more than 60 digits"
    shown = repr(value)
    return shown if len(shown) <= 80 else f"{shown[:60]}... ({len(shown):,} characters)"


# ---------------------------------------------------------------------- public


def parse_ruleset(
    text: str,
    file: str = "<ruleset>",
    *,
    catalogue: Catalogue | None = None,
    registry: Mapping[str, Any] | None = None,
    base: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[Ruleset | None, list[Problem]]:
    """Parse and validate a ruleset's text. Returns the Ruleset (None if any problem)
    and every problem found. `base` is the ruleset's directory, where an events file it
    names is looked for (without it, a ruleset must declare its event types inline).
    `overrides` (parameter name: value) replaces parameters' values for this load, as if
    written as the parameter's `value:`; they are checked as that would be."""
    bad = _SURROGATE.search(text)
    if bad is not None:  # not text: no YAML parser can read it, nor can it be printed
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        return None, [
            Problem(Location(file, line, column), "a lone surrogate here is not text", ())
        ]
    loaded, problems = load_yaml(text, file)
    if loaded is None:
        return None, problems
    reader = _Reader(
        loaded, catalogue or load_catalogue(), registry if registry is not None else load_registry()
    )
    reader.problems.extend(problems)
    doc = loaded.data
    if not isinstance(doc, dict):
        reader.err((), "a ruleset is a mapping with id, title, effective, parties and rules")
        return None, reader.problems
    if overrides:
        _override(reader, doc, overrides)
    reader.keys(
        doc, (), TOP_KEYS, ("id", "title", "effective", "parties", "rules"), "at the top level"
    )
    rid = reader.text(doc.get("id"), ("id",), "the ruleset id")
    if rid and not ID_RE.fullmatch(rid):
        reader.err(("id",), f"ruleset id {rid!r}: use lower-case letters, digits and hyphens")
    effective = reader.effective(doc.get("effective"))
    declared, event_lines = _declared_events(reader, doc.get("events"), rid or "?", file, base)
    if declared:
        reader.cat = reader.cat.with_types(declared)
    reader.parameters(doc.get("parameters"))
    versions = reader.versions(doc.get("versions"), effective)
    parties, successions, pattern = reader.parties(doc.get("parties"))
    if isinstance(effective.revoked_by, tuple):
        for i, pid in enumerate(effective.revoked_by):
            if pid and pid not in reader.party_ids:
                reader.err(
                    ("effective", "revoked_by", i),
                    f"{pid!r} is not a party of this ruleset" + did_you_mean(pid, reader.party_ids),
                )
    rules: list[Rule] = []
    seen: set[str] = set()
    lines: dict[str, int] = {}
    for i, raw in enumerate(reader.items(doc.get("rules"), ("rules",), "rules")):
        rule = reader.rule(raw, i, seen)
        if rule is not None:
            rules.append(rule)
            lines[rule.id] = loaded.where(("rules", i)).line
    ladders = []
    ladder_ids: set[str] = set()
    for i, raw in enumerate(reader.items(doc.get("escalations"), ("escalations",), "ladders")):
        ladder = reader.escalation(raw, i, seen, ladder_ids)
        if ladder is not None:
            ladders.append(ladder)
    title = reader.text(doc.get("title"), ("title",), "a title")
    source = reader.text(doc.get("source"), ("source",), "a file name")
    if isinstance(doc.get("version"), float):
        written = _written(text, loaded.where(("version",)).line, "version") or str(doc["version"])
        reader.err(
            ("version",),
            f"version {written} is read as the number {doc['version']!r}, "
            f'which is not what was written: quote it, version: "{written}"'
            if written != repr(doc["version"])
            else f'version {written} is read as a number: quote it, version: "{written}"',
        )
    version = reader.text(doc.get("version"), ("version",), "a version", "1")
    description = reader.text(doc.get("description"), ("description",), "text")
    if reader.problems:
        reader.problems.sort(key=lambda p: (p.location.line, p.location.column))
        return None, [_as_set(p, overrides or {}) for p in reader.problems]
    for name in overrides or {}:
        reader.params[name] = attrs.evolve(reader.params[name], overridden=True)
    ruleset = Ruleset(
        id=rid,
        title=title,
        source=source,
        version=version,
        description=description,
        effective=effective,
        parties=tuple(parties),
        rules=tuple(rules),
        parameters=dict(reader.params),
        escalations=tuple(ladders),
        successions=tuple(successions),
        council_pattern=pattern,
        file=file,
        rule_lines=lines,
        versions=tuple(versions),
        events=declared,
        event_lines=event_lines,
    )
    return ruleset, []


def _override(reader: _Reader, doc: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Put each overriding value where the parameter's `value:` is, for the checks."""
    found = doc.get("parameters")
    params: dict[str, Any] = found if isinstance(found, dict) else {}
    names = list(params)
    for name, value in overrides.items():
        spec = params.get(name)
        if not isinstance(spec, dict):
            reader.err(
                ("parameters",),
                f"no parameter {name!r} to set{did_you_mean(str(name), names)}; "
                "parameters: " + (", ".join(names) or "none"),
            )
            continue
        kept = {k: v for k, v in spec.items() if k not in ("value", "values")}
        params[name] = {**kept, "value": value}


def _as_set(problem: Problem, overrides: Mapping[str, Any]) -> Problem:
    """A problem with an overriding value says so: the file holds another value."""
    path = problem.path
    for name, value in overrides.items():
        under = len(path) >= 2 and path[0] == "parameters" and path[1] == name
        if under or f"parameter {name!r}" in problem.message:  # or where a rule uses it
            return attrs.evolve(
                problem, message=f"{name} set to {value!r} for this run: {problem.message}"
            )
    return problem


MAX_EVENTS_FILE = 1_000_000
"""An events file a ruleset names holds at most this many bytes."""


def _declared_events(
    reader: _Reader, value: Any, owner: str, file: str, base: Path | None
) -> tuple[dict[str, EventType], dict[str, tuple[str, int]]]:
    """The event types a ruleset declares under `events`: inline (a mapping of type
    name: declaration) or in a file it names, relative to the ruleset's own directory."""
    if value is None:
        return {}, {}
    if isinstance(value, dict):
        types, problems = read_declarations(reader.doc, ("events",), owner)
        reader.problems.extend(problems)
        return types, {n: (file, reader.doc.where(("events", n)).line) for n in types}
    if not isinstance(value, str):
        reader.err(
            ("events",),
            f"expected the event types (a mapping of name: declaration) or the name of a "
            f"YAML file that declares them, got {_show(value)}",
        )
        return {}, {}
    loaded = _events_file(reader, value, file, base)
    if loaded is None:
        return {}, {}
    data = loaded.data
    if not isinstance(data, dict) or "types" not in data:
        reader.problems.append(
            Problem(
                loaded.where(()),
                "an events file is a mapping with 'types': event type name: declaration "
                "(the shape of the bundled catalogue, src/sli_rules/data/events.yaml)",
                (),
            )
        )
        return {}, {}
    for key in data:
        if key != "types":
            reader.problems.append(
                Problem(
                    loaded.where((key,)),
                    f"unknown key {key!r}; an events file holds only 'types'",
                    (key,),
                )
            )
    types, problems = read_declarations(loaded, ("types",), owner)
    reader.problems.extend(problems)
    return types, {n: (loaded.file, loaded.where(("types", n)).line) for n in types}


def _events_file(reader: _Reader, name: str, file: str, base: Path | None) -> Loaded | None:
    """The located document of the events file `name`, or None (the problem reported).

    The file must lie in the ruleset's directory or below it: a ruleset is a document
    people share and run, and naming a file is all it may do, so it must not be able
    to read (and quote, in its error messages) a file elsewhere on the machine."""
    where: YPath = ("events",)
    if base is None:
        reader.err(
            where,
            "this ruleset was not read from a file, so it cannot name an events file: "
            "declare the event types inline under 'events'",
        )
        return None
    relative = Path(name)
    if relative.is_absolute() or relative.suffix not in (".yaml", ".yml"):
        reader.err(
            where,
            f"events file {name!r}: give a .yaml file's path relative to the ruleset's "
            "directory, e.g. my-agreement-events.yaml",
        )
        return None
    root = base.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(root):
        reader.err(
            where,
            f"events file {name!r} is outside the ruleset's directory ({base}); a ruleset "
            "may only name files in its own directory or below it",
        )
        return None
    if not target.is_file():
        reader.err(where, f"events file {name!r}: no such file in {base}")
        return None
    display = str(Path(file).parent / relative)
    try:
        raw = target.read_bytes()[: MAX_EVENTS_FILE + 1]
    except OSError as exc:
        reader.err(where, f"events file {name!r}: cannot read it ({exc.strerror or exc})")
        return None
    if len(raw) > MAX_EVENTS_FILE:
        reader.err(where, f"events file {name!r} is larger than {MAX_EVENTS_FILE:,} bytes")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        reader.problems.append(
            Problem(Location(display, line), "not UTF-8 text; save the file as UTF-8", ())
        )
        return None
    loaded, problems = load_yaml(text, display)
    reader.problems.extend(problems)
    return loaded


def _exists(path: Path) -> bool:
    """Whether `path` exists; False for a name no file can have (too long, a NUL byte)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _resolve(id_or_path: str | Path) -> tuple[Path | None, list[Problem]]:
    text = str(id_or_path)
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or _exists(path) or "/" in text:
        if not _exists(path):
            return None, [Problem(Location(text, 0), "no such ruleset file")]
        return path, []
    candidate = bundled_dir() / f"{text}.yaml"
    if _exists(candidate):
        return candidate, []
    ids = bundled_ids()
    return None, [
        Problem(
            Location(text, 0),
            f"no bundled ruleset with id {text!r}{did_you_mean(text, ids)}; "
            f"bundled: {', '.join(ids) or 'none'}",
        )
    ]


def check_ruleset(
    id_or_path: str | Path, *, overrides: Mapping[str, Any] | None = None
) -> tuple[Ruleset | None, list[Problem]]:
    """Load a bundled id or a path, returning the ruleset or every problem (never raises).
    `overrides`: parameter values for this load (see `parse_ruleset`)."""
    path, problems = _resolve(id_or_path)
    if path is None:
        return None, problems
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(Location(str(path), 0), f"cannot read the file: {exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start : exc.start].decode("utf-8", "replace")) + 1
        return None, [
            Problem(
                Location(str(path), line, column),
                f"not UTF-8 text: byte 0x{raw[exc.start]:02x}; save the file as UTF-8",
            )
        ]
    display = str(path) if not path.is_relative_to(bundled_dir()) else f"rulesets/{path.name}"
    return parse_ruleset(text, display, base=path.parent, overrides=overrides)


def load_ruleset(id_or_path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> Ruleset:
    """A bundled ruleset by id (e.g. 'west-midlands-compact-2013') or a YAML file by path.

    Raises `RulesetError` listing every problem, each as file:line:col: message @ path.
    """
    ruleset, problems = check_ruleset(id_or_path, overrides=overrides)
    if ruleset is None:
        raise RulesetError(problems)
    return ruleset
