"""A timeline of a report's findings, drawn with matplotlib (the `plot` extra).

One row per party (per party and agreement when the report covers several agreements).
Within a row, each duty's window is a horizontal bar from the day it opens to the day it
is due, coloured by status; rows grow extra lanes so that overlapping windows do not hide
each other. Due days are marked with a tick, breaches with a red cross, escalation steps
with a triangle carrying the step number, notices with a small diamond, and the report's
`as_of` with a dashed line.

Fulfilments are drawn at the dates of the events that fulfilled each duty. A finding
names those events (`fulfilled_by`) but not their dates, so these markers need the
events: pass them as `events`. Without them, a late fulfilment is still drawn at the day
its breach was remedied (`remedied_on`), and an on-time one shows only as the green
colour of its window.

The figure is a plain `matplotlib.figure.Figure` on the Agg canvas: no pyplot, no global
state, and no display needed, so it is safe in pipelines and threads.
"""

from __future__ import annotations

import datetime as _dt
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sli_rules.io.intake import Intake, iter_records
from sli_rules.model.dates import DateError, parse_date
from sli_rules.model.extras import require
from sli_rules.model.findings_view import FindingsView
from sli_rules.model.values import Event, Finding
from sli_rules.model.vocabulary import KIND_NOUNS, STATUSES, Kind
from sli_rules.outputs.names import party_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


__all__ = ["PLOT_FORMATS", "STATUS_COLOURS", "plot_timeline"]

PLOT_FORMATS = ("png", "svg", "pdf")
"""The file types `plot_timeline(path=...)` writes, chosen by the path's suffix."""

# Bar colours by status: greens done, blue/grey not yet due, orange late, red breached.
STATUS_COLOURS: Mapping[str, str] = {s.value: w.plot_colour for s, w in STATUSES.items()}
_OTHER = "#b0b0b0"
_LANE = 0.42  # height of one lane, in row units
_INCHES_PER_UNIT = 0.3  # a lane is then about 15 px high at the default 120 dpi
_LABEL_SIZE = 5.5  # points: a rule's id written on its bar
_BREACH = "#b00020"
_FULFIL = "#1b6e3a"
# The kinds of point: a finding of kind breach, escalation or notice drawn as a point is
# marked by its `Kind`; "due" (a due date) and "fulfilment" (a fulfilling event) are not
# findings.
_DUE = "due"
_FULFILMENT = "fulfilment"
_AS_OF = "as_of"
_MARKS: Mapping[str, dict[str, Any]] = {  # how each kind of point is drawn
    _DUE: {"marker": "|", "ms": 11, "mew": 1.4, "zorder": 3},
    _FULFILMENT: {"marker": "o", "mec": "white", "mew": 0.6, "ms": 6, "zorder": 6},
    Kind.BREACH: {"marker": "X", "mec": "white", "mew": 0.8, "ms": 9, "zorder": 5},
    Kind.ESCALATION: {"marker": "^", "mec": "black", "mew": 0.6, "ms": 9, "zorder": 5},
    Kind.NOTICE: {"marker": "d", "mec": "black", "mew": 0.5, "ms": 7, "zorder": 4},
}
_OBLIGATION, _BREACH_KIND = Kind.OBLIGATION.value, Kind.BREACH.value
_ESCALATION, _NOTICE = Kind.ESCALATION.value, Kind.NOTICE.value


def _key(f: Finding) -> tuple[Any, ...]:
    """What a breach shares with the obligation it breaches."""
    return (f.agreement, f.rule, f.party, f.triggered_by, f.opens, f.due)


def _row_label(party: str, agreement: str) -> str:
    """A row's label: the party's name (wrapped), its code, and the agreement if several."""
    name = party_name(party)
    lines = [*textwrap.wrap(name, 26), party] if name else [party]
    if agreement:
        lines.append(agreement)
    return "\n".join(lines)


