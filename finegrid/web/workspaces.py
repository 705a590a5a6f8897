"""The department's workspace and the supervisors' and leaders' view.

A department sees what was sent to it with the time left, and its own figures this week; the
supervision centre and leaders see what is overdue or under supervision, and how each area and
department is doing this month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from finegrid.cases.access import DEPARTMENT_ROLES, visible_cases
from finegrid.cases.models import Case, CaseEvent
from finegrid.cases.selectors import filter_cases, step_light
from finegrid.cases.workflow import DISPOSAL_STATUSES, OPEN, Action, Status
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of

SUPERVISION_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
LIST_LIMIT = 200


def _user(request: HttpRequest, allowed: frozenset[Role]) -> User:
    user = request.user
    assert isinstance(user, User)
    if not roles_of(user) & allowed:
        raise PermissionDenied
    return user


def week_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    monday = local.date() - dt.timedelta(days=local.weekday())
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(dt.datetime.combine(local.date().replace(day=1), dt.time.min))


def _rows(cases: QuerySet[Case], now: dt.datetime) -> list[dict[str, Any]]:
    related = cases.select_related("category", "district", "street", "department")
    return [
        {"case": c, "light": step_light(c, now), "left": _left(c, now)}
        for c in related[:LIST_LIMIT]
    ]


def _left(case: Case, now: dt.datetime) -> dt.timedelta | None:
    deadline = case.disposal_deadline or case.step_deadline
    return None if deadline is None else deadline - now


def department_figures(unit_id: int, since: dt.datetime) -> dict[str, Any]:
    """This week's figures of one department, from the events (the truth), not the case rows."""
    events = CaseEvent.objects.filter(at__gte=since, case__department_id=unit_id)
    counts = dict(events.values_list("action").annotate(n=Count("pk")).order_by())
    disposed = events.filter(action=Action.DISPOSE)
    on_time = disposed.filter(data__on_time=True).count()
    total = disposed.count()
    return {
        "received": counts.get(Action.DISPATCH, 0),
        "disposed": total,
        "on_time_rate": round(100 * on_time / total, 1) if total else None,
        "returned": counts.get(Action.REQUEST_RETURN, 0),
        "extended": counts.get(Action.REQUEST_EXTENSION, 0),
        "reworked": counts.get(Action.REWORK, 0) + counts.get(Action.REOPEN, 0),
    }


@login_required
def department(request: HttpRequest) -> HttpResponse:
    user = _user(request, DEPARTMENT_ROLES)
    now = timezone.now()
    mine = visible_cases(user).filter(department_id=user.unit_id)
    waiting = mine.filter(status=Status.DISPATCHED).order_by("disposal_deadline")
    disposing = mine.filter(status__in=list(DISPOSAL_STATUSES - {Status.DISPATCHED})).order_by(
        "disposal_deadline"
    )
    suspended = mine.filter(status=Status.SUSPENDED).order_by("suspended_until")
    return render(
        request,
        "web/department.html",
        {
            "unit": user.unit,
            "waiting": _rows(waiting, now),
            "disposing": _rows(disposing, now),
            "suspended": _rows(suspended, now),
            "overdue": filter_cases(mine, overdue=True, now=now).count(),
            "figures": department_figures(user.unit_id, week_start(now)) if user.unit_id else None,
            "week_start": week_start(now),
        },
    )


def summaries(
    cases: QuerySet[Case], key: str, label: str, now: dt.datetime
) -> list[dict[str, Any]]:
    """Per area or department: open, overdue now, reported and closed this month."""
    since = month_start(now)
    late = Q(status__in=list(OPEN - {Status.SUSPENDED}), step_deadline__lt=now)
    rows = (
        cases.exclude(**{f"{key}__isnull": True})
        .values(key, label)
        .annotate(
            open=Count("pk", filter=Q(status__in=list(OPEN))),
            overdue=Count("pk", filter=late),
            reported=Count("pk", filter=Q(reported_at__gte=since)),
            closed=Count("pk", filter=Q(status=Status.CLOSED, closed_at__gte=since)),
        )
        .order_by("-overdue", "-open")
    )
    return [
        {
            "name": r[label],
            "open": r["open"],
            "overdue": r["overdue"],
            "reported": r["reported"],
            "closed": r["closed"],
        }
        for r in rows
    ]


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    user = _user(request, SUPERVISION_ROLES)
    now = timezone.now()
    mine = visible_cases(user)
    overdue = filter_cases(mine, overdue=True, now=now).order_by("step_deadline")
    supervised = mine.filter(supervised=True, status__in=list(OPEN)).order_by("step_deadline")
    return render(
        request,
        "web/supervision.html",
        {
            "overdue": _rows(overdue, now),
            "overdue_count": overdue.count(),
            "supervised": _rows(supervised, now),
            "areas": summaries(mine, "street__code", "street__name", now),
            "departments": summaries(mine, "department_id", "department__name", now),
            "month_start": month_start(now),
        },
    )
