"""The calendar overrides an administrator edits: covered years, holiday and workday dates, schedules.

Rows are written only through `finegrid.worktime.actions`, which also bumps `CalendarRevision` so
that every process rebuilds its cached `WorkCalendar`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from datetime import date, time
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finegrid.worktime.calendar import MonthDay, SeasonalSchedule, WorkPeriod

FIRST_YEAR = 1949
LAST_YEAR = 2100


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    """A year an administrator has entered; the package's own years need no row."""

    year = models.PositiveSmallIntegerField(
        _("年份"),
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text=_("有了这一行，该年即可计算工作时间：周末休息，再按本年的节假日和调休上班日调整"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("日历年份")
        verbose_name_plural = _("日历年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return gettext("%(year)d 年") % {"year": self.year}


class CalendarDay(models.Model):
    """One date whose status differs from the weekend rule, or corrects the package's data."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DayKind.choices)
    name = models.CharField(
        _("名称"), max_length=64, blank=True, help_text=_("节日名称，例如 国庆节")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()


_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(text: str) -> time:
    """'8:00' or '08:00' as a time; a clear Chinese error for anything else."""
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ValidationError(
            gettext("“%(value)s” 不是 HH:MM 格式的时间"), code="bad_time", params={"value": text}
        )
    return time(int(match[1]), int(match[2]))


def periods_from_json(value: Any) -> tuple[WorkPeriod, ...]:
    """The stored form [["08:00", "12:00"], ...] as working periods, validated."""
    if not isinstance(value, list) or not value:
        raise ValidationError(gettext("至少需要一个工作时段"), code="no_periods")
    periods: list[WorkPeriod] = []
    for pair in value:
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise ValidationError(
                gettext("工作时段应为 [开始, 结束]，而不是 %(value)s"),
                code="bad_period",
                params={"value": pair},
            )
        start, end = parse_clock(str(pair[0])), parse_clock(str(pair[1]))
        if start >= end:
            raise ValidationError(
                gettext("工作时段 %(start)s–%(end)s 的开始时间应早于结束时间"),
                code="period_order",
                params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            )
        periods.append(WorkPeriod(start, end))
    periods.sort(key=lambda period: period.start)
    for earlier, later in pairwise(periods):
        if later.start < earlier.end:
            raise ValidationError(
                gettext("工作时段 %(first)s 与 %(second)s 重叠"),
                code="period_overlap",
                params={"first": str(earlier), "second": str(later)},
            )
    return tuple(periods)


def periods_to_json(periods: tuple[WorkPeriod, ...]) -> list[list[str]]:
    return [[f"{period.start:%H:%M}", f"{period.end:%H:%M}"] for period in periods]


def _month_validators() -> list[Any]:
    return [MinValueValidator(1), MaxValueValidator(12)]


def _day_validators() -> list[Any]:
    return [MinValueValidator(1), MaxValueValidator(31)]


class WorkSchedule(models.Model):
    """Office hours for part of every year (e.g. summer afternoons 14:30–18:30).

    Days no active schedule covers use the default 08:00–12:00 and 14:00–18:00.
    """

    name = models.CharField(_("名称"), max_length=64, unique=True, help_text=_("例如 夏季作息"))
    from_month = models.PositiveSmallIntegerField(_("开始月"), validators=_month_validators())
    from_day = models.PositiveSmallIntegerField(_("开始日"), validators=_day_validators())
    to_month = models.PositiveSmallIntegerField(_("结束月"), validators=_month_validators())
    to_day = models.PositiveSmallIntegerField(_("结束日"), validators=_day_validators())
    periods = models.JSONField(
        _("工作时段"),
        default=list,
        blank=True,  # an empty list gets clean()'s specific message, not the generic "required"
        help_text=_(
            '按时间先后排列的 [开始, 结束] 列表，例如 [["08:00", "12:00"], ["14:30", "18:30"]]'
        ),
    )
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作息时间")
        verbose_name_plural = _("作息时间")
        ordering = ["from_month", "from_day"]

    def __str__(self) -> str:
        return self.name

    @property
    def first(self) -> MonthDay:
        return MonthDay(self.from_month, self.from_day)

    @property
    def last(self) -> MonthDay:
        return MonthDay(self.to_month, self.to_day)

    def as_seasonal(self) -> SeasonalSchedule:
        return SeasonalSchedule(
            name=self.name,
            first=self.first,
            last=self.last,
            periods=periods_from_json(self.periods),
        )

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Field-level so that Django skips a field whose form input already failed: the admin
        # shows one message per mistake, not a second one about the value left behind.
        excluded = set(exclude or ())
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        skip = excluded | set(errors)
        for label, month_field, day_field, month_day in (
            ("from", "from_month", "from_day", self.first),
            ("to", "to_month", "to_day", self.last),
        ):
            if skip & {month_field, day_field}:
                continue
            try:
                date(2000, month_day.month, month_day.day)
            except (TypeError, ValueError):
                errors[day_field] = [
                    ValidationError(
                        gettext("%(month)s 月没有 %(day)s 日"),
                        code=f"bad_{label}_day",
                        params={"month": month_day.month, "day": month_day.day},
                    )
                ]
        if "periods" not in skip:
            try:
                periods_from_json(self.periods)
            except ValidationError as error:
                errors["periods"] = error.error_list
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        if not self.active:
            return
        try:
            mine = self.as_seasonal()
        except (ValidationError, ValueError):
            return  # clean_fields has reported what is wrong with the fields
        for other in WorkSchedule.objects.filter(active=True).exclude(pk=self.pk):
            shared = mine.first_shared_day(other.as_seasonal())
            if shared is not None:
                raise ValidationError(
                    gettext("与已启用的作息时间“%(other)s”在 %(month)d 月 %(day)d 日重叠"),
                    code="schedule_overlap",
                    params={"other": other.name, "month": shared.month, "day": shared.day},
                )


class CalendarRevision(models.Model):
    """A single row whose token changes with every calendar edit, telling processes to rebuild.

    A random token rather than a counter: a rolled-back edit can never reuse a number that a
    process already cached with other contents.
    """

    token = models.UUIDField(_("版本标识"), default=uuid.uuid4)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历版本")
        verbose_name_plural = _("日历版本")

    def __str__(self) -> str:
        return str(self.token)
