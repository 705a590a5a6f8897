"""The centre's writes from the ranking page: compute a period again, publish a run, correct a
published run, enter a bonus or penalty. Each is a POST that calls one evaluation action and goes
back to the ranking page with a message; only `can_manage_runs` users may post.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from finegrid.evaluation.access import can_manage_runs
from finegrid.evaluation.actions import EvaluationError, add_adjustment, evaluate, publish_run
from finegrid.evaluation.models import Run, RunStatus, Scheme
from finegrid.evaluation.periods import InvalidPeriod, Period
from finegrid.evaluation.specs import SchemeInvalid
from finegrid.evaluation.subjects import SubjectKind
from finegrid.org.models import User
from finegrid.web.rankings.forms import AdjustmentForm, CorrectionForm
from finegrid.web.rankings.views import ranking_url


def manager(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_manage_runs(user):
        raise PermissionDenied(_("只有督查员和系统管理员可以计算、发布和更正考核排名"))
    return user


def _kind(request: HttpRequest, scheme: Scheme) -> str:
    """The kind of subject the page showed, to go back to it (the scheme's first otherwise)."""
    asked = request.POST.get("kind", "")
    return asked if asked in scheme.subject_kinds else str(scheme.subject_kinds[0])


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    """Each of the form's errors as a message, named by its field's label."""
    for name, errors in form.errors.get_json_data().items():
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        for error in errors:
            messages.error(request, f"{label}：{error['message']}" if label else error["message"])


def _problems(error: Exception) -> str:
    if isinstance(error, SchemeInvalid):
        return "；".join(error.problems)
    return str(error)


def _posted_period(request: HttpRequest) -> tuple[Scheme, str, Period | None]:
    """The posted scheme (404 if unknown), the page's kind, and the period (None, with the error
    shown as a message, when it is written wrongly)."""
    scheme = get_object_or_404(Scheme, code=request.POST.get("scheme", ""))
    kind = _kind(request, scheme)
    try:
        return scheme, kind, Period.parse(request.POST.get("period", ""))
    except InvalidPeriod as error:
        messages.error(request, str(error))
        return scheme, kind, None


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    """A new draft for a scheme and period, from a fresh snapshot of the cases' events."""
    user = manager(request)
    scheme, kind, period = _posted_period(request)
    if period is None:
        return redirect(ranking_url(scheme.code, "", kind))
    back = ranking_url(scheme.code, period.code, kind)
    if period.kind.value not in scheme.period_kinds:
        messages.error(request, _("“%(scheme)s”不按这种周期考核") % {"scheme": scheme.name})
        return redirect(back)
    if Run.objects.filter(scheme=scheme, period=period.code, status=RunStatus.PUBLISHED).exists():
        messages.error(request, _("本期排名已发布，不能直接重新计算；如有错误请“更正”"))
        return redirect(back)
    try:
        [run] = evaluate(schemes=[scheme], period=period, actor=user)
    except (EvaluationError, SchemeInvalid) as error:
        messages.error(request, _problems(error))
        return redirect(back)
    messages.success(
        request,
        _("已计算%(period)s的排名：批次#%(id)s（待发布），计入案卷%(cases)s件")
        % {"period": period.label, "id": run.pk, "cases": run.snapshot.cases},
    )
    return redirect(back)


@login_required
@require_POST
def publish(request: HttpRequest, run_id: int) -> HttpResponse:
    user = manager(request)
    run = get_object_or_404(Run.objects.select_related("scheme"), pk=run_id)
    back = ranking_url(run.scheme.code, run.period, _kind(request, run.scheme))
    try:
        publish_run(run=run, actor=user)
    except EvaluationError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("已发布批次#%(id)s：%(period)s的排名以此为准")
        % {"id": run.pk, "period": run.period_obj.label},
    )
    return redirect(back)


@login_required
@require_POST
def correct(request: HttpRequest, run_id: int) -> HttpResponse:
    """A new run that corrects a published one; it is a draft until published in its turn."""
    user = manager(request)
    run = get_object_or_404(Run.objects.select_related("scheme"), pk=run_id)
    kind = _kind(request, run.scheme)
    back = ranking_url(run.scheme.code, run.period, kind)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    try:
        [correction] = evaluate(
            schemes=[run.scheme],
            period=run.period_obj,
            actor=user,
            corrects=run,
            note=form.cleaned_data["note"],
        )
    except (EvaluationError, SchemeInvalid) as error:
        messages.error(request, _problems(error))
        return redirect(back)
    messages.success(
        request,
        _("已生成更正批次#%(new)s（更正#%(old)s），请核对后发布")
        % {"new": correction.pk, "old": run.pk},
    )
    return redirect(ranking_url(run.scheme.code, run.period, kind, run=correction.pk))


@login_required
@require_POST
def adjust(request: HttpRequest) -> HttpResponse:
    """A bonus or penalty for one subject of the page's scheme, period and kind."""
    user = manager(request)
    scheme, kind, period = _posted_period(request)
    if period is None:
        return redirect(ranking_url(scheme.code, "", kind))
    back = ranking_url(scheme.code, period.code, kind)
    run = Run.objects.filter(scheme=scheme, period=period.code).order_by("-computed_at").first()
    names = (
        dict(run.results.filter(subject_kind=kind).values_list("subject_id", "name"))
        if run is not None
        else {}
    )
    form = AdjustmentForm(request.POST, subjects=list(names.items()))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    data = form.cleaned_data
    try:
        add_adjustment(
            scheme=scheme,
            period=period,
            subject_kind=SubjectKind(kind),
            subject_id=data["subject"],
            points=data["points"],
            reason=data["reason"],
            actor=user,
        )
    except EvaluationError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(
        request,
        _("已录入%(name)s %(points)s分（%(reason)s），重新计算或更正后计入排名")
        % {
            "name": names[data["subject"]],
            "points": f"{data['points']:+.2f}",
            "reason": data["reason"],
        },
    )
    return redirect(back)
