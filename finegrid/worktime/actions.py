"""The only writers of the working calendar: covered years, holiday/workday dates, work schedules.

Each action validates, writes in one transaction and changes the calendar revision in that same
transaction, so every process rebuilds its cached calendar exactly when the change commits.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from finegrid.worktime.calendar import MonthDay
from finegrid.worktime.models import (
    CalendarDay,
    CalendarRevision,
    CalendarYear,
    DayKind,
    WorkSchedule,
)

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One line of a year's calendar: a date, whether it is off or worked, the festival's name."""

    day: date
    kind: DayKind
    name: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class ImportResult:
    year: int
    created: int
    updated: int
    deleted: int
    unchanged: int


def _bump_revision() -> None:
    # update() first: the common case, and no read-modify-write race between processes.
    token = uuid.uuid4()
    if CalendarRevision.objects.filter(pk=1).update(token=token) == 0:
        CalendarRevision.objects.update_or_create(pk=1, defaults={"token": token})


def _log(action: str, actor: Actor, **details: object) -> None:
    who = getattr(actor, "username", None) or "system"
    logger.info("worktime %s by %s: %s", action, who, details)


def add_calendar_year(*, year: int, note: str = "", actor: Actor = None) -> CalendarYear:
    """Make `year` usable for working time (weekend rule plus that year's CalendarDay rows)."""
    with transaction.atomic():
        calendar_year = CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)
        calendar_year.note = note
        calendar_year.full_clean()
        calendar_year.save()
        _bump_revision()
    _log("add_calendar_year", actor, year=year)
    return calendar_year


def remove_calendar_year(*, year: int, actor: Actor = None) -> bool:
    """Stop covering an admin-added year; its day rows stay, harmless, until it is added again."""
    with transaction.atomic():
        deleted, _ = CalendarYear.objects.filter(year=year).delete()
        if deleted:
            _bump_revision()
    _log("remove_calendar_year", actor, year=year, deleted=bool(deleted))
    return bool(deleted)


def set_calendar_day(
    *,
    day: date,
    kind: DayKind,
    name: str = "",
    note: str = "",
    previous_day: date | None = None,
    actor: Actor = None,
) -> CalendarDay:
    """Declare `day` off or worked, overriding the package; `previous_day` moves an existing row."""
    with transaction.atomic():
        calendar_day = None
        if previous_day is not None and previous_day != day:
            calendar_day = CalendarDay.objects.filter(date=previous_day).first()
        calendar_day = calendar_day or CalendarDay.objects.filter(date=day).first() or CalendarDay()
        calendar_day.date = day
        calendar_day.kind = kind
        calendar_day.name = name
        calendar_day.note = note
        calendar_day.full_clean()
        calendar_day.save()
        _bump_revision()
    _log("set_calendar_day", actor, day=day.isoformat(), kind=str(kind))
    return calendar_day


def remove_calendar_day(*, day: date, actor: Actor = None) -> bool:
    """Drop an override: the date reverts to the package's data or the weekend rule."""
    with transaction.atomic():
        deleted, _ = CalendarDay.objects.filter(date=day).delete()
        if deleted:
            _bump_revision()
    _log("remove_calendar_day", actor, day=day.isoformat(), deleted=bool(deleted))
    return bool(deleted)


def import_calendar_year(
    *, year: int, days: Sequence[DayEntry], note: str = "", actor: Actor = None
) -> ImportResult:
    """Make `days` exactly the override rows of `year` and cover the year; all or nothing.

    Rerunning with the same days changes nothing, so an import can safely be repeated.
    """
    seen: set[date] = set()
    for entry in days:
        if entry.day.year != year:
            raise ValidationError(
                gettext("%(day)s 不在 %(year)d 年内"),
                params={"day": entry.day.isoformat(), "year": year},
            )
        if entry.day in seen:
            raise ValidationError(
                gettext("日期 %(day)s 重复"), params={"day": entry.day.isoformat()}
            )
        seen.add(entry.day)
    created = updated = unchanged = 0
    with transaction.atomic():
        existing = {row.date: row for row in CalendarDay.objects.filter(date__year=year)}
        stale = [row.pk for day, row in existing.items() if day not in seen]
        deleted, _ = CalendarDay.objects.filter(pk__in=stale).delete()
        for entry in days:
            row = existing.get(entry.day)
            wanted = (str(entry.kind), entry.name, entry.note)
            if row is not None and (row.kind, row.name, row.note) == wanted:
                unchanged += 1
                continue
            if row is None:
                row = CalendarDay(date=entry.day)
                created += 1
            else:
                updated += 1
            row.kind, row.name, row.note = wanted
            row.full_clean()
            row.save()
        calendar_year = CalendarYear.objects.filter(year=year).first()
        if calendar_year is None:
            calendar_year = CalendarYear(year=year, note=note)
            calendar_year.full_clean()
            calendar_year.save()
        elif note and calendar_year.note != note:
            calendar_year.note = note
            calendar_year.save(update_fields=["note"])
        _bump_revision()
    result = ImportResult(year, created, updated, deleted, unchanged)
    _log("import_calendar_year", actor, result=result)
    return result


def save_work_schedule(
    *,
    name: str,
    first: MonthDay,
    last: MonthDay,
    periods: Sequence[tuple[time, time]],
    active: bool = True,
    note: str = "",
    schedule_id: int | None = None,
    actor: Actor = None,
) -> WorkSchedule:
    """Create (no schedule_id) or replace a seasonal schedule; refused if it overlaps another."""
    with transaction.atomic():
        schedule = (
            WorkSchedule() if schedule_id is None else WorkSchedule.objects.get(pk=schedule_id)
        )
        schedule.name = name
        schedule.from_month, schedule.from_day = first
        schedule.to_month, schedule.to_day = last
        schedule.periods = [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in periods]
        schedule.active = active
        schedule.note = note
        schedule.full_clean()
        schedule.save()
        _bump_revision()
    _log("save_work_schedule", actor, name=name, active=active)
    return schedule


def remove_work_schedule(*, schedule_id: int, actor: Actor = None) -> bool:
    with transaction.atomic():
        deleted, _ = WorkSchedule.objects.filter(pk=schedule_id).delete()
        if deleted:
            _bump_revision()
    _log("remove_work_schedule", actor, schedule_id=schedule_id, deleted=bool(deleted))
    return bool(deleted)
