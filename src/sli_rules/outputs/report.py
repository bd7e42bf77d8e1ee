"""The Report: findings as of a date, and the ways to show them."""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs

from sli_rules.io.intake import Rejected
from sli_rules.model.dates import as_day
from sli_rules.model.errors import did_you_mean
from sli_rules.model.values import DATE_FIELDS, FINDING_FIELDS, TABULAR_FIELDS, Finding
from sli_rules.model.vocabulary import KIND_NOUNS, KINDS, STATUSES, Kind, Status, Urgency
from sli_rules.outputs.ical import to_ical
from sli_rules.outputs.names import labelled, names_of, party_name
from sli_rules.outputs.plot import plot_timeline
from sli_rules.outputs.tables import write_findings, write_parquet

__all__ = ["FORMATS", "Report", "audit_line"]

# row backgrounds in the HTML report, by status (model/vocabulary.py)
STATUS_COLOURS = {s.value: w.html_colour for s, w in STATUSES.items()}
TABLE_NAME_WIDTH = 24
"""The longest party name the text table shows in full (longer ones are cut short)."""
TABLE_COLUMNS = (
    "kind",
    "agreement",
    "clause",
    "rule",
    "party",
    "status",
    "opens",
    "due",
    "step",
    "about",
)


@attrs.frozen
class Report:
    """Findings as of a date. Findings are sorted by due date, party, rule and trigger."""

    as_of: _dt.date
    findings: tuple[Finding, ...]
    rulesets: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    events_read: int = 0
    duplicates: int = 0
    complete: bool = False  # the whole stream was declared complete
    from_intake: bool = False  # events_read, duplicates and rejected describe this report's input
    coverage: int = 0  # record.coverage declarations that counted
    #: where the findings come from, for an audit trail (`sli-rules run`): the sli-rules
    #: version and each ruleset's id, version and fingerprint; None when not recorded
    audit: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def obligations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == Kind.OBLIGATION.value)

    @property
    def breaches(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == Kind.BREACH.value)

    @property
    def escalations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == Kind.ESCALATION.value)

    @property
    def notices(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == Kind.NOTICE.value)

    # -- a collection of findings
    def __len__(self) -> int:
        """The number of findings (so an empty report is false)."""
        return len(self.findings)

    def __iter__(self) -> Iterator[Finding]:
        """The findings, in the report's order."""
        return iter(self.findings)

    def __repr__(self) -> str:
        """One line (a report can hold thousands of findings); `print(report)` or
        `report.to_table()` shows them."""
        rejected = f", {len(self.rejected)} rejected records" if self.rejected else ""
        rulesets = ", ".join(self.rulesets) or "no rulesets"
        counts = self.summary().splitlines()[0]  # the summary's first line: the counts
        return f"<Report: {counts}; {rulesets}{rejected}>"

    def __str__(self) -> str:
        return self.to_table(explain=False)

    def filter(self, **fields: Any) -> Report:
        """A report with the findings that match every given field, e.g.
        `report.filter(status="breached", party=["E08000026", "E08000025"])`.

        A value matches a finding whose field equals it; a list, tuple or set matches any
        of its values. For the list fields (`triggered_by`, `fulfilled_by`,
        `interpretations`) a value matches a finding whose list contains it. Dates may be
        given as dates, ISO text or datetimes (pandas Timestamps) at midnight.

        Raises `TypeError` for a field findings do not have, and `ValueError` for a kind
        or status that does not exist or a date that is not one (with a did-you-mean),
        rather than silently returning an empty report.
        """
        wanted = {k: _wanted(k, v) for k, v in fields.items()}

        def keep(f: Finding) -> bool:
            d = f.to_dict()
            for k, values in wanted.items():
                have = d.get(k)
                if isinstance(have, list):
                    if not any(h in values for h in have):
                        return False
                elif have not in values:
                    return False
            return True

        return attrs.evolve(self, findings=tuple(f for f in self.findings if keep(f)))

    # -- data
    def to_records(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "rulesets": list(self.rulesets),
            "findings": self.to_records(),
            "names": names_of(self.findings),
        }
        out["accounting"] = self.accounting()
        if self.audit is not None:
            out["audit"] = dict(self.audit)
        if self.rejected:
            out["rejected"] = [r.to_dict() for r in self.rejected]
        return out

    def accounting(self) -> dict[str, Any]:
        """What was read and what the record supports: the counts every summary states."""
        rejected = len(self.rejected)
        out: dict[str, Any] = {}
        if self.from_intake:
            out |= {
                "events_read": self.events_read,
                "accepted": self.events_read - self.duplicates - rejected,
                "duplicates": self.duplicates,
                "rejected": rejected,
            }
        return out | {
            "unrecorded": sum(
                1
                for f in self.findings
                if f.kind == Kind.OBLIGATION.value and f.status == Status.UNRECORDED.value
            ),
            "undetermined": sum(1 for f in self.findings if f.status == Status.UNDETERMINED.value),
            "complete": self.complete,
            "coverage": self.coverage,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_jsonl(self) -> str:
        return "".join(json.dumps(r) + "\n" for r in self.to_records())

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(TABULAR_FIELDS), lineterminator="\n")
        writer.writeheader()
        for f in self.findings:
            row = f.to_row()
            for k in (*_LIST_FIELDS, "possible"):
                row[k] = ";".join(row[k])
            for k in TABULAR_FIELDS:
                if isinstance(row[k], _dt.date):
                    row[k] = row[k].isoformat()
            writer.writerow({k: _inert(v) for k, v in row.items()})
        return buf.getvalue()

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of the findings (needs the `pandas` extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_dataframe() needs pandas: pip install 'sli-rules[pandas]'"
            ) from None
        records = []
        for f in self.findings:
            row = f.to_row()
            for k in _LIST_FIELDS:
                row[k] = list(row[k])
            row["possible"] = list(row["possible"])
            records.append(row)
        frame = pd.DataFrame.from_records(records, columns=list(TABULAR_FIELDS))
        for col in TABULAR_FIELDS:
            if col.split("_earliest")[0].split("_latest")[0] in DATE_FIELDS:
                frame[col] = pd.to_datetime(frame[col])
        frame["step"] = frame["step"].astype("Int64")  # whole numbers, missing where no step
        return frame

    # -- text
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f"{f.kind}:{f.status}"] = counts.get(f"{f.kind}:{f.status}", 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

        def count(n: int, noun: str, plural: str) -> str:
            return f"{n} {noun if n == 1 else plural}"

        acc = {"events_read": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
        acc |= self.accounting()
        lines = [
            f"As of {self.as_of}: {count(len(self.findings), 'finding', 'findings')} "
            f"({count(len(self.breaches), 'breach', 'breaches')}, "
            f"{count(len(self.escalations), 'escalation step', 'escalation steps')})"
            + (f" — {parts}" if parts else ""),
            (
                f"Events: {acc['accepted']} accepted, "
                f"{count(acc['duplicates'], 'duplicate', 'duplicates')}, "
                f"{acc['rejected']} rejected ({count(acc['events_read'], 'record', 'records')} "
                "read). "
                if self.from_intake
                else ""
            )
            + f"Duties: {acc['unrecorded']} unrecorded (due, no fulfilling event, record not "
            f"declared complete); {acc['undetermined']} findings undetermined (imprecise "
            "event dates allow more than one status).",
        ]
        if self.complete:
            lines.append("Completeness: the whole record was declared complete.")
        elif self.coverage:
            lines.append(
                f"Completeness: declared by "
                f"{count(self.coverage, 'record.coverage event', 'record.coverage events')}; "
                "elsewhere a missing event is unrecorded, not a breach."
            )
        else:
            lines.append(
                "Completeness: none declared (no record.coverage events, no --complete), so a "
                "duty with no fulfilling event is unrecorded, not breached."
            )
        if self.audit is not None:
            lines.append(audit_line(self.audit))
        return "\n".join(lines)

    def to_table(self, explain: bool = True) -> str:
        rows = [
            [_shown(f.to_dict(), c, TABLE_NAME_WIDTH) for c in TABLE_COLUMNS] for f in self.findings
        ]
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(TABLE_COLUMNS)]
        line = "  ".join(c.upper().ljust(w) for c, w in zip(TABLE_COLUMNS, widths, strict=True))
        out = [line.rstrip()]
        for f, r in zip(self.findings, rows, strict=True):
            out.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
            if explain:
                out.append(f"    {f.explanation}")
        out.append("")
        out.append(self.summary())
        if self.rejected:
            out.append(f"{len(self.rejected)} input records were rejected:")
            out.extend(f"  {r}" for r in self.rejected)
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        cols = (*TABLE_COLUMNS, "explanation")
        out = [
            f"# Findings as of {self.as_of}",
            "",
            self.summary(),
            "",
            "| " + " | ".join(cols) + " |",
            "|" + "---|" * len(cols),
        ]
        for f in self.findings:
            d = f.to_dict()
            out.append("| " + " | ".join(_shown(d, c).replace("|", "\\|") for c in cols) + " |")
        if self.rejected:
            out += ["", "## Rejected input", ""]
            out += [f"- `{r.location}`: " + "; ".join(r.reasons) for r in self.rejected]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        """The notebook view: findings grouped by agreement and party, rows coloured by status.

        Groups with a breach, a missed duty or an escalation step still due are open;
        the rest are folded when there are many. At most `HTML_MAX_ROWS` rows are shown.
        """
        return _report_html(self)

    # -- files and databases (optional extras)
    def to_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the findings to a Parquet file (needs the `parquet` extra).

        The columns are `as_of` and then every finding field; dates are dates and the
        event-id lists are lists of text.
        """
        write_parquet(self, path)

    def to_sql(self, engine_or_url: Any, table: str = "findings", **kw: Any) -> int:
        """Same as `sli_rules.write_findings(report, engine_or_url, table)` (`sql` extra)."""
        return write_findings(self, engine_or_url, table, **kw)

    def plot_timeline(
        self,
        path: str | os.PathLike[str] | None = None,
        parties: Iterable[str] | None = None,
        ax: Any = None,
        *,
        events: Any = None,
        title: str | None = None,
    ) -> Any:
        """Draw the findings on a time axis, one row per party; return the matplotlib Figure.

        Windows are bars from `opens` to `due` coloured by status, due days are ticks,
        breaches red crosses and escalation steps triangles. Pass the evaluated `events`
        (anything `read_events` accepts) to mark each fulfilling event on its date; without
        them only late fulfilments (a breach's `remedied_on`) are marked. `path` saves a
        .png, .svg or .pdf; `parties` picks and orders the rows; `ax` draws into an
        existing matplotlib Axes. Needs the `plot` extra.
        """
        return plot_timeline(self, path, parties, ax, events=events, title=title)

    def to_ical(
        self,
        parties: Iterable[str] | None = None,
        *,
        days: int | None = None,
        rulesets: Any = None,
    ) -> bytes:
        """The deadlines still ahead, for `parties` (all when None), as an iCalendar file
        (needs the `calendar` extra). See `sli_rules.to_ical`."""
        return to_ical(self, parties=parties, days=days, rulesets=rulesets)

    def render(self, fmt: str) -> str:
        return FORMATS[fmt](self)


_LIST_FIELDS = ("triggered_by", "fulfilled_by", "interpretations", "sources")
_DATE_FIELDS = ("opens", "due", "remedied_on")
_CLOSED: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "status": tuple(str(s.value) for s in STATUSES),
}


def _wanted(field: str, value: Any) -> frozenset[Any]:
    """The values of `field` that `filter(field=value)` keeps, checked."""
    if field not in FINDING_FIELDS:
        raise TypeError(
            f"filter(): findings have no field {field!r}{did_you_mean(field, FINDING_FIELDS)}; "
            f"fields: {', '.join(FINDING_FIELDS)}"
        )
    values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
    out: set[Any] = set()
    for v in values:
        if field in _DATE_FIELDS and v is not None:
            out.add(as_day(v, field).isoformat())
            continue
        allowed = _CLOSED.get(field)
        if allowed is not None and v not in allowed:
            raise ValueError(
                f"filter(): {v!r} is not a {field}{did_you_mean(str(v), allowed)}; "
                f"{field} is one of: {', '.join(allowed)}"
            )
        out.add(v)
    return frozenset(out)


_PARTY_COLUMNS = ("party", "actor", "about")


def _shown(d: dict[str, Any], column: str, width: int | None = None) -> str:
    """A finding's field as people read it: a party code with its name beside it (the
    name cut to `width` characters, if given)."""
    if column in _PARTY_COLUMNS:
        return labelled(d[column], width=width)
    return _cell(d[column])


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    return str(v)


HTML_INK = "#1a1a1a"
"""Text colour on the status-coloured rows and swatches. The light backgrounds are set
by the report, so the text on them is too: a notebook's dark theme would otherwise write
light text on them. Everything else keeps the theme's colours."""

HTML_MAX_ROWS = 1000
"""The most findings the notebook view shows; narrow a larger report with `filter()`."""

_URGENCY = {s.value: w.urgency for s, w in STATUSES.items()}
_HTML_COLUMNS = ("kind", "clause", "rule", "status", "opens", "due", "step", "about")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "es" if word.endswith("ch") else "s")


