"""The only code that changes a case: one function per action, each one transaction, one event.

Every transition is a compare-and-set on (id, status, version): two people acting at once, one
wins and the other gets CaseChanged with nothing written. Side effects run after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from finegrid.cases import timers, tracking
from finegrid.cases.access import check_action_scope, scope_of, visibility
from finegrid.cases.errors import (
    CaseChanged,
    CaseNotFound,
    InvalidInput,
    NoteRequired,
    OutsideArea,
)
from finegrid.cases.events import record_event
from finegrid.cases.models import (
    AttachmentKind,
    Case,
    CaseAttachment,
    CaseEvent,
    CitizenContact,
    DailyCounter,
    Satisfaction,
    Source,
)
from finegrid.cases.photos import Photo, check_photos, strip_location
from finegrid.cases.tracking import CODE_LENGTH, TRACKING_ALPHABET
from finegrid.cases.workflow import (
    CITIZEN_ROLE,
    PUBLIC_ACTIONS,
    REPORT_ROLES,
    SELF_HANDLE_ROLES,
    TERMINAL,
    Action,
    ActionNotPermitted,
    Status,
    role_for,
    transition_for,
)
from finegrid.catalogue.models import Category, FilingRule, Urgency, format_limit
from finegrid.core.tasks import enqueue
from finegrid.geo.crs import CRS, CoordinateError, to_wgs84, validate_lonlat
from finegrid.geo.models import Area
from finegrid.geo.selectors import OutsideCity, locate_point
from finegrid.org.models import Unit, UnitKind, User
from finegrid.org.roles import Role, roles_of
from finegrid.worktime import selectors as worktime
from finegrid.worktime.calendar import TimeUnit

RECEIVING_UNITS = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.STREET_OFFICE, UnitKind.COMMUNITY_COMMITTEE}
)


@dataclass(frozen=True)
class CitizenInput:
    name: str
    phone: str


# --- input checks (before any write) -------------------------------------------------------------


def _store_photos(
    case: Case, photos: list[tuple[Photo, str]], kind: AttachmentKind
) -> list[CaseAttachment]:
    stored = []
    for photo, extension in photos:
        digest = hashlib.sha256(photo.content).hexdigest()
        attachment = CaseAttachment(
            case=case,
            kind=kind,
            content_type=f"image/{'jpeg' if extension == 'jpg' else extension}",
            size=len(photo.content),
            sha256=digest,
        )
        attachment.file.save(
            f"{case.case_no}-{digest[:12]}.{extension}", ContentFile(photo.content), save=False
        )
        attachment.save()
        stored.append(attachment)
    return stored


def _require_note(note: str) -> str:
    if not note.strip():
        raise NoteRequired()
    return note.strip()


def _tracking_code() -> str:
    """A new code (`finegrid.cases.tracking`), not yet given to any case."""
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _i in range(CODE_LENGTH))
        if not Case.objects.filter(tracking_code=code).exists():
            return code


def _next_case_no(day: dt.date) -> str:
    for _attempt in range(3):
        with transaction.atomic():
            if DailyCounter.objects.filter(day=day).update(value=F("value") + 1):
                value = DailyCounter.objects.values_list("value", flat=True).get(day=day)
                return f"{day:%Y%m%d}{value:05d}"
            try:
                with transaction.atomic():
                    DailyCounter.objects.create(day=day, value=1)
                return f"{day:%Y%m%d}00001"
            except IntegrityError:
                continue  # someone created today's counter first: count on it
    raise CaseChanged("case number")


# --- reporting -----------------------------------------------------------------------------------


def report_case(
    *,
    actor: User | None,
    source: Source,
    lon: float,
    lat: float,
    description: str,
    crs: CRS = CRS.WGS84,
    address: str = "",
    category: Category | None = None,
    component_code: str = "",
    urgency: Urgency = Urgency.ORDINARY,
    citizen: CitizenInput | None = None,
    photos: Sequence[Photo] = (),
    self_handled: bool = False,
    within: Area | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """A new report. `actor` is the staff member; None for a channel acting for the public.
    `within`: the area a channel may report in (a service token's); a point outside is refused."""
    # A report made now is located on the current map (one cached index, no date queries).
    on = None if at is None else timezone.localdate(at)
    at = at or timezone.now()
    role = ""
    if actor is not None:
        held = roles_of(actor)
        allowed = SELF_HANDLE_ROLES if self_handled else REPORT_ROLES
        if not held & allowed:
            raise ActionNotPermitted(Action.REPORT, held)
        role = sorted(held & allowed)[0]
    elif self_handled:
        raise ActionNotPermitted(Action.REPORT, frozenset())
    if not description.strip():
        raise InvalidInput("description", _("请填写问题描述"))
    try:
        validate_lonlat(lon, lat)
        lon, lat = to_wgs84(lon, lat, crs)
        place = locate_point(lon=lon, lat=lat, on=on)
    except CoordinateError as exc:
        raise InvalidInput("location", str(exc)) from None
    except OutsideCity as exc:
        raise InvalidInput("location", str(exc)) from None
    if category is not None and not category.is_active:
        raise InvalidInput("category", _("类别“%(name)s”已停用") % {"name": category.name})
    if component_code:
        from finegrid.catalogue.codes import validate_component_code

        try:
            validate_component_code(component_code)
        except ValidationError as exc:
            raise InvalidInput("component_code", "；".join(exc.messages)) from None
    checked = check_photos(photos)
    if actor is None:
        # A citizen's photo would tell everyone where they stood (often their home): drop it.
        checked = [(strip_location(photo), extension) for photo, extension in checked]
    area = place.community or place.street or place.district
    assert area is not None
    assert place.district is not None
    if within is not None and not area.code.startswith(within.code_prefix):
        raise OutsideArea(within.name)

    with transaction.atomic():
        contact = (
            CitizenContact.objects.create(name=citizen.name, phone=citizen.phone)
            if citizen
            else None
        )
        status = Status.SELF_HANDLED if self_handled else Status.REPORTED
        case = Case.objects.create(
            case_no=_next_case_no(timezone.localdate(at)),
            tracking_code=_tracking_code() if actor is None else None,
            source=source,
            status=status,
            reporter=actor,
            citizen=contact,
            self_handled=self_handled,
            lon=lon,
            lat=lat,
            address=address.strip(),
            grid=place.grid,
            community=place.community,
            street=place.street,
            district=place.district,
            area_code=area.code,
            component_code=component_code,
            category=category,
            urgency=urgency,
            description=description.strip(),
            reported_at=at,
            **timers.step_clock(status, at, None, ""),
        )
        attachments = _store_photos(
            case, checked, AttachmentKind.AFTER if self_handled else AttachmentKind.BEFORE
        )
        event = record_event(
            case=case,
            action=Action.REPORT,
            from_status=None,
            to_status=status,
            actor=actor,
            actor_role=role,
            at=at,
            note=description.strip(),
            data={
                "source": source,
                "grid": place.grid.code if place.grid else None,
                "area": area.code,
                "category": category.pk if category else None,
                "urgency": urgency,
                **_deadlines(case),
            },
            attachments=attachments,
        )
        enqueue("cases.notify_event", event_id=event.pk)
    return case


# --- the transition machinery --------------------------------------------------------------------


@dataclass
class _Step:
    case: Case
    role: str  # a Role, or CITIZEN_ROLE for a citizen acting with the tracking code
    at: dt.datetime


def _begin(
    *,
    case_id: int,
    version: int,
    actor: User | None,
    action: Action,
    at: dt.datetime | None,
    tracking_code: str = "",
) -> _Step:
    if actor is None:
        return _begin_public(
            case_id=case_id, version=version, action=action, at=at, tracking_code=tracking_code
        )
    if not actor.is_active:
        raise CaseNotFound(case_id)
    scope = scope_of(actor)
    case = Case.objects.filter(visibility(actor, scope), pk=case_id).first()
    if case is None:
        raise CaseNotFound(case_id)
    if case.version != version:
        # The user acted on what they saw; that it has moved on is the conflict, not the status.
        raise CaseChanged(case_id)
    transition = transition_for(case.status_enum, action)
    role = role_for(transition, action, scope.roles)
    check_action_scope(user=actor, case=case, action=action, role=role, scope=scope)
    return _Step(case, role, _moment_after_last(case, at))


def _moment_after_last(case: Case, at: dt.datetime | None) -> dt.datetime:
    moment = at or timezone.now()
    last = case.events.order_by("-seq").values_list("at", flat=True).first()
    if last is not None and moment < last:
        # Elapsed times and scores come from events: a step cannot happen before the one it follows.
        raise InvalidInput("at", _("操作时间早于该案卷的上一步"))
    return moment


def _begin_public(
    *, case_id: int, version: int, action: Action, at: dt.datetime | None, tracking_code: str
) -> _Step:
    """A citizen's own step: the tracking code proves the case is theirs; nobody else's is found."""
    code = tracking.normalise(tracking_code)
    case = (
        Case.objects.filter(pk=case_id, tracking_code=code).first()
        if tracking.is_well_formed(code)
        else None
    )
    if case is None:
        raise CaseNotFound(case_id)
    if case.version != version:
        raise CaseChanged(case_id)
    transition_for(case.status_enum, action)
    if action not in PUBLIC_ACTIONS:
        raise ActionNotPermitted(action, frozenset())
    return _Step(case, CITIZEN_ROLE, _moment_after_last(case, at))


def _commit(
    step: _Step,
    *,
    version: int,
    actor: User | None,
    action: Action,
    target: Status | None = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    photos: list[tuple[Photo, str]] | None = None,
    photo_kind: AttachmentKind = AttachmentKind.EVIDENCE,
) -> CaseEvent:
    case, at = step.case, step.at
    transition = transition_for(case.status_enum, action)
    if transition.note_required:
        note = _require_note(note)
    if target is None:
        (target,) = transition.targets
    assert target in transition.targets, (action, target)
    fields = dict(changes or {})
    if target in TERMINAL and target != case.status_enum:
        fields.setdefault("closed_at", at)
    if target != case.status_enum:
        fields.update(
            timers.step_clock(
                target,
                at,
                fields.get("disposal_deadline", case.disposal_deadline),
                fields.get("disposal_unit", case.disposal_unit),
            )
        )
    with transaction.atomic():
        rows = Case.objects.filter(pk=case.pk, status=case.status, version=version).update(
            status=target, version=F("version") + 1, **fields
        )
        if rows != 1:
            raise CaseChanged(case.pk)
        from_status = case.status_enum
        case.refresh_from_db()
        attachments = _store_photos(case, photos or [], photo_kind)
        event = record_event(
            case=case,
            action=action,
            from_status=from_status,
            to_status=target,
            actor=actor,
            actor_role=step.role,
            at=at,
            note=note.strip(),
            data={**(data or {}), **_deadlines(case)},
            attachments=attachments,
        )
        enqueue("cases.notify_event", event_id=event.pk)
    return event


def _deadlines(case: Case) -> dict[str, str | None]:
    return {
        "step_deadline": _iso(case.step_deadline),
        "disposal_deadline": _iso(case.disposal_deadline),
    }


def _grid_inspector(case: Case, chosen: User | None) -> User:
    if chosen is not None:
        if Role.INSPECTOR not in roles_of(chosen):
            raise InvalidInput("inspector", _("%(name)s不是监督员") % {"name": chosen})
        return chosen
    inspector = (
        User.objects.filter(grids=case.grid_id, is_active=True).order_by("pk").first()
        if case.grid_id
        else None
    )
    if inspector is None:
        raise InvalidInput("inspector", _("该网格没有监督员，请指定核实/核查人员"))
    return inspector


def _disposal_limit(case: Case) -> tuple[Decimal, TimeUnit]:
    if case.filing_rule is None:
        raise InvalidInput("filing_rule", _("案卷尚未立案，没有处置时限"))
    amount, unit = case.filing_rule.limit_for(case.urgency)
    return Decimal(amount), TimeUnit(unit)


def _with_note(
    action: Action, *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None
) -> CaseEvent:
    """An action that carries nothing but the actor's note (the table says whether one is required)."""
    step = _begin(case_id=case_id, version=version, actor=actor, action=action, at=at)
    return _commit(step, version=version, actor=actor, action=action, note=note)


# --- one function per action ---------------------------------------------------------------------


def accept_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    inspector: User | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Take a report in; unless an inspector reported it, send it to the grid's inspector to verify."""
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.ACCEPT, at=at)
    if step.case.source == Source.INSPECTOR:
        return _commit(
            step,
            version=version,
            actor=actor,
            action=Action.ACCEPT,
            target=Status.PENDING_FILING,
            note=note,
        )
    chosen = _grid_inspector(step.case, inspector)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.ACCEPT,
        target=Status.VERIFYING,
        note=note,
        changes={"inspector": chosen},
        data={"inspector": chosen.pk},
    )


