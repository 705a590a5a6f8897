"""The GeoReport v2 endpoints: parse, call a selector or the one action, render JSON or XML.

Every request is counted against the rate limits (its service token's when it sends a valid
`api_key`, else its address's) and every failure is answered in the spec's error shape, in the
caller's language; the format comes from the path's extension.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from finegrid.api import limits
from finegrid.api.errors import ApiError, from_domain, not_found, too_large
from finegrid.api.models import ApiToken, TokenKind
from finegrid.api.tokens import authenticate
from finegrid.cases.actions import CitizenInput
from finegrid.cases.errors import OutsideArea, WorkflowError
from finegrid.cases.models import Case, CaseAttachment
from finegrid.cases.photos import Photo
from finegrid.open311 import params, selectors, service_types
from finegrid.open311.actions import submit_request
from finegrid.open311.models import RequestToken
from finegrid.open311.render import FORMATS, respond

logger = logging.getLogger("finegrid.open311")

SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
#: When this endpoint's behaviour last changed (discovery's changeset): bump it with the code.
CHANGESET: Final = "2026-11-21T00:00:00+08:00"
#: Photos per request: the request size limit is set for four full-size photos.
MAX_PHOTOS: Final = 4
MAX_DESCRIPTION: Final = 2000
#: The lengths of the columns that keep them (Case.address, CitizenContact.name/.phone).
MAX_ADDRESS: Final = 256
MAX_NAME: Final = 60
MAX_PHONE: Final = 20
_ATTRIBUTE: Final = re.compile(r"^attribute\[([^\]]+)\]$")
_CJK: Final = re.compile(r"[\u3400-\u9fff]")
#: Statuses Open311 answers with; anything else this layer meets becomes 400 or 500.
_OPEN311_STATUSES: Final = frozenset({400, 403, 404, 405, 413, 429, 500})

Document = tuple[str, Any]


@dataclass(frozen=True)
class Call:
    """A request that passed the format, method, key and rate checks."""

    request: HttpRequest
    fmt: str
    client: ApiToken | None

    def params(self) -> dict[str, str]:
        """Query and form parameters, a repeated one comma-joined, the form's winning."""
        merged = {k: ",".join(v) for k, v in self.request.GET.lists()}
        if self.request.method == "POST":
            merged.update({k: ",".join(v) for k, v in self.request.POST.lists()})
        return merged


def _status(status: int) -> int:
    if status in _OPEN311_STATUSES:
        return status
    if status == 401:
        return 403
    return 400 if 400 <= status < 500 else 500


def error_response(fmt: str, error: ApiError, *, allow: str = "") -> HttpResponse:
    status = _status(error.status)
    response = respond(
        fmt, "errors", [{"code": status, "description": error.message}], status=status
    )
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    if allow:
        response["Allow"] = allow
    return response


def _as_api_error(request: HttpRequest, exc: Exception) -> ApiError:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, OutsideArea):  # the client's key does not cover this place
        return ApiError(403, exc.code, exc.message, "lat")
    if isinstance(exc, WorkflowError):
        return from_domain(exc)
    if isinstance(exc, RequestDataTooBig):
        return too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024))
    if isinstance(exc, SuspiciousOperation | MultiPartParserError | UnreadablePostError):
        return ApiError(400, "bad_request", _("请求内容无法解析，请以表单或multipart格式提交"))
    # Logged with its traceback for the operators; the caller gets the shape and no internals.
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return ApiError(500, "server_error", _("服务器内部错误，已记入日志，请稍后重试"))


def _client(request: HttpRequest) -> ApiToken | None:
    """The service token named by `api_key`, counted against its own limit; without a key the
    caller's address is counted. A wrong key counts against the address too, so guessing is slow."""
    params.check_printable(dict(request.GET.lists()))
    if request.method == "POST":
        params.check_printable(dict(request.POST.lists()))
    secret = (request.POST.get("api_key", "") if request.method == "POST" else "").strip()
    secret = secret or request.GET.get("api_key", "").strip()
    if not secret:
        limits.check_request(request, token_id=None)
        return None
    token = authenticate(secret)
    if token is None or token.kind != TokenKind.SERVICE:
        limits.check_request(request, token_id=None)
        if token is not None:
            raise ApiError(
                403, "forbidden", _("个人令牌不能用于Open311，请使用服务令牌作为api_key")
            )
        raise ApiError(403, "invalid_token", _("api_key无效、已过期或已被吊销，无法继续处理"))
    limits.check_request(request, token_id=token.pk)
    return token


