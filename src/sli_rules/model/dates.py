"""Calendar dates, ISO 8601 durations and the periods that recurring duties run over.

One parser for each: every error names the legal forms.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import functools
import re
from collections.abc import Iterator

import attrs
from dateutil.relativedelta import relativedelta

from sli_rules.model.errors import SliRulesError

__all__ = [
    "DATE_FORMS",
    "DURATION_FORMS",
    "EARLIEST",
    "EVENT_DATE_FORMS",
    "LATEST",
    "LONGEST",
    "DateRangeError",
    "DaySpan",
    "Duration",
    "Period",
    "PeriodSpec",
    "add",
    "as_day",
    "grace_end",
    "parse_date",
    "parse_duration",
    "parse_event_date",
]

Date = _dt.date

DATE_FORMS = "a calendar date written YYYY-MM-DD, e.g. 2015-03-31"
EVENT_DATE_FORMS = (
    "a calendar date written YYYY-MM-DD (e.g. 2014-10-15), or where the day is not known, "
    "a month (2014-10), a season (2013-21 spring, 2013-22 summer, "
    "2013-23 autumn, 2013-24 winter), a year (2014), a closed interval "
    "(2014-10-01/2014-10-31 or 2014-01/2014-02) or an open-start interval (../2016-03-31)"
)
DURATION_FORMS = "an ISO 8601 duration such as P6M (six months), P3M, P1Y, P14D, P2W or P1Y6M"

# ASCII digits only, the whole text: no full-width digits, no trailing line break
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DURATION_RE = re.compile(
    r"P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?", re.ASCII
)

EARLIEST = _dt.date(1900, 1, 1)
LATEST = _dt.date(2100, 12, 31)
"""Every date sli-rules reads (events, rulesets, --as-of) lies in [EARLIEST, LATEST], so
that date arithmetic cannot overflow and evaluating as of a mistyped year stays cheap."""
LONGEST = 100
"""The longest duration a ruleset may give, in years."""


class DateError(ValueError, SliRulesError):
    """A text that is not a date or duration; the message lists the legal forms."""


class DateRangeError(DateError):
    """A date or duration of the legal form, but outside what sli-rules reads."""


def parse_date(text: object) -> Date:
    """Parse an ISO calendar date, rejecting impossible days such as 2015-02-30."""
    if isinstance(text, _dt.datetime):
        raise DateError(f"expected {DATE_FORMS}, got a date and time {text.isoformat()!r}")
    if isinstance(text, _dt.date):
        return _in_range(text, text.isoformat())
    if not isinstance(text, str):
        raise DateError(f"expected {DATE_FORMS}, got {text!r}")
    m = _DATE_RE.fullmatch(text)
    if m is None:
        raise DateError(f"expected {DATE_FORMS}, got {text!r}")
    year, month, day = (int(g) for g in m.groups())
    try:
        return _in_range(_dt.date(year, month, day), text)
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError(
            f"{text!r} is not a real calendar date ({exc}): expected {DATE_FORMS}"
        ) from None


def _in_range(day: Date, text: str) -> Date:
    if not EARLIEST <= day <= LATEST:
        raise DateRangeError(
            f"{text!r} is outside the dates sli-rules reads ({EARLIEST} to {LATEST}); "
            "is the year mistyped?"
        )
    return day


@attrs.frozen(order=False)
class Duration:
    """An ISO 8601 duration in years, months, weeks and days."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __str__(self) -> str:
        parts = [
            f"{v}{u}"
            for v, u in ((self.years, "Y"), (self.months, "M"), (self.weeks, "W"), (self.days, "D"))
            if v
        ]
        return "P" + ("".join(parts) or "0D")

    def describe(self) -> str:
        """Plain English, e.g. '6 months' or '1 year and 14 days'."""
        words = []
        for v, unit in (
            (self.years, "year"),
            (self.months, "month"),
            (self.weeks, "week"),
            (self.days, "day"),
        ):
            if v:
                words.append(f"{v} {unit}{'' if v == 1 else 's'}")
        if not words:
            return "0 days"
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    @property
    def delta(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months, weeks=self.weeks, days=self.days)


