"""Issuing, finding and revoking API tokens.

The secret is shown once, when issued; afterwards only its prefix. A token's last use is written
at most once a minute, so that authenticating a busy integration does not write on every call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from finegrid.api.models import ApiToken, TokenKind
from finegrid.cases.errors import InvalidInput
from finegrid.cases.models import Source
from finegrid.geo.models import Area
from finegrid.org.models import User
from finegrid.org.roles import Role, roles_of

SECRET_PREFIX = "fg_"
_TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def issue_personal_token(
    *,
    user: User,
    name: str,
    roles: Iterable[Role] = (),
    read_only: bool = False,
    expires_at: dt.datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A token that acts as `user`, with at most the roles given (all of theirs when none are)."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", _("请填写令牌用途"))
    held = roles_of(user)
    wanted = frozenset(Role(r) for r in roles)
    if not wanted <= held:
        missing = "、".join(sorted(r.label for r in wanted - held))
        raise InvalidInput("roles", _("该用户没有这些岗位：%(roles)s") % {"roles": missing})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expires_at", _("过期时间应晚于现在"))
    secret = new_secret()
    token = ApiToken.objects.create(
        kind=TokenKind.PERSONAL,
        name=name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        user=user,
        roles=sorted(wanted),
        read_only=read_only,
        expires_at=expires_at,
        created_by=created_by or user,
    )
    return token, secret


def issue_service_token(
    *,
    name: str,
    source: Source,
    area: Area,
    created_by: User | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A token for an integration: its reports carry `source` and must fall inside `area`."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", _("请填写令牌用途"))
    if source not in Source.values:
        raise InvalidInput("source", _("问题来源“%(source)s”不存在") % {"source": source})
    secret = new_secret()
    token = ApiToken.objects.create(
        kind=TokenKind.SERVICE,
        name=name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        source=source,
        area=area,
        created_by=created_by,
        expires_at=expires_at,
    )
    return token, secret


def revoke_token(*, token: ApiToken, by: User) -> None:
    """Revoke a token: the owner revokes their own, an administrator any."""
    if token.user_id != by.pk and not by.has_perm("api.change_apitoken"):
        raise InvalidInput("token", _("只能吊销自己的令牌"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, or None; records its use at most once a minute."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user", "area").filter(key_hash=hash_secret(secret)).first()
    )
    if token is None or not token.is_active:
        return None
    if token.user is not None and not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def personal_tokens(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))
