"""`sli-rules report --html DIR`: a static site of a report, for a board on a shared drive.

The site needs no server and no network: plain HTML files, one style sheet and one small
script, linked relatively, so it opens from a folder (file://) as well as from a web
server. It has an overview page (per agreement: counts by status, by party and by year
due, and every finding with filters) and one page per party (its timeline when the
`plot` extra is installed, and its findings, each with its explanation and the events it
rests on one click away). Filters work in the page and are kept in the address
(`#status=breached&kind=breach`), so a filtered view can be bookmarked or sent.

Colours: the page follows the reader's light or dark setting (`prefers-color-scheme`);
status badges carry their own dark text on their light colour, as in the notebook view.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sli_rules.model.extras import MissingExtraError
from sli_rules.model.values import Event, Finding
from sli_rules.model.vocabulary import KINDS, STATUSES, Kind, Status
from sli_rules.outputs.ical import uid
from sli_rules.outputs.names import labelled, party_name
from sli_rules.outputs.plot import plot_timeline
from sli_rules.outputs.report import HTML_INK, STATUS_COLOURS, Report

__all__ = ["write_site"]

_esc = html.escape

STYLE = """\
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1a1a1a; --muted: #555555;
  --link: #0b57d0; --border: #c8c8c8; --stripe: #f4f4f4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121212; --fg: #e8e8e8; --muted: #b0b0b0; --link: #8ab4f8;
    --border: #454545; --stripe: #1c1c1c; }
}
body { background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, sans-serif;
  margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
a { color: var(--link); }
nav { margin-bottom: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid var(--border); padding: 0.25rem 0.6rem; text-align: left;
  vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) { background: var(--stripe); }
.status { color: #1a1a1a; padding: 0 0.4rem; border-radius: 3px; white-space: nowrap; }
.muted { color: var(--muted); }
form.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: end;
  margin: 0.5rem 0; }
form.filters label { display: flex; flex-direction: column; font-size: 0.9rem; }
select, input { font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--border); padding: 0.15rem 0.3rem; }
details summary { cursor: pointer; color: var(--link); }
img.timeline { max-width: 100%; background: #ffffff; }
"""

SCRIPT = """\
// Filters for the findings tables: no network, no library. The state is kept in the
// address (#status=breached&kind=breach&party=E08000026) so a view can be shared.
(function () {
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  var controls = form.querySelectorAll("select, input");
  var rows = document.querySelectorAll("tr[data-status]");
  var count = document.getElementById("shown");
  function apply() {
    var want = {};
    var hash = [];
    controls.forEach(function (c) {
      var v = c.value.trim();
      if (v) { want[c.name] = v.toLowerCase(); hash.push(c.name + "=" + encodeURIComponent(v)); }
    });
    var n = 0;
    rows.forEach(function (r) {
      var ok = Object.keys(want).every(function (k) {
        var have = (r.getAttribute("data-" + k) || "").toLowerCase();
        return k === "party" ? have.indexOf(want[k]) >= 0 : have === want[k];
      });
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    if (count) { count.textContent = n + " of " + rows.length + " findings shown"; }
    var next = hash.length ? "#" + hash.join("&") : " ";
    if (location.hash !== next.trim()) { history.replaceState(null, "", next); }
  }
  location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
    var kv = pair.split("=");
    var c = form.elements.namedItem(kv[0]);
    if (!c || kv.length !== 2) { return; }
    var v = decodeURIComponent(kv[1]);
    if (c.tagName === "SELECT" &&
        !Array.prototype.some.call(c.options, function (o) { return o.value === v; })) {
      // a value no finding here has (e.g. a link from another page): keep it, so the
      // page shows none rather than silently ignoring the filter
      var extra = document.createElement("option");
      extra.value = v; extra.textContent = v; c.appendChild(extra);
    }
    c.value = v;
  });
  controls.forEach(function (c) { c.addEventListener("input", apply); });
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  apply();
})();
"""


def _page(title: str, body: Sequence[str], root: str) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_esc(title)}</title>",
            f'<link rel="stylesheet" href="{root}style.css">',
            "</head>",
            "<body>",
            *body,
            f'<script src="{root}filter.js"></script>',
            "</body>",
            "</html>",
            "",
        ]
    )


def party_file(code: str) -> str:
    """The page of a party, relative to the site's root (codes are safe file names)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in code)
    return f"party/{safe}.html"


def _badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#ffffff")
    return (
        f'<span class="status" style="background:{colour};color:{HTML_INK}">'
        f"{_esc(status.replace('_', ' '))}</span>"
    )


def _filters(findings: Sequence[Finding], with_party: bool) -> list[str]:
    statuses = sorted({f.status for f in findings})
    kinds = [k for k in KINDS if any(f.kind == k for f in findings)]

    def select(name: str, label: str, options: Iterable[str]) -> str:
        opts = "".join(f'<option value="{_esc(o)}">{_esc(o)}</option>' for o in options)
        return (
            f'<label for="f-{name}">{label}<select id="f-{name}" name="{name}">'
            f'<option value="">any</option>{opts}</select></label>'
        )

    parts = [
        '<form class="filters" role="search" aria-label="Filter the findings">',
        select("status", "Status", statuses),
        select("kind", "Kind", kinds),
    ]
    if with_party:
        parts.append(
            '<label for="f-party">Party (code or name)'
            '<input id="f-party" name="party" type="search" autocomplete="off"></label>'
        )
    parts.append("</form>")
    parts.append(f'<p id="shown" aria-live="polite">{len(findings)} findings shown</p>')
    return parts


def _source(event_id: str, events: Mapping[str, Event]) -> str:
    e = events.get(event_id)
    if e is None:
        return f"<li><code>{_esc(event_id)}</code></li>"
    where = f" <span class='muted'>({_esc(e.source)})</span>" if e.source else ""
    return (
        f"<li><code>{_esc(e.id)}</code>: {_esc(e.type)} on {e.date.isoformat()} by "
        f"{_esc(labelled(e.council, 'name (code)'))}{where}</li>"
    )


def _findings_table(
    findings: Sequence[Finding], events: Mapping[str, Event], root: str, caption: str
) -> list[str]:
    out = [
        "<table>",
        f"<caption class='muted'>{_esc(caption)}</caption>",
        "<thead><tr>",
        *(
            f'<th scope="col">{h}</th>'
            for h in ("Kind", "Clause", "Rule", "Party", "Status", "Opens", "Due", "Why")
        ),
        "</tr></thead><tbody>",
    ]
    for f in findings:
        party = labelled(f.party, "name (code)")
        about = f" about {_esc(labelled(f.about, 'name (code)'))}" if f.about else ""
        sources = [*f.triggered_by, *f.fulfilled_by]
        why = (
            f"<details><summary>explanation</summary><p>{_esc(f.explanation)}</p>"
            + (
                "<p>Events:</p><ul>" + "".join(_source(s, events) for s in sources) + "</ul>"
                if sources
                else ""
            )
            + "</details>"
        )
        out.append(
            f'<tr id="f-{uid(f).split("@")[0]}" data-finding="{_esc(uid(f))}" '
            f'data-status="{_esc(f.status)}" data-kind="{_esc(f.kind)}" '
            f'data-party="{_esc(f.party)} {_esc(party_name(f.party))}">'
            f"<td>{_esc(f.kind)}{' step ' + str(f.step) if f.step else ''}</td>"
            f"<td>{_esc(f.clause)}</td>"
            f"<td title='{_esc(f.title, quote=True)}'>{_esc(f.rule)}</td>"
            f'<td><a href="{root}{party_file(f.party)}">{_esc(party)}</a>{about}</td>'
            f"<td>{_badge(f.status)}</td>"
            f"<td>{f.opens.isoformat() if f.opens else ''}</td>"
            f"<td>{f.due.isoformat() if f.due else ''}</td>"
            f"<td>{why}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _count_table(caption: str, head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["<table>", f"<caption>{_esc(caption)}</caption>", "<thead><tr>"]
    out += [f'<th scope="col"{" class=num" if i else ""}>{h}</th>' for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [f'<th scope="row">{row[0]}</th>']
        cells += [f'<td class="num">{c}</td>' for c in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _overview(report: Report, events: Mapping[str, Event], titles: Mapping[str, str]) -> str:
    body = [
        "<header>",
        f"<h1>Findings as of {report.as_of.isoformat()}</h1>",
        f"<p>{_esc(report.summary())}</p>",
        "</header>",
        "<main>",
    ]
    order = {s.value: i for i, s in enumerate(STATUSES)}
    for agreement in report.rulesets:
        fs = [f for f in report if f.agreement == agreement]
        body.append(f"<section aria-labelledby='a-{_esc(agreement)}'>")
        body.append(
            f"<h2 id='a-{_esc(agreement)}'>{_esc(titles.get(agreement, agreement))} "
            f"<span class='muted'>({_esc(agreement)})</span></h2>"
        )
        by_status = Counter(f.status for f in fs)
        body += _count_table(
            "Findings by status",
            ["Status", "Findings"],
            [
                (_badge(s), str(n))
                for s, n in sorted(by_status.items(), key=lambda sn: order.get(sn[0], 99))
            ],
        )
        parties = sorted({f.party for f in fs}, key=lambda p: (party_name(p) or p, p))
        body += _count_table(
            "Findings by party",
            ["Party", "Obligations", "Breaches not remedied", "All findings"],
            [
                (
                    f'<a href="{party_file(p)}">{_esc(labelled(p, "name (code)"))}</a>',
                    str(sum(1 for f in fs if f.party == p and f.kind == Kind.OBLIGATION.value)),
                    str(
                        sum(
                            1
                            for f in fs
                            if f.party == p
                            and f.kind == Kind.BREACH.value
                            and f.status == Status.BREACHED.value
                        )
                    ),
                    str(sum(1 for f in fs if f.party == p)),
                )
                for p in parties
            ],
        )
        years = sorted({f.due.year for f in fs if f.due})
        shown = sorted(by_status, key=lambda s: order.get(s, 99))
        body += _count_table(
            "Findings by year due (the trend)",
            ["Year due", *(_badge(s) for s in shown)],
            [
                (
                    str(y),
                    *(
                        str(sum(1 for f in fs if f.due and f.due.year == y and f.status == s))
                        for s in shown
                    ),
                )
                for y in years
            ],
        )
        body.append("</section>")
    body.append("<section aria-labelledby='all'><h2 id='all'>All findings</h2>")
    body += _filters(report.findings, with_party=True)
    body += _findings_table(report.findings, events, "", "Every finding, by due date")
    body += ["</section>", "</main>"]
    return _page(f"Findings as of {report.as_of}", body, "")


def _party_page(
    report: Report,
    code: str,
    events: Mapping[str, Event],
    titles: Mapping[str, str],
    timeline: str | None,
) -> str:
    fs = [f for f in report if f.party == code]
    name = party_name(code)
    body = [
        '<nav aria-label="Site"><a href="../index.html">All parties: overview</a></nav>',
        "<header>",
        f"<h1>{_esc(name or code)} <span class='muted'>{_esc(code) if name else ''}</span></h1>",
        f"<p>{len(fs)} findings as of {report.as_of.isoformat()}, under "
        + ", ".join(_esc(titles.get(a, a)) for a in sorted({f.agreement for f in fs}))
        + ".</p>",
        "</header>",
        "<main>",
    ]
    if timeline is not None:
        body += [
            "<section aria-labelledby='timeline'><h2 id='timeline'>Timeline</h2>",
            f'<img class="timeline" src="{_esc(timeline)}" alt="Timeline of the findings of '
            f"{_esc(name or code)}: each duty a bar from the day it opens to the day it is "
            'due, coloured by status">',
            "</section>",
        ]
    body.append("<section aria-labelledby='findings'><h2 id='findings'>Findings</h2>")
    body += _filters(fs, with_party=False)
    body += _findings_table(fs, events, "../", f"The findings of {name or code}")
    body += ["</section>", "</main>"]
    return _page(f"{name or code}: findings as of {report.as_of}", body, "../")


def write_site(
    report: Report,
    folder: str | os.PathLike[str],
    *,
    events: Iterable[Event] = (),
    titles: Mapping[str, str] | None = None,
    timelines: bool = True,
) -> list[Path]:
    """Write the site into `folder` (created if missing; its parent must exist) and
    return the pages written. Timelines need the `plot` extra; without it, and with
    `timelines=False`, the party pages have none."""
    root = Path(folder)
    (root / "party").mkdir(parents=True, exist_ok=True)
    by_id = {e.id: e for e in events}
    names = dict(titles or {})
    (root / "style.css").write_text(STYLE, encoding="utf-8")
    (root / "filter.js").write_text(SCRIPT, encoding="utf-8")
    pages = [root / "index.html"]
    pages[0].write_text(_overview(report, by_id, names), encoding="utf-8")
    for code in sorted({f.party for f in report}):
        page = root / party_file(code)
        timeline = None
        if timelines:
            picture = page.with_suffix(".svg")
            try:
                plot_timeline(report, picture, parties=[code], events=list(by_id.values()))
                timeline = picture.name
            except MissingExtraError:
                timelines = False
        page.write_text(_party_page(report, code, by_id, names, timeline), encoding="utf-8")
        pages.append(page)
    return pages
