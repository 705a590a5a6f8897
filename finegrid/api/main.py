"""The JSON API at /api/v1/: one NinjaAPI, its authentication, and the one place errors become
responses. Endpoints live in the modules of `finegrid.api.endpoints`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from finegrid.api.auth import SessionAuth, TokenAuth
from finegrid.api.errors import ApiError, body, from_domain, not_authenticated, too_large
from finegrid.api.validation import describe_validation
from finegrid.cases.errors import WorkflowError

logger = logging.getLogger("finegrid.api")

DESCRIPTION = """finegrid 城市运行管理服务平台接口。

- 认证：浏览器使用登录会话（写操作需携带 CSRF 令牌）；程序使用 `Authorization: Bearer <令牌>`。
  个人令牌代表其所属用户（可限定岗位、只读）；服务令牌供热线、视频平台等系统使用，绑定问题来源和区域。
- 错误：统一为 `{"error": {"code", "message", "field"}}`；`message` 按 `Accept-Language` 使用中文（默认）或英文。
- 幂等：上报接口接受 `Idempotency-Key` 头，重试返回首次结果，不会重复立卷。
- 并发：每个办理动作都要带上案卷的 `version`；案卷已被他人改动时返回 409。

The finegrid API. Errors share one shape with a stable `code`; messages follow Accept-Language.
"""


class FinegridAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"].setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        # Any operation can answer with these, all in the one error shape.
        error = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, meaning in ERROR_STATUSES.items():
                    operation["responses"].setdefault(
                        int(status), {"description": meaning, **error}
                    )
        return schema


ERROR_STATUSES = {
    "400": "Malformed request",
    "401": "Not authenticated",
    "403": "Not permitted",
    "404": "Not found, or outside the caller's scope",
    "409": "Conflict with the case's current state or version",
    "413": "Request too large",
    "422": "Invalid input",
    "429": "Rate limited; see Retry-After",
    "500": "Unexpected error (logged; no internals are returned)",
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
        }
    },
}

api = FinegridAPI(
    title="finegrid API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), SessionAuth()],
)


def respond(request: HttpRequest, error: ApiError) -> HttpResponse:
    response = api.create_response(
        request, body(error.code, error.message, error.field), status=error.status
    )
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return respond(request, exc)


@api.exception_handler(WorkflowError)
def _workflow_error(request: HttpRequest, exc: WorkflowError) -> HttpResponse:
    return respond(request, from_domain(exc))


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    field, message = describe_validation(exc.errors)
    return respond(request, ApiError(422, "invalid", message, field))


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return respond(request, not_authenticated())


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return respond(
            request, ApiError(400, "bad_request", _("请求内容无法解析，请发送有效的JSON"))
        )
    if exc.status_code == 403:
        return respond(
            request, ApiError(403, "forbidden", _("您没有权限执行此操作（写操作需携带CSRF令牌）"))
        )
    return respond(request, ApiError(exc.status_code, "error", str(exc.message)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return respond(request, ApiError(404, "not_found", _("请求的资源不存在")))


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return respond(request, ApiError(403, "forbidden", _("您没有权限执行此操作")))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    from django.conf import settings

    return respond(request, too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback for the operators; the caller gets the shape and no internals.
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return respond(request, ApiError(500, "server_error", _("服务器内部错误，已记录，请稍后重试")))


from finegrid.api.endpoints import register  # noqa: E402  (endpoints need `api` defined above)

register(api)
