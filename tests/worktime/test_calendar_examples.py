"""Hand-checked deadlines and elapsed times on the real 2026 calendar (pure module, no database)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from finegrid.worktime.calendar import (
    SHANGHAI,
    CalendarYearMissing,
    TimeUnit,
    WorkCalendar,
    deadline,
    elapsed,
)
from tests.worktime.support import at, bare, official, with_summer

CALENDAR = official()
H = TimeUnit.WORKING_HOURS
D = TimeUnit.WORKING_DAYS


def test_working_hours_skip_the_national_day_holiday() -> None:
    # given Wednesday 30 Sep 17:00, one hour before the office closes for 1–7 October
    # when two working hours are counted
    # then the second hour is the first hour after the holiday
    assert deadline(at(2026, 9, 30, 17), 2, H, calendar=CALENDAR) == at(2026, 10, 8, 9)


def test_makeup_saturday_is_a_working_day_and_counts() -> None:
    assert CALENDAR.is_workday(date(2026, 10, 10)) is True  # Saturday, 调休上班
    assert CALENDAR.is_workday(date(2026, 10, 11)) is False  # the Sunday after
    assert CALENDAR.is_workday(date(2026, 10, 7)) is False  # Wednesday inside the holiday
    # given Friday 9 October 17:00, when 2 working hours are counted, then Saturday 09:00
    assert deadline(at(2026, 10, 9, 17), 2, H, calendar=CALENDAR) == at(2026, 10, 10, 9)


def test_urgent_hours_run_through_night_and_holiday() -> None:
    assert deadline(at(2026, 10, 1, 23, 30), 1, TimeUnit.URGENT_HOURS, calendar=CALENDAR) == at(
        2026, 10, 2, 0, 30
    )


def test_deadline_reached_at_a_period_end_stays_there() -> None:
    # 10:00 + 2 working hours is 12:00, not 14:00 when the afternoon starts
    assert deadline(at(2026, 3, 9, 10), 2, H, calendar=CALENDAR) == at(2026, 3, 9, 12)
    # one working day from Monday 08:00 ends Monday 18:00, not Tuesday 08:00
    assert deadline(at(2026, 3, 9, 8), 1, D, calendar=CALENDAR) == at(2026, 3, 9, 18)


def test_start_outside_working_periods_counts_from_the_next_period() -> None:
    assert deadline(at(2026, 3, 9, 12, 30), 1, H, calendar=CALENDAR) == at(2026, 3, 9, 15)
    # Sunday evening counts from Monday morning
    assert deadline(at(2026, 3, 8, 20), 1, H, calendar=CALENDAR) == at(2026, 3, 9, 9)


def test_fractional_working_hours_cross_the_lunch_break() -> None:
    assert deadline(at(2026, 3, 9, 11, 45), Decimal("0.5"), H, calendar=CALENDAR) == at(
        2026, 3, 9, 14, 15
    )
    assert elapsed(at(2026, 3, 9, 11), at(2026, 3, 9, 14, 30), H, calendar=CALENDAR) == Decimal(
        "1.5"
    )


def test_working_days_cross_a_weekend() -> None:
    # Monday 10:00 + 2 working days = Wednesday 10:00 (16 working hours)
    assert deadline(at(2026, 3, 9, 10), 2, D, calendar=CALENDAR) == at(2026, 3, 11, 10)
    # Friday 10:00 + 2 working days = Tuesday 10:00: Saturday and Sunday do not count
    assert deadline(at(2026, 3, 6, 10), 2, D, calendar=CALENDAR) == at(2026, 3, 10, 10)
    assert elapsed(at(2026, 3, 6, 10), at(2026, 3, 10, 10), D, calendar=CALENDAR) == 2


def test_long_limits_step_over_weeks_and_the_qingming_holiday() -> None:
    # 13 working days from Monday 9 March 08:00: 9–13, 16–20, 23–25 March
    assert deadline(at(2026, 3, 9, 8), 13, D, calendar=CALENDAR) == at(2026, 3, 25, 18)
    # 200 working hours = 25 days; 4–6 April (清明) are skipped
    assert deadline(at(2026, 3, 9, 8), 200, H, calendar=CALENDAR) == at(2026, 4, 13, 18)


def test_calendar_days_ignore_the_holiday() -> None:
    assert deadline(at(2026, 9, 30, 17), 3, TimeUnit.CALENDAR_DAYS, calendar=CALENDAR) == at(
        2026, 10, 3, 17
    )
    assert elapsed(
        at(2026, 9, 30, 17), at(2026, 10, 8, 17), TimeUnit.CALENDAR_DAYS, calendar=CALENDAR
    ) == Decimal(8)
    # the same span is one working day: 1 h on 30 September and 7 h on 8 October
    assert elapsed(at(2026, 9, 30, 17), at(2026, 10, 8, 17), D, calendar=CALENDAR) == 1


def test_summer_schedule_moves_the_afternoon() -> None:
    summer = with_summer()
    # Monday 1 June 11:00 + 2 h: one hour before lunch, one after 14:30
    assert deadline(at(2026, 6, 1, 11), 2, H, calendar=summer) == at(2026, 6, 1, 15, 30)
    assert deadline(at(2026, 6, 1, 11), 2, H, calendar=CALENDAR) == at(2026, 6, 1, 15)
    # 30 September is still summer (until 18:30); 8 October is back to 08:00–12:00, 14:00–18:00
    assert deadline(at(2026, 9, 30, 17), 2, H, calendar=summer) == at(2026, 10, 8, 8, 30)


def test_pause_moves_the_deadline_by_the_paused_working_time() -> None:
    start = at(2026, 3, 9, 10)
    pause = (at(2026, 3, 9, 10, 30), at(2026, 3, 9, 11))
    assert deadline(start, 2, H, calendar=CALENDAR, pauses=[pause]) == at(2026, 3, 9, 14, 30)
    assert elapsed(start, at(2026, 3, 9, 14, 30), H, calendar=CALENDAR, pauses=[pause]) == 2


def test_overlapping_pauses_are_merged() -> None:
    start = at(2026, 3, 9, 10)
    pauses = [
        (at(2026, 3, 9, 10, 40), at(2026, 3, 9, 11)),
        (at(2026, 3, 9, 10, 30), at(2026, 3, 9, 10, 50)),
    ]
    assert deadline(start, 2, H, calendar=CALENDAR, pauses=pauses) == at(2026, 3, 9, 14, 30)


def test_pause_over_the_start_and_pause_outside_working_time() -> None:
    # suspended 09:00–11:00: counting starts at 11:00
    pause = (at(2026, 3, 9, 9), at(2026, 3, 9, 11))
    assert deadline(at(2026, 3, 9, 10), 2, H, calendar=CALENDAR, pauses=[pause]) == at(
        2026, 3, 9, 15
    )
    # a weekend pause stops nothing that was running
    weekend = (at(2026, 3, 6, 18), at(2026, 3, 9, 8))
    assert deadline(at(2026, 3, 6, 10), 2, D, calendar=CALENDAR, pauses=[weekend]) == at(
        2026, 3, 10, 10
    )


def test_pause_stops_urgent_hours_too() -> None:
    pause = (at(2026, 10, 1, 23), at(2026, 10, 2, 1))
    assert deadline(
        at(2026, 10, 1, 22), 3, TimeUnit.URGENT_HOURS, calendar=CALENDAR, pauses=[pause]
    ) == at(2026, 10, 2, 3)


def test_result_is_in_the_calendar_zone_whatever_the_input_zone() -> None:
    start_utc = datetime(2026, 3, 9, 2, tzinfo=UTC)  # 10:00 in Shanghai
    result = deadline(start_utc, 2, H, calendar=CALENDAR)
    assert result == at(2026, 3, 9, 12)
    assert result.tzinfo is SHANGHAI


def test_units_may_be_given_as_their_stored_strings() -> None:
    assert deadline(at(2026, 3, 9, 10), 2, "working_hours", calendar=CALENDAR) == at(2026, 3, 9, 12)


def test_year_without_data_raises_and_names_the_year() -> None:
    with pytest.raises(CalendarYearMissing) as excinfo:
        deadline(at(2026, 12, 31, 17), 2, H, calendar=CALENDAR)
    assert excinfo.value.year == 2027
    assert str(excinfo.value) == (
        "工作日历缺少 2027 年的数据：请系统管理员录入该年的法定节假日和调休上班日。"
    )
    with pytest.raises(CalendarYearMissing) as before:
        CALENDAR.is_workday(date(2003, 12, 31))
    assert before.value.year == 2003


def test_measuring_up_to_new_year_does_not_need_next_year() -> None:
    assert elapsed(at(2026, 12, 31, 17), at(2026, 12, 31, 23), H, calendar=CALENDAR) == 1


def test_wall_clock_units_need_no_holiday_data() -> None:
    assert deadline(at(2026, 12, 31, 23, 30), 1, TimeUnit.URGENT_HOURS, calendar=CALENDAR) == at(
        2027, 1, 1, 0, 30
    )


def test_weekend_rule_alone_for_a_bare_year() -> None:
    calendar = bare(2026, 2027, holidays=frozenset({date(2027, 1, 1)}))
    # Thursday 31 December 17:00; Friday 1 January is a holiday, then the weekend
    assert deadline(at(2026, 12, 31, 17), 2, H, calendar=calendar) == at(2027, 1, 4, 9)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "amount must be a finite number greater than 0, got 0"),
        (-1, "amount must be a finite number greater than 0, got -1"),
        (Decimal("NaN"), "amount must be a finite number greater than 0, got NaN"),
        (Decimal("Infinity"), "amount must be a finite number greater than 0, got Infinity"),
        (0.5, "amount must be a Decimal or an int, got float"),
        (True, "amount must be a Decimal or an int, got bool"),
        ("2", "amount must be a Decimal or an int, got str"),
        (Decimal("1E-12"), "amount 1E-12 working_hours is shorter than a microsecond"),
    ],
)
def test_bad_amount_is_refused(amount: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        deadline(at(2026, 3, 9, 10), amount, H, calendar=CALENDAR)  # type: ignore[arg-type]


def test_unknown_unit_is_refused() -> None:
    message = (
        "unknown time unit 'weeks'; expected one of "
        "urgent_hours, working_hours, working_days, calendar_days"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        deadline(at(2026, 3, 9, 10), 1, "weeks", calendar=CALENDAR)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 9, 10)
    with pytest.raises(ValueError, match="is naive"):
        deadline(naive, 1, H, calendar=CALENDAR)
    with pytest.raises(ValueError, match="is naive"):
        elapsed(at(2026, 3, 9, 10), naive, H, calendar=CALENDAR)
    with pytest.raises(ValueError, match="is naive"):
        deadline(at(2026, 3, 9, 10), 1, H, calendar=CALENDAR, pauses=[(naive, at(2026, 3, 9, 11))])


def test_backwards_spans_are_refused() -> None:
    with pytest.raises(ValueError, match="is before start"):
        elapsed(at(2026, 3, 9, 10), at(2026, 3, 9, 9), H, calendar=CALENDAR)
    backwards = (at(2026, 3, 9, 11), at(2026, 3, 9, 10))
    with pytest.raises(ValueError, match="pause ends before it starts"):
        deadline(at(2026, 3, 9, 10), 1, H, calendar=CALENDAR, pauses=[backwards])


def test_calendar_refuses_a_day_both_off_and_worked() -> None:
    day = date(2027, 2, 6)
    with pytest.raises(ValueError, match="both holiday and make-up workday"):
        WorkCalendar(
            holidays=frozenset({day}), makeup_workdays=frozenset({day}), years=frozenset({2027})
        )


def test_microseconds_survive() -> None:
    start = at(2026, 3, 9, 10) + timedelta(microseconds=7)
    assert deadline(start, 1, H, calendar=CALENDAR) == at(2026, 3, 9, 11) + timedelta(
        microseconds=7
    )


def test_long_limits_step_day_by_day_not_minute_by_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a spy on the per-day lookup
    visited: list[date] = []
    original = WorkCalendar.working_intervals

    def spy(self: WorkCalendar, day: date) -> list[tuple[datetime, datetime]]:
        visited.append(day)
        return original(self, day)

    monkeypatch.setattr(WorkCalendar, "working_intervals", spy)
    # when 200 working hours are counted from 9 March
    assert deadline(at(2026, 3, 9, 8), 200, H, calendar=CALENDAR) == at(2026, 4, 13, 18)
    # then each calendar day from 9 March to 13 April is looked at once
    assert visited == [date(2026, 3, 9) + timedelta(days=n) for n in range(36)]


def test_pure_module_works_without_django_set_up() -> None:
    script = (
        "import sys\n"
        "from datetime import datetime\n"
        "from finegrid.worktime.calendar import SHANGHAI, CalendarYearMissing, deadline\n"
        "from finegrid.worktime.official import official_calendar\n"
        "calendar = official_calendar().as_work_calendar()\n"
        "start = datetime(2026, 9, 30, 17, tzinfo=SHANGHAI)\n"
        "print(deadline(start, 2, 'working_hours', calendar=calendar).isoformat())\n"
        "print(CalendarYearMissing(2027))\n"
        "print('django.db' in sys.modules)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.splitlines() == [
        "2026-10-08T09:00:00+08:00",
        "工作日历缺少 2027 年的数据：请系统管理员录入该年的法定节假日和调休上班日。",
        "False",
    ]