def parse_duration(text: object) -> Duration:
    """Parse an ISO 8601 duration such as P6M, P14D or P1Y6M; a `DateError` otherwise."""
    if not isinstance(text, str):
        raise DateError(f"expected {DURATION_FORMS}, got {text!r}")
    m = _DURATION_RE.fullmatch(text)
    if m is None or text == "P":
        raise DateError(f"expected {DURATION_FORMS}, got {text!r}")
    y, mo, w, d = (int(g) if g else 0 for g in m.groups())
    if (y * 12 + mo) / 12 + (w * 7 + d) / 365.25 > LONGEST:
        raise DateRangeError(
            f"{text!r} is longer than {LONGEST} years, the longest duration allowed"
        )
    return Duration(years=y, months=mo, weeks=w, days=d)


@functools.lru_cache(maxsize=1024)
def add(day: Date, duration: Duration) -> Date:
    """Add a duration; months clamp to the month's end (2013-08-31 + P6M = 2014-02-28).

    The years and months are added first, keeping the day of the month or clamping it to
    the month's last day, then the weeks and days: the same answer as adding the
    duration's `relativedelta` (tests/test_dates.py holds the two equal), at a tenth of
    its cost. Memoised (bounded): asked for the same trigger days over and over when
    imprecise dates are refined, and a hit costs less than the arithmetic."""
    months = duration.years * 12 + duration.months
    if months:
        year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
        month = month0 + 1
        dom = day.day
        if dom > 28:  # every month has 28 days: only a later day may need clamping
            dom = min(dom, calendar.monthrange(year, month)[1])
        day = _dt.date(year, month, dom)
    days = duration.weeks * 7 + duration.days
    if days:
        day = day + _dt.timedelta(days)
    return day


def grace_end(end: Date, grace: Duration) -> Date:
    """The last day of a grace that runs from the day after `end`: P31D is the 31 days
    after it, and P1M "the month after" a period ending on a month's last day (a March
    quarter's grace ends on 30 April, a June quarter's on 31 July)."""
    one = _dt.timedelta(days=1)
    return add(end + one, grace) - one


@attrs.frozen
class Period:
    """A closed span of days [start, end] with a label such as '2015-16' or '2015-16 Q2'."""

    start: Date
    end: Date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, _dt.date) and self.start <= day <= self.end


CALENDARS = ("financial_year", "calendar_year", "agreement_year")
UNITS = ("year", "quarter", "month")