def _group_summary(fs: list[Finding]) -> str:
    parts = []
    for kind, word in KIND_NOUNS.items():
        n = sum(1 for f in fs if f.kind == kind)
        if n:
            parts.append(_plural(n, word))
    open_breaches = sum(
        1 for f in fs if f.kind == Kind.BREACH.value and f.status == Status.BREACHED.value
    )
    if open_breaches:
        parts.append(f"{open_breaches} not remedied")
    return ", ".join(parts)


def _report_html(report: Report) -> str:
    esc = html.escape
    shown: tuple[Finding, ...] = report.findings
    if len(shown) > HTML_MAX_ROWS:  # keep what needs attention, then what is pending
        rank = {id(f): _URGENCY.get(f.status, Urgency.SETTLED).value for f in shown}
        keep = {id(f) for f in sorted(shown, key=lambda f: rank[id(f)])[:HTML_MAX_ROWS]}
        shown = tuple(f for f in shown if id(f) in keep)
    groups: dict[str, dict[str, list[Finding]]] = {}
    for f in shown:
        groups.setdefault(f.agreement, {}).setdefault(f.party, []).append(f)
    n_groups = sum(len(g) for g in groups.values())
    cell = "padding:2px 6px;border-bottom:1px solid #8888;text-align:left;vertical-align:top"
    out = [
        "<div class='sli-report'>",
        "<p><strong>"
        + "<br>".join(esc(line) for line in report.summary().splitlines())
        + "</strong></p>",
    ]
    statuses = list(dict.fromkeys(f.status for f in shown))
    if statuses:
        swatches = " ".join(
            f"<span style='background:{STATUS_COLOURS.get(s, '#ffffff')};color:{HTML_INK};"
            f"padding:0 6px;border:1px solid #ccc'>{esc(s)}</span>"
            for s in sorted(statuses)
        )
        out.append(f"<p style='font-size:smaller'>Status colours: {swatches}</p>")
    if len(report.findings) > len(shown):
        out.append(
            f"<p><em>Showing {len(shown)} of {len(report.findings)} findings, those needing "
            "attention first (breaches, missed duties, steps due), then those still open; "
            "narrow the report with <code>report.filter(party=..., agreement=...)</code>."
            "</em></p>"
        )
    if not report.findings:
        out.append("<p>No findings.</p>")
    for agreement in sorted(groups):
        out.append(f"<h4>{esc(agreement)}</h4>")
        for party in sorted(groups[agreement]):
            fs = groups[agreement][party]
            unfold = n_groups <= 12 or any(_URGENCY.get(f.status) is Urgency.ATTENTION for f in fs)
            name = party_name(party)
            heading = (
                f"<strong>{esc(name)}</strong> {esc(party)}"
                if name
                else (f"<strong>{esc(party)}</strong>")
            )
            out.append(
                f"<details{' open' if unfold else ''}><summary>{heading}"
                f" ({esc(agreement)}): {esc(_group_summary(fs))}</summary>"
            )
            out.append("<table style='border-collapse:collapse;font-size:smaller'><tr>")
            out.extend(f"<th style='{cell}'>{c}</th>" for c in (*_HTML_COLUMNS, "explanation"))
            out.append("</tr>")
            for f in fs:
                d = f.to_dict()
                colour = STATUS_COLOURS.get(f.status, "#ffffff")
                cells = []
                for c in _HTML_COLUMNS:
                    text = esc(_shown(d, c))
                    if c == "status":
                        text = f"<strong>{text}</strong>"
                    tip = f" title='{esc(f.title, quote=True)}'" if c == "rule" and f.title else ""
                    cells.append(f"<td style='{cell};white-space:nowrap'{tip}>{text}</td>")
                cells.append(f"<td style='{cell}'>{esc(f.explanation)}</td>")
                out.append(
                    f"<tr class='sli-{esc(f.status)}' style='background:{colour};"
                    f"color:{HTML_INK}'>" + "".join(cells) + "</tr>"
                )
            out.append("</table></details>")
    if report.rejected:
        out.append(
            f"<details open><summary><strong>{len(report.rejected)} input records were "
            "rejected</strong></summary><ul>"
        )
        out.extend(f"<li>{esc(str(r))}</li>" for r in report.rejected)
        out.append("</ul></details>")
    out.append("</div>")
    return "".join(out)


def audit_line(audit: Mapping[str, Any]) -> str:
    """The audit trail as one line of text, for a log."""
    rulesets = "; ".join(
        f"{r['id']} version {r['version']} (fingerprint {r['fingerprint']})"
        for r in audit.get("rulesets") or ()
    )
    return f"Audit: sli-rules {audit.get('sli_rules')}; rulesets: {rulesets or 'none'}"


FORMATS: dict[str, Callable[[Report], str]] = {
    "json": lambda r: r.to_json() + "\n",
    "jsonl": Report.to_jsonl,
    "csv": Report.to_csv,
    "table": Report.to_table,
    "markdown": Report.to_markdown,
}


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A CSV cell that a spreadsheet will show, not run: text that starts like a formula
    (an event id such as '=HYPERLINK(...)') gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
