"""The working calendar as an immutable value and all deadline arithmetic over it.

Pure Python: no Django ORM, importable without Django set up; every other app computes deadlines,
elapsed working time and traffic lights here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise
from typing import Final, Literal, NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_PERIODS",
    "SHANGHAI",
    "CalendarYearMissing",
    "Interval",
    "Light",
    "MonthDay",
    "SeasonalSchedule",
    "TimeUnit",
    "WorkCalendar",
    "WorkPeriod",
    "deadline",
    "elapsed",
    "traffic_light",
]

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

_US_PER_HOUR: Final = 3_600_000_000
_US_PER_DAY: Final = 24 * _US_PER_HOUR
_ONE_DAY: Final = timedelta(days=1)

Light = Literal["green", "yellow", "red"]
Interval = tuple[datetime, datetime]


def _(message: str) -> str:
    """Translate through Django when it is configured: this module must also work without Django.

    Named `_` so that `makemessages` collects the message ids written below.
    """
    try:
        from django.conf import settings
        from django.core.exceptions import AppRegistryNotReady
        from django.utils.translation import gettext
    except ImportError:  # pragma: no cover - Django is installed wherever finegrid runs
        return message
    if not settings.configured:
        return message
    try:
        return gettext(message)
    except AppRegistryNotReady:  # settings loaded but django.setup() not run yet
        return message


class TimeUnit(StrEnum):
    """The four units of a time limit (处置时限); the values are stored in the database."""

    URGENT_HOURS = "urgent_hours"  # 紧急工作时: wall-clock hours, nights and holidays included
    WORKING_HOURS = "working_hours"  # 工作时: only time inside working periods of workdays
    WORKING_DAYS = "working_days"  # 工作日: hours_per_working_day working hours each
    CALENDAR_DAYS = "calendar_days"  # 自然日: 24 wall-clock hours each

    @property
    def counts_working_time(self) -> bool:
        return self in (TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS)


class CalendarYearMissing(LookupError):
    """Working time was asked for a year whose holidays nobody has entered: never guess them."""

    def __init__(self, year: int) -> None:
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        # Translated when shown, not when raised, so the reader's language applies.
        return _(
            "工作日历缺少 %(year)d 年的数据：请系统管理员录入该年的法定节假日和调休上班日。"
        ) % {"year": self.year}


class MonthDay(NamedTuple):
    """A day of any year (month, day), e.g. the first day of a summer schedule."""

    month: int
    day: int

    def validate(self) -> MonthDay:
        try:
            date(2000, self.month, self.day)  # a leap year, so 2-29 is allowed
        except (TypeError, ValueError):
            raise ValueError(f"{self!r} is not a day of the year") from None
        return self

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class WorkPeriod:
    """One stretch of office hours on a workday, e.g. 08:00–12:00; never across midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working periods are local times without a time zone")
        if self.start >= self.end:
            raise ValueError(f"working period {self} must start before it ends")

    @property
    def microseconds(self) -> int:
        return _clock_us(self.end) - _clock_us(self.start)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def _clock_us(moment: time) -> int:
    return (
        (moment.hour * 60 + moment.minute) * 60 + moment.second
    ) * 1_000_000 + moment.microsecond


def _validated_periods(periods: Iterable[WorkPeriod]) -> tuple[WorkPeriod, ...]:
    ordered = tuple(sorted(periods, key=lambda period: period.start))
    if not ordered:
        raise ValueError("a working schedule needs at least one working period")
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise ValueError(f"working periods {earlier} and {later} overlap")
    return ordered


DEFAULT_PERIODS: Final = (WorkPeriod(time(8), time(12)), WorkPeriod(time(14), time(18)))


