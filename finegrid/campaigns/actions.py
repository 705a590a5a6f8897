"""The only code that writes plans, tasks, pledges, progress reports, supervision notices and
acceptances: 清单式管理、跟踪式推动、销号式验收.

Each action takes the acting user, checks their right to act, validates every value before writing,
and writes in one transaction with a `TaskEvent` appended to the task's hash chain; notifications
are queued after commit. A refusal raises a `CampaignError` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.campaigns import access
from finegrid.campaigns.errors import InvalidInput, NotAllowed, WrongState
from finegrid.campaigns.models import (
    AcceptanceRequest,
    Decision,
    Milestone,
    NoticeStatus,
    Plan,
    PlanCategory,
    PlanKind,
    Pledge,
    ProgressReport,
    ReportCycle,
    SupervisionNotice,
    TargetOperator,
    Task,
    TaskAction,
    TaskEvent,
    TaskFile,
    TaskKind,
    TaskStatus,
)
from finegrid.geo.models import Area, Grid
from finegrid.org.models import Unit, User

#: Largest attachment accepted with a report, reply or acceptance request.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Documents accepted as evidence besides photos, recognised by their first bytes.
DOCUMENT_SIGNATURES = {b"%PDF-": "application/pdf", b"PK\x03\x04": "application/zip"}


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_on: dt.date
    progress: int


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


# --- the event chain --------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def event_hash(
    *, task_id: int, seq: int, action: str, actor_id: int | None, at: dt.datetime, note: str,
    data: dict[str, Any], prev_hash: str,
) -> str:  # fmt: skip
    body = _canonical(
        {
            "task": task_id,
            "seq": seq,
            "action": action,
            "actor": actor_id,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "note": note,
            "data": data,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _record(
    task: Task,
    action: TaskAction,
    *,
    actor: User | None,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TaskEvent:
    assert transaction.get_connection().in_atomic_block, "_record runs inside an action"
    data = data or {}
    last = TaskEvent.objects.filter(task=task).order_by("-seq").first()
    seq = last.seq + 1 if last else 1
    prev = last.hash if last else ""
    return TaskEvent.objects.create(
        task=task,
        seq=seq,
        action=action,
        actor=actor,
        at=at,
        note=note,
        data=data,
        prev_hash=prev,
        hash=event_hash(
            task_id=task.pk,
            seq=seq,
            action=action.value,
            actor_id=actor.pk if actor else None,
            at=at,
            note=note,
            data=json.loads(_canonical(data)),
            prev_hash=prev,
        ),
    )


def verify_chain(task: Task) -> list[int]:
    """The sequence numbers of the task's events whose hash or link does not match (empty: intact)."""
    broken: list[int] = []
    prev = ""
    for event in TaskEvent.objects.filter(task=task).order_by("seq"):
        expected = event_hash(
            task_id=task.pk,
            seq=event.seq,
            action=event.action,
            actor_id=event.actor_id,
            at=event.at,
            note=event.note,
            data=event.data,
            prev_hash=prev,
        )
        if event.prev_hash != prev or event.hash != expected:
            broken.append(event.seq)
        prev = event.hash
    return broken


# --- helpers ----------------------------------------------------------------------------------


def _require(user: User, allowed: frozenset[Any], what: str) -> None:
    if not access.has_any(user, allowed):
        raise NotAllowed(_("您的岗位不能%(what)s") % {"what": what})


def is_owner(user: User, task: Task) -> bool:
    """The responsible person, or a member of the lead unit: those who do the work."""
    return user.pk == task.responsible_id or (
        user.unit_id is not None and user.unit_id == task.lead_unit_id
    )


def _require_owner(user: User, task: Task, what: str) -> None:
    if not is_owner(user, task):
        raise NotAllowed(
            _("只有任务的责任人或牵头单位才能%(what)s（任务 %(number)s）")
            % {"what": what, "number": task.number}
        )


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _content_type(upload: Upload) -> str:
    """What an attachment is, by its content: a photo, a PDF or an Office file; refused otherwise."""
    from finegrid.cases.errors import InvalidInput as PhotoRefused
    from finegrid.cases.photos import Photo, check_photo

    content_type = _document_type(upload)
    if content_type is not None:
        return content_type
    try:
        extension = check_photo(Photo(upload.name, upload.content))
    except PhotoRefused as exc:
        raise InvalidInput(
            _("“%(name)s”不是照片、PDF或Office文档：%(reason)s")
            % {"name": upload.name, "reason": exc.message},
            field="files",
        ) from None
    return f"image/{extension.replace('jpg', 'jpeg')}"


