"""Reads of cases that pages and the API share: filtering a list, the actions open to a user, and
the light of a step. Who may see which case is decided in `access`; these narrow what it allows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from finegrid.cases.access import check_action_scope, scope_of
from finegrid.cases.models import Case
from finegrid.cases.workflow import (
    OPEN,
    TERMINAL,
    Action,
    ActionNotPermitted,
    Status,
    allowed_actions,
    role_for,
    transition_for,
)
from finegrid.org.models import User
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import Light


def filter_cases(
    cases: QuerySet[Case],
    *,
    status: Iterable[str] = (),
    source: str | None = None,
    category_id: int | None = None,
    area: str | None = None,
    grid: str | None = None,
    department_id: int | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    text: str | None = None,
    reported_from: dt.date | None = None,
    reported_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The cases matching every filter given; `overdue` means past the current step's deadline."""
    statuses = list(status)
    if statuses:
        cases = cases.filter(status__in=statuses)
    if source:
        cases = cases.filter(source=source)
    if category_id is not None:
        cases = cases.filter(category_id=category_id)
    if area:
        cases = cases.filter(area_code__startswith=area)
    if grid:
        cases = cases.filter(grid__code=grid)
    if department_id is not None:
        cases = cases.filter(department_id=department_id)
    if overdue is not None:
        late = Q(
            status__in=list(OPEN - {Status.SUSPENDED}), step_deadline__lt=now or timezone.now()
        )
        cases = cases.filter(late) if overdue else cases.exclude(late)
    if supervised is not None:
        cases = cases.filter(supervised=supervised)
    if text and text.strip():
        words = text.strip()
        cases = cases.filter(
            Q(case_no=words) | Q(description__icontains=words) | Q(address__icontains=words)
        )
    if reported_from:
        cases = cases.filter(reported_at__date__gte=reported_from)
    if reported_to:
        cases = cases.filter(reported_at__date__lte=reported_to)
    return cases


def actions_available(user: User, case: Case) -> list[Action]:
    """Exactly the actions this user may take on this case now: role and scope both checked."""
    scope = scope_of(user)
    available = []
    for action in allowed_actions(case.status_enum, scope.roles):
        role = role_for(transition_for(case.status_enum, action), action, scope.roles)
        try:
            check_action_scope(user=user, case=case, action=action, role=role, scope=scope)
        except ActionNotPermitted:
            continue
        available.append(action)
    return available


def step_light(case: Case, now: dt.datetime | None = None) -> Light | None:
    """红黄绿灯 of the current step; None when no clock runs (closed, suspended, no limit)."""
    if case.status_enum in TERMINAL or case.status_enum == Status.SUSPENDED:
        return None
    if case.step_deadline is None:
        return None
    if case.step_deadline <= case.step_started_at:
        return "red"  # the step began already late (signed for after the disposal deadline)
    return worktime.traffic_light(
        case.step_started_at,
        case.step_deadline,
        now or timezone.now(),
        unit=case.step_unit or "working_hours",
    )
