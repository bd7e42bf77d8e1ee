"""Progress for long command-line runs: one self-updating line on a terminal, nothing else.

The line goes to stderr and only when stderr is a terminal, so that piped or redirected
runs (the nightly pipeline, CI logs) stay quiet. Updates are throttled and the line is
erased when the work ends, leaving the screen as it would be without progress.

The engine is stepped month by month while progress is shown; stepping the clock through
intermediate dates gives the same findings as one step (the clock only moves forward and
events are applied day by day either way).
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from dateutil.relativedelta import relativedelta

if TYPE_CHECKING:
    from sli_rules.engine.session import Session

__all__ = ["Progress", "advance_in_steps", "month_ends"]

Applied = Callable[[int, int, _dt.date], None]


class _Stream(Protocol):
    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (OSError, ValueError):  # a closed or detached stream
        return False


class Progress:
    """A status line on `stream` when it is a terminal; a no-op otherwise.

    Use as a context manager; `reading` and `applying` fit the callbacks of
    `read_events(progress=...)` and `evaluate(progress=...)`.
    """

    def __init__(
        self, stream: _Stream | None, *, enabled: bool | None = None, interval: float = 0.1
    ) -> None:
        self.stream = stream
        self.enabled = stream is not None and (_is_terminal(stream) if enabled is None else enabled)
        self.interval = interval
        self._last = float("-inf")
        self._phase: str | None = None
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def show(self, text: str, *, phase: str = "") -> None:
        """Replace the status line with `text`: at once when a new `phase` starts, then at
        most every `interval` seconds."""
        if not self.enabled or self.stream is None:
            return
        now = time.monotonic()  # screen refresh only; never part of an evaluation
        if phase == self._phase and now - self._last < self.interval:
            return
        self._last, self._phase = now, phase
        pad = " " * max(0, self._width - len(text))
        self.stream.write(f"\r{text}{pad}")
        self.stream.flush()
        self._width = len(text)

    def reading(self, records: int) -> None:
        self.show(f"reading events: {records:,} records", phase="reading")

    def applying(self, applied: int, total: int, day: _dt.date) -> None:
        self.show(
            f"evaluating: {applied:,} of {total:,} events applied (up to {day})", phase="applying"
        )

    def close(self) -> None:
        """Erase the status line, if one was shown."""
        if self.enabled and self.stream is not None and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    @property
    def callback(self) -> Applied | None:
        """`applying` when progress is shown, else None (so the engine takes one step)."""
        return self.applying if self.enabled else None

    @property
    def reader(self) -> Callable[[int], None] | None:
        return self.reading if self.enabled else None


def month_ends(first: _dt.date, last: _dt.date) -> list[_dt.date]:
    """The last day of each month from `first`'s month up to (not including) `last`,
    then `last` itself: the steps of a clock moving from `first` to `last`."""
    out: list[_dt.date] = []
    day = first.replace(day=1) + relativedelta(months=1, days=-1)
    while day < last:
        out.append(day)
        day = (day + _dt.timedelta(days=1)) + relativedelta(months=1, days=-1)
    out.append(last)
    return out


def advance_in_steps(
    session: Session, as_of: _dt.date, first: _dt.date | None, progress: Applied
) -> None:
    """`session.advance(as_of)` a month at a time, reporting the events applied so far.

    `first` is the earliest date of the events fed (None when none were)."""
    total = session.pending
    clock = session.clock
    start = first if first is not None else as_of
    if clock is not None and start <= clock:
        start = clock + _dt.timedelta(days=1)
    for step in month_ends(min(start, as_of), as_of):
        session.advance(step)
        progress(total - session.pending, total, step)
