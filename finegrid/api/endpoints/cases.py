"""Cases: report, list, read, and every workflow action, each its own documented endpoint."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
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
from finegrid.cases import actions, commands
from finegrid.cases.access import channel_cases, visible_cases
from finegrid.cases.actions import CitizenInput
from finegrid.cases.errors import CaseNotFound, InvalidInput
from finegrid.cases.models import ACTION_LABELS, Case, CaseAttachment, Source
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


def _objects(payload: s.ActionIn) -> dict[str, Any]:
    """The body's fields as the action takes them: ids become the rows they name."""
    fields = payload.model_dump(exclude={"version", "note", "photos"})
    if (user_id := fields.pop("inspector_id", None)) is not None:
        fields["inspector"] = User.objects.filter(pk=user_id, is_active=True).first()
        if fields["inspector"] is None:
            raise InvalidInput("inspector_id", _("人员不存在"))
    if "category_id" in fields:
        category = Category.objects.filter(pk=fields.pop("category_id")).first()
        if category is None:
            raise InvalidInput("category_id", _("类别不存在"))
        rule = FilingRule.objects.filter(pk=fields.pop("filing_rule_id"), category=category).first()
        if rule is None:
            raise InvalidInput("filing_rule_id", _("立案条件不属于所选类别"))
        fields |= {"category": category, "filing_rule": rule}
    if "department_id" in fields:
        department = Unit.objects.filter(pk=fields.pop("department_id"), is_active=True).first()
        if department is None:
            raise InvalidInput("department_id", _("处置单位不存在"))
        fields["department"] = department
    return fields


#: Every workflow action but the report, and the body it takes (the call is commands.take's).
ENDPOINTS: dict[Action, type[s.ActionIn]] = {
    Action.ACCEPT: s.AcceptIn,
    Action.DECLINE: s.ActionIn,
    Action.VERIFY: s.VerifyIn,
    Action.FILE: s.FileIn,
    Action.CANCEL: s.ActionIn,
    Action.REVIEW_SELF_HANDLED: s.ActionIn,
    Action.REJECT_SELF_HANDLED: s.ActionIn,
    Action.DISPATCH: s.DispatchIn,
    Action.SIGN_FOR: s.ActionIn,
    Action.DISPOSE: s.PhotosIn,
    Action.REQUEST_EXTENSION: s.ExtensionIn,
    Action.APPROVE_EXTENSION: s.ActionIn,
    Action.REJECT_EXTENSION: s.ActionIn,
    Action.REQUEST_RETURN: s.ActionIn,
    Action.APPROVE_RETURN: s.ActionIn,
    Action.REJECT_RETURN: s.ActionIn,
    Action.REQUEST_SUSPENSION: s.SuspensionIn,
    Action.APPROVE_SUSPENSION: s.ActionIn,
    Action.REJECT_SUSPENSION: s.ActionIn,
    Action.RESUME: s.ActionIn,
    Action.SEND_CHECK: s.SendCheckIn,
    Action.PASS_CHECK: s.PhotosIn,
    Action.REWORK: s.PhotosIn,
    Action.CLOSE: s.ActionIn,
    Action.SUPERVISE: s.ActionIn,
    Action.APPROVE_OVERDUE_APPEAL: s.ActionIn,
    Action.REOPEN: s.ActionIn,
    Action.RATE: s.RateIn,
}


def _add_action(action: Action, schema: type[s.ActionIn]) -> None:
    def take(request: HttpRequest, case_id: Id, payload: s.ActionIn) -> dict[str, Any]:
        caller = principal(request)
        user = caller.require_user()
        with transaction.atomic():
            event = commands.take(
                action,
                case_id=case_id,
                version=payload.version,
                actor=user,
                note=payload.note,
                photos=consume_uploads(caller, getattr(payload, "photos", [])),
                fields=_objects(payload),
            )
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


for _action, _schema in ENDPOINTS.items():
    _add_action(_action, _schema)

assert set(ENDPOINTS) == set(Action) - {Action.REPORT}, "every action needs its endpoint"