def endpoint(
    *methods: str,
) -> Callable[[Callable[..., Document]], Callable[..., HttpResponse]]:
    """An Open311 view taking `fmt` from the path and answering a document in it."""
    allowed = frozenset(methods) | ({"HEAD"} if "GET" in methods else set())
    allow = ", ".join(sorted(allowed))

    def decorate(view: Callable[..., Document]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: str) -> HttpResponse:
            answer_in = fmt if fmt in FORMATS else "json"
            try:
                client = _client(request)
                if fmt not in FORMATS:
                    raise not_found(
                        _("不支持的格式“%(fmt)s”：请使用.json或.xml") % {"fmt": fmt[:20]}
                    )
                if request.method not in allowed:
                    raise ApiError(
                        405,
                        "method_not_allowed",
                        _("此地址不支持%(method)s请求") % {"method": request.method},
                    )
                kind, document = view(Call(request, fmt, client), **kwargs)
                return respond(fmt, kind, document)
            except Exception as exc:
                error = _as_api_error(request, exc)
                return error_response(answer_in, error, allow=allow if error.status == 405 else "")

        return run

    return decorate


# --- discovery and services ----------------------------------------------------------------------


@endpoint("GET")
def discovery(call: Call) -> Document:
    here = reverse("open311:discovery", kwargs={"fmt": call.fmt})
    base = call.request.build_absolute_uri(here).rsplit("/", 1)[0]
    return "discovery", {
        "changeset": CHANGESET,
        "contact": _("%(city)s城市运行管理监督中心") % {"city": settings.FINEGRID_CITY_NAME},
        "key_service": _("接口令牌（api_key）由本市城市运行管理监督中心的系统管理员签发"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


@endpoint("GET")
def service_list(call: Call) -> Document:
    return "services", [service_types.service_entry(c) for c in service_types.catalogue()]


@endpoint("GET")
def service_definition(call: Call, service_code: str) -> Document:
    category = service_types.find_service(service_code)
    if category is None:
        raise not_found(_("服务代码“%(code)s”不存在") % {"code": service_code[:40]})
    return "service_definition", service_types.service_definition(category)


# --- requests ------------------------------------------------------------------------------------


def _photo_url(request: HttpRequest) -> Callable[[CaseAttachment], str]:
    def url(photo: CaseAttachment) -> str:
        extension = (photo.file.name or "").rsplit(".", 1)[-1]
        path = reverse("open311:media", kwargs={"attachment_id": photo.pk, "ext": extension})
        return request.build_absolute_uri(path)

    return url


def _entries(call: Call, cases: list[Case]) -> Document:
    url = _photo_url(call.request)
    return "requests", [selectors.request_entry(case, photo_url=url) for case in cases]


def _service_filter(value: str) -> list[tuple[str, str]]:
    wanted = []
    for code in params.items(value):
        category = service_types.find_service(code, active_only=False)
        if category is None:
            raise params.bad("service_code", _("服务代码“%(code)s”不存在") % {"code": code[:40]})
        wanted.append((category.kind, category.code))
    return wanted


@endpoint("GET", "POST")
def request_list(call: Call) -> Document:
    if call.request.method == "POST":
        return _post_request(call)
    given = call.params()
    numbers = params.items(given.get("service_request_id", ""))
    if len(numbers) > selectors.LIST_LIMIT:
        raise params.bad(
            "service_request_id",
            _("一次最多查询%(n)d个service_request_id") % {"n": selectors.LIST_LIMIT},
        )
    statuses = params.items(given.get("status", ""))
    for status in statuses:
        if status not in selectors.OPEN311_STATUSES:
            raise params.bad("status", _("status应为open或closed"))
    since, until = params.date_range(
        given.get("start_date", ""), given.get("end_date", ""), now=timezone.now()
    )
    cases = selectors.find_requests(
        numbers=numbers,
        services=_service_filter(given.get("service_code", "")),
        since=since,
        until=until,
        statuses=statuses,
    )
    return _entries(call, cases)


@endpoint("GET")
def request_detail(call: Call, request_id: str) -> Document:
    cases = selectors.find_requests(numbers=[request_id])
    if not cases:
        raise not_found(_("服务请求“%(id)s”不存在") % {"id": request_id[:40]})
    return _entries(call, cases)


@endpoint("GET")
def token_detail(call: Call, token: str) -> Document:
    found = RequestToken.objects.select_related("case").filter(token=token).first()
    if found is None:
        raise not_found(_("令牌“%(token)s”不存在") % {"token": token[:40]})
    return "requests", [{"service_request_id": found.case.case_no, "token": found.token}]


def _full_name(first: str, last: str) -> str:
    """One name from the spec's two: 姓 before 名 for Chinese names, else "first last"."""
    if not (first and last):
        return first or last
    if _CJK.search(first) and _CJK.search(last):
        return last + first
    return f"{first} {last}"


def _citizen(given: Mapping[str, str]) -> CitizenInput | None:
    first = params.text(given, "first_name", max_length=MAX_NAME)
    last = params.text(given, "last_name", max_length=MAX_NAME)
    name = _full_name(first, last)
    if len(name) > MAX_NAME:
        raise params.bad("first_name", _("姓名不能超过%(n)d个字符") % {"n": MAX_NAME})
    phone = params.text(given, "phone", max_length=MAX_PHONE)
    return CitizenInput(name=name, phone=phone) if name or phone else None


def _photos(request: HttpRequest) -> list[Photo]:
    uploads = request.FILES.getlist("media")
    if len(uploads) > MAX_PHOTOS:
        raise params.bad("media", _("每个请求最多上传%(n)d张照片") % {"n": MAX_PHOTOS})
    # Reading one byte past the limit is enough for the photo check to refuse an oversized file.
    limit = settings.FINEGRID_MAX_PHOTO_BYTES + 1
    return [Photo((upload.name or "media")[:200], upload.read(limit)) for upload in uploads]


def _post_request(call: Call) -> Document:
    client = call.client
    if client is None:
        raise ApiError(403, "not_authenticated", _("缺少api_key，无法提交服务请求"))
    given = call.params()
    code = given.get("service_code", "").strip()
    if not code:
        raise params.bad("service_code", _("请提供service_code"))
    category = service_types.find_service(code)
    if category is None:
        raise params.bad("service_code", _("服务代码“%(code)s”不存在") % {"code": code[:40]})
    if not (given.get("lat", "").strip() and given.get("long", "").strip()):
        raise params.bad(
            "lat",
            _("请提供lat和long（WGS-84坐标）：本市按坐标将问题定位到单元网格，不能仅凭地址上报"),
        )
    lat = params.coordinate(given, "lat")
    lon = params.coordinate(given, "long")
    attributes = {
        match.group(1): value
        for name, value in given.items()
        if (match := _ATTRIBUTE.match(name)) is not None
    }
    answers = service_types.read_answers(category, attributes)
    case, request_token = submit_request(
        client=client,
        category=category,
        lon=lon,
        lat=lat,
        description=params.text(given, "description", max_length=MAX_DESCRIPTION),
        address=params.text(given, "address_string", max_length=MAX_ADDRESS),
        component_code=answers.component_code,
        urgency=answers.urgency,
        citizen=_citizen(given),
        photos=_photos(call.request),
    )
    notices = []
    if case.step_deadline is not None:
        deadline = timezone.localtime(case.step_deadline)
        notices.append(_("已收到，将于%(time)s前受理。") % {"time": f"{deadline:%Y-%m-%d %H:%M}"})
    limits_notice = service_types.limits_notice(category.filing_rules.all())
    if limits_notice:
        notices.append(limits_notice)
    if given.get("media_url", "").strip():
        notices.append(
            _("未获取media_url指向的照片：本平台不访问外部链接，请用media字段上传照片。")
        )
    return "requests", [
        {
            "service_request_id": case.case_no,
            "token": request_token.token,
            "service_notice": " ".join(notices) or None,
            "account_id": None,
        }
    ]


# --- photos --------------------------------------------------------------------------------------


@csrf_exempt
def media(request: HttpRequest, attachment_id: str, ext: str) -> HttpResponse | FileResponse:
    """A before/after photo of a public case, by the address a request's media_url gives."""
    try:
        limits.check_request(request, token_id=None)
        if request.method not in ("GET", "HEAD"):
            raise ApiError(
                405,
                "method_not_allowed",
                _("此地址不支持%(method)s请求") % {"method": request.method},
            )
        photo = selectors.public_photo(int(attachment_id))
        if photo is None or not (photo.file.name or "").endswith(f".{ext}"):
            raise not_found(_("照片不存在"))
        try:
            handle = photo.file.open("rb")
        except OSError:
            raise not_found(_("照片不存在")) from None
        response = FileResponse(handle, content_type=photo.content_type)
        response["Cache-Control"] = "public, max-age=3600"
        return response
    except Exception as exc:
        error = _as_api_error(request, exc)
        return error_response("json", error, allow="GET, HEAD" if error.status == 405 else "")