def _check_files(uploads: Sequence[Upload]) -> None:
    """Refuse a bad attachment before anything is written."""
    for upload in uploads:
        _content_type(upload)


def _store_files(
    task: Task,
    uploads: Sequence[Upload],
    *,
    report: ProgressReport | None = None,
    acceptance: AcceptanceRequest | None = None,
    notice: SupervisionNotice | None = None,
) -> list[TaskFile]:
    stored: list[TaskFile] = []
    for upload in uploads:
        digest = hashlib.sha256(upload.content).hexdigest()
        row = TaskFile(
            task=task,
            report=report,
            acceptance=acceptance,
            notice=notice,
            name=upload.name[:200],
            content_type=_content_type(upload),
            size=len(upload.content),
            sha256=digest,
        )
        row.file.save(f"{digest[:16]}-{upload.name[-60:]}", ContentFile(upload.content), save=False)
        row.save()
        stored.append(row)
    return stored


def _document_type(upload: Upload) -> str | None:
    if len(upload.content) > MAX_FILE_BYTES:
        raise InvalidInput(
            _("附件“%(name)s”超过%(mb)d MB的上限")
            % {"name": upload.name, "mb": MAX_FILE_BYTES // (1024 * 1024)},
            field="files",
        )
    for signature, content_type in DOCUMENT_SIGNATURES.items():
        if upload.content.startswith(signature):
            return content_type
    return None


def _notify(task: Task, recipients: Iterable[User], subject: str, body: str, origin: str) -> None:
    from finegrid.notifications.models import Channel, MessageKind
    from finegrid.notifications.outbox import Notice, queue
    from finegrid.notifications.rules import Recipient

    people = [user for user in recipients if user is not None and user.is_active]
    if not people:
        return
    notice = Notice(kind=MessageKind.CAMPAIGN, subject=subject, body=body)
    transaction.on_commit(
        lambda: queue(
            notice=notice,
            recipients=[Recipient(Channel.IN_APP, user=user) for user in people],
            origin=origin,
        )
    )


# --- plans ------------------------------------------------------------------------------------


def create_plan(
    *,
    actor: User,
    title: str,
    issuer: str,
    starts_on: dt.date,
    ends_on: dt.date,
    document_no: str = "",
    issuer_unit: Unit | None = None,
    report_cycle: ReportCycle | str = ReportCycle.MONTHLY,
    description: str = "",
    kind: PlanKind | str = PlanKind.ACTION_PLAN,
    at: dt.datetime | None = None,
) -> Plan:
    """A new plan; rectification lists are opened by whoever scores an inspection."""
    if kind == PlanKind.RECTIFICATION:
        _require(actor, access.PLAN_ROLES | access.SCORE_ROLES, _("建立整改清单"))
    else:
        _require(actor, access.PLAN_ROLES, _("制定行动计划"))
    title = _text(title, "title", _("请填写计划标题"))
    issuer = _text(issuer, "issuer", _("请填写印发机关"))
    if ends_on < starts_on:
        raise InvalidInput(_("计划的结束日期不能早于开始日期"), field="ends_on")
    if report_cycle not in ReportCycle.values:
        raise InvalidInput(_("未知的进度报送周期：%(value)s") % {"value": report_cycle})
    return Plan.objects.create(
        kind=kind,
        title=title,
        issuer=issuer,
        issuer_unit=issuer_unit,
        document_no=document_no.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        report_cycle=report_cycle,
        description=description.strip(),
        created_by=actor,
    )


def add_category(*, actor: User, plan: Plan, name: str, number: int | None = None) -> PlanCategory:
    _require(actor, access.PLAN_ROLES, _("制定行动计划"))
    name = _text(name, "name", _("请填写类别名称"))
    if number is None:
        number = (plan.categories.aggregate(n=Max("number"))["n"] or 0) + 1
    if plan.categories.filter(number=number).exists():
        raise InvalidInput(
            _("计划中已有序号为%(number)d的类别") % {"number": number}, field="number"
        )
    return PlanCategory.objects.create(plan=plan, number=number, name=name)


def _next_number(plan: Plan, parent: Task | None, category: PlanCategory | None) -> str:
    if parent is not None:
        siblings = list(parent.children.values_list("number", flat=True))
        prefix = f"{parent.number}."
    elif category is not None:
        siblings = list(
            plan.tasks.filter(category=category, parent=None).values_list("number", flat=True)
        )
        prefix = f"{category.number}."
    else:
        siblings = list(plan.tasks.filter(parent=None).values_list("number", flat=True))
        prefix = ""
    used = [int(n.rsplit(".", 1)[-1]) for n in siblings if n.rsplit(".", 1)[-1].isdigit()]
    return f"{prefix}{max(used, default=0) + 1}"


def check_task(
    *,
    plan: Plan,
    title: str,
    lead_unit: Unit | None,
    responsible: User | None,
    deadline: dt.date | None,
    starts_on: dt.date | None,
    parent: Task | None = None,
    target_operator: str = "",
    target_value: Decimal | None = None,
    milestones: Sequence[MilestoneInput] = (),
) -> list[str]:
    """Every problem with a task's values, each a sentence; empty when the task can be added.

    Spreadsheet imports call this for every row before writing anything.
    """
    problems: list[str] = []
    if not (title or "").strip():
        problems.append(_("任务名称不能为空"))
    if lead_unit is None:
        problems.append(_("任务必须有牵头单位"))
    if responsible is None:
        problems.append(_("任务必须有责任人"))
    elif not responsible.is_active:
        problems.append(_("责任人%(name)s的账号已停用") % {"name": responsible})
    if deadline is None:
        problems.append(_("任务必须有完成时限"))
    else:
        if deadline > plan.ends_on:
            problems.append(
                _("完成时限%(deadline)s晚于计划结束日期%(end)s")
                % {"deadline": deadline, "end": plan.ends_on}
            )
        start = starts_on or plan.starts_on
        if start < plan.starts_on:
            problems.append(
                _("开始日期%(start)s早于计划开始日期%(plan)s")
                % {"start": start, "plan": plan.starts_on}
            )
        if deadline < start:
            problems.append(_("完成时限不能早于开始日期"))
        if parent is not None and deadline > parent.deadline:
            problems.append(
                _("子任务的完成时限%(deadline)s晚于上级任务的%(parent)s")
                % {"deadline": deadline, "parent": parent.deadline}
            )
        last = 0
        for milestone in sorted(milestones, key=lambda m: m.due_on):
            if not milestone.title.strip():
                problems.append(_("节点名称不能为空"))
            if not start <= milestone.due_on <= deadline:
                problems.append(
                    _("节点“%(title)s”的时限%(due)s不在任务的起止日期内")
                    % {"title": milestone.title, "due": milestone.due_on}
                )
            if not 0 <= milestone.progress <= 100 or milestone.progress < last:
                problems.append(
                    _("节点“%(title)s”的应达进度应在0到100之间，且不低于之前的节点")
                    % {"title": milestone.title}
                )
            last = max(last, milestone.progress)
    if parent is not None:
        if parent.plan_id != plan.pk:
            problems.append(_("上级任务不属于本计划"))
        elif parent.status == TaskStatus.TICKED_OFF:
            problems.append(_("上级任务%(number)s已销号，不能再分解") % {"number": parent.number})
    if target_value is not None and target_operator not in TargetOperator.values:
        problems.append(_("有目标值时须指明“≥”或“≤”"))
    return problems


def add_task(
    *,
    actor: User,
    plan: Plan,
    title: str,
    lead_unit: Unit | None,
    responsible: User | None,
    deadline: dt.date | None,
    starts_on: dt.date | None = None,
    number: str = "",
    category: PlanCategory | None = None,
    parent: Task | None = None,
    description: str = "",
    co_units: Iterable[Unit] = (),
    area: Area | None = None,
    grid: Grid | None = None,
    target_text: str = "",
    target_operator: str = "",
    target_value: Decimal | None = None,
    target_unit: str = "",
    milestones: Sequence[MilestoneInput] = (),
    kind: TaskKind | str = TaskKind.TASK,
    finding: Any = None,
    case: Any = None,
    at: dt.datetime | None = None,
) -> Task:
    """A task of the plan (or a sub-task of `parent`: per district, street or grid, to any depth)."""
    if kind == TaskKind.RECTIFICATION and finding is not None:
        _require(actor, access.PLAN_ROLES | access.SCORE_ROLES, _("登记整改事项"))
    else:
        _require(actor, access.PLAN_ROLES, _("下达任务"))
    problems = check_task(
        plan=plan,
        title=title,
        lead_unit=lead_unit,
        responsible=responsible,
        deadline=deadline,
        starts_on=starts_on,
        parent=parent,
        target_operator=target_operator,
        target_value=target_value,
        milestones=milestones,
    )
    if problems:
        raise InvalidInput("；".join(problems))
    assert lead_unit is not None
    assert responsible is not None
    assert deadline is not None
    if category is not None and category.plan_id != plan.pk:
        raise InvalidInput(_("类别不属于本计划"), field="category")
    if parent is not None and category is None:
        category = parent.category
    at = at or timezone.now()
    number = number.strip() or _next_number(plan, parent, category)
    with transaction.atomic():
        if plan.tasks.filter(number=number).exists():
            raise InvalidInput(
                _("计划中已有编号为%(number)s的任务") % {"number": number}, field="number"
            )
        task = Task.objects.create(
            plan=plan,
            category=category,
            parent=parent,
            kind=kind,
            number=number,
            title=title.strip(),
            description=description.strip(),
            lead_unit=lead_unit,
            responsible=responsible,
            area=area,
            grid=grid,
            target_text=target_text.strip(),
            target_operator=target_operator if target_value is not None else "",
            target_value=target_value,
            target_unit=target_unit.strip(),
            starts_on=starts_on or plan.starts_on,
            deadline=deadline,
            finding=finding,
            case=case,
        )
        task.co_units.set([unit for unit in co_units if unit.pk != lead_unit.pk])
        Milestone.objects.bulk_create(
            Milestone(task=task, title=m.title.strip(), due_on=m.due_on, progress=m.progress)
            for m in milestones
        )
        # A new sub-task at 0 % lowers its parent's share of the work done.
        _roll_up(parent)
        _record(
            task,
            TaskAction.CREATE,
            actor=actor,
            at=at,
            note=task.title,
            data={
                "number": number,
                "lead_unit": lead_unit.pk,
                "responsible": responsible.pk,
                "deadline": deadline.isoformat(),
                "parent": parent.pk if parent else None,
                "case": getattr(case, "pk", None),
            },
        )
        _notify(
            task,
            [responsible],
            _("新任务：%(number)s %(title)s") % {"number": number, "title": task.title},
            _("《%(plan)s》下达任务“%(title)s”，完成时限%(deadline)s。")
            % {"plan": plan.title, "title": task.title, "deadline": deadline},
            f"task-create:{task.pk}",
        )
    return task


def reassign_task(*, actor: User, task: Task, responsible: User, note: str = "") -> Task:
    """Name another responsible person (a plan manager's decision, recorded)."""
    _require(actor, access.PLAN_ROLES, _("调整责任人"))
    if not responsible.is_active:
        raise InvalidInput(_("责任人%(name)s的账号已停用") % {"name": responsible})
    with transaction.atomic():
        before = task.responsible_id
        _compare_and_set(task, responsible=responsible)
        _record(
            task,
            TaskAction.REASSIGN,
            actor=actor,
            at=timezone.now(),
            note=note.strip(),
            data={"from": before, "to": responsible.pk},
        )
    return task


def record_pledge(
    *,
    actor: User,
    plan: Plan,
    unit: Unit,
    signatory: str,
    signed_on: dt.date,
    scan: Upload | None = None,
    at: dt.datetime | None = None,
) -> Pledge:
    """目标责任书: record that a unit signed its targets under the plan."""
    _require(actor, access.PLAN_ROLES, _("登记目标责任书"))
    signatory = _text(signatory, "signatory", _("请填写签订人"))
    at = at or timezone.now()
    if signed_on > timezone.localdate(at):
        raise InvalidInput(_("签订日期不能晚于今天"), field="signed_on")
    if scan is not None:
        _check_files([scan])
    try:
        with transaction.atomic():
            pledge = Pledge.objects.create(
                plan=plan,
                unit=unit,
                signatory=signatory,
                signed_on=signed_on,
                recorded_by=actor,
                recorded_at=at,
            )
            if scan is not None:
                pledge.file.save(scan.name[-80:], ContentFile(scan.content), save=True)
    except IntegrityError:
        raise WrongState(
            _("%(unit)s已签订本计划的目标责任书") % {"unit": unit}, field="unit"
        ) from None
    return pledge


# --- tracking ---------------------------------------------------------------------------------


def _compare_and_set(task: Task, **changes: Any) -> None:
    """Write `changes` only if nobody changed the task since it was read; bump its version."""
    rows = Task.objects.filter(pk=task.pk, version=task.version).update(
        version=F("version") + 1, **changes
    )
    if rows != 1:
        raise WrongState(_("任务 %(number)s 已被他人更新，请刷新后重试") % {"number": task.number})
    for name, value in changes.items():
        setattr(task, name, value)
    task.version += 1


def report_progress(
    *,
    actor: User,
    task: Task,
    progress: int,
    text: str,
    value: Decimal | None = None,
    files: Sequence[Upload] = (),
    at: dt.datetime | None = None,
) -> ProgressReport:
    """The owner reports where the task stands: per cent done, the figure against the target, words."""
    _require_owner(actor, task, _("报送进度"))
    if task.status == TaskStatus.TICKED_OFF:
        raise WrongState(_("任务 %(number)s 已销号，无需再报送进度") % {"number": task.number})
    if task.children.exists():
        raise WrongState(
            _("任务 %(number)s 已分解，进度由子任务汇总，请在子任务上报送")
            % {"number": task.number}
        )
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise InvalidInput(_("完成进度应为0到100之间的整数"), field="progress")
    text = _text(text, "text", _("请填写进展情况"))
    _check_files(files)
    at = at or timezone.now()
    with transaction.atomic():
        _compare_and_set(task, progress=progress, current_value=value, last_reported_at=at)
        report = ProgressReport.objects.create(
            task=task, reported_by=actor, reported_at=at, progress=progress, value=value, text=text
        )
        stored = _store_files(task, files, report=report)
        _record(
            task,
            TaskAction.REPORT,
            actor=actor,
            at=at,
            note=text,
            data={
                "progress": progress,
                "value": None if value is None else str(value),
                "files": [f.sha256 for f in stored],
            },
        )
        _roll_up(task.parent)
    return report


def _roll_up(parent: Task | None) -> None:
    """A parent's progress is the mean of its sub-tasks' (a ticked-off sub-task counts as 100)."""
    while parent is not None:
        children = list(parent.children.values_list("status", "progress"))
        share = [
            100 if status == TaskStatus.TICKED_OFF else progress for status, progress in children
        ]
        mean = round(sum(share) / len(share)) if share else parent.progress
        # Derived, not a decision: no version bump, so it never makes someone's form stale.
        Task.objects.filter(pk=parent.pk).update(progress=mean)
        parent = parent.parent


def report_due(task: Task, *, today: dt.date) -> dt.date:
    """The day the next progress report is due: one cycle after the last report (or the start)."""
    cycle = ReportCycle(task.plan.report_cycle).days
    last = timezone.localdate(task.last_reported_at) if task.last_reported_at else task.starts_on
    return last + dt.timedelta(days=cycle)


def chase_missing_reports(*, now: dt.datetime | None = None) -> list[int]:
    """Remind the owner of every open leaf task whose report is overdue; once a day per task.

    The ids of the tasks chased. Safe to run as often as one likes.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    chased: list[int] = []
    candidates = (
        Task.objects.filter(
            status=TaskStatus.OPEN,
            children__isnull=True,
            plan__starts_on__lte=today,
            plan__ends_on__gte=today,
            starts_on__lte=today,
        )
        .select_related("plan", "responsible")
        .order_by("pk")
    )
    for task in candidates:
        due = report_due(task, today=today)
        if due >= today:
            continue
        if task.last_chased_at is not None and timezone.localdate(task.last_chased_at) == today:
            continue
        with transaction.atomic():
            rows = Task.objects.filter(pk=task.pk, version=task.version).update(
                last_chased_at=now, version=F("version") + 1
            )
            if rows != 1:
                continue  # someone reported or changed it meanwhile; the next run looks again
            days = (today - due).days
            _record(
                task,
                TaskAction.CHASE,
                actor=None,
                at=now,
                note=_("进度报送已逾期%(days)d天") % {"days": days},
                data={"due": due.isoformat()},
            )
            _notify(
                task,
                [task.responsible],
                _("催报：%(number)s %(title)s") % {"number": task.number, "title": task.title},
                _("任务“%(title)s”的进度应于%(due)s前报送，已逾期%(days)d天，请尽快报送。")
                % {"title": task.title, "due": due, "days": days},
                f"task-chase:{task.pk}:{today.isoformat()}",
            )
        chased.append(task.pk)
    return chased


def chase_unanswered_notices(*, now: dt.datetime | None = None) -> list[int]:
    """Remind the owner of every supervision notice past its reply deadline, once a day each;
    the ids of the notices chased."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    chased: list[int] = []
    overdue = (
        SupervisionNotice.objects.filter(status=NoticeStatus.AWAITING_REPLY, reply_due__lt=now)
        .select_related("task", "task__responsible")
        .order_by("pk")
    )
    for notice in overdue:
        task = notice.task
        origin = f"notice-chase:{notice.pk}:{today.isoformat()}"
        if TaskEvent.objects.filter(
            task=task, action=TaskAction.CHASE, data__notice=notice.number, at__date=today
        ).exists():
            continue
        with transaction.atomic():
            _record(
                task,
                TaskAction.CHASE,
                actor=None,
                at=now,
                note=_("督办单%(number)s已超过回复时限") % {"number": notice.number},
                data={"notice": notice.number},
            )
            _notify(
                task,
                [task.responsible],
                _("督办单 %(number)s 逾期未回复") % {"number": notice.number},
                _("督办单 %(number)s 应于%(due)s前回复，请尽快回复：%(reason)s")
                % {
                    "number": notice.number,
                    "due": timezone.localtime(notice.reply_due).strftime("%Y-%m-%d %H:%M"),
                    "reason": notice.reason,
                },
                origin,
            )
        chased.append(notice.pk)
    return chased


# --- supervision ------------------------------------------------------------------------------


def _next_notice_number(year: int) -> str:
    prefix = f"督办〔{year}〕"
    numbers = SupervisionNotice.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    used = [int(n[len(prefix) : -1]) for n in numbers if n[len(prefix) : -1].isdigit()]
    return f"{prefix}{max(used, default=0) + 1}号"


def issue_notice(
    *,
    actor: User,
    task: Task,
    reason: str,
    reply_due: dt.datetime,
    at: dt.datetime | None = None,
) -> SupervisionNotice:
    """督办单: tell the task's owner to act and to reply by `reply_due`."""
    _require(actor, access.SUPERVISE_ROLES, _("督办"))
    if is_owner(actor, task):
        raise NotAllowed(_("不能督办本单位自己的任务"))
    if task.status == TaskStatus.TICKED_OFF:
        raise WrongState(_("任务 %(number)s 已销号，无需督办") % {"number": task.number})
    reason = _text(reason, "reason", _("请填写督办事项"))
    at = at or timezone.now()
    if reply_due <= at:
        raise InvalidInput(_("回复时限必须晚于督办时间"), field="reply_due")
    with transaction.atomic():
        notice = None
        for _attempt in range(3):  # two notices issued at once: the later takes the next number
            try:
                with transaction.atomic():
                    notice = SupervisionNotice.objects.create(
                        number=_next_notice_number(timezone.localdate(at).year),
                        task=task,
                        issued_by=actor,
                        issued_at=at,
                        reason=reason,
                        reply_due=reply_due,
                    )
                break
            except IntegrityError:
                continue
        if notice is None:
            raise WrongState(_("督办单号冲突，请重试"))
        _record(
            task,
            TaskAction.SUPERVISE,
            actor=actor,
            at=at,
            note=reason,
            data={"notice": notice.number, "reply_due": reply_due.isoformat()},
        )
        _notify(
            task,
            [task.responsible],
            _("督办单 %(number)s：%(title)s") % {"number": notice.number, "title": task.title},
            _("请于%(due)s前回复：%(reason)s")
            % {"due": timezone.localtime(reply_due).strftime("%Y-%m-%d %H:%M"), "reason": reason},
            f"notice:{notice.pk}",
        )
    return notice


def reply_notice(
    *,
    actor: User,
    notice: SupervisionNotice,
    reply: str,
    files: Sequence[Upload] = (),
    at: dt.datetime | None = None,
) -> SupervisionNotice:
    """The owner's reply to a notice; a reply after the deadline is kept and flagged late."""
    task = notice.task
    _require_owner(actor, task, _("回复督办单"))
    reply = _text(reply, "reply", _("请填写回复内容"))
    _check_files(files)
    at = at or timezone.now()
    with transaction.atomic():
        rows = SupervisionNotice.objects.filter(
            pk=notice.pk, status=NoticeStatus.AWAITING_REPLY
        ).update(status=NoticeStatus.REPLIED, reply=reply, replied_by=actor, replied_at=at)
        if rows != 1:
            raise WrongState(_("督办单 %(number)s 已回复") % {"number": notice.number})
        notice.refresh_from_db()
        _store_files(task, files, notice=notice)
        _record(
            task,
            TaskAction.REPLY,
            actor=actor,
            at=at,
            note=reply,
            data={"notice": notice.number, "late": notice.replied_late},
        )
        _notify(
            task,
            [notice.issued_by],
            _("督办单 %(number)s 已回复") % {"number": notice.number},
            reply,
            f"notice-reply:{notice.pk}",
        )
    return notice


# --- acceptance and tick-off ------------------------------------------------------------------


def request_acceptance(
    *,
    actor: User,
    task: Task,
    evidence: str,
    files: Sequence[Upload] = (),
    at: dt.datetime | None = None,
) -> AcceptanceRequest:
    """The owner says the task is done and shows how; a parent needs every sub-task ticked off."""
    _require_owner(actor, task, _("申请验收"))
    if task.status != TaskStatus.OPEN:
        raise WrongState(
            _("任务 %(number)s 当前为“%(status)s”，不能申请验收")
            % {"number": task.number, "status": task.get_status_display()}
        )
    open_children = list(
        task.children.exclude(status=TaskStatus.TICKED_OFF).values_list("number", flat=True)
    )
    if open_children:
        raise WrongState(
            _("子任务%(numbers)s尚未销号，上级任务不能申请验收")
            % {"numbers": "、".join(sorted(open_children))}
        )
    evidence = _text(evidence, "evidence", _("请说明完成情况并提供佐证"))
    _check_files(files)
    at = at or timezone.now()
    with transaction.atomic():
        _compare_and_set(task, status=TaskStatus.AWAITING_ACCEPTANCE)
        request = AcceptanceRequest.objects.create(
            task=task, requested_by=actor, requested_at=at, evidence=evidence
        )
        stored = _store_files(task, files, acceptance=request)
        _record(
            task,
            TaskAction.REQUEST_ACCEPTANCE,
            actor=actor,
            at=at,
            note=evidence,
            data={"request": request.pk, "files": [f.sha256 for f in stored]},
        )
        acceptors = [task.plan.created_by] if task.plan.created_by else []
        _notify(
            task,
            acceptors,
            _("待验收：%(number)s %(title)s") % {"number": task.number, "title": task.title},
            evidence,
            f"acceptance:{request.pk}",
        )
    return request


def decide_acceptance(
    *,
    actor: User,
    request: AcceptanceRequest,
    accept: bool,
    reasons: str = "",
    at: dt.datetime | None = None,
) -> Task:
    """An acceptor, never the owner, inspects and accepts (the task is ticked off) or rejects it."""
    task = request.task
    if is_owner(actor, task) or actor.pk == request.requested_by_id:
        raise NotAllowed(_("不能验收本人或本单位负责的任务"))
    _require(actor, access.ACCEPT_ROLES, _("验收销号"))
    if request.decision:
        raise WrongState(_("该验收申请已有结论"))
    if not accept:
        reasons = _text(reasons, "reasons", _("验收不通过时须写明理由"))
    at = at or timezone.now()
    with transaction.atomic():
        rows = AcceptanceRequest.objects.filter(pk=request.pk, decision="").update(
            decision=Decision.ACCEPTED if accept else Decision.REJECTED,
            decided_by=actor,
            decided_at=at,
            reasons=reasons.strip(),
        )
        if rows != 1:
            raise WrongState(_("该验收申请已有结论"))
        if accept:
            _compare_and_set(
                task,
                status=TaskStatus.TICKED_OFF,
                progress=100,
                ticked_off_at=at,
                ticked_off_by=actor,
            )
        else:
            _compare_and_set(task, status=TaskStatus.OPEN, rejections=task.rejections + 1)
        _record(
            task,
            TaskAction.ACCEPT if accept else TaskAction.REJECT,
            actor=actor,
            at=at,
            note=reasons.strip(),
            data={"request": request.pk},
        )
        _roll_up(task.parent)
        _notify(
            task,
            [task.responsible, request.requested_by],
            (_("已销号：%(number)s %(title)s") if accept else _("验收不通过：%(number)s %(title)s"))
            % {"number": task.number, "title": task.title},
            reasons.strip() or _("验收通过。"),
            f"acceptance-decision:{request.pk}",
        )
    request.refresh_from_db()
    return task