def decline_case(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.DECLINE, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def verify_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    confirmed: bool,
    note: str = "",
    photos: Sequence[Photo] = (),
    at: dt.datetime | None = None,
) -> CaseEvent:
    """The inspector's finding on site; the shift leader then files or cancels."""
    checked = check_photos(photos)
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.VERIFY, at=at)
    if not confirmed:
        note = _require_note(note)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.VERIFY,
        note=note,
        data={"confirmed": confirmed},
        photos=checked,
        photo_kind=AttachmentKind.BEFORE,
    )


def file_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    category: Category,
    filing_rule: FilingRule,
    urgency: Urgency | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """File under a category and filing rule; the rule fixes the disposal limit."""
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.FILE, at=at)
    if not category.is_active:
        raise InvalidInput("category", _("类别“%(name)s”已停用") % {"name": category.name})
    if filing_rule.category_id != category.pk:
        raise InvalidInput(
            "filing_rule", _("立案条件不属于类别“%(name)s”") % {"name": category.name}
        )
    if not filing_rule.is_active:
        raise InvalidInput("filing_rule", _("该立案条件已停用"))
    chosen_urgency = urgency or Urgency(step.case.urgency)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.FILE,
        note=note,
        changes={"category": category, "filing_rule": filing_rule, "urgency": chosen_urgency},
        data={"category": category.pk, "filing_rule": filing_rule.pk, "urgency": chosen_urgency},
    )


