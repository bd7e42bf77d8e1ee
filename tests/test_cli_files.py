"""Files in and out of the command line: `-o` into a folder that does not exist is a
message and exit 2 (before any work), gzipped event files are read, `-` is standard
input for events and standard output for reports."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

import sli_rules
from sli_rules.cli import run

ROOT = Path(__file__).resolve().parents[1]
WM = "west-midlands-compact-2013"
WM_EVENTS = ROOT / "examples" / f"{WM}.jsonl"
EVALUATE = ["evaluate", "--ruleset", WM, "--events", str(WM_EVENTS), "--as-of", "2015-12-31"]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        [*EVALUATE, "-o", "{missing}/report.json", "-f", "json"],
        [*EVALUATE, "-o", "{missing}/report.parquet", "-f", "parquet"],
        [*EVALUATE, "--to-parquet", "{missing}/findings.parquet"],
        [*EVALUATE, "--plot", "{missing}/timeline.png"],
        ["docs", WM, "-o", "{missing}/page.md"],
        [
            "calendar",
            "--ruleset",
            WM,
            "--events",
            str(WM_EVENTS),
            "--as-of",
            "2015-01-01",
            "-o",
            "{missing}/deadlines.ics",
        ],
    ],
    ids=["evaluate", "parquet", "to-parquet", "plot", "docs", "calendar"],
)
def test_writing_into_a_missing_folder_is_exit_2_with_a_message(
    tmp_path: Path, argv: list[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    code, out, err = cli(*(a.format(missing=missing) for a in argv))
    assert code == 2
    assert "Traceback" not in err
    assert f"there is no folder {str(missing)!r}; create it first" in err
    assert out == ""
    assert not missing.exists()  # not created behind the user's back


def test_writing_onto_a_folder_is_exit_2(tmp_path: Path) -> None:
    code, _, err = cli(*EVALUATE, "-o", str(tmp_path))
    assert code == 2
    assert "that is a folder" in err


def test_dash_is_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(*EVALUATE, "-f", "json", "-o", "-")
    assert code == 0
    assert json.loads(out)["rulesets"] == [WM]
    assert not (tmp_path / "-").exists()
    code, _, err = cli(*EVALUATE, "-f", "parquet", "-o", "-")
    assert code == 2
    assert "binary" in err


@pytest.fixture(scope="module")
def expected() -> str:
    code, out, _ = cli(*EVALUATE, "-f", "json")
    assert code == 0
    return out


def test_gzipped_json_lines_are_read(tmp_path: Path, expected: str) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(WM_EVENTS.read_bytes()))
    argv = [a if a != str(WM_EVENTS) else str(path) for a in EVALUATE]
    code, out, err = cli(*argv, "-f", "json")
    assert code == 0, err
    assert out == expected


def test_gzipped_csv_is_read_as_csv(tmp_path: Path) -> None:
    text = (
        "id,type,date,council,review,kind\n"
        "e1,peer_challenge.held,2014-03-01,E08000026,r1,corporate\n"
        "e2,peer_challenge.held,2014-04-01,E08000025,r2,childrens\n"
    )
    plain = tmp_path / "events.csv"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "events.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert sli_rules.read_events(packed).events == sli_rules.read_events(plain).events
    assert len(sli_rules.read_events(packed).events) == 2


def test_a_broken_gzip_file_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(b"not gzip at all\n")
    argv = [a if a != str(WM_EVENTS) else str(path) for a in EVALUATE]
    code, _, err = cli(*argv)
    assert code == 2
    assert str(path) in err
    assert "not a readable gzip file" in err
    assert "Traceback" not in err


def test_dash_reads_events_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, expected: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(WM_EVENTS.read_text(encoding="utf-8")))
    argv = [a if a != str(WM_EVENTS) else "-" for a in EVALUATE]
    code, out, err = cli(*argv, "-f", "json")
    assert code == 0, err
    assert out == expected


def test_a_bad_record_on_standard_input_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": "x"}\n'))
    argv = [a if a != str(WM_EVENTS) else "-" for a in EVALUATE]
    code, _, err = cli(*argv)
    assert code == 2
    assert err.startswith("<stdin>:1:")


def test_read_events_takes_an_open_text_stream() -> None:
    with WM_EVENTS.open(encoding="utf-8") as fh:
        intake = sli_rules.read_events(fh)
    assert intake.events == sli_rules.read_events(WM_EVENTS).events


def test_python_dash_m_sli_rules_runs_the_command_line() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "sli_rules", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"sli-rules {sli_rules.__version__}")


def test_evaluate_shows_only_the_findings_asked_for() -> None:
    code, out, err = cli(
        *EVALUATE,
        "-f",
        "json",
        "--kind",
        "breach",
        "--status",
        "breached",
        "--status",
        "remedied",
    )
    assert code == 0, err
    findings = json.loads(out)["findings"]
    full = sli_rules.evaluate([WM], WM_EVENTS, as_of="2015-12-31")
    assert len(findings) == len(full.filter(kind="breach")) > 0
    assert {f["status"] for f in findings} == {"breached", "remedied"}
    code, out, err = cli(*EVALUATE, "-f", "json", "--party", "E08000026", "--party", "E06000020")
    assert {f["party"] for f in json.loads(out)["findings"]} == {"E08000026", "E06000020"}


def test_evaluate_filters_refuse_a_misspelt_status_and_note_an_unknown_party() -> None:
    code, out, err = cli(*EVALUATE, "--status", "breachd")
    assert code == 2
    assert "did you mean 'breached'" in err
    assert out == ""
    code, out, err = cli(*EVALUATE, "-f", "json", "--party", "E0800026")
    assert code == 0
    assert json.loads(out)["findings"] == []
    assert "no finding at all has party 'E0800026'" in err


def test_show_prints_or_exports_a_bundled_ruleset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = (ROOT / "rulesets" / f"{WM}.yaml").read_text(encoding="utf-8")
    code, out, _ = cli("show", WM)
    assert code == 0
    assert out == bundled
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("show", WM, "-o", "mine.yaml")
    assert code == 0, err
    copied = (tmp_path / "mine.yaml").read_text(encoding="utf-8")
    # the same ruleset, its modeline pointing at the shipped schema from where the copy is
    first, rest = copied.split("\n", 1)
    assert rest == bundled.split("\n", 1)[1]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    reference = first.removeprefix(prefix)
    assert not Path(reference).is_absolute()  # relative, as editors resolve it
    schema = json.loads((tmp_path / reference).read_text(encoding="utf-8"))
    assert schema["$id"] == "urn:sli-rules:schemas:ruleset.schema.json"
    assert "sli-rules check mine.yaml" in err
    assert sli_rules.load_ruleset(tmp_path / "mine.yaml").id == WM  # a working copy
    # never over an existing file; a misspelt id gets a suggestion
    code, _, err = cli("show", WM, "-o", "mine.yaml")
    assert code == 2
    assert "exists" in err
    code, _, err = cli("show", "west-midlands-compact")
    assert code == 2
    assert f"did you mean {WM!r}" in err


GALLERY = ROOT / "tests" / "gallery" / "rulesets"


def test_check_reports_as_json_lines_or_github_annotations() -> None:
    bad = GALLERY / "unknown-where-value.yaml"
    code, out, _ = cli("check", "--format", "json", str(bad), WM)
    assert code == 1
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["file"] == str(bad)
    assert (record["line"], record["column"]) == (28, 15)
    assert "did you mean 'adult_social_care'" in record["message"]
    assert record["path"] == "rules[0].trigger.where.kind"
    code, out, _ = cli("check", "-f", "github", str(bad))
    assert code == 1
    assert out.startswith(f"::error file={bad},line=28,col=15::'adult_socal_care' is not")
    code, out, _ = cli("check", "-f", "github", WM)
    assert code == 0
    assert out.startswith(f"{WM}: ok")
