"""Cases: report, list, read, and every workflow action, each its own documented endpoint."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field as NinjaField
from ninja import Query, Router, Schema
from ninja.params.functions import Header as HeaderParam
from ninja.responses import Status as Reply

from finegrid.api import schemas as s
from finegrid.api.auth import Principal, principal
from finegrid.api.errors import ApiError, forbidden, not_found
from finegrid.api.idempotency import once
from finegrid.api.output import case_detail, case_out, with_related
from finegrid.api.schemas import Id
from finegrid.api.uploads import consume_uploads
from finegrid.cases import actions
from finegrid.cases.access import channel_cases, visible_cases
from finegrid.cases.actions import CitizenInput
from finegrid.cases.errors import CaseNotFound, InvalidInput
from finegrid.cases.models import ACTION_LABELS, Case, CaseAttachment, CaseEvent, Source
from finegrid.cases.photos import Photo
from finegrid.cases.selectors import filter_cases
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import Category, FilingRule
from finegrid.org.models import Unit, User

router = Router(tags=["cases"])

MAX_PAGE = 200


def readable_cases(caller: Principal) -> QuerySet[Case]:
    """The cases this caller may read: the pages' selector for staff, the channel's for a service."""
    if caller.user is not None:
        return visible_cases(caller.user)
    assert caller.token is not None
    assert caller.token.area is not None
    return channel_cases(source=caller.token.source, area_prefix=caller.token.area.code_prefix)


def _read(caller: Principal, case_id: int) -> Case:
    case = (
        with_related(readable_cases(caller))
        .select_related("filing_rule", "citizen")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise CaseNotFound(case_id)
    return case


# --- list ----------------------------------------------------------------------------------------


class CaseFilters(Schema):
    status: list[Status] = NinjaField(default_factory=list, description="repeatable")
    source: Source | None = None
    category_id: Id | None = None
    area: str | None = NinjaField(None, max_length=12, description="area code (and below)")
    grid: str | None = NinjaField(None, max_length=15)
    department_id: Id | None = None
    overdue: bool | None = NinjaField(None, description="past the current step's deadline")
    supervised: bool | None = None
    q: str | None = NinjaField(None, max_length=100, description="case number or text")
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    cursor: str | None = NinjaField(None, max_length=40)
    limit: int = NinjaField(50, ge=1, le=MAX_PAGE)


def _cursor(value: str) -> int:
    try:
        position = int(base64.urlsafe_b64decode(value.encode() + b"==").decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid", _("分页游标无效"), "cursor") from None
    return position


def _filtered(cases: QuerySet[Case], f: CaseFilters) -> QuerySet[Case]:
    return filter_cases(
        cases,
        status=f.status,
        source=f.source,
        category_id=f.category_id,
        area=f.area,
        grid=f.grid,
        department_id=f.department_id,
        overdue=f.overdue,
        supervised=f.supervised,
        text=f.q,
        reported_from=f.reported_from,
        reported_to=f.reported_to,
    )


@router.get("", response=s.CasePage, summary="案卷列表 List cases (newest first)")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    cases = _filtered(readable_cases(principal(request)), filters)
    if filters.cursor:
        cases = cases.filter(pk__lt=_cursor(filters.cursor))
    page = list(with_related(cases).order_by("-pk")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    next_cursor = (
        base64.urlsafe_b64encode(str(page[-1].pk).encode()).decode().rstrip("=") if more else None
    )
    return {"results": [case_out(c) for c in page], "next_cursor": next_cursor}


# --- report --------------------------------------------------------------------------------------


@router.post(
    "",
    response={201: s.CaseDetail},
    summary="上报问题 Report a problem",
    description="Creates a case in the normal workflow. Send `Idempotency-Key` so that a retry "
    "returns the first answer instead of filing twice.",
)
def report(
    request: HttpRequest,
    payload: s.ReportIn,
    idempotency_key: Annotated[
        str | None,
        HeaderParam(None, alias="Idempotency-Key", description="retry-safe key, ≤255 chars"),
    ] = None,
) -> Reply[Any]:
    caller = principal(request)

    created: list[Case] = []

    def run() -> tuple[int, Any, Case | None]:
        case = _report(caller, payload)
        created.append(case)
        return 201, {"case_id": case.pk}, case

    # The record keeps the case, not its rendering: the answer is drawn after the transaction
    # (whose locks every report waits on) has committed, and a retry draws the same case again.
    # A new case is drawn from the rows the report already holds; a retry reads it afresh.
    status, first = once(
        owner=caller.owner, key=idempotency_key, payload=payload.model_dump(mode="json"), run=run
    )
    case = created[0] if created else _read(caller, first["case_id"])
    return Reply(status, case_detail(caller, case))


def _report(caller: Principal, payload: s.ReportIn) -> Case:
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id).first()
        if category is None:
            raise InvalidInput("category_id", _("类别不存在"))
    citizen = (
        CitizenInput(payload.citizen.name.strip(), payload.citizen.phone.strip())
        if payload.citizen and (payload.citizen.name.strip() or payload.citizen.phone.strip())
        else None
    )
    actor, source, within = caller.user, payload.source or Source.INSPECTOR, None
    if caller.is_service:
        assert caller.token is not None
        if payload.self_handled or payload.source not in (None, caller.token.source):
            raise forbidden(_("服务令牌只能以其绑定的问题来源上报"))
        source, within = Source(caller.token.source), caller.token.area
    else:
        caller.require_user()
    with transaction.atomic():
        return actions.report_case(
            actor=actor,
            source=source,
            lon=payload.lon,
            lat=payload.lat,
            crs=payload.crs,
            description=payload.description,
            address=payload.address,
            category=category,
            component_code=payload.component_code,
            urgency=payload.urgency,
            citizen=citizen,
            photos=consume_uploads(caller, payload.photos),
            self_handled=payload.self_handled,
            within=within,
        )


# --- read ----------------------------------------------------------------------------------------


@router.get("/{case_id}", response=s.CaseDetail, summary="案卷详情与全过程 Case with timeline")
def read(request: HttpRequest, case_id: Id) -> dict[str, Any]:
    caller = principal(request)
    return case_detail(caller, _read(caller, case_id))


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    url_name="case_attachment",
    summary="下载照片 Download a photo",
    response={200: None},
)
def attachment(request: HttpRequest, case_id: Id, attachment_id: Id) -> FileResponse:
    case = _read(principal(request), case_id)
    found = CaseAttachment.objects.filter(case=case, pk=attachment_id).first()
    if found is None:
        raise not_found(_("附件不存在"))
    return FileResponse(found.file.open("rb"), content_type=found.content_type)


# --- actions -------------------------------------------------------------------------------------


def _user(user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).first()
    if found is None:
        raise InvalidInput(field, _("人员不存在"))
    return found


def _file(user: User, case_id: int, body: s.FileIn) -> CaseEvent:
    category = Category.objects.filter(pk=body.category_id).first()
    if category is None:
        raise InvalidInput("category_id", _("类别不存在"))
    rule = FilingRule.objects.filter(pk=body.filing_rule_id, category=category).first()
    if rule is None:
        raise InvalidInput("filing_rule_id", _("立案条件不属于所选类别"))
    return actions.file_case(
        case_id=case_id,
        version=body.version,
        actor=user,
        category=category,
        filing_rule=rule,
        urgency=body.urgency,
        note=body.note,
    )


def _dispatch(user: User, case_id: int, body: s.DispatchIn) -> CaseEvent:
    department = Unit.objects.filter(pk=body.department_id, is_active=True).first()
    if department is None:
        raise InvalidInput("department_id", _("处置单位不存在"))
    return actions.dispatch_case(
        case_id=case_id, version=body.version, actor=user, department=department, note=body.note
    )


@dataclass(frozen=True)
class Endpoint:
    schema: type[s.ActionIn]
    run: Callable[[User, int, Any, list[Photo]], CaseEvent]
    description: str = ""


def _noted(function: Callable[..., CaseEvent]) -> Callable[[User, int, Any, Any], CaseEvent]:
    return lambda user, case_id, body, photos: function(
        case_id=case_id, version=body.version, actor=user, note=body.note
    )


#: Every workflow action but the report, with the body it takes and the action function it calls.
ENDPOINTS: dict[Action, Endpoint] = {
    Action.ACCEPT: Endpoint(
        s.AcceptIn,
        lambda u, c, b, p: actions.accept_case(
            case_id=c,
            version=b.version,
            actor=u,
            inspector=_user(b.inspector_id, "inspector_id"),
            note=b.note,
        ),
    ),
    Action.DECLINE: Endpoint(s.ActionIn, _noted(actions.decline_case)),
    Action.VERIFY: Endpoint(
        s.VerifyIn,
        lambda u, c, b, p: actions.verify_case(
            case_id=c, version=b.version, actor=u, confirmed=b.confirmed, note=b.note, photos=p
        ),
    ),
    Action.FILE: Endpoint(s.FileIn, lambda u, c, b, p: _file(u, c, b)),
    Action.CANCEL: Endpoint(s.ActionIn, _noted(actions.cancel_case)),
    Action.REVIEW_SELF_HANDLED: Endpoint(
        s.ActionIn,
        lambda u, c, b, p: actions.review_self_handled(
            case_id=c, version=b.version, actor=u, approved=True, note=b.note
        ),
    ),
    Action.REJECT_SELF_HANDLED: Endpoint(
        s.ActionIn,
        lambda u, c, b, p: actions.review_self_handled(
            case_id=c, version=b.version, actor=u, approved=False, note=b.note
        ),
    ),
    Action.DISPATCH: Endpoint(s.DispatchIn, lambda u, c, b, p: _dispatch(u, c, b)),
    Action.SIGN_FOR: Endpoint(s.ActionIn, _noted(actions.sign_for_case)),
    Action.DISPOSE: Endpoint(
        s.PhotosIn,
        lambda u, c, b, p: actions.dispose_case(
            case_id=c, version=b.version, actor=u, note=b.note, photos=p
        ),
    ),
    Action.REQUEST_EXTENSION: Endpoint(
        s.ExtensionIn,
        lambda u, c, b, p: actions.request_extension(
            case_id=c, version=b.version, actor=u, amount=b.amount, unit=b.unit, note=b.note
        ),
    ),
    Action.APPROVE_EXTENSION: Endpoint(s.ActionIn, _noted(actions.approve_extension)),
    Action.REJECT_EXTENSION: Endpoint(s.ActionIn, _noted(actions.reject_extension)),
    Action.REQUEST_RETURN: Endpoint(s.ActionIn, _noted(actions.request_return)),
    Action.APPROVE_RETURN: Endpoint(s.ActionIn, _noted(actions.approve_return)),
    Action.REJECT_RETURN: Endpoint(s.ActionIn, _noted(actions.reject_return)),
    Action.REQUEST_SUSPENSION: Endpoint(
        s.SuspensionIn,
        lambda u, c, b, p: actions.request_suspension(
            case_id=c, version=b.version, actor=u, note=b.note, resume_on=b.resume_on
        ),
    ),
    Action.APPROVE_SUSPENSION: Endpoint(s.ActionIn, _noted(actions.approve_suspension)),
    Action.REJECT_SUSPENSION: Endpoint(s.ActionIn, _noted(actions.reject_suspension)),
    Action.RESUME: Endpoint(s.ActionIn, _noted(actions.resume_case)),
    Action.SEND_CHECK: Endpoint(
        s.SendCheckIn,
        lambda u, c, b, p: actions.send_check(
            case_id=c,
            version=b.version,
            actor=u,
            inspector=_user(b.inspector_id, "inspector_id"),
            note=b.note,
        ),
    ),
    Action.PASS_CHECK: Endpoint(
        s.PhotosIn,
        lambda u, c, b, p: actions.check_case(
            case_id=c, version=b.version, actor=u, passed=True, note=b.note, photos=p
        ),
    ),
    Action.REWORK: Endpoint(
        s.PhotosIn,
        lambda u, c, b, p: actions.check_case(
            case_id=c, version=b.version, actor=u, passed=False, note=b.note, photos=p
        ),
    ),
    Action.CLOSE: Endpoint(s.ActionIn, _noted(actions.close_case)),
    Action.SUPERVISE: Endpoint(s.ActionIn, _noted(actions.supervise_case)),
    Action.APPROVE_OVERDUE_APPEAL: Endpoint(s.ActionIn, _noted(actions.approve_overdue_appeal)),
    Action.REOPEN: Endpoint(s.ActionIn, _noted(actions.reopen_case)),
    Action.RATE: Endpoint(
        s.RateIn,
        lambda u, c, b, p: actions.rate_case(
            case_id=c, version=b.version, actor=u, satisfaction=b.satisfaction, note=b.note
        ),
    ),
}


def _add_action(action: Action, endpoint: Endpoint) -> None:
    schema = endpoint.schema

    def take(request: HttpRequest, case_id: Id, payload: schema) -> dict[str, Any]:  # type: ignore[valid-type]
        caller = principal(request)
        user = caller.require_user()
        photos = getattr(payload, "photos", [])
        with transaction.atomic():
            event = endpoint.run(user, case_id, payload, consume_uploads(caller, photos))
        return {"case": case_detail(caller, _read(caller, case_id)), "event_seq": event.seq}

    with translation.override(settings.LANGUAGE_CODE):  # the schema reads the same everywhere
        label = str(ACTION_LABELS[action])
    # Annotations are postponed in this module: give ninja the real body schema to read.
    take.__annotations__["payload"] = schema
    take.__name__ = f"case_{action.value}"
    router.post(
        f"/{{case_id}}/{action.value}",
        response=s.ActionOut,
        summary=f"{label} {action.value.replace('_', ' ')}",
        operation_id=f"case_{action.value}",
        tags=["case actions"],
    )(take)


for _action, _endpoint in ENDPOINTS.items():
    _add_action(_action, _endpoint)

assert set(ENDPOINTS) == set(Action) - {Action.REPORT}, "every action needs its endpoint"