@dataclass(frozen=True, slots=True)
class SeasonalSchedule:
    """Working periods for part of every year, first..last inclusive (it may wrap past 31 Dec)."""

    name: str
    first: MonthDay
    last: MonthDay
    periods: tuple[WorkPeriod, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "first", MonthDay(*self.first).validate())
        object.__setattr__(self, "last", MonthDay(*self.last).validate())
        object.__setattr__(self, "periods", _validated_periods(self.periods))

    def covers(self, day: date | MonthDay) -> bool:
        key = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= key <= self.last
        return key >= self.first or key <= self.last

    def first_shared_day(self, other: SeasonalSchedule) -> MonthDay | None:
        """A day of the year both schedules claim, if any (two schedules must never overlap)."""
        return next(
            (day for day in _leap_year_days() if self.covers(day) and other.covers(day)), None
        )


def _leap_year_days() -> Iterator[MonthDay]:
    day = date(2000, 1, 1)
    while day.year == 2000:
        yield MonthDay(day.month, day.day)
        day += _ONE_DAY


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked and during which hours, for the years someone has entered.

    A date is a workday when it is a make-up workday, or else a weekday that is not a holiday.
    Dates in years outside `years` raise CalendarYearMissing instead of being guessed.
    """

    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    years: frozenset[int]
    default_periods: tuple[WorkPeriod, ...] = DEFAULT_PERIODS
    schedules: tuple[SeasonalSchedule, ...] = ()
    zone: ZoneInfo = SHANGHAI
    # One working day is a fixed amount of working time (8 h in the standard), not "the rest of
    # today", so that working days convert to and from working hours exactly and monotonically.
    hours_per_working_day: Decimal = field(default=Decimal(8))

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        object.__setattr__(self, "years", frozenset(self.years))
        object.__setattr__(self, "default_periods", _validated_periods(self.default_periods))
        object.__setattr__(self, "schedules", tuple(self.schedules))
        both = self.holidays & self.makeup_workdays
        if both:
            raise ValueError(f"dates both holiday and make-up workday: {sorted(both)}")
        for index, schedule in enumerate(self.schedules):
            for other in self.schedules[index + 1 :]:
                shared = schedule.first_shared_day(other)
                if shared is not None:
                    raise ValueError(f"schedules {schedule.name} and {other.name} share {shared}")
        hours = Decimal(self.hours_per_working_day)
        if not hours.is_finite() or hours <= 0 or hours > 24:
            raise ValueError("hours_per_working_day must be more than 0 and at most 24")
        object.__setattr__(self, "hours_per_working_day", hours)

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, day: date) -> bool:
        if day.year not in self.years:
            raise CalendarYearMissing(day.year)
        if day in self.makeup_workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    def periods_on(self, day: date) -> tuple[WorkPeriod, ...]:
        """The office hours in force on that date (whether or not it is a workday)."""
        for schedule in self.schedules:
            if schedule.covers(day):
                return schedule.periods
        return self.default_periods

    def working_intervals(self, day: date) -> list[Interval]:
        """That day's working periods as aware datetimes in the calendar's zone; [] on days off."""
        if not self.is_workday(day):
            return []
        return [
            (
                datetime.combine(day, period.start, tzinfo=self.zone),
                datetime.combine(day, period.end, tzinfo=self.zone),
            )
            for period in self.periods_on(day)
        ]

    def is_working_time(self, moment: datetime) -> bool:
        """Inside a working period, or exactly at its end (where a deadline may fall)."""
        local = _aware(moment, "moment").astimezone(self.zone)
        return any(start < local <= end for start, end in self.working_intervals(local.date()))


# --- the arithmetic ----------------------------------------------------------------------------


def deadline(
    start: datetime,
    amount: Decimal | int,
    unit: TimeUnit | str,
    *,
    calendar: WorkCalendar,
    pauses: Iterable[Interval] = (),
) -> datetime:
    """The moment when `amount` of `unit` has been counted from `start`, paused time not counted.

    Working time counts from the next working period when `start` is outside one, and a deadline
    reached exactly at a period's end stays at that end. Returned in the calendar's zone.
    """
    unit = _unit(unit)
    start_utc = _aware(start, "start").astimezone(UTC)
    remaining = _amount_us(amount, unit, calendar)
    stretches = _unpaused(_counting_stretches(calendar, unit, start_utc), _merged(pauses))
    for stretch_start, stretch_end in stretches:
        if stretch_end is None or remaining <= _us(stretch_end - stretch_start):
            return (stretch_start + timedelta(microseconds=remaining)).astimezone(calendar.zone)
        remaining -= _us(stretch_end - stretch_start)
    raise AssertionError("working stretches never run out: a missing year raises first")


_deadline = deadline  # traffic_light's parameter is also called deadline


def elapsed(
    start: datetime,
    end: datetime,
    unit: TimeUnit | str,
    *,
    calendar: WorkCalendar,
    pauses: Iterable[Interval] = (),
) -> Decimal:
    """How much of `unit` is counted between `start` and `end`, paused time excluded.

    Exact (a Decimal) whenever the time between is a whole number of microseconds of the unit's
    size, so `elapsed(s, deadline(s, a, u), u) == a` for amounts given to the microsecond.
    """
    unit = _unit(unit)
    start_utc = _aware(start, "start").astimezone(UTC)
    end_utc = _aware(end, "end").astimezone(UTC)
    if end_utc < start_utc:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    counted = 0
    stretches = _counting_stretches(calendar, unit, start_utc, until=end_utc)
    for stretch_start, stretch_end in _unpaused(stretches, _merged(pauses)):
        if stretch_start >= end_utc:
            break
        stop = end_utc if stretch_end is None else min(stretch_end, end_utc)
        counted += _us(stop - stretch_start)
    return Decimal(counted) / Decimal(_unit_us(unit, calendar))


def traffic_light(
    start: datetime,
    deadline: datetime,
    now: datetime,
    *,
    calendar: WorkCalendar,
    pauses: Iterable[Interval] = (),
    unit: TimeUnit | str = TimeUnit.WORKING_HOURS,
    yellow_at: Decimal = Decimal("0.8"),
    red_after: Decimal = Decimal(1),
) -> Light:
    """红黄绿灯: green while less than `yellow_at` of the limit is used, red once past `red_after`.

    The limit is the time counted between start and deadline: working time for the working units
    (the default), wall-clock time for urgent hours and calendar days. A limit without any working
    time in it (an urgent step overnight) is measured on the wall clock instead.
    """
    unit = _unit(unit)
    start_utc = _aware(start, "start").astimezone(UTC)
    deadline_utc = _aware(deadline, "deadline").astimezone(UTC)
    now_utc = _aware(now, "now").astimezone(UTC)
    if deadline_utc <= start_utc:
        raise ValueError("the deadline must be after the start")
    if not (0 < yellow_at <= red_after):
        raise ValueError("thresholds must satisfy 0 < yellow_at <= red_after")
    measure = TimeUnit.WORKING_HOURS if unit.counts_working_time else TimeUnit.URGENT_HOURS
    pause_list = _merged(pauses)
    limit = elapsed(start_utc, deadline_utc, measure, calendar=calendar, pauses=pause_list)
    if limit == 0 and measure is TimeUnit.WORKING_HOURS:
        measure = TimeUnit.URGENT_HOURS
        limit = elapsed(start_utc, deadline_utc, measure, calendar=calendar, pauses=pause_list)
    if limit == 0:  # the whole step was suspended: nothing has been used
        return "red" if now_utc > deadline_utc else "green"

    def moment_when_used(fraction: Decimal) -> datetime:
        if fraction == 1:
            return deadline_utc  # the deadline as given, even if it sits in a lunch break
        return _deadline(start_utc, limit * fraction, measure, calendar=calendar, pauses=pause_list)

    if now_utc > moment_when_used(red_after):
        return "red"
    if now_utc >= moment_when_used(yellow_at):
        return "yellow"
    return "green"


# --- internals ---------------------------------------------------------------------------------


def _aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} {moment.isoformat()} is naive: pass a timezone-aware datetime")
    return moment


def _unit(unit: TimeUnit | str) -> TimeUnit:
    try:
        return TimeUnit(unit)
    except ValueError:
        known = ", ".join(member.value for member in TimeUnit)
        raise ValueError(f"unknown time unit {unit!r}; expected one of {known}") from None


def _unit_us(unit: TimeUnit, calendar: WorkCalendar) -> int:
    if unit is TimeUnit.WORKING_DAYS:
        return int((calendar.hours_per_working_day * _US_PER_HOUR).to_integral_value())
    if unit is TimeUnit.CALENDAR_DAYS:
        return _US_PER_DAY
    return _US_PER_HOUR


def _amount_us(amount: Decimal | int, unit: TimeUnit, calendar: WorkCalendar) -> int:
    # bool is an int and float is inexact: both are almost certainly a caller's mistake.
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ValueError(f"amount must be a Decimal or an int, got {type(amount).__name__}")
    try:
        value = Decimal(amount)
        if not value.is_finite() or value <= 0:
            raise ValueError(f"amount must be a finite number greater than 0, got {amount}")
        microseconds = int((value * _unit_us(unit, calendar)).to_integral_value(ROUND_HALF_EVEN))
    except InvalidOperation:
        raise ValueError(f"amount {amount} is not a usable number") from None
    if microseconds <= 0:
        raise ValueError(f"amount {amount} {unit} is shorter than a microsecond")
    return microseconds


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _merged(pauses: Iterable[Interval]) -> list[Interval]:
    """Pauses in UTC, sorted, with overlapping or touching ones joined and empty ones dropped."""
    normalised: list[Interval] = []
    for pause in pauses:
        try:
            pause_start, pause_end = pause
        except (TypeError, ValueError):
            raise ValueError(f"a pause must be a (start, end) pair, got {pause!r}") from None
        pause_start = _aware(pause_start, "pause start").astimezone(UTC)
        pause_end = _aware(pause_end, "pause end").astimezone(UTC)
        if pause_end < pause_start:
            raise ValueError(f"pause ends before it starts: {pause_start} > {pause_end}")
        if pause_end > pause_start:
            normalised.append((pause_start, pause_end))
    normalised.sort()
    merged: list[Interval] = []
    for pause_start, pause_end in normalised:
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged


def _counting_stretches(
    calendar: WorkCalendar, unit: TimeUnit, start: datetime, *, until: datetime | None = None
) -> Iterator[tuple[datetime, datetime | None]]:
    """Where the clock runs from `start` on, in UTC and in order; an end of None is open-ended.

    Steps period by period and day by day, never minute by minute; stops after `until`'s day so
    that measuring up to 31 December does not ask for the next year.
    """
    if not unit.counts_working_time:
        yield start, None
        return
    day = start.astimezone(calendar.zone).date()
    last_day = None if until is None else until.astimezone(calendar.zone).date()
    while last_day is None or day <= last_day:
        for period_start, period_end in calendar.working_intervals(day):
            if period_end > start:
                yield max(period_start, start).astimezone(UTC), period_end.astimezone(UTC)
        day += _ONE_DAY


def _unpaused(
    stretches: Iterable[tuple[datetime, datetime | None]], pauses: Sequence[Interval]
) -> Iterator[tuple[datetime, datetime | None]]:
    """The stretches with the (sorted, disjoint) pauses cut out of them."""
    first_relevant = 0
    for stretch_start, stretch_end in stretches:
        # Stretches come in order, so a pause over before this one is over for all later ones.
        while first_relevant < len(pauses) and pauses[first_relevant][1] <= stretch_start:
            first_relevant += 1
        cursor = stretch_start
        for pause_start, pause_end in pauses[first_relevant:]:
            if stretch_end is not None and pause_start >= stretch_end:
                break
            if pause_start > cursor:
                yield cursor, pause_start
            cursor = max(cursor, pause_end)
            if stretch_end is not None and cursor >= stretch_end:
                break
        if stretch_end is None or cursor < stretch_end:
            yield cursor, stretch_end
