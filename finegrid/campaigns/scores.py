"""Campaign work as counts evaluation can score: tasks due and ticked off on time, progress,
rectifications done, inspection items passed; per department (the task's lead unit, the site's
responsible unit), for any period.

Every count is decided from dated rows that are never rewritten (acceptance requests and their
decisions, progress reports, item scores) as they stood at the period's end, so recomputing a
closed period gives the same figures whatever happened since. The rules:
- a task is *due* in a period when its deadline falls in it, or fell earlier and the task was not
  yet ticked off when the period began (as a case is "due to close");
- it is *on time* when the owner asked for acceptance by the end of the deadline day and the
  acceptance was decided (accepted) before the period's end; due and not on time is *late*;
- *progress* is the mean, over the leaf tasks in force in the period, of the last reported
  percentage before the period's end (100 once ticked off);
- an inspection item counts where its site's responsible unit answers for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Final

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finegrid.campaigns.models import (
    AcceptanceRequest,
    Decision,
    ItemScore,
    ProgressReport,
    Task,
    TaskKind,
)
from finegrid.evaluation.contributed import Contributed, Counts, register
from finegrid.evaluation.periods import Period
from finegrid.evaluation.subjects import SubjectKind

DEPARTMENT = SubjectKind.DEPARTMENT.value


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _accepted(task_ids: list[int], before: dt.datetime) -> dict[int, AcceptanceRequest]:
    """Each task's accepted request decided before `before` (the first, if several)."""
    rows = AcceptanceRequest.objects.filter(
        task_id__in=task_ids, decision=Decision.ACCEPTED, decided_at__lt=before
    ).order_by("decided_at", "pk")
    found: dict[int, AcceptanceRequest] = {}
    for row in rows:
        found.setdefault(row.task_id, row)
    return found


def _leaves(kind: TaskKind, end: dt.date) -> list[Task]:
    return list(
        Task.objects.filter(kind=kind, children__isnull=True, starts_on__lt=end).only(
            "pk", "lead_unit_id", "deadline", "starts_on"
        )
    )


def _due(kind: TaskKind, period: Period) -> tuple[list[Task], dict[int, AcceptanceRequest]]:
    start, end = _moment(period.start), _moment(period.end)
    tasks = [t for t in _leaves(kind, period.end) if t.deadline < period.end]
    done_before = _accepted([t.pk for t in tasks], start)
    due = [t for t in tasks if t.deadline >= period.start or t.pk not in done_before]
    return due, _accepted([t.pk for t in due], end)


def _on_time(task: Task, accepted: dict[int, AcceptanceRequest]) -> bool:
    request = accepted.get(task.pk)
    return request is not None and request.requested_at < _moment(
        task.deadline + dt.timedelta(days=1)
    )


Members = dict[tuple[str, int], list[int]]


def _members(tasks: list[Task], keep: Callable[[Task], bool]) -> Members:
    """The ids of the kept tasks per subject: what a figure counts, and the list behind it."""
    members: Members = defaultdict(list)
    for task in tasks:
        if keep(task):
            members[(DEPARTMENT, task.lead_unit_id)].append(task.pk)
    return dict(members)


def _counts(members: Members) -> Counts:
    return {key: (len(ids), 0.0) for key, ids in members.items()}


def _task_members(code: str, period: Period) -> Members:
    kind = TaskKind.RECTIFICATION if code.startswith("rectifications") else TaskKind.TASK
    due, accepted = _due(kind, period)
    keep: Callable[[Task], bool] = {
        "campaign_tasks_due": lambda task: True,
        "campaign_tasks_on_time": lambda task: _on_time(task, accepted),
        "campaign_tasks_late": lambda task: not _on_time(task, accepted),
        "rectifications_due": lambda task: True,
        "rectifications_done": lambda task: task.pk in accepted,
    }[code]
    return _members(due, keep)


def tasks_due(period: Period, now: dt.datetime) -> Counts:
    return _counts(_task_members("campaign_tasks_due", period))


def tasks_on_time(period: Period, now: dt.datetime) -> Counts:
    return _counts(_task_members("campaign_tasks_on_time", period))


def tasks_late(period: Period, now: dt.datetime) -> Counts:
    return _counts(_task_members("campaign_tasks_late", period))


def rectifications_due(period: Period, now: dt.datetime) -> Counts:
    return _counts(_task_members("rectifications_due", period))


def rectifications_done(period: Period, now: dt.datetime) -> Counts:
    return _counts(_task_members("rectifications_done", period))


def _in_force(period: Period) -> list[Task]:
    """Leaf tasks started before the period's end and not ticked off before its start."""
    tasks = _leaves(TaskKind.TASK, period.end)
    done_before = _accepted([t.pk for t in tasks], _moment(period.start))
    return [t for t in tasks if t.pk not in done_before]