@attrs.frozen
class PeriodSpec:
    """How a recurring duty divides time: a calendar, a unit, optionally some months only."""

    calendar: str = "financial_year"
    unit: str = "year"
    months: tuple[int, ...] = ()

    def year_start(self, day: Date, anchor: Date) -> Date:
        """The start of the year (of this calendar) that contains `day`."""
        if self.calendar == "calendar_year":
            return _dt.date(day.year, 1, 1)
        if self.calendar == "financial_year":
            return _dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
        # agreement_year: anniversaries of the anchor (the agreement's start)
        k = day.year - anchor.year
        start = anchor + relativedelta(years=k)
        if start > day:
            start = anchor + relativedelta(years=k - 1)
        return start

    def _label(self, year_start: Date, index: int, start: Date) -> str:
        if self.calendar == "financial_year":
            base = f"{year_start.year}-{(year_start.year + 1) % 100:02d}"
        elif self.calendar == "calendar_year":
            base = f"{year_start.year}"
        else:
            base = f"year from {year_start.isoformat()}"
        if self.unit == "quarter":
            return f"{base} Q{index + 1}"
        if self.unit == "month":
            return f"{start.year}-{start.month:02d}"
        return base

    def named(self, text: str, near: Date, anchor: Date) -> Period | None:
        """The period a declared label names (its label, or with '-Q' for ' Q', e.g.
        2015-Q2), searched within three years either side of `near`."""
        wanted = text.strip().replace("-Q", " Q")
        span = _dt.timedelta(days=3 * 366)
        for p in self.periods(near - span, near + span, anchor):
            if p.label == wanted:
                return p
        return None

    def periods(self, first: Date, last: Date, anchor: Date) -> Iterator[Period]:
        """Every period that overlaps [first, last], in order."""
        step = {"year": 12, "quarter": 3, "month": 1}[self.unit]
        per_year = 12 // step
        # Every boundary is counted from one origin, so that an agreement year that began
        # on 29 February keeps to its anniversaries instead of drifting to the 28th.
        origin = self.year_start(first, anchor)
        year = 0
        if self.calendar == "agreement_year":
            year = origin.year - anchor.year
            origin = anchor
        while (ys := origin + relativedelta(years=year)) <= last:
            for index in range(per_year):
                n = year * per_year + index
                start = origin + relativedelta(months=step * n)
                end = origin + relativedelta(months=step * (n + 1)) - _dt.timedelta(days=1)
                if end < first or start > last:
                    continue
                if self.months and start.month not in self.months:
                    continue
                yield Period(start, end, self._label(ys, index, start))
            year += 1


def as_day(value: object, what: str = "as_of") -> Date:
    """A day given by a caller of the Python API: a `date`, ISO text, or a `datetime`
    (a pandas Timestamp too) at midnight, which is taken as its day. A time of day is
    refused rather than dropped, and the message says how to pass the day."""
    if type(value).__name__ in ("NaTType", "NAType") or value is None:
        raise DateError(f"{what}: expected {DATE_FORMS}, got a missing value ({value!r})")
    if isinstance(value, _dt.datetime):
        if value.time() != _dt.time(0):
            raise DateError(
                f"{what} is a day, but {value.isoformat()!r} has a time of day; "
                f"pass its day, e.g. {what}=value.date()"
            )
        value = value.date()
    if isinstance(value, (_dt.date, str)):
        try:
            return parse_date(value)
        except DateError as exc:
            raise type(exc)(f"{what}: {exc}") from None  # a DateRangeError stays one
    raise DateError(f"{what}: expected {DATE_FORMS} (or a date), got {type(value).__name__}")


# ------------------------------------------------------------ imprecise event dates


@attrs.frozen
class DaySpan:
    """An event date known only to lie in [earliest, latest] (both included): one unknown
    day, written in a subset of EDTF (`text`, e.g. '2014-10', '2013-22', '../2016-03-31')."""

    text: str
    earliest: Date
    latest: Date

    def __str__(self) -> str:
        return self.text


# The seasons of EDTF level 1 (21-24) as docs/events.md (`date`) defines them: (first month,
# months long). The edtf package (5.x) takes winter (24) as December alone, in its own
# year; here winter is December to February, running into the next year, so the bounds
# are computed from the parsed year and season rather than with the package's
# lower_strict()/upper_strict().
_SEASONS = {21: (3, 3), 22: (6, 3), 23: (9, 3), 24: (12, 3)}
# The shapes the subset allows (checked before the parser, which also reads many other
# EDTF features): YYYY, YYYY-MM (or a season 21-24), YYYY-MM-DD; intervals of two of
# these, or an open start '..'.
_PART = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_WHEN_RE = re.compile(rf"(?:{_PART}|\.\.)/{_PART}|{_PART}", re.ASCII)


