"""The campaign pages (专项行动): plans and their boards, a task's page with the forms its owner and
its supervisors use, my tasks, the supervision list and the acceptance queue.

Views parse, call a `finegrid.campaigns` action or selector, and render. A refused action leaves
everything as it was and the page is shown again with the action's own words: HTTP 400 for bad
input, 403 for someone who may not act, 409 when the task moved on meanwhile; a task or plan the
user may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.campaigns import access
from finegrid.campaigns.actions import (
    Upload,
    decide_acceptance,
    is_owner,
    issue_notice,
    record_pledge,
    reply_notice,
    report_progress,
    request_acceptance,
)
from finegrid.campaigns.errors import CampaignError, NotAllowed, WrongState
from finegrid.campaigns.models import (
    AcceptanceRequest,
    NoticeStatus,
    Plan,
    Pledge,
    ProgressReport,
    SupervisionNotice,
    Task,
    TaskEvent,
    TaskFile,
    TaskStatus,
)
from finegrid.campaigns.selectors import (
    LIGHT_LABELS,
    Board,
    BoardRow,
    Light,
    acceptance_queue,
    can_see_task,
    my_tasks,
    plan_board,
    supervision_list,
    task_rows,
    tick_off_ledger,
    visible_plans,
)
from finegrid.org.models import User
from finegrid.web.campaigns.forms import (
    AcceptanceForm,
    CategoryForm,
    DecisionForm,
    ImportForm,
    NoticeForm,
    PlanForm,
    PledgeForm,
    ProgressForm,
    ReplyForm,
    TaskForm,
    first_error,
)

NOTICES_PAGE_SIZE: Final = 100
LIGHTS: Final = (Light.GREEN, Light.YELLOW, Light.RED, Light.DONE)


# --- who is asking ------------------------------------------------------------------------------


def viewer(request: HttpRequest) -> User:
    """The user, if their roles open the campaign pages at all; 403 otherwise."""
    user = request.user
    if not isinstance(user, User) or not access.can_view_campaigns(user):
        raise PermissionDenied(
            _("专项行动页面仅供督查、领导、管理员、值班长、监督员和责任单位使用")
        )
    return user


def visible_task(user: User, task_id: int) -> Task:
    """The task if the user may see it; 404 (not 403: its existence is not disclosed) otherwise."""
    task = (
        Task.objects.select_related(
            "plan", "lead_unit", "responsible", "category", "parent", "area", "grid", "case"
        )
        .filter(pk=task_id)
        .first()
    )
    if task is None or not can_see_task(user, task):
        raise Http404(_("任务不存在或您无权查看"))
    return task


def visible_plan(user: User, plan_id: int) -> Plan:
    plan = visible_plans(user).select_related("issuer_unit").filter(pk=plan_id).first()
    if plan is None:
        raise Http404(_("计划不存在或您无权查看"))
    return plan


def can_view_rounds(user: User) -> bool:
    """Rounds are run by the centre, scored by inspectors and supervisors, read by leaders."""
    return access.can_run_rounds(user) or access.can_score(user) or access.can_supervise(user)


def can_view_assessment(user: User) -> bool:
    return access.can_manage_plans(user) or access.can_run_rounds(user)


def page(
    request: HttpRequest,
    user: User,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Render a campaign page with the section links this user's roles open."""
    context["perms_campaigns"] = {
        "accept": access.can_accept(user),
        "rounds": can_view_rounds(user),
        "run_rounds": access.can_run_rounds(user),
        "assessment": can_view_assessment(user),
    }
    return render(request, template, context, status=status)


def error_status(error: CampaignError) -> int:
    if isinstance(error, NotAllowed):
        return 403
    if isinstance(error, WrongState):
        return 409
    return 400


def uploads(request: HttpRequest, name: str = "files") -> list[Upload]:
    return [Upload(name=f.name or "file", content=f.read()) for f in request.FILES.getlist(name)]


