"""The calendar built from the package plus the override tables, its cache, and the write actions."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from finegrid.worktime import selectors
from finegrid.worktime.actions import (
    DayEntry,
    add_calendar_year,
    import_calendar_year,
    remove_calendar_day,
    remove_calendar_year,
    remove_work_schedule,
    save_work_schedule,
    set_calendar_day,
)
from finegrid.worktime.calendar import CalendarYearMissing, MonthDay, TimeUnit
from finegrid.worktime.models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    DayKind,
    WorkSchedule,
)
from finegrid.worktime.selectors import deadline, elapsed, get_calendar, traffic_light
from tests.worktime.support import at

pytestmark = pytest.mark.django_db

H = TimeUnit.WORKING_HOURS
SUMMER_PERIODS = [(time(8), time(12)), (time(14, 30), time(18, 30))]


def _snapshot() -> tuple[
    list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]
]:
    return (
        list(CalendarDay.objects.values_list("date", "kind", "name", "note")),
        list(CalendarYear.objects.values_list("year", "note")),
        list(WorkSchedule.objects.values_list("name", "periods", "active")),
    )


def test_package_data_applies_without_any_rows() -> None:
    assert get_calendar().is_workday(date(2026, 10, 10)) is True
    assert deadline(at(2026, 9, 30, 17), 2, H) == at(2026, 10, 8, 9)
    assert elapsed(at(2026, 9, 30, 17), at(2026, 10, 8, 9), H) == 2
    assert (
        traffic_light(at(2026, 9, 30, 17), at(2026, 10, 8, 9), at(2026, 10, 8, 8, 36)) == "yellow"
    )


def test_override_row_wins_over_the_package_for_its_date() -> None:
    # given the package says Monday 5 October is a National Day holiday
    assert get_calendar().is_workday(date(2026, 10, 5)) is False
    # when the city works that day, and gives Saturday 10 October off instead
    set_calendar_day(day=date(2026, 10, 5), kind=DayKind.WORKDAY, name="本市调整")
    set_calendar_day(day=date(2026, 10, 10), kind=DayKind.HOLIDAY, name="本市调整")
    # then the calendar and every deadline follow the overrides
    calendar = get_calendar()
    assert calendar.is_workday(date(2026, 10, 5)) is True
    assert calendar.is_workday(date(2026, 10, 10)) is False
    assert deadline(at(2026, 9, 30, 17), 2, H) == at(2026, 10, 5, 9)
    # and removing the override gives the package's answer back
    assert remove_calendar_day(day=date(2026, 10, 5)) is True
    assert get_calendar().is_workday(date(2026, 10, 5)) is False


def test_admin_added_year_becomes_usable() -> None:
    with pytest.raises(CalendarYearMissing):
        deadline(at(2026, 12, 31, 17), 2, H)
    add_calendar_year(year=2027, note="国办发明电〔2026〕X号")
    set_calendar_day(day=date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    calendar = get_calendar()
    assert calendar.covers(2027) is True
    assert calendar.is_workday(date(2027, 1, 1)) is False  # Friday, 元旦
    assert calendar.is_workday(date(2027, 1, 2)) is False  # Saturday: the weekend rule
    assert calendar.is_workday(date(2027, 1, 4)) is True
    # Thursday 31 December 17:00 + 2 working hours: 1 h in 2026, 1 h on Monday 4 January
    assert deadline(at(2026, 12, 31, 17), 2, H) == at(2027, 1, 4, 9)
    # and removing the year makes it missing again
    assert remove_calendar_year(year=2027) is True
    with pytest.raises(CalendarYearMissing):
        deadline(at(2026, 12, 31, 17), 2, H)


def test_active_work_schedule_applies_and_inactive_does_not() -> None:
    schedule = save_work_schedule(
        name="夏季作息", first=MonthDay(5, 1), last=MonthDay(9, 30), periods=SUMMER_PERIODS
    )
    assert schedule.periods == [["08:00", "12:00"], ["14:30", "18:30"]]
    assert deadline(at(2026, 6, 1, 11), 2, H) == at(2026, 6, 1, 15, 30)
    save_work_schedule(
        schedule_id=schedule.pk,
        name="夏季作息",
        first=MonthDay(5, 1),
        last=MonthDay(9, 30),
        periods=SUMMER_PERIODS,
        active=False,
    )
    assert deadline(at(2026, 6, 1, 11), 2, H) == at(2026, 6, 1, 15)
    assert remove_work_schedule(schedule_id=schedule.pk) is True
    assert WorkSchedule.objects.count() == 0


def test_calendar_is_cached_until_an_action_changes_it(django_assert_num_queries) -> None:
    first = get_calendar()
    with django_assert_num_queries(1):  # only the revision is read
        assert get_calendar() is first
    set_calendar_day(day=date(2026, 10, 10), kind=DayKind.HOLIDAY)
    assert get_calendar() is not first
    assert get_calendar().is_workday(date(2026, 10, 10)) is False


def test_change_committed_by_another_process_is_seen() -> None:
    # given a cached calendar
    assert get_calendar().is_workday(date(2026, 10, 10)) is True
    # when another process writes a row and changes the revision (what its action does)
    CalendarDay.objects.create(date=date(2026, 10, 10), kind=DayKind.HOLIDAY)
    CalendarRevision.objects.update_or_create(
        pk=1, defaults={"token": "00000000-0000-0000-0000-000000000001"}
    )
    # then this process rebuilds
    assert get_calendar().is_workday(date(2026, 10, 10)) is False


def test_moving_a_day_keeps_one_row() -> None:
    day = set_calendar_day(day=date(2027, 10, 1), kind=DayKind.HOLIDAY, name="国庆节")
    moved = set_calendar_day(
        day=date(2027, 10, 2), kind=DayKind.HOLIDAY, name="国庆节", previous_day=date(2027, 10, 1)
    )
    assert moved.pk == day.pk
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [date(2027, 10, 2)]


def test_refused_day_changes_nothing() -> None:
    set_calendar_day(day=date(2027, 10, 1), kind=DayKind.HOLIDAY, name="国庆节")
    before, revision = _snapshot(), selectors.current_revision()
    with pytest.raises(ValidationError) as excinfo:
        set_calendar_day(day=date(2027, 10, 1), kind=DayKind.WORKDAY, name="节" * 65)
    assert excinfo.value.message_dict == {
        "name": ["确保该变量包含不超过 64 字符 (目前字符数 65)。"]
    }
    assert _snapshot() == before
    assert selectors.current_revision() == revision


def test_overlapping_schedule_is_refused_and_nothing_changes() -> None:
    save_work_schedule(
        name="夏季作息", first=MonthDay(5, 1), last=MonthDay(9, 30), periods=SUMMER_PERIODS
    )
    before, revision = _snapshot(), selectors.current_revision()
    with pytest.raises(ValidationError) as excinfo:
        save_work_schedule(
            name="冬季作息", first=MonthDay(9, 15), last=MonthDay(4, 30), periods=SUMMER_PERIODS
        )
    assert excinfo.value.messages == ["与已启用的作息时间“夏季作息”在 9 月 15 日重叠"]
    assert _snapshot() == before
    assert selectors.current_revision() == revision


@pytest.mark.parametrize(
    ("first", "periods", "errors"),
    [
        (MonthDay(2, 30), SUMMER_PERIODS, {"from_day": ["2 月没有 30 日"]}),
        (
            MonthDay(5, 1),
            [(time(14), time(12))],
            {"periods": ["工作时段 14:00–12:00 的开始时间应早于结束时间"]},
        ),
        (
            MonthDay(5, 1),
            [(time(8), time(12)), (time(11), time(13))],
            {"periods": ["工作时段 08:00–12:00 与 11:00–13:00 重叠"]},
        ),
        (MonthDay(5, 1), [], {"periods": ["至少需要一个工作时段"]}),
    ],
)
def test_invalid_schedule_is_refused(first, periods, errors) -> None:
    with pytest.raises(ValidationError) as excinfo:
        save_work_schedule(name="夏季作息", first=first, last=MonthDay(9, 30), periods=periods)
    assert excinfo.value.message_dict == errors
    assert WorkSchedule.objects.count() == 0


def test_import_action_refuses_a_day_outside_the_year() -> None:
    days = [
        DayEntry(day=date(2027, 1, 1), kind=DayKind.HOLIDAY),
        DayEntry(day=date(2028, 1, 1), kind=DayKind.HOLIDAY),
    ]
    with pytest.raises(ValidationError) as excinfo:
        import_calendar_year(year=2027, days=days)
    assert excinfo.value.messages == ["2028-01-01 不在 2027 年内"]
    assert _snapshot() == ([], [], [])
