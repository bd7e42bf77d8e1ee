"""Dates, durations and periods: one parser each, month-end clamping, and the calendars
that recurring duties run over (financial, calendar and agreement years)."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sli_rules import Duration, Period, PeriodSpec, parse_date, parse_duration
from sli_rules.model.dates import (
    CALENDARS,
    EARLIEST,
    LATEST,
    LONGEST,
    UNITS,
    DateError,
    DateRangeError,
    add,
)

D = dt.date

# ------------------------------------------------------------------ parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-31", D(2015, 3, 31)),
        ("2016-02-29", D(2016, 2, 29)),  # a leap day
        ("2013-07-01", D(2013, 7, 1)),
    ],
)
def test_parse_date_reads_iso_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_parse_date_passes_a_date_through() -> None:
    assert parse_date(D(2015, 1, 1)) == D(2015, 1, 1)


@pytest.mark.parametrize("text", ["2015-02-30", "2015-02-29", "2015-04-31", "2015-13-01"])
def test_impossible_days_are_rejected_naming_the_legal_form(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text)
    message = str(info.value)
    assert text in message
    assert "YYYY-MM-DD" in message


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2015, 3, 31, 12, 0),  # a date and time is not a calendar date
        "2015-03-31T12:00:00",
        "2015-03-31 12:00",
        "31/03/2015",
        "2015-3-31",
        "20150331",
        20150331,
        "",
        None,
    ],
)
def test_anything_but_a_calendar_date_is_rejected_naming_the_legal_form(value: object) -> None:
    with pytest.raises(DateError, match="YYYY-MM-DD"):
        parse_date(value)


def test_a_datetime_is_not_silently_truncated_to_its_date() -> None:
    # datetime is a subclass of date: the parser must still refuse it.
    with pytest.raises(DateError, match="date and time"):
        parse_date(dt.datetime(2015, 3, 31, 23, 59))


@given(st.dates(min_value=EARLIEST, max_value=LATEST))
def test_parse_date_reads_back_every_iso_date(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize("value", ["9999-12-31", "2101-01-01", "1899-12-31", D(9999, 12, 31)])
def test_dates_outside_the_range_are_refused_naming_it(value: object) -> None:
    # A mistyped year (9015 for 2015) would otherwise be accepted, then cost minutes, or
    # overflow when a duration is added to it.
    with pytest.raises(DateRangeError) as info:
        parse_date(value)
    assert f"({EARLIEST} to {LATEST})" in str(info.value)


@given(
    st.dates(max_value=EARLIEST - dt.timedelta(days=1))
    | st.dates(min_value=LATEST + dt.timedelta(days=1))
)
def test_every_date_outside_the_range_is_refused(day: dt.date) -> None:
    with pytest.raises(DateRangeError):
        parse_date(day.isoformat())


@pytest.mark.parametrize(
    "text",
    [
        "\uff12\uff10\uff11\uff15-03-31",  # full-width digits
        "2015-03-31\n",  # a trailing line break
        "\u0662\u0660\u0661\u0665-03-31",  # Arabic-Indic digits
    ],
)
def test_only_plain_ascii_dates_are_read(text: str) -> None:
    with pytest.raises(DateError, match="YYYY-MM-DD"):
        parse_date(text)


# -------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P6M", Duration(months=6)),
        ("P3M", Duration(months=3)),
        ("P1Y", Duration(years=1)),
        ("P1Y6M", Duration(years=1, months=6)),
        ("P2W", Duration(weeks=2)),
        ("P14D", Duration(days=14)),
        ("P1Y2M3W4D", Duration(years=1, months=2, weeks=3, days=4)),
    ],
)
def test_parse_duration_reads_iso_8601_periods(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        "6 months",
        "six months",
        "P",  # no amount at all
        "",
        "p6m",  # lower case is not ISO 8601
        "6M",
        "PT6H",  # times of day are not used
        "P-6M",
        "P6M1Y",  # out of order
        "P1.5M",
        6,
        None,
    ],
)
def test_bad_durations_are_rejected_listing_the_legal_forms(value: object) -> None:
    with pytest.raises(DateError) as info:
        parse_duration(value)
    message = str(info.value)
    for form in ("P6M", "P1Y", "P14D", "P2W", "P1Y6M"):
        assert form in message
    assert repr(value) in message


@pytest.mark.parametrize("text", ["P9999Y", "P101Y", "P1201M", "P36526D", "P100Y1D"])
def test_durations_longer_than_the_limit_are_refused(text: str) -> None:
    with pytest.raises(DateRangeError) as info:
        parse_duration(text)
    assert f"longer than {LONGEST} years" in str(info.value)


@pytest.mark.parametrize("text", ["P" + "9" * 5000 + "D", "P1234567Y", "P\uff16M", "P6M\n"])
def test_durations_with_too_many_digits_or_odd_characters_are_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_duration(text)


def test_the_longest_duration_is_accepted() -> None:
    assert parse_duration("P100Y") == Duration(years=LONGEST)
    assert parse_duration("P1200M") == Duration(months=1200)


def test_durations_describe_themselves_in_words() -> None:
    assert Duration(months=6).describe() == "6 months"
    assert Duration(years=1, days=14).describe() == "1 year and 14 days"
    assert Duration(years=1, months=1, weeks=1).describe() == "1 year, 1 month and 1 week"
    assert str(Duration(years=1, months=6)) == "P1Y6M"


durations = st.builds(
    Duration,
    years=st.integers(0, 5),
    months=st.integers(0, 24),
    weeks=st.integers(0, 8),
    days=st.integers(0, 60),
)


@given(durations)
def test_a_duration_reads_back_from_its_own_text(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration


# ------------------------------------------------------------------------- add


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (D(2013, 8, 31), "P6M", D(2014, 2, 28)),  # clamped to the end of February
        (D(2015, 8, 31), "P6M", D(2016, 2, 29)),  # leap year: 29 February exists
        (D(2014, 2, 28), "P6M", D(2014, 8, 28)),  # not "end of month to end of month"
        (D(2015, 6, 10), "P3M", D(2015, 9, 10)),
        (D(2013, 8, 31), "P1Y6M", D(2015, 2, 28)),
        (D(2016, 2, 29), "P1Y", D(2017, 2, 28)),
        (D(2015, 3, 20), "P2W", D(2015, 4, 3)),
        (D(2015, 12, 25), "P14D", D(2016, 1, 8)),
        (D(2015, 1, 31), "P1M", D(2015, 2, 28)),
    ],
)
def test_add_clamps_months_to_the_months_end(
    start: dt.date, duration: str, expected: dt.date
) -> None:
    assert add(start, parse_duration(duration)) == expected


@given(st.dates(D(1990, 1, 1), D(2090, 12, 31)), st.integers(0, 60))
def test_adding_months_keeps_the_day_or_clamps_to_the_months_last_day(
    start: dt.date, months: int
) -> None:
    result = add(start, Duration(months=months))
    total = start.year * 12 + (start.month - 1) + months
    assert (result.year, result.month) == (total // 12, total % 12 + 1)
    last_day = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last_day)


def _month_ends(first: int, last: int) -> st.SearchStrategy[dt.date]:
    """The last three days of a month (28-31): the days month arithmetic clamps."""
    return st.builds(
        lambda y, m, back: D(y, m, calendar.monthrange(y, m)[1] - back),
        st.integers(first, last),
        st.integers(1, 12),
        st.integers(0, 2),
    )


@given(
    st.one_of(st.dates(D(1900, 1, 1), D(2200, 12, 31)), _month_ends(1900, 2200)),
    st.builds(
        Duration,
        years=st.integers(-LONGEST, LONGEST),
        months=st.integers(-12 * LONGEST, 12 * LONGEST),
        weeks=st.integers(-60, 60),
        days=st.integers(-400, 400),
    ),
)
@example(D(2016, 2, 29), Duration(years=1))
@example(D(2000, 2, 29), Duration(years=100))  # 2100 is not a leap year
@example(D(1996, 2, 29), Duration(years=4))  # 2000 is
@example(D(1904, 2, 29), Duration(years=-4))
@example(D(2013, 8, 31), Duration(months=6, days=1))  # clamped, then a day on
@example(D(2015, 1, 31), Duration(months=-11))
@example(D(2199, 12, 31), Duration(months=1))
def test_add_equals_relativedelta(start: dt.date, duration: Duration) -> None:
    """`add` does its own month arithmetic: the same answer as adding the duration's
    `relativedelta` (years and months, clamped to the month's end, then weeks and days),
    over two and a half centuries, both ways, with or without the memo."""
    expected = start + duration.delta
    assert add.__wrapped__(start, duration) == expected
    assert add(start, duration) == expected


@given(st.dates(D(1990, 1, 1), D(2090, 12, 31)), st.integers(0, 400))
def test_adding_days_and_weeks_is_plain_day_arithmetic(start: dt.date, days: int) -> None:
    assert add(start, Duration(days=days)) == start + dt.timedelta(days=days)
    assert add(start, Duration(weeks=days)) == start + dt.timedelta(weeks=days)


# --------------------------------------------------------------------- periods

ANCHOR = D(2013, 7, 1)  # the West Midlands Compact's effective date


def periods(
    spec: PeriodSpec, first: dt.date, last: dt.date, anchor: dt.date = ANCHOR
) -> list[Period]:
    return list(spec.periods(first, last, anchor))


def test_financial_year_runs_from_april_to_march() -> None:
    fy = PeriodSpec(calendar="financial_year")
    assert periods(fy, D(2015, 3, 31), D(2015, 3, 31)) == [
        Period(D(2014, 4, 1), D(2015, 3, 31), "2014-15")
    ]
    assert periods(fy, D(2015, 4, 1), D(2015, 4, 1)) == [
        Period(D(2015, 4, 1), D(2016, 3, 31), "2015-16")
    ]
    assert periods(fy, D(2015, 3, 31), D(2015, 4, 1)) == [
        Period(D(2014, 4, 1), D(2015, 3, 31), "2014-15"),
        Period(D(2015, 4, 1), D(2016, 3, 31), "2015-16"),
    ]


def test_financial_year_label_across_the_century() -> None:
    fy = PeriodSpec(calendar="financial_year")
    assert [p.label for p in periods(fy, D(1999, 4, 1), D(2000, 4, 1))] == ["1999-00", "2000-01"]


def test_quarters_of_the_financial_year_start_in_april() -> None:
    quarters = periods(
        PeriodSpec(calendar="financial_year", unit="quarter"), D(2015, 4, 1), D(2016, 3, 31)
    )
    assert quarters == [
        Period(D(2015, 4, 1), D(2015, 6, 30), "2015-16 Q1"),
        Period(D(2015, 7, 1), D(2015, 9, 30), "2015-16 Q2"),
        Period(D(2015, 10, 1), D(2015, 12, 31), "2015-16 Q3"),
        Period(D(2016, 1, 1), D(2016, 3, 31), "2015-16 Q4"),
    ]


def test_only_quarters_that_overlap_the_span_are_given() -> None:
    quarters = periods(
        PeriodSpec(calendar="financial_year", unit="quarter"), D(2015, 6, 30), D(2015, 7, 1)
    )
    assert [q.label for q in quarters] == ["2015-16 Q1", "2015-16 Q2"]


def test_calendar_year() -> None:
    cy = PeriodSpec(calendar="calendar_year")
    assert periods(cy, D(2014, 12, 31), D(2015, 1, 1)) == [
        Period(D(2014, 1, 1), D(2014, 12, 31), "2014"),
        Period(D(2015, 1, 1), D(2015, 12, 31), "2015"),
    ]
    quarters = periods(PeriodSpec("calendar_year", "quarter"), D(2015, 1, 1), D(2015, 12, 31))
    assert (quarters[0].start, quarters[0].end) == (D(2015, 1, 1), D(2015, 3, 31))
    assert [q.label for q in quarters] == ["2015 Q1", "2015 Q2", "2015 Q3", "2015 Q4"]


def test_agreement_year_is_anchored_on_the_effective_date() -> None:
    ay = PeriodSpec(calendar="agreement_year")
    found = periods(ay, D(2014, 6, 30), D(2014, 7, 1))
    assert [(p.start, p.end) for p in found] == [
        (D(2013, 7, 1), D(2014, 6, 30)),
        (D(2014, 7, 1), D(2015, 6, 30)),
    ]
    assert "2013-07-01" in found[0].label
    assert "2014-07-01" in found[1].label
    assert ay.year_start(D(2015, 6, 30), ANCHOR) == D(2014, 7, 1)
    assert ay.year_start(D(2015, 7, 1), ANCHOR) == D(2015, 7, 1)


def test_an_agreement_year_from_29_february_keeps_to_its_anniversaries() -> None:
    # Anniversaries of 2016-02-29: 2017-02-28, 2018-02-28, 2019-02-28, 2020-02-29, ...
    ay, leap = PeriodSpec(calendar="agreement_year"), D(2016, 2, 29)
    found = periods(ay, D(2019, 3, 1), D(2020, 3, 1), leap)
    assert [(p.start, p.end) for p in found] == [
        (D(2019, 2, 28), D(2020, 2, 28)),
        (D(2020, 2, 29), D(2021, 2, 27)),
    ]
    # The same periods whether the listing starts in 2016 or in 2020.
    assert periods(ay, D(2016, 3, 1), D(2020, 3, 1), leap)[-1] == found[-1]


def test_agreement_quarters_follow_the_anchor() -> None:
    quarters = periods(PeriodSpec("agreement_year", "quarter"), D(2013, 7, 1), D(2014, 6, 30))
    assert [(q.start, q.end) for q in quarters] == [
        (D(2013, 7, 1), D(2013, 9, 30)),
        (D(2013, 10, 1), D(2013, 12, 31)),
        (D(2014, 1, 1), D(2014, 3, 31)),
        (D(2014, 4, 1), D(2014, 6, 30)),
    ]


def test_months_filter_keeps_only_the_named_months() -> None:
    spec = PeriodSpec(calendar="calendar_year", unit="month", months=(1, 3, 5, 7, 9, 11))
    found = periods(spec, D(2015, 1, 1), D(2015, 12, 31))
    assert [p.label for p in found] == [
        "2015-01", "2015-03", "2015-05", "2015-07", "2015-09", "2015-11",
    ]  # fmt: skip
    assert found[1] == Period(D(2015, 3, 1), D(2015, 3, 31), "2015-03")
    assert found[0].end == D(2015, 1, 31)


def test_months_filter_in_the_financial_year_spans_the_new_year() -> None:
    spec = PeriodSpec(calendar="financial_year", unit="month", months=(2, 4))
    found = periods(spec, D(2015, 4, 1), D(2016, 4, 30))
    assert [(p.start, p.end) for p in found] == [
        (D(2015, 4, 1), D(2015, 4, 30)),
        (D(2016, 2, 1), D(2016, 2, 29)),
        (D(2016, 4, 1), D(2016, 4, 30)),
    ]


def test_period_contains_its_own_days_only() -> None:
    q1 = Period(D(2015, 4, 1), D(2015, 6, 30), "2015-16 Q1")
    assert D(2015, 4, 1) in q1
    assert D(2015, 6, 30) in q1
    assert D(2015, 3, 31) not in q1
    assert D(2015, 7, 1) not in q1
    assert "2015-05-01" not in q1  # text is not a date


specs = st.builds(PeriodSpec, calendar=st.sampled_from(CALENDARS), unit=st.sampled_from(UNITS))
spans = st.tuples(st.dates(D(2000, 1, 1), D(2040, 12, 31)), st.integers(0, 4 * 366)).map(
    lambda t: (t[0], t[0] + dt.timedelta(days=t[1]))
)
anchors = st.dates(D(2000, 1, 1), D(2030, 12, 31))
UNIT_DAYS = {"year": (365, 366), "quarter": (89, 92), "month": (28, 31)}


@given(specs, spans, anchors)
@example(PeriodSpec("agreement_year"), (D(2016, 3, 1), D(2021, 3, 1)), D(2016, 2, 29))
def test_periods_tile_the_span_without_gaps_or_overlaps(
    spec: PeriodSpec, span: tuple[dt.date, dt.date], anchor: dt.date
) -> None:
    first, last = span
    found = periods(spec, first, last, anchor)
    assert found, "a span always overlaps at least one period"
    assert found[0].start <= first <= found[0].end
    assert found[-1].start <= last <= found[-1].end
    for before, after in itertools.pairwise(found):
        assert after.start == before.end + dt.timedelta(days=1)
    low, high = UNIT_DAYS[spec.unit]
    for p in found:
        assert low <= (p.end - p.start).days + 1 <= high
    assert len({p.label for p in found}) == len(found)


@given(specs, st.dates(D(2000, 1, 1), D(2040, 12, 31)), anchors)
def test_every_day_is_in_exactly_one_period(
    spec: PeriodSpec, day: dt.date, anchor: dt.date
) -> None:
    found = periods(spec, day, day, anchor)
    assert len(found) == 1
    assert day in found[0]


@given(specs, spans, anchors)
@example(PeriodSpec("agreement_year", "quarter"), (D(2016, 3, 1), D(2021, 3, 1)), D(2016, 2, 29))
def test_periods_are_aligned_on_the_calendars_year_start(
    spec: PeriodSpec, span: tuple[dt.date, dt.date], anchor: dt.date
) -> None:
    # Financial and calendar periods start on the 1st of a month, a whole number of units
    # after April or January. Agreement periods start a whole number of units after the
    # agreement's start, counted from the start itself (so an agreement that began on
    # 29 February has quarters from the 29th of May, August and November, clamped only
    # where a month is too short, and never drifts).
    step = {"year": 12, "quarter": 3, "month": 1}[spec.unit]
    for p in periods(spec, span[0], span[1], anchor):
        if spec.calendar == "agreement_year":
            n = (p.start.year - anchor.year) * 12 + p.start.month - anchor.month
            assert n % step == 0
            assert p.start == add(anchor, Duration(months=n))
        else:
            first_month = 4 if spec.calendar == "financial_year" else 1
            assert p.start.day == 1
            assert (p.start.month - first_month) % step == 0


@given(specs, spans, anchors)
@example(PeriodSpec("agreement_year"), (D(2016, 3, 1), D(2021, 3, 1)), D(2016, 2, 29))
def test_a_days_period_does_not_depend_on_where_the_listing_starts(
    spec: PeriodSpec, span: tuple[dt.date, dt.date], anchor: dt.date
) -> None:
    # The engine asks both for all the periods of a span and for the period of one day:
    # the two must agree.
    for p in periods(spec, span[0], span[1], anchor):
        assert periods(spec, p.start, p.start, anchor) == [p]
        assert periods(spec, p.end, p.end, anchor) == [p]


@given(
    specs.filter(lambda s: s.unit == "month"),
    st.sets(st.integers(1, 12), min_size=1).map(lambda s: tuple(sorted(s))),
    spans,
    anchors,
)
def test_months_filter_is_a_subset_of_the_unfiltered_periods(
    spec: PeriodSpec, months: tuple[int, ...], span: tuple[dt.date, dt.date], anchor: dt.date
) -> None:
    filtered = PeriodSpec(spec.calendar, spec.unit, months)
    everything = periods(spec, span[0], span[1], anchor)
    kept = periods(filtered, span[0], span[1], anchor)
    assert kept == [p for p in everything if p.start.month in months]
