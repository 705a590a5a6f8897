"""The tasks or inspection items behind one campaign figure of a ranking (a department's
"tasks due in 2026-10", say): the list a leader opens from the figure to check it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.campaigns.models import ItemScore, Task
from finegrid.campaigns.scores import SCORE_CODES, TASK_CODES, behind
from finegrid.campaigns.selectors import task_rows
from finegrid.evaluation import contributed
from finegrid.evaluation.access import can_view_rankings
from finegrid.evaluation.periods import InvalidPeriod, Period
from finegrid.org.models import Unit, User
from finegrid.web.campaigns.views import page


@login_required
def figure(request: HttpRequest, code: str, period: str, unit_id: int) -> HttpResponse:
    user = request.user
    if not isinstance(user, User) or not can_view_rankings(user):
        raise PermissionDenied(_("考核排名仅供领导、督查、管理员、值班长和部门管理员查看"))
    measure = contributed.get(code)
    if measure is None or code not in TASK_CODES | SCORE_CODES:
        raise Http404(_("没有这项专项工作数据"))
    try:
        chosen = Period.parse(period)
    except InvalidPeriod as error:
        raise Http404(str(error)) from None
    unit = get_object_or_404(Unit, pk=unit_id)
    ids = behind(code, chosen, unit.pk)
    context: dict[str, object] = {
        "measure": measure,
        "period": chosen,
        "unit": unit,
        "count": len(ids),
    }
    if code in SCORE_CODES:
        context["scores"] = (
            ItemScore.objects.filter(pk__in=ids)
            .select_related("visit__site__site_type", "visit__round", "item", "scored_by")
            .order_by("scored_at", "pk")
        )
    else:
        tasks = list(
            Task.objects.filter(pk__in=ids)
            .select_related("plan", "lead_unit", "responsible")
            .order_by("plan_id", "number")
        )
        context["rows"] = task_rows(tasks, today=timezone.localdate())
    return page(request, user, "web/campaigns/behind.html", context)
