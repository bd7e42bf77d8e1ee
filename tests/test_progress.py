"""Progress lines: shown on a terminal (stderr is a TTY), silent when piped."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from sli_rules.cli import run
from sli_rules.engine.progress import Progress, month_ends

REPO = Path(__file__).resolve().parents[1]
WM = "west-midlands-compact-2013"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The West Midlands example eight times over: more than a thousand records."""
    lines = (REPO / "examples" / f"{WM}.jsonl").read_text().splitlines()
    out = []
    for k in range(8):
        for line in lines:
            r = json.loads(line)
            r["id"] = f"{r['id']}-{k}"
            out.append(json.dumps(r))
    path = tmp_path_factory.mktemp("progress") / "big.jsonl"
    path.write_text("\n".join(out) + "\n")
    return path


def _run(argv: list[str], err: io.StringIO) -> tuple[int, str]:
    out = io.StringIO()
    status = run(argv, out, err)
    return status, out.getvalue()


COMMANDS = {
    "evaluate": ["evaluate", "-r", WM, "--as-of", "2015-12-31", "-f", "json"],
    "calendar": ["calendar", "-r", WM, "--as-of", "2014-06-30"],
    "run": ["run", "-r", WM, "--as-of", "2015-12-31"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_progress_on_a_terminal_and_quiet_when_piped(
    command: str, big: Path, tmp_path: Path
) -> None:
    def argv(name: str) -> list[str]:
        extra = ["--state", str(tmp_path / f"{name}.sqlite")] if command == "run" else []
        return [*COMMANDS[command], "-e", str(big), *extra]

    piped = io.StringIO()
    status, quiet_out = _run(argv("piped"), piped)
    assert status == 0
    if command == "run":
        assert piped.getvalue().startswith("run 1 as of")  # the summary line only
        assert "\r" not in piped.getvalue()
    else:
        assert piped.getvalue() == ""

    tty = Terminal()
    status, loud_out = _run(argv("tty"), tty)
    assert status == 0
    assert loud_out == quiet_out  # progress never changes the result
    shown = tty.getvalue()
    assert "\rreading events: 1,000 records" in shown
    assert "\revaluating: " in shown
    assert "events applied (up to " in shown
    # the line is erased at the end: the last status line is blanked out
    status_part = shown.split("run 1 as of")[0]  # before `run`'s summary line
    assert status_part.rstrip(" ").endswith("\r")


def test_progress_object() -> None:
    stream = Terminal()
    with Progress(stream, interval=3600) as p:
        p.reading(1000)
        p.reading(2000)  # throttled: within the interval, same phase
        p.applying(5, 10, dt.date(2014, 1, 31))  # a new phase shows at once
    text = stream.getvalue()
    assert "1,000" in text
    assert "2,000" not in text
    assert "5 of 10 events applied (up to 2014-01-31)" in text
    assert text.endswith("\r")
    silent = io.StringIO()
    with Progress(silent) as p:
        p.reading(1000)
        assert p.callback is None
        assert p.reader is None
    assert silent.getvalue() == ""


def test_month_ends() -> None:
    assert month_ends(dt.date(2014, 1, 15), dt.date(2014, 3, 10)) == [
        dt.date(2014, 1, 31),
        dt.date(2014, 2, 28),
        dt.date(2014, 3, 10),
    ]
    assert month_ends(dt.date(2014, 3, 10), dt.date(2014, 3, 10)) == [dt.date(2014, 3, 10)]
    assert month_ends(dt.date(2014, 1, 31), dt.date(2014, 1, 31)) == [dt.date(2014, 1, 31)]
