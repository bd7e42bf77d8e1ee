"""Pages for policy readers: a ruleset, or the event catalogue, as Markdown or HTML.

A page is first built as a handful of plain blocks (headings, paragraphs, quotes, lists,
tables) and then written out in one format, so that the Markdown and the HTML always say
the same thing, and escaping happens in one place. Nothing is taken on trust: every
piece of text from a ruleset is escaped for the format it is written in, and the HTML
page is self-contained (no scripts, no external files).
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from sli_rules.kinds import KINDS
from sli_rules.load.catalogue import AttributeSpec, Catalogue, EventType, load_catalogue
from sli_rules.load.registry import family_members
from sli_rules.model.conditions import Condition, describe_condition
from sli_rules.model.dates import Duration, PeriodSpec
from sli_rules.model.states import STATES
from sli_rules.model.values import (
    CountRule,
    Effective,
    EscalationLadder,
    EventSpec,
    Parameter,
    ParamRef,
    PartySpec,
    RecurringRule,
    Rule,
    Ruleset,
    SelfDeclaredRule,
)

__all__ = ["DOC_FORMATS", "render_catalogue", "render_ruleset"]

DOC_FORMATS = ("markdown", "html")

# ================================================================ the blocks


@attrs.frozen
class Code:
    """An identifier shown as code: an event type, an attribute, an id, a GSS code."""

    text: str


@attrs.frozen
class Strong:
    text: str


Segment = str | Code | Strong
Text = tuple[Segment, ...]


def _t(*parts: Segment | Text | None) -> Text:
    out: list[Segment] = []
    for p in parts:
        if p is None:
            continue
        if isinstance(p, tuple):
            out.extend(p)
        else:
            out.append(p)
    return tuple(out)


def _join(items: Iterable[Text], sep: str = ", ") -> Text:
    out: list[Segment] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.extend(item)
    return tuple(out)


@attrs.frozen
class Heading:
    level: int
    text: Text
    anchor: str = ""


@attrs.frozen
class Para:
    text: Text


@attrs.frozen
class Quote:
    text: str


@attrs.frozen
class Bullets:
    items: tuple[Text, ...]


@attrs.frozen
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]


Block = Heading | Para | Quote | Bullets | Table


# ================================================================== writers


def _squash(text: str) -> str:
    """Runs of whitespace (folded YAML, line breaks) become single spaces."""
    return _SPACE.sub(" ", text)


_SPACE = re.compile(r"\s+")


_MD_SPECIAL = re.compile(r"([\\`*\[\]|])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_LINE_START = re.compile(r"^(#|>|[-+]\s|\d+[.)]\s)")


def _md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", _squash(text))
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md_code(text: str, *, in_table: bool) -> str:
    text = _squash(text)
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    code = f"{fence}{pad}{text}{pad}{fence}"
    # inside a table cell a pipe ends the cell, even in a code span, unless escaped
    return code.replace("|", "\\|") if in_table else code


def _md_inline(text: Text, *, line_start: bool = True, in_table: bool = False) -> str:
    out = []
    for seg in text:
        if isinstance(seg, Code):
            out.append(_md_code(seg.text, in_table=in_table))
        elif isinstance(seg, Strong):
            out.append(f"**{_md_escape(seg.text)}**")
        else:
            out.append(_md_escape(seg))
    line = "".join(out)
    if line_start and _MD_LINE_START.match(line):
        line = "\\" + line
    return line


def to_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + _md_inline(b.text, line_start=False))
        elif isinstance(b, Para):
            out.append(_md_inline(b.text).strip())
        elif isinstance(b, Quote):
            out.append("> " + _md_inline((b.text.strip(),), line_start=False).strip())
        elif isinstance(b, Bullets):
            out.append("\n".join("- " + _md_inline(item).strip() for item in b.items))
        else:
            lines = [
                "| " + " | ".join(_md_escape(h) for h in b.headers) + " |",
                "|" + "---|" * len(b.headers),
            ]
            lines += [
                "| "
                + " | ".join(_md_inline(c, line_start=False, in_table=True).strip() for c in row)
                + " |"
                for row in b.rows
            ]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _html_inline(text: Text) -> str:
    out = []
    for seg in text:
        if isinstance(seg, Code):
            out.append(f"<code>{html.escape(_squash(seg.text))}</code>")
        elif isinstance(seg, Strong):
            out.append(f"<strong>{html.escape(_squash(seg.text))}</strong>")
        else:
            out.append(html.escape(_squash(seg)))
    return "".join(out)


_CSS = """\
body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 2rem auto;
  max-width: 60rem; padding: 0 1rem; color: #1b1b1b; }
