"""Downloads and uploads of the campaign pages: every list as Excel and Word (built by
`finegrid.campaigns.documents`), a plan as the import workbook and back (`spreadsheets`)."""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.campaigns import access, documents
from finegrid.campaigns.assessment import scoreboard
from finegrid.campaigns.errors import CampaignError, ImportRefused
from finegrid.campaigns.models import IndexTree, InspectionRound
from finegrid.campaigns.selectors import my_tasks, plan_board
from finegrid.campaigns.spreadsheets import export_plan, import_plan, template_workbook
from finegrid.org.models import User
from finegrid.web.campaigns.forms import ImportForm, first_error
from finegrid.web.campaigns.rounds import assessment_viewer, district_param, round_viewer
from finegrid.web.campaigns.views import (
    attachment,
    error_status,
    light_param,
    notice_status,
    notices_of,
    page,
    plans_context,
    viewer,
    visible_plan,
)

CONTENT_TYPES: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def download(content: bytes, fmt: str, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = attachment(f"{filename}.{fmt}", f"{fallback}.{fmt}")
    response["Cache-Control"] = "private, no-store"
    return response


def fmt_of(fmt: str) -> str:
    if fmt not in CONTENT_TYPES:
        raise Http404(_("不支持的格式：%(fmt)s") % {"fmt": fmt})
    return fmt


def stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def export_links(name: str, *args: Any, query: str = "") -> list[tuple[str, str]]:
    return [
        ("Excel", reverse(name, args=[*args, "xlsx"]) + query),
        ("Word", reverse(name, args=[*args, "docx"]) + query),
    ]


@login_required
def board_export(request: HttpRequest, plan_id: int, fmt: str) -> HttpResponse:
    user = viewer(request)
    plan = visible_plan(user, plan_id)
    build = documents.board_xlsx if fmt_of(fmt) == "xlsx" else documents.board_docx
    board = plan_board(
        plan, today=timezone.localdate(), light=light_param(request.GET.get("light"))
    )
    return download(build(board), fmt, f"{plan.title} 任务清单 {stamp()}", f"plan-{plan.pk}")


@login_required
def plan_workbook(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan in the import layout: edited offline and imported again as a new plan."""
    user = viewer(request)
    plan = visible_plan(user, plan_id)
    return download(export_plan(plan), "xlsx", f"{plan.title} 计划表", f"plan-{plan.pk}-sheet")


@login_required
def mine_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = viewer(request)
    build = documents.my_tasks_xlsx if fmt_of(fmt) == "xlsx" else documents.my_tasks_docx
    rows = my_tasks(user, today=timezone.localdate())
    return download(build(user, rows), fmt, f"我的任务 {stamp()}", "my-tasks")


@login_required
def supervision_export(request: HttpRequest, fmt: str) -> HttpResponse:
    user = viewer(request)
    build = documents.notices_xlsx if fmt_of(fmt) == "xlsx" else documents.notices_docx
    notices = list(notices_of(user, notice_status(request.GET.get("status"))))
    return download(build(notices), fmt, f"督办单 {stamp()}", "notices")


@login_required
def round_export(request: HttpRequest, round_id: int, fmt: str) -> HttpResponse:
    round_viewer(request)
    build = documents.round_xlsx if fmt_of(fmt) == "xlsx" else documents.round_docx
    inspection_round = get_object_or_404(
        InspectionRound.objects.select_related("template"), pk=round_id
    )
    return download(
        build(inspection_round), fmt, f"{inspection_round.name} 检查结果", f"round-{round_id}"
    )


@login_required
def assessment_export(request: HttpRequest, tree_id: int, fmt: str) -> HttpResponse:
    assessment_viewer(request)
    build = documents.scoreboard_xlsx if fmt_of(fmt) == "xlsx" else documents.scoreboard_docx
    tree = get_object_or_404(IndexTree, pk=tree_id)
    district = district_param(request)
    board = scoreboard(tree=tree, district=district)
    where = f" {district.name}" if district else ""
    return download(build(board), fmt, f"{tree.name}{where} 测评得分", f"scoreboard-{tree_id}")


# --- importing a plan --------------------------------------------------------------------------


def manager(request: HttpRequest) -> User:
    user = viewer(request)
    if not access.can_manage_plans(user):
        raise PermissionDenied(_("只有督查员、领导和系统管理员可以导入行动计划"))
    return user


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    manager(request)
    return download(template_workbook(), "xlsx", "行动计划导入模板", "plan-template")


@login_required
@require_POST
def import_workbook(request: HttpRequest) -> HttpResponse:
    """A plan from an uploaded workbook; any problem refuses it whole, listed row by row."""
    user = manager(request)
    form = ImportForm(request.POST, request.FILES)
    context = plans_context(user, timezone.localdate())
    context["import_form"] = form
    if not form.is_valid():
        context["problems"] = [first_error(form)]
        return page(request, user, "web/campaigns/plans.html", context, status=400)
    upload = form.cleaned_data["workbook"]
    name = upload.name or "workbook.xlsx"
    try:
        plan = import_plan(actor=user, data=upload.read(), filename=name)
    except ImportRefused as refused:
        context |= {"problems": refused.problems, "filename": name}
        return page(request, user, "web/campaigns/plans.html", context, status=400)
    except CampaignError as refused:
        context |= {"problems": [refused.message], "filename": name}
        return page(
            request, user, "web/campaigns/plans.html", context, status=error_status(refused)
        )
    messages.success(
        request,
        _("已导入《%(title)s》：%(n)d项任务") % {"title": plan.title, "n": plan.tasks.count()},
    )
    return redirect(reverse("campaigns-plan", args=[plan.pk]))
