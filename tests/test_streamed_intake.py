"""Evaluating a JSON Lines file as a stream: the same report as holding every event.

`evaluate()` on a file indexes it (offset and date of each line), then reads the events
back one date at a time. Whatever the order of the lines on disk, the report (findings,
rejected records with their lines and reasons, counts) must be the one `evaluate()`
gives on the events read whole by `read_events`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import real_record
import sli_rules
from sli_rules.api.evaluate import in_one_pass
from sli_rules.cli import run
from sli_rules.io.intake import Intake, read_events
from sli_rules.io.streamed import StreamedIntake, read_events_streamed
from sli_rules.model.errors import EventError

if TYPE_CHECKING:
    from conftest import ExampleRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402 (the benchmark's stream generator)


def _demo() -> list[tuple[str, list[str], str]]:
    with (EXAMPLES / "demo.tsv").open(newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [(r["events"], r["rulesets"].split(","), r["as_of"]) for r in rows]


DEMO = _demo()


def held(rulesets: list[str], path: Path | str, as_of: str) -> str:
    """The report as before: every event read into memory, then evaluated."""
    plan = sli_rules.compile_rulesets(rulesets)  # its catalogue has the rulesets' types
    intake = read_events(path, lenient=True, catalogue=plan.catalogue)
    assert isinstance(intake, Intake)
    return sli_rules.evaluate(plan, intake, as_of=as_of).to_json()


def streamed(rulesets: list[str], path: Path | str, as_of: str) -> str:
    """The report from the file: in one pass if it allows, else read back in order."""
    return sli_rules.evaluate(rulesets, path, as_of=as_of, lenient=True).to_json()


def read_back(rulesets: list[str], path: Path | str, as_of: str) -> str:
    """The report from the file indexed, then read back in date order (never one pass)."""
    plan = sli_rules.compile_rulesets(rulesets)
    intake = read_events_streamed(path, lenient=True, catalogue=plan.catalogue)
    assert isinstance(intake, StreamedIntake)
    assert intake.sink is None
    return sli_rules.evaluate(plan, intake, as_of=as_of).to_json()


def one_pass(rulesets: list[str], path: Path | str, as_of: str) -> bool:
    """Whether the file can be evaluated as it is first read."""
    plan = sli_rules.compile_rulesets(rulesets)
    intake = read_events_streamed(
        path, lenient=True, catalogue=plan.catalogue, sink=in_one_pass(plan, as_of)
    )
    assert isinstance(intake, StreamedIntake)
    # an imprecisely dated event sends the evaluation to the refinement layer instead
    return intake.sink is not None and not getattr(intake.sink, "imprecise", False)


def shuffled(src: Path, dst: Path, seed: int) -> Path:
    lines = src.read_bytes().splitlines(keepends=True)
    lines = [line if line.endswith(b"\n") else line + b"\n" for line in lines]
    random.Random(seed).shuffle(lines)  # noqa: S311 (a test's order, not a secret)
    dst.write_bytes(b"".join(lines))
    return dst


def in_order_and_shuffled(
    path: Path, rulesets: list[str], as_of: str, tmp_path: Path, expected: str
) -> None:
    """The stream at `path` gives the report `expected` (the report on its events read
    whole) from the file in one pass or read back, and shuffled on disk."""
    plan = sli_rules.compile_rulesets(rulesets)
    exact = all(e.span is None for e in read_events(path, catalogue=plan.catalogue).events)
    assert one_pass(rulesets, path, as_of) == exact  # in date order on disk, if exact
    assert streamed(rulesets, path, as_of) == expected
    assert read_back(rulesets, path, as_of) == expected
    for seed in (1, 2) if exact else (1,):  # an imprecise record is slow to refine
        mixed = shuffled(path, tmp_path / f"{seed}-{path.name}", seed)
        assert not one_pass(rulesets, mixed, as_of)
        assert streamed(rulesets, mixed, as_of) == held(rulesets, mixed, as_of)


@pytest.mark.parametrize(("events", "rulesets", "as_of"), real_record.params(DEMO))
def test_bundled_examples_in_order_and_shuffled(
    events: str, rulesets: list[str], as_of: str, tmp_path: Path, example_run: ExampleRunner
) -> None:
    path = EXAMPLES / events
    expected = example_run(events, rulesets, as_of).report.to_json()  # as `held` gives it
    if events.startswith(real_record.NAME):
        # The real record's imprecise dates are refined by some 800 engine runs (half a
        # minute of CPU for each evaluation): the whole record goes through the file once,
        # as `evaluate()` reads it; the ways of reading it back (in order and shuffled)
        # are each checked on one council's part of it (the test below).
        assert not one_pass(rulesets, path, as_of)
        assert streamed(rulesets, path, as_of) == expected
        return
    in_order_and_shuffled(path, rulesets, as_of, tmp_path, expected)


@pytest.mark.parametrize("council", ["E08000026"])  # Coventry: 8 events, 6 imprecise
def test_part_of_the_real_record_in_order_and_shuffled(council: str, tmp_path: Path) -> None:
    # imprecise dates (a month, a year, a span) read from a file in each way there is
    _events, rulesets, as_of = next(row for row in DEMO if row[0].startswith(real_record.NAME))
    lines = (EXAMPLES / f"{real_record.NAME}.jsonl").read_text(encoding="utf-8").splitlines()
    part = [line for line in lines if json.loads(line).get("council") == council]
    assert any(
        "/" in json.loads(line)["date"] or len(json.loads(line)["date"]) < 10 for line in part
    )
    path = tmp_path / f"{council}.jsonl"
    path.write_text("".join(line + "\n" for line in part), encoding="utf-8")
    in_order_and_shuffled(path, rulesets, as_of, tmp_path, held(rulesets, path, as_of))


def test_a_generated_stream_shuffled_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "generated.jsonl"
    generate.write_jsonl(path, councils=6, years=3, seed=3)
    as_of = "2015-12-31"
    rulesets = sli_rules.bundled_ids()
    mixed = shuffled(path, tmp_path / "mixed.jsonl", 7)
    expected = held(rulesets, mixed, as_of)
    assert json.loads(expected)["findings"]  # a stream that gives findings to compare
    assert streamed(rulesets, mixed, as_of) == expected
    in_order = held(rulesets, path, as_of)
    assert one_pass(rulesets, path, as_of)
    assert streamed(rulesets, path, as_of) == in_order
    assert read_back(rulesets, path, as_of) == in_order


def _awkward_lines() -> list[bytes]:
    """Records read_events treats in every different way: duplicates, conflicts (two-
    and three-way, and an identical copy after a conflict), broken and rejected lines,
    blank lines, CRLF endings, a BOM, a line that is not UTF-8."""

    def ev(i: str, date: str, **kw: object) -> bytes:
        record = {"id": i, "type": "agreement.signed", "date": date, "council": "E08000026"}
        record |= {"agreement": "west-midlands-compact-2013", "signatories": ["leader"], **kw}
        return json.dumps(record).encode()

    return [
        b"\xef\xbb\xbf" + ev("a", "2014-03-01"),
        ev("b", "2014-01-01"),
        b"",
        ev("a", "2014-03-01"),  # an identical copy: collapsed
        ev("c", "2014-02-01") + b"\r",  # CRLF
        ev("b", "2014-01-02"),  # conflicts with line 2
        b'{"id": "d", "type": "peer_challenge.held"',  # broken JSON
        ev("b", "2014-01-01"),  # after the conflict: counted in it, though identical
        ev("e", "not a date"),
        b"   ",
        ev("f", "2013-12-01", signatories=["leader", "chief_executive"]),
        b'{"id": "g\xff"}',  # not UTF-8
        ev("h", "2014-01-01"),
        ev("h", "2014-01-01", signatories=["chief_executive"]),  # conflicts with the line above
        ev("a", "2014-03-01"),  # a second identical copy
        b'{"id": "i", "id": "j"}',  # a key given twice
        ev("k", "2013-11-30"),
    ]


def _review_claims() -> list[bytes]:
    """peer_challenge.held records under different ids claiming one review: the same
    content twice (one is kept: the smallest id), then different content (all rejected)."""
    line = next(
        x
        for x in (EXAMPLES / "east-midlands-childrens-mou-2015.jsonl").read_text().splitlines()
        if '"peer_challenge.held"' in x
    )
    base = json.loads(line)
    out = []
    for i, (review, kind) in enumerate(
        [("r-same", "childrens"), ("r-same", "childrens"), ("r-diff", "childrens"),
         ("r-diff", "childrens"), ("r-diff", "adults"), ("r-alone", "childrens")]
    ):  # fmt: skip
        record = dict(base, id=f"claim-{9 - i}", review=review)
        if kind != "childrens":
            record["start"] = "2015-05-19"
        out.append(json.dumps(record).encode())
    return out


@pytest.fixture
def awkward(tmp_path: Path) -> Path:
    path = tmp_path / "awkward.jsonl"
    path.write_bytes(b"\n".join(_awkward_lines() + _review_claims()) + b"\n")
    return path


def _summary(intake: Intake | StreamedIntake) -> tuple[object, ...]:
    events = sorted(intake.events, key=lambda e: (e.date, e.id))
    return (
        [(e, e.source) for e in events],
        [(str(r), r.record) for r in intake.rejected],
        intake.duplicates,
        intake.read,
        intake.refusal(),
        intake.refusal(0),
    )


def test_intake_counts_and_rejections_equal_read_events(awkward: Path) -> None:
    got = read_events_streamed(awkward, lenient=True)
    assert isinstance(got, StreamedIntake)
    assert not one_pass([DEMO[2][1][0]], awkward, "2015-01-01")  # ids conflict
    want = read_events(awkward, lenient=True)
    assert _summary(got) == _summary(want)
    assert got.duplicates == 3  # two copies of one id, and one review claimed twice alike
    assert sum("claims review 'r-diff'" in str(r) for r in got.rejected) == 3
    assert any("3 different events share the id 'b'" in str(r) for r in got.rejected)
    # the events come back in the order the engine applies them: by date, then id
    dates = [(e.date, e.id) for e in got.events]
    assert dates == sorted(dates)


def test_strict_mode_raises_the_same_problems(awkward: Path) -> None:
    with pytest.raises(EventError) as want:
        read_events(awkward)
    with pytest.raises(EventError) as got:
        read_events_streamed(awkward)
    assert [str(p) for p in got.value.problems] == [str(p) for p in want.value.problems]


# the lines of the awkward file (the BOM's only where it is allowed: on line 1), the
# review claims, and an event whose review nobody else claims
_POOL = [*_awkward_lines()[1:], _review_claims()[0].replace(b"claim-9", b"solo")]
_POOL += _review_claims()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_POOL), min_size=1, max_size=24))
def test_both_readers_settle_repeated_ids_and_claimed_reviews_alike(lines: list[bytes]) -> None:
    """`read_events` keeps each event and its line (as an int for a typed line) and
    makes a `Location` only to report one; the streamed reader keeps offsets and reads
    events again. Over any order and repetition of copies, conflicting ids and review
    claims, both give the same events (with their sources), the same rejections (lines
    and reasons, in order) and the same count of duplicates."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        want = read_events(path, lenient=True)
        got = read_events_streamed(path, lenient=True)
        assert isinstance(got, StreamedIntake)
        assert _summary(got) == _summary(want)


