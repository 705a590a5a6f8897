"""The inspector's mobile workspace (监督员巡查, /m/): my grids and tasks on a map, a report in a few
taps, and the finding on a verify or check task.

Views parse, call an action or a read, and render. Each form carries a one-time token used as the
idempotency key of its submission, so a double tap files once; photos that passed their check are
kept as uploads when the rest of a submission is refused, so nobody picks them again.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Final
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db.models import Max, Min
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from finegrid.api.auth import Principal
from finegrid.api.idempotency import once
from finegrid.api.models import IdempotencyRecord, Upload
from finegrid.api.uploads import consume_uploads, store_upload
from finegrid.cases import actions
from finegrid.cases.access import access_case_by_id
from finegrid.cases.errors import (
    CaseChanged,
    CaseNotFound,
    InvalidInput,
    NoteRequired,
    WorkflowError,
    describe,
)
from finegrid.cases.models import (
    ACTION_LABELS,
    STATUS_LABELS,
    AttachmentKind,
    Case,
    CaseEvent,
    Source,
)
from finegrid.cases.photos import Photo, check_photo
from finegrid.cases.workflow import Action, Status
from finegrid.catalogue.models import ActionTag, Category, Urgency
from finegrid.geo.crs import (
    CRS,
    CoordinateError,
    from_wgs84,
    parse_crs,
    to_wgs84,
    validate_lonlat,
)
from finegrid.geo.display import display_crs, for_display
from finegrid.geo.models import Area, AreaLevel, Grid
from finegrid.geo.selectors import OutsideCity, locate_point
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of
from finegrid.web.forms_inspector import MAX_PHOTOS, ReportForm, TaskForm
from finegrid.worktime import selectors as worktime

TASK_STATUSES: Final = (Status.VERIFYING, Status.CHECKING)
#: Distances are compared as shown (to 10 m): tasks as near as each other go earliest deadline first.
NEAR_METRES: Final = 10.0
RECENT_REPORTS: Final = 10
RECENT_CATEGORIES: Final = 6
EARTH_RADIUS_M: Final = 6_371_008.8
#: Where each field's error is shown on the report form; other errors go to the top.
REPORT_FIELDS: Final = {
    "location": "lon",
    "description": "description",
    "address": "address",
    "category": "category",
    "urgency": "urgency",
    "photos": "photos",
}
TASK_FIELDS: Final = {"note": "note", "photos": "photos"}
#: The banner a page shows after a submission, from `?done=` (a replay shows the same one).
DONE_MESSAGES: Final = {
    "report": gettext_lazy("已上报，案卷号%(case_no)s"),
    "verify": gettext_lazy("核实结果已提交"),
    "check": gettext_lazy("核查结果已提交"),
}

View = Callable[..., HttpResponseBase]


def inspector_only(view: View) -> View:
    """Logged in, and holding the inspector role: anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, User) or Role.INSPECTOR not in roles_of(user):
            raise PermissionDenied(_("此页面仅供监督员使用"))
        return view(request, user, *args, **kwargs)

    return login_required(wrapper)


