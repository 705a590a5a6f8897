"""The citizen portal's pages: thin views that parse, call an action or a selector, and render.

No login anywhere: a report needs none, and a case is followed, rated and reopened by whoever holds
its tracking code. Every report and every lookup is counted against the caller's address.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finegrid.cases import actions as case_actions
from finegrid.cases import timers
from finegrid.cases import tracking as codes
from finegrid.cases.errors import (
    CaseChanged,
    CaseNotFound,
    InvalidInput,
    InvalidTransition,
    NoteRequired,
    WorkflowError,
    describe,
)
from finegrid.cases.models import Case, Satisfaction
from finegrid.cases.workflow import Status
from finegrid.catalogue.models import format_limit
from finegrid.geo.crs import CRS, CoordinateError, from_wgs84, to_wgs84
from finegrid.geo.display import display_crs
from finegrid.geo.models import AreaLevel
from finegrid.geo.selectors import OutsideCity, ResolvedLocation, locate_point
from finegrid.portal import selectors
from finegrid.portal.actions import new_form_token, submit_report
from finegrid.portal.forms import MAX_PHOTOS, NotFixedForm, RateForm, ReportForm, TrackForm
from finegrid.portal.limits import ApiError, check_lookup, check_request, count_wrong_code
from finegrid.portal.timeline import public_stage, public_status, public_timeline

#: Where an action's InvalidInput is shown on the report form.
_REPORT_FIELD = {
    "description": "description",
    "location": "lon",
    "photos": "photos",
    "category": "category",
}


# --- shared ----------------------------------------------------------------------------------------


def _limited(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = render(request, "portal/limited.html", {"message": error.message}, status=429)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def _find(request: HttpRequest, code: str, *, malformed_status: int = 404) -> Case | HttpResponse:
    """The case a tracking code opens, or the page to answer with instead: the code's format
    error, the rate limit, or "not found" (which counts against the caller's address)."""
    form = TrackForm({"code": code})
    if not form.is_valid():
        return render(request, "portal/track_form.html", {"form": form}, status=malformed_status)
    try:
        check_lookup(request)
    except ApiError as exc:
        return _limited(request, exc)
    case = selectors.case_by_code(form.cleaned_data["code"])
    if case is None:
        count_wrong_code(request)
        form.add_error("code", _("没有找到这个查询码对应的反映，请核对后重新输入"))
        return render(request, "portal/track_form.html", {"form": form}, status=404)
    return case


def _place_name(place: ResolvedLocation) -> str:
    return "，".join(area.name for area in (place.community, place.street, place.district) if area)


def _map_settings() -> dict[str, Any]:
    return {
        "tile_url": settings.FINEGRID_MAP_TILE_URL,
        "tile_crs": display_crs().value,
        "attribution": settings.FINEGRID_MAP_ATTRIBUTION,
        "bounds": selectors.city_bounds(),
    }


# --- pages -----------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            check_request(request, token_id=None)
        except ApiError as exc:
            return _limited(request, exc)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                submitted = submit_report(
                    form_token=data["form_token"],
                    lon=data["lon"],
                    lat=data["lat"],
                    crs=data["crs"],
                    description=data["description"],
                    address=data["address"],
                    category=data["category"],
                    citizen=form.citizen(),
                    photos=data["photos"],
                )
            except InvalidInput as exc:
                form.add_error(_REPORT_FIELD.get(exc.field), exc.message)
            except (WorkflowError, ApiError) as exc:
                form.add_error(None, exc.message if isinstance(exc, ApiError) else describe(exc))
            else:
                url = reverse("portal:reported", args=[submitted.case.tracking_code])
                return redirect(url if submitted.first else f"{url}?again=1")
    else:
        form = ReportForm(initial=_report_initial(request))
    return render(request, "portal/report.html", _report_context(form))


def _report_initial(request: HttpRequest) -> dict[str, Any]:
    """A fresh form; a WeChat page may link here with ?lon=&lat=&crs=gcj02 to place the pin."""
    initial: dict[str, Any] = {"form_token": new_form_token(), "crs": display_crs()}
    if request.GET.get("lon") and request.GET.get("lat"):
        initial.update(
            lon=request.GET["lon"][:20],
            lat=request.GET["lat"][:20],
            crs=request.GET.get("crs", CRS.WGS84)[:10],
        )
    return initial


def _report_context(form: ReportForm) -> dict[str, Any]:
    """The form, and where to draw its pin (in the tiles' system) with the place it falls in."""
    pin, place = None, ""
    value = {name: str(form[name].value() or "") for name in ("lon", "lat", "crs")}
    try:
        crs = CRS(value["crs"].strip().lower() or CRS.WGS84)
        lon, lat = to_wgs84(float(value["lon"]), float(value["lat"]), crs)
        found = form.place or locate_point(lon=lon, lat=lat)
        pin = from_wgs84(lon, lat, display_crs())
        place = _place_name(found)
    except (ValueError, CoordinateError, OutsideCity):
        pass
    return {
        "form": form,
        "pin": pin,
        "place": place,
        "max_photos": MAX_PHOTOS,
        "max_photo_bytes": settings.FINEGRID_MAX_PHOTO_BYTES,
        "too_many_photos": _("最多上传%(count)d张照片") % {"count": MAX_PHOTOS},
        "photo_too_big": _("每张照片不能超过%(mb)d MB")
        % {"mb": settings.FINEGRID_MAX_PHOTO_BYTES // (1024 * 1024)},
        **_map_settings(),
    }


@require_GET
def reported(request: HttpRequest, code: str) -> HttpResponse:
    case = _find(request, code)
    if isinstance(case, HttpResponse):
        return case
    return render(
        request,
        "portal/reported.html",
        {
            "case": case,
            "code": codes.display(case.tracking_code or ""),
            "again": request.GET.get("again") == "1",
            "reopen_limit": _reopen_window_text(),
        },
    )


def _reopen_window_text() -> str:
    amount, unit = timers.step_limit("reopen")
    return format_limit(amount, unit)


@require_GET
def track_form(request: HttpRequest) -> HttpResponse:
    if "code" not in request.GET:
        return render(request, "portal/track_form.html", {"form": TrackForm()})
    case = _find(request, request.GET["code"], malformed_status=400)
    if isinstance(case, HttpResponse):
        return case
    return redirect("portal:track", code=case.tracking_code)


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    canonical = codes.normalise(code)
    if canonical != code and codes.is_well_formed(canonical):
        return redirect("portal:track", code=canonical)
    case = _find(request, code)
    if isinstance(case, HttpResponse):
        return case
    return _track_page(request, case)


def _track_page(
    request: HttpRequest,
    case: Case,
    *,
    rate_form: RateForm | None = None,
    not_fixed_form: NotFixedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    closed = case.status == Status.CLOSED
    until = selectors.reopen_until(case)
    can_reopen = until is not None and now <= until
    initial = {"version": case.version}
    context = {
        "case": case,
        "code": codes.display(case.tracking_code or ""),
        "status_text": public_status(case.status),
        "stage": public_stage(case.status),
        "steps": public_timeline(case),
        "satisfaction": Satisfaction(case.satisfaction).label if case.satisfaction else "",
        "rate_form": (rate_form or RateForm(initial=initial))
        if closed and not case.satisfaction
        else None,
        "not_fixed_form": (not_fixed_form or NotFixedForm(initial=initial)) if can_reopen else None,
        "reopen_until": until if can_reopen else None,
    }
    return render(request, "portal/track.html", context, status=status)


def _changed(request: HttpRequest, case: Case) -> HttpResponse:
    messages.warning(request, _("此案卷已更新，请查看最新状态后再操作"))
    return redirect("portal:track", code=case.tracking_code)


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    found = _find(request, code)
    if isinstance(found, HttpResponse):
        return found
    case = found
    form = RateForm(request.POST)
    if "version" in form.errors:  # a page from before the case moved on (or a mangled one)
        return _changed(request, case)
    if form.is_valid():
        try:
            case_actions.rate_case(
                case_id=case.pk,
                version=form.cleaned_data["version"],
                actor=None,
                satisfaction=form.cleaned_data["satisfaction"],
                note=form.cleaned_data["note"].strip(),
                tracking_code=case.tracking_code or "",
            )
        except (CaseChanged, InvalidTransition):
            return _changed(request, case)
        except CaseNotFound:
            raise Http404 from None
        except InvalidInput as exc:  # rated already: the form is gone from the page, say why
            messages.error(request, exc.message)
            return redirect("portal:track", code=case.tracking_code)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("portal:track", code=case.tracking_code)
    return _track_page(request, case, rate_form=form, status=422)


@require_POST
def not_fixed(request: HttpRequest, code: str) -> HttpResponse:
    found = _find(request, code)
    if isinstance(found, HttpResponse):
        return found
    case = found
    form = NotFixedForm(request.POST)
    if "version" in form.errors:
        return _changed(request, case)
    if form.is_valid():
        try:
            case_actions.reopen_case(
                case_id=case.pk,
                version=form.cleaned_data["version"],
                actor=None,
                note=form.cleaned_data["note"],
                tracking_code=case.tracking_code or "",
            )
        except (CaseChanged, InvalidTransition):
            return _changed(request, case)
        except CaseNotFound:
            raise Http404 from None
        except NoteRequired as exc:
            form.add_error("note", describe(exc))
        except InvalidInput as exc:  # the window has closed: the form is gone, say why
            messages.error(request, exc.message)
            return redirect("portal:track", code=case.tracking_code)
        else:
            messages.success(request, _("已收到您的反馈，问题已退回处置单位重新处理"))
            return redirect("portal:track", code=case.tracking_code)
    return _track_page(request, case, not_fixed_form=form, status=422)


@require_GET
def photo(request: HttpRequest, code: str, photo_id: int) -> HttpResponse | FileResponse:
    """A before/after photo of the case, to whoever holds its code; it is not public otherwise."""
    key_checked = _find(request, code)
    if isinstance(key_checked, HttpResponse):
        return key_checked
    attachment = selectors.public_photo(key_checked, photo_id)
    if attachment is None:
        return HttpResponse(status=404)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the public map --------------------------------------------------------------------------------


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/map.html", {"days": selectors.MAP_DAYS, **_map_settings()})


@require_GET
def map_reports(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(selectors.recent_reports())
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def map_areas(request: HttpRequest) -> JsonResponse:
    level = request.GET.get("level", AreaLevel.DISTRICT)
    if level not in selectors.OUTLINE_LEVELS:
        return JsonResponse(
            {"error": {"code": "invalid_level", "message": _("未知的区域层级"), "field": "level"}},
            status=400,
        )
    response = JsonResponse(selectors.area_outlines(AreaLevel(level)))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def locate(request: HttpRequest) -> JsonResponse:
    """Which community a pin falls in, and the pin in the tiles' system (for a GPS position)."""
    try:
        crs = CRS(request.GET.get("crs", display_crs()).strip().lower())
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(lon, lat)
        wgs_lon, wgs_lat = to_wgs84(lon, lat, crs)
    except (ValueError, CoordinateError):
        return JsonResponse(
            {"error": {"code": "invalid_point", "message": _("位置坐标无效"), "field": "lon"}},
            status=400,
        )
    try:
        place = locate_point(lon=wgs_lon, lat=wgs_lat)
    except OutsideCity:
        return JsonResponse(
            {
                "error": {
                    "code": "outside_city",
                    "message": _("所选位置不在本市范围内，请重新选择"),
                    "field": "lon",
                }
            },
            status=404,
        )
    shown = from_wgs84(wgs_lon, wgs_lat, display_crs())
    return JsonResponse({"place": _place_name(place), "display": list(shown)})
