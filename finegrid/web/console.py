"""The centre's console (receptionist, shift leader, dispatcher): queues by step with traffic
lights, search and filters, and bulk dispatch of filed cases."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.cases import actions
from finegrid.cases.access import AREA_ROLES, visible_cases
from finegrid.cases.errors import WorkflowError, describe
from finegrid.cases.models import STATUS_LABELS, Case
from finegrid.cases.selectors import filter_cases, step_light
from finegrid.cases.workflow import TRANSITIONS, Action, Status
from finegrid.org.models import Unit, User
from finegrid.org.roles import Role, roles_of
from finegrid.web.forms import CaseFilterForm

#: Whose queues the console shows; supervisors, leaders and admins may open it to search cases.
CONSOLE_ROLES = frozenset({Role.RECEPTIONIST, Role.SHIFT_LEADER, Role.DISPATCHER})
CONSOLE_ACCESS = CONSOLE_ROLES | AREA_ROLES
#: Actions open on every open case to some roles: they put no case in anybody's queue.
_ANYWHERE = frozenset({Action.SUPERVISE, Action.APPROVE_OVERDUE_APPEAL, Action.CANCEL})
PAGE_SIZE = 50


def queue_statuses(roles: frozenset[Role]) -> list[Status]:
    """The statuses where one of these roles takes the next step, in workflow order."""
    wanted = {s for (s, a), t in TRANSITIONS.items() if t.roles & roles and a not in _ANYWHERE}
    return [s for s in Status if s in wanted and s != Status.CLOSED]


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not roles_of(user) & CONSOLE_ACCESS:
        raise PermissionDenied
    return user


def rows(cases: QuerySet[Case]) -> list[dict[str, Any]]:
    return [{"case": c, "light": step_light(c)} for c in cases]


@login_required
def console(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    statuses = queue_statuses(roles_of(user) & CONSOLE_ROLES)
    mine = visible_cases(user)
    counts = dict(
        mine.filter(status__in=statuses).values_list("status").annotate(n=Count("pk")).order_by()
    )
    form = CaseFilterForm(request.GET or None)
    searching = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
    current = request.GET.get("queue") or (statuses[0].value if statuses else "")
    if searching:
        data = form.cleaned_data
        cases = filter_cases(
            mine,
            status=[data["status"]] if data["status"] else [],
            source=data["source"] or None,
            category_id=data["category"].pk if data["category"] else None,
            area=data["area"] or None,
            overdue=data["overdue"],
            text=data["q"],
        ).order_by("-reported_at")
    else:
        cases = mine.filter(status=current).order_by("step_deadline", "pk")
    page = Paginator(
        cases.select_related("category", "district", "street", "department"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "queues": [
            {"status": s.value, "label": STATUS_LABELS[s], "count": counts.get(s.value, 0)}
            for s in statuses
        ],
        "current": current,
        "searching": searching,
        "form": form,
        "page": page,
        "rows": rows(page.object_list),  # type: ignore[arg-type]
        "bulk_dispatch": current == Status.FILED and Role.DISPATCHER in roles_of(user),
        "departments": Unit.objects.filter(
            is_active=True, kind__in=actions.RECEIVING_UNITS
        ).order_by("name")
        if current == Status.FILED
        else [],
    }
    template = (
        "web/partials/case_table.html" if request.headers.get("HX-Request") else "web/console.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch several filed cases at once: to one chosen department, or each to its proposal."""
    from finegrid.dispatch.routing import propose_department

    user = _user(request)
    chosen = Unit.objects.filter(pk=request.POST.get("department") or 0, is_active=True).first()
    ids = [int(i) for i in request.POST.getlist("case") if i.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要派遣的案卷"))
        return redirect(f"{_console_url()}?queue=filed")
    done, failed = [], []
    for case in visible_cases(user).filter(pk__in=ids, status=Status.FILED):
        department = chosen or propose_department(case).department
        if department is None:
            failed.append(f"{case.case_no}：{_('没有建议的处置单位，请逐件派遣')}")
            continue
        try:
            actions.dispatch_case(
                case_id=case.pk, version=case.version, actor=user, department=department
            )
            done.append(case.case_no)
        except WorkflowError as exc:
            failed.append(f"{case.case_no}：{describe(exc)}")
    if done:
        messages.success(
            request,
            _("已派遣%(count)d件：%(cases)s") % {"count": len(done), "cases": "、".join(done)},
        )
    for line in failed:
        messages.error(request, line)
    return redirect(f"{_console_url()}?queue=filed")


def _console_url() -> str:
    from django.urls import reverse

    return reverse("console")
