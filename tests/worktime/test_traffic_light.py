"""红黄绿灯 on hand-checked timelines: a Monday 08:00–18:00 limit of 8 working hours and others."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from finegrid.worktime.calendar import TimeUnit, traffic_light
from tests.worktime.support import at, official

CALENDAR = official()
START = at(2026, 3, 9, 8)  # Monday
DEADLINE = at(2026, 3, 9, 18)  # 8 working hours later


@pytest.mark.parametrize(
    ("now", "light"),
    [
        (at(2026, 3, 9, 7), "green"),  # before the start
        (at(2026, 3, 9, 14), "green"),  # 4 of 8 hours used
        (at(2026, 3, 9, 16, 23), "green"),  # 6 h 23 min: just under 80 %
        (at(2026, 3, 9, 16, 24), "yellow"),  # 6 h 24 min = 80 %
        (DEADLINE, "yellow"),  # 100 % but not past
        (DEADLINE + timedelta(microseconds=1), "red"),
        (at(2026, 3, 10, 9), "red"),
    ],
)
def test_light_follows_the_share_of_working_time_used(now, light) -> None:
    assert traffic_light(START, DEADLINE, now, calendar=CALENDAR) == light


def test_lunch_break_after_the_deadline_is_already_red() -> None:
    # given a 2-hour limit from 10:00 ending at 12:00, when it is 13:00 (no working time since)
    # then the step is overdue
    assert (
        traffic_light(at(2026, 3, 9, 10), at(2026, 3, 9, 12), at(2026, 3, 9, 13), calendar=CALENDAR)
        == "red"
    )


def test_suspended_time_is_not_used() -> None:
    pause = (at(2026, 3, 9, 14), at(2026, 3, 9, 16))
    extended = at(2026, 3, 10, 10)  # 8 h + the 2 paused working hours
    # Monday 18:00: 6 of 8 hours used (75 %)
    assert (
        traffic_light(START, extended, at(2026, 3, 9, 18), calendar=CALENDAR, pauses=[pause])
        == "green"
    )
    # Tuesday 08:24: 6.4 of 8 hours used (80 %)
    assert (
        traffic_light(START, extended, at(2026, 3, 10, 8, 24), calendar=CALENDAR, pauses=[pause])
        == "yellow"
    )


def test_urgent_limit_is_measured_on_the_wall_clock() -> None:
    start, end = at(2026, 3, 9, 17), at(2026, 3, 9, 19)
    urgent = TimeUnit.URGENT_HOURS
    assert (
        traffic_light(start, end, at(2026, 3, 9, 18, 35), calendar=CALENDAR, unit=urgent) == "green"
    )
    assert (
        traffic_light(start, end, at(2026, 3, 9, 18, 36), calendar=CALENDAR, unit=urgent)
        == "yellow"
    )


def test_limit_without_working_time_falls_back_to_the_wall_clock() -> None:
    # an overnight limit measured in working time would be empty: 21:40 is 83 % of 20:00–22:00
    assert (
        traffic_light(
            at(2026, 3, 9, 20), at(2026, 3, 9, 22), at(2026, 3, 9, 21, 40), calendar=CALENDAR
        )
        == "yellow"
    )


def test_thresholds_are_parameters() -> None:
    now = at(2026, 3, 9, 14)  # 50 %
    assert (
        traffic_light(START, DEADLINE, now, calendar=CALENDAR, yellow_at=Decimal("0.5")) == "yellow"
    )
    assert (
        traffic_light(
            START,
            DEADLINE,
            now,
            calendar=CALENDAR,
            yellow_at=Decimal("0.3"),
            red_after=Decimal("0.4"),
        )
        == "red"
    )


def test_bad_thresholds_and_spans_are_refused() -> None:
    message = "thresholds must satisfy 0 < yellow_at <= red_after"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        traffic_light(START, DEADLINE, START, calendar=CALENDAR, yellow_at=Decimal("1.2"))
    with pytest.raises(ValueError, match=r"^the deadline must be after the start$"):
        traffic_light(DEADLINE, START, START, calendar=CALENDAR)
