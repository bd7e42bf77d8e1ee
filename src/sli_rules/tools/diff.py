"""What changed between two versions of a ruleset, and what difference it makes.

`diff_rulesets(old, new)` compares the two field by field: metadata, rules, parameters,
parties, successions and escalation ladders. Given events and a date, it also evaluates
both versions over the same events and lists the findings that appear, disappear or
change status or due date.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from sli_rules.api.evaluate import evaluate
from sli_rules.io.intake import Intake, read_events
from sli_rules.kinds import KINDS as RULE_KINDS
from sli_rules.load.catalogue import catalogue_for
from sli_rules.load.loader import load_ruleset
from sli_rules.load.overrides import resolve_settings, with_parameters
from sli_rules.model.conditions import Condition
from sli_rules.model.dates import Duration, PeriodSpec, as_day
from sli_rules.model.errors import Location, Problem, RulesetError
from sli_rules.model.values import (
    EscalationLadder,
    Event,
    EventSpec,
    Finding,
    Parameter,
    ParamRef,
    Party,
    PartySpec,
    Rule,
    Ruleset,
    Succession,
)

__all__ = ["DIFF_FORMATS", "Change", "ImpactRow", "RulesetDiff", "diff_rulesets"]

Date = _dt.date
Section = Literal["metadata", "rule", "parameter", "party", "succession", "escalation"]
Action = Literal["added", "removed", "changed"]
ImpactChange = Literal["appears", "disappears", "changed"]
DIFF_FORMATS = ("table", "markdown", "json")

# Rule fields in the order a policy officer reads a rule, with the names used in YAML.
# The fields every rule has, as (attribute, name shown); each kind adds its own between
# the head and the tail (`RuleKind.fields`, in its module under `kinds/`).
RULE_HEAD = (
    ("kind", "kind"),
    ("title", "title"),
    ("clause", "clause"),
    ("quote", "quote"),
    ("applies_to", "applies_to"),
    ("party", "party"),
)
RULE_TAIL = (
    ("severity", "severity"),
    ("monitoring", "monitoring"),
    ("interpretation", "interpretation"),
    ("description", "description"),
    ("url", "url"),
    ("versions", "versions"),
)


def rule_fields(*rules: Rule) -> tuple[tuple[str, str], ...]:
    """The fields to compare for these rules: the shared ones, then each one's kind's own
    (the first rule's first, when a rule changed kind)."""
    own: dict[tuple[str, str], None] = {}
    for r in rules:
        own.update(dict.fromkeys(RULE_KINDS[r.kind].fields))
    return (*RULE_HEAD, *own, *RULE_TAIL)


_WORDS = ("null", "true", "false", "yes", "no", "on", "off", "y", "n", "Null", "True", "False")
SPEC_FIELDS = (("types", "type"), ("where", "where"), ("by", "by"), ("match", "match"))
# Text written bare in the output (ids, codes, event types); anything else is quoted, so
# that prose, empty text and numbers-as-text ("1.0") are shown exactly.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.()/+-]*$")


# ---------------------------------------------------------------- rendering


def flow(value: Any) -> str:
    """A value as it would be written in a ruleset (YAML flow style)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Date, Duration)):
        return str(value) if isinstance(value, Duration) else value.isoformat()
    if isinstance(value, ParamRef):
        return f"{{parameter: {value.name}}}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return (
            value
            if _PLAIN.match(value) and value not in _WORDS
            else json.dumps(value, ensure_ascii=False)
        )
    if isinstance(value, EventSpec):
        parts = [f"type: {value.types[0] if len(value.types) == 1 else flow(list(value.types))}"]
        if value.where:
            parts.append(f"where: {flow(value.where)}")
        if value.by != "council":
            parts.append(f"by: {value.by}")
        if value.match:
            parts.append(f"match: {flow(dict(value.match))}")
        if value.by_any:
            parts.append(f"by_any: {flow(list(value.by_any))}")
        if value.by_each:
            parts.append(f"by_each: {flow(list(value.by_each))}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, PartySpec):
        if value.body and value.region_of:
            return f"{{body: {value.body}, region_of: {value.region_of}}}"
        if value.body:
            return f"{{body: {value.body}}}"
        if value.each_member:
            return "{each: member}"
        return value.path or "council"
    if isinstance(value, PeriodSpec):
        parts = [f"calendar: {value.calendar}"]
        if value.unit != "year":
            parts.append(f"unit: {value.unit}")
        if value.months:
            parts.append(f"months: {flow(list(value.months))}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, Condition):  # shown as written
        return flow(value.to_mapping())
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return str(value)


def _param_values(p: Parameter) -> str:
    if len(p.values) == 1 and p.values[0][0] is None:
        return flow(p.values[0][1])
    return "; ".join(
        f"from {start.isoformat() if start else 'the start'}: {flow(v)}" for start, v in p.values
    )


# ------------------------------------------------------------------- results


@attrs.frozen
class Change:
    """One difference between the old and the new ruleset."""

    section: Section
    action: Action
    item: str  # the rule, parameter, party or ladder id; the field name for metadata
    field: str = ""  # for a change inside an item: which field (YAML names)
    old: str | None = None  # rendered as in a ruleset
    new: str | None = None
    note: str = ""

    def describe(self) -> str:
        what = f"{self.section} {self.item}" if self.section != "metadata" else self.item
        if self.action == "changed":
            where = f": {self.field}" if self.field else ""
            text = f"{what}{where} changed from {self.old} to {self.new}"
        elif self.action == "added":
            text = f"{what} added" + (f": {self.new}" if self.new else "")
        else:
            text = f"{what} removed" + (f" (was {self.old})" if self.old else "")
        return text + (f" ({self.note})" if self.note else "")

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class ImpactRow:
    """A finding that appears, disappears or changes between evaluating OLD and NEW."""

    change: ImpactChange
    old: Finding | None
    new: Finding | None

    @property
    def finding(self) -> Finding:
        f = self.new or self.old
        assert f is not None
        return f

    def key(self) -> tuple[Any, ...]:
        return _key(self.finding)

    def to_dict(self) -> dict[str, Any]:
        f = self.finding
        return {
            "change": self.change,
            "kind": f.kind,
            "rule": f.rule,
            "party": f.party,
            "about": f.about,
            "triggered_by": list(f.triggered_by),
            "step": f.step,
            "opens": f.opens.isoformat() if f.opens else None,
            "old_status": self.old.status if self.old else None,
            "new_status": self.new.status if self.new else None,
            "old_due": self.old.due.isoformat() if self.old and self.old.due else None,
            "new_due": self.new.due.isoformat() if self.new and self.new.due else None,
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
        }


IMPACT_COLUMNS = (
    "change",
    "kind",
    "rule",
    "party",
    "about",
    "triggered_by",
    "step",
    "opens",
    "old_status",
    "new_status",
    "old_due",
    "new_due",
)


@attrs.frozen
class RulesetDiff:
    """The changes from OLD to NEW and, when events were given, their impact."""

    old: str  # "id version (file)"
    new: str
    changes: tuple[Change, ...]
    impact: tuple[ImpactRow, ...] | None = None
    as_of: Date | None = None
    events: int = 0

    @property
    def identical(self) -> bool:
        return not self.changes

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changes": [c.to_dict() for c in self.changes],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "events": self.events if self.impact is not None else None,
            "impact": [r.to_dict() for r in self.impact] if self.impact is not None else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def _impact_summary(self) -> str:
        assert self.impact is not None
        counts = {c: sum(1 for r in self.impact if r.change == c) for c in _IMPACT_ORDER}
        return (
            f"Impact over {self.events} events as of {self.as_of}: "
            f"{counts['appears']} findings appear, {counts['disappears']} disappear, "
            f"{counts['changed']} change status or due date."
        )

    def to_table(self) -> str:
        out = [f"OLD: {self.old}", f"NEW: {self.new}", ""]
        if not self.changes:
            out.append("No changes: the two rulesets say the same thing.")
        else:
            out.append(f"{len(self.changes)} change{'s' if len(self.changes) != 1 else ''}:")
            out.extend(f"  {c.describe()}" for c in self.changes)
        if self.impact is not None:
            out += ["", self._impact_summary()]
            if self.impact:
                rows = [[_cell(r.to_dict()[c]) for c in IMPACT_COLUMNS] for r in self.impact]
                widths = [
                    max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(IMPACT_COLUMNS)
                ]
                out.append(
                    "  ".join(
                        c.upper().ljust(w) for c, w in zip(IMPACT_COLUMNS, widths, strict=True)
                    ).rstrip()
                )
                out.extend(
                    "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                    for r in rows
                )
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        out = [
            "# Ruleset changes",
            "",
            f"- old: `{self.old}`",
            f"- new: `{self.new}`",
            "",
        ]
        if not self.changes:
            out.append("No changes: the two rulesets say the same thing.")
        else:
            cols = ("section", "item", "change", "field", "old", "new", "note")
            out.append("| " + " | ".join(cols) + " |")
            out.append("|" + "---|" * len(cols))
            for c in self.changes:
                d = c.to_dict()
                d["change"] = c.action
                out.append("| " + " | ".join(_md(d[k]) for k in cols) + " |")
        if self.impact is not None:
            out += ["", "## Impact", "", self._impact_summary()]
            if self.impact:
                out += ["", "| " + " | ".join(IMPACT_COLUMNS) + " |"]
                out.append("|" + "---|" * len(IMPACT_COLUMNS))
                for r in self.impact:
                    d = r.to_dict()
                    out.append("| " + " | ".join(_md(d[k]) for k in IMPACT_COLUMNS) + " |")
        return "\n".join(out) + "\n"

    def render(self, fmt: str = "table") -> str:
        renderers: dict[str, Callable[[], str]] = {
            "table": self.to_table,
            "markdown": self.to_markdown,
            "json": self.to_json,
        }
        if fmt not in renderers:
            raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(DIFF_FORMATS)}")
        return renderers[fmt]()


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    return str(v)


def _md(v: Any) -> str:
    return _cell(v).replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------- comparing


class _Differ:
    def __init__(self, old: Ruleset, new: Ruleset) -> None:
        self.old, self.new = old, new
        self.out: list[Change] = []

    def add(self, section: Section, action: Action, item: str, **kw: Any) -> None:
        self.out.append(Change(section, action, item, **kw))

    def field(self, section: Section, item: str, name: str, a: Any, b: Any, note: str = "") -> None:
        if a != b:
            self.add(section, "changed", item, field=name, old=flow(a), new=flow(b), note=note)

    def run(self) -> list[Change]:
        self.metadata()
        self.rules()
        self.parameters()
        self.parties()
        self.successions()
        self.escalations()
        return self.out

    def metadata(self) -> None:
        o, n = self.old, self.new
        for name, a, b in (
            ("id", o.id, n.id),
            ("title", o.title, n.title),
            ("source", o.source, n.source),
            ("version", o.version, n.version),
            ("description", o.description, n.description),
            ("effective.start", o.effective.start, n.effective.start),
            ("effective.start_basis", o.effective.start_basis, n.effective.start_basis),
            ("effective.start_rationale", o.effective.start_rationale, n.effective.start_rationale),
            ("effective.end", o.effective.end, n.effective.end),
            ("effective.reviews", list(o.effective.reviews), list(n.effective.reviews)),
            ("parties.council_pattern", o.council_pattern, n.council_pattern),
            ("versions", _versions(o), _versions(n)),
        ):
            if a != b:
                self.add("metadata", "changed", name, old=flow(a), new=flow(b))

    def rules(self) -> None:
        old = {r.id: r for r in self.old.rules}
        new = {r.id: r for r in self.new.rules}
        for rid, r in old.items():
            if rid not in new:
                self.add("rule", "removed", rid, old=_rule_summary(r))
        for rid, r in new.items():
            if rid not in old:
                self.add("rule", "added", rid, new=_rule_summary(r))
        for rid, b in new.items():
            a = old.get(rid)
            if a is not None:
                self.rule(a, b)

    def rule(self, a: Rule, b: Rule) -> None:
        for attr, name in rule_fields(a, b):
            va, vb = getattr(a, attr, None), getattr(b, attr, None)
            if va == vb:
                continue
            if isinstance(va, EventSpec) and isinstance(vb, EventSpec):
                for sattr, sname in SPEC_FIELDS:
                    sa, sb = getattr(va, sattr), getattr(vb, sattr)
                    if sattr == "types":
                        sa, sb = list(sa), list(sb)
                    if sattr == "match":
                        sa, sb = dict(sa), dict(sb)
                    self.field("rule", b.id, f"{name}.{sname}", sa, sb)
                continue
            self.field("rule", b.id, name, va, vb, note=self.param_note(va, vb))

    def param_note(self, a: Any, b: Any) -> str:
        """When a literal becomes a parameter (or back), say what the parameter holds."""
        notes = []
        for ref, rs in ((a, self.old), (b, self.new)):
            if isinstance(ref, ParamRef) and ref.name in rs.parameters:
                p = rs.parameters[ref.name]
                which = "old" if rs is self.old else "new"
                notes.append(f"{which} {ref.name} = {_param_values(p)}, {p.basis}")
        return "; ".join(notes)

    def parameters(self) -> None:
        old, new = self.old.parameters, self.new.parameters
        for name, p in old.items():
            if name not in new:
                self.add("parameter", "removed", name, old=f"{_param_values(p)} ({p.basis})")
        for name, p in new.items():
            if name not in old:
                self.add(
                    "parameter",
                    "added",
                    name,
                    new=f"{_param_values(p)} ({p.basis})",
                    note=_users(self.new, name),
                )
        for name, b in new.items():
            a = old.get(name)
            if a is None:
                continue
            users = _users(self.new, name)
            if a.values != b.values:
                self.add(
                    "parameter",
                    "changed",
                    name,
                    field="value" if len(a.values) == len(b.values) == 1 else "values",
                    old=_param_values(a),
                    new=_param_values(b),
                    note=users,
                )
            self.field("parameter", name, "basis", a.basis, b.basis, note=users)
            self.field("parameter", name, "rationale", a.rationale, b.rationale)
            self.field("parameter", name, "description", a.description, b.description)

    def parties(self) -> None:
        old = {p.id: p for p in self.old.parties}
        new = {p.id: p for p in self.new.parties}
        for pid, p in old.items():
            if pid not in new:
                self.add("party", "removed", pid, old=_party_summary(p))
        for pid, p in new.items():
            if pid not in old:
                self.add("party", "added", pid, new=_party_summary(p))
        for pid, b in new.items():
            a = old.get(pid)
            if a is None:
                continue
            self.field("party", pid, "kind", a.kind, b.kind)
            self.field("party", pid, "name", a.name, b.name)
            self.field("party", pid, "joined", a.joined, b.joined)
            self.field("party", pid, "left", a.left, b.left)
            keys = list(dict.fromkeys([*a.attributes, *b.attributes]))
            for k in keys:
                self.field("party", pid, k, a.attributes.get(k), b.attributes.get(k))

    def successions(self) -> None:
        def index(items: Iterable[Succession]) -> dict[str, Succession]:
            return {s.party: s for s in items}

        old, new = index(self.old.successions), index(self.new.successions)
        for pid, s in old.items():
            if pid not in new:
                self.add("succession", "removed", pid, old=_succession_summary(s))
        for pid, s in new.items():
            if pid not in old:
                self.add("succession", "added", pid, new=_succession_summary(s))
        for pid, b in new.items():
            a = old.get(pid)
            if a is None:
                continue
            self.field("succession", pid, "date", a.date, b.date)
            self.field("succession", pid, "successors", list(a.successors), list(b.successors))

    def escalations(self) -> None:
        old = {x.id: x for x in self.old.escalations}
        new = {x.id: x for x in self.new.escalations}
        for lid, x in old.items():
            if lid not in new:
                self.add("escalation", "removed", lid, old=_ladder_summary(x))
        for lid, x in new.items():
            if lid not in old:
                self.add("escalation", "added", lid, new=_ladder_summary(x))
        for lid, b in new.items():
            a = old.get(lid)
            if a is not None:
                self.ladder(a, b)

    def ladder(self, a: EscalationLadder, b: EscalationLadder) -> None:
        lid = b.id
        self.field("escalation", lid, "title", a.title, b.title)
        self.field("escalation", lid, "clause", a.clause, b.clause)
        self.field("escalation", lid, "quote", a.quote, b.quote)
        self.field("escalation", lid, "start.concern", a.on_concern, b.on_concern)
        self.field("escalation", lid, "start.breach_of", list(a.breach_of), list(b.breach_of))
        self.field("escalation", lid, "start.event", a.start_on, b.start_on)
        self.field("escalation", lid, "start.about", a.about, b.about)
        self.field("escalation", lid, "interpretation", a.interpretation, b.interpretation)
        old = {s.step: s for s in a.steps}
        new = {s.step: s for s in b.steps}
        for k, s in old.items():
            if k not in new:
                self.add("escalation", "removed", lid, field=f"steps[{k}]", old=_step_summary(s))
        for k, s in new.items():
            if k not in old:
                self.add("escalation", "added", lid, field=f"steps[{k}]", new=_step_summary(s))
        for k, sb in new.items():
            sa = old.get(k)
            if sa is None:
                continue
            self.field("escalation", lid, f"steps[{k}].actor", sa.actor, sb.actor)
            self.field(
                "escalation",
                lid,
                f"steps[{k}].window",
                sa.window,
                sb.window,
                note=self.param_note(sa.window, sb.window),
            )
            self.field("escalation", lid, f"steps[{k}].title", sa.title, sb.title)


def _versions(rs: Ruleset) -> list[str]:
    return [f"{v.id} from {v.start}" for v in rs.versions]


def _rule_summary(r: Rule) -> str:
    parts = [f"{r.kind}, clause {r.clause}"]
    for attr in RULE_KINDS[r.kind].diff_summary:
        v = getattr(r, attr, None)
        if v is not None:
            parts.append(f"{attr} {flow(v)}")
    return "; ".join(parts)


def _party_summary(p: Party) -> str:
    text = f"{p.kind} {flow(p.name)}"
    if p.joined:
        text += f", joined {p.joined}"
    if p.left:
        text += f", left {p.left}"
    return text


def _succession_summary(s: Succession) -> str:
    return f"on {s.date} by {', '.join(s.successors)}"


def _step_summary(s: Any) -> str:
    return f"{s.title or 'untitled'} by {s.actor} within {flow(s.window)}"


def _ladder_summary(x: EscalationLadder) -> str:
    starts = []
    if x.on_concern:
        starts.append("a concern")
    if x.breach_of:
        starts.append("a breach of " + ", ".join(x.breach_of))
    if x.start_on is not None:
        starts.append(" or ".join(x.start_on.types))
    return f"clause {x.clause}, {len(x.steps)} steps, started by {' or '.join(starts) or 'nothing'}"


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, ParamRef):
        yield value.name
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _refs(v)


def _users(rs: Ruleset, name: str) -> str:
    """'used by rule-a, ladder-b': where a parameter is read."""
    users = [
        r.id for r in rs.rules if name in _refs([getattr(r, a, None) for a, _n in rule_fields(r)])
    ]
    users += [x.id for x in rs.escalations if name in _refs([s.window for s in x.steps])]
    return f"used by {', '.join(users)}" if users else ""


# ------------------------------------------------------------------ impact


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.kind, f.rule, f.party, f.about or "", f.triggered_by, f.step or 0, f.opens)


_IMPACT_ORDER = {"appears": 0, "disappears": 1, "changed": 2}


def _impact(old: Sequence[Finding], new: Sequence[Finding]) -> list[ImpactRow]:
    def group(fs: Sequence[Finding]) -> dict[tuple[Any, ...], list[Finding]]:
        out: dict[tuple[Any, ...], list[Finding]] = {}
        for f in sorted(fs, key=Finding.sort_key):
            out.setdefault(_key(f), []).append(f)
        return out

    a, b = group(old), group(new)
    rows: list[ImpactRow] = []
    for key in dict.fromkeys([*a, *b]):
        fa, fb = a.get(key, []), b.get(key, [])
        for i in range(max(len(fa), len(fb))):
            x = fa[i] if i < len(fa) else None
            y = fb[i] if i < len(fb) else None
            if x is None:
                rows.append(ImpactRow("appears", None, y))
            elif y is None:
                rows.append(ImpactRow("disappears", x, None))
            elif (x.status, x.due) != (y.status, y.due):
                rows.append(ImpactRow("changed", x, y))
    rows.sort(key=lambda r: (r.finding.sort_key(), _IMPACT_ORDER[r.change]))
    return rows


# ------------------------------------------------------------------- public


def _label(rs: Ruleset) -> str:
    return f"{rs.id} version {rs.version}" + (f" ({rs.file})" if rs.file else "")


def diff_rulesets(
    old: Ruleset | str | Path,
    new: Ruleset | str | Path,
    events: Iterable[Event | Mapping[str, Any]] | str | Path | Intake | None = None,
    as_of: Date | _dt.datetime | str | None = None,
    *,
    complete: bool = False,
    parameters: Mapping[str, Any] | None = None,
) -> RulesetDiff:
    """Compare two versions of a ruleset (objects, bundled ids or paths).

    With `events` and `as_of`, both versions are evaluated over the same events as of the
    date, and `impact` lists the findings that appear, disappear or change status or due
    date, keyed by kind, rule, party, the council of concern, trigger, step and opening date.
    `complete=True` declares the events the whole record, as in `evaluate`.
    `parameters` overrides parameters of `new` (as in `evaluate`): with the same ruleset
    as both, the diff is the impact of another reading of the text.
    """
    a = old if isinstance(old, Ruleset) else load_versioned(old)
    b = new if isinstance(new, Ruleset) else load_versioned(new)
    if parameters:
        chosen = resolve_settings([b], parameters).get(b.id, {})
        b = (
            with_parameters([b], parameters)[0]
            if isinstance(new, Ruleset)
            else load_versioned(new, overrides=chosen)
        )
    changes = tuple(_Differ(a, b).run())
    if events is None and as_of is None:
        return RulesetDiff(_label(a), _label(b), changes)
    if events is None or as_of is None:
        raise ValueError("the impact needs both events and as_of (or neither)")

    day = as_day(as_of)
    intake = (
        events
        if isinstance(events, Intake)
        else read_events(events, catalogue=catalogue_for([a, b]))
    )
    before = evaluate([a], intake, as_of=day, complete=complete).findings
    after = evaluate([b], intake, as_of=day, complete=complete).findings
    return RulesetDiff(
        _label(a),
        _label(b),
        changes,
        impact=tuple(_impact(before, after)),
        as_of=day,
        events=len(intake.events),
    )


def load_versioned(
    id_or_path: str | Path, *, overrides: Mapping[str, Any] | None = None
) -> Ruleset:
    """A bundled id or a path, or either followed by `@VERSION`: that dated version of the
    ruleset, in force at every date (`Ruleset.as_version`), so that two versions of one
    ruleset can be compared over the same events."""
    text = str(id_or_path)
    base, at, version = text.rpartition("@")
    if at and base and VERSION_ID.fullmatch(version) and not Path(text).exists():
        ruleset = load_ruleset(base, overrides=overrides)
        try:
            return ruleset.as_version(version)
        except KeyError as exc:
            raise RulesetError([Problem(Location(text, 0), str(exc.args[0]))]) from None
    return load_ruleset(id_or_path, overrides=overrides)


VERSION_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
