"""Reads of campaigns: a task's light by its milestones, a plan's board, my tasks, the supervision
list, the acceptance queue and the tick-off ledger."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from finegrid.campaigns import access
from finegrid.campaigns.models import (
    AcceptanceRequest,
    Decision,
    Milestone,
    NoticeStatus,
    Plan,
    SupervisionNotice,
    Task,
    TaskStatus,
)
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role, roles_of

#: A milestone or deadline this close, not yet reached, puts a task at risk.
AT_RISK_DAYS: Final = 7
#: Progress this many points behind the straight line between milestones puts a task at risk.
LAG_POINTS: Final = 15


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(LIGHT_LABELS[self])


LIGHT_LABELS: Final = {
    Light.GREEN: _("正常推进"),
    Light.YELLOW: _("存在风险"),
    Light.RED: _("已滞后"),
    Light.DONE: _("已销号"),
}


@dataclass(frozen=True)
class Standing:
    """Where a task stands on a day: its light, the progress expected by now, and why."""

    light: Light
    expected: int
    reason: str
    next_due: dt.date | None


def _steps(task: Task, milestones: Sequence[Milestone]) -> list[tuple[dt.date, int, str]]:
    steps = [(m.due_on, m.progress, m.title) for m in milestones]
    steps.append((task.deadline, 100, str(_("完成时限"))))
    return sorted(steps)


def standing(
    task: Task,
    *,
    today: dt.date,
    milestones: Sequence[Milestone] | None = None,
    requested_on: dt.date | None = None,
) -> Standing:
    """Green on track, yellow at risk, red late, by the task's milestones and deadline.

    Red: a milestone (or the deadline) has passed with progress below what it asked for.
    Yellow: the next unmet one is due within AT_RISK_DAYS, or progress lags the straight line
    between milestones by LAG_POINTS or more. A task awaiting acceptance is judged by the day the
    owner asked (`requested_on`): asked in time is not late, however long the acceptor takes.
    """
    if task.status == TaskStatus.TICKED_OFF:
        return Standing(Light.DONE, 100, str(_("已验收销号")), None)
    if milestones is None:
        milestones = list(task.milestones.all())
    steps = _steps(task, milestones)
    progress = task.progress
    if task.status == TaskStatus.AWAITING_ACCEPTANCE:
        progress = 100
        if requested_on is not None and requested_on > task.deadline:
            return Standing(Light.RED, 100, str(_("超过完成时限才申请验收")), None)
        return Standing(Light.GREEN, 100, str(_("已申请验收，等待验收")), None)
    for due_on, wanted, title in steps:
        if due_on < today and progress < wanted:
            return Standing(
                Light.RED,
                wanted,
                str(
                    _("“%(title)s”应于%(due)s达到%(wanted)d%%，现为%(progress)d%%")
                    % {"title": title, "due": due_on, "wanted": wanted, "progress": progress}
                ),
                due_on,
            )
    upcoming = [(due_on, wanted, title) for due_on, wanted, title in steps if due_on >= today]
    previous_day, previous_wanted = task.starts_on, 0
    for due_on, wanted, _title in steps:
        if due_on < today:
            previous_day, previous_wanted = due_on, wanted
    if not upcoming:
        return Standing(Light.GREEN, previous_wanted, "", None)
    due_on, wanted, title = upcoming[0]
    span = max((due_on - previous_day).days, 1)
    elapsed = min(max((today - previous_day).days, 0), span)
    expected = round(previous_wanted + (wanted - previous_wanted) * elapsed / span)
    if progress < wanted and (due_on - today).days <= AT_RISK_DAYS:
        reason = _("“%(title)s”将于%(due)s到期，应达%(wanted)d%%，现为%(progress)d%%") % {
            "title": title,
            "due": due_on,
            "wanted": wanted,
            "progress": progress,
        }
        return Standing(Light.YELLOW, expected, str(reason), due_on)
    if expected - progress >= LAG_POINTS:
        reason = _("按节点此时应达约%(expected)d%%，现为%(progress)d%%") % {
            "expected": expected,
            "progress": progress,
        }
        return Standing(Light.YELLOW, expected, str(reason), due_on)
    return Standing(Light.GREEN, expected, "", due_on)


def light_of(task: Task, *, today: dt.date) -> Light:
    return standing(task, today=today).light


@dataclass
class BoardRow:
    task: Task
    depth: int
    standing: Standing
    milestones: list[Milestone]
    open_notices: int


@dataclass
class Board:
    plan: Plan
    today: dt.date
    rows: list[BoardRow]
    counts: Counter[Light] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return len(self.rows)


def _requested_on(tasks: Sequence[Task]) -> dict[int, dt.date]:
    from django.utils import timezone

    rows = AcceptanceRequest.objects.filter(
        task__in=[t.pk for t in tasks], decision=""
    ).values_list("task_id", "requested_at")
    return {task_id: timezone.localdate(at) for task_id, at in rows}


def task_rows(tasks: Sequence[Task], *, today: dt.date) -> list[BoardRow]:
    """Standings of many tasks in three queries (milestones, open notices, pending requests)."""
    ids = [t.pk for t in tasks]
    milestones: dict[int, list[Milestone]] = {}
    for milestone in Milestone.objects.filter(task__in=ids).order_by("due_on", "pk"):
        milestones.setdefault(milestone.task_id, []).append(milestone)
    notices = Counter(
        SupervisionNotice.objects.filter(
            task__in=ids, status=NoticeStatus.AWAITING_REPLY
        ).values_list("task_id", flat=True)
    )
    requested = _requested_on(tasks)
    depth = {t.pk: t.number.count(".") for t in tasks}
    floor = min(depth.values(), default=0)
    return [
        BoardRow(
            task=task,
            depth=depth[task.pk] - floor,
            standing=standing(
                task,
                today=today,
                milestones=milestones.get(task.pk, []),
                requested_on=requested.get(task.pk),
            ),
            milestones=milestones.get(task.pk, []),
            open_notices=notices.get(task.pk, 0),
        )
        for task in tasks
    ]


def _number_key(task: Task) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in task.number.split("."))


def plan_board(plan: Plan, *, today: dt.date, light: Light | None = None) -> Board:
    """Every task of the plan in list order (1, 1.1, 1.1.1, 1.2, 2 ...) with its light."""
    tasks = sorted(
        plan.tasks.select_related("lead_unit", "responsible", "category", "area", "parent"),
        key=_number_key,
    )
    rows = task_rows(tasks, today=today)
    board = Board(plan=plan, today=today, rows=rows, counts=Counter(r.standing.light for r in rows))
    if light is not None:
        board.rows = [row for row in rows if row.standing.light == light]
    return board


def visible_plans(user: User) -> QuerySet[Plan]:
    """Plan managers see every plan; others, the plans with a task of theirs or of their unit."""
    if access.can_manage_plans(user) or access.has_any(user, frozenset({Role.SHIFT_LEADER})):
        return Plan.objects.all()
    return Plan.objects.filter(_owned(user, prefix="tasks__")).distinct()


def _owned(user: User, *, prefix: str = "") -> Q:
    condition = Q(**{f"{prefix}responsible": user})
    if user.unit_id is not None:
        condition |= Q(**{f"{prefix}lead_unit_id": user.unit_id})
    return condition


def my_tasks(user: User, *, today: dt.date) -> list[BoardRow]:
    """The open tasks the user answers for, personally or through their unit, soonest first."""
    tasks = list(
        Task.objects.filter(_owned(user))
        .exclude(status=TaskStatus.TICKED_OFF)
        .select_related("plan", "lead_unit", "responsible", "category")
        .order_by("deadline", "plan_id", "number")
    )
    return task_rows(tasks, today=today)


def can_see_task(user: User, task: Task) -> bool:
    if access.can_manage_plans(user) or access.has_any(user, frozenset({Role.SHIFT_LEADER})):
        return True
    if task.responsible_id == user.pk or (user.unit_id and task.lead_unit_id == user.unit_id):
        return True
    unit_id = user.unit_id
    return unit_id is not None and task.co_units.filter(pk=unit_id).exists()


def supervision_list(user: User, *, status: str = "") -> QuerySet[SupervisionNotice]:
    """Notices the user issued or may follow (the centre and leaders: all), or must answer."""
    notices = SupervisionNotice.objects.select_related(
        "task", "task__plan", "task__lead_unit", "task__responsible", "issued_by", "replied_by"
    )
    if not (access.can_supervise(user) or access.can_manage_plans(user)):
        notices = notices.filter(_owned(user, prefix="task__"))
    if status:
        notices = notices.filter(status=status)
    return notices.order_by("status", "reply_due", "-pk")


def acceptance_queue(user: User) -> list[AcceptanceRequest]:
    """Requests waiting for a decision that this user may decide (never their own unit's)."""
    if not access.can_accept(user):
        return []
    requests = (
        AcceptanceRequest.objects.filter(decision="")
        .select_related("task", "task__plan", "task__lead_unit", "requested_by")
        .order_by("requested_at")
    )
    return [
        r
        for r in requests
        if r.task.responsible_id != user.pk
        and r.requested_by_id != user.pk
        and (user.unit_id is None or r.task.lead_unit_id != user.unit_id)
    ]


def tick_off_ledger(plan: Plan) -> QuerySet[AcceptanceRequest]:
    """Who ticked off what, when, on what evidence: the accepted requests of the plan."""
    return (
        AcceptanceRequest.objects.filter(task__plan=plan, decision=Decision.ACCEPTED)
        .select_related("task", "requested_by", "decided_by")
        .prefetch_related("files")
        .order_by("-decided_at")
    )


def default_responsible(unit: Unit) -> User | None:
    """Who answers for a unit's tasks by default: its department admin, else a handler, else anyone."""
    members = list(unit.members.filter(is_active=True).order_by("pk"))
    for wanted in (Role.DEPARTMENT_ADMIN, Role.HANDLER):
        for member in members:
            if wanted in roles_of(member):
                return member
    return members[0] if members else None
