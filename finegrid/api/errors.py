"""One error shape for the whole API, and the one table from domain errors to HTTP statuses.

Every error answer is `{"error": {"code", "message", "field"}}`: a stable machine code, a message
in the caller's language (Accept-Language; Simplified Chinese by default) and the field at fault.
Open311 renders the same status and message in its own `<errors>` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from finegrid.cases.errors import (
    ActionNotPermitted,
    CaseChanged,
    CaseNotFound,
    InvalidInput,
    InvalidTransition,
    NoteRequired,
    WorkflowError,
    describe,
)

#: Domain error → HTTP status. Conflicts with the case's state are 409; bad input is 422.
STATUS_OF: dict[type[WorkflowError], int] = {
    CaseNotFound: 404,
    ActionNotPermitted: 403,
    InvalidTransition: 409,
    CaseChanged: 409,
    NoteRequired: 422,
    InvalidInput: 422,
}


@dataclass(frozen=True)
class ApiError(Exception):
    """An error raised by the API layer itself (authentication, limits, bad requests)."""

    status: int
    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None


def body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def from_domain(error: WorkflowError) -> ApiError:
    status = next((s for cls, s in STATUS_OF.items() if isinstance(error, cls)), 400)
    field = error.field if isinstance(error, InvalidInput) else None
    if isinstance(error, NoteRequired):
        field = "note"
    return ApiError(status, error.code, describe(error), field)


def not_authenticated() -> ApiError:
    return ApiError(401, "not_authenticated", _("请先登录，或在 Authorization 头中提供接口令牌"))


def forbidden(message: str | None = None) -> ApiError:
    return ApiError(403, "forbidden", message or _("您没有权限执行此操作"))


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message or _("请求的资源不存在"))


def throttled(wait: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        _("请求过于频繁，请在%(seconds)d秒后重试") % {"seconds": wait},
        retry_after=wait,
    )


def too_large(limit_mb: float) -> ApiError:
    return ApiError(413, "too_large", _("请求内容超过%(mb)s MB的上限") % {"mb": f"{limit_mb:g}"})