def attachment(filename: str, fallback: str, *, inline: bool = False) -> str:
    """Content-Disposition with an ASCII name for old clients and the real one (RFC 5987)."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in fallback)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"


def light_param(value: str | None) -> Light | None:
    try:
        return Light(value) if value else None
    except ValueError:
        return None


def light_choices(counts: Mapping[Light, int]) -> list[dict[str, Any]]:
    return [
        {"value": light.value, "label": LIGHT_LABELS[light], "count": counts.get(light, 0)}
        for light in LIGHTS
    ]


# --- plans ---------------------------------------------------------------------------------------


def plans_context(user: User, today: dt.date) -> dict[str, Any]:
    rows = []
    for plan in visible_plans(user).select_related("issuer_unit").order_by("-starts_on", "pk"):
        board = plan_board(plan, today=today)
        rows.append(
            {
                "plan": plan,
                "total": board.total,
                "counts": [(light.value, board.counts.get(light, 0)) for light in LIGHTS],
            }
        )
    manager = access.can_manage_plans(user)
    return {
        "rows": rows,
        "manager": manager,
        "import_form": ImportForm() if manager else None,
        "plan_form": PlanForm(initial={"starts_on": today}) if manager else None,
        "light_labels": [(light.value, LIGHT_LABELS[light]) for light in LIGHTS],
        "can_accept": access.can_accept(user),
        "rounds": access.can_run_rounds(user)
        or access.can_score(user)
        or access.can_supervise(user),
    }


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    return page(
        request, user, "web/campaigns/plans.html", plans_context(user, timezone.localdate())
    )


# --- a plan's board ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    left: float
    title: str
    due_on: dt.date
    progress: int
    met: bool


@dataclass(frozen=True)
class Bar:
    row: BoardRow
    left: float
    width: float
    markers: list[Marker]


@dataclass(frozen=True)
class Gantt:
    starts_on: dt.date
    ends_on: dt.date
    bars: list[Bar]
    today: float | None
    months: list[tuple[float, str]]


def gantt(board: Board) -> Gantt:
    """Each task as a bar from its start to its deadline on the plan's span, in per cent of it."""
    plan = board.plan
    start = min([plan.starts_on, *(r.task.starts_on for r in board.rows)])
    end = max([plan.ends_on, *(r.task.deadline for r in board.rows)])
    days = (end - start).days + 1

    def at(day: dt.date) -> float:
        return round(100 * (day - start).days / days, 3)

    bars = []
    for row in board.rows:
        task = row.task
        left = at(task.starts_on)
        width = max(at(task.deadline + dt.timedelta(days=1)) - left, 0.6)
        length = (task.deadline - task.starts_on).days + 1
        markers = [
            Marker(
                # within the bar, at the middle of the milestone's day
                left=round(100 * ((m.due_on - task.starts_on).days + 0.5) / length, 3),
                title=m.title,
                due_on=m.due_on,
                progress=m.progress,
                met=task.progress >= m.progress,
            )
            for m in row.milestones
        ]
        bars.append(Bar(row=row, left=left, width=width, markers=markers))
    months = []
    first = start.replace(day=1)
    # About a dozen labels fit the bar's width: a three-year plan is marked by quarters.
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next(n for n in (1, 3, 6, 12, 24) if span <= 12 * n or n == 24)
    while first <= end:
        if first >= start and (first.month - 1) % step == 0:
            months.append((at(first), f"{first.year}-{first.month:02d}"))
        first = (first + dt.timedelta(days=32)).replace(day=1)
    today = at(board.today) if start <= board.today <= end else None
    return Gantt(starts_on=start, ends_on=end, bars=bars, today=today, months=months)


