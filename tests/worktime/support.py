"""Shared helpers for the worktime tests: Shanghai datetimes and ready-made calendars."""

from __future__ import annotations

from datetime import date, datetime, time

from finegrid.worktime.calendar import (
    SHANGHAI,
    MonthDay,
    SeasonalSchedule,
    WorkCalendar,
    WorkPeriod,
)
from finegrid.worktime.official import official_calendar


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def official() -> WorkCalendar:
    """The package's 2004–2026 data with the default 08:00–12:00, 14:00–18:00 periods."""
    return official_calendar().as_work_calendar()


SUMMER = SeasonalSchedule(
    name="夏季作息",
    first=MonthDay(5, 1),
    last=MonthDay(9, 30),
    periods=(WorkPeriod(time(8), time(12)), WorkPeriod(time(14, 30), time(18, 30))),
)


def with_summer() -> WorkCalendar:
    base = official()
    return WorkCalendar(
        holidays=base.holidays,
        makeup_workdays=base.makeup_workdays,
        years=base.years,
        schedules=(SUMMER,),
    )


def bare(*years: int, holidays: frozenset[date] = frozenset()) -> WorkCalendar:
    """Only the weekend rule (plus the given holidays) for the given years."""
    return WorkCalendar(holidays=holidays, makeup_workdays=frozenset(), years=frozenset(years))
