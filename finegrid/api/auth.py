"""Who is calling: a staff member in the browser (session, with CSRF), a staff member's program
(personal token) or an integration (service token). Every endpoint receives a `Principal`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from finegrid.api import limits
from finegrid.api.errors import ApiError, forbidden
from finegrid.api.models import ApiToken, TokenKind
from finegrid.api.tokens import authenticate
from finegrid.org.models import User
from finegrid.org.roles import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The caller. `user` is None for an integration acting through a service token."""

    user: User | None
    token: ApiToken | None = None

    @property
    def is_service(self) -> bool:
        return self.token is not None and self.token.kind == TokenKind.SERVICE

    @property
    def owner(self) -> str:
        """Whose uploads and idempotency keys these are: the user, or the integration."""
        if self.user is not None:
            return f"user:{self.user.pk}"
        assert self.token is not None
        return f"token:{self.token.pk}"

    def require_user(self) -> User:
        if self.user is None:
            raise forbidden(_("服务令牌不能执行此操作，请使用个人账号或个人令牌"))
        return self.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer fg_…`: a personal or a service token, rate-limited per token."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        found = authenticate(token)
        if found is None:
            # A wrong token counts against the caller's address, so guessing is slow.
            limits.check_request(request, token_id=None)
            raise ApiError(401, "invalid_token", _("接口令牌无效、已过期或已被吊销"))
        limits.check_request(request, token_id=found.pk)
        if found.kind == TokenKind.SERVICE:
            return Principal(None, found)
        if found.read_only and request.method not in SAFE_METHODS:
            raise forbidden(_("此令牌为只读令牌，不能修改数据"))
        user = found.user
        assert user is not None
        if found.roles:
            user.role_limit = frozenset(Role(r) for r in found.roles)
        return Principal(user, found)


class SessionAuth(APIKeyCookie):
    """The browser's login session; unsafe methods need the CSRF token as the pages send it."""

    param_name = "sessionid"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and isinstance(user, User) and user.is_active:
            return Principal(user)
        return None


def principal(request: HttpRequest) -> Principal:
    auth = getattr(request, "auth", None)
    assert isinstance(auth, Principal), "endpoint without authentication"
    return auth