def _event_dates(events: Any) -> dict[str, _dt.date]:
    if events is None:
        return {}
    if isinstance(events, Mapping):
        return {str(k): v for k, v in events.items() if isinstance(v, _dt.date)}

    if isinstance(events, Intake):
        return {e.id: e.date for e in events.events}
    # only each event's id and date are needed: an event of a type a ruleset declares
    # (which the bundled catalogue does not know) is marked as well as any other
    out: dict[str, _dt.date] = {}
    for _where, record in iter_records(events):
        if isinstance(record, Event):
            out[record.id] = record.date
            continue
        if not isinstance(record, Mapping) or not isinstance(record.get("id"), str):
            continue
        try:
            out[record["id"]] = parse_date(record.get("date"))
        except DateError:
            continue
    return out


def _span(f: Finding, as_of: _dt.date) -> tuple[_dt.date, _dt.date] | None:
    """The interval a finding occupies in its row (a point for a bare due date)."""
    start = f.opens or f.due
    end = f.due or (as_of if f.opens and f.opens <= as_of else f.opens)
    if start is None or end is None:
        return None
    return (min(start, end), max(start, end))


def _lanes(spans: Sequence[tuple[_dt.date, _dt.date]], gap: _dt.timedelta) -> list[int]:
    """Greedy interval packing: each span goes in the first lane free by its start."""
    order = sorted(range(len(spans)), key=lambda i: spans[i])
    ends: list[_dt.date] = []
    lane = [0] * len(spans)
    for i in order:
        start, end = spans[i]
        for n, last in enumerate(ends):
            if last + gap < start:
                lane[i], ends[n] = n, end
                break
        else:
            lane[i] = len(ends)
            ends.append(end)
    return lane


def _label_bars(ax: Axes, names: Sequence[tuple[float, float, float, str]], fig: Any) -> None:
    """Write each rule's id on its bar, where the bar is wide enough to hold it."""
    if not names:
        return
    lo, hi = ax.get_xlim() if ax.has_data() else (0.0, 1.0)
    lefts = [left for left, *_ in names]
    rights = [left + width for left, width, *_ in names]
    lo, hi = min(lo, *lefts), max(hi, *rights)
    axes_inches = fig.get_size_inches()[0] * 0.72  # the plot area, less labels and legend
    days_per_inch = max(hi - lo, 1.0) / axes_inches
    char_inches = _LABEL_SIZE * 0.55 / 72  # an average character at that size
    for left, width, y, rule in names:
        room = int(width / days_per_inch / char_inches) - 1
        if room < 6:
            continue
        text = rule if len(rule) <= room else rule[: room - 1] + "\u2026"
        ax.text(
            left + days_per_inch * 0.04,
            y,
            text,
            va="center",
            ha="left",
            fontsize=_LABEL_SIZE,
            color="#111111",
            clip_on=True,
            zorder=4,
        )


