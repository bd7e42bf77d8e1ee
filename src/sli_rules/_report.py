"""The Report: findings as of a date, and the ways to show them."""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
from collections.abc import Callable
from typing import Any

import attrs

from sli_rules._intake import Rejected
from sli_rules._model import FINDING_FIELDS, Finding

__all__ = ["FORMATS", "Report"]

STATUS_COLOURS = {
    "breached": "#f8d7da",
    "missed": "#f8d7da",
    "exceeded": "#fff3cd",
    "remedied": "#fde2c4",
    "fulfilled_late": "#fde2c4",
    "due": "#fff3cd",
    "open": "#e7f1ff",
    "upcoming": "#f1f3f5",
    "fulfilled": "#d1e7dd",
    "fulfilled_early": "#d1e7dd",
    "taken": "#d1e7dd",
    "waived": "#e2e3e5",
    "discharged": "#e2e3e5",
    "stopped": "#e2e3e5",
    "available": "#e7f1ff",
    "lapsed": "#e2e3e5",
}
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

    @property
    def obligations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "obligation")

    @property
    def breaches(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "breach")

    @property
    def escalations(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "escalation")

    @property
    def notices(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == "notice")

    def filter(self, **fields: Any) -> Report:
        """A report with the findings whose fields equal all the given values."""

        def keep(f: Finding) -> bool:
            d = f.to_dict()
            return all(
                d.get(k) == (v.isoformat() if isinstance(v, _dt.date) else v)
                for k, v in fields.items()
            )

        return attrs.evolve(self, findings=tuple(f for f in self.findings if keep(f)))

    # -- data
    def to_records(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "rulesets": list(self.rulesets),
            "findings": self.to_records(),
        }
        if self.rejected:
            out["rejected"] = [r.to_dict() for r in self.rejected]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_jsonl(self) -> str:
        return "".join(json.dumps(r) + "\n" for r in self.to_records())

    def to_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(FINDING_FIELDS), lineterminator="\n")
        writer.writeheader()
        for record in self.to_records():
            row = dict(record)
            for k in ("triggered_by", "fulfilled_by", "interpretations"):
                row[k] = ";".join(row[k])
            writer.writerow(row)
        return buf.getvalue()

    def to_dataframe(self) -> Any:
        """A pandas DataFrame of the findings (needs the `pandas` extra)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_dataframe() needs pandas: pip install 'sli-rules[pandas]'"
            ) from None
        frame = pd.DataFrame.from_records(self.to_records(), columns=list(FINDING_FIELDS))
        for col in ("opens", "due", "remedied_on"):
            frame[col] = pd.to_datetime(frame[col])
        return frame

    # -- text
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for f in self.findings:
            counts[f"{f.kind}:{f.status}"] = counts.get(f"{f.kind}:{f.status}", 0) + 1
        parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        return (
            f"As of {self.as_of}: {len(self.findings)} findings "
            f"({len(self.breaches)} breaches, {len(self.escalations)} escalation steps)"
            + (f" — {parts}" if parts else "")
        )

    def to_table(self, explain: bool = True) -> str:
        rows = [[_cell(f.to_dict()[c]) for c in TABLE_COLUMNS] for f in self.findings]
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
            out.append("| " + " | ".join(_cell(d[c]).replace("|", "\\|") for c in cols) + " |")
        if self.rejected:
            out += ["", "## Rejected input", ""]
            out += [f"- `{r.location}`: " + "; ".join(r.reasons) for r in self.rejected]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        groups: dict[tuple[str, str], list[Finding]] = {}
        for f in self.findings:
            groups.setdefault((f.agreement, f.party), []).append(f)
        parts = [f"<div class='sli-report'><p><strong>{html.escape(self.summary())}</strong></p>"]
        for (agreement, party), fs in sorted(groups.items()):
            parts.append(f"<h4>{html.escape(agreement)} — {html.escape(party)}</h4><table>")
            parts.append(
                "<tr>" + "".join(f"<th>{c}</th>" for c in (*TABLE_COLUMNS, "explanation")) + "</tr>"
            )
            for f in fs:
                d = f.to_dict()
                colour = STATUS_COLOURS.get(f.status, "#ffffff")
                cells = "".join(
                    f"<td>{html.escape(_cell(d[c]))}</td>" for c in (*TABLE_COLUMNS, "explanation")
                )
                parts.append(f"<tr style='background:{colour}'>{cells}</tr>")
            parts.append("</table>")
        parts.append("</div>")
        return "".join(parts)

    def render(self, fmt: str) -> str:
        return FORMATS[fmt](self)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list):
        return ";".join(str(x) for x in v)
    return str(v)


FORMATS: dict[str, Callable[[Report], str]] = {
    "json": lambda r: r.to_json() + "\n",
    "jsonl": Report.to_jsonl,
    "csv": Report.to_csv,
    "table": Report.to_table,
    "markdown": Report.to_markdown,
}
