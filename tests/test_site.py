"""`sli-rules report --html DIR`: the static site, tested in a real browser.

Debian's chromium runs headless over the site's files (file://, no server, no network).
A harness page, written beside the site, loads the overview in a frame, follows every
link to a party page, reads what the browser rendered (after the site's script ran), and
drives the filters; chromium's --dump-dom hands the harness's findings back. The tests
fail, rather than skip, when chromium is missing (`.ci/run` installs it).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import real_record
import sli_rules
from sli_rules.cli import run
from sli_rules.outputs.ical import uid
from sli_rules.outputs.names import party_name
from sli_rules.tools.site import party_file, write_site

if TYPE_CHECKING:
    from conftest import ExampleRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DEMO = list(csv.DictReader((EXAMPLES / "demo.tsv").open(encoding="utf-8"), delimiter="\t"))

HARNESS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>harness</title></head><body>
<iframe id="f" title="site"></iframe><pre id="result"></pre>
<script>
var frame = document.getElementById("f");
var out = {pages: {}, links: [], index: [], filtered: null, typed: null};
function load(url, then) { frame.onload = function () { then(frame.contentDocument); };
  frame.src = url; }
function rows(doc) { return Array.prototype.slice.call(doc.querySelectorAll("tr[data-finding]")); }
function visible(doc) { return rows(doc).filter(function (r) { return !r.hidden; }); }
load("index.html", function (doc) {
  out.index = rows(doc).map(function (r) { return r.getAttribute("data-finding"); });
  var seen = {};
  var links = doc.querySelectorAll("a[href^='party/']");
  Array.prototype.forEach.call(links, function (a) {
    var href = a.getAttribute("href");
    if (!seen[href]) { seen[href] = 1; out.links.push(href); }
  });
  var i = 0;
  (function next() {
    if (i >= out.links.length) { return filters(); }
    var href = out.links[i++];
    load(href, function (page) {
      out.pages[href] = {
        h1: page.querySelector("h1").textContent,
        back: page.querySelector("nav a").getAttribute("href"),
        rows: rows(page).map(function (r) { return r.getAttribute("data-finding"); }),
        dark_ink: Array.prototype.every.call(page.querySelectorAll(".status"), function (s) {
          return getComputedStyle(s).color === "rgb(26, 26, 26)"; })
      };
      next();
    });
  })();
});
function filters() {
  load("index.html#status=__STATUS__&kind=__KIND__", function (doc) {
    out.filtered = {
      shown: doc.getElementById("shown").textContent,
      rows: visible(doc).map(function (r) {
        return [r.getAttribute("data-status"), r.getAttribute("data-kind")]; })
    };
    var party = doc.getElementById("f-party");
    var status = doc.getElementById("f-status");
    var kind = doc.getElementById("f-kind");
    status.value = ""; status.dispatchEvent(new Event("input"));
    kind.value = ""; kind.dispatchEvent(new Event("input"));
    party.value = "__PARTY__"; party.dispatchEvent(new Event("input"));
    out.typed = {
      hash: frame.contentWindow.location.hash,
      rows: visible(doc).map(function (r) { return r.getAttribute("data-party"); })
    };
    document.getElementById("result").textContent = JSON.stringify(out);
  });
}
</script></body></html>
"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does)")
    return path


def browse(site: Path, party_text: str, status: str, kind: str) -> dict[str, Any]:
    harness = site / "harness.html"
    page = HARNESS.replace("__PARTY__", party_text)
    page = page.replace("__STATUS__", status).replace("__KIND__", kind)
    harness.write_text(page, encoding="utf-8")
    done = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
            harness.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"the harness did not finish: {done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


@pytest.mark.parametrize(
    ("events_file", "row"),
    real_record.params([(r["events"], r) for r in DEMO], [r["rulesets"] for r in DEMO]),
)
def test_the_site_of_each_bundled_example_in_a_browser(
    tmp_path: Path, events_file: str, row: dict[str, str], example_run: ExampleRunner
) -> None:
    # read with the event types the rulesets declare (as `sli-rules evaluate -r` does), and
    # evaluated once for every test that needs the example's findings (tests/conftest.py)
    evaluated = example_run(events_file, row["rulesets"], row["as_of"])
    events, report = evaluated.intake, evaluated.report
    assert not events.rejected
    site = tmp_path / "site"
    write_site(report, site, events=events.events, timelines=False)
    # a council to type, or a body where no finding names a council (the national
    # memorandum's findings name the associations and the regions' arrangements)
    named = sorted((f for f in report if party_name(f.party)), key=lambda f: f.party[0] != "E")
    council = named[0].party
    # the filter from the address: breached breaches, or where the example has none (the
    # national one since issue 14, the real record) its first notice's status and kind,
    # or its first finding's
    pairs = [(f.status, f.kind) for f in report]
    prefer = [("breached", "breach"), *(p for p in pairs if p[1] == "notice"), *pairs]
    status, kind = next(p for p in prefer if p in pairs)
    seen = browse(site, party_name(council)[:6], status, kind)

    # navigation: the overview links every party's page, and each links back
    parties = {f.party for f in report}
    assert set(seen["links"]) == {party_file(p) for p in parties}
    for page in seen["pages"].values():
        assert page["back"] == "../index.html"
        assert page["dark_ink"]  # badges keep dark text on their light colour
    # every finding is on the overview, and on its party's page
    assert sorted(seen["index"]) == sorted(uid(f) for f in report)
    for f in report:
        page = seen["pages"][party_file(f.party)]
        assert uid(f) in page["rows"], (f.party, f.rule)
        assert (party_name(f.party) or f.party) in page["h1"]
    # filters from the address, and typed into the page
    want = report.filter(status=status, kind=kind)
    assert len(want) > 0  # the filter has something to keep
    assert len(seen["filtered"]["rows"]) == len(want)
    assert all(r == [status, kind] for r in seen["filtered"]["rows"])
    assert seen["filtered"]["shown"] == f"{len(want)} of {len(report)} findings shown"
    typed = seen["typed"]
    assert typed["rows"]
    assert all(party_name(council)[:6].lower() in r.lower() for r in typed["rows"])
    assert "party=" in typed["hash"]
    assert "status=" not in typed["hash"]
    text = party_name(council)[:6].lower()  # a search: "Derby" also finds Derbyshire
    assert len(typed["rows"]) == sum(
        1 for f in report if text in f"{f.party} {party_name(f.party)}".lower()
    )


def test_party_pages_carry_a_timeline_and_the_events_behind_each_finding(tmp_path: Path) -> None:
    events = sli_rules.read_events(EXAMPLES / "west-midlands-compact-2013.jsonl")
    report = sli_rules.evaluate(
        ["west-midlands-compact-2013"], events, as_of=dt.date(2015, 12, 31)
    ).filter(party="E06000020")
    pages = write_site(report, tmp_path / "s", events=events.events)
    page = (tmp_path / "s" / party_file("E06000020")).read_text(encoding="utf-8")
    assert pages[1].name == "E06000020.html"
    assert (tmp_path / "s" / "party" / "E06000020.svg").exists()
    assert '<img class="timeline" src="E06000020.svg" alt="Timeline of the findings of' in page
    f = next(f for f in report if f.triggered_by)  # the first, a signature, has no trigger
    event = next(e for e in events.events if e.id == f.triggered_by[0])
    assert f"<code>{event.id}</code>: {event.type} on {event.date.isoformat()}" in page
    assert '<html lang="en">' in page
    assert '<label for="f-status">' in page


def test_report_command_writes_the_site_and_refuses_a_missing_parent(tmp_path: Path) -> None:
    base = ["report", "--ruleset", "national-childrens-sli-mou", "--events"]
    base += [str(EXAMPLES / "national-childrens-sli-mou.jsonl"), "--as-of", "2016-03-31"]
    out, err = io.StringIO(), io.StringIO()
    code = run([*base, "--no-timelines", "--html", str(tmp_path / "site")], out, err)
    assert code == 0, err.getvalue()
    assert (tmp_path / "site" / "index.html").exists()
    assert "wrote" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    code = run([*base, "--html", str(tmp_path / "no" / "site")], out, err)
    assert code == 2
    assert "there is no folder" in err.getvalue()