h1, h2, h3 { line-height: 1.25; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2rem; margin-top: 2.5rem; }
blockquote { border-left: 4px solid #5b7db1; margin: 0.5rem 0; padding: 0.2rem 1rem;
  background: #f3f6fb; font-style: italic; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left;
  vertical-align: top; }
th { background: #f1f3f5; }
code { background: #f1f3f5; padding: 0 0.2rem; border-radius: 3px; }
"""


def to_html(blocks: Sequence[Block], title: str) -> str:
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            body.append(f"<h{b.level}{anchor}>{_html_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f"<p>{_html_inline(b.text)}</p>")
        elif isinstance(b, Quote):
            body.append(f"<blockquote><p>{html.escape(_squash(b.text))}</p></blockquote>")
        elif isinstance(b, Bullets):
            items = "".join(f"<li>{_html_inline(i)}</li>" for i in b.items)
            body.append(f"<ul>{items}</ul>")
        else:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>"
                for row in b.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(_squash(title))}</title>\n"
        f"<style>\n{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _write(blocks: Sequence[Block], title: str, fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(blocks)
    if fmt == "html":
        return to_html(blocks, title)
    raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(DOC_FORMATS)}")


# ============================================================ ruleset pages


CALENDAR_WORDS = {
    "financial_year": "financial year (1 April to 31 March)",
    "calendar_year": "calendar year (January to December)",
    "agreement_year": "agreement year (running from each anniversary of the agreement's start)",
}

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _number(v: float | int) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _value(v: Any, note: Text = ()) -> Text:
    """A value in plain words, with an optional note in brackets after it."""
    if isinstance(v, Duration):
        return _t(Code(str(v)), f" ({v.describe()}", "; " if note else "", note, ")")
    if isinstance(v, _dt.date):
        shown = v.isoformat()
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        shown = _number(v)
    else:
        shown = str(v)
    return _t(shown, _t(" (", note, ")") if note else None)


def _param_values(p: Parameter) -> Text:
    if len(p.values) == 1 and p.values[0][0] is None:
        return _value(p.values[0][1])
    return _join(
        (_t(f"from {start.isoformat()}: " if start else "", _value(v)) for start, v in p.values),
        "; ",
    )


def _amount(rs: Ruleset, value: Any) -> Text:
    """A literal duration, date or number, or a parameter with its value(s), saying
    whether it comes from the text or is an interpretation."""
    if not isinstance(value, ParamRef):
        return _value(value, _t("from the text"))
    p = rs.parameters.get(value.name)
    if p is None:  # pragma: no cover - the loader rejects unknown parameters
        return _t("parameter ", Code(value.name))
    basis: Segment = Strong("interpretation") if p.basis == "interpretation" else "from the text"
    note = _t("parameter ", Code(value.name), ": ", basis)
    if len(p.values) == 1:
        return _value(p.values[0][1], note)
    return _t(_param_values(p), " (", note, ")")


def _interpretations(rs: Ruleset, values: Iterable[Any]) -> list[Text]:
    """One line per interpreted parameter among `values`: why it has its value."""
    out: list[Text] = []
    seen: set[str] = set()
    for v in values:
        if not isinstance(v, ParamRef) or v.name in seen:
            continue
        seen.add(v.name)
        p = rs.parameters.get(v.name)
        if p is not None and p.basis == "interpretation":
            out.append(_t(Strong("Interpretation"), " (", Code(v.name), "): ", p.rationale.strip()))
    return out


RULE_VALUES = ("opens", "due", "grace", "start", "end", "max", "lasts")


def _types(types: Sequence[str]) -> Text:
    return _join((_t(Code(t)) for t in types), " or ")


def _spec(spec: EventSpec, *, fulfils: bool = False) -> Text:
    if spec.state is not None:
        state = STATES[spec.state]
        return _t(
            "each spell of the state ",
            Code(spec.state),
            f" (from {state.starts} to {state.ends}) for the council in it, counted from the "
            "spell's start, or from the agreement's start when the spell already holds then; "
            "the duty is discharged if the state ends before it is met or falls due",
        )
    out = _types(spec.types)
    if fulfils:
        if spec.by == "council":
            out = _t(out, " by the party itself (its ", Code("council"), ")")
        else:
            out = _t(out, " naming the party as ", Code(spec.by))
        if spec.by_any and spec.by != "council":
            out = _t(
                out,
                " or naming ",
                _named(spec.by_any, " or "),
                " as ",
                Code(spec.by),
            )
        elif spec.by_any:
            out = _t(
                out,
                " or by ",
                _named(spec.by_any, " or "),
            )
        if spec.by_each:
            out = _types(spec.types)
            out = _t(
                out,
                " by each of ",
                _named(spec.by_each, " and "),
                " (the duty is met when every one of them has acted, on the date of the last)",
            )
    if spec.match:
        out = _t(
            out,
            ", with ",
            _join(
                (_t(Code(a), " equal to the trigger's ", Code(b)) for a, b in spec.match), " and "
            ),
        )
    if spec.where:
        out = _t(out, ", where ", describe_condition(spec.where))
    if spec.look_back is not None:
        look = spec.look_back
        shown = (
            Code(f"{{parameter: {look.name}}}") if isinstance(look, ParamRef) else Code(str(look))
        )
        out = _t(out, "; one dated up to ", shown, " before the trigger counts too")
    if spec.in_state:
        out = _t(
            out,
            ", while its ",
            Code(spec.state_of),
            " is in the state ",
            _join((_t(Code(n)) for n in spec.in_state), " or "),
            " (",
            "; ".join(f"{n}: from {STATES[n].starts} to {STATES[n].ends}" for n in spec.in_state),
            ")",
        )
    return out


def _named(words: Sequence[str], sep: str) -> Text:
    """The parties a `by_any` or `by_each` names, in words: an id as written, or "the
    trigger's ATTR"."""
    return _join(
        (
            _t("the trigger's ", Code(w.removeprefix("trigger.")))
            if w.startswith("trigger.")
            else _t(Code(w))
            for w in words
        ),
        sep,
    )


def _party(rs: Ruleset, spec: PartySpec, has_trigger: bool) -> Text:
    if spec.body and spec.region_of:
        members = family_members(spec.body)
        return _t(
            "the body of the family ",
            Code(spec.body),
            " for the region of the trigger's ",
            Code(spec.region_of),
            f" (one per region, from the registry: {len(members)} bodies, e.g. ",
            Code(next(iter(members.values()), "")),
            ")",
        )
    if spec.body:
        body = rs.party(spec.body)
        return _t("the body ", Code(spec.body), f" ({body.name})" if body else "")
    if spec.each_member or not spec.path:
        return _t("each party to the agreement")
    if spec.path == "council" and has_trigger:
        return _t("the council the triggering event is about or by (its ", Code("council"), ")")
    if "." in spec.path:
        return _t("each council named in the triggering event's ", Code(spec.path))
    return _t("the council named in the triggering event's ", Code(spec.path))


def _period(spec: PeriodSpec) -> str:
    cal = CALENDAR_WORDS.get(spec.calendar, spec.calendar)
    if spec.unit == "quarter":
        text = f"each quarter of the {cal}"
    elif spec.unit == "month":
        text = "each month"
        if spec.months:
            text = "each of the months " + ", ".join(MONTHS[m - 1] for m in spec.months)
        text += f" (years counted as the {cal})" if spec.calendar == "agreement_year" else ""
    else:
        text = f"each {cal}"
    return text


class _DocWords:
    """The pieces a kind's module builds its bullets from (kinds.base.DocWords)."""

    def t(self, *parts: Segment | Text | None) -> Text:
        return _t(*parts)

    def strong(self, text: str) -> Strong:
        return Strong(text)

    def code(self, text: str) -> Code:
        return Code(text)

    def amount(self, rs: Ruleset, value: Any) -> Text:
        return _amount(rs, value)

    def period(self, spec: PeriodSpec) -> str:
        return _period(spec)

    def condition(self, cond: Condition | None) -> str:
        return describe_condition(cond)


_DOC_WORDS = _DocWords()


def _rule_checks(rs: Ruleset, rule: Rule) -> list[Text]:
    """What is checked, one bullet per aspect, in plain words."""
    has_trigger = hasattr(rule, "trigger")
    items: list[Text] = [
        _t("Kind: ", KINDS[rule.kind].docs_noun, " (", Code(rule.kind), ")."),
        _t("Who owes it: ", _party(rs, rule.party, has_trigger), "."),
    ]
    if rule.applies_to:
        items.append(_t("Applies only to parties where ", describe_condition(rule.applies_to), "."))
    trigger = getattr(rule, "trigger", None)
    if isinstance(trigger, EventSpec):
        items.append(_t("Triggered by: ", _spec(trigger), "."))
    fulfil = getattr(rule, "fulfil", None)
    if isinstance(fulfil, EventSpec) and not isinstance(rule, SelfDeclaredRule):
        label = "Met by" if not isinstance(rule, (RecurringRule, CountRule)) else "Counted"
        items.append(_t(f"{label}: ", _spec(fulfil, fulfils=True), "."))
    items += KINDS[rule.kind].document(_DOC_WORDS, rs, rule)
    waive = getattr(rule, "waive", None)
    if isinstance(waive, EventSpec):
        items.append(
            _t(
                "Waived by: ",
                _spec(waive),
                ", dated on or before the due date and before any fulfilment.",
            )
        )
    if rule.severity == "notice" and not isinstance(rule, SelfDeclaredRule):
        items.append(_t("A miss is reported as a notice, not a breach."))
    if rule.interpretation:
        items.append(_t(Strong("Interpretation"), ": ", rule.interpretation.strip()))
    items += _interpretations(rs, _rule_values(rule))
    if rule.monitoring == "self-declared" or isinstance(rule, SelfDeclaredRule):
        items.append(
            _t(
                "Monitoring: ",
                Strong("self-declared"),
                " — cannot be checked from events; listed so that it is not forgotten, "
                "it yields no findings.",
            )
        )
    else:
        items.append(_t("Monitoring: checked from events."))
    return items


def _ladder_blocks(rs: Ruleset, ladder: EscalationLadder) -> list[Block]:
    blocks: list[Block] = [
        Heading(3, _t("Escalation: ", ladder.title or ladder.id), anchor=f"escalation-{ladder.id}"),
        Para(_t("Ladder ", Code(ladder.id), ".")),
        Quote(ladder.quote),
    ]
    starts: list[Text] = []
    if ladder.on_concern:
        starts.append(_t("a concern is raised (", Code("concern.raised"), ")"))
    if ladder.breach_of:
        starts.append(
            _t(
                "a breach of ",
                _join((_t(Code(r)) for r in ladder.breach_of), ", "),
                " (from the day after the missed due date)",
            )
        )
    if ladder.start_on is not None:
        starts.append(
            _t(
                "an event: ",
                _spec(ladder.start_on),
                " (the council of concern is its ",
                Code(ladder.about),
                ")",
            )
        )
    state = STATES.get(ladder.start_state or "")
    if state is not None:
        starts.append(
            _t(
                "the council enters the state ",
                Code(state.name),
                f" ({state.starts}); a council already in it on the agreement's start "
                "counts as entering it that day",
            )
        )
    items: list[Text] = [
        _t("Starts when: ", _join(starts, "; or "), "."),
        _t(
            "Stops when: the concern is resolved (",
            Code("concern.resolved"),
            ")"
            + (
                "; a ladder started by a breach stops when it is remedied"
                if ladder.breach_of
                else ""
            )
            + (f"; a ladder started by the state stops when {state.ends}" if state else "")
            + "; every ladder stops when the agreement ends.",
        ),
        _t(
            "Each step opens when the previous step's window has passed without the concern "
            "being resolved, or earlier when an ",
            Code("escalation.taken"),
            " event shows it was taken.",
        ),
    ]
    if ladder.interpretation:
        items.append(_t(Strong("Interpretation"), ": ", ladder.interpretation.strip()))
    items += _interpretations(rs, (step.window for step in ladder.steps))
    blocks.append(Bullets(tuple(items)))
    rows = []
    for step in ladder.steps:
        actor = rs.party(step.actor)
        rows.append(
            (
                _t(str(step.step)),
                _t(step.title),
                _t(Code(step.actor), f" ({actor.name})" if actor else ""),
                _amount(rs, step.window),
            )
        )
    blocks.append(Table(("Step", "What happens", "Who acts", "Window"), tuple(rows)))
    return blocks


def _clause_key(clause: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order: 2 before 10, 4(a) before 4(b), 2.2 before 2.10."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.findall(r"\d+|\D+", clause)
    )


def _clause_heading(clause: str) -> str:
    return f"Clause {clause}" if clause[:1].isdigit() else clause


def _rule_blocks(rs: Ruleset, rule: Rule) -> list[Block]:
    blocks: list[Block] = [
        Heading(3, _t(rule.title or rule.id), anchor=f"rule-{rule.id}"),
        Para(_t("Rule ", Code(rule.id), f", clause {rule.clause}.")),
        Quote(rule.quote),
    ]
    if rule.url:
        blocks.append(Para(_t("Source: ", rule.url)))
    if rs.versions:
        belongs = rule.versions or tuple(v.id for v in rs.versions)
        blocks.append(
            Para(
                _t(
                    "In versions: ",
                    _join((_t(Code(v)) for v in belongs), ", "),
                    "" if rule.versions else " (every version)",
                    ".",
                )
            )
        )
    if rule.description:
        blocks.append(Para(_t(rule.description)))
    blocks.append(Bullets(tuple(_rule_checks(rs, rule))))
    return blocks


def _rule_values(rule: Rule) -> list[Any]:
    """The values of a rule that may name a parameter: its dates and durations, and how
    far back its fulfilment looks."""
    out = [getattr(rule, name, None) for name in (*RULE_VALUES, "joiners")]
    fulfil = getattr(rule, "fulfil", None)
    if isinstance(fulfil, EventSpec) and fulfil.look_back is not None:
        out.append(fulfil.look_back)
    return out


def _parameter_users(rs: Ruleset) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}

    def visit(owner: str, value: Any) -> None:
        if isinstance(value, ParamRef):
            users.setdefault(value.name, [])
            if owner not in users[value.name]:
                users[value.name].append(owner)

    for rule in rs.rules:
        for value in _rule_values(rule):
            visit(rule.id, value)
    for ladder in rs.escalations:
        for step in ladder.steps:
            visit(ladder.id, step.window)
    for version in rs.versions:
        if version.start_parameter:
            visit(f"version {version.id}", ParamRef(version.start_parameter))
    return users


def _override_example(p: Parameter) -> Text:
    """The --set option that changes `p`, shown with its present value."""
    value = p.values[-1][1]
    shown = value.isoformat() if isinstance(value, _dt.date) else str(value)
    return _t(Code(f"--set {p.name}={shown}"))


def _interpretation_blocks(rs: Ruleset) -> list[Block]:
    """The values this ruleset reads into the text rather than takes from it, in one
    table, with how to run the rules on another reading."""
    chosen = {n: p for n, p in rs.parameters.items() if p.basis == "interpretation"}
    blocks: list[Block] = [Heading(2, _t("Interpretations"))]
    if not chosen:
        blocks.append(Para(_t("No parameter of this ruleset is an interpretation.")))
        return blocks
    users = _parameter_users(rs)
    blocks += [
        Para(
            _t(
                "Parameters whose value is a reading of the text, not something it states. "
                "To see what another reading changes, run ",
                Code("sli-rules evaluate"),
                " (or ",
                Code("explain"),
                ", or ",
                Code(f"diff {rs.id} {rs.id}"),
                " with events) with the option in the last column and another value; with "
                "several rulesets loaded, write ",
                Code(f"{rs.id}:NAME"),
                ". Findings list the value set as NAME=VALUE among their interpretations.",
            )
        ),
        Table(
            ("Parameter", "Default", "Rationale", "Used by", "How to override"),
            tuple(
                (
                    _t(Code(name)),
                    _param_values(p),
                    _t(p.rationale),
                    _join((_t(Code(u)) for u in users.get(name, ())), ", "),
                    _override_example(p),
                )
                for name, p in chosen.items()
            ),
        ),
    ]
    return blocks


def _membership(joined: _dt.date | None, left: _dt.date | None) -> Text:
    parts = []
    if joined:
        parts.append(f"joined {joined.isoformat()}")
    if left:
        parts.append(f"left {left.isoformat()}")
    return _t(", ".join(parts))


def ruleset_blocks(rs: Ruleset) -> list[Block]:
    checked = [r for r in rs.rules if r.monitoring != "self-declared"]
    blocks: list[Block] = [
        Heading(1, _t(rs.title)),
        Para(
            _t(
                "Ruleset ",
                Code(rs.id),
                f", version {rs.version}. Source: ",
                Code(rs.source) if rs.source else "not given",
                ".",
            )
        ),
    ]
    if rs.description:
        blocks.append(Para(_t(rs.description)))
    blocks.append(
        Para(
            _t(
                f"{len(rs.rules)} rules ({len(checked)} checked from events, "
                f"{len(rs.rules) - len(checked)} self-declared) and "
                f"{len(rs.escalations)} escalation "
                f"ladder{'s' if len(rs.escalations) != 1 else ''}. "
                "This page is generated from ",
                Code(rs.file or rs.id),
                " by ",
                Code("sli-rules docs"),
                ": change the ruleset, not the page.",
            )
        )
    )

    # -- effective span
    eff = rs.effective
    start = _t("Starts: ", eff.start.isoformat())
    if eff.start_basis == "interpretation":
        start = _t(start, " — ", Strong("interpretation"), ": ", eff.start_rationale)
    else:
        start = _t(start, " (from the text).")
    end = (
        _t("Ends: ", eff.end.isoformat(), " is its last day in effect.")
        if eff.end
        else _t("Ends: no end date.")
    )
    span: list[Text] = [start, end, _ending(eff)]
    if eff.reviews:
        span.append(_t("Review dates: ", ", ".join(d.isoformat() for d in eff.reviews), "."))
    blocks += [Heading(2, _t("When it is in effect")), Bullets(tuple(span))]
    blocks += _history_blocks(rs)

    # -- parties
    blocks.append(Heading(2, _t("Parties")))
    councils = [p for p in rs.parties if p.kind == "council"]
    bodies = [p for p in rs.parties if p.kind == "body"]
    if rs.council_pattern:
        blocks.append(
            Para(
                _t(
                    "Councils: any council whose GSS code matches ",
                    Code(rs.council_pattern),
                    ": every such council of the council registry is a party from its first "
                    "day to its last, whether or not any event names it, with its attributes "
                    "from the registry.",
                )
            )
        )
    if councils:
        blocks.append(
            Table(
                ("Code", "Name", "Type", "Services", "Membership"),
                tuple(
                    (
                        _t(Code(p.id)),
                        _t(p.name),
                        _t(str(p.attributes.get("type", ""))),
                        _t(", ".join(str(s) for s in p.attributes.get("services") or ())),
                        _membership(p.joined, p.left),
                    )
                    for p in councils
                ),
            )
        )
    if bodies:
        blocks += [
            Heading(3, _t("Bodies")),
            Table(
                ("Id", "Name", "Membership"),
                tuple((_t(Code(b.id)), _t(b.name), _membership(b.joined, b.left)) for b in bodies),
            ),
        ]
    if rs.successions:
        names = {p.id: p.name for p in rs.parties}
        blocks += [
            Heading(3, _t("Successions")),
            Para(
                _t(
                    "The council replaced leaves on the date; its successors join, and take "
                    "over its duties that had not yet fallen due (recurring ones included). "
                    "Unless the table says each, a duty handed on is one duty, met when any "
                    "successor (or a party serving them) meets it."
                )
            ),
            Table(
                ("Council replaced", "Date", "Successors", "Duties handed on"),
                tuple(
                    (
                        _t(Code(s.party), f" {names.get(s.party, '')}".rstrip()),
                        _t(s.date.isoformat()),
                        _join(
                            (_t(Code(c), f" {names.get(c, '')}".rstrip()) for c in s.successors),
                            ", ",
                        ),
                        _t(
                            "to each successor"
                            if s.duties == "each"
                            else "jointly"
                            + (f", also met by {', '.join(s.served_by)}" if s.served_by else "")
                        ),
                    )
                    for s in rs.successions
                ),
            ),
        ]

    blocks += _interpretation_blocks(rs)

    # -- parameters
    if rs.parameters:
        users = _parameter_users(rs)
        blocks += [
            Heading(2, _t("Parameters")),
            Para(
                _t(
                    "Values the rules refer to by name. A policy author can change a value "
                    "here without touching the rules. A value marked interpretation is a "
                    "reading of the text, not something it states."
                )
            ),
            Table(
                ("Parameter", "Value", "Basis", "What it is for", "Rationale", "Used by"),
                tuple(
                    (
                        _t(Code(name)),
                        _param_values(p),
                        _t(Strong(p.basis) if p.basis == "interpretation" else p.basis),
                        _t(p.description),
                        _t(p.rationale),
                        _join((_t(Code(u)) for u in users.get(name, ())), ", "),
                    )
                    for name, p in rs.parameters.items()
                ),
            ),
        ]

    # -- event types of its own
    if rs.events:
        blocks += [
            Heading(2, _t("Event types of its own")),
            Para(
                _t(
                    "This ruleset declares these event types besides the catalogue's (",
                    Code("docs/events.md"),
                    "). Events of these types are checked like any other when this ruleset "
                    "is evaluated, and only this ruleset reacts to them: another ruleset "
                    "evaluated beside it takes no notice of them, and without this ruleset "
                    "they are refused as of an unknown type.",
                )
            ),
        ]
        for et in rs.events.values():
            blocks += _type_blocks(et)

    # -- the clauses
    groups: dict[str, list[Rule | EscalationLadder]] = {}
    for rule in rs.rules:
        groups.setdefault(rule.clause, []).append(rule)
    for ladder in rs.escalations:
        groups.setdefault(ladder.clause, []).append(ladder)
    if groups:
        blocks.append(Heading(2, _t("Rules, clause by clause")))
        blocks.append(
            Bullets(
                tuple(
                    _t(
                        _clause_heading(clause),
                        ": ",
                        "; ".join(item.title or item.id for item in groups[clause]),
                    )
                    for clause in sorted(groups, key=_clause_key)
                )
            )
        )
    for clause in sorted(groups, key=_clause_key):
        blocks.append(Heading(2, _t(_clause_heading(clause)), anchor=f"clause-{clause}"))
        for item in groups[clause]:
            if isinstance(item, EscalationLadder):
                blocks += _ladder_blocks(rs, item)
            else:
                blocks += _rule_blocks(rs, item)
    return blocks


def _history_blocks(rs: Ruleset) -> list[Block]:
    """The dated versions of the rules: when each was in force, and which rules it holds."""
    if not rs.versions:
        return []
    rows = []
    for i, v in enumerate(rs.versions):
        nxt = rs.versions[i + 1] if i + 1 < len(rs.versions) else None
        until = (nxt.start - _dt.timedelta(days=1)).isoformat() if nxt else "now"
        start = _t(v.start.isoformat())
        if v.start_parameter:
            p = rs.parameters.get(v.start_parameter)
            basis = p.basis if p is not None else "text"
            start = _t(start, " (", Code(v.start_parameter), f", {basis})")
        rows.append((_t(Code(v.id)), _t(v.title), start, _t(until), _t(v.description), _t(v.cites)))
    matrix = tuple(
        (
            _t(Code(r.id)),
            *(_t("yes" if not r.versions or v.id in r.versions else "") for v in rs.versions),
        )
        for r in rs.rules
    )
    return [
        Heading(2, _t("History: versions of the rules")),
        Para(
            _t(
                "The rules changed over time. Each version is in force from its first day "
                "until the next one starts. A duty started by an event is governed by the "
                "version in force on the event's date; a duty with no trigger by the version "
                "in force on the first day of its period or span. Each finding names its "
                "version."
            )
        ),
        Table(("Version", "Title", "From", "Until", "What it holds", "Cites"), tuple(rows)),
        Para(_t("Which rules each version holds:")),
        Table(("Rule", *(v.id for v in rs.versions)), matrix),
    ]


def render_ruleset(ruleset: Ruleset, fmt: str = "markdown") -> str:
    """The ruleset as a page for a policy reader, in `fmt` ('markdown' or 'html')."""
    return _write(ruleset_blocks(ruleset), ruleset.title, fmt)


# ========================================================== catalogue page

TYPE_WORDS = {
    "string": "text",
    "integer": "whole number",
    "number": "number",
    "boolean": "true/false",
    "date": "date (YYYY-MM-DD)",
    "party": "council or body",
}


def _type_text(spec: AttributeSpec) -> str:
    if spec.type == "list":
        inner = spec.items
        if inner is None:
            return "list"
        if inner.type == "object":
            return "list of objects"
        return f"list of {_type_text(inner)}"
    return TYPE_WORDS.get(spec.type, spec.type)


def _allowed(spec: AttributeSpec) -> Text:
    inner = spec.items if spec.type == "list" and spec.items is not None else spec
    return _join(
        (
            _t(Code(str(v)), f" (before {inner.values_before[v]})")
            if v in inner.values_before
            else _t(Code(str(v)))
            for v in inner.values
        ),
        ", ",
    )


def _attribute_rows(specs: Mapping[str, AttributeSpec], prefix: str = "") -> list[tuple[Text, ...]]:
    rows: list[tuple[Text, ...]] = []
    for name, spec in specs.items():
        path = f"{prefix}{name}"
        rows.append(
            (
                _t(Code(path)),
                _t(_type_text(spec)),
                _t(("yes, in each entry" if prefix else "yes") if spec.required else "no"),
                _allowed(spec),
                _t(spec.description),
            )
        )
        inner = spec.items if spec.type == "list" and spec.items is not None else spec
        if inner.attributes:
            sub = f"{path}[]." if spec.type == "list" else f"{path}."
            rows.extend(_attribute_rows(inner.attributes, sub))
    return rows


ATTRIBUTE_HEADERS = ("Attribute", "Type", "Required", "Allowed values", "Description")


def _type_blocks(et: EventType) -> list[Block]:
    blocks: list[Block] = [
        Heading(3, _t(Code(et.name)), anchor=et.name),
        Para(_t(et.description)),
        Para(_t(Code("council"), f" is {et.council}." if et.council else " is as usual.")),
    ]
    if et.attributes:
        blocks.append(Table(ATTRIBUTE_HEADERS, tuple(_attribute_rows(et.attributes))))
    else:
        blocks.append(Para(_t("No attributes besides the common ones.")))
    return blocks


def catalogue_blocks(cat: Catalogue) -> list[Block]:
    example = (
        '{"id": "ev-17", "type": "peer_challenge.held", "date": "2013-11-14", '
        '"council": "E08000026", "review": "cpc-coventry-2013", "kind": "corporate"}'
    )
    blocks: list[Block] = [
        Heading(1, _t("Event catalogue")),
        Para(
            _t(
                "Every type of event that sli-rules accepts, and its attributes. An event "
                "file holds one event per line as a JSON object (JSON Lines), or one per row "
                "of a CSV file. Events of an unknown type, and events with a missing, "
                "unknown or ill-typed attribute, are rejected with the reason: never "
                "silently dropped. This page is generated from the catalogue by ",
                Code("sli-rules docs --events-catalogue"),
                "; the JSON Schema of an event is ",
                Code("docs/schemas/events.schema.json"),
                ".",
            )
        ),
        Para(_t("For example:")),
        Para(_t(Code(example))),
        Para(
            _t(
                "A council is named by its ONS GSS code (e.g. ",
                Code("E08000026"),
                "), a regional or national body by its id (e.g. ",
                Code("em-dcs-group"),
                "). Events name councils, bodies and roles, never people.",
            )
        ),
        Para(
            _t(
                "Every council an event names must be in the council registry (",
                Code("rulesets/registry/councils.yaml"),
                "), written in capitals, and its ",
                Code("council"),
                " must exist on the event's date (between the registry's ",
                Code("from"),
                " and ",
                Code("to"),
                "): otherwise the record is an input error with a did-you-mean, or a "
                "rejected record with --lenient.",
            )
        ),
        Para(
            _t(
                "A ruleset may declare event types of its own (its ",
                Code("events"),
                " section, see ruleset-format.md). They are checked in the same way, "
                "listed on that ruleset's page rather than here, and only that ruleset "
                "reacts to them; evaluated without it, an event of such a type is refused "
                "as of an unknown type.",
            )
        ),
        Heading(2, _t("Attributes of every event")),
        Para(
            _t(
                "Every event has ",
                Code("id"),
                ", ",
                Code("type"),
                ", ",
                Code("date"),
                " and ",
                Code("council"),
                "; any event may also say where it is known from (",
                Code("source"),
                ") and how sure that is (",
                Code("confidence"),
                "). A finding lists the sources of the events it rests on.",
            )
        ),
        Table(ATTRIBUTE_HEADERS, tuple(_attribute_rows(cat.common))),
        *_imprecise_blocks(),
        Heading(2, _t("Types at a glance")),
        Table(
            ("Type", "What happened", "council is"),
            tuple(
                (_t(Code(et.name)), _t(et.description), _t(et.council)) for et in cat.types.values()
            ),
        ),
        Heading(2, _t("The types")),
    ]
    for et in cat.types.values():
        blocks += _type_blocks(et)
    return blocks


def _imprecise_blocks() -> list[Block]:
    """The date forms an event's `date` may take when the day is not known."""
    forms = (
        ("2014-10-15", "a day (exact)"),
        ("2014-10", "a month: one day from 2014-10-01 to 2014-10-31"),
        ("2013-21", "spring 2013: March to May"),
        ("2013-22", "summer 2013: June to August"),
        ("2013-23", "autumn 2013: September to November"),
        ("2013-24", "winter 2013: December 2013 to February 2014 (into the next year)"),
        ("2014", "a year: 2014-01-01 to 2014-12-31"),
        ("2014-10-01/2014-10-31", "a closed interval, both ends included"),
        ("2014-01/2014-02", "an interval of months: 2014-01-01 to 2014-02-28"),
        ("../2016-03-31", "by 2016-03-31, day unknown (the earliest day read is 1900-01-01)"),
    )
    return [
        Heading(2, _t("Imprecise dates"), "imprecise-dates"),
        Para(
            _t(
                "A record often gives only a month, a season or a year. An event's ",
                Code("date"),
                " may then be one of these forms, a subset of EDTF (ISO 8601-2). Each "
                "means one unknown day in its span, not a span of activity: a review that "
                "lasted several days still gives ",
                Code("start"),
                " (its first on-site day, which must be exact) and ",
                Code("date"),
                " (its last).",
            )
        ),
        Table(("Form", "Means"), tuple((_t(Code(a)), _t(b)) for a, b in forms)),
        Para(
            _t(
                "Other EDTF features are refused with the reason: uncertain (",
                Code("2014?"),
                ") or approximate (",
                Code("2014~"),
                ") dates, unspecified digits (",
                Code("201X"),
                "), sets, open ends (",
                Code("2014/.."),
                ") and times of day. CSV, Parquet, SQL tables and DataFrames take the "
                "same text in their date column. A finding that comes out differently on "
                "different days of the span is ",
                Code("undetermined"),
                ", with the statuses it could have in ",
                Code("possible"),
                " (docs/findings.md).",
            )
        ),
    ]


def render_catalogue(catalogue: Catalogue | None = None, fmt: str = "markdown") -> str:
    """The event catalogue as a reference page, in `fmt` ('markdown' or 'html')."""
    return _write(catalogue_blocks(catalogue or load_catalogue()), "Event catalogue", fmt)


def _ending(eff: Effective) -> Text:
    """What events end the agreement, or a party's part in it."""
    revokers = eff.revokers
    if revokers == "owner":
        who = _t("its owning body, ", Code(str(eff.owner)))
    elif revokers == "parties":
        who = _t("all its council parties (each one's revocation is that party leaving)")
    else:
        who = _t("all of ", ", ".join(revokers), " (each one's revocation is that party leaving)")
    owner = (
        _t(
            "An ",
            Code("agreement.ended"),
            " or ",
            Code("agreement.superseded"),
            " from its owning body, ",
            Code(eff.owner),
            ", ends it for every party; ",
        )
        if eff.owner
        else _t("No owning body is named; ")
    )
    return _t(owner, "revoking it (", Code("agreement.revoked"), ") takes ", who, ".")
