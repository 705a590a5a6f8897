"""The campaign pages a city runs its campaigns with, without the admin: drawing and finishing
rounds, the site registry and its import, the checklists, importing an index tree, recording
material reviews, and creating plans, categories and tasks.

Each view parses its form, calls the `finegrid.campaigns` action and goes on to the page it
changed; a refusal shows the page again with the action's own words (400 for bad input, 403 for
someone who may not act, 409 when something moved on) and nothing written.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Final

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.campaigns import access
from finegrid.campaigns.actions import add_category, add_task, create_plan
from finegrid.campaigns.assessment import DEMO_INDEX, add_review, import_index
from finegrid.campaigns.errors import CampaignError, ImportRefused
from finegrid.campaigns.inspections import (
    SITE_COLUMNS,
    SITE_OPTIONAL_COLUMNS,
    default_template_spec,
    draw_round,
    finish_round,
    import_sites,
    load_template,
)
from finegrid.campaigns.models import (
    IndexNode,
    IndexTree,
    InspectionTemplate,
    RoundKind,
    Site,
    SiteType,
    TemplateItem,
)
from finegrid.geo.models import Area, AreaLevel
from finegrid.org.models import User
from finegrid.web.campaigns.forms import (
    CategoryForm,
    DrawRoundForm,
    IndexImportForm,
    LoadTemplateForm,
    PlanForm,
    ReviewForm,
    SiteImportForm,
    TaskForm,
    first_error,
)
from finegrid.web.campaigns.rounds import (
    assessment_context,
    assessment_viewer,
    assessments_context,
    get_round,
    round_context,
    round_viewer,
    rounds_context,
    site_type_counts,
)
from finegrid.web.campaigns.views import (
    attachment,
    board_context,
    error_status,
    page,
    plans_context,
    viewer,
    visible_plan,
)

SITES_PAGE_SIZE: Final = 50


def round_runner(request: HttpRequest) -> User:
    user = round_viewer(request)
    if not access.can_run_rounds(user):
        raise PermissionDenied(_("只有监督中心和系统管理员可以组织检查、登记点位和编制检查模板"))
    return user


def plan_manager(request: HttpRequest) -> User:
    user = viewer(request)
    if not access.can_manage_plans(user):
        raise PermissionDenied(_("只有督查员、领导和系统管理员可以制定行动计划"))
    return user


def csv_download(rows: list[list[str]], filename: str, fallback: str) -> HttpResponse:
    """A CSV that Excel on Chinese Windows opens with the right characters (UTF-8 with BOM)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = attachment(filename, fallback)
    response["Cache-Control"] = "private, no-store"
    return response


# --- rounds ------------------------------------------------------------------------------------