def test_gzip_and_standard_input_are_spooled(awkward: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "awkward.jsonl.gz"
    zipped.write_bytes(gzip.compress(awkward.read_bytes()))
    want = _summary(read_events(zipped, lenient=True))
    got = read_events_streamed(zipped, lenient=True)
    assert isinstance(got, StreamedIntake)
    assert _summary(got) == want

    class Stdin(io.TextIOWrapper):
        pass

    text = Stdin(io.BytesIO(awkward.read_bytes()), encoding="utf-8")
    want_stdin = _summary(read_events(Stdin(io.BytesIO(awkward.read_bytes())), lenient=True))
    got_stdin = read_events_streamed(text, lenient=True)
    assert isinstance(got_stdin, StreamedIntake)
    assert _summary(got_stdin) == want_stdin


def test_a_file_changed_between_the_passes_is_reported(tmp_path: Path) -> None:
    path = EXAMPLES / DEMO[0][0]
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    intake = read_events_streamed(copy)
    assert isinstance(intake, StreamedIntake)
    copy.write_bytes(b"\n" * len(path.read_bytes()))
    with pytest.raises(EventError, match="changed while it was being evaluated"):
        list(intake.events)


def test_other_sources_are_read_whole(tmp_path: Path) -> None:
    assert isinstance(read_events_streamed([]), Intake)
    csv_file = tmp_path / "e.csv"
    csv_file.write_text("id,type,date,council\n")
    assert isinstance(read_events_streamed(csv_file), Intake)
    with pytest.raises(EventError, match="no such file"):
        read_events_streamed(tmp_path / "missing.jsonl")


def test_the_command_line_streams_and_reports_the_same(tmp_path: Path) -> None:
    events, rulesets, as_of = DEMO[0]
    mixed = shuffled(EXAMPLES / events, tmp_path / events, 5)
    out = io.StringIO()
    argv = ["evaluate", "-r", rulesets[0], "-e", str(mixed), "--as-of", as_of, "-f", "json"]
    assert run(argv, out, io.StringIO()) == 0
    assert json.loads(out.getvalue()) == json.loads(held(rulesets, mixed, as_of))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), cut=st.integers(0, 400))