def board_context(
    user: User,
    plan: Plan,
    *,
    light: Light | None,
    pledge_form: PledgeForm | None = None,
    task_form: TaskForm | None = None,
    category_form: CategoryForm | None = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    board = plan_board(plan, today=today, light=light)
    manager = access.can_manage_plans(user)
    ledger = list(tick_off_ledger(plan))
    return {
        "plan": plan,
        "board": board,
        "light": light.value if light else "",
        "lights": light_choices(board.counts),
        "total": sum(board.counts.values()),
        "gantt": gantt(board) if board.rows else None,
        "pledges": plan.pledges.select_related("unit", "recorded_by").order_by("signed_on", "pk"),
        "pledge_form": (pledge_form or PledgeForm()) if manager else None,
        "task_form": (task_form or TaskForm(plan=plan)) if manager else None,
        "category_form": (category_form or CategoryForm()) if manager else None,
        "ledger": ledger,
        "manager": manager,
        "downloads": [
            ("Excel", reverse("campaigns-plan-export", args=[plan.pk, "xlsx"])),
            ("Word", reverse("campaigns-plan-export", args=[plan.pk, "docx"])),
            (_("计划Excel"), reverse("campaigns-plan-workbook", args=[plan.pk])),
        ],
    }


@login_required
def board(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = viewer(request)
    plan = visible_plan(user, plan_id)
    light = light_param(request.GET.get("light"))
    return page(request, user, "web/campaigns/board.html", board_context(user, plan, light=light))


@login_required
@require_POST
def add_pledge(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = viewer(request)
    plan = visible_plan(user, plan_id)
    form = PledgeForm(request.POST, request.FILES)
    status, error = 400, ""
    if form.is_valid():
        scan = form.cleaned_data["scan"]
        try:
            record_pledge(
                actor=user,
                plan=plan,
                unit=form.cleaned_data["unit"],
                signatory=form.cleaned_data["signatory"],
                signed_on=form.cleaned_data["signed_on"],
                scan=Upload(name=scan.name, content=scan.read()) if scan else None,
            )
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(
                request,
                _("已登记%(unit)s的目标责任书") % {"unit": form.cleaned_data["unit"]},
            )
            return redirect(reverse("campaigns-plan", args=[plan.pk]) + "#pledges")
    else:
        error = first_error(form)
    context = board_context(user, plan, light=None, pledge_form=form)
    context["pledge_error"] = error
    return page(request, user, "web/campaigns/board.html", context, status=status)


@login_required
def pledge_scan(request: HttpRequest, pledge_id: int) -> FileResponse:
    user = viewer(request)
    pledge = get_object_or_404(Pledge, pk=pledge_id)
    visible_plan(user, pledge.plan_id)
    if not pledge.file:
        raise Http404(_("没有扫描件"))
    response = FileResponse(pledge.file.open("rb"))
    name = (pledge.file.name or "scan").rsplit("/", 1)[-1]
    response["Content-Disposition"] = attachment(name, f"pledge-{pledge.pk}", inline=True)
    response["Cache-Control"] = "private, no-store"
    return response


# --- a task --------------------------------------------------------------------------------------

FormClass = type[forms.Form]
TASK_FORMS: Final[Mapping[str, FormClass]] = {
    "report": ProgressForm,
    "request": AcceptanceForm,
    "reply": ReplyForm,
    "notice": NoticeForm,
    "decide": DecisionForm,
}


def task_context(
    user: User,
    task: Task,
    *,
    bound: Mapping[str, forms.Form] | None = None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the task page shows, with the forms this user may use on it now."""
    today = timezone.localdate()
    [row] = task_rows([task], today=today)
    children = sorted(task.children.select_related("lead_unit", "responsible"), key=_number_key)
    files = Prefetch("files", queryset=TaskFile.objects.order_by("pk"))
    reports = ProgressReport.objects.filter(task=task).select_related("reported_by")
    notices = list(
        SupervisionNotice.objects.filter(task=task)
        .select_related("issued_by", "replied_by")
        .prefetch_related(files)
    )
    requests = list(
        AcceptanceRequest.objects.filter(task=task)
        .select_related("requested_by", "decided_by")
        .prefetch_related(files)
    )
    owner = is_owner(user, task)
    open_task = task.status == TaskStatus.OPEN
    pending = next((r for r in requests if not r.decision), None)
    bound = bound or {}
    awaiting = [n for n in notices if n.status == NoticeStatus.AWAITING_REPLY]
    context = {
        "task": task,
        "row": row,
        "plan": task.plan,
        "children": task_rows(children, today=today),
        "ancestors": _ancestors(task),
        "reports": reports.prefetch_related(files),
        "events": TaskEvent.objects.filter(task=task).select_related("actor").order_by("seq"),
        "notices": notices,
        "requests": requests,
        "co_units": list(task.co_units.all()),
        "owner": owner,
        "now": timezone.now(),
        "error_form": error[0] if error else "",
        "error": error[1] if error else "",
        # The owner's forms.
        "progress_form": bound.get("report", ProgressForm(initial={"progress": task.progress}))
        if owner and open_task and not children
        else None,
        "acceptance_form": bound.get("request", AcceptanceForm())
        if owner and open_task
        else None,
        "reply_forms": [
            (n, bound["reply"] if "reply" in bound and _posted(bound["reply"], "notice", n.pk)
             else ReplyForm(initial={"notice": n.pk}))
            for n in awaiting
        ]
        if owner
        else [],
        # The supervisors' and acceptors' forms: never on one's own task.
        "notice_form": bound.get("notice", NoticeForm(initial={"reply_due": _default_due()}))
        if access.can_supervise(user) and not owner and task.status != TaskStatus.TICKED_OFF
        else None,
        "decision_form": bound.get("decide", DecisionForm(initial={"request": pending.pk}))
        if pending is not None
        and access.can_accept(user)
        and not owner
        and pending.requested_by_id != user.pk
        else None,
        "pending": pending,
        "own_acceptance": pending is not None and access.can_accept(user) and owner,
    }  # fmt: skip
    shown = {
        "report": context["progress_form"],
        "request": context["acceptance_form"],
        "reply": context["reply_forms"],
        "notice": context["notice_form"],
        "decide": context["decision_form"] or context["own_acceptance"],
    }
    # An error of a form this user is not offered (a post from elsewhere) is shown at the top.
    context["loose_error"] = context["error"] if error and not shown.get(error[0]) else ""
    return context


def _posted(form: forms.Form, name: str, value: int) -> bool:
    return str(form.data.get(name, "")) == str(value)


def _default_due() -> str:
    due = timezone.localtime() + dt.timedelta(days=3)
    return due.replace(hour=17, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def _number_key(task: Task) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in task.number.split("."))


def _ancestors(task: Task) -> list[Task]:
    found: list[Task] = []
    parent = task.parent
    while parent is not None and len(found) < 20:
        found.insert(0, parent)
        parent = parent.parent
    return found


@login_required
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    user = viewer(request)
    task = visible_task(user, task_id)
    return page(request, user, "web/campaigns/task.html", task_context(user, task))


Act = Callable[[User, Task, dict[str, Any], list[Upload]], str]


def _report(user: User, task: Task, data: dict[str, Any], files: list[Upload]) -> str:
    report_progress(
        actor=user,
        task=task,
        progress=data["progress"],
        value=data["value"],
        text=data["text"],
        files=files,
    )
    return _("已报送进度：%(progress)d%%") % {"progress": data["progress"]}


def _request(user: User, task: Task, data: dict[str, Any], files: list[Upload]) -> str:
    request_acceptance(actor=user, task=task, evidence=data["evidence"], files=files)
    return _("已申请验收，等待验收")


def _reply(user: User, task: Task, data: dict[str, Any], files: list[Upload]) -> str:
    notice = SupervisionNotice.objects.filter(pk=data["notice"], task=task).first()
    if notice is None:
        raise Http404(_("督办单不存在"))
    reply_notice(actor=user, notice=notice, reply=data["reply"], files=files)
    return _("已回复督办单 %(number)s") % {"number": notice.number}


def _notice(user: User, task: Task, data: dict[str, Any], files: list[Upload]) -> str:
    notice = issue_notice(actor=user, task=task, reason=data["reason"], reply_due=data["reply_due"])
    return _("已下发督办单 %(number)s") % {"number": notice.number}


def _decide(user: User, task: Task, data: dict[str, Any], files: list[Upload]) -> str:
    request = (
        AcceptanceRequest.objects.select_related("task")
        .filter(pk=data["request"], task=task)
        .first()
    )
    if request is None:
        raise Http404(_("验收申请不存在"))
    accept = data["decision"] == "accept"
    decide_acceptance(actor=user, request=request, accept=accept, reasons=data["reasons"])
    return _("验收通过，任务已销号") if accept else _("已退回：验收不通过")


ACTS: Final[Mapping[str, Act]] = {
    "report": _report,
    "request": _request,
    "reply": _reply,
    "notice": _notice,
    "decide": _decide,
}
ANCHORS: Final = {
    "report": "reports",
    "request": "acceptance",
    "reply": "notices",
    "notice": "notices",
    "decide": "acceptance",
}


@login_required
@require_POST
def task_act(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    """One form of the task page: parse it, call its action, go back to the page (or show why not)."""
    user = viewer(request)
    task = visible_task(user, task_id)
    if action not in ACTS:
        raise Http404(_("未知的操作"))
    form = TASK_FORMS[action](request.POST)
    if not form.is_valid():
        context = task_context(user, task, bound={action: form}, error=(action, first_error(form)))
        return page(request, user, "web/campaigns/task.html", context, status=400)
    try:
        done = ACTS[action](user, task, form.cleaned_data, uploads(request))
    except CampaignError as refused:
        task = visible_task(user, task_id)  # as it is now: nothing was written
        context = task_context(user, task, bound={action: form}, error=(action, refused.message))
        return page(request, user, "web/campaigns/task.html", context, status=error_status(refused))
    messages.success(request, done)
    return redirect(reverse("campaigns-task", args=[task.pk]) + f"#{ANCHORS[action]}")


@login_required
def task_file(request: HttpRequest, file_id: int) -> FileResponse:
    """An attachment of a report, reply or acceptance request, to those who may see its task."""
    user = viewer(request)
    row = TaskFile.objects.select_related("task").filter(pk=file_id).first()
    if row is None or not can_see_task(user, row.task):
        raise Http404(_("附件不存在"))
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    inline = row.content_type.startswith("image/") or row.content_type == "application/pdf"
    response["Content-Disposition"] = attachment(row.name, f"file-{row.pk}", inline=inline)
    response["Cache-Control"] = "private, no-store"
    return response


# --- my tasks, supervision, acceptance -------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    today = timezone.localdate()
    rows = my_tasks(user, today=today)
    counts: dict[Light, int] = {}
    for row in rows:
        counts[row.standing.light] = counts.get(row.standing.light, 0) + 1
    return page(
        request,
        user,
        "web/campaigns/mine.html",
        {
            "rows": rows,
            "today": today,
            "lights": light_choices(counts),
            "downloads": [
                ("Excel", reverse("campaigns-mine-export", args=["xlsx"])),
                ("Word", reverse("campaigns-mine-export", args=["docx"])),
            ],
        },
    )


def notice_status(value: str | None) -> str:
    return value if value in NoticeStatus.values else ""


def notices_of(user: User, status: str) -> QuerySet[SupervisionNotice]:
    return supervision_list(user, status=status)


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    status = notice_status(request.GET.get("status"))
    notices = notices_of(user, status)
    listing = Paginator(notices, NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    everything = notices_of(user, "")
    query = f"?status={status}" if status else ""
    return page(
        request,
        user,
        "web/campaigns/supervision.html",
        {
            "page": listing,
            "status": status,
            "downloads": [
                (label, reverse("campaigns-supervision-export", args=[fmt]) + query)
                for label, fmt in (("Excel", "xlsx"), ("Word", "docx"))
            ],
            "now": timezone.now(),
            "filters": [
                ("", _("全部"), everything.count()),
                (
                    NoticeStatus.AWAITING_REPLY.value,
                    NoticeStatus.AWAITING_REPLY.label,
                    everything.filter(status=NoticeStatus.AWAITING_REPLY).count(),
                ),
                (
                    NoticeStatus.REPLIED.value,
                    NoticeStatus.REPLIED.label,
                    everything.filter(status=NoticeStatus.REPLIED).count(),
                ),
            ],
        },
    )


@login_required
def acceptance(request: HttpRequest) -> HttpResponse:
    user = viewer(request)
    if not access.can_accept(user):
        raise PermissionDenied(_("验收销号由督查员和领导负责"))
    queue = acceptance_queue(user)
    rows = task_rows([r.task for r in queue], today=timezone.localdate())
    return page(
        request,
        user,
        "web/campaigns/acceptance.html",
        {"queue": list(zip(queue, rows, strict=True))},
    )