def plot_timeline(
    report: FindingsView,
    path: str | os.PathLike[str] | None = None,
    parties: Iterable[str] | None = None,
    ax: Axes | None = None,
    *,
    events: Any = None,
    title: str | None = None,
) -> Figure:
    """Draw the report's findings on one time axis; save to `path` if given; return the Figure."""
    mdates = require("matplotlib.dates", "plot_timeline()", "plot")  # typed loosely: Any
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if path is not None:
        suffix = os.fspath(path).rsplit(".", 1)[-1].lower() if "." in os.fspath(path) else ""
        if suffix not in PLOT_FORMATS:
            raise ValueError(
                f"cannot tell the image type of {os.fspath(path)!r}: "
                f"end its name with {', '.join('.' + s for s in PLOT_FORMATS)}"
            )
    if isinstance(parties, str):  # one party given on its own
        parties = [parties]
    wanted = list(dict.fromkeys(parties)) if parties is not None else None
    findings = [f for f in report.findings if wanted is None or f.party in wanted]
    agreements = sorted({f.agreement for f in findings} or set(report.rulesets))
    several = len(agreements) > 1
    rows: dict[tuple[str, str], list[Finding]] = {}
    if wanted is not None:
        for party in wanted:
            for agreement in agreements if several else [""]:
                rows[(party, agreement)] = []
    for f in sorted(findings, key=lambda f: (f.party, f.agreement)):
        rows.setdefault((f.party, f.agreement if several else ""), []).append(f)
    dates = _event_dates(events)

    # Lay out: items (non-breach findings) get lanes; breaches overlay their obligation.
    gap = _dt.timedelta(days=1)
    layout: list[tuple[tuple[str, str], float, float, list[tuple[Finding, float]]]] = []
    top = 0.0
    overlay_list: list[Finding] = []
    for row_key, fs in rows.items():
        duty_keys = {_key(f) for f in fs if f.kind == _OBLIGATION}
        # A breach, or a missed duty reported as a notice, is drawn on its obligation's bar.
        overlays = [
            f for f in fs if f.kind == _BREACH_KIND or (f.kind == _NOTICE and _key(f) in duty_keys)
        ]
        items = [f for f in fs if f.kind != _BREACH_KIND and f not in overlays]
        spans = [_span(f, report.as_of) for f in items]
        placed = [(f, s) for f, s in zip(items, spans, strict=True) if s is not None]
        lanes = _lanes([s for _, s in placed], gap)
        n_lanes = max(lanes, default=0) + 1
        height = max(1.0, n_lanes * _LANE + 0.3)
        lane_y = {
            id(f): top + 0.15 + (lane + 0.5) * _LANE
            for (f, _), lane in zip(placed, lanes, strict=True)
        }
        by_key = {_key(f): lane_y[id(f)] for f, _ in placed if f.kind == _OBLIGATION}
        drawn: list[tuple[Finding, float]] = [(f, lane_y[id(f)]) for f, _ in placed]
        overlay_list += overlays
        for b in overlays:
            y = by_key.get(_key(b), top + 0.15 + 0.5 * _LANE)
            drawn.append((b, y))
        layout.append((row_key, top, height, drawn))
        top += height

    if ax is None:
        fig = Figure(figsize=(11, max(2.5, _INCHES_PER_UNIT * top + 1.6)), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    else:
        maybe_fig = ax.get_figure()
        assert maybe_fig is not None
        fig = maybe_fig  # type: ignore[assignment]

    def num(day: _dt.date) -> float:
        return float(mdates.date2num(day))

    bar_h = _LANE * 0.8
    overlays_all = {id(f) for f in overlay_list}
    every_day = [d for f in findings for d in (f.opens, f.due, f.remedied_on) if d is not None]
    every_day += [report.as_of, *dates.values()]
    min_width = max(1.0, (max(every_day) - min(every_day)).days * 0.004)

    def colour_of(f: Finding) -> str:
        return STATUS_COLOURS.get(f.status, _OTHER)

    # Collect first, then draw one artist per style: thousands of findings stay quick.
    used_status: dict[str, None] = {}
    points: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    bars: dict[tuple[str, bool], tuple[list[float], list[float], list[float]]] = {}
    names: list[tuple[float, float, float, str]] = []  # left, width, y, rule id

    def point(mark: str, colour: str, day: _dt.date, y: float) -> None:
        xs, ys = points.setdefault((mark, colour), ([], []))
        xs.append(num(day))
        ys.append(y)

    for _row_key, _top, _height, drawn in layout:
        for f, y in drawn:
            span = _span(f, report.as_of)
            colour = colour_of(f)
            if f.kind == _NOTICE and id(f) in overlays_all:
                if f.due is not None:
                    point(Kind.NOTICE, colour, f.due, y)
                    used_status[f.status] = None
                continue
            if f.kind == _BREACH_KIND:
                if f.due is not None:
                    point(Kind.BREACH, _BREACH, f.due, y)
                if f.remedied_on is not None and not any(i in dates for i in f.fulfilled_by):
                    point(_FULFILMENT, _FULFIL, f.remedied_on, y)
                continue
            if f.kind == _ESCALATION:
                if span is not None and span[0] != span[1]:
                    ax.plot([num(span[0]), num(span[1])], [y, y], "--", color=colour, lw=1.5)
                at = f.opens or f.due
                if at is not None:
                    point(Kind.ESCALATION, colour, at, y)
                    ax.annotate(
                        str(f.step or ""),
                        (num(at), y),
                        xytext=(0, 7),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                    )
                used_status[f.status] = None
            elif f.kind == _NOTICE and (f.opens is None or f.opens == f.due):
                at = f.due or f.opens
                if at is not None:
                    point(Kind.NOTICE, colour, at, y)
                    used_status[f.status] = None
            elif span is not None:
                left = num(span[0])
                # both ends are inclusive days; a one-day window stays visible at any scale
                width = max(num(span[1]) - left + 1.0, min_width)
                ys, widths, lefts = bars.setdefault((f.status, f.due is None), ([], [], []))
                ys.append(y)
                widths.append(width)
                lefts.append(left)
                names.append((left, width, y, f.rule))
                used_status[f.status] = None
            if f.kind != _ESCALATION and f.due is not None:
                point(_DUE, "black", f.due, y)
            for event_id in f.fulfilled_by:
                day = dates.get(event_id)
                if day is not None:
                    point(_FULFILMENT, _FULFIL, day, y)

    for (status, open_ended), (ys, widths, lefts) in bars.items():
        ax.barh(
            ys,
            widths,
            left=lefts,
            height=bar_h,
            color=STATUS_COLOURS.get(status, _OTHER),
            edgecolor="#555555",
            linewidth=0.4,
            hatch="//" if open_ended else None,
            zorder=2,
        )
    for (mark, colour), (xs, ys) in points.items():
        ax.plot(xs, ys, ls="", color=colour, **_MARKS[mark])
    _label_bars(ax, names, fig)
    used_marks = dict.fromkeys(m for m in _MARKS if any(k[0] == m for k in points))

    ax.axvline(num(report.as_of), color="#444444", ls=":", lw=1.2, zorder=1)
    used_marks[_AS_OF] = None
    ticks = [t + h / 2 for _, t, h, _ in layout]
    labels = [_row_label(party, agreement) for (party, agreement), *_ in layout]
    ax.set_yticks(ticks, labels, fontsize=8)
    for _, t, _h, _ in layout[1:]:
        ax.axhline(t, color="#e0e0e0", lw=0.8, zorder=0)
    ax.set_ylim(top if top else 1.0, 0.0)
    if not any(drawn for *_, drawn in layout):
        ax.text(0.5, 0.5, "no findings", transform=ax.transAxes, ha="center", va="center")
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(axis="x", color="#eeeeee", zorder=0)
    ax.set_axisbelow(True)
    if title is None:
        title = f"Findings as of {report.as_of.isoformat()}"
        if len(agreements) == 1:
            title += f": {agreements[0]}"
    ax.set_title(title, fontsize=10)

    handles: list[Any] = [
        Patch(
            facecolor=STATUS_COLOURS.get(s, _OTHER), edgecolor="#555555", label=s.replace("_", " ")
        )
        for s in used_status
    ]
    marks: dict[str, Any] = {
        _DUE: Line2D([], [], ls="", marker="|", color="black", ms=10, mew=1.4, label="due date"),
        _FULFILMENT: Line2D([], [], ls="", marker="o", color=_FULFIL, label="fulfilling event"),
        Kind.BREACH: Line2D(
            [], [], ls="", marker="X", color=_BREACH, ms=8, label=KIND_NOUNS[Kind.BREACH]
        ),
        Kind.ESCALATION: Line2D(
            [],
            [],
            ls="",
            marker="^",
            color="white",
            mec="black",
            ms=8,
            label=KIND_NOUNS[Kind.ESCALATION],
        ),
        Kind.NOTICE: Line2D(
            [], [], ls="", marker="d", color="white", mec="black", label=KIND_NOUNS[Kind.NOTICE]
        ),
        _AS_OF: Line2D([], [], ls=":", color="#444444", label=f"as of {report.as_of}"),
    }
    handles += [marks[m] for m in marks if m in used_marks]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False
    )
    if path is not None:
        fig.savefig(os.fspath(path), dpi=120)
    return fig
