"""The case page every staff role shares: map, photos, timeline, the proposed filing and department
with their reasons, and exactly the actions this user may take now, one form each.

An action that someone else made stale shows who changed the case and when, and the page reloads
the current state; a double click on the same action is recognised and not reported as an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from finegrid.cases import commands
from finegrid.cases.access import access_case_by_id, can_view_citizen_contact
from finegrid.cases.errors import CaseChanged, CaseNotFound, InvalidInput, WorkflowError, describe
from finegrid.cases.models import ACTION_LABELS, Case
from finegrid.cases.photos import Photo
from finegrid.cases.selectors import actions_available, step_light
from finegrid.cases.workflow import Action, Status, transition_for
from finegrid.geo.crs import from_wgs84
from finegrid.geo.display import display_crs, for_display
from finegrid.org.models import User
from finegrid.web import forms as f


@dataclass(frozen=True)
class ActionUi:
    form: type[f.ActionForm]
    primary: bool = False  # the main line's next step, shown first and highlighted


#: The form each action takes on the case page (the call itself is commands.take's).
ACTION_UI: dict[Action, ActionUi] = {
    Action.ACCEPT: ActionUi(f.AcceptForm, primary=True),
    Action.DECLINE: ActionUi(f.ActionForm),
    Action.VERIFY: ActionUi(f.VerifyForm, primary=True),
    Action.FILE: ActionUi(f.FileForm, primary=True),
    Action.CANCEL: ActionUi(f.ActionForm),
    Action.REVIEW_SELF_HANDLED: ActionUi(f.ActionForm, primary=True),
    Action.REJECT_SELF_HANDLED: ActionUi(f.ActionForm),
    Action.DISPATCH: ActionUi(f.DispatchForm, primary=True),
    Action.SIGN_FOR: ActionUi(f.ActionForm, primary=True),
    Action.DISPOSE: ActionUi(f.DisposeForm, primary=True),
    Action.REQUEST_EXTENSION: ActionUi(f.ExtensionForm),
    Action.APPROVE_EXTENSION: ActionUi(f.ActionForm, primary=True),
    Action.REJECT_EXTENSION: ActionUi(f.ActionForm),
    Action.REQUEST_RETURN: ActionUi(f.ActionForm),
    Action.APPROVE_RETURN: ActionUi(f.ActionForm, primary=True),
    Action.REJECT_RETURN: ActionUi(f.ActionForm),
    Action.REQUEST_SUSPENSION: ActionUi(f.SuspensionForm),
    Action.APPROVE_SUSPENSION: ActionUi(f.ActionForm, primary=True),
    Action.REJECT_SUSPENSION: ActionUi(f.ActionForm),
    Action.RESUME: ActionUi(f.ActionForm, primary=True),
    Action.SEND_CHECK: ActionUi(f.SendCheckForm, primary=True),
    Action.PASS_CHECK: ActionUi(f.CheckForm, primary=True),
    Action.REWORK: ActionUi(f.CheckForm),
    Action.CLOSE: ActionUi(f.ActionForm, primary=True),
    Action.SUPERVISE: ActionUi(f.ActionForm),
    Action.APPROVE_OVERDUE_APPEAL: ActionUi(f.ActionForm),
    Action.REOPEN: ActionUi(f.ActionForm),
    Action.RATE: ActionUi(f.RateForm),
}
assert set(ACTION_UI) == set(Action) - {Action.REPORT}, "every action needs its form"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _case(user: User, case_id: int) -> Case:
    try:
        return access_case_by_id(user=user, case_id=case_id)
    except CaseNotFound:
        raise Http404(_("案卷不存在")) from None


#: What the note means for the actions where "意见" or "理由" would say it badly.
NOTE_LABELS = {
    Action.DISPOSE: gettext_lazy("处置情况"),
    Action.SUPERVISE: gettext_lazy("督办意见"),
    Action.REWORK: gettext_lazy("返工原因"),
    Action.REOPEN: gettext_lazy("未解决的情况"),
    Action.APPROVE_OVERDUE_APPEAL: gettext_lazy("批准理由"),
}


def _form(action: Action, case: Case, data: Any = None, files: Any = None) -> f.ActionForm:
    note_required = transition_for(case.status_enum, action).note_required
    initial: dict[str, Any] = {"version": case.version}
    if action == Action.FILE:
        initial["urgency"] = case.urgency
        if case.category_id:
            initial["category"] = case.category_id
    if action == Action.DISPATCH:
        from finegrid.dispatch.routing import propose_department

        proposal = propose_department(case)
        if proposal.department is not None:
            initial["department"] = proposal.department.pk
    return ACTION_UI[action].form(
        data,
        files,
        note_required=note_required,
        note_label=NOTE_LABELS.get(action),
        initial=initial,
    )


def _photos(files: list[UploadedFile[bytes]]) -> list[Photo]:
    return [Photo(upload.name or "photo", upload.read()) for upload in files]


def changed_message(case: Case) -> str:
    """ "此案卷已被X于T修改": who made the user's view stale, and when."""
    last = case.events.select_related("actor").order_by("-seq").first()
    if last is None:
        return _("案卷已被他人处理或修改，请刷新后重试")
    who = str(last.actor) if last.actor else _("市民")
    when = formats.date_format(timezone.localtime(last.at), "SHORT_DATETIME_FORMAT")
    return _("此案卷已被%(who)s于%(when)s修改（%(action)s），已为您刷新为最新状态") % {
        "who": who,
        "when": when,
        "action": ACTION_LABELS[Action(last.action)],
    }