def cancel_case(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.CANCEL, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def review_self_handled(
    *,
    case_id: int,
    version: int,
    actor: User,
    approved: bool,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    action = Action.REVIEW_SELF_HANDLED if approved else Action.REJECT_SELF_HANDLED
    step = _begin(case_id=case_id, version=version, actor=actor, action=action, at=at)
    return _commit(step, version=version, actor=actor, action=action, note=note)


def dispatch_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    department: Unit,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Send to a department; the routing proposal and any override are recorded with the event."""
    from finegrid.dispatch.routing import propose_department

    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.DISPATCH, at=at)
    if department.kind not in RECEIVING_UNITS or not department.is_active:
        raise InvalidInput("department", _("“%(name)s”不能接收派遣") % {"name": department})
    # The reason is stored in the event (and its hash): always in the platform's language.
    with translation.override(settings.LANGUAGE_CODE):
        proposal = propose_department(step.case)
    amount, unit = _disposal_limit(step.case)
    deadline = worktime.deadline(step.at, amount, unit)
    overridden = proposal.department is not None and proposal.department.pk != department.pk
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.DISPATCH,
        note=note,
        changes={
            "department": department,
            "disposal_deadline": deadline,
            "disposal_unit": unit.value,
        },
        data={
            "department": department.pk,
            "proposed": proposal.department.pk if proposal.department else None,
            "proposal_reason": proposal.reason,
            "overridden": overridden,
            "limit": f"{amount} {unit.value}",
        },
    )


def sign_for_case(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.SIGN_FOR, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def dispose_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    note: str,
    photos: Sequence[Photo] = (),
    at: dt.datetime | None = None,
) -> CaseEvent:
    checked = check_photos(photos)
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.DISPOSE, at=at)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.DISPOSE,
        note=note,
        photos=checked,
        photo_kind=AttachmentKind.AFTER,
        data={
            "on_time": bool(step.case.disposal_deadline and step.at <= step.case.disposal_deadline)
        },
    )


def request_extension(
    *,
    case_id: int,
    version: int,
    actor: User,
    amount: Decimal,
    unit: TimeUnit,
    note: str,
    at: dt.datetime | None = None,
) -> CaseEvent:
    step = _begin(
        case_id=case_id, version=version, actor=actor, action=Action.REQUEST_EXTENSION, at=at
    )
    if amount <= 0:
        raise InvalidInput("amount", _("延期时长必须大于0"))
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.REQUEST_EXTENSION,
        note=note,
        data={"amount": str(amount), "unit": TimeUnit(unit).value},
    )


def _pending_request(case: Case, action: Action) -> dict[str, Any]:
    event = (
        case.events.filter(action=action).order_by("-seq").values_list("data", flat=True).first()
    )
    return dict(event or {})


def approve_extension(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    """The deadline moves by the requested time, counted from the old deadline."""
    step = _begin(
        case_id=case_id, version=version, actor=actor, action=Action.APPROVE_EXTENSION, at=at
    )
    asked = _pending_request(step.case, Action.REQUEST_EXTENSION)
    amount, unit = Decimal(asked["amount"]), TimeUnit(asked["unit"])
    base = max(step.case.disposal_deadline or step.at, step.at)
    deadline = worktime.deadline(base, amount, unit)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.APPROVE_EXTENSION,
        note=note,
        changes={"disposal_deadline": deadline, "extension_count": F("extension_count") + 1},
        data={
            "amount": str(amount),
            "unit": unit.value,
            "previous_deadline": _iso(step.case.disposal_deadline),
        },
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def reject_extension(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.REJECT_EXTENSION, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def request_return(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.REQUEST_RETURN, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def approve_return(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    """Not theirs: back to the dispatch queue, the department and its deadline cleared."""
    step = _begin(
        case_id=case_id, version=version, actor=actor, action=Action.APPROVE_RETURN, at=at
    )
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.APPROVE_RETURN,
        note=note,
        changes={"department": None, "disposal_deadline": None, "disposal_unit": ""},
        data={"returned_by": step.case.department_id},
    )


def reject_return(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.REJECT_RETURN, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def request_suspension(
    *,
    case_id: int,
    version: int,
    actor: User,
    note: str,
    resume_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    step = _begin(
        case_id=case_id, version=version, actor=actor, action=Action.REQUEST_SUSPENSION, at=at
    )
    if resume_on is not None and resume_on <= timezone.localdate(step.at):
        raise InvalidInput("resume_on", _("恢复日期必须晚于今天"))
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.REQUEST_SUSPENSION,
        note=note,
        data={"resume_on": resume_on.isoformat() if resume_on else None},
    )


def approve_suspension(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    """The clock stops: what was left of the disposal time is kept to restart from on resume."""
    step = _begin(
        case_id=case_id, version=version, actor=actor, action=Action.APPROVE_SUSPENSION, at=at
    )
    case = step.case
    unit = TimeUnit(case.disposal_unit or TimeUnit.WORKING_HOURS)
    remaining = Decimal(0)
    if case.disposal_deadline is not None and case.disposal_deadline > step.at:
        remaining = worktime.elapsed(step.at, case.disposal_deadline, unit)
    asked = _pending_request(case, Action.REQUEST_SUSPENSION)
    resume_on = dt.date.fromisoformat(asked["resume_on"]) if asked.get("resume_on") else None
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.APPROVE_SUSPENSION,
        note=note,
        changes={
            "disposal_remaining": remaining,
            "disposal_deadline": None,
            "suspended_until": resume_on,
        },
        data={"remaining": str(remaining), "unit": unit.value},
    )


def reject_suspension(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    return _with_note(
        Action.REJECT_SUSPENSION, case_id=case_id, version=version, actor=actor, note=note, at=at
    )


def resume_case(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.RESUME, at=at)
    case = step.case
    unit = TimeUnit(case.disposal_unit or TimeUnit.WORKING_HOURS)
    remaining = Decimal(case.disposal_remaining or 0)
    deadline = worktime.deadline(step.at, remaining, unit) if remaining > 0 else step.at
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.RESUME,
        note=note,
        changes={
            "disposal_deadline": deadline,
            "disposal_remaining": None,
            "suspended_until": None,
        },
    )


def send_check(
    *,
    case_id: int,
    version: int,
    actor: User,
    inspector: User | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.SEND_CHECK, at=at)
    chosen = _grid_inspector(step.case, inspector)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.SEND_CHECK,
        note=note,
        changes={"inspector": chosen},
        data={"inspector": chosen.pk},
    )


def check_case(
    *,
    case_id: int,
    version: int,
    actor: User,
    passed: bool,
    note: str = "",
    photos: Sequence[Photo] = (),
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Passed: ready to close. Failed: rework, back to the same department with a fresh limit."""
    checked = check_photos(photos)
    action = Action.PASS_CHECK if passed else Action.REWORK
    step = _begin(case_id=case_id, version=version, actor=actor, action=action, at=at)
    if passed:
        return _commit(step, version=version, actor=actor, action=action, note=note, photos=checked)
    amount, unit = _disposal_limit(step.case)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=action,
        note=note,
        photos=checked,
        changes={
            "rework_count": F("rework_count") + 1,
            "disposal_deadline": worktime.deadline(step.at, amount, unit),
            "disposal_unit": unit.value,
        },
    )


def close_case(
    *, case_id: int, version: int, actor: User, note: str = "", at: dt.datetime | None = None
) -> CaseEvent:
    step = _begin(case_id=case_id, version=version, actor=actor, action=Action.CLOSE, at=at)
    on_time = step.case.disposal_deadline is None or _disposed_on_time(step.case)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.CLOSE,
        note=note,
        data={"disposed_on_time": on_time},
    )


