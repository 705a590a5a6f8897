"""Evaluation periods: a week, a month, a quarter or a year, written the way people say them.

`2026-W43` (ISO week), `2026-10`, `2026-Q4`, `2026`. A period runs from its first day at 00:00 local
time to the next period's first day (exclusive), so consecutive periods tile time with no gap.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone, translation
from django.utils.translation import gettext as _


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class InvalidPeriod(ValueError):
    code = "invalid_period"

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return _(
            "考核周期“%(text)s”格式不对：应为 2026-W43（周）、2026-10（月）、2026-Q4（季）或 2026（年）"
        ) % {"text": self.text}


_PATTERNS = (
    (PeriodKind.WEEK, re.compile(r"^(\d{4})-W(\d{2})$")),
    (PeriodKind.MONTH, re.compile(r"^(\d{4})-(\d{2})$")),
    (PeriodKind.QUARTER, re.compile(r"^(\d{4})-Q(\d)$")),
    (PeriodKind.YEAR, re.compile(r"^(\d{4})$")),
)


@dataclass(frozen=True, order=True)
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date  # exclusive

    @classmethod
    def parse(cls, text: str) -> Period:
        value = text.strip().upper()
        for kind, pattern in _PATTERNS:
            match = pattern.match(value)
            if match is None:
                continue
            year, number = int(match.group(1)), int(match.group(2)) if match.lastindex == 2 else 0
            try:
                return cls.of(kind, year, number)
            except ValueError:
                raise InvalidPeriod(text) from None
        raise InvalidPeriod(text)

    @classmethod
    def of(cls, kind: PeriodKind, year: int, number: int = 0) -> Period:
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        if kind == PeriodKind.WEEK:
            start = dt.date.fromisocalendar(year, number, 1)
            return cls(kind, start, start + dt.timedelta(days=7))
        if kind == PeriodKind.MONTH:
            start = dt.date(year, number, 1)
            return cls(kind, start, _add_months(start, 1))
        if kind == PeriodKind.QUARTER:
            if not 1 <= number <= 4:
                raise ValueError(number)
            start = dt.date(year, 3 * number - 2, 1)
            return cls(kind, start, _add_months(start, 3))
        return cls(kind, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def containing(cls, kind: PeriodKind, day: dt.date) -> Period:
        if kind == PeriodKind.WEEK:
            iso = day.isocalendar()
            return cls.of(kind, iso.year, iso.week)
        if kind == PeriodKind.MONTH:
            return cls.of(kind, day.year, day.month)
        if kind == PeriodKind.QUARTER:
            return cls.of(kind, day.year, (day.month - 1) // 3 + 1)
        return cls.of(kind, day.year)

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.WEEK:
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        """How a bulletin names it: 2026年第43周, 2026年10月, 2026年第四季度, 2026年度."""
        if self.kind == PeriodKind.WEEK:
            iso = self.start.isocalendar()
            return _("%(year)s年第%(week)s周") % {"year": iso.year, "week": iso.week}
        if self.kind == PeriodKind.MONTH:
            return _("%(year)s年%(month)s月") % {
                "year": self.start.year,
                "month": self.start.month,
            }
        if self.kind == PeriodKind.QUARTER:
            number = (self.start.month - 1) // 3 + 1
            chinese = (translation.get_language() or "zh-hans").startswith("zh")
            quarter = "一二三四"[number - 1] if chinese else str(number)
            return _("%(year)s年第%(quarter)s季度") % {"year": self.start.year, "quarter": quarter}
        return _("%(year)s年度") % {"year": self.start.year}

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period's first and first-after moments in the platform's time zone."""
        tz = timezone.get_default_timezone()
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=tz),
            dt.datetime.combine(self.end, dt.time(), tzinfo=tz),
        )

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def is_closed(self, now: dt.datetime) -> bool:
        return now >= self.bounds()[1]

    def __str__(self) -> str:
        return self.code


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
