"""The State Council holiday schedules shipped in the `chinesecalendar` package, as plain data.

Pure Python like `calendar`: the admin's override tables are merged on top in `selectors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from types import MappingProxyType

from chinese_calendar import constants

from finegrid.worktime.calendar import WorkCalendar


@dataclass(frozen=True)
class OfficialCalendar:
    """Holidays and make-up workdays by date, each with its festival's Chinese name."""

    holidays: Mapping[date, str]
    makeup_workdays: Mapping[date, str]
    years: frozenset[int]

    def as_work_calendar(self) -> WorkCalendar:
        return WorkCalendar(
            holidays=frozenset(self.holidays),
            makeup_workdays=frozenset(self.makeup_workdays),
            years=self.years,
        )


def _chinese_name(english: str) -> str:
    try:
        return str(constants.Holiday(english).chinese)
    except ValueError:  # a festival newer than this mapping: keep the package's own name
        return english


@cache
def official_calendar() -> OfficialCalendar:
    """Read once per process: the package's data only changes when the package is upgraded."""
    holidays = {day: _chinese_name(name) for day, name in constants.holidays.items()}
    makeup_workdays = {day: _chinese_name(name) for day, name in constants.workdays.items()}
    # The package itself answers for every year between its first and last holiday.
    first, last = min(holidays).year, max(holidays).year
    return OfficialCalendar(
        holidays=MappingProxyType(holidays),
        makeup_workdays=MappingProxyType(makeup_workdays),
        years=frozenset(range(first, last + 1)),
    )
