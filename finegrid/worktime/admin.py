"""Admin pages for the calendar overrides; every save and delete goes through the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finegrid.worktime.actions import (
    add_calendar_year,
    remove_calendar_day,
    remove_calendar_year,
    remove_work_schedule,
    save_work_schedule,
    set_calendar_day,
)
from finegrid.worktime.models import (
    CalendarDay,
    CalendarYear,
    DayKind,
    WorkSchedule,
    parse_clock,
    periods_from_json,
)
from finegrid.worktime.official import official_calendar

WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ("year", "day_count", "note")
    search_fields = ("note",)

    @admin.display(description=_("例外日期数"))
    def day_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year).count()

    def get_readonly_fields(
        self, request: HttpRequest, obj: CalendarYear | None = None
    ) -> tuple[str, ...]:
        # A year is added or removed, never renumbered: renumbering would silently move coverage.
        return ("year",) if obj is not None else ()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        years = official_calendar().years
        subtitle = gettext(
            "内置数据已包含 %(first)d–%(last)d 年；其后的年份在国务院公布放假安排后在此添加，"
            "再在“节假日与调休”中录入该年的日期（或使用 manage.py import_calendar 导入）。"
        ) % {"first": min(years), "last": max(years)}
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": subtitle})

    def save_model(
        self,
        request: HttpRequest,
        obj: CalendarYear,
        form: forms.ModelForm[CalendarYear],
        change: bool,
    ) -> None:
        obj.pk = add_calendar_year(year=obj.year, note=obj.note, actor=request.user).pk

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        remove_calendar_year(year=obj.year, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar_year in queryset:
            remove_calendar_year(year=calendar_year.year, actor=request.user)


class YearListFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        days = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in days]

    def queryset(self, request: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ("date", "weekday", "kind", "name", "note")
    list_filter = (YearListFilter, "kind")
    search_fields = ("name", "note")
    date_hierarchy = "date"

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def save_model(
        self,
        request: HttpRequest,
        obj: CalendarDay,
        form: forms.ModelForm[CalendarDay],
        change: bool,
    ) -> None:
        previous = (
            CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first()
            if change
            else None
        )
        saved = set_calendar_day(
            day=obj.date,
            kind=DayKind(obj.kind),
            name=obj.name,
            note=obj.note,
            previous_day=previous,
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        remove_calendar_day(day=obj.date, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for calendar_day in queryset:
            remove_calendar_day(day=calendar_day.date, actor=request.user)


def periods_as_text(value: Any) -> str:
    return ", ".join(str(period) for period in periods_from_json(value)).replace("–", "-")


class WorkScheduleForm(forms.ModelForm[WorkSchedule]):
    # Office staff type "08:00-12:00, 14:30-18:30"; the model stores the JSON list.
    periods = forms.CharField(
        label=_("工作时段"),
        help_text=_("用逗号分隔多个时段，例如 08:00-12:00, 14:30-18:30"),
        widget=forms.TextInput(attrs={"size": 40}),
    )

    class Meta:
        model = WorkSchedule
        fields = (
            "name",
            "from_month",
            "from_day",
            "to_month",
            "to_day",
            "periods",
            "active",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["periods"] = periods_as_text(self.instance.periods)

    def clean_periods(self) -> list[list[str]]:
        text: str = self.cleaned_data["periods"]
        pairs: list[list[str]] = []
        for chunk in text.replace("，", ",").split(","):
            if not chunk.strip():
                continue
            bounds = chunk.replace("–", "-").replace("—", "-").split("-")
            if len(bounds) != 2:
                raise forms.ValidationError(
                    gettext("“%(value)s” 不是“开始-结束”格式的时段"),
                    params={"value": chunk.strip()},
                )
            start, end = parse_clock(bounds[0]), parse_clock(bounds[1])
            pairs.append([f"{start:%H:%M}", f"{end:%H:%M}"])
        periods_from_json(pairs)  # order and overlap errors, shown on this field
        return pairs


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin[WorkSchedule]):
    form = WorkScheduleForm
    list_display = ("name", "valid_range", "periods_display", "active", "note")
    list_filter = ("active",)

    @admin.display(description=_("适用日期"))
    def valid_range(self, obj: WorkSchedule) -> str:
        return gettext("%(from_month)d月%(from_day)d日–%(to_month)d月%(to_day)d日") % {
            "from_month": obj.from_month,
            "from_day": obj.from_day,
            "to_month": obj.to_month,
            "to_day": obj.to_day,
        }

    @admin.display(description=_("工作时段"))
    def periods_display(self, obj: WorkSchedule) -> str:
        return periods_as_text(obj.periods)

    def save_model(
        self,
        request: HttpRequest,
        obj: WorkSchedule,
        form: forms.ModelForm[WorkSchedule],
        change: bool,
    ) -> None:
        saved = save_work_schedule(
            name=obj.name,
            first=obj.first,
            last=obj.last,
            periods=[(period.start, period.end) for period in periods_from_json(obj.periods)],
            active=obj.active,
            note=obj.note,
            schedule_id=obj.pk if change else None,
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: WorkSchedule) -> None:
        remove_work_schedule(schedule_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkSchedule]) -> None:
        for schedule in queryset:
            remove_work_schedule(schedule_id=schedule.pk, actor=request.user)