def test_any_order_on_disk_and_any_as_of_gives_the_held_report(
    seed: int, cut: int, tmp_path: Path
) -> None:
    events, rulesets, _as_of = DEMO[0]
    lines = (EXAMPLES / events).read_bytes().splitlines(keepends=True)
    rng = random.Random(seed)  # noqa: S311 (a test's order, not a secret)
    rng.shuffle(lines)
    lines = lines + lines[: rng.randrange(0, 4)]  # and a few identical copies
    path = tmp_path / f"{seed}.jsonl"
    path.write_bytes(b"".join(x if x.endswith(b"\n") else x + b"\n" for x in lines))
    as_of = f"{2013 + cut // 150}-{1 + cut % 12:02d}-28"
    expected = held(rulesets, path, as_of)
    assert streamed(rulesets, path, as_of) == expected
    assert read_back(rulesets, path, as_of) == expected


@settings(max_examples=10, deadline=None)
@given(cut=st.integers(0, 400), copies=st.integers(0, 5))
def test_a_file_in_date_order_is_evaluated_in_one_pass(cut: int, copies: int) -> None:
    """In date order with identical copies of earlier lines among them: still one pass,
    and the held report, whatever the date of the evaluation."""
    events, rulesets, _as_of = DEMO[1]
    lines = (EXAMPLES / events).read_bytes().splitlines(keepends=True)
    for k in range(copies):  # a copy right after its original keeps the date order
        at = (k * 37) % len(lines)
        lines.insert(at + 1, lines[at])
    as_of = f"{2014 + cut // 150}-{1 + cut % 12:02d}-28"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ordered.jsonl"
        path.write_bytes(b"".join(x if x.endswith(b"\n") else x + b"\n" for x in lines))
        assert one_pass(rulesets, path, as_of)
        assert streamed(rulesets, path, as_of) == held(rulesets, path, as_of)
