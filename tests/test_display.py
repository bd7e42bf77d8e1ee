"""The notebook view (HTML) and the timeline plot, from Python and from the CLI."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import sys
from pathlib import Path

import attrs
import pytest
from matplotlib.figure import Figure

import sli_rules
from sli_rules.cli import run
from sli_rules.outputs import report as _report
from sli_rules.outputs.names import party_name

ROOT = Path(__file__).resolve().parents[1]
EM = "east-midlands-childrens-mou-2015"
EM_EVENTS = ROOT / "examples" / f"{EM}.jsonl"
EM_AS_OF = dt.date(2017, 6, 30)
WM = "west-midlands-compact-2013"
WM_EVENTS = ROOT / "examples" / f"{WM}.jsonl"


@pytest.fixture(scope="module")
def em_report() -> sli_rules.Report:
    return sli_rules.evaluate([EM], EM_EVENTS, as_of=EM_AS_OF)


@pytest.fixture(scope="module")
def both_report() -> sli_rules.Report:
    events = [*sli_rules.read_events(EM_EVENTS).events, *sli_rules.read_events(WM_EVENTS).events]
    return sli_rules.evaluate([EM, WM], events, as_of=EM_AS_OF)


# ------------------------------------------------------------------ HTML


def test_html_groups_by_agreement_then_party(both_report):
    page = both_report._repr_html_()
    agreements = re.findall(r"<h4>([^<]+)</h4>", page)
    assert agreements == sorted({EM, WM})
    # One folded section per (agreement, party), in that order, each saying what is in it.
    # Each names the party: its name from the registry in bold, then its code.
    summaries = re.findall(
        r"<summary><strong>([^<]+)</strong> ([^ <]+) \(([^)]+)\): ([^<]+)</summary>", page
    )
    expected = sorted({(f.agreement, f.party) for f in both_report.findings})
    assert [(a, p) for _, p, a, _ in summaries] == expected
    assert all(name == html.escape(party_name(p)) for name, p, _, _ in summaries)
    assert "<strong>Leicestershire</strong> E10000018" in page
    assert page.count("<tr class=") == len(both_report.findings)
    assert page.startswith("<div class='sli-report'>")
    assert page.endswith("</div>")


def test_html_colours_rows_by_status(em_report):
    page = em_report._repr_html_()
    breach = em_report.filter(kind="breach", status="breached").findings[0]
    assert (
        f"<tr class='sli-breached' style='background:{_report.STATUS_COLOURS['breached']};" in page
    )
    assert f"background:{_report.STATUS_COLOURS['fulfilled']}" in page
    assert breach.explanation.replace("'", "&#x27;") in page or breach.explanation in page
    assert "Status colours:" in page
    # A party with a breach not remedied says so and stays unfolded.
    section = re.search(
        rf"<details( open)?><summary><strong>[^<]+</strong> {breach.party} \({EM}\): "
        r"([^<]+)</summary>",
        page,
    )
    assert section is not None
    assert section.group(1) == " open"
    assert "not remedied" in section.group(2)


def _luminance(colour: str) -> float:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_html_is_readable_in_light_and_dark_themes(both_report):
    # Wherever the report sets a background, it sets the text colour too, with at least
    # WCAG AA contrast (4.5:1); elsewhere it leaves both to the notebook's theme, so the
    # theme's own text colour (dark or light) is never put on a background of ours.
    page = both_report._repr_html_() + _report._report_html(
        attrs.evolve(both_report, findings=both_report.findings[:3])
    )
    styles = re.findall(r"style='([^']*)'", page)
    coloured = 0
    for style in styles:
        pairs = (p.split(":", 1) for p in style.split(";") if p)
        props = {k.strip(): v.strip() for k, v in pairs}
        background = props.get("background")
        ink = props.get("color")
        if background is None:
            assert ink is None, style
            continue
        coloured += 1
        assert ink is not None, f"text colour left to the theme on {style}"
        assert _contrast(background, ink) >= 4.5, style
    assert coloured >= len(both_report.findings)


def test_html_escapes_text(em_report):
    nasty = attrs.evolve(em_report.findings[0], explanation="<script>alert(1)</script> & more")
    page = attrs.evolve(em_report, findings=(nasty,))._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def test_html_empty_report_and_rejected_records():
    report = sli_rules.evaluate(
        [WM],
        [{"id": "x", "type": "no.such.type", "date": "2014-01-01", "council": "E08000026"}],
        as_of=dt.date(2013, 6, 1),
        lenient=True,
    )
    page = report._repr_html_()
    assert "No findings." in page
    assert "1 input records were rejected" in page
    assert "no.such.type" in page


def test_html_caps_the_rows_shown(em_report, monkeypatch):
    monkeypatch.setattr(_report, "HTML_MAX_ROWS", 10)
    page = em_report._repr_html_()
    assert page.count("<tr class=") == 10
    assert f"Showing 10 of {len(em_report.findings)} findings" in page
    # Those needing attention come first (there are more than 10 of them here).
    attention = {"breached", "missed", "due", "exceeded"}
    assert sum(1 for f in em_report.findings if f.status in attention) > 10
    assert set(re.findall(r"<tr class='sli-([a-z_]+)'", page)) <= attention


# ------------------------------------------------------------------ timeline plot


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_writes_a_png_with_one_row_per_party(tmp_path, em_report):
    path = tmp_path / "timeline.png"
    fig = em_report.plot_timeline(path, events=EM_EVENTS)
    assert isinstance(fig, Figure)
    data = path.read_bytes()
    width, height = _png_size(data)
    assert width > 600
    assert height > 400
    assert len(data) > 20_000  # a drawing, not an empty canvas
    (ax,) = fig.axes
    parties = sorted({f.party for f in em_report.findings})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # each row is labelled with the party's name (wrapped) above its code
    assert [label.splitlines()[-1] for label in labels] == parties
    assert [" ".join(label.splitlines()[:-1]) for label in labels] == [
        party_name(p) for p in parties
    ]
    assert len(ax.get_yticks()) == len(parties)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for label in ("breached", "fulfilled", "due date", "breach", "escalation step"):
        assert label in legend
    assert "fulfilling event" in legend  # the events were given, so fulfilments are drawn
    assert ax.xaxis.get_major_formatter().__class__.__name__ == "ConciseDateFormatter"


def test_plot_svg_for_chosen_parties(tmp_path, em_report):
    path = tmp_path / "timeline.svg"
    chosen = ["E10000019", "em-dcs-group"]
    fig = em_report.plot_timeline(str(path), parties=chosen)
    text = path.read_text()
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text
    assert len(text) > 10_000
    ax = fig.axes[0]
    # names (a long one wrapped) above codes
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Lincolnshire\nE10000019",
        "East Midlands Directors of\nChildren's Services group\nem-dcs-group",
    ]


def test_plot_rows_per_party_and_agreement(both_report):
    fig = both_report.plot_timeline()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    expected = sorted({(f.party, f.agreement) for f in both_report.findings})
    assert [label.splitlines()[-2:] for label in labels] == [[p, a] for p, a in expected]


def test_plot_without_events_marks_late_fulfilments_only(em_report):
    fig = em_report.plot_timeline()
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "fulfilling event" in legend  # the remedied breaches' late fulfilments
    remedied = [f for f in em_report.breaches if f.remedied_on]
    assert remedied


def test_plot_into_given_axes_and_empty_report():
    figure = Figure()
    ax = figure.add_subplot()
    empty = sli_rules.evaluate([WM], [], as_of=dt.date(2013, 1, 1))
    assert empty.plot_timeline(ax=ax) is figure
    assert any(t.get_text() == "no findings" for t in ax.texts)


def test_plot_refuses_an_unknown_image_type(tmp_path, em_report):
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf"):
        em_report.plot_timeline(tmp_path / "timeline.gif")


def test_plot_without_matplotlib_says_which_extra(monkeypatch, em_report):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError) as info:
        em_report.plot_timeline()
    message = str(info.value)
    assert message == (
        "plot_timeline() needs matplotlib: install it with pip install 'sli-rules[plot]'."
    )
    assert message.count(".") == 1  # one sentence


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return run(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_cli_plot(tmp_path, suffix):
    path = tmp_path / f"out.{suffix}"
    code, out, err = _cli(
        "evaluate", "-r", EM, "-e", str(EM_EVENTS), "--as-of", "2017-06-30", "--plot", str(path)
    )
    assert code == 0, err
    assert out  # the report still goes to the screen
    assert path.stat().st_size > 10_000


def test_cli_plot_bad_suffix_exits_2_before_evaluating(tmp_path):
    code, out, err = _cli(
        "evaluate", "-r", EM, "-e", str(EM_EVENTS), "--as-of", "2017-06-30",
        "--plot", str(tmp_path / "out.jpeg"),
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert ".png, .svg, .pdf" in err


def test_plot_gives_every_status_its_own_colour():
    from sli_rules.outputs import plot

    colours = list(plot.STATUS_COLOURS.values())
    assert len(set(colours)) == len(colours)


def test_plot_names_rules_on_bars_and_stays_compact():
    report = sli_rules.evaluate([WM], WM_EVENTS, as_of=dt.date(2015, 12, 31))
    fig = report.plot_timeline(events=WM_EVENTS)
    (ax,) = fig.axes
    written = {t.get_text().rstrip("\u2026") for t in ax.texts}
    rules = {f.rule for f in report}
    # labels may be cut short on narrow bars (more rules per council since issue 14)
    assert any(len(w) > 5 and "feedback-published".startswith(w) for w in written), written
    assert all(any(r.startswith(w) for r in rules) for w in written if w and not w.isdigit())
    parties = {f.party for f in report}
    height_px = fig.get_size_inches()[1] * 120
    # 33 councils: was 4,326 px; 3,281 with the per-line signature rules of issue 14
    assert height_px < 3_500
    assert height_px / len(parties) < 100