def case_context(
    user: User, case: Case, forms: dict[Action, f.ActionForm] | None = None
) -> dict[str, Any]:
    from finegrid.dispatch.routing import propose_department

    available = actions_available(user, case)
    forms = forms or {}
    action_forms = [
        {
            "action": action,
            "label": ACTION_LABELS[action],
            "form": forms.get(action) or _form(action, case),
            "primary": ACTION_UI[action].primary,
            "open": action in forms,
        }
        for action in available
    ]
    action_forms.sort(key=lambda a: not a["primary"])
    events = list(
        case.events.select_related("actor").prefetch_related("attachments").order_by("seq")
    )
    proposal = propose_department(case) if case.status_enum == Status.FILED else None
    lon, lat = from_wgs84(case.lon, case.lat, display_crs())
    return {
        "display_point": {"lon": lon, "lat": lat},
        "grid_outline": for_display(case.grid.boundary) if case.grid else None,
        "case": case,
        "light": step_light(case),
        "actions": action_forms,
        "events": events,
        "attachments": list(case.attachments.order_by("pk")),
        "proposal": proposal,
        "full_contact": can_view_citizen_contact(user),
    }


@login_required
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = _case(user, case_id)
    return render(request, "web/case.html", case_context(user, case))


@login_required
@require_POST
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    user = _user(request)
    case = _case(user, case_id)
    chosen = next((a for a in ACTION_UI if a.value == action), None)
    if chosen is None:
        raise Http404(_("没有这个操作"))
    try:
        form = _form(chosen, case, request.POST, request.FILES)
    except WorkflowError:  # not allowed in this status at all: the case has moved on
        return _stale(request, user, case, chosen)
    if not form.is_valid():
        return _rerender(request, user, case, chosen, form)
    try:
        data = form.cleaned_data
        commands.take(
            chosen,
            case_id=case.pk,
            version=data["version"],
            actor=user,
            note=data["note"],
            photos=_photos(data.get("photos", [])),
            fields=data,
        )
    except CaseChanged:
        return _stale(request, user, case, chosen)
    except InvalidInput as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _rerender(request, user, case, chosen, form)
    except WorkflowError as exc:
        form.add_error(None, describe(exc))
        return _rerender(request, user, case, chosen, form, status=409)
    messages.success(
        request,
        _("已%(action)s：%(case)s") % {"action": ACTION_LABELS[chosen], "case": case.case_no},
    )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)  # back to the queue the action was taken from
    return redirect("case", case_id=case.pk)


def _stale(request: HttpRequest, user: User, case: Case, action: Action) -> HttpResponse:
    """The case moved on since the user read it: by their own double click (already done, say
    nothing), or by someone else (say who and when); either way, show the current state."""
    last = case.events.order_by("-seq").first()
    if not (last is not None and last.actor_id == user.pk and last.action == action):
        messages.warning(request, changed_message(case))
    return redirect("case", case_id=case.pk)


def _rerender(
    request: HttpRequest,
    user: User,
    case: Case,
    action: Action,
    form: f.ActionForm,
    status: int = 422,
) -> HttpResponse:
    context = case_context(user, case, {action: form})
    return render(request, "web/case.html", context, status=status)


@login_required
def case_photo(request: HttpRequest, case_id: int, attachment_id: int) -> FileResponse:
    """A case's photo, to those who may see the case."""
    return attachment_response(_case(_user(request), case_id), attachment_id)


def attachment_response(case: Case, attachment_id: int) -> FileResponse:
    """One photo of a case the caller may already see; 404 for any other id."""
    attachment = (
        case.attachments.filter(pk=attachment_id).first() if attachment_id < 2**63 else None
    )
    if attachment is None:
        raise Http404(_("附件不存在"))
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