def _part_bounds(part: object, text: str) -> tuple[Date, Date]:
    """The first and last day of a day, month, year or season parsed by edtf."""
    season = getattr(part, "season", None)
    year = int(str(getattr(part, "_year", "")))
    if season is not None:
        number = int(str(season))
        if number not in _SEASONS:
            raise DateError(f"{text!r}: seasons are 21 to 24; expected {EVENT_DATE_FORMS}")
        first_month, length = _SEASONS[number]
        first = _dt.date(year, first_month, 1)
        return first, first + relativedelta(months=length) - _dt.timedelta(days=1)
    month, day = getattr(part, "_month", None), getattr(part, "_day", None)
    if month is None:
        return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    first = _dt.date(year, int(str(month)), 1)
    if day is None:
        return first, first + relativedelta(months=1) - _dt.timedelta(days=1)
    exact = _dt.date(year, int(str(month)), int(str(day)))
    return exact, exact


def parse_event_date(text: object) -> Date | DaySpan:
    """An event's `date`: a `date` when it names one day, else a `DaySpan` (one unknown
    day in a span). Other EDTF features (uncertainty `?`, approximation `~`, unspecified
    digits `X`, sets, open ends) raise a `DateError` naming the legal forms."""
    if isinstance(text, _dt.date):  # a datetime is refused there, naming its time
        return parse_date(text)
    if not isinstance(text, str):
        raise DateError(f"expected {EVENT_DATE_FORMS}, got {text!r}")
    if _DATE_RE.fullmatch(text):
        return parse_date(text)
    if not _WHEN_RE.fullmatch(text):
        raise DateError(f"expected {EVENT_DATE_FORMS}, got {text!r}")
    result = _imprecise(text)
    if isinstance(result, tuple):
        kind, message = result
        raise kind(message)
    return result


@functools.lru_cache(maxsize=4096)
def _imprecise(text: str) -> Date | DaySpan | tuple[type[DateError], str]:
    """`_parse_imprecise(text)`, or the class and message of the error it raises,
    remembered: the edtf parser takes tens of milliseconds a date, and a file repeats
    its imprecise dates (a fuzzed file of them took minutes)."""
    try:
        return _parse_imprecise(text)
    except DateError as exc:
        return type(exc), str(exc)


def _parse_imprecise(text: str) -> Date | DaySpan:
    """An imprecise date of the subset's shape (checked by the caller) parsed with edtf."""
    # Imported here, on the first imprecise date, not with the module: edtf builds its
    # pyparsing grammar at import, about half of what `import sli_rules` would otherwise
    # cost every process (each CLI run), most of which never reads an imprecise date.
    from edtf import parse_edtf
    from edtf.parser.edtf_exceptions import EDTFParseException

    try:
        parsed = parse_edtf(text)
    except EDTFParseException:
        raise DateError(f"{text!r} is not a real date: expected {EVENT_DATE_FORMS}") from None
    # An interval's ends: plain dates, or (in a level-1 interval) wrapped once without
    # any qualifier, since _WHEN_RE admits no '?', '~' or '%'.
    try:
        earliest, latest = _bounds(parsed, text)
    except (ValueError, OverflowError) as exc:  # year 0, 2014-02-29, a winter in 9999
        if isinstance(exc, DateError):
            raise
        raise DateError(
            f"{text!r} is not a real date ({exc}): expected {EVENT_DATE_FORMS}"
        ) from None
    _in_range(earliest, text)
    _in_range(latest, text)
    if earliest == latest:
        return earliest
    return DaySpan(text, earliest, latest)


def _bounds(parsed: object, text: str) -> tuple[Date, Date]:
    """The first and last day of a parsed form of the subset."""
    lower_part = getattr(parsed, "lower", None)
    upper_part = getattr(parsed, "upper", None)
    if upper_part is None:
        earliest, latest = _part_bounds(parsed, text)
    else:
        upper = getattr(upper_part, "date", upper_part)
        if text.startswith("../"):
            earliest, latest = EARLIEST, _part_bounds(upper, text)[1]
        else:
            lower = getattr(lower_part, "date", lower_part)
            earliest, latest = _part_bounds(lower, text)[0], _part_bounds(upper, text)[1]
            if latest < earliest:
                raise DateError(f"{text!r}: the interval ends before it starts")
    return earliest, latest
