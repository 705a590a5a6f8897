"""The current working calendar (the package's holidays with the admin's overrides on top), cached
per process, and deadline helpers that use it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from finegrid.worktime import calendar as pure
from finegrid.worktime.calendar import Interval, Light, TimeUnit, WorkCalendar
from finegrid.worktime.models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    DayKind,
    WorkSchedule,
)
from finegrid.worktime.official import official_calendar

_lock = threading.Lock()
_cached: tuple[UUID | None, WorkCalendar] | None = None


def current_revision() -> UUID | None:
    """The token the actions change on every edit; None before the first edit."""
    return CalendarRevision.objects.filter(pk=1).values_list("token", flat=True).first()


def build_calendar() -> WorkCalendar:
    """The calendar from the database, uncached: override rows win over the package for their date."""
    official = official_calendar()
    holidays = set(official.holidays)
    makeup_workdays = set(official.makeup_workdays)
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        if kind == DayKind.HOLIDAY:
            holidays.add(day)
            makeup_workdays.discard(day)
        else:
            makeup_workdays.add(day)
            holidays.discard(day)
    years = official.years | frozenset(CalendarYear.objects.values_list("year", flat=True))
    schedules = tuple(
        schedule.as_seasonal() for schedule in WorkSchedule.objects.filter(active=True)
    )
    return WorkCalendar(
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup_workdays),
        years=years,
        schedules=schedules,
    )


def get_calendar() -> WorkCalendar:
    """The calendar in force; one small query per call to notice edits made by any process.

    Callers computing many deadlines should call this once and pass the calendar on.
    """
    global _cached
    revision = current_revision()
    cached = _cached
    if cached is not None and cached[0] == revision:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == revision:
            return _cached[1]
        built = build_calendar()
        _cached = (revision, built)
        return built


def clear_calendar_cache() -> None:
    """Forget the cached calendar (tests; data written outside the actions)."""
    global _cached
    with _lock:
        _cached = None


def is_workday(day: date) -> bool:
    return get_calendar().is_workday(day)


def deadline(
    start: datetime,
    amount: Decimal | int,
    unit: TimeUnit | str,
    *,
    pauses: Iterable[Interval] = (),
) -> datetime:
    return pure.deadline(start, amount, unit, calendar=get_calendar(), pauses=pauses)


def elapsed(
    start: datetime,
    end: datetime,
    unit: TimeUnit | str,
    *,
    pauses: Iterable[Interval] = (),
) -> Decimal:
    return pure.elapsed(start, end, unit, calendar=get_calendar(), pauses=pauses)


def traffic_light(
    start: datetime,
    deadline: datetime,
    now: datetime,
    *,
    pauses: Iterable[Interval] = (),
    unit: TimeUnit | str = TimeUnit.WORKING_HOURS,
) -> Light:
    return pure.traffic_light(
        start, deadline, now, calendar=get_calendar(), pauses=pauses, unit=unit
    )