def _disposed_on_time(case: Case) -> bool:
    disposed = (
        case.events.filter(action=Action.DISPOSE)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    return bool(disposed and case.disposal_deadline and disposed <= case.disposal_deadline)


def _set_flag(
    action: Action,
    flag: str,
    *,
    case_id: int,
    version: int,
    actor: User,
    note: str,
    at: dt.datetime | None,
) -> CaseEvent:
    """An action that raises a flag on the case and leaves its status where it is."""
    step = _begin(case_id=case_id, version=version, actor=actor, action=action, at=at)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=action,
        target=step.case.status_enum,
        note=note,
        changes={flag: True},
    )


def supervise_case(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    """督办: flag the case for urgent follow-up."""
    return _set_flag(
        Action.SUPERVISE,
        "supervised",
        case_id=case_id,
        version=version,
        actor=actor,
        note=note,
        at=at,
    )


def approve_overdue_appeal(
    *, case_id: int, version: int, actor: User, note: str, at: dt.datetime | None = None
) -> CaseEvent:
    """超时申诉: the supervision centre accepts that the delay was not the department's doing."""
    return _set_flag(
        Action.APPROVE_OVERDUE_APPEAL,
        "overdue_exempt",
        case_id=case_id,
        version=version,
        actor=actor,
        note=note,
        at=at,
    )


def reopen_case(
    *,
    case_id: int,
    version: int,
    actor: User | None,
    note: str,
    tracking_code: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """A citizen says it is not fixed (themselves with the tracking code, or on the phone to a
    receptionist): within the window, back to the department as rework."""
    step = _begin(
        case_id=case_id,
        version=version,
        actor=actor,
        action=Action.REOPEN,
        at=at,
        tracking_code=tracking_code,
    )
    case = step.case
    window, window_unit = timers.step_limit("reopen")
    if case.closed_at is None or worktime.elapsed(case.closed_at, step.at, window_unit) > window:
        raise InvalidInput(
            "reopen",
            _("结案已超过%(limit)s，不能重新开启") % {"limit": format_limit(window, window_unit)},
        )
    if case.department_id is None:
        raise InvalidInput("reopen", _("自处理案卷没有处置单位，请重新上报"))
    amount, unit = _disposal_limit(case)
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.REOPEN,
        note=note,
        changes={
            "closed_at": None,
            "satisfaction": "",
            "rework_count": F("rework_count") + 1,
            "disposal_deadline": worktime.deadline(step.at, amount, unit),
            "disposal_unit": unit.value,
        },
    )


def rate_case(
    *,
    case_id: int,
    version: int,
    actor: User | None,
    satisfaction: Satisfaction | str,
    note: str = "",
    tracking_code: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    """The citizen's satisfaction with a closed case: once per closing (a reopened case is rated
    anew). By the citizen with the tracking code, or recorded by a receptionist on a callback."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("satisfaction", _("请选择满意、基本满意或不满意"))
    step = _begin(
        case_id=case_id,
        version=version,
        actor=actor,
        action=Action.RATE,
        at=at,
        tracking_code=tracking_code,
    )
    if step.case.satisfaction:
        raise InvalidInput("satisfaction", _("此案卷已评价"))
    return _commit(
        step,
        version=version,
        actor=actor,
        action=Action.RATE,
        note=note,
        changes={"satisfaction": Satisfaction(satisfaction).value},
        data={"satisfaction": Satisfaction(satisfaction).value},
    )