def task_progress(period: Period, now: dt.datetime) -> Counts:
    """Count: leaf tasks in force; sum: their progress at the period's end, as fractions (0.6)."""
    end = _moment(period.end)
    in_force = _in_force(period)
    ids = [t.pk for t in in_force]
    done = _accepted(ids, end)
    latest: dict[int, int] = {}
    reports = ProgressReport.objects.filter(task_id__in=ids, reported_at__lt=end).order_by(
        "reported_at", "pk"
    )
    for task_id, progress in reports.values_list("task_id", "progress"):
        latest[task_id] = progress
    counts: dict[tuple[str, int], tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    for task in in_force:
        percent = 100 if task.pk in done else latest.get(task.pk, 0)
        n, total = counts[(DEPARTMENT, task.lead_unit_id)]
        counts[(DEPARTMENT, task.lead_unit_id)] = (n + 1, total + percent / 100)
    return dict(counts)


def _score_members(code: str, period: Period) -> Members:
    start, end = _moment(period.start), _moment(period.end)
    scores = ItemScore.objects.filter(scored_at__gte=start, scored_at__lt=end)
    if code == "inspection_passed":
        scores = scores.filter(Q(passed=True))
    members: Members = defaultdict(list)
    for pk, unit_id in scores.values_list("pk", "visit__site__responsible_unit_id"):
        members[(DEPARTMENT, unit_id)].append(pk)
    return dict(members)


def inspection_items(period: Period, now: dt.datetime) -> Counts:
    return _counts(_score_members("inspection_items", period))


def inspection_passed(period: Period, now: dt.datetime) -> Counts:
    return _counts(_score_members("inspection_passed", period))


TASK_CODES: Final = frozenset(
    {
        "campaign_tasks_due",
        "campaign_tasks_on_time",
        "campaign_tasks_late",
        "campaign_progress",
        "rectifications_due",
        "rectifications_done",
    }
)
SCORE_CODES: Final = frozenset({"inspection_items", "inspection_passed"})


def behind(code: str, period: Period, unit_id: int) -> list[int]:
    """The ids of the tasks (or item scores, for inspection codes) one figure counted."""
    key = (DEPARTMENT, unit_id)
    if code in SCORE_CODES:
        return _score_members(code, period).get(key, [])
    if code == "campaign_progress":
        return [t.pk for t in _in_force(period) if t.lead_unit_id == unit_id]
    if code in TASK_CODES:
        return _task_members(code, period).get(key, [])
    raise KeyError(code)


def _behind_url(period: str, kind: SubjectKind, subject_id: int, *, code: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(
            "campaigns-behind", kwargs={"code": code, "period": period, "unit_id": subject_id}
        )
    except NoReverseMatch:
        return ""


def register_measures() -> None:
    departments = frozenset({SubjectKind.DEPARTMENT})
    register(
        Contributed(
            "campaign_tasks_due",
            _("到期专项任务数"),
            _("完成时限在本期内，或此前到期而期初尚未销号的专项任务（末级任务）"),
            departments,
            tasks_due,
            partial(_behind_url, code="campaign_tasks_due"),
        ),
        Contributed(
            "campaign_tasks_on_time",
            _("按期销号任务数"),
            _("到期专项任务中，在完成时限当日结束前申请验收、并在期末前验收销号的任务"),
            departments,
            tasks_on_time,
            partial(_behind_url, code="campaign_tasks_on_time"),
        ),
        Contributed(
            "campaign_tasks_late",
            _("滞后专项任务数"),
            _("到期专项任务中，未按期申请验收或期末前未获验收销号的任务"),
            departments,
            tasks_late,
            partial(_behind_url, code="campaign_tasks_late"),
        ),
        Contributed(
            "campaign_progress",
            _("在推专项任务数（计进度）"),
            _("本期内在推的末级专项任务；平均进度为各任务期末前最后一次报送的进度，已销号计100%"),
            departments,
            task_progress,
            partial(_behind_url, code="campaign_progress"),
        ),
        Contributed(
            "rectifications_due",
            _("到期整改事项数"),
            _("整改时限在本期内，或此前到期而期初尚未销号的督查整改事项"),
            departments,
            rectifications_due,
            partial(_behind_url, code="rectifications_due"),
        ),
        Contributed(
            "rectifications_done",
            _("已整改销号数"),
            _("到期整改事项中，期末前验收销号的事项"),
            departments,
            rectifications_done,
            partial(_behind_url, code="rectifications_done"),
        ),
        Contributed(
            "inspection_items",
            _("督查检查项目数"),
            _("本期督查、暗访、测评中对本单位负责点位的检查项目打分次数"),
            departments,
            inspection_items,
            partial(_behind_url, code="inspection_items"),
        ),
        Contributed(
            "inspection_passed",
            _("督查达标项目数"),
            _("本期督查检查项目中得满分（达标）的次数"),
            departments,
            inspection_passed,
            partial(_behind_url, code="inspection_passed"),
        ),
    )
