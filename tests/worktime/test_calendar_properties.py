"""Properties of the deadline arithmetic over every start in 2004–2026 (the package's years)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finegrid.worktime.calendar import (
    SHANGHAI,
    CalendarYearMissing,
    Interval,
    TimeUnit,
    WorkCalendar,
    deadline,
    elapsed,
)
from finegrid.worktime.official import official_calendar
from tests.worktime.support import official, with_summer

# No example database: the suite leaves nothing behind in the checkout.
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)

CALENDARS = {"default": official(), "summer": with_summer()}
# Upper bounds keep every deadline inside 2026, the last year the package covers.
LARGEST = {
    TimeUnit.URGENT_HOURS: Decimal(500),
    TimeUnit.WORKING_HOURS: Decimal(200),
    TimeUnit.WORKING_DAYS: Decimal(30),
    TimeUnit.CALENDAR_DAYS: Decimal(60),
}

starts = st.datetimes(
    min_value=datetime(2004, 1, 1),
    max_value=datetime(2026, 6, 30),
    timezones=st.just(SHANGHAI),
)
units = st.sampled_from(list(TimeUnit))


def amounts(unit: TimeUnit) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal("0.01"), max_value=LARGEST[unit], places=2)


@st.composite
def pauses_around(draw: st.DrawFn, start: datetime) -> list[Interval]:
    """Up to three suspensions, some before the start, some overlapping each other."""
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 30 * 24 * 60)))
        pauses.append((begin, begin + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))))
    return pauses


@st.composite
def limits(draw: st.DrawFn, *, paused: bool) -> tuple[datetime, Decimal, TimeUnit, list[Interval]]:
    start = draw(starts)
    unit = draw(units)
    return start, draw(amounts(unit)), unit, draw(pauses_around(start)) if paused else []


@pytest.mark.parametrize("name", sorted(CALENDARS))
@pytest.mark.parametrize("paused", [False, True], ids=["running", "paused"])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_elapsed_until_the_deadline_is_the_amount(
    name: str, paused: bool, data: st.DataObject
) -> None:
    calendar = CALENDARS[name]
    start, amount, unit, pauses = data.draw(limits(paused=paused))
    end = deadline(start, amount, unit, calendar=calendar, pauses=pauses)
    assert end > start
    assert elapsed(start, end, unit, calendar=calendar, pauses=pauses) == amount


@pytest.mark.parametrize("name", sorted(CALENDARS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_later_start_never_gives_an_earlier_deadline(name: str, data: st.DataObject) -> None:
    calendar = CALENDARS[name]
    start, amount, unit, pauses = data.draw(limits(paused=True))
    later = start + timedelta(microseconds=data.draw(st.integers(0, 10 * 24 * 3600 * 10**6)))
    assert deadline(start, amount, unit, calendar=calendar, pauses=pauses) <= deadline(
        later, amount, unit, calendar=calendar, pauses=pauses
    )


@pytest.mark.parametrize("name", sorted(CALENDARS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_larger_amount_gives_a_later_deadline(name: str, data: st.DataObject) -> None:
    calendar = CALENDARS[name]
    start, amount, unit, pauses = data.draw(limits(paused=True))
    larger = amount + data.draw(st.decimals(min_value=Decimal("0.01"), max_value=10, places=2))
    assert deadline(start, amount, unit, calendar=calendar, pauses=pauses) < deadline(
        start, larger, unit, calendar=calendar, pauses=pauses
    )


def _inside_or_at_end_of_a_period(moment: datetime, calendar: WorkCalendar) -> bool:
    local = moment.astimezone(SHANGHAI)
    return any(
        datetime.combine(local.date(), period.start, tzinfo=SHANGHAI)
        < local
        <= datetime.combine(local.date(), period.end, tzinfo=SHANGHAI)
        for period in calendar.periods_on(local.date())
    )


@pytest.mark.parametrize("name", sorted(CALENDARS))
@PROPERTY_SETTINGS
@given(data=st.data())
def test_working_hours_deadline_is_inside_or_at_the_end_of_a_working_period(
    name: str, data: st.DataObject
) -> None:
    calendar = CALENDARS[name]
    start = data.draw(starts)
    amount = data.draw(amounts(TimeUnit.WORKING_HOURS))
    pauses = data.draw(pauses_around(start))
    end = deadline(start, amount, TimeUnit.WORKING_HOURS, calendar=calendar, pauses=pauses)
    # the package's own answer is the oracle for which days are worked
    assert chinese_calendar.is_workday(end.date()) is True
    assert _inside_or_at_end_of_a_period(end, calendar)
    assert calendar.is_working_time(end)


@PROPERTY_SETTINGS
@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_workdays_agree_with_the_package(day: date) -> None:
    assert CALENDARS["default"].is_workday(day) is chinese_calendar.is_workday(day)


WEEKEND_MAKEUP_DAYS = sorted(
    day for day in official_calendar().makeup_workdays if day.weekday() >= 5
)


@PROPERTY_SETTINGS
@given(day=st.sampled_from(WEEKEND_MAKEUP_DAYS))
def test_makeup_weekend_days_count_as_working_time(day: date) -> None:
    calendar = CALENDARS["default"]
    early = datetime.combine(day, time(7), tzinfo=SHANGHAI)
    assert calendar.is_workday(day) is True
    assert deadline(early, 1, TimeUnit.WORKING_HOURS, calendar=calendar) == datetime.combine(
        day, time(9), tzinfo=SHANGHAI
    )
    assert elapsed(early, early + timedelta(days=1), TimeUnit.WORKING_DAYS, calendar=calendar) == 1


uncovered_days = st.one_of(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2003, 12, 31)),
    st.dates(min_value=date(2027, 1, 1), max_value=date(2040, 12, 31)),
)


@PROPERTY_SETTINGS
@given(day=uncovered_days, unit=st.sampled_from([TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS]))
def test_uncovered_year_raises_calendar_year_missing(day: date, unit: TimeUnit) -> None:
    calendar = CALENDARS["default"]
    start = datetime.combine(day, time(9), tzinfo=SHANGHAI)
    with pytest.raises(CalendarYearMissing) as excinfo:
        deadline(start, 1, unit, calendar=calendar)
    assert excinfo.value.year == day.year
    with pytest.raises(CalendarYearMissing):
        calendar.is_workday(day)


@PROPERTY_SETTINGS
@given(start=starts, hours=st.integers(0, 2000))
def test_working_time_never_exceeds_wall_clock_time(start: datetime, hours: int) -> None:
    calendar = CALENDARS["default"]
    end = start + timedelta(hours=hours)
    working = elapsed(start, end, TimeUnit.WORKING_HOURS, calendar=calendar)
    wall_clock = elapsed(start, end, TimeUnit.URGENT_HOURS, calendar=calendar)
    assert 0 <= working <= wall_clock == hours