# --- reads: tasks, position, places ---------------------------------------------------------------


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two WGS-84 (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


LIGHT_LABELS: Final = {
    "green": gettext_lazy("绿灯"),
    "yellow": gettext_lazy("黄灯"),
    "red": gettext_lazy("红灯"),
}


def step_light(case: Case, now: dt.datetime) -> str | None:
    """The current step's traffic light; a step that began after its deadline is already red."""
    if case.step_deadline is None:
        return None
    if case.step_deadline <= case.step_started_at:
        return "red"
    return worktime.traffic_light(
        case.step_started_at, case.step_deadline, now, unit=case.step_unit or "working_hours"
    )


@dataclass(frozen=True)
class Clock:
    """The running step's deadline as a person reads it: the light, and the time left or over."""

    light: str
    deadline: dt.datetime
    overdue: bool
    left: str

    @property
    def light_label(self) -> str:
        return str(LIGHT_LABELS[self.light])


def step_clock(case: Case, now: dt.datetime) -> Clock | None:
    light = step_light(case, now)
    if light is None or case.step_deadline is None:
        return None
    deadline = case.step_deadline
    if deadline <= now:
        left = _("已超时%(time)s") % {"time": timesince(deadline, now, depth=2)}
    else:
        left = _("剩余%(time)s") % {"time": timeuntil(deadline, now, depth=2)}
    return Clock(light=light, deadline=deadline, overdue=deadline <= now, left=left)


@dataclass(frozen=True)
class Task:
    """One verify or check task of the inspector, as the list and the map show it."""

    case: Case
    verifying: bool
    clock: Clock | None
    distance_m: float | None
    display: tuple[float, float]

    @property
    def distance_text(self) -> str:
        if self.distance_m is None:
            return ""
        if self.distance_m < 1000:
            return _("约%(m)d米") % {"m": round(self.distance_m / NEAR_METRES) * NEAR_METRES}
        return _("约%(km).1f公里") % {"km": self.distance_m / 1000}


def inspection_tasks(*, user: User, near: tuple[float, float] | None) -> list[Task]:
    """My open verify and check tasks: nearest first, then earliest deadline; without a position,
    earliest deadline first."""
    now = timezone.now()
    cases = (
        Case.objects.filter(inspector=user, status__in=TASK_STATUSES)
        .select_related("category", "community", "grid")
        .order_by("step_deadline", "pk")
    )
    crs = display_crs()
    tasks = [
        Task(
            case=case,
            verifying=case.status == Status.VERIFYING,
            clock=step_clock(case, now),
            distance_m=None if near is None else distance_m(near, (case.lon, case.lat)),
            display=from_wgs84(case.lon, case.lat, crs),
        )
        for case in cases
    ]
    never = dt.datetime.max.replace(tzinfo=dt.UTC)

    def key(task: Task) -> tuple[float, dt.datetime, int]:
        bucket = 0.0 if task.distance_m is None else round(task.distance_m / NEAR_METRES)
        return bucket, task.case.step_deadline or never, task.case.pk

    return sorted(tasks, key=key)


def _position(query: Any) -> tuple[float, float] | None:
    """The phone's position from ?lon=&lat=&crs= as WGS-84, or None when absent or unusable."""
    try:
        lon, lat = float(query.get("lon", "")), float(query.get("lat", ""))
        crs = parse_crs(query.get("crs") or CRS.WGS84.value)
        validate_lonlat(lon, lat)
        return to_wgs84(lon, lat, crs)
    except ValueError:  # CoordinateError and an unknown CRS are ValueErrors too
        return None


def _map_context(user: User) -> dict[str, Any]:
    """What the page's map needs: tiles, their coordinate system, and a box to start from."""
    box = (
        Grid.objects.current()
        .filter(inspectors=user)
        .aggregate(w=Min("min_lon"), s=Min("min_lat"), e=Max("max_lon"), n=Max("max_lat"))
    )
    if box["w"] is None:
        city = Area.objects.current().filter(level=AreaLevel.CITY, min_lon__isnull=False).first()
        if city is not None:
            box = {"w": city.min_lon, "s": city.min_lat, "e": city.max_lon, "n": city.max_lat}
    bounds = None
    if box["w"] is not None:
        crs = display_crs()
        west, south = from_wgs84(box["w"], box["s"], crs)
        east, north = from_wgs84(box["e"], box["n"], crs)
        bounds = [west, south, east, north]
    return {
        "map_bounds": bounds,
        "tile_url": settings.FINEGRID_MAP_TILE_URL,
        "tile_crs": settings.FINEGRID_MAP_TILE_CRS,
        "attribution": settings.FINEGRID_MAP_ATTRIBUTION,
    }


@inspector_only
@require_GET
def my_grids(request: HttpRequest, user: User) -> JsonResponse:
    """My current grids as GeoJSON in the tiles' coordinate system."""
    crs = display_crs()
    rows = Grid.objects.current().filter(inspectors=user).values_list("code", "boundary")
    features = [
        {
            "type": "Feature",
            "properties": {"code": code},
            "geometry": for_display(boundary, crs),
        }
        for code, boundary in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@inspector_only
@require_GET
def locate(request: HttpRequest, user: User) -> JsonResponse:
    """Where a point is: its place in words, whether the grid is mine, and where to draw it."""
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
        crs = parse_crs(request.GET.get("crs") or CRS.WGS84.value)
        validate_lonlat(lon, lat)
    except CoordinateError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except ValueError:
        return JsonResponse({"error": _("请提供有效的经纬度和坐标系")}, status=400)
    lon, lat = to_wgs84(lon, lat, crs)
    display = from_wgs84(lon, lat, display_crs())
    try:
        found = locate_point(lon=lon, lat=lat)
    except OutsideCity as exc:
        return JsonResponse({"error": str(exc), "display": display}, status=404)
    area = "".join(a.name for a in (found.street, found.community) if a is not None)
    grid = found.grid
    if grid is None:
        label = _("%(area)s（未划入单元网格）") % {"area": area}
        mine = False
    else:
        label = _("%(area)s · 网格%(grid)s") % {"area": area, "grid": grid.code}
        mine = grid.inspectors.filter(pk=user.pk).exists()
        if not mine:
            label += _("（不在您的责任网格内）")
    return JsonResponse(
        {"display": display, "label": label, "grid": grid.code if grid else None, "mine": mine}
    )


# --- home ----------------------------------------------------------------------------------------


def _tasks_context(request: HttpRequest, user: User) -> dict[str, Any]:
    near = _position(request.GET)
    url = reverse("inspector-tasks")
    if near is not None:
        # Polls keep sorting from where the phone was last seen.
        url += "?" + urlencode({k: request.GET.get(k, "") for k in ("lon", "lat", "crs")})
    return {
        "tasks": inspection_tasks(user=user, near=near),
        "sorted_by_distance": near is not None,
        "tasks_url": url,
    }


@inspector_only
@require_GET
def home(request: HttpRequest, user: User) -> HttpResponse:
    recent = (
        Case.objects.filter(reporter=user)
        .select_related("category")
        .order_by("-reported_at")[:RECENT_REPORTS]
    )
    return render(
        request,
        "web/inspector/home.html",
        {
            **_tasks_context(request, user),
            **_map_context(user),
            "recent": [(case, STATUS_LABELS[case.status_enum]) for case in recent],
            "grid_count": Grid.objects.current().filter(inspectors=user).count(),
        },
    )


@inspector_only
@require_GET
def tasks(request: HttpRequest, user: User) -> HttpResponse:
    """The task list alone, re-sorted from the phone's position and refreshed by htmx."""
    return render(request, "web/inspector/_tasks.html", _tasks_context(request, user))


# --- photos carried by a submission --------------------------------------------------------------


@dataclass
class PhotoInput:
    """A submission's photos: new files that passed their check, uploads kept from an earlier
    attempt, and why any file was refused."""

    fresh: list[Photo]
    kept: list[Upload]
    errors: list[str]


def _photo_input(request: HttpRequest, principal: Principal) -> PhotoInput:
    fresh: list[Photo] = []
    errors: list[str] = []
    for upload in request.FILES.getlist("photos"):
        photo = Photo((upload.name or "photo")[:200], upload.read())
        try:
            check_photo(photo)
        except InvalidInput as exc:
            errors.append(exc.message)
        else:
            fresh.append(photo)
    ids = {int(v) for v in request.POST.getlist("kept") if v.isdigit() and len(v) < 18}
    kept = list(Upload.objects.filter(owner=principal.owner, pk__in=ids).order_by("pk"))
    if len(kept) < len(ids):
        errors.append(_("部分先前保留的照片已过期，请重新选择"))
    if len(fresh) + len(kept) > MAX_PHOTOS:
        errors.append(_("最多可附%(max)d张照片，请取消勾选多余的照片") % {"max": MAX_PHOTOS})
    return PhotoInput(fresh, kept, errors)


def _keep(principal: Principal, photos: PhotoInput) -> list[Upload]:
    """Keep the good new photos of a refused submission, so the next attempt carries them."""
    stored = [store_upload(principal, name=p.name, content=p.content) for p in photos.fresh]
    photos.fresh = []
    photos.kept = [*photos.kept, *stored]
    return photos.kept


def _carried(principal: Principal, photos: PhotoInput) -> list[Photo]:
    """All the photos a submission carries; the kept uploads are used up with it."""
    return [*consume_uploads(principal, [u.pk for u in photos.kept]), *photos.fresh]


def _token_key(token: object) -> str:
    return f"m:{token}"


def already_done(user: User, request: HttpRequest) -> str | None:
    """Where the first submission of this form went, when this POST repeats it."""
    try:
        token = uuid.UUID(request.POST.get("form_token", ""))
    except ValueError:
        return None
    record = IdempotencyRecord.objects.filter(
        owner=Principal(user).owner, key=_token_key(token)
    ).first()
    return str(record.response["next"]) if record else None


def _submit_once(user: User, token: uuid.UUID, run: Callable[[], tuple[Case, str]]) -> str:
    """Run a submission at most once per form token; returns the page to go to next (the first
    run's, when this is a repeat). A repeat that lost the race to its twin sees the case changed
    by it: that is a repeat too, not a conflict."""
    owner, key = Principal(user).owner, _token_key(token)

    def first() -> tuple[int, Any, Case | None]:
        case, done = run()
        return 200, {"next": reverse("inspector-case", args=[case.pk]) + f"?done={done}"}, case

    try:
        _status, body = once(owner=owner, key=key, payload={}, run=first)
    except CaseChanged:
        record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if record is None:
            raise
        body = record.response
    return str(body["next"])


def _add_error(form: Any, error: WorkflowError, fields: dict[str, str]) -> None:
    """A domain error next to the field it is about, or at the top of the form."""
    if isinstance(error, NoteRequired):
        field: str | None = fields.get("note")
    elif isinstance(error, InvalidInput):
        field = fields.get(error.field)
    else:
        field = None
    form.add_error(field, describe(error))


def form_token(form: Any) -> str:
    """The token the next submission of this form carries: the same one while nothing was done
    with it, a fresh one when it was missing or malformed."""
    value = form["form_token"].value()
    return str(uuid.uuid4()) if not value or "form_token" in form.errors else str(value)


def error_summary(form: Any, places: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Every error of a form once, as (anchor, label, message): the top of the page links each
    to the field it is about. `places` names the anchor and label of fields shown together."""
    rows: list[tuple[str, str, str]] = []
    for name, errors in form.errors.items():
        if name == NON_FIELD_ERRORS:
            anchor, label = "", ""
        else:
            anchor, label = places.get(name) or (f"f-{name}", str(form.fields[name].label or ""))
        for message in errors:
            if (anchor, label, message) not in rows:
                rows.append((anchor, label, message))
    return rows


# --- report --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryGroup:
    """The categories of one major class, as an <optgroup>: the picker searches its label too."""

    label: str
    rows: list[tuple[Category, str]]  # (category, its action tags' codes, space-separated)


def _category_choices(user: User) -> dict[str, Any]:
    categories = (
        Category.objects.filter(is_active=True)
        .select_related("major")
        .prefetch_related("action_tags")
        .order_by("kind", "major__code", "code")
    )
    groups: dict[tuple[str, int], CategoryGroup] = {}
    for c in categories:
        group = groups.setdefault(
            (c.kind, c.major_id), CategoryGroup(f"{c.get_kind_display()} · {c.major.name}", [])
        )
        group.rows.append((c, " ".join(t.code for t in c.action_tags.all())))
    used = (
        Case.objects.filter(reporter=user, category__is_active=True)
        .order_by("-reported_at")
        .values_list("category_id", "category__name")[:50]
    )
    return {
        "category_groups": list(groups.values()),
        "recent_categories": list(dict.fromkeys(used))[:RECENT_CATEGORIES],
        "action_tags": list(ActionTag.objects.order_by("order", "code")),
    }


def _render_report(
    request: HttpRequest, user: User, form: ReportForm, kept: list[Upload], status: int = 200
) -> HttpResponse:
    location = ("f-location", _("事发位置"))
    location_errors = list(
        dict.fromkeys([*form.errors.get("lon", []), *form.errors.get("lat", [])])
    )
    choices = _category_choices(user)
    chosen = str(form["category"].value() or "")
    chosen_name = next(
        (c.name for g in choices["category_groups"] for c, _t in g.rows if str(c.pk) == chosen),
        "",
    )
    return render(
        request,
        "web/inspector/report.html",
        {
            "form": form,
            "token": form_token(form),
            "kept": kept,
            "summary": error_summary(
                form, {"lon": location, "lat": location, "form_token": ("", "")}
            ),
            "summary_title": _("尚未上报，请修正以下问题："),
            "location_errors": location_errors,
            "chosen_category": chosen,
            "chosen_name": chosen_name,
            "max_photos": MAX_PHOTOS,
            "max_photo_bytes": settings.FINEGRID_MAX_PHOTO_BYTES,
            **choices,
            **_map_context(user),
        },
        status=status,
    )


@inspector_only
def report(request: HttpRequest, user: User) -> HttpResponse:
    """上报问题. A page opened from WeChat or AMap may pass ?lon=&lat=&crs=gcj02 to start from."""
    principal = Principal(user)
    if request.method != "POST":
        initial: dict[str, Any] = {"form_token": uuid.uuid4()}
        for name in ("lon", "lat", "crs"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
        return _render_report(request, user, ReportForm(initial=initial), kept=[])

    if repeated := already_done(user, request):
        return redirect(repeated)
    form = ReportForm(request.POST, request.FILES)
    photos = _photo_input(request, principal)
    if form.is_valid() and not photos.errors:
        data = form.cleaned_data

        def run() -> tuple[Case, str]:
            case = actions.report_case(
                actor=user,
                source=Source.INSPECTOR,
                lon=data["lon"],
                lat=data["lat"],
                crs=CRS(data["crs"]),
                description=data["description"],
                address=data["address"],
                category=data["category"],
                urgency=Urgency(data["urgency"]),
                photos=_carried(principal, photos),
                self_handled=data["self_handled"],
            )
            return case, "report"

        try:
            return redirect(_submit_once(user, data["form_token"], run))
        except WorkflowError as error:
            _add_error(form, error, REPORT_FIELDS)
    for message in photos.errors:
        form.add_error("photos", message)
    return _render_report(request, user, form, kept=_keep(principal, photos), status=400)


# --- one case: the task page ---------------------------------------------------------------------


#: The largest id either database stores; a larger one in a URL is simply not found.
MAX_ID: Final = 2**63 - 1


def _case_or_404(user: User, case_id: int) -> Case:
    if case_id > MAX_ID:
        raise Http404(_("案卷不存在"))
    try:
        return access_case_by_id(user=user, case_id=case_id)
    except CaseNotFound:
        raise Http404(_("案卷不存在")) from None


def _my_task(case: Case, user: User) -> str | None:
    """'verify' or 'check' when this case waits for this inspector's finding, else None."""
    if case.inspector_id != user.pk:
        return None
    return {Status.VERIFYING: "verify", Status.CHECKING: "check"}.get(case.status_enum)


def changed_by_message(case: Case) -> str:
    """'此案卷已被X于T修改': who made the case's latest step, and when."""
    event = CaseEvent.objects.filter(case=case).select_related("actor").order_by("-seq").first()
    if event is None:
        return describe(CaseChanged(case.pk))
    return _("此案卷已被%(who)s于%(when)s修改（%(action)s），以下为最新内容") % {
        "who": str(event.actor) if event.actor else _("系统"),
        "when": date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT"),
        "action": ACTION_LABELS.get(Action(event.action), event.action),
    }


def _case_context(case: Case, user: User) -> dict[str, Any]:
    attachments = list(case.attachments.order_by("uploaded_at", "pk"))
    events = list(case.events.select_related("actor").order_by("-seq"))
    crs = display_crs()
    kinds = dict(AttachmentKind.choices)
    someone_else = (
        case.inspector
        if case.inspector_id not in (None, user.pk) and case.status_enum in TASK_STATUSES
        else None
    )
    return {
        "case": case,
        "status_label": STATUS_LABELS[case.status_enum],
        "clock": step_clock(case, timezone.now()),
        "other_inspector": someone_else,
        "photos": [(a, kinds.get(a.kind, a.kind)) for a in attachments],
        "events": [(e, ACTION_LABELS.get(Action(e.action), e.action)) for e in events],
        "pin": from_wgs84(case.lon, case.lat, crs),
        "task": _my_task(case, user),
        **_map_context(user),
    }


def _task_form(case: Case, task: str, *, token: uuid.UUID, data: Any = None) -> TaskForm:
    if data is not None:
        return TaskForm(data, verifying=task == "verify")
    return TaskForm(
        initial={"version": case.version, "form_token": token}, verifying=task == "verify"
    )


@inspector_only
def case_page(request: HttpRequest, user: User, case_id: int) -> HttpResponse:
    """A case as the inspector sees it, with the verify or check form when it is their task."""
    case = _case_or_404(user, case_id)
    task = _my_task(case, user)
    if request.method != "POST":
        form = _task_form(case, task, token=uuid.uuid4()) if task else None
        return _render_case(request, user, case, form)
    if repeated := already_done(user, request):
        return redirect(repeated)
    if task is None:
        alert = _("此案卷当前没有待您核实或核查的任务")
        return _render_case(request, user, case, None, alert=alert, status=409)
    return _take_task(request, user, case, task)


def _take_task(request: HttpRequest, user: User, case: Case, task: str) -> HttpResponse:
    principal = Principal(user)
    form = TaskForm(request.POST, request.FILES, verifying=task == "verify")
    photos = _photo_input(request, principal)
    if form.is_valid() and not photos.errors:
        data = form.cleaned_data
        confirmed = data["outcome"] == "yes"

        def run() -> tuple[Case, str]:
            carried = _carried(principal, photos)
            if task == "verify":
                actions.verify_case(
                    case_id=case.pk,
                    version=data["version"],
                    actor=user,
                    confirmed=confirmed,
                    note=data["note"],
                    photos=carried,
                )
            else:
                actions.check_case(
                    case_id=case.pk,
                    version=data["version"],
                    actor=user,
                    passed=confirmed,
                    note=data["note"],
                    photos=carried,
                )
            return case, task

        try:
            return redirect(_submit_once(user, data["form_token"], run))
        except CaseChanged:
            return _reload_changed(request, user, case, data, kept=_keep(principal, photos))
        except WorkflowError as error:
            _add_error(form, error, TASK_FIELDS)
    for message in photos.errors:
        form.add_error("photos", message)
    return _render_case(request, user, case, form, kept=_keep(principal, photos), status=400)


def _reload_changed(
    request: HttpRequest, user: User, case: Case, typed: dict[str, Any], kept: list[Upload]
) -> HttpResponse:
    """Someone else moved the case on: say who and when, show it as it is now, and keep what the
    inspector typed (and the same token: nothing was done with it)."""
    alert = changed_by_message(case)
    case = _case_or_404(user, case.pk)
    task = _my_task(case, user)
    form = None
    if task is not None:
        form = _task_form(case, task, token=typed["form_token"])
        form.initial.update(outcome=typed["outcome"], note=typed["note"])
    return _render_case(request, user, case, form, kept=kept, alert=alert, status=409)


def _render_case(
    request: HttpRequest,
    user: User,
    case: Case,
    form: TaskForm | None,
    *,
    kept: list[Upload] | None = None,
    alert: str = "",
    status: int = 200,
) -> HttpResponse:
    done = request.GET.get("done", "")
    notice = str(DONE_MESSAGES[done]) % {"case_no": case.case_no} if done in DONE_MESSAGES else ""
    return render(
        request,
        "web/inspector/case.html",
        {
            **_case_context(case, user),
            "form": form,
            "token": form_token(form) if form else "",
            "kept": kept or [],
            "alert": alert,
            "notice": notice,
            "done": done,
            "summary": error_summary(form, {"form_token": ("", "")}) if form else [],
            "summary_title": _("尚未提交，请修正以下问题："),
            "max_photos": MAX_PHOTOS,
            "max_photo_bytes": settings.FINEGRID_MAX_PHOTO_BYTES,
        },
        status=status,
    )


@inspector_only
@require_GET
def case_photo(request: HttpRequest, user: User, case_id: int, photo_id: int) -> FileResponse:
    from finegrid.web.case_views import attachment_response

    return attachment_response(_case_or_404(user, case_id), photo_id)


@inspector_only
@require_GET
def kept_photo(request: HttpRequest, user: User, upload_id: int) -> FileResponse:
    """A photo kept from a refused submission, shown to its owner only."""
    found = (
        Upload.objects.filter(owner=Principal(user).owner, pk=upload_id).first()
        if upload_id <= MAX_ID
        else None
    )
    if found is None:
        raise Http404(_("照片不存在"))
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response