@login_required
@require_POST
def draw(request: HttpRequest) -> HttpResponse:
    """Draw a round's sites at random; any refusal draws nothing."""
    user = round_runner(request)
    form = DrawRoundForm(request.POST, site_types=[t for t, _n in site_type_counts()])
    status, error = 400, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            drawn = draw_round(
                actor=user,
                name=data["name"],
                kind=RoundKind(data["kind"]),
                template=data["template"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                sample=form.sample(),
                seed=data["seed"],
                assessment=data["assessment"],
                rectify_days=data["rectify_days"],
            )
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(
                request,
                _("已抽取“%(name)s”的%(n)d个点位（随机种子 %(seed)d）")
                % {"name": drawn.name, "n": drawn.visits.count(), "seed": drawn.seed},
            )
            return redirect(reverse("campaigns-round", args=[drawn.pk]))
    else:
        error = first_error(form)
    context = rounds_context(user, draw_form=form)
    context["draw_error"] = error
    return page(request, user, "web/campaigns/rounds.html", context, status=status)


@login_required
@require_POST
def finish(request: HttpRequest, round_id: int) -> HttpResponse:
    user = round_runner(request)
    inspection_round = get_round(round_id)
    try:
        finish_round(actor=user, inspection_round=inspection_round)
    except CampaignError as refused:
        context = round_context(user, get_round(round_id))
        context["finish_error"] = refused.message
        return page(
            request, user, "web/campaigns/round.html", context, status=error_status(refused)
        )
    messages.success(request, _("检查批次“%(name)s”已结束") % {"name": inspection_round.name})
    return redirect(reverse("campaigns-round", args=[round_id]))


# --- sites -------------------------------------------------------------------------------------


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def sites_context(
    request: HttpRequest, user: User, *, import_form: SiteImportForm | None = None
) -> dict[str, Any]:
    tag, district_id = _int_param(request, "type"), _int_param(request, "district")
    sites = Site.objects.select_related(
        "site_type", "district", "street", "responsible_unit"
    ).order_by("site_type__tag", "name", "pk")
    if tag is not None:
        sites = sites.filter(site_type__tag=tag)
    if district_id is not None:
        sites = sites.filter(district_id=district_id)
    listing = Paginator(sites, SITES_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": listing,
        "tag": tag,
        "district_id": district_id,
        "types": SiteType.objects.annotate(n=Count("sites")).order_by("tag"),
        "districts": Area.objects.current().filter(level=AreaLevel.DISTRICT).order_by("code"),
        "columns": SITE_COLUMNS,
        "optional_columns": SITE_OPTIONAL_COLUMNS,
        "import_form": (import_form or SiteImportForm()) if access.can_run_rounds(user) else None,
    }


@login_required
def sites(request: HttpRequest) -> HttpResponse:
    user = round_viewer(request)
    return page(request, user, "web/campaigns/sites.html", sites_context(request, user))


@login_required
@require_POST
def sites_import(request: HttpRequest) -> HttpResponse:
    """Sites from a CSV or XLSX file: every row or none, the problems listed row by row."""
    user = round_runner(request)
    form = SiteImportForm(request.POST, request.FILES)
    context = sites_context(request, user, import_form=form)
    if not form.is_valid():
        context["problems"] = [first_error(form)]
        return page(request, user, "web/campaigns/sites.html", context, status=400)
    upload = form.cleaned_data["sheet"]
    name = upload.name or "sites.csv"
    try:
        created = import_sites(actor=user, data=upload.read(), filename=name)
    except ImportRefused as refused:
        context |= {"problems": refused.problems, "filename": name}
        return page(request, user, "web/campaigns/sites.html", context, status=400)
    except CampaignError as refused:
        context |= {"problems": [refused.message], "filename": name}
        return page(
            request, user, "web/campaigns/sites.html", context, status=error_status(refused)
        )
    messages.success(request, _("已导入%(n)d个测评点位") % {"n": len(created)})
    return redirect(reverse("campaigns-sites"))


@login_required
def sites_template(request: HttpRequest) -> HttpResponse:
    """The header `import_sites` reads, to fill in."""
    round_runner(request)
    return csv_download(
        [[*SITE_COLUMNS, *SITE_OPTIONAL_COLUMNS]], "测评点位导入模板.csv", "sites-template.csv"
    )


# --- checklists --------------------------------------------------------------------------------


def templates_context(user: User, *, load_form: LoadTemplateForm | None = None) -> dict[str, Any]:
    items = TemplateItem.objects.select_related("category", "content").prefetch_related(
        "site_types"
    )
    templates = (
        InspectionTemplate.objects.prefetch_related(
            "site_types", Prefetch("items", queryset=items.order_by("number"))
        )
        .annotate(rounds_count=Count("inspectionround"))
        .order_by("name")
    )
    default_name = str(default_template_spec().get("name", ""))
    offer = access.can_run_rounds(user) and not any(t.name == default_name for t in templates)
    return {
        "templates": templates,
        "default_name": default_name,
        "load_form": (load_form or LoadTemplateForm()) if offer else None,
    }


@login_required
def templates(request: HttpRequest) -> HttpResponse:
    user = round_viewer(request)
    return page(request, user, "web/campaigns/templates.html", templates_context(user))


@login_required
@require_POST
def load_default_template(request: HttpRequest) -> HttpResponse:
    """The checklist the project ships, its items linked to the chosen tree's contents."""
    user = round_runner(request)
    form = LoadTemplateForm(request.POST)
    problems: list[str]
    status = 400
    if form.is_valid():
        try:
            template = load_template(
                actor=user, spec=default_template_spec(), tree=form.cleaned_data["tree"]
            )
        except ImportRefused as refused:
            problems = refused.problems
        except CampaignError as refused:
            problems, status = [refused.message], error_status(refused)
        else:
            messages.success(
                request,
                _("已载入检查模板“%(name)s”：%(n)d个检查项目")
                % {"name": template.name, "n": template.items.count()},
            )
            return redirect(reverse("campaigns-templates") + f"#template-{template.pk}")
    else:
        problems = [first_error(form)]
    context = templates_context(user, load_form=form)
    context["problems"] = problems
    return page(request, user, "web/campaigns/templates.html", context, status=status)


# --- index trees and reviews ---------------------------------------------------------------------


@login_required
@require_POST
def index_import(request: HttpRequest) -> HttpResponse:
    """An index tree from a spreadsheet: whole or not at all, the problems listed row by row."""
    user = assessment_viewer(request)
    if not access.can_run_rounds(user):
        raise PermissionDenied(_("只有监督中心和系统管理员可以导入测评体系"))
    form = IndexImportForm(request.POST, request.FILES)
    context = assessments_context(user, import_form=form)
    if not form.is_valid():
        context["problems"] = [first_error(form)]
        return page(request, user, "web/campaigns/assessments.html", context, status=400)
    upload = form.cleaned_data["sheet"]
    name = upload.name or "index.csv"
    try:
        tree = import_index(
            actor=user,
            name=form.cleaned_data["name"],
            year=form.cleaned_data["year"],
            data=upload.read(),
            filename=name,
        )
    except ImportRefused as refused:
        context |= {"problems": refused.problems, "filename": name}
        return page(request, user, "web/campaigns/assessments.html", context, status=400)
    except CampaignError as refused:
        context |= {"problems": [refused.message], "filename": name}
        return page(
            request, user, "web/campaigns/assessments.html", context, status=error_status(refused)
        )
    messages.success(
        request,
        _("已导入测评体系“%(name)s”：%(n)d个节点") % {"name": tree.name, "n": tree.nodes.count()},
    )
    return redirect(reverse("campaigns-assessment", args=[tree.pk]))


@login_required
def index_template(request: HttpRequest) -> HttpResponse:
    """The demo city's mock index: the columns `import_index` reads, filled in as an example."""
    assessment_viewer(request)
    response = HttpResponse(DEMO_INDEX.read_bytes(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment("测评体系示例.csv", "index-template.csv")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def review(request: HttpRequest, tree_id: int) -> HttpResponse:
    """A material review or survey result for one content of the tree."""
    user = assessment_viewer(request)
    tree = get_object_or_404(IndexTree, pk=tree_id)
    form = ReviewForm(request.POST, tree=tree)
    status, error = 400, ""
    if form.is_valid():
        data = form.cleaned_data
        node: IndexNode = data["content"]
        try:
            add_review(
                actor=user,
                node=node,
                score=data["score"],
                district=data["district"],
                unit=data["unit"],
                text=data["text"],
            )
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(
                request,
                _("已登记“%(code)s %(title)s”的得分%(score)s")
                % {"code": node.code, "title": node.title, "score": data["score"].normalize()},
            )
            return redirect(reverse("campaigns-assessment", args=[tree.pk]) + "#reviews")
    else:
        error = first_error(form)
    context = assessment_context(user, tree, None, review_form=form)
    context["review_error"] = error
    return page(request, user, "web/campaigns/assessment.html", context, status=status)


# --- plans, categories and tasks -----------------------------------------------------------------


@login_required
@require_POST
def new_plan(request: HttpRequest) -> HttpResponse:
    user = plan_manager(request)
    form = PlanForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = create_plan(
                actor=user,
                title=data["title"],
                issuer=data["issuer"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                document_no=data["document_no"],
                issuer_unit=data["issuer_unit"],
                report_cycle=data["report_cycle"],
                description=data["description"],
            )
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(request, _("已建立《%(title)s》，请添加任务") % {"title": plan.title})
            return redirect(reverse("campaigns-plan", args=[plan.pk]) + "#add-task")
    else:
        error = first_error(form)
    context = plans_context(user, timezone.localdate())
    context |= {"plan_form": form, "plan_error": error}
    return page(request, user, "web/campaigns/plans.html", context, status=status)


@login_required
@require_POST
def new_category(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = plan_manager(request)
    plan = visible_plan(user, plan_id)
    form = CategoryForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        try:
            category = add_category(actor=user, plan=plan, name=form.cleaned_data["name"])
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(
                request,
                _("已添加类别“%(number)d %(name)s”")
                % {"number": category.number, "name": category.name},
            )
            return redirect(reverse("campaigns-plan", args=[plan.pk]) + "#add-task")
    else:
        error = first_error(form)
    context = board_context(user, plan, light=None, category_form=form)
    context["category_error"] = error
    return page(request, user, "web/campaigns/board.html", context, status=status)


@login_required
@require_POST
def new_task(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A task or sub-task of the plan; `check_task` tells every problem of it at once."""
    user = plan_manager(request)
    plan = visible_plan(user, plan_id)
    form = TaskForm(request.POST, plan=plan)
    status, error = 400, ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = add_task(
                actor=user,
                plan=plan,
                title=data["title"],
                lead_unit=data["lead_unit"],
                responsible=data["responsible"],
                deadline=data["deadline"],
                starts_on=data["starts_on"],
                category=data["category"],
                parent=data["parent"],
                description=data["description"],
                co_units=list(data["co_units"]),
                area=data["area"],
                target_text=data["target_text"],
                target_operator=data["target_operator"],
                target_value=data["target_value"],
                target_unit=data["target_unit"],
                milestones=data["milestones"],
            )
        except CampaignError as refused:
            status, error = error_status(refused), refused.message
        else:
            messages.success(
                request,
                _("已下达任务 %(number)s %(title)s") % {"number": task.number, "title": task.title},
            )
            return redirect(reverse("campaigns-plan", args=[plan.pk]) + "#add-task")
    else:
        error = first_error(form)
    context = board_context(user, plan, light=None, task_form=form)
    context["task_error"] = error
    return page(request, user, "web/campaigns/board.html", context, status=status)
